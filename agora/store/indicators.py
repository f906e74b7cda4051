"""Area-level indicators kept in the workspace (CDRC town-centre tables and the like).

They are not a canonical layer: one tidy table per import (see
:mod:`agora.loaders.area_indicators`), saved as Parquet under
``<workspace>/area_indicators/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..loaders.report import LoadResult
from .workspace import Workspace

FOLDER = "area_indicators"


def folder(workspace_path: str | Path) -> Path:
    """Where the indicator tables of a workspace live."""
    return Path(workspace_path) / FOLDER


def save_indicators(workspace: Workspace | str | Path, result: LoadResult) -> Path:
    """Save a loaded indicator table (atomically); a table of the same file name is replaced."""
    if not isinstance(workspace, Workspace):
        workspace = Workspace(workspace, seed_demo=False)
    stem = re.sub(r"[^a-z0-9]+", "-", Path(result.report.file).stem.lower()).strip("-")[:60] or "indicators"
    return workspace.save_file(FOLDER, f"{stem}.parquet", result.data.to_parquet(index=False))


def signature(workspace_path: str | Path) -> tuple:
    """Paths and modification times of the saved tables (a cache key)."""
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder(workspace_path).glob("*.parquet")))


def read_indicators(workspace_path: str | Path) -> pd.DataFrame:
    """Every saved table as one (a centre and year found twice: the newest file wins)."""
    files = sorted(folder(workspace_path).glob("*.parquet"), key=lambda p: p.stat().st_mtime_ns)
    if not files:
        from ..loaders.area_indicators import COLUMNS  # its readers are not needed to read saved tables

        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})
    table = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    table = table.drop_duplicates(["centre_id", "year", "level"], keep="last")
    return table.sort_values(["centre_id", "year"], kind="stable").reset_index(drop=True)
