"""``python -m agora centres find UNITS_PATH [--json]``: the retail centres in a shop extract.

Centres are dense clusters of units (see :mod:`agora.loaders.centres_found`): at least
``--min-units`` units whose gaps to their neighbours stay under ``--gap`` metres, outlined
by their concave hull widened by ``--buffer`` metres and named after their most common
street.
"""

from __future__ import annotations

import argparse

from ..loaders import load_units
from ..loaders.centres_found import BUFFER_M, GAP_M, MIN_UNITS, find_centres
from .common import add_map_argument, column_options, guarded, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("centres", help="work with centres: 'centres find' finds them in a units file")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    f = actions.add_parser("find", help="find the retail centres in a units file (dense clusters of units)")
    f.add_argument("path", metavar="UNITS_PATH", help="units file (OSM shop extract, survey, register)")
    f.add_argument("--gap", type=float, default=GAP_M, help=f"largest gap between neighbouring units, metres (default {GAP_M:g})")
    f.add_argument("--min-units", type=int, default=MIN_UNITS, help=f"fewest units in a centre (default {MIN_UNITS})")
    f.add_argument("--buffer", type=float, default=BUFFER_M, help=f"margin around the units, metres (default {BUFFER_M:g})")
    add_map_argument(f)
    f.add_argument("--geojson", metavar="FILE", help="also write the centres' boundaries to FILE (GeoJSON)")
    f.add_argument("--json", action="store_true",
                   help="print a list with one object per centre: centre_id, name, units, area_km2")
    f.set_defaults(func=run_find)


@guarded
def run_find(args: argparse.Namespace) -> int:
    """Load the units, find the centres and print them, largest first."""
    result = load_units(args.path, **column_options(args))
    found = find_centres(result.data, gap_m=args.gap, min_units=args.min_units, buffer_m=args.buffer)
    rows = found.summary()
    if args.geojson:
        found.centres.to_file(args.geojson, driver="GeoJSON")
    if args.json:
        print_json(rows)
        return 0
    print(result.report.summary())
    units = sum(r["units"] for r in rows)
    print(f"{len(rows)} centres found ({units:,} of {len(found.labels):,} rows in a centre): clusters of at least "
          f"{args.min_units} units with gaps under {args.gap:g} m")
    print(f"{'centre':36} {'units':>6} {'km2':>7}")
    for r in rows:
        print(f"{r['name'][:36]:36} {r['units']:>6} {r['area_km2']:>7.3f}")
    return 0
