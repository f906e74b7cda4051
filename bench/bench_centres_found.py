"""Check: centres found in units against the CDRC retail-centre boundaries (and timing).

Units are placed at random inside each CDRC boundary of the Liverpool City Region
(2018, as many units as the boundary's ``n.units``) and of Leeds (2022, the boundary's
area times the median density of the Liverpool centres: 11.8 units per hectare, 2.5 for
retail parks and out-of-town centres), then :func:`agora.loaders.centres_found.find_centres`
is run on them. Printed: centres found, and the overlap figures of
:func:`agora.loaders.centres_check.overlap` (share of units assigned to the same centre,
share in any centre, share of boundaries found), for gaps of 100 and 150 m; and the
time taken on the OSM Norwich shop extract.

Run::

    python bench/bench_centres_found.py [--realdata ../shared/realdata] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agora.loaders import load_units  # noqa: E402
from agora.loaders.centres_check import overlap, units_inside  # noqa: E402
from agora.loaders.centres_found import find_centres  # noqa: E402


def cdrc_cases(realdata: Path) -> dict[str, tuple[gpd.GeoDataFrame, object]]:
    """(boundaries, units per boundary) for Liverpool City Region and Leeds."""
    folder = realdata / "cdrc_retail_centres"
    lcr = gpd.read_file(folder / "liverpool_city_region_retail_centres_2018.gpkg")
    density = lcr["n.units"] / (lcr.area / 1e4)
    park = lcr["RetailPark"].eq("Y")
    leeds = gpd.read_file(folder / "leeds_retail_centres_2022.geojson")
    is_park = leeds["Classification"].str.contains("Retail Park|Out of Town")
    per_ha = np.where(is_park, density[park].median(), density[~park].median())
    leeds_n = np.maximum(1, np.round(leeds["area_ha"] * per_ha)).astype(int)
    return {"Liverpool City Region 2018": (lcr, lcr["n.units"]), "Leeds 2022": (leeds, leeds_n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", default=str(Path(__file__).resolve().parents[2] / "shared" / "realdata"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    realdata = Path(args.realdata)
    for label, (boundaries, counts) in cdrc_cases(realdata).items():
        units = units_inside(boundaries, counts, seed=args.seed)
        for gap in (100, 150):
            found = find_centres(units, gap_m=gap)
            fig = overlap(units["true_centre"].astype(str), found.labels)
            print(f"{label}: {len(boundaries)} boundaries, {len(units)} units, gap {gap} m -> {len(found.centres)} "
                  f"centres; same centre {fig['same_centre']:.1%}, in a centre {fig['in_a_centre']:.1%}, "
                  f"boundaries found {fig['centres_found']:.1%}")
    shops = load_units(realdata / "osm_norwich" / "norwich_shop.geojson").data
    start = time.perf_counter()
    found = find_centres(shops)
    took = time.perf_counter() - start
    top = ", ".join(f"{c['name']} ({c['units']})" for c in found.summary()[:5])
    print(f"OSM Norwich: {len(shops)} shops -> {len(found.centres)} centres in {took:.2f} s; largest: {top}")


if __name__ == "__main__":
    main()
