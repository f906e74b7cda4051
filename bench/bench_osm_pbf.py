"""Benchmark: reading the shops of an ``.osm.pbf`` extract (pyosmium) into a units layer.

Writes a synthetic extract the size of a county (by default 1,000,000 untagged nodes,
100,000 ways of 5 nodes, 20,000 shop nodes and 5,000 shop ways) with pyosmium's writer
into a temporary folder, then times :func:`agora.loaders.read.read_source` (the shops
only) and :func:`agora.loaders.load_units` on it.

Run::

    python bench/bench_osm_pbf.py [--nodes 1000000] [--shops 20000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agora.loaders import load_units, read_source  # noqa: E402

SHOPS = ("bakery", "convenience", "clothes", "hairdresser", "charity", "vacant", "butcher", "books")


def write_extract(path: Path, nodes: int, shops: int, seed: int = 0) -> None:
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = np.random.default_rng(seed)
    lon = rng.uniform(-1.7, -1.3, nodes + shops)
    lat = rng.uniform(53.7, 53.9, nodes + shops)
    writer = osmium.SimpleWriter(str(path))
    for i in range(nodes):
        writer.add_node(Node(id=i + 1, location=(lon[i], lat[i])))
    for j in range(shops):
        i = nodes + j
        writer.add_node(Node(id=i + 1, location=(lon[i], lat[i]),
                             tags={"shop": SHOPS[j % len(SHOPS)], "name": f"Shop {j}", "addr:street": f"Street {j % 300}"}))
    ways = nodes // 10
    for w in range(ways):
        first = (w * 5) % (nodes - 5) + 1
        tags = {"shop": SHOPS[w % len(SHOPS)], "building": "retail"} if w < shops // 4 else {"highway": "residential"}
        writer.add_way(Way(id=w + 1, nodes=list(range(first, first + 5)), tags=tags))
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "county.osm.pbf"
        start = time.perf_counter()
        write_extract(path, args.nodes, args.shops)
        print(f"wrote {path.stat().st_size / 2**20:.1f} MB in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        table, _ = read_source(path)
        print(f"read_source: {len(table):,} shops in {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        result = load_units(path)
        print(f"load_units: {result.report.rows_kept:,} units in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
