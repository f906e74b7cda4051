"""``python -m agora assets ASSETS_PATH [--centres PATH] [--units PATH] [--json]``: assets per centre and category."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..analysis import assets as analysis
from ..loaders import load_assets, load_units
from .common import add_centres_map_argument, add_map_argument, column_options, load_centres_option, guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assets", help="community assets per centre and category: count, density, 400 m coverage")
    p.add_argument("path", help="assets file (ACV register, list of libraries, OSM amenities...)")
    p.add_argument("--centres", metavar="PATH", help="centre boundaries: assets are counted per centre")
    p.add_argument("--units", metavar="PATH", help="units (premises) whose coverage within 400 m is measured")
    add_map_argument(p)
    add_centres_map_argument(p)
    p.add_argument("--reach", type=float, default=analysis.REACH_M, help="coverage distance in metres (default 400)")
    p.add_argument("--as-of", metavar="DATE", help="date expiring listings are counted from (default today)")
    p.add_argument("--json", action="store_true", help="print a list with one object per centre and category")
    p.set_defaults(func=run)


def _value(v):
    if v is None or pd.isna(v):
        return None
    return round(float(v), 4) if isinstance(v, float) else v


def asset_rows(assets, centres, units, unassigned: str, reach: float = analysis.REACH_M) -> list[dict]:
    """One plain dict per centre and category (what ``--json`` prints)."""
    table = analysis.summary(assets, centres, units, reach=reach, unassigned=unassigned)
    col = f"coverage_{int(reach)}m"
    rows = []
    for rec in table.to_dict("records"):
        rows.append({
            "centre": rec["centre"],
            "centre_id": _value(rec["centre_id"]),
            "category": rec["category"],
            "count": int(rec["count"]),
            "area_km2": _value(rec["area_km2"]),
            "per_km2": _value(rec["per_km2"]),
            "units": _value(rec["units"]),
            "coverage_400m" if col == "coverage_400m" else col: _value(rec[col]),
        })
    return rows


@guarded
def run(args: argparse.Namespace) -> int:
    """Load the assets (and centres, units) and print the table."""
    centres = load_centres_option(args)
    result = load_assets(args.path, centres=centres, **column_options(args))
    units = load_units(args.units, centres=centres).data if args.units else None
    unassigned = analysis.OUTSIDE if centres is not None else Path(args.path).stem
    if units is not None and centres is None:
        units = units.assign(centre_id=pd.NA)  # one area: the units are grouped with the assets
    rows = asset_rows(result.data, centres, units, unassigned, reach=args.reach)
    if args.json:
        print_json(rows)
        return 0
    print(result.report.summary())
    cov = next(k for k in rows[0] if k.startswith("coverage_")) if rows else "coverage_400m"
    print(f"{'centre':30} {'category':18} {'count':>6} {'per km2':>8} {cov:>14}")
    for r in rows:
        dens = "-" if r["per_km2"] is None else f"{r['per_km2']:.1f}"
        share = "-" if r[cov] is None else f"{r[cov]:.0%}"
        print(f"{r['centre'][:30]:30} {r['category'][:18]:18} {r['count']:>6} {dens:>8} {share:>14}")
    if units is None:
        print(f"coverage needs units: add --units PATH to measure the share of units within {args.reach:g} m")
    soon = analysis.expiring(result.data, as_of=args.as_of)
    print(f"listings expiring within {analysis.EXPIRY_MONTHS} months: {len(soon)}")
    for r in soon.to_dict("records"):
        print(f"  {r['expires_on']:%Y-%m-%d} ({r['days_left']} days)  {r['name']}")
    return 0
