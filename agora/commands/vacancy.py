"""``python -m agora vacancy UNITS_PATH [--centres PATH] [--json]``: vacancy rate per centre and survey date."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..analysis import vacancy
from ..loaders import load_units
from .common import add_centres_map_argument, add_map_argument, column_options, load_centres_option, guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vacancy", help="vacancy rate per centre and survey date from a units file")
    p.add_argument("path", help="units file (survey, OSM extract, register)")
    p.add_argument("--centres", metavar="PATH", help="centre boundaries: units are grouped by the centre they fall in")
    add_map_argument(p)
    add_centres_map_argument(p)
    p.add_argument("--as-of", metavar="DATE", help="date long-term vacancy of undated units is measured to (default today)")
    p.add_argument("--json", action="store_true",
                   help="print a list with one object per centre and survey date")
    p.set_defaults(func=run)


def _number(value):
    return None if value is None or pd.isna(value) else value


def vacancy_rows(units: pd.DataFrame, centres: pd.DataFrame | None, unassigned: str, as_of=None) -> list[dict]:
    """One plain dict per centre and survey date (what ``--json`` prints)."""
    data = vacancy.prepare(units, centres, unassigned=unassigned)
    table = vacancy.by_centre(data)
    durations = vacancy.vacancy_durations(data, as_of=as_of)
    day = durations["survey_date"].dt.strftime("%Y-%m-%d").fillna("undated")
    long_term = durations.groupby([durations["centre"], day])["long_term"].sum()
    ids = data.groupby("centre")["centre_id"].first()
    rows = []
    for rec in table.to_dict("records"):
        date = None if pd.isna(rec["survey_date"]) else pd.Timestamp(rec["survey_date"]).date().isoformat()
        rows.append({
            "centre": rec["centre"],
            "centre_id": _number(ids.get(rec["centre"])),
            "date": date,
            "units": rec["units"],
            "occupied": rec["occupied"],
            "vacant": rec["vacant"],
            "unknown": rec["unknown"],
            "vacancy_rate": None if pd.isna(rec["vacancy_rate"]) else round(float(rec["vacancy_rate"]), 4),
            "long_term_vacant": int(long_term.get((rec["centre"], date or "undated"), 0)),
        })
    return rows


@guarded
def run(args: argparse.Namespace) -> int:
    """Load the units (and centres) and print the vacancy table."""
    centres = load_centres_option(args)
    result = load_units(args.path, centres=centres, **column_options(args))
    unassigned = vacancy.OUTSIDE if centres is not None else Path(args.path).stem
    rows = vacancy_rows(result.data, centres, unassigned, as_of=args.as_of)
    if args.json:
        print_json(rows)
        return 0
    print(result.report.summary())
    print(f"{'centre':30} {'date':10} {'units':>6} {'occupied':>8} {'vacant':>6} {'unknown':>7} {'rate':>7} {'long-term':>9}")
    for r in rows:
        rate = "-" if r["vacancy_rate"] is None else f"{r['vacancy_rate']:.1%}"
        print(f"{r['centre'][:30]:30} {r['date'] or 'undated':10} {r['units']:>6} {r['occupied']:>8} {r['vacant']:>6} "
              f"{r['unknown']:>7} {rate:>7} {r['long_term_vacant']:>9}")
    change = vacancy.vacancy_change(vacancy.prepare(result.data, centres, unassigned=unassigned))
    for r in change.to_dict("records"):
        if not pd.isna(r["change_points"]):
            print(f"{r['centre']}: {r['rate_before']:.1%} on {r['date_before']:%Y-%m-%d} -> {r['rate_after']:.1%} on "
                  f"{r['date_after']:%Y-%m-%d} ({r['change_points']:+.1f} points)")
    print("vacancy rate = vacant / (occupied + vacant); units of unknown status are left out of the rate")
    return 0
