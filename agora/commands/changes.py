"""``python -m agora changes [--workspace DIR] [--town T] [--from DATE] [--to DATE] [--json]``: what changed.

For each centre of the workspace (or one), what changed between two dates (default: the
centre's last two surveys): :func:`agora.analysis.changes.town_changes`, the same figures
as the Overview page's "What changed" section.
"""

from __future__ import annotations

import argparse
import os
from datetime import date

import pandas as pd

from ..analysis import changes, reference
from ..loaders.report import LoadError
from .common import guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("changes", help="what changed in each centre between two surveys (closed, opened, vacancy...)")
    p.add_argument("--workspace", metavar="DIR", help="workspace folder (default: the app's, $AGORA_WORKSPACE or "
                                                      "./workspace)")
    p.add_argument("--town", metavar="T", help="one centre (id or name); default every centre")
    p.add_argument("--from", dest="since", metavar="DATE", help="first date (default: each centre's survey before "
                                                                "the second date)")
    p.add_argument("--to", dest="until", metavar="DATE", help="second date (default: each centre's latest survey)")
    p.add_argument("--json", action="store_true", help="print a list with one object per centre")
    p.set_defaults(func=run)


def _date(value: str | None, flag: str):
    if value is None:
        return None
    try:
        return pd.Timestamp(date.fromisoformat(value.strip()))
    except (ValueError, TypeError):
        raise LoadError(f"{flag} {value!r}: write a date as YYYY-MM-DD") from None


def _town(value: str, centres: pd.DataFrame) -> str:
    ids = centres["centre_id"].astype(str).tolist()
    if value in ids:
        return value
    by_name = {str(n).strip().lower(): c for c, n in zip(ids, centres["name"])}
    if value.strip().lower() in by_name:
        return by_name[value.strip().lower()]
    raise LoadError(f"no centre {value!r} in the workspace (give a centre id or name)")


def contribution_rows(svc, centre_id: str, before, after) -> list[dict] | None:
    """The centre's approved contributions in the period, or None when the workspace has no contributions store.

    Opens the store only when it exists (``$AGORA_DATABASE_URL``, or the workspace's SQLite file): reading
    never creates one.
    """
    from ..store.contributions import ContributionStore
    from ..store.contributions.db import SQLITE_NAME

    if not os.environ.get("AGORA_DATABASE_URL", "").strip() and not (svc.path / SQLITE_NAME).exists():
        return None
    store = ContributionStore.open(workspace=svc.path)
    return store.query(centre_id=centre_id, status="approved", since=pd.Timestamp(before).date(),
                       until=pd.Timestamp(after).date())


def centre_changes(svc, centre_id: str, name: str, before=None, after=None, *, group: str = "all",
                   table: pd.DataFrame | None = None, centres: pd.DataFrame | None = None) -> changes.Changes:
    """What changed in one centre, read through the data service (units, footfall, contributions).

    Over the last two surveys the vacancy change is set beside the median centre's of `group`
    (the Overview's default), from the stored indicator `table` and `centres` (read when not given).
    """
    units = svc.town("units", centre_id)
    sites = svc.town("footfall_sites", centre_id)
    counts = svc.town_counts(centre_id) if len(sites) else None
    result = changes.town_changes(units, centre_id=centre_id, name=name, before=before, after=after,
                                  counts=counts, sites=sites)
    if result.compared:
        result.reports = changes.public_reports(contribution_rows(svc, centre_id, result.from_date, result.to_date),
                                                result.from_date, result.to_date)
        table = svc.indicators() if table is None else table
        refs = reference.references(table, centre_id, svc.centres() if centres is None else centres)
        result = changes.set_against(result, refs, group)
    return result


@guarded
def run(args: argparse.Namespace) -> int:
    """Print what changed per centre."""
    from ..service import DataService

    svc = DataService(args.workspace or None)
    centres = svc.centres()
    if centres.empty:
        raise LoadError(f"{args.workspace or 'workspace'}: no centres saved")
    before, after = _date(args.since, "--from"), _date(args.until, "--to")
    table, all_centres = svc.indicators(), centres
    if args.town:
        centres = centres[centres["centre_id"].astype(str) == _town(args.town, centres)]
    out = []
    for cid, name in zip(centres["centre_id"].astype(str), centres["name"].astype(str)):
        try:
            result = centre_changes(svc, cid, name, before, after, table=table, centres=all_centres)
        except ValueError as exc:
            if args.town:
                raise LoadError(f"{name}: {exc}") from None
            result = changes.Changes(centre_id=cid, name=name, from_date=None, to_date=None, notes=[f"{exc}"])
        out.append(result)
    if args.json:
        print_json([r.to_dict() for r in out])
        return 0
    for r in out:
        print(f"{r.name} ({r.centre_id})")
        print(f"  {r.paragraph}")
        for note in r.notes[1 if not r.compared else 0:]:
            print(f"  note: {note}")
        if r.compared:
            for title, table in (("closed", r.closed), ("opened", r.opened)):
                if len(table):
                    shown = ", ".join(f"{u} {n}" if isinstance(n, str) else str(u)
                                      for u, n in zip(table["unit_id"], table["name"]))
                    print(f"  {title}: {shown}")
    return 0
