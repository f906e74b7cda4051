"""Benchmark: footfall aggregation with DuckDB over Parquet against plain pandas.

Generates hourly counts for 1,000 sites over 3 years (about 26 million rows, the
canonical ``footfall_counts`` columns, a few readings missing) into Parquet files in a
temporary folder, then computes

1. daily totals per site, and
2. weekly year-on-year change per site on matched site-days (364 days back),

once with :mod:`agora.analysis.footfall` (DuckDB over the Parquet files) and once with
pandas (``read_parquet`` + ``groupby`` + ``merge``). Each method runs in its own
process, so its peak memory (``ru_maxrss``) is its own; the figure printed beside it
is the same process's memory after its imports, before any data was read.

Run::

    python bench/bench_footfall.py [--sites 1000] [--years 3] [--threads N] [--repeat 3] [--keep DIR]

The DuckDB path runs `--repeat` times (the fastest time and the highest peak are
shown: other work on the machine only ever slows a run down); pandas runs once.

Target (issue 4): the DuckDB path under 2 s and under 500 MB peak on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------
def generate(folder: Path, sites: int, years: int, seed: int = 4, per_file: int = 100) -> int:
    """Write hourly counts for `sites` sites over `years` years; returns the row count."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2022-01-03", periods=364 * years * 24 + 24 * 4, freq="h").to_numpy("datetime64[ms]")
    hours = (stamps.astype("datetime64[h]").astype(np.int64) % 24)
    days = stamps.astype("datetime64[D]").astype(np.int64)
    weekday = (days + 3) % 7  # 0 = Monday
    shape = np.exp(-((hours - 13.5) ** 2) / 18) + 0.03
    week_factor = np.where(weekday == 5, 1.3, np.where(weekday == 6, 0.8, 1.0))
    trend = 1 + 0.02 * (days - days[0]) / 365
    profile = shape * week_factor * trend
    n = len(stamps)
    total = 0
    for first in range(0, sites, per_file):
        ids = [f"S{i:05d}" for i in range(first, min(first + per_file, sites))]
        scale = rng.lognormal(5, 0.6, len(ids))
        counts = np.round(np.outer(scale, profile) * rng.gamma(20, 1 / 20, (len(ids), n)))
        counts[rng.random(counts.shape) < 0.001] = np.nan  # a few missing readings
        table = pa.table({
            "site_id": pa.array(np.repeat(ids, n)).dictionary_encode(),
            "timestamp": pa.array(np.tile(stamps, len(ids)), type=pa.timestamp("ms")),
            "interval": pa.DictionaryArray.from_arrays(np.zeros(len(ids) * n, dtype=np.int32), ["hour"]),
            "count": pa.array(counts.reshape(-1), from_pandas=True),
            "direction": pa.DictionaryArray.from_arrays(np.zeros(len(ids) * n, dtype=np.int32), ["in"]),
        })
        pq.write_table(table, folder / f"counts_{first:05d}.parquet", row_group_size=1_000_000)
        total += table.num_rows
    return total


# --------------------------------------------------------------------------------------
# The two methods (each run in its own process)
# --------------------------------------------------------------------------------------
def run_duckdb(folder: Path, threads: int | None) -> dict:
    from agora.analysis import footfall as ff

    files = ff.parquet_files(folder)
    before = peak_mb()
    start = time.perf_counter()
    db = ff.connect(files, threads=threads)  # reads the files once into site-days
    daily = ff.daily_totals(db)
    yoy = ff.yoy_weekly(db, by="site")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_mb(), "after_imports_mb": before, "daily_rows": len(daily),
            "yoy_rows": len(yoy), "daily_sum": float(daily["count"].sum()), "yoy_sum": float(yoy["count"].sum())}


def run_pandas(folder: Path, threads: int | None) -> dict:
    import pandas as pd

    files = sorted(folder.glob("*.parquet"))
    before = peak_mb()
    start = time.perf_counter()
    counts = pd.concat([pd.read_parquet(f, columns=["site_id", "timestamp", "count"]) for f in files],
                       ignore_index=True)
    counts["date"] = counts["timestamp"].dt.normalize()
    daily = (counts.groupby(["site_id", "date"], observed=True)["count"].sum(min_count=1)
             .reset_index().dropna(subset=["count"]))
    previous = daily.assign(date=daily["date"] + pd.Timedelta(days=364))
    matched = daily.merge(previous, on=["site_id", "date"], suffixes=("", "_last_year"))
    matched["week"] = matched["date"] - pd.to_timedelta(matched["date"].dt.weekday, unit="D")
    yoy = matched.groupby(["site_id", "week"], observed=True)[["count", "count_last_year"]].sum().reset_index()
    yoy["change_pct"] = 100 * (yoy["count"] / yoy["count_last_year"] - 1)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_mb(), "after_imports_mb": before, "daily_rows": len(daily),
            "yoy_rows": len(yoy), "daily_sum": float(daily["count"].sum()), "yoy_sum": float(yoy["count"].sum())}


def measure(method: str, folder: Path, threads: int | None, repeat: int = 1) -> dict:
    """Run `method` `repeat` times, each in a fresh Python process; the fastest run, the highest peak."""
    cmd = [sys.executable, __file__, "--run", method, "--data", str(folder)]
    if threads:
        cmd += ["--threads", str(threads)]
    runs = []
    for _ in range(repeat):
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    best["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: every core)")
    parser.add_argument("--keep", help="write the Parquet files here and keep them (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method (fastest time, highest peak shown)")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--run", choices=["generate", "duckdb", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run == "generate":
        print(generate(Path(args.data), args.sites, args.years))
        return
    if args.run:
        run = run_duckdb if args.run == "duckdb" else run_pandas
        print(json.dumps(run(Path(args.data), args.threads)))
        return

    with tempfile.TemporaryDirectory(prefix="agora-bench-footfall-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        # generated in a child process: a child's ru_maxrss starts from its parent's size at fork
        done = subprocess.run([sys.executable, __file__, "--run", "generate", "--data", str(folder),
                               "--sites", str(args.sites), "--years", str(args.years)],
                              capture_output=True, text=True, check=True)
        rows = int(done.stdout.strip().splitlines()[-1])
        size = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6
        print(f"generated {rows:,} hourly rows ({args.sites:,} sites x {args.years} years) in "
              f"{time.perf_counter() - start:.1f} s: {size:.0f} MB of Parquet")
        print(f"cores: {os.cpu_count()}; DuckDB threads: {args.threads or 'all'}")
        print("task: daily totals per site + weekly year-on-year change per site (matched days, 364 back)")
        results = {"duckdb": measure("duckdb", folder, args.threads, args.repeat)}
        if not args.skip_pandas:
            results["pandas"] = measure("pandas", folder, args.threads, 1)
        print(f"{'method':<8} {'time s':>8} {'peak MB':>8} {'after imports MB':>17} {'daily rows':>11} {'yoy rows':>9}")
        for name, r in results.items():
            print(f"{name:<8} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f} {r['after_imports_mb']:>17.0f} "
                  f"{r['daily_rows']:>11,} {r['yoy_rows']:>9,}   runs: {r['all_seconds']}")
        if "pandas" in results:
            d, p = results["duckdb"], results["pandas"]
            same = abs(d["daily_sum"] - p["daily_sum"]) < 1e-6 * p["daily_sum"] and \
                abs(d["yoy_sum"] - p["yoy_sum"]) < 1e-6 * p["yoy_sum"] and d["yoy_rows"] == p["yoy_rows"]
            print(f"same results: {same}; DuckDB {p['seconds'] / d['seconds']:.1f}x faster, "
                  f"{p['peak_mb'] / d['peak_mb']:.1f}x less memory")


if __name__ == "__main__":
    main()
