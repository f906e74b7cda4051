"""Databases for the contributions tests: SQLite in a temporary folder and PostgreSQL.

The PostgreSQL URL comes from ``AGORA_TEST_DATABASE_URL`` (default the local server's
``test`` database). Each test works in a fresh schema of its own, dropped afterwards, so
runs do not collide. An unreachable server skips the test, except under ``CI=true``,
where it fails.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import geopandas as gpd
import pytest
from argon2 import PasswordHasher
import shapely

from agora.store.contributions import ContributionStore, RateLimits
from agora.store.contributions.db import make_engine, normalise_url

#: Argon2 with little memory and one pass: the same code path, fast enough for tests.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")

#: A 150 m street in the Pennines; the units below stand in it.
BOX = shapely.box(-2.0160, 53.7405, -2.0145, 53.7420)
INSIDE = (53.7412, -2.0152)  # lat, lon
NEAR = (53.7440, -2.0152)    # ~220 m north of the box
FAR = (53.7600, -2.0152)     # ~2 km north
UNITS = {"hs-1": INSIDE, "hs-2": (53.7414, -2.0150), "hs-3": (53.7416, -2.0154)}


def centres() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"centre_id": ["hs", "bare"], "name": ["High Street", "Bare Town"]},
                            geometry=[BOX, shapely.box(0, 51, 0.01, 51.01)], crs="EPSG:4326")


def unit_ids(centre_id: str) -> set[str]:
    return set(UNITS) if centre_id == "hs" else set()


def _pg_base() -> str:
    return normalise_url(os.environ.get("AGORA_TEST_DATABASE_URL") or DEFAULT_PG)


def _unreachable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is needed in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


def database_url(backend: str, tmp_path):
    """A fresh database URL for `backend`; returns (url, cleanup)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'contributions.sqlite'}", lambda: None
    from sqlalchemy import text

    base = _pg_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        engine = make_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server, no database, no rights
        _unreachable(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"

    def cleanup() -> None:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()

    return url, cleanup


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh database URL, once for SQLite and once for PostgreSQL."""
    url, cleanup = database_url(request.param, tmp_path)
    yield url
    cleanup()


@pytest.fixture
def store(db_url):
    """A contributions store on a fresh database, with rate limits off."""
    store = ContributionStore.open(db_url, limits=RateLimits(None, None), hasher=FAST_HASHER,
                                   pool_size=60)
    yield store
    store.engine.dispose()
