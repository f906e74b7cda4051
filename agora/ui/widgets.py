"""Small helpers the pages share: formatting, escaping, tables with a download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..store import export
from .text import md as md_escape  # noqa: F401  (the one escaping helper, under the name pages used first)


def pct(value, digits: int = 1) -> str:
    """A share as a percentage, or an en dash when missing."""
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def vacancy_delta(change, since: str = "") -> dict:
    """``st.metric`` keyword arguments for a change in vacancy rate, in percentage points.

    A rise is red and a fall green (``inverse``); a change that rounds to nothing is shown
    grey and without an arrow, not as a red rise.

    >>> vacancy_delta(1.23)["delta"], vacancy_delta(-0.06)["delta"], vacancy_delta(0.04)["delta_color"]
    ('+1.2 pts', '-0.1 pts', 'off')
    """
    if change is None or pd.isna(change):
        return {"delta": None}
    text = f"{change:+.1f} pts" + (f" since {since}" if since else "")
    if round(float(change), 1) == 0:
        return {"delta": text, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text, "delta_color": "inverse"}


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
