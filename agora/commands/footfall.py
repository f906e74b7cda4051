"""``python -m agora footfall COUNTS_PATH [--sites PATH] [--json]``: summarise a counter export.

Reads any shape the footfall loader knows (long hourly or daily, wide with one column
per sensor, in/out feeds), resolves duplicates, and prints per site the dates
covered, total, days reported and missing, and the busiest day. Totals are footfall:
for a site counted both ways, its ``in`` counts (see :mod:`agora.analysis.footfall`).
"""

from __future__ import annotations

import argparse
import re

import pandas as pd

from ..analysis import footfall as analysis
from ..loaders import load_footfall_counts, load_footfall_sites
from ..loaders.footfall import describe_shape, join_sites, sites_from_counts
from .common import add_map_argument, column_options, guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("footfall", help="summarise footfall counts per site (totals, gaps, busiest day)")
    p.add_argument("path", help="the counts: CSV, Excel or Parquet; long, wide (one column per sensor) or in/out")
    p.add_argument("--sites", help="site locations (CSV with lat/lon, GeoJSON...), joined by site id or name")
    add_map_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _int(value) -> int | float | None:
    return analysis._num(None if value is None or pd.isna(value) else float(value))


def summarise(path: str, sites_path: str | None = None, column_map: dict | None = None,
              defaults: dict | None = None, value_map: dict | None = None, **_: object) -> dict:
    """Load `path` (and `sites_path`) and build the object the command prints."""
    result = load_footfall_counts(path, column_map=column_map or None, defaults=defaults or None,
                                  value_map=value_map or None)
    counts, report = result.data, result.report
    notes = list(report.notes)
    if sites_path:
        sites = load_footfall_sites(sites_path).data
        counts, sites, join_notes = join_sites(counts, sites)
        notes += join_notes
    else:
        sites = sites_from_counts(counts)
    per_site = analysis.summary_by_site(counts)
    overall = analysis.summary(counts)
    directions = counts.loc[counts["count"].notna(), "direction"].value_counts().to_dict()
    info = sites.drop_duplicates("site_id").set_index("site_id")
    rows = []
    per_site = per_site.sort_values("site_id", key=lambda s: s.map(_natural), kind="stable")
    for rec in per_site.to_dict("records"):
        sid = rec["site_id"]
        row = {
            "site": sid,
            "name": None,
            "first_date": _iso(rec["first_date"]),
            "last_date": _iso(rec["last_date"]),
            "total": _int(rec["total"]),
            "days_reported": int(rec["days_reported"]),
            "missing_days": _int(rec["missing_days"]),
            "busiest_day": _iso(rec["busiest_day"]),
            "busiest_day_total": _int(rec["busiest_day_total"]),
            "missing_values": int(rec["missing_values"]),
        }
        if sid in info.index:
            site = info.loc[sid]
            row["name"] = None if pd.isna(site.get("name")) else str(site.get("name"))
            if "centre_id" in info and not pd.isna(site.get("centre_id")):
                row["centre_id"] = str(site["centre_id"])
            geom = site.get("geometry") if "geometry" in info else None
            if geom is not None and not pd.isna(geom) and not geom.is_empty:
                row["lat"], row["lon"] = round(geom.y, 6), round(geom.x, 6)
        rows.append(row)
    return {
        "file": report.file,
        "shape": describe_shape(report),
        "interval": sorted(counts["interval"].dropna().unique().tolist()),
        "rows_read": report.rows_read,
        "rows_kept": report.rows_kept,
        "rows_rejected": report.rows_rejected - report.duplicate_rows,
        "duplicate_rows": report.duplicate_rows,
        "missing_values": int(counts["count"].isna().sum()),
        "total": overall["total"],
        "counts_by_direction": {k: _int(counts.loc[counts["direction"] == k, "count"].sum()) for k in directions},
        "first_date": overall["first_date"],
        "last_date": overall["last_date"],
        "days_reported": overall["days_reported"],
        "busiest_day": overall["busiest_day"],
        "busiest_day_total": overall["busiest_day_total"],
        "site_count": len(rows),
        "sites": rows,
        "rejected": [r for r in report.to_dict()["rejected"] if not r["reason"].startswith(("duplicate", "superseded"))][:50],
        "notes": notes,
    }


def _natural(text) -> tuple:
    """Sort key putting "2" before "10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in re.split(r"(\d+)", str(text)) if part)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, float)):
        return f"{value:,.0f}"
    return str(value)


def print_summary(out: dict) -> None:
    """Print the summary for people."""
    print(f"{out['file']}: {out['shape']} form, {', '.join(out['interval'])} counts; {out['rows_read']:,} rows read, "
          f"{out['rows_kept']:,} counts kept, {out['rows_rejected']:,} rejected, {out['duplicate_rows']:,} duplicates dropped, "
          f"{out['missing_values']:,} missing values (kept as missing)")
    print(f"total footfall {_fmt(out['total'])} from {out['first_date']} to {out['last_date']} at {out['site_count']} sites; "
          f"busiest day {out['busiest_day']} ({_fmt(out['busiest_day_total'])})")
    if len(out["counts_by_direction"]) > 1:
        print("counts by direction: " + ", ".join(f"{k} {_fmt(v)}" for k, v in out["counts_by_direction"].items())
              + " (the total uses 'total', else 'in', per site)")
    for note in out["notes"]:
        print(f"note: {note}")
    for item in out["rejected"][:10]:
        print(f"rejected row {item['row']}: {item['reason']}")
    header = ("site", "name", "first", "last", "total", "days", "missing", "busiest day", "busiest total")
    table = [header] + [
        (s["site"][:30], (s["name"] or "")[:40] if s["name"] != s["site"] else "", s["first_date"] or "-", s["last_date"] or "-", _fmt(s["total"]), _fmt(s["days_reported"]),
         _fmt(s["missing_days"]), s["busiest_day"] or "-", _fmt(s["busiest_day_total"]))
        for s in out["sites"]
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))))


@guarded
def run(args: argparse.Namespace) -> int:
    """Summarise the counts file."""
    out = summarise(args.path, args.sites, **column_options(args))
    if args.json:
        print_json(out)
    else:
        print_summary(out)
    return 0
