"""``python -m agora moderators add|remove|list [NAME]``: the town team's accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..store.contributions import ContributionError
from .common import guarded, print_json
from .moderation import open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("moderators", help="add, remove or list moderator accounts")
    p.add_argument("action", choices=("add", "remove", "list"))
    p.add_argument("name", nargs="?", help="the moderator's name (add, remove)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from one line of standard input instead of the prompt")
    p.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--json", action="store_true", help="list as JSON")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    store = open_store(args.workspace)
    if args.action == "list":
        rows = store.moderators()
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                print(f"{r['name']:20} since {r['created_at']:%Y-%m-%d}")
            print(f"{len(rows)} moderator(s)")
        return 0
    if not args.name:
        print(f"error: moderators {args.action} needs a NAME", file=sys.stderr)
        return 2
    try:
        if args.action == "remove":
            store.remove_moderator(args.name)
            print(f"moderator {args.name} removed")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(f"Password for {args.name}: ")
            if getpass.getpass("Again: ") != password:
                print("error: the two passwords differ", file=sys.stderr)
                return 2
        store.add_moderator(args.name, password)
    except ContributionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"moderator {args.name} added")
    return 0
