"""Benchmark: the Compare page and its analysis with every CDRC town centre loaded.

On a fresh workspace with the demo towns plus the CDRC 2009 and 2014 town-centre tables
(1,289 town centres; ``../shared/realdata/cdrc_town_centre_vacancy``), prints:

* the indicator table (every group of indicators timed), for the demo alone and with
  the CDRC centres;
* "towns like this" for one centre, the full distance matrix, percentiles overall and
  within size bands, the standalone HTML profile;
* the Compare page under Streamlit's AppTest: the first run (which computes and caches
  the table), a rerun, and a first run of each other tab; and the Town profile page.

Run::

    python bench/bench_compare.py [--cdrc PATH] [--repeat 3]

It also prints the five centres most like each demo town, among the demo towns on the
default indicators and among all centres on the indicators the CDRC tables share.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from agora.analysis import compare  # noqa: E402
from agora.analysis.indicators import AREA_INDICATORS, DEFAULT_COMPARE, indicator_table  # noqa: E402
from agora.commands.compare import load_layers  # noqa: E402
from agora.loaders.area_indicators import load_cdrc_folder, load_cdrc_town_centres  # noqa: E402
from agora.store.indicators import read_indicators  # noqa: E402
from agora.service import DataService  # noqa: E402

CDRC = PROJECT.parent / "shared" / "realdata" / "cdrc_town_centre_vacancy"


def timed(func, repeat: int = 1):
    """(result, median seconds) of `repeat` calls."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrc", default=str(CDRC), help="folder of the CDRC tables")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    folder = Path(args.cdrc)
    if not folder.is_dir():
        print(f"no CDRC tables at {folder}")
        return 2

    tmp = tempfile.mkdtemp(prefix="agora-bench-")
    ws = DataService(Path(tmp) / "workspace", read_only=False)
    layers, t = timed(lambda: load_layers(ws))
    print(f"layers read and ownership classified: {t:.2f} s")
    for path in sorted(folder.glob("tc_*.csv")):
        ws.save_area_table(load_cdrc_town_centres(path))
    area = read_indicators(ws.path)
    print(f"CDRC rows: {len(area):,} ({len(load_cdrc_folder(folder).data):,} town-centre rows, both years)")

    demo, t = timed(lambda: indicator_table(layers), args.repeat)
    print(f"\nindicator table, demo only ({len(demo)} centres): {t:.2f} s")
    table, t = timed(lambda: indicator_table(layers, area=area), args.repeat)
    print(f"indicator table, demo + CDRC ({len(table):,} centres): {t:.2f} s")
    for group, seconds in table.attrs["timings"].items():
        print(f"  {group:15} {seconds:.3f} s")

    first = demo["centre_id"].iloc[0]
    _, t = timed(lambda: compare.similar_centres(table, first, list(DEFAULT_COMPARE), k=5), args.repeat)
    print(f"\ntowns like one centre among {len(table):,}: {t * 1000:.1f} ms")
    _, t = timed(lambda: compare.distance_matrix(table, list(AREA_INDICATORS)), args.repeat)
    print(f"distance matrix {len(table):,} x {len(table):,} on {len(AREA_INDICATORS)} indicators: {t:.2f} s")
    _, t = timed(lambda: compare.percentiles(table, list(AREA_INDICATORS)), args.repeat)
    print(f"percentiles, all centres: {t * 1000:.1f} ms")
    _, t = timed(lambda: compare.percentiles(table, list(AREA_INDICATORS), by="size_band"), args.repeat)
    print(f"percentiles, within size bands: {t * 1000:.1f} ms")

    from agora.report.profile import build_profile, to_html

    profile, t = timed(lambda: build_profile(table, layers, first))
    print(f"profile gathered: {t:.2f} s")
    html, t = timed(lambda: to_html(profile))
    print(f"profile written as HTML ({len(html) / 1e3:.0f} kB, charts as inline SVG): {t:.2f} s")

    os.environ["AGORA_WORKSPACE"] = str(ws.path)
    from apptest import run_page

    start = time.perf_counter()
    at = run_page("compare", timeout=300)
    cold = time.perf_counter() - start
    assert not at.exception, at.exception
    start = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - start
    print(f"\nCompare page, {len(at.dataframe[0].value):,} centres in the table: first run {cold:.2f} s "
          f"(computes and caches the indicators), rerun {rerun:.2f} s")
    for view in ("Map", "Scatter", "Side by side", "Towns like this", "Definitions"):
        start = time.perf_counter()
        page = run_page("compare", timeout=300, view=view, centres=[first, "TC0456"])
        assert not page.exception, (view, page.exception)
        print(f"  tab {view:16} {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    page = run_page("profile", timeout=300, town=first)
    assert not page.exception, page.exception
    print(f"Town profile page: {time.perf_counter() - start:.2f} s")

    names = dict(zip(table["centre_id"], table["name"]))
    print("\nfive centres most like each demo town")
    for cid in demo["centre_id"]:
        among_demo = compare.similar_centres(demo, cid, list(DEFAULT_COMPARE), k=5)
        among_all = compare.similar_centres(table, cid, list(AREA_INDICATORS), k=5)
        print(f"  {names[cid]}")
        print("    among the demo towns (vacancy, share independent, nef 2005, Shannon): "
              + ", ".join(f"{n} {d:.2f}" for n, d in zip(among_demo["name"], among_demo["distance"])))
        print("    among all centres (units, vacancy and change, shop mix): "
              + ", ".join(f"{n} {d:.2f}" for n, d in zip(among_all["name"], among_all["distance"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
