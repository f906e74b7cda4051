"""``python -m agora diagnose UNITS_PATH [--centres PATH] [--brands PATH] [--method nef50|all] [--json]``.

Clone-town diagnosis per centre: nef 2005 score and class, reconstructed nef 2010 index,
diversity and ownership shares. A survey CSV with name, type and ownership columns and
no coordinates is a valid UNITS_PATH (every unit is then scored, as surveyed).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from ..analysis.clone import METHODS, CloneSettings, diagnose
from ..analysis.ownership import classify_ownership, load_brands
from ..loaders import load_units
from ..loaders.report import LoadError
from .common import add_centres_map_argument, add_map_argument, column_options, load_centres_option, guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diagnose", help="clone-town diagnosis per centre (nef scores, diversity, chains)")
    p.add_argument("path", nargs="+", metavar="UNITS_PATH",
                   help="units file(s): survey, OSM extract, register (several files are read as one)")
    p.add_argument("--centres", metavar="PATH", help="centre boundaries: units are grouped by the centre they fall in")
    p.add_argument("--by", metavar="COLUMN", default="centre_id",
                   help="group units into centres by this column instead (e.g. addr:city)")
    p.add_argument("--brands", metavar="PATH", action="append", default=[],
                   help="extra brand list CSV (brand, match_names, ... e.g. made from the name-suggestion-index)")
    p.add_argument("--method", choices=METHODS, default="nef50",
                   help="nef50: the 50 units nearest the heart of the centre (nef's walk); all: every unit")
    p.add_argument("--heart", metavar="LON,LAT", help="where nef's walk starts (default: where units are densest)")
    p.add_argument("--k", type=int, default=3, help="a name found in at least K centres is a chain (default 3)")
    p.add_argument("--symbol-groups-separate", action="store_true",
                   help="do not count symbol-group stores (Spar, Londis...) as chains in nef scores")
    add_map_argument(p)
    add_centres_map_argument(p)
    p.add_argument("--json", action="store_true", help="print a list with one object per centre")
    p.set_defaults(func=run)


def _plain(value, digits: int = 4):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float):
        return round(value, digits)
    if hasattr(value, "item"):
        return _plain(value.item(), digits)
    return value


def rows_for_json(table: pd.DataFrame) -> list[dict]:
    """Plain dicts (rounded numbers, None for missing) of a :func:`diagnose` table."""
    out = []
    for rec in table.to_dict("records"):
        row = {}
        for key, value in rec.items():
            digits = 2 if key.startswith(("nef", "heart_", "bootstrap", "radius")) else 4
            row[key] = _plain(value, digits)
        out.append(row)
    return out


def load_many(paths: list[str], centres, **options) -> tuple[pd.DataFrame, list]:
    """Load each units file (coordinates optional) and stack them; `options` go to the loader."""
    frames, reports = [], []
    for path in paths:
        result = load_units(path, centres=centres, require_geometry=False, **options)
        frames.append(result.data)
        reports.append(result.report)
    units = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return units, reports


@guarded
def run(args: argparse.Namespace) -> int:
    """Load units, decide ownership, diagnose each centre and print the table."""
    try:
        brands = load_brands(*args.brands)
    except ValueError as exc:
        raise LoadError(str(exc)) from exc
    heart = None
    if args.heart:
        try:
            lon, lat = (float(v) for v in args.heart.split(","))
        except ValueError as exc:
            raise LoadError(f"--heart {args.heart!r}: write LON,LAT in degrees, e.g. -2.0142,53.7421") from exc
        heart = (lon, lat)
    centres = load_centres_option(args)
    units, reports = load_many(args.path, centres, **column_options(args))
    by = args.by
    if by != "centre_id" and by not in units:
        raise LoadError(f"--by {by!r}: no such column; found {', '.join(map(str, units.columns[:30]))}")
    if centres is None and by == "centre_id" and units["centre_id"].isna().all():
        units["centre_id"] = Path(args.path[0]).stem if len(args.path) == 1 else "all-units"
    units = classify_ownership(units, brands, k=args.k, centre_column=by)
    settings = CloneSettings(method=args.method, symbol_groups_as_chains=not args.symbol_groups_separate)
    groups = units[by].astype("string")
    hearts = {str(c): heart for c in groups.dropna().unique()} if heart else None
    table = diagnose(units, centres, by=by, settings=settings, hearts=hearts)
    unassigned = int(groups.isna().sum()) if by != "centre_id" or centres is not None else 0
    if args.json:
        print_json(rows_for_json(table))
        return 0
    for report in reports:
        print(report.summary())
    rules = units["ownership_source"].fillna("not decided").value_counts()
    print("ownership decided by: " + ", ".join(f"{k} {v}" for k, v in rules.items()))
    if unassigned:
        print(f"{unassigned} units have no centre and are not diagnosed")
    if units["category"].isna().all():
        uses = ", ".join(c for r in reports for c, t in r.columns.items() if t == "source_category") or "none"
        print(f"note: no unit has a shop type we know (use column: {uses}), so none can be scored; map the column "
              "holding the use with --map COLUMN=source_category")
    print(f"{'centre':24} {'scored':>6} {'indep':>5} {'chain':>5} {'types':>5} {'nef05':>6} {'class':12} "
          f"{'nef10*':>6} {'class':12} {'shannon':>7} {'simpson':>7}")
    for r in table.to_dict("records"):
        def num(v, fmt="{:.1f}"):
            return "-" if v is None or pd.isna(v) else fmt.format(v)
        print(f"{str(r['centre'])[:24]:24} {r['n_scored']:>6} {r['independents']:>5} {r['chains']:>5} {r['types']:>5} "
              f"{num(r['nef2005_score']):>6} {r['nef2005_class'] or '-':12} {num(r['nef2010_index']):>6} "
              f"{r['nef2010_class'] or '-':12} {num(r['shannon'], '{:.2f}'):>7} {num(r['simpson'], '{:.2f}'):>7}")
        if r["verdict"]:
            print(f"  verdict: {r['verdict']}")
        if r["notes"]:
            print(f"  note: {r['notes']}")
    print("nef 2005 score = (5 x types + 50 x independents + 5 x chains) / scored; below 25 clone town, "
          "25 to 35 border town, above 35 home town")
    print("* nef 2010 index reconstructed (nef's formula is not public): 70 x independent share + 30 x types/26; "
          "below 50 clone, above 65 home")
    return 0
