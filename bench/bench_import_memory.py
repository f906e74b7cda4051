"""Benchmark: time and peak memory of importing a large units CSV or footfall counts file, whole or in chunks.

Makes centres (a grid of 400 m squares over Great Britain) and a units CSV with
``--units`` rows (two surveys, :func:`bench_scale.make_files`), saves the centres into a
new workspace, then measures in fresh processes, for the whole-file load and the
chunked one (:mod:`agora.loaders.chunks`): the loader alone (read, normalise, validate,
assign centres), and the loader with the dataset written into the workspace
(``Workspace.save``: what an import does before the derived tables). With
``--skip floor`` left out it adds the floor on this machine (read the units as
GeoParquet, spatial join into the centres, per-centre counts with DuckDB); with
``--skip ""`` also the whole ``python -m agora import`` command (derived tables
included: long at this size, see :mod:`agora.service.derived`). Times are wall and CPU
seconds (CPU seconds say more on a busy machine), memory the peak resident set.

With ``--layer footfall`` the same is measured for footfall counts: hourly counts of
``--sites`` sites over ``--days`` days (a Parquet file, :func:`bench_scale.make_files`),
loaded against the saved sites, in batches of ``--chunk-rows`` (the floor is then left
out). ``--files DIR`` takes the files from a folder ``bench_scale.py --keep`` made
(``DIR/units.csv``, ``DIR/counts.parquet``, ``DIR/centres.parquet``, ``DIR/sites.csv``)
instead of making them; nothing is written there.

Run::

    python bench/bench_import_memory.py [--layer units|footfall] [--units 1000000] [--centres 7000]
                                        [--sites 1000] [--days 730] [--chunk-rows N] [--files DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from bench_scale import PEAK_RSS_KB, PYTHON, floor, make_files  # noqa: E402

# Peak memory as VmHWM (bench_scale.PEAK_RSS_KB): ru_maxrss would carry this script's own peak (it made the file).
COMMAND = PEAK_RSS_KB + r"""
import resource, runpy, sys, time
sys.argv = ['agora', *sys.argv[1:]]
start = time.perf_counter()
try:
    runpy.run_module('agora', run_name='__main__')
except SystemExit:
    pass
use = resource.getrusage(resource.RUSAGE_SELF)
print('BENCH', time.perf_counter() - start, use.ru_utime + use.ru_stime, peak_rss_kb(), file=sys.stderr)
"""


def command(args: list[str], env: dict) -> tuple[float, float, float, str]:
    """``python -m agora ARGS`` in a fresh process: (seconds, CPU seconds, peak RSS MB, standard error)."""
    done = subprocess.run([PYTHON, "-c", COMMAND, *args], env=env, capture_output=True, text=True, cwd=PROJECT)
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH")]
    if done.returncode != 0 or not line:
        raise RuntimeError(f"agora {' '.join(args)} failed: {done.stderr[-2000:]}")
    _, seconds, cpu, rss = line[-1].split()
    return float(seconds), float(cpu), int(rss) / 1024, done.stderr

LOAD_ONLY = PEAK_RSS_KB + r"""
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from agora.store.workspace import Workspace
from agora.loaders import load
from agora.loaders.chunks import LoadStream
from agora.loaders.footfall import link_to_sites
ws = Workspace(sys.argv[2], read_only=sys.argv[5] != "save")
layer = sys.argv[6]
context = ({"centres": ws.read("centres")} if layer == "units" else {"sites": ws.read("footfall_sites")})
start = time.perf_counter()
rows = int(sys.argv[4])
if sys.argv[5] == "save":  # load and write the dataset (no derived tables)
    source = LoadStream(sys.argv[3], layer, chunk_rows=rows, **context) if rows else ws.load(sys.argv[3], layer)
    kept = ws.save(source).rows
elif rows:
    kept = 0
    for result in LoadStream(sys.argv[3], layer, chunk_rows=rows, **context):
        kept += len(result.data)
elif layer == "units":
    kept = len(load(sys.argv[3], layer, **context).data)
else:
    kept = len(link_to_sites(load(sys.argv[3], layer), context["sites"]).data)
use = resource.getrusage(resource.RUSAGE_SELF)
print("BENCH", time.perf_counter() - start, use.ru_utime + use.ru_stime, peak_rss_kb(), kept)
"""


def load_only(ws: Path, csv: Path, chunk_rows: int, save: bool = False, layer: str = "units",
              env: dict | None = None) -> tuple[float, float, float]:
    """The loader alone (`save`: and writing the dataset, without the derived tables) in a fresh process:
    (seconds, CPU seconds, peak RSS MB); `chunk_rows` 0: the whole file at once."""
    done = subprocess.run([PYTHON, "-c", LOAD_ONLY, str(PROJECT), str(ws), str(csv), str(chunk_rows),
                           "save" if save else "load", layer], capture_output=True, text=True, cwd=PROJECT,
                          env=env)
    line = [x for x in done.stdout.splitlines() if x.startswith("BENCH")]
    if done.returncode != 0 or not line:
        raise RuntimeError(done.stderr[-2000:])
    _, seconds, cpu, rss, _ = line[-1].split()
    return float(seconds), float(cpu), int(rss) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", choices=["units", "footfall"], default="units")
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--centres", type=int, default=7000)
    parser.add_argument("--sites", type=int, default=1000, help="footfall: counter sites")
    parser.add_argument("--days", type=int, default=730, help="footfall: days of hourly counts")
    parser.add_argument("--chunk-rows", type=int, default=0, help="chunk size of the loader-alone run (0: default)")
    parser.add_argument("--skip", default="import", help="comma-separated steps to skip: whole, chunked, import "
                        "(the whole import command, derived tables included: long), floor; default: import")
    parser.add_argument("--files", help="take the files from this folder (made by bench_scale.py --keep)")
    parser.add_argument("--keep", help="folder to keep the files and workspace in (default: a temporary one)")
    args = parser.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="agora-import-"))
    root.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    counts = args.layer == "footfall"
    try:
        if args.files:
            files_dir = Path(args.files)
        else:
            files_dir = root / (f"files-{args.sites}-sites-{args.days}-days" if counts else f"files-{args.units}")
            wanted = files_dir / ("counts.parquet" if counts else "units.csv")
            if not wanted.exists():
                files_dir.mkdir(parents=True, exist_ok=True)
                if counts:  # a few units: the centres and sites are what counts need
                    make_files(files_dir, 1000, min(args.centres, args.sites), args.sites, args.days)
                else:
                    make_files(files_dir, args.units, args.centres, 0, 0)
        files = {"units": files_dir / "units.csv", "centres": files_dir / "centres.parquet",
                 "counts": files_dir / "counts.parquet", "sites": files_dir / "sites.csv"}
        source = files["counts"] if counts else files["units"]
        size = source.stat().st_size / 2**20
        if counts:
            import pyarrow.parquet as pq

            print(f"footfall counts: {pq.ParquetFile(source).metadata.num_rows:,} rows, {size:,.0f} MiB", flush=True)
        else:
            print(f"units CSV: {args.units:,} rows, {size:,.0f} MiB; {args.centres:,} centres", flush=True)
        base, ws = root / ("ws-sites" if counts else "ws-centres"), root / "ws"
        env = {**os.environ, "AGORA_WORKSPACE": str(ws), "AGORA_READ_ONLY": "",
               "AGORA_MAX_UPLOAD_MB": str(max(200, int(size * 2)))}
        if not (base / "manifest.json").exists():  # the centres (and sites) alone, saved once
            command(["import", str(files["centres"]), "--layer", "centres", "--replace"],
                    {**env, "AGORA_WORKSPACE": str(base)})
            if counts:
                command(["import", str(files["sites"]), "--layer", "footfall-sites", "--replace"],
                        {**env, "AGORA_WORKSPACE": str(base)})
        shutil.rmtree(ws, ignore_errors=True)
        shutil.copytree(base, ws)
        from agora.loaders.chunks import CHUNK_ROWS

        chunk = args.chunk_rows or CHUNK_ROWS
        layer = "footfall_counts" if counts else "units"
        rows = []
        for save in (False, True):
            what = "load and write the dataset" if save else "load"
            if "whole" not in skip:
                rows.append((f"{what}, whole file", *load_only(ws, source, 0, save, layer, env)))
                print(rows[-1], flush=True)
            if "chunked" not in skip:
                rows.append((f"{what}, in chunks of {chunk:,} rows", *load_only(ws, source, chunk, save, layer, env)))
                print(rows[-1], flush=True)
        if "import" not in skip:
            seconds, cpu, rss, err = command(["import", str(source), "--layer", args.layer, "--json"], env)
            print(err, flush=True)  # the progress lines
            rows.append(("import (load, save, derived tables)", seconds, cpu, rss))
            print(rows[-1], flush=True)
        if "floor" not in skip and not counts:
            rows.append(("floor (read GeoParquet + sjoin + counts)", floor(files)["total"], float("nan"),
                         float("nan")))
        print("\n| step | seconds | CPU seconds | peak RSS MB |\n| --- | --- | --- | --- |")
        for name, seconds, cpu, rss in rows:
            print(f"| {name} | {seconds:.1f} | {'' if cpu != cpu else f'{cpu:.1f}'} | "
                  f"{'' if rss != rss else f'{rss:,.0f}'} |")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
