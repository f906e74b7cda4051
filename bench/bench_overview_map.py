"""Benchmark: the Overview map against ``GeoDataFrame.explore()``.

For generated towns of 1,000, 5,000 and 20,000 units (random status and ownership)
prints the payload streamlit-folium sends to the browser (the JSON arguments of its
component: map script, header, HTML and links; raw and gzipped) and the server-side
time to build the map and prepare that payload, for the app's map
(`agora.ui.maps`: centre boundary + units layer) and for ``units.explore()``.
Then the time to run the whole Overview page (``dashboard.py?town=...`` under
Streamlit's AppTest, on a workspace holding only the generated town): the first run, which reads
and caches the data, and a rerun.

Run::

    python bench/bench_overview_map.py [--sizes 1000 5000 20000] [--repeat 3] [--no-page]

Target (issue 2): at 5,000 units at most half of explore()'s payload and under 1 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import statistics
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from agora.layers import UNITS, conform  # noqa: E402
from agora.ui import maps  # noqa: E402

CATEGORIES = ["cafe", "clothes", "hairdresser", "pub", "bakery", "charity", "bank", "pharmacy"]
WORDS = ["Station", "High", "Market", "Old", "Green", "Bridge", "Corner", "Royal", "Mill", "Castle"]
KINDS = ["Cafe", "Stores", "Barbers", "Books", "Bakery", "Flowers", "Tailors", "Kitchen"]


def town(n: int, seed: int = 1) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """`n` canonical units scattered along streets of a generated town, and its centre."""
    rng = np.random.default_rng(seed)
    # units along a grid of streets about 2 km across, centred on Leeds-like coordinates
    x0, y0 = -1.55, 53.80
    street = rng.integers(0, 20, n)
    along = rng.random(n)
    horizontal = street < 10
    lon = np.where(horizontal, x0 + along * 0.03, x0 + (street % 10) * 0.003) + rng.normal(0, 0.00005, n)
    lat = np.where(horizontal, y0 + street * 0.0018, y0 + along * 0.018) + rng.normal(0, 0.00005, n)
    df = pd.DataFrame(
        {
            "unit_id": [f"U{i:06d}" for i in range(n)],
            "centre_id": "bench-town",
            "name": [f"{rng.choice(WORDS)} {rng.choice(KINDS)}" for _ in range(n)],
            "category": rng.choice(CATEGORIES, n),
            "source_category": "shop",
            "ownership": rng.choice(["independent", "chain", "unknown"], n, p=[0.55, 0.4, 0.05]),
            "ownership_source": "surveyed",
            "status": rng.choice(["occupied", "vacant", "unknown"], n, p=[0.82, 0.15, 0.03]),
            "observed_on": pd.Timestamp("2025-06-01"),
            "street": [f"{rng.choice(WORDS)} Street" for _ in range(n)],
            "source": "generated",
        }
    )
    units = gpd.GeoDataFrame(conform(df, UNITS), geometry=gpd.points_from_xy(lon, lat), crs=4326)
    centre = gpd.GeoDataFrame(
        {"centre_id": ["bench-town"], "name": ["Bench Town"]},
        geometry=[units.union_all().convex_hull.buffer(0.0005)],
        crs=4326,
    )
    return units, centre


def app_map(units: gpd.GeoDataFrame, centre: gpd.GeoDataFrame, max_points: int | None = maps.MAX_POINTS):
    """The Overview's map layers for `units` (as the page draws them)."""
    m = maps.base_map(centre.total_bounds)
    maps.add_geojson_layer(m, centre, "Centre boundary", color="#444444", fill_opacity=0.05,
                           weight=2, tooltip={"name": "Centre"}, legend=False)
    maps.add_geojson_layer(
        m, units, "Units",
        color_by="status", colors=maps.STATUS_COLOURS,
        stroke_by="ownership", stroke_colors=maps.OWNERSHIP_COLOURS, weight=2,
        tooltip={"name": "Name", "category": "Category", "status": "Status", "ownership": "Ownership"},
        max_points=max_points,
    )
    return m


def app_map_ungrouped(units: gpd.GeoDataFrame, centre: gpd.GeoDataFrame):
    """The same map with one feature per unit however many there are."""
    return app_map(units, centre, max_points=None)


def explore_map(units: gpd.GeoDataFrame, centre: gpd.GeoDataFrame):
    return units.explore()


def st_folium_payload(m) -> bytes:
    """The JSON arguments the app's `show_map` (streamlit-folium) sends to the browser for `m`."""
    import streamlit_folium

    captured: dict = {}

    def capture(**kwargs):
        captured.update(kwargs)
        return kwargs.get("default")

    original = streamlit_folium._component_func
    streamlit_folium._component_func = capture
    try:
        maps.show_map(m, key="bench", height=520)
    finally:
        streamlit_folium._component_func = original
    args = {k: v for k, v in captured.items() if k not in ("on_change", "key")}
    return json.dumps(args).encode()


def measure(build, units, centre, repeat: int) -> tuple[int, int, float]:
    times = []
    payload = b""
    for _ in range(repeat):
        start = time.perf_counter()
        payload = st_folium_payload(build(units, centre))
        times.append(time.perf_counter() - start)
    return len(payload), len(gzip.compress(payload, 6)), statistics.median(times)


def page_times(units: gpd.GeoDataFrame, centre: gpd.GeoDataFrame) -> tuple[float, float]:
    """Seconds to run the Overview page on the town: first run and rerun."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from agora.loaders import load
    from agora.store.workspace import Workspace

    table = pd.DataFrame(units.drop(columns="geometry"))
    table["latitude"], table["longitude"] = units.geometry.y, units.geometry.x
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp, seed_demo=False)
        ws.save(load(centre, "centres", filename="bench-centre.geojson"))
        ws.save(load(table, "units", filename="bench-units.csv"))
        previous = os.environ.get("AGORA_WORKSPACE")
        os.environ["AGORA_WORKSPACE"] = tmp
        st.cache_resource.clear()  # the app opens its workspace once per process
        st.cache_data.clear()
        try:
            # the entry script with ?town=: the Overview is its default page
            at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=300)
            at.query_params["town"] = "bench-town"
            times = []
            for _ in range(2):
                start = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - start)
                if at.exception:
                    raise RuntimeError(at.exception[0].message)
            shown = at.metric[0].value.replace(",", "") if len(at.metric) else "nothing"
            if shown != str(len(units)):
                raise RuntimeError(f"the page shows {shown} units, not {len(units)}")
        finally:
            if previous is None:
                os.environ.pop("AGORA_WORKSPACE", None)
            else:
                os.environ["AGORA_WORKSPACE"] = previous
    return times[0], times[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-page", action="store_true", help="skip timing the whole Overview page")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    variants = {"app": app_map, "app, ungrouped": app_map_ungrouped, "explore()": explore_map}
    print(f"Overview map vs GeoDataFrame.explore(): payload streamlit-folium sends, server build time "
          f"(median of {args.repeat}); the app groups points into cells above {maps.MAX_POINTS:,}")
    head = f"{'units':>6}  {'map':<15} {'bytes':>11} {'gzip':>9} {'build s':>8} {'bytes/explore':>14}"
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        units, centre = town(n)
        rows = {name: measure(build, units, centre, args.repeat) for name, build in variants.items()}
        ref = rows["explore()"][0]
        for name, (size, gz, seconds) in rows.items():
            if name == "app, ungrouped" and n <= maps.MAX_POINTS:
                continue  # same as "app"
            print(f"{n:>6}  {name:<15} {size:>11,} {gz:>9,} {seconds:>8.2f} {size / ref:>14.2f}")
    if args.no_page:
        return 0
    print()
    print("Overview page (dashboard.py?town=... under AppTest), seconds")
    head = f"{'units':>6}  {'first run':>9}  {'rerun':>6}"
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        try:
            first, rerun = page_times(*town(n))
        except Exception as exc:  # the page is not this benchmark's subject: report and go on
            print(f"{n:>6}  page failed: {exc}")
            continue
        print(f"{n:>6}  {first:>9.2f}  {rerun:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
