"""The Footfall page's figures of a town, its sites chosen and the period, worked out once per process.

Every figure the page shows comes from the workspace's count files through DuckDB; they
are held with ``st.cache_resource`` (shared by sessions, never unpickled per run) on the
files, the workspace version, the sites and the period, so a rerun of the page only
draws. Treat what :func:`figures` returns as read-only.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from ..analysis import footfall as ff
from ..analysis.indicators import RECENT_WEEKS

#: Weeks of each period the page offers (else every date).
WEEKS = {"4w": 4, "13w": 13, "52w": 52}


@st.cache_resource(show_spinner="Counting footfall…", max_entries=32)
def figures(files: tuple[str, ...], version: int, town_sites: tuple[str, ...], chosen: tuple[str, ...],
            period: str, freq: str) -> dict:
    """Every figure the page shows, from the workspace's Parquet files (DuckDB)."""
    town = ff.connect(list(files), site_ids=town_sites)
    selection = town if chosen == town_sites else ff.connect(list(files), site_ids=chosen)
    overall = ff.summary(selection)
    if overall["last_date"] is None:
        return {"summary": overall}
    last = pd.Timestamp(overall["last_date"]).date()
    first = pd.Timestamp(overall["first_date"]).date()
    start = max(first, last - timedelta(days=7 * WEEKS[period] - 1)) if period in WEEKS else first
    window = ff.connect(list(files), site_ids=chosen, start=start - timedelta(days=ff.YOY_DAYS), end=last)
    shown = ff.connect(list(files), site_ids=chosen, start=start, end=last)
    series = ff.trend(window, freq=freq)
    series = series[series["period"] >= pd.Timestamp(start)]
    if freq == "week":
        series = series[series["complete"]]
    return {
        "summary": overall,
        "start": start,
        "end": last,
        # the headline figure of every page: the last RECENT_WEEKS complete weeks on a year before
        "change": ff.recent_change(selection, None, None, weeks=RECENT_WEEKS),
        "site_totals": ff.recent_site_totals(town, weeks=4, today=last + timedelta(days=1)),
        "series": series,
        "period_summary": ff.summary(shown),
        "profile": ff.weekday_hour_profile(shown),
        "parts": ff.day_parts(shown),
        "signature": ff.monthly_signature(selection),
        "flags": ff.quality_flags(shown),
        "by_site": ff.summary_by_site(shown),
    }
