"""Headline figures of a town: the numbers the Overview page leads with."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import vacancy
from .footfall import recent_change


@dataclass
class Headline:
    """A town's headline figures (None where the data cannot tell).

    Attributes
    ----------
    units : int
        Units known on the latest survey date (carried forward over updates).
    survey_date : Timestamp or None
        Date of that survey.
    vacancy_rate : float or None
        Vacant / (occupied + vacant) in the latest survey.
    vacancy_change : float or None
        Change from the survey before, in percentage points.
    share_independent : float or None
        Independents among occupied units whose ownership is known.
    footfall : dict or None
        :func:`agora.analysis.footfall.recent_change` of the town's sites: the last
        :data:`agora.analysis.indicators.RECENT_WEEKS` complete weeks against the same
        weeks 364 days earlier (the indicator ``footfall_yoy``).
    assets : int
        Community assets in the centre.
    """

    units: int
    survey_date: pd.Timestamp | None
    vacancy_rate: float | None
    vacancy_change: float | None
    share_independent: float | None
    footfall: dict | None
    assets: int


def share_independent(units: pd.DataFrame) -> float | None:
    """Independents as a share of occupied units whose ownership is known.

    Symbol-group stores count as not independent. None when no unit qualifies.
    """
    known = units["ownership"].isin(["independent", "chain", "symbol_group"]) & (units["status"] == "occupied")
    occupied = units[known.fillna(False)]
    if occupied.empty:
        return None
    return float((occupied["ownership"] == "independent").mean())


def town_headline(units: pd.DataFrame, sites: pd.DataFrame, counts: pd.DataFrame, assets: pd.DataFrame,
                  *, today: pd.Timestamp | None = None) -> Headline:
    """The headline figures of one town from its layers (already filtered to the town)."""
    latest = vacancy.latest_survey(units) if len(units) else units
    rate = change = None
    date = None
    if len(latest):
        overall = vacancy.vacancy_table(latest, by=())
        rate = _number(overall["vacancy_rate"].iloc[0])
        date = latest["survey_date"].max() if "survey_date" in latest else None
        moved = vacancy.vacancy_change(units, by=())
        if len(moved):
            change = _number(moved["change_points"].iloc[0])
    from .indicators import RECENT_WEEKS

    footfall = recent_change(counts, sites, None, weeks=RECENT_WEEKS, today=today) if len(counts) else None
    return Headline(
        units=len(latest),
        survey_date=None if date is None or pd.isna(date) else pd.Timestamp(date),
        vacancy_rate=rate,
        vacancy_change=change,
        share_independent=share_independent(latest) if len(latest) else None,
        footfall=footfall,
        assets=len(assets),
    )


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
