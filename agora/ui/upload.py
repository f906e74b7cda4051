"""Uploading a file on the Data page: read, map columns, validate.

An upload is copied to a temporary file on disk (:func:`spill`) and read from there, so
the loaders stream it rather than hold more copies in memory. Only small results are
cached for everyone (the first rows and the guessed layer); the validated layer is kept
for this session alone, one at a time (:func:`validate`), and goes with the session.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from ..layers import LAYERS, get_layer
from ..loaders import LoadError, LoadResult, read_source
from ..loaders.columns import COORD_ALIASES, match_columns
from ..loaders.guess import guess_layer
from ..loaders.read import layer_names
from ..store.workspace import Workspace

KEEP = "(keep as is)"
IGNORE = "ignore"
#: Where uploads are spilled; files older than :data:`SPILL_MAX_AGE` seconds are removed.
SPILL_DIR = Path(tempfile.gettempdir()) / "agora-uploads"
SPILL_MAX_AGE = 24 * 3600
_CHUNK = 1 << 20


def spill(file) -> Path:
    """Copy an uploaded file (a Streamlit ``UploadedFile``) to a temporary file, chunk by chunk.

    The same upload gives the same path; this session's previous upload is removed.
    """
    SPILL_DIR.mkdir(exist_ok=True)
    key = hashlib.sha256(f"{file.file_id}|{file.name}|{file.size}".encode()).hexdigest()[:32]
    path = SPILL_DIR / f"{key}{Path(file.name).suffix.lower()}"
    if not path.exists():
        _forget_old()
        tmp = path.with_suffix(".part")
        file.seek(0)
        with tmp.open("wb") as out:
            while chunk := file.read(_CHUNK):
                out.write(chunk)
        tmp.replace(path)
    previous = st.session_state.get("_agora_spilled")
    if previous and previous != str(path):
        Path(previous).unlink(missing_ok=True)
        st.session_state.pop("_agora_validated", None)
    st.session_state["_agora_spilled"] = str(path)
    return path


def _forget_old() -> None:
    cutoff = time.time() - SPILL_MAX_AGE
    for old in SPILL_DIR.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


def layers_in(path: Path) -> list[str]:
    """The layers of a GeoPackage (empty for other formats)."""
    return layer_names(path) if path.suffix == ".gpkg" else []


@st.cache_data(show_spinner="Reading the file…", max_entries=16)
def inspect(path: str, filename: str, layer_name: str | None = None,
            ) -> tuple[pd.DataFrame | None, str | None, str | None]:
    """Read a spilled upload: (first rows for the column editor, guessed layer, error message)."""
    try:
        table, _ = read_source(path, filename, layer_name=layer_name)
    except LoadError as exc:
        return None, None, str(exc)
    sample = pd.DataFrame(table.drop(columns=[table.geometry.name]) if hasattr(table, "geometry") else table).head(5)
    return sample.astype("string"), guess_layer(table), None


def validate(path: str, filename: str, layer: str, column_map: tuple, defaults: tuple,
             ws_path: str, signature: tuple, layer_name: str | None = None) -> tuple[LoadResult | None, str | None]:
    """Load a spilled upload as `layer`; (result, None) or (None, error message).

    The result is kept in this session only, one at a time, so reruns of the page do
    not load the file again; a new upload or other options replace it.
    """
    key = (path, filename, layer, column_map, defaults, ws_path, signature, layer_name)
    kept = st.session_state.get("_agora_validated")
    if kept is not None and kept[0] == key:
        return kept[1]
    st.session_state.pop("_agora_validated", None)  # free the old result before loading the new one
    with st.spinner("Validating…"):
        try:
            outcome = Workspace(ws_path, seed_demo=False).load(
                path, layer, filename=filename, column_map=dict(column_map), defaults=dict(defaults),
                layer_name=layer_name), None
        except LoadError as exc:
            outcome = None, str(exc)
    st.session_state["_agora_validated"] = (key, outcome)
    return outcome


def column_editor(sample: pd.DataFrame, layer: str, key: str) -> dict[str, str]:
    """An editable table of input column -> canonical column; returns the map a person chose."""
    columns = [c for c in sample.columns if c != "_row"]
    auto = {col: target for target, col in match_columns(columns, layer).items()}
    targets = [KEEP, IGNORE, *get_layer(layer).columns, *COORD_ALIASES, "hour"]
    table = pd.DataFrame({
        "column": columns,
        "example": [next((v for v in sample[c] if pd.notna(v)), "") for c in columns],
        "maps to": [auto.get(c, KEEP) for c in columns],
    })
    edited = st.data_editor(
        table, key=key, hide_index=True, width="stretch", disabled=["column", "example"],
        column_config={"maps to": st.column_config.SelectboxColumn("maps to", options=targets, required=True)},
    )
    return {r["column"]: r["maps to"] for _, r in edited.iterrows() if r["maps to"] != auto.get(r["column"], KEEP)
            and r["maps to"] != KEEP}


def layer_options() -> list[str]:
    """Layer names in the order people think of them."""
    return list(LAYERS)
