"""Benchmark: time and peak memory of importing a large units CSV on the command line.

Makes centres (a grid of small squares over Great Britain) and a units CSV with
``--units`` rows (two surveys, :func:`bench_scale.make_files`), saves the centres into a
new workspace, then runs ``python -m agora import UNITS --layer units`` in a fresh
process and prints its time and peak resident memory, with the loader alone (read,
normalise, validate, assign centres; nothing saved) measured the same way, whole-file
and chunked, and the floor on this machine (read the units as GeoParquet, spatial join
into the centres, per-centre counts with DuckDB).

Run::

    python bench/bench_import_memory.py [--units 1000000] [--centres 7000] [--keep DIR]
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

from bench_scale import PYTHON, command, floor, make_files  # noqa: E402

LOAD_ONLY = r"""
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from agora.service import DataService
from agora.loaders import load
from agora.loaders.chunks import LoadStream
svc = DataService(sys.argv[2], read_only=True)
centres = svc.workspace.read("centres")
start = time.perf_counter()
rows = int(sys.argv[4])
if rows:
    kept = 0
    for result in LoadStream(sys.argv[3], "units", centres=centres, chunk_rows=rows):
        kept += len(result.data)
else:
    kept = len(load(sys.argv[3], "units", centres=centres).data)
print("BENCH", time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, kept)
"""


def load_only(ws: Path, csv: Path, chunk_rows: int) -> tuple[float, float]:
    """The loader alone in a fresh process: (seconds, peak RSS MB); `chunk_rows` 0 reads the whole file."""
    done = subprocess.run([PYTHON, "-c", LOAD_ONLY, str(PROJECT), str(ws), str(csv), str(chunk_rows)],
                          capture_output=True, text=True, cwd=PROJECT)
    line = [x for x in done.stdout.splitlines() if x.startswith("BENCH")]
    if done.returncode != 0 or not line:
        raise RuntimeError(done.stderr[-2000:])
    _, seconds, rss, _ = line[-1].split()
    return float(seconds), int(rss) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--centres", type=int, default=7000)
    parser.add_argument("--chunk-rows", type=int, default=0, help="chunk size of the loader-alone run (0: default)")
    parser.add_argument("--skip", default="", help="comma-separated steps to skip: whole, chunked, import, floor")
    parser.add_argument("--keep", help="folder to keep the files and workspace in (default: a temporary one)")
    args = parser.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="agora-import-"))
    root.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    try:
        files_dir = root / f"files-{args.units}"
        if not (files_dir / "units.csv").exists():
            files_dir.mkdir(parents=True, exist_ok=True)
            make_files(files_dir, args.units, args.centres, 0, 0)
        files = {"units": files_dir / "units.csv", "centres": files_dir / "centres.parquet"}
        size = files["units"].stat().st_size / 2**20
        print(f"units CSV: {args.units:,} rows, {size:,.0f} MiB; {args.centres:,} centres", flush=True)
        ws = root / "ws"
        shutil.rmtree(ws, ignore_errors=True)
        env = {**os.environ, "AGORA_WORKSPACE": str(ws), "AGORA_READ_ONLY": "",
               "AGORA_MAX_UPLOAD_MB": str(max(200, int(size * 2)))}
        command(["import", str(files["centres"]), "--layer", "centres", "--replace"], env)
        rows = []
        if "whole" not in skip:
            rows.append(("loader, whole file", *load_only(ws, files["units"], 0)))
            print(rows[-1], flush=True)
        if "chunked" not in skip:
            from agora.loaders.chunks import CHUNK_ROWS

            rows.append((f"loader, chunked ({args.chunk_rows or CHUNK_ROWS:,} rows)",
                         *load_only(ws, files["units"], args.chunk_rows or CHUNK_ROWS)))
            print(rows[-1], flush=True)
        if "import" not in skip:
            seconds, rss, _ = command(["import", str(files["units"]), "--layer", "units", "--json"], env)
            rows.append(("import (load, save, derived tables)", seconds, rss))
            print(rows[-1], flush=True)
        if "floor" not in skip:
            rows.append(("floor (read GeoParquet + sjoin + counts)", floor(files)["total"], float("nan")))
        print("\n| step | seconds | peak RSS MB |\n| --- | --- | --- |")
        for name, seconds, rss in rows:
            print(f"| {name} | {seconds:.1f} | {'' if rss != rss else f'{rss:,.0f}'} |")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
