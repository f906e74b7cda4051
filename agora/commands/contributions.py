"""``python -m agora contributions import|list|export``: paper forms in, the queue out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..loaders.report import LoadError
from ..store.contributions import KINDS, REPORT_CHANGES, STATUSES, THEMES, ContributionError, Submission
from ..store.contributions import export
from .common import guarded, print_json
from .moderation import open_store, place_data

COLUMNS = ("kind", "town", "unit_id", "lat", "lon", "status", "name", "category", "text")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("contributions", help="public contributions: import paper forms, list, export")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = actions.add_parser("import", help="add paper forms (CSV) to the moderation queue")
    imp.add_argument("file", help=f"CSV with columns {', '.join(COLUMNS)}")
    imp.add_argument("--json", action="store_true", help="print the result as JSON")
    ls = actions.add_parser("list", help="list contributions, oldest first")
    ls.add_argument("--town", help="centre id or name")
    ls.add_argument("--kind", choices=KINDS)
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--json", action="store_true", help="print a list of objects")
    ex = actions.add_parser("export", help="write every contribution to standard output")
    fmt = ex.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV (default)")
    fmt.add_argument("--geojson", action="store_true", help="GeoJSON points")
    ex.add_argument("--status", choices=STATUSES, help="only contributions with this status")
    for parser in (imp, ls, ex):
        parser.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.set_defaults(func=run)


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def _town(value: str, centres) -> str:
    """A centre id from an id or a name (case does not matter)."""
    if value in set(centres["centre_id"]):
        return value
    by_name = {str(n).strip().lower(): c for c, n in zip(centres["centre_id"], centres["name"])}
    if value.strip().lower() in by_name:
        return by_name[value.strip().lower()]
    raise ContributionError(f"no town {value!r} (give a centre id or name)")


def submission(row: dict, centres, units_of) -> Submission:
    """One CSV row as a Submission (raises ContributionError with the reason)."""
    kind = _text(row.get("kind")).lower()
    if kind not in KINDS:
        raise ContributionError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    lat, lon = _text(row.get("lat")), _text(row.get("lon"))
    town = _text(row.get("town"))
    sub = Submission(kind, "", text=_text(row.get("text")), name=_text(row.get("name")) or None,
                     category=_text(row.get("category")).lower().replace(" ", "_") or None)
    if lat or lon:
        try:
            sub.lat, sub.lon = float(lat), float(lon)
        except ValueError:
            raise ContributionError(f"lat/lon {lat!r}, {lon!r} are not numbers") from None
    if town:
        sub.centre_id = _town(town, centres)
    elif sub.lat is not None:
        from ..store.contributions.rules import locate

        sub.centre_id = locate(centres, sub.lat, sub.lon)
    else:
        raise ContributionError("no town and no position")
    status = _text(row.get("status")).lower().replace(" ", "_")
    if kind == "report":
        sub.unit_id = _text(row.get("unit_id")) or None
        sub.change = {"now_vacant": "vacant", "occupied": "reopened", "new": "new_business"}.get(status, status)
        if sub.change not in REPORT_CHANGES:
            raise ContributionError(f"status {status!r} for a report: one of {', '.join(REPORT_CHANGES)}")
        position = units_of(sub.centre_id).get(sub.unit_id or "")
        if sub.lat is None and position:
            sub.lat, sub.lon = position
    elif kind == "nomination":
        sub.acv = status in ("acv", "yes", "true", "1")
    elif kind == "rating":
        sub.ratings = {k: _text(row.get(k)) for k in THEMES if _text(row.get(k))}
    return sub


def import_file(path: str, store, centres, units_of) -> dict:
    """Put every good row of a paper-form CSV in the queue; returns counts and rejected rows."""
    file = Path(path)
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise LoadError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise LoadError(f"{file.name}: not a readable CSV file ({exc})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "kind" not in table.columns:
        raise LoadError(f"{file.name}: no 'kind' column; the columns are {', '.join(COLUMNS)}")
    added, rejected = [], []
    for i, row in enumerate(table.to_dict("records"), start=2):
        try:
            sub = submission(row, centres, units_of)
            receipt = store.submit(sub, centres=centres, unit_ids=lambda c: units_of(c).keys(),
                                   origin=f"paper form: {file.name}", note=f"imported from {file.name}, row {i}",
                                   rate_limited=False)
            added.append({"row": i, "id": receipt.id, "code": receipt.code})
        except ContributionError as exc:
            rejected.append({"row": i, "reason": str(exc)})
    return {"file": file.name, "rows_read": len(table), "added": added, "rejected": rejected}


@guarded
def run(args: argparse.Namespace) -> int:
    store = open_store(args.workspace)
    if args.action == "import":
        centres, units_of = place_data(args.workspace)
        result = import_file(args.file, store, centres, units_of)
        if args.json:
            print_json(result)
        else:
            print(f"{result['file']}: {result['rows_read']} rows read, {len(result['added'])} added to the "
                  f"moderation queue, {len(result['rejected'])} rejected")
            for item in result["rejected"]:
                print(f"rejected row {item['row']}: {item['reason']}")
        return 0
    if args.action == "list":
        town = None
        if args.town:
            centres, _ = place_data(args.workspace)
            try:
                town = _town(args.town, centres)
            except ContributionError:
                town = args.town
        rows = store.query(centre_id=town, kind=args.kind, status=args.status)
        if args.json:
            print_json([export.public_row(r) for r in rows])
        else:
            for r in rows:
                text = (r["text"] or r["details"].get("name") or "").replace("\n", " ")
                print(f"#{r['id']:<6} {r['created_at']:%Y-%m-%d %H:%M}  {r['kind']:10} {r['centre_id']:12} "
                      f"{r['status']:9} {text[:60]}")
            print(f"{len(rows)} contribution(s)")
        return 0
    rows = store.query(status=args.status)
    sys.stdout.write(export.to_geojson(rows) + "\n" if args.geojson else export.to_csv(rows))
    return 0
