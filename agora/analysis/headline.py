"""Headline figures of a town: the numbers the Overview page leads with."""

from __future__ import annotations

import pandas as pd


def latest_survey(units: pd.DataFrame) -> pd.DataFrame:
    """The units of the latest survey date (all units when none carries a date)."""
    if units.empty or units["observed_on"].isna().all():
        return units
    return units[units["observed_on"] == units["observed_on"].max()]


def survey_dates(units: pd.DataFrame) -> list[pd.Timestamp]:
    """The distinct survey dates, oldest first."""
    return sorted(units["observed_on"].dropna().unique())


def share_independent(units: pd.DataFrame) -> float | None:
    """Independents as a share of occupied units whose ownership is known.

    Symbol-group stores count as not independent. None when no unit qualifies.
    """
    occupied = units[(units["status"] == "occupied") & units["ownership"].isin(["independent", "chain", "symbol_group"])]
    if occupied.empty:
        return None
    return float((occupied["ownership"] == "independent").mean())
