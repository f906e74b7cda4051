"""Cached access to the workspace's layers for the pages.

Caches are keyed on the workspace path and its files' modification times (never on
GeoDataFrame arguments), so saving a dataset shows up on the next rerun.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..layers import LAYERS
from ..store.workspace import Workspace, default_path


def workspace(path: str | None = None) -> Workspace:
    """The workspace at `path` (default: ``$AGORA_WORKSPACE`` or ``./workspace``), opened once per process and folder."""
    return _workspace(str(path or default_path()))


@st.cache_resource(show_spinner=False)
def _workspace(path: str) -> Workspace:
    return Workspace(path)



@st.cache_data(show_spinner="Loading data…", max_entries=4)
def _layers(path: str, signature: tuple) -> dict[str, pd.DataFrame]:
    from ..analysis.ownership import classify_ownership, load_brands

    ws = Workspace(path, seed_demo=False)
    layers = {name: ws.read(name) for name in LAYERS}
    if not layers["units"].empty:
        layers["units"] = classify_ownership(layers["units"], load_brands(*ws.brand_lists()))
    return layers


def layers(ws: Workspace) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Every canonical layer of `ws`, with unit ownership classified (cached on file times)."""
    return _layers(str(ws.path), ws.signature())


def clear() -> None:
    """Forget cached layers (after a save or a delete) and opened workspaces."""
    _layers.clear()
    _workspace.clear()


def project_path(*parts: str) -> Path:
    """A path inside the project folder."""
    return Path(__file__).resolve().parents[2].joinpath(*parts)
