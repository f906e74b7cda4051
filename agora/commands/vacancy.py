"""``python -m agora vacancy [UNITS_PATH | --workspace [DIR]] [--centres PATH] [--json]``: vacancy per centre and date.

Units are carried forward over updates (:mod:`agora.analysis.surveys`): ``units`` counts
the units known on the date, ``covered`` those surveyed on it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..analysis import surveys, vacancy
from ..loaders import load_units
from ..loaders.report import LoadError
from .common import add_centres_map_argument, add_map_argument, column_options, load_centres_option, guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vacancy", help="vacancy rate per centre and survey date from a units file or the workspace")
    p.add_argument("path", nargs="?", help="units file (survey, OSM extract, register)")
    p.add_argument("--workspace", nargs="?", const="", metavar="DIR",
                   help="report the workspace's saved units, surveys and updates (default folder: $AGORA_WORKSPACE "
                        "or ./workspace)")
    p.add_argument("--centres", metavar="PATH", help="centre boundaries: units are grouped by the centre they fall in")
    add_map_argument(p)
    add_centres_map_argument(p)
    p.add_argument("--as-of", metavar="DATE", help="date long-term vacancy of undated units is measured to (default today)")
    p.add_argument("--json", action="store_true",
                   help="print a list with one object per centre and survey date")
    p.set_defaults(func=run)


def _number(value):
    return None if value is None or pd.isna(value) else value


def workspace_layers(path: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The workspace's saved units (classified, placed in centres) and centres, through the data service."""
    from ..service import DataService

    svc = DataService(path or None, seed_demo=False)
    return svc.layer("units"), svc.centres()


def vacancy_rows(units: pd.DataFrame, centres: pd.DataFrame | None, unassigned: str, as_of=None) -> list[dict]:
    """One plain dict per centre and survey date (what ``--json`` prints), units carried forward."""
    data = vacancy.prepare(units, centres, unassigned=unassigned)
    table = surveys.vacancy_over_time(data, centres)
    durations = vacancy.vacancy_durations(data, as_of=as_of)
    names = dict(zip(data["centre_id"].astype("string").fillna(""), data["centre"]))
    rows = []
    for rec in table.to_dict("records"):
        cid = "" if pd.isna(rec["centre_id"]) else rec["centre_id"]
        state = surveys.units_on(data[data["centre_id"].astype("string").fillna("") == cid],
                                 "undated" if pd.isna(rec["date"]) else rec["date"])
        long_term = int(durations["long_term"].reindex(state.index).fillna(False).astype(bool).sum())
        date = None if pd.isna(rec["date"]) else pd.Timestamp(rec["date"]).date().isoformat()
        rows.append({
            "centre": names.get(cid, unassigned),
            "centre_id": cid or None,
            "date": date,
            "coverage": rec["coverage"],
            "units": rec["units"],
            "occupied": rec["occupied"],
            "vacant": rec["vacant"],
            "unknown": rec["unknown"],
            "vacancy_rate": None if pd.isna(rec["vacancy_rate"]) else round(float(rec["vacancy_rate"]), 4),
            "covered": rec["covered"],
            "long_term_vacant": long_term,
            "describes": rec["describes"],
            "coverage_rule": rec["coverage_rule"],
        })
    return rows


@guarded
def run(args: argparse.Namespace) -> int:
    """Load the units (and centres) and print the vacancy table."""
    if args.workspace is not None:
        units, centres = workspace_layers(args.workspace)
        if units.empty:
            raise LoadError(f"{args.workspace or 'workspace'}: no units saved")
        unassigned, report = vacancy.OUTSIDE, None
    elif args.path:
        centres = load_centres_option(args)
        result = load_units(args.path, centres=centres, **column_options(args))
        units, report = result.data, result.report
        unassigned = vacancy.OUTSIDE if centres is not None else Path(args.path).stem
    else:
        raise LoadError("vacancy: give a units file or --workspace")
    rows = vacancy_rows(units, centres, unassigned, as_of=args.as_of)
    if args.json:
        print_json(rows)
        return 0
    if report is not None:
        print(report.summary())
    print(f"{'centre':30} {'date':10} {'units':>6} {'occupied':>8} {'vacant':>6} {'unknown':>7} {'rate':>7} "
          f"{'long-term':>9} {'covered':>7}")
    for r in rows:
        rate = "-" if r["vacancy_rate"] is None else f"{r['vacancy_rate']:.1%}"
        print(f"{r['centre'][:30]:30} {r['date'] or 'undated':10} {r['units']:>6} {r['occupied']:>8} {r['vacant']:>6} "
              f"{r['unknown']:>7} {rate:>7} {r['long_term_vacant']:>9} {r['covered']:>7}")
    for r in rows:
        if r["coverage"] == "update" or r["coverage_rule"].startswith("detected"):
            print(f"{r['centre']} {r['date']}: {r['describes']} ({r['coverage_rule']})")
    change = vacancy.vacancy_change(vacancy.prepare(units, centres, unassigned=unassigned))
    for r in change.to_dict("records"):
        if not pd.isna(r["change_points"]):
            print(f"{r['centre']}: {r['rate_before']:.1%} on {r['date_before']:%Y-%m-%d} -> {r['rate_after']:.1%} on "
                  f"{r['date_after']:%Y-%m-%d} ({r['change_points']:+.1f} points)")
    print("vacancy rate = vacant / (occupied + vacant) of the units known on the date (carried forward over "
          "updates); units of unknown status are left out of the rate")
    return 0
