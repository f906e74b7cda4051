"""Benchmark: public contributions under load, and the Moderation page with a large queue.

Prints, for SQLite (the workspace file) and PostgreSQL (``AGORA_TEST_DATABASE_URL`` or the
local server, skipped when unreachable):

* submissions per second with 50 concurrent writers (threads), each sending 20 ideas
  (every submission: checks, a row, an audit row, one transaction);
* the Moderation page's run time under Streamlit's AppTest, signed in, with 100,000
  contributions in the database (target: 1 s or less): the first run and a rerun.

Run::

    python bench/bench_contributions.py [--writers 50] [--each 20] [--rows 100000] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from sqlalchemy import insert  # noqa: E402

from agora.store.contributions import ContributionStore, RateLimits, Submission  # noqa: E402
from agora.store.contributions.schema import audit, contributions  # noqa: E402
from agora.store.contributions.service import new_code, now  # noqa: E402
from agora.store.workspace import Workspace  # noqa: E402


def database(backend: str, folder: Path):
    """A fresh database URL and a cleanup function (None when PostgreSQL is unreachable)."""
    import pytest

    from contrib_db import database_url

    try:
        return database_url(backend, folder)
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        print(f"{backend}: skipped ({exc})")
        return None, None


def writers_bench(url: str, centres, writers: int, each: int) -> float:
    store = ContributionStore.open(url, limits=RateLimits(None, None), pool_size=writers + 5)
    spot = centres.geometry.iloc[0].representative_point()
    town = centres["centre_id"].iloc[0]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(each):
                store.submit(Submission("idea", town, text=f"Writer {n} idea {i}", lat=spot.y, lon=spot.x),
                             centres=centres, session=f"w{n}", client=f"10.0.{n}.1")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    assert not errors, errors[:3]
    assert store.count() == writers * each
    store.engine.dispose()
    return writers * each / elapsed


def fill(url: str, centres, rows: int) -> None:
    """`rows` contributions (pending, approved, rejected; all kinds) straight into the tables."""
    store = ContributionStore.open(url)
    rng = random.Random(1)
    towns = list(centres["centre_id"])
    points = {c: g.representative_point() for c, g in zip(centres["centre_id"], centres.geometry)}
    start = now() - timedelta(days=365)
    batch = 5000
    with store.engine.begin() as conn:
        for offset in range(0, rows, batch):
            values = []
            for i in range(offset, min(rows, offset + batch)):
                town = rng.choice(towns)
                p = points[town]
                values.append({"code": new_code(), "kind": rng.choice(("report", "nomination", "idea", "rating")),
                               "centre_id": town, "unit_id": None, "lat": p.y, "lon": p.x,
                               "status": rng.choice(("pending", "pending", "approved", "rejected")),
                               "text": f"Contribution {i}", "details": "{}", "supports": 0, "session_id": None,
                               "client": None, "origin": "public",
                               "created_at": start + timedelta(seconds=i * 300)})
            conn.execute(insert(contributions), values)
            conn.execute(insert(audit), [{"at": v["created_at"], "actor": "public", "action": "submit",
                                          "contribution_id": None, "before": None, "after": None, "note": None}
                                         for v in values])
    store.add_moderator("bench", "bench password")
    store.engine.dispose()


def page_bench(url: str, repeat: int) -> tuple[float, list[float]]:
    from streamlit.testing.v1 import AppTest

    os.environ["AGORA_DATABASE_URL"] = url
    at = AppTest.from_file(str(PROJECT / "pages" / "moderation.py"), default_timeout=300)
    at.session_state["moderator"] = "bench"
    at.session_state["moderator_seen"] = time.time()
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    assert any("oldest first" in c.value for c in at.caption), "the queue was not shown"
    reruns = []
    for _ in range(repeat):
        at.session_state["moderator_seen"] = time.time()
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start)
    return first, reruns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--each", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="agora-bench-"))
    os.environ["AGORA_WORKSPACE"] = str(folder / "workspace")
    centres = Workspace(folder / "workspace").read("centres")
    for backend in args.backend or ("sqlite", "postgresql"):
        url, cleanup = database(backend, folder / f"{backend}-writers")
        if url is None:
            continue
        (folder / f"{backend}-writers").mkdir(exist_ok=True)
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'sqlite-writers.sqlite'}"
        rate = writers_bench(url, centres, args.writers, args.each)
        print(f"{backend}: {args.writers} writers x {args.each} submissions: {rate:,.0f} submissions/s")
        cleanup()
        url, cleanup = database(backend, folder)
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'sqlite-queue.sqlite'}"
        start = time.perf_counter()
        fill(url, centres, args.rows)
        print(f"{backend}: {args.rows:,} contributions written in {time.perf_counter() - start:.1f} s")
        first, reruns = page_bench(url, args.repeat)
        print(f"{backend}: Moderation page with {args.rows:,} contributions: first run {first:.2f} s, "
              f"rerun median {statistics.median(reruns):.2f} s (target <= 1 s)")
        cleanup()


if __name__ == "__main__":
    main()
