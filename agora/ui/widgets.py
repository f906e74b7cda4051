"""Small helpers the pages share: formatting, escaping, tables with a download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..store import export
from .text import md as md_escape  # noqa: F401  (the one escaping helper, under the name pages used first)


def pct(value, digits: int = 1) -> str:
    """A share as a percentage, or an en dash when missing."""
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def plain(table: pd.DataFrame) -> pd.DataFrame:
    """A copy fit for charts and CSV: no geometry, nullable numbers as floats."""
    out = pd.DataFrame(table.drop(columns="geometry", errors="ignore")).copy()
    for col in out.columns:
        if str(out[col].dtype) in ("Float64", "Int64"):
            out[col] = out[col].astype(float)
    return out


def download_csv(table: pd.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
    """A button that downloads `table` as CSV (built only when pressed)."""
    st.download_button(label, lambda: export.to_csv(table), file_name, "text/csv", key=key,
                       icon=":material/download:")
