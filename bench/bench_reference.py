"""Benchmark: reference figures read from the stored tables, with every CDRC town centre loaded.

On a fresh workspace of the demo towns plus the CDRC 2009 and 2014 town-centre tables
(``../shared/realdata/cdrc_town_centre_vacancy``), prints the seconds taken by reading
the stored indicator table, computing one centre's references (every numeric indicator,
three groups), the sentence beside one figure, and the national vacancy series from the
stored area tables: what a page pays at read time (it then caches them per workspace
version).

Run::

    python bench/bench_reference.py [--cdrc PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from agora.analysis import reference  # noqa: E402
from agora.loaders.area_indicators import load_cdrc_folder  # noqa: E402
from agora.service import DataService  # noqa: E402


def timed(func, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrc", type=Path, default=PROJECT.parent / "shared" / "realdata" / "cdrc_town_centre_vacancy")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        svc = DataService(Path(tmp) / "workspace", read_only=False)
        svc.refresh()
        if args.cdrc.is_dir():
            svc.save_area_table(load_cdrc_folder(args.cdrc))
        t_read, table = timed(svc.indicators, args.repeat)
        centres = svc.centres()
        cid = str(table.loc[table["level"] == "workspace", "centre_id"].iloc[0])
        t_refs, refs = timed(lambda: reference.references(table, cid, centres), args.repeat)
        t_sent, _ = timed(lambda: reference.sentence(refs, "vacancy_rate", 0.17, "size"), args.repeat)
        t_area, area = timed(svc.area_tables, args.repeat)
        t_nat, series = timed(lambda: reference.national_vacancy(area), args.repeat)
        print(f"indicator table: {len(table):,} centres, {table.shape[1]} columns")
        print(f"read the stored indicator table   {t_read * 1000:8.1f} ms")
        print(f"references of one centre          {t_refs * 1000:8.1f} ms  ({len(refs)} group x indicator rows)")
        print(f"one sentence                      {t_sent * 1000:8.3f} ms")
        print(f"read the stored area tables       {t_area * 1000:8.1f} ms  ({len(area):,} rows)")
        print(f"national vacancy series           {t_nat * 1000:8.1f} ms  ({len(series)} years)")


if __name__ == "__main__":
    main()
