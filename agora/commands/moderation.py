"""``python -m agora moderate ID approve|reject|hide --as NAME``, and the store and place data the
contribution commands share."""

from __future__ import annotations

import argparse

from ..store.contributions import REJECT_REASONS, ContributionError, ContributionStore
from ..service import DataService
from .common import guarded, print_json


def open_store(workspace: str | None = None) -> ContributionStore:
    """The contributions store: ``$AGORA_DATABASE_URL``, else the workspace's SQLite file."""
    return ContributionStore.open(workspace=DataService(workspace).path)


def place_data(workspace: str | None = None):
    """All centres, and centre id -> {unit id: (lat, lon)} (the contributions checks need both).

    The one place the contribution commands read the workspace's layers.
    """
    svc = DataService(workspace)
    centres = svc.centres()
    cache: dict[str, dict] = {}

    def units_of(centre_id: str) -> dict[str, tuple[float, float]]:
        if centre_id not in cache:
            mine = svc.town("units", centre_id).drop_duplicates("unit_id", keep="last")
            mine = mine[mine.geometry.notna()]
            cache[centre_id] = {str(u): (g.y, g.x) for u, g in zip(mine["unit_id"], mine.geometry)}
        return cache[centre_id]

    return centres, units_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("moderate", help="approve, reject or hide a contribution")
    p.add_argument("id", type=int, help="contribution id (see `contributions list`)")
    p.add_argument("action", choices=("approve", "reject", "hide"))
    p.add_argument("--reason", choices=REJECT_REASONS, help="why it is rejected (needed for reject)")
    p.add_argument("--note", help="a note (needed with --reason other)")
    p.add_argument("--as", dest="moderator", required=True, metavar="NAME", help="the moderator acting")
    p.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--json", action="store_true", help="print the contribution as JSON")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    store = open_store(args.workspace)
    try:
        if args.action == "approve":
            row = store.approve(args.id, args.moderator)
        elif args.action == "hide":
            row = store.hide(args.id, args.moderator, args.note)
        else:
            if not args.reason:
                raise ContributionError(f"reject needs --reason, one of: {', '.join(REJECT_REASONS)}")
            row = store.reject(args.id, args.moderator, args.reason, args.note)
    except ContributionError as exc:
        print(f"error: {exc}")
        return 2
    if args.json:
        print_json(row)
    else:
        print(f"#{row['id']} is now {row['status']}" + (f" ({row['reason']})" if row.get("reason") else ""))
    return 0
