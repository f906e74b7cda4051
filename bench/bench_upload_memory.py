"""Benchmark: memory and time of an upload on the Data page, for a large CSV.

Makes a units CSV of about ``--mb`` MB (default 190: 1.83 million rows), then runs the
Data page's upload path in a fresh process (the uploaded file is spilled to disk, read
for the column editor, validated as units) and prints the peak resident memory and
the time of each step, and the memory still held once the result is dropped.

Run::

    python bench/bench_upload_memory.py [--mb 190] [--csv PATH]

AGORA_MAX_UPLOAD_MB is raised to fit the file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

CHILD = r"""
import gc, io, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import streamlit as st
from agora.store.workspace import Workspace
from agora.ui import upload

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

class Uploaded(io.BytesIO):  # what st.file_uploader hands the page
    def __init__(self, data, name):
        super().__init__(data)
        self.name, self.size, self.file_id = name, len(data), "bench"

csv = Path(sys.argv[2])
ws = Workspace(tempfile.mkdtemp(), seed_demo=False)
t0 = time.perf_counter()
file = Uploaded(csv.read_bytes(), csv.name)  # Streamlit holds the upload in memory
print(f"upload held in memory: {rss():,.0f} MiB", flush=True)
path = upload.spill(file)
sample, guessed, error = upload.inspect(str(path), csv.name)
t1 = time.perf_counter()
print(f"spill + read for the column editor: {t1 - t0:.1f} s (guessed {guessed}, error {error})", flush=True)
result, error = upload.validate(str(path), csv.name, "units", (), (), str(ws.path), ws.signature())
t2 = time.perf_counter()
print(f"validate as units: {t2 - t1:.1f} s, {result.report.rows_kept:,} rows kept (error {error})", flush=True)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
del result
st.session_state.clear()
gc.collect()
print(f"peak resident memory: {peak:,.0f} MiB; after the result is dropped: {rss():,.0f} MiB")
"""


def make_csv(path: Path, mb: float) -> None:
    import numpy as np
    import pandas as pd

    n = int(mb * 1e6 / 104)
    rng = np.random.default_rng(1)
    cats = np.array(["bakery", "cafe", "pub", "hairdresser", "charity", "vacant", "butcher", "newsagent"])
    pd.DataFrame({
        "unit_id": [f"u{i}" for i in range(n)],
        "name": np.char.add("Shop number ", np.arange(n).astype(str)),
        "shop": cats[rng.integers(0, len(cats), n)],
        "lat": np.round(53.74 + rng.random(n) * 0.01, 6),
        "lon": np.round(-2.01 + rng.random(n) * 0.01, 6),
        "street": np.char.add("Market Street ", (np.arange(n) % 97).astype(str)),
        "notes": "surveyed on foot in the morning",
    }).to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=190)
    parser.add_argument("--csv", type=Path, help="use this CSV instead of making one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = args.csv or Path(tmp) / "units.csv"
        if not args.csv:
            make_csv(csv, args.mb)
        size = csv.stat().st_size
        print(f"{csv.name}: {size / 1e6:,.0f} MB ({size / 2**20:,.0f} MiB)")
        env = {**os.environ, "AGORA_MAX_UPLOAD_MB": str(int(size / 2**20) + 10)}
        subprocess.run([sys.executable, "-c", CHILD, str(PROJECT), str(csv)], env=env, check=True)


if __name__ == "__main__":
    main()
