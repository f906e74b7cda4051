"""``python -m agora workspace [--json]``: list what the workspace holds."""

from __future__ import annotations

import argparse

from ..layers import LAYERS, get_layer
from ..store.workspace import Workspace
from .common import guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("workspace", help="list the datasets saved in the workspace")
    p.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--delete", metavar="LAYER/DATASET", help="remove one dataset")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    """Print the datasets per layer (or delete one)."""
    ws = Workspace(args.workspace)
    if args.delete:
        layer, _, dataset = args.delete.partition("/")
        known = [ds.dataset_id for ds in ws.datasets(get_layer(layer).name)]
        if dataset not in known:
            raise KeyError(f"no dataset {dataset!r} in layer {layer}; one of {', '.join(known) or '(none)'}")
        ws.delete(layer, dataset)
    rows = [
        {"layer": layer.cli_name, "dataset": ds.dataset_id, "source": ds.source, "rows": ds.rows,
         "saved_at": ds.meta.get("saved_at")}
        for layer in LAYERS.values() for ds in ws.datasets(layer.name)
    ]
    if args.json:
        print_json({"workspace": str(ws.path), "datasets": rows})
    else:
        print(f"workspace: {ws.path}")
        for r in rows:
            print(f"{r['layer']:15} {r['dataset']:40} {r['rows']:>8} rows  {r['source']}")
    return 0
