"""Uploading a file on the Data page: read, map columns, validate (cached on the file's bytes)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..layers import LAYERS, get_layer
from ..loaders import LoadError, LoadResult, as_coverage, read_source
from ..loaders.columns import COORD_ALIASES, match_columns
from ..loaders.guess import guess_layer
from ..store.workspace import Workspace

KEEP = "(keep as is)"
IGNORE = "ignore"


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def inspect(data: bytes, filename: str) -> tuple[pd.DataFrame | None, str | None, str | None]:
    """Read an upload: (first rows for the column editor, guessed layer, error message)."""
    try:
        table, _ = read_source(data, filename)
    except LoadError as exc:
        return None, None, str(exc)
    sample = pd.DataFrame(table.drop(columns=[table.geometry.name]) if hasattr(table, "geometry") else table).head(5)
    return sample.astype("string"), guess_layer(table), None


@st.cache_data(show_spinner="Validating…", max_entries=8)
def validate(data: bytes, filename: str, layer: str, column_map: tuple, defaults: tuple,
             ws_path: str, signature: tuple) -> tuple[LoadResult | None, str | None]:
    """Load an upload as `layer`; (result, None) or (None, error message)."""
    try:
        return Workspace(ws_path, seed_demo=False).load(data, layer, filename=filename, column_map=dict(column_map),
                                                        defaults=dict(defaults)), None
    except LoadError as exc:
        return None, str(exc)


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


COVERAGE_CHOICES = {
    "Detect it": None,
    "A full survey of the centre": "full",
    "An update of the units it covers": "update",
}


def survey_coverage(result: LoadResult, key: str) -> LoadResult:
    """For units: ask whether the file is a full survey or an update of some units; return it marked so.

    "Detect it" leaves the rows unmarked: a survey covering fewer than 60% of the units
    known before it counts as an update (:mod:`agora.analysis.surveys`).
    """
    if result.report.layer != "units":
        return result
    choice = st.radio("This file is", list(COVERAGE_CHOICES), key=key, horizontal=True,
                      help="An update changes only the units it covers; the other units keep their last known state. "
                           "Detected: fewer than 60% of the units known before means an update.")
    coverage = COVERAGE_CHOICES[choice]
    return result if coverage is None else as_coverage(result, coverage)
