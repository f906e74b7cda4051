"""``python -m agora audit [--json]``: every action on contributions, newest first."""

from __future__ import annotations

import argparse
import json

from .common import guarded, print_json
from .moderation import open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="the audit trail of contributions and moderation")
    p.add_argument("--contribution", type=int, metavar="ID", help="only the rows of one contribution")
    p.add_argument("--limit", type=int, help="at most this many rows (newest first)")
    p.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--json", action="store_true", help="print a list of audit rows")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    rows = open_store(args.workspace).audit(contribution_id=args.contribution, limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        target = f"#{r['contribution_id']}" if r["contribution_id"] is not None else "-"
        print(f"{r['at']:%Y-%m-%d %H:%M:%S}  {r['actor']:12} {r['action']:15} {target:8} "
              f"{_json(r['before'])} -> {_json(r['after'])}" + (f"  ({r['note']})" if r["note"] else ""))
    return 0


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
