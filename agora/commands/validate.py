"""``python -m agora validate PATH --layer LAYER [--json]``: check a file without saving it.

Nothing is written: without an existing workspace the file is checked on its own (no
workspace is created and the demo is not copied anywhere).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..layers import get_layer
from ..loaders import load
from ..service import DataService
from ..store.workspace import MANIFEST, Workspace, default_path
from .common import add_layer_argument, add_map_argument, column_options, guarded, print_json, print_report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="read a file as a layer and print its validation report (writes nothing)")
    p.add_argument("path", help="the file (CSV, Excel, GeoJSON, GeoPackage, Shapefile, GeoParquet, OSM JSON or .osm.pbf)")
    add_layer_argument(p)
    add_map_argument(p)
    add_layer_name_argument(p)
    p.add_argument("--workspace", help="an existing workspace whose centres units are assigned to (default: the app's, "
                                       "when it exists)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    """Load the file and print its report."""
    folder = Path(args.workspace) if args.workspace else default_path()
    if (folder / MANIFEST).exists():
        result = Workspace(folder, read_only=True).load(args.path, args.layer, layer_name=args.layer_name,
                                                        **column_options(args))
    else:
        result = load(args.path, get_layer(args.layer), layer_name=args.layer_name, **column_options(args))
    if args.json:
        print_json(result.report.to_dict())
    else:
        print_report(result.report)
    return 0


def add_layer_name_argument(parser: argparse.ArgumentParser) -> None:
    """``--layer-name NAME``: which layer of a GeoPackage holding several to read."""
    parser.add_argument("--layer-name", metavar="NAME",
                        help="the layer to read from a GeoPackage holding several (the error lists them)")


def load_with_options(args: argparse.Namespace, workspace: Workspace | DataService):
    """Load ``args.path`` as ``args.layer`` with the column map, defaults, GeoPackage layer and the workspace's
    centres."""
    return workspace.load(args.path, args.layer, layer_name=getattr(args, "layer_name", None),
                          **column_options(args))
