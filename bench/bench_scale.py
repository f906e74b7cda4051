"""Benchmark: every page, the import and the derived tables at national scale.

Makes workspaces of synthetic centres (small squares on a grid over Great Britain) with
units inside them (chains from the project's brand list and independents, two surveys),
footfall sites and hourly counts, and prints for each size:

* ``import``: centres, then units (a CSV) and footfall, through ``python -m agora import``
  in a fresh process: seconds, peak memory, and the seconds until the dataset was saved
  (the rest builds the derived tables the pages read); and the floor on this machine: read the
  units' GeoParquet, spatial join into the centres, per-centre counts with DuckDB;
* the derived tables: brought up to date after one town's update (``import --layer units``
  of one centre's re-survey: only that centre is worked out again, :mod:`agora.service.delta`;
  the seconds after "saved" are the derived tables'), after that update is taken out again
  (``workspace --delete``) and after a counter's next week of counts (``import --layer
  footfall``), and a full rebuild with nothing to reuse (seconds per step);
* each page for one ordinary town under Streamlit's AppTest (seconds, and the CPU
  seconds of the process, which a busy machine inflates less): the first run in a fresh
  process (cold caches) once the server has started as it is before its first visitor,
  and the start apart: Streamlit imported and its components found, then the pages'
  libraries imported (:func:`agora.ui.server.preload`, as ``./run.sh`` and the service
  start the server); a rerun; and the process's peak memory.

``--workspace DIR --town ID`` times the pages only, on a workspace made before (e.g. with
``--keep``).

Run::

    python bench/bench_scale.py [--sizes demo,100000,1000000] [--centres 7000] [--sites 1000] [--keep DIR]
                                [--no-pages]
    python bench/bench_scale.py --workspace DIR --town ID

Figures are printed as a Markdown table (the README's come from this script).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

PAGES = ("overview", "vacancy", "footfall", "clone_town", "assets", "compare", "profile")
PYTHON = sys.executable


def make_files(folder: Path, n_units: int, n_centres: int, n_sites: int, days: int, seed: int = 0) -> dict[str, Path]:
    """Synthetic centres (GeoParquet), units (CSV, two surveys), sites (CSV) and hourly counts (Parquet)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_centres)))
    # a grid of 400 m squares over England, Wales and Scotland (BNG), centres 5 km apart
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    x0 = 150_000 + gx.ravel()[:n_centres] * 5_000.0
    y0 = 50_000 + gy.ravel()[:n_centres] * 9_000.0
    ids = [f"c{i:05d}" for i in range(n_centres)]
    boxes = shapely.box(x0, y0, x0 + 400, y0 + 400)
    centres = gpd.GeoDataFrame({"centre_id": ids, "name": [f"Town {i}" for i in range(n_centres)]},
                               geometry=boxes, crs=27700).to_crs(4326)
    files = {"centres": folder / "centres.parquet"}
    centres.to_parquet(files["centres"])

    # units: half in each of two surveys a year apart; chains from the project's list
    per_survey = n_units // 2
    which = rng.integers(0, n_centres, per_survey)
    ux = x0[which] + rng.uniform(5, 395, per_survey)
    uy = y0[which] + rng.uniform(5, 395, per_survey)
    brands = pd.read_csv(PROJECT / "data" / "brands" / "gb_chains.csv")
    types = pd.read_csv(PROJECT / "data" / "taxonomy" / "shop_types.csv")["type_id"].dropna().tolist()
    chain = rng.random(per_survey) < 0.45
    names = np.where(chain, brands["brand"].to_numpy()[rng.integers(0, len(brands), per_survey)],
                     np.char.add("Independent ", rng.integers(0, 10**6, per_survey).astype(str)))
    shop = np.array(types)[rng.integers(0, len(types), per_survey)]
    status_before = np.where(rng.random(per_survey) < 0.11, "vacant", "occupied")
    status_after = np.where(rng.random(per_survey) < 0.13, "vacant", "occupied")
    lonlat = gpd.GeoSeries(gpd.points_from_xy(ux, uy), crs=27700).to_crs(4326)
    base = pd.DataFrame({"unit_id": [f"u{i}" for i in range(per_survey)], "name": names, "shop": shop,
                         "lat": lonlat.y.round(6), "lon": lonlat.x.round(6),
                         "street": [f"High Street {w % 7}" for w in which]})
    units = pd.concat([base.assign(status=status_before, survey_date="2025-06-14"),
                       base.assign(status=status_after, survey_date="2026-06-13")], ignore_index=True)
    files["units"] = folder / "units.csv"
    units.to_csv(files["units"], index=False)
    files["update"] = folder / "update.csv"
    first = units[(units["survey_date"] == "2026-06-13") & (which[units.index % per_survey] == 0)]
    first.assign(survey_date="2026-11-20", status="occupied").to_csv(files["update"], index=False)

    # footfall: sites in the first centres, hourly counts over `days`
    site_centre = np.arange(n_sites) % n_centres
    sx = x0[site_centre] + 200
    sy = y0[site_centre] + 200
    sites_ll = gpd.GeoSeries(gpd.points_from_xy(sx, sy), crs=27700).to_crs(4326)
    sites = pd.DataFrame({"site_id": [f"s{i:04d}" for i in range(n_sites)], "name": [f"Counter {i}" for i in
                                                                                  range(n_sites)],
                          "lat": sites_ll.y.round(6), "lon": sites_ll.x.round(6)})
    files["sites"] = folder / "sites.csv"
    sites.to_csv(files["sites"], index=False)
    if n_sites and days:
        hours = pd.date_range("2024-11-01", periods=24 * days, freq="h")
        counts = pd.DataFrame({
            "site_id": np.repeat(sites["site_id"].to_numpy(), len(hours)),
            "timestamp": np.tile(hours.to_numpy(), n_sites),
            "count": rng.poisson(300, n_sites * len(hours)).astype(float),
        })
        files["counts"] = folder / "counts.parquet"
        counts.to_parquet(files["counts"], index=False)
        # the next week of the first site's counts (a counter's weekly export)
        week = counts[(counts["site_id"] == sites["site_id"].iloc[0]) & (counts["timestamp"] >= hours[-24 * 7])]
        week = week.assign(timestamp=(week["timestamp"] + pd.Timedelta(days=7)).dt.strftime("%Y-%m-%d %H:%M"))
        files["week"] = folder / "week.csv"
        week.to_csv(files["week"], index=False)
    return files


#: The peak memory of the process itself: VmHWM, which starts afresh at exec. (``ru_maxrss`` carries the
#: parent's peak over fork and exec on Linux: a command started by this script, after it made a
#: 1,000,000-unit file, reported this script's peak as its own.)
PEAK_RSS_KB = """
def peak_rss_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


#: What ``import`` prints once the dataset is saved, before it builds the derived tables.
SAVED_LINE = "saved; computing what the pages read"


def command(args: list[str], env: dict) -> tuple[float, float, str, float | None]:
    """Run ``python -m agora ARGS`` in a fresh process: (seconds, peak RSS in MB of that process, output,
    seconds until an import said its dataset was saved, None if it did not)."""
    script = (PEAK_RSS_KB +
              "import runpy, sys, time\n"
              "sys.argv = ['agora', *sys.argv[1:]]\n"
              "start, saved = time.perf_counter(), []\n"
              "class Clock:\n"
              "    def __init__(self, out): self.out = out\n"
              "    def write(self, text):\n"
              f"        if not saved and {SAVED_LINE!r} in text: saved.append(time.perf_counter() - start)\n"
              "        return self.out.write(text)\n"
              "    def __getattr__(self, name): return getattr(self.out, name)\n"
              "sys.stderr = Clock(sys.stderr)\n"
              "try:\n"
              "    runpy.run_module('agora', run_name='__main__')\n"
              "except SystemExit as exc:\n"
              "    code = exc.code\n"
              "print('BENCH', time.perf_counter() - start, peak_rss_kb(), *saved, file=sys.stderr)\n")
    done = subprocess.run([PYTHON, "-c", script, *args], env=env, capture_output=True, text=True, cwd=PROJECT)
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH")]
    if done.returncode != 0 or not line:
        raise RuntimeError(f"agora {' '.join(args)} failed: {done.stderr[-2000:]}")
    _, seconds, rss, *saved = line[-1].split()
    return float(seconds), int(rss) / 1024, done.stdout, float(saved[0]) if saved else None


def floor(files: dict[str, Path]) -> dict[str, float]:
    """The least any import must do here: read GeoParquet, spatial join, per-centre counts (DuckDB)."""
    import duckdb
    import geopandas as gpd

    units = pd.read_csv(files["units"], usecols=["unit_id", "lat", "lon"])
    pts = gpd.GeoDataFrame(units, geometry=gpd.points_from_xy(units["lon"], units["lat"]), crs=4326)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.parquet"
        pts.to_parquet(path)
        out = {}
        start = time.perf_counter()
        pts = gpd.read_parquet(path)
        out["read"] = time.perf_counter() - start
        centres = gpd.read_parquet(files["centres"])
        start = time.perf_counter()
        joined = gpd.sjoin(pts, centres[["centre_id", "geometry"]], predicate="within", how="left")
        out["sjoin"] = time.perf_counter() - start
        start = time.perf_counter()
        frame = pd.DataFrame({"centre_id": joined["centre_id"]})  # noqa: F841 - DuckDB reads it by name
        duckdb.sql("SELECT centre_id, COUNT(*) FROM frame GROUP BY centre_id").fetchall()
        out["counts"] = time.perf_counter() - start
    out["total"] = sum(out.values())
    return out


PAGE_SCRIPT = PEAK_RSS_KB + """
import json, sys, time
start = time.perf_counter()
from streamlit.testing.v1 import AppTest
# The app server as it is before its first visitor: Streamlit imported, its components
# found (once per server), the pages' libraries imported (agora.ui.server, as ./run.sh
# and the service start it)
warm = AppTest.from_string("import streamlit as st")
warm.run()
started = time.perf_counter() - start
from agora.ui.server import preload
preload()
preloaded = time.perf_counter() - start - started
page, town, runs = sys.argv[1], sys.argv[2], []
target = "dashboard.py" if page == "overview" else f"pages/{page}.py"
at = AppTest.from_file(target, default_timeout=900)
at._bidi_component_manager = warm._bidi_component_manager  # a server finds its components once
at.query_params["town"] = town
cpu = []
for _ in range(2):
    start, start_cpu = time.perf_counter(), time.process_time()
    at.run()
    runs.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
errors = [e.value for e in at.exception]
print(json.dumps({"started": started, "preloaded": preloaded, "first": runs[0], "rerun": runs[1],
                  "first_cpu": cpu[0], "rerun_cpu": cpu[1],
                  "errors": errors, "rss_mb": peak_rss_kb() / 1024}))
"""


def page_times(env: dict, town: str) -> dict[str, dict]:
    """Each page's first run (fresh process) and rerun under AppTest."""
    out = {}
    for page in PAGES:
        done = subprocess.run([PYTHON, "-c", PAGE_SCRIPT, page, town], env=env, capture_output=True, text=True,
                              cwd=PROJECT)
        lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
        out[page] = json.loads(lines[-1]) if lines else {"error": done.stderr[-500:]}
    return out


def bench_size(label: str, n_units: int | None, args, root: Path) -> dict:
    """Figures of one workspace size."""
    from agora.service import DataService

    ws_path = root / f"ws-{label}"
    env = {**os.environ, "AGORA_WORKSPACE": str(ws_path), "AGORA_READ_ONLY": ""}
    result: dict = {"label": label}
    if n_units is None:  # the demo towns
        svc = DataService(ws_path, read_only=False)
        start = time.perf_counter()
        result["timings"] = svc.refresh()
        result["derived_full"] = time.perf_counter() - start
        town = "hollinsford"
    else:
        folder = root / f"files-{label}"
        folder.mkdir(parents=True, exist_ok=True)
        n_centres = min(args.centres, max(1, n_units // 140))  # ordinary towns of about 140 units
        start = time.perf_counter()
        files = make_files(folder, n_units, n_centres, min(args.sites, n_centres), args.days)
        result["make_files"] = time.perf_counter() - start
        result["centres"] = n_centres
        result["floor"] = floor(files)
        DataService(ws_path, read_only=False, seed_demo=False)
        steps = [("centres", ["import", str(files["centres"]), "--layer", "centres"]),
                 ("sites", ["import", str(files["sites"]), "--layer", "footfall-sites"]),
                 ("units", ["import", str(files["units"]), "--layer", "units"])]
        if "counts" in files:
            steps.append(("counts", ["import", str(files["counts"]), "--layer", "footfall"]))
        for name, cmd in steps:
            seconds, rss, _, saved = command(cmd + ["--json"], env)
            result[f"import_{name}"] = (seconds, rss, saved)
        seconds, rss, _, saved = command(["import", str(files["update"]), "--layer", "units", "--json"], env)
        result["import_update"] = (seconds, rss, saved)
        # the re-survey taken out again, and a counter's week of counts
        update = json.loads((ws_path / "manifest.json").read_text())["layers"]["units"][-1]["id"]
        seconds, rss, _, _ = command(["workspace", "--delete", f"units/{update}"], env)
        result["delete_update"] = (seconds, rss, None)
        if "week" in files:
            seconds, rss, _, saved = command(["import", str(files["week"]), "--layer", "footfall", "--json"], env)
            result["import_week"] = (seconds, rss, saved)
        town = "c00001"
        # every derived table built again from the datasets (no earlier build to reuse)
        shutil.rmtree(ws_path / "derived")
        start = time.perf_counter()
        result["timings"] = DataService(ws_path, read_only=False).refresh()
        result["derived_full"] = time.perf_counter() - start
    result["pages"] = page_times(env, town) if args.pages else {}
    return result


def print_pages(rows: list[dict]) -> None:
    """The pages' figures as a Markdown table."""
    print("\n| units | page | Streamlit's start s | libraries preloaded s | first run s (CPU s) | rerun s (CPU s) "
          "| peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for res in rows:
        for page, fig in res["pages"].items():
            if "first" in fig:
                print(f"| {res['label']} | {page} | {fig['started']:.2f} | {fig['preloaded']:.2f} "
                      f"| {fig['first']:.2f} ({fig['first_cpu']:.2f}) "
                      f"| {fig['rerun']:.2f} ({fig['rerun_cpu']:.2f}) "
                      f"| {fig['rss_mb']:.0f} |" + (f" errors: {fig['errors']}" if fig["errors"] else ""))
            else:
                print(f"| {res['label']} | {page} | error | | | | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,100000", help="comma-separated: demo and unit counts")
    parser.add_argument("--centres", type=int, default=7000)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--keep", help="folder to keep the workspaces in (default: a temporary one)")
    parser.add_argument("--no-pages", dest="pages", action="store_false", help="import and derived tables only")
    parser.add_argument("--workspace", help="time the pages only, on this workspace")
    parser.add_argument("--town", default="c00001", help="with --workspace: the centre the pages open")
    args = parser.parse_args(argv)
    if args.workspace:
        env = {**os.environ, "AGORA_WORKSPACE": str(Path(args.workspace).resolve()), "AGORA_READ_ONLY": "1"}
        pages = page_times(env, args.town)
        print(json.dumps(pages), flush=True)
        print_pages([{"label": Path(args.workspace).name, "pages": pages}])
        return 0
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="agora-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for size in args.sizes.split(","):
            n = None if size == "demo" else int(size)
            res = bench_size(size, n, args, root)
            rows.append(res)
            print(json.dumps(res, default=str), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print_pages(rows)
    print("\n| units | step | seconds | peak RSS MB | dataset saved after s (then the derived tables) |")
    print("| --- | --- | --- | --- | --- |")
    for res in rows:
        for key, value in res.items():
            if key.startswith(("import_", "delete_")):
                saved = "" if value[2] is None else f"{value[2]:.1f}"
                print(f"| {res['label']} | {key} | {value[0]:.1f} | {value[1]:.0f} | {saved} |")
        if "derived_full" in res:
            print(f"| {res['label']} | derived tables rebuilt whole | {res['derived_full']:.1f} | |")
        if "floor" in res:
            print(f"| {res['label']} | floor (read + sjoin + counts) | {res['floor']['total']:.1f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
