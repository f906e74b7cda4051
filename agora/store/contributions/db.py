"""Where contributions are kept: the database URL, the engine, and migrations at start-up.

By default a SQLite file in the workspace (``<workspace>/contributions.sqlite``, WAL mode,
a busy timeout, write transactions begun IMMEDIATE so concurrent writers queue instead of
failing). With ``AGORA_DATABASE_URL`` set, that database (PostgreSQL through psycopg 3:
``postgresql+psycopg://user@host:5432/db``; a plain ``postgresql://`` URL is accepted).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "contributions_alembic_version"
#: The newest migration's revision id (a test checks it against Alembic's reading of ``migrations``):
#: a database already there is opened without loading Alembic.
HEAD = "0001"
SQLITE_NAME = "contributions.sqlite"
BUSY_TIMEOUT_S = 30


def database_url(workspace: str | os.PathLike | None = None) -> str:
    """``$AGORA_DATABASE_URL`` (normalised), else the SQLite file in `workspace`."""
    url = os.environ.get("AGORA_DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    if workspace is None:
        from ..workspace import default_path

        workspace = default_path()
    Path(workspace).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(workspace).resolve() / SQLITE_NAME}"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` become ``postgresql+psycopg://`` (psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, *, schema: str | None = None, pool_size: int = 10) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and IMMEDIATE write transactions.

    Parameters
    ----------
    schema : PostgreSQL schema to work in (it is created if missing).
    pool_size : connections kept open (more are opened when needed, and closed after use).
    """
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                               pool_size=pool_size, max_overflow=60)
        _sqlite_setup(engine)
        return engine
    args = {"options": f"-csearch_path={schema}"} if schema else {}
    engine = create_engine(url, connect_args=args, pool_size=pool_size, max_overflow=60,
                           pool_pre_ping=True)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    return engine


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # A deferred transaction that reads and then writes can fail at once with
        # "database is locked"; IMMEDIATE takes the write lock first and waits for it.
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migration at a time across processes: a file lock (SQLite) or an advisory lock."""
    if engine.dialect.name == "sqlite":
        lock = Path(f"{engine.url.database}.migrate.lock")
        with lock.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(905409)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(905409)"))
                conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database records (None before the first migration)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema with Alembic (a no-op when it is there)."""
    if current_revision(engine) == HEAD:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision() == head:
            return
    with _migration_lock(engine), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
