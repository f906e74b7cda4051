"""``python -m agora import PATH --layer LAYER``: validate a file and save it into the workspace."""

from __future__ import annotations

import argparse

from ..loaders import as_coverage
from ..store.workspace import Workspace
from .common import add_layer_argument, add_map_argument, guarded, print_json, print_report
from .validate import load_with_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="validate a file and save it into the workspace as a layer")
    p.add_argument("path", help="the file to import")
    add_layer_argument(p)
    add_map_argument(p)
    p.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--replace", action="store_true", help="replace the layer's existing datasets (demo included)")
    p.add_argument("--source", help="where the data came from, shown in the app (default: the file name)")
    p.add_argument("--new-centre", metavar="NAME",
                   help="draw a centre called NAME around the rows that fall in no centre, and save it too")
    p.add_argument("--update", action="store_true",
                   help="units: the file updates the units it covers (the others keep their last known state)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    """Load, save and report."""
    result = load_with_options(args)
    if args.update:
        result = as_coverage(result, "update")
    ws = Workspace(args.workspace)
    if args.new_centre:
        result = ws.draw_centre(result, args.new_centre)
    dataset = ws.save(result, source=args.source, replace=args.replace)
    if args.json:
        print_json({**result.report.to_dict(), "dataset": dataset.dataset_id, "workspace": str(ws.path)})
    else:
        print_report(result.report)
        print(f"saved as {dataset.dataset_id} in {ws.path}")
    return 0

