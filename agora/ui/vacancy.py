"""What the Vacancy page shows of a town and a survey, worked out once per process.

The page's tables (units known on the survey chosen and on the one compared with, how
long each unit has stood empty, the rate per survey, per street and type, openings and
closures, status changes) are functions of the workspace version, the town and the two
surveys alone. They are computed once per process for those (``st.cache_resource``,
shared by sessions, like :data:`agora.ui.data.TOWN_VIEWS`) and handed out as shallow
copies, so a rerun of the page (a filter, a unit picked, the reference group) only draws.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ..store.workspace import read_only_env
from . import data as ui_data


def survey_key(day) -> str:
    """A survey's key in the page's options and the URL: its ISO date, or ``"undated"``."""
    return "undated" if pd.isna(day) else pd.Timestamp(day).date().isoformat()


def survey_day(key: str):
    """The survey date of a :func:`survey_key` (``"undated"`` stays so)."""
    return "undated" if key == "undated" else pd.Timestamp(key)


def _handed_out(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: ui_data._handed_out(value) for name, value in figures.items()}


@st.cache_resource(show_spinner=False, max_entries=64)
def _town_figures(path: str, version: int, town: str) -> dict[str, Any]:
    from ..analysis import surveys, vacancy

    svc = ui_data._service(path, read_only_env())
    data = ui_data.town_view("vacancy_units", town, svc)  # a shallow copy: the new column stays on it
    data["survey"] = data["survey_date"].map(survey_key)
    rounds = ui_data.town_view("survey_rounds", town, svc)
    series = surveys.vacancy_over_time(data, ui_data.town("centres", town, svc)).rename(columns={"date": "survey_date"}).drop(
        columns=["centre_id", "centre"])
    flows = surveys.openings_closures(data)
    per_survey = (flows.groupby("date", as_index=False)[["openings", "closures", "net"]].sum() if len(flows)
                  else None)
    return {
        "data": data,
        "keys": [survey_key(d) for d in vacancy.survey_list(data)],
        "rounds": rounds,
        "updates": rounds[rounds["coverage"] == "update"],
        "durations": vacancy.vacancy_durations(data),
        "series": series,
        "flows": flows,
        "per_survey": per_survey,
        "match_text": surveys.match_summary(data)["text"],
    }


def town_figures(centre_id: str, svc=None) -> dict[str, Any]:
    """What the Vacancy page shows of a town whatever the survey, cached per town and workspace version.

    ``data`` (every survey's rows, :func:`agora.analysis.vacancy.prepare`, with ``survey``,
    the survey's key), ``keys`` (the surveys' keys, oldest first), ``rounds``
    (:func:`agora.analysis.surveys.survey_rounds`) and ``updates`` (its updates),
    ``durations`` (:func:`agora.analysis.vacancy.vacancy_durations`), ``series`` (the
    rate per survey), ``flows`` and ``per_survey`` (openings and closures, by type and
    summed; None without any) and ``match_text``.
    """
    svc = svc or ui_data.service()
    return _handed_out(_town_figures(str(svc.path), svc.version(), centre_id))


@st.cache_resource(show_spinner=False, max_entries=128)
def _survey_figures(path: str, version: int, town: str, chosen: str, before: str | None) -> dict[str, Any]:
    from ..analysis import surveys, vacancy
    from .maptools import unit_labels

    svc = ui_data._service(path, read_only_env())
    town_data = town_figures(town, svc)
    data, rounds = town_data["data"], town_data["rounds"]
    current = surveys.units_on(data, survey_day(chosen), rounds=rounds)  # units known on that date, carried forward
    overall = vacancy.vacancy_table(current, by=()).iloc[0]
    durations = town_data["durations"]
    durations = durations[durations.index.isin(current.index)]
    change = None
    if before is not None:
        past = vacancy.vacancy_table(surveys.units_on(data, survey_day(before), rounds=rounds), by=()).iloc[0]
        if not pd.isna(past["vacancy_rate"]) and not pd.isna(overall["vacancy_rate"]):
            change = (overall["vacancy_rate"] - past["vacancy_rate"]) * 100
    covers = surveys.coverage_sentence(rounds, None if chosen == "undated" else survey_day(chosen),
                                      units=int(overall["units"]))
    vacant = current[current["status"] == "vacant"].join(durations[["vacant_from", "months_vacant", "long_term"]])
    vacant["vacancy"] = vacant["long_term"].map({True: "long-term vacant", False: "vacant"}).fillna("vacant")
    return {
        "current": current,
        "labels": unit_labels(current),
        "overall": overall,
        "durations": durations,
        "change": change,
        "covers": covers,
        "vacant": vacant,
        "long_term_flags": durations["long_term"].reindex(current.index, fill_value=False).astype(bool),
        "by_street": vacancy.by_street(current).drop(columns=["centre", "survey_date"]),
        "by_type": vacancy.by_type(current).drop(columns=["centre", "survey_date"]),
        "long_term": vacant[vacant["long_term"]].sort_values("months_vacant", ascending=False),
        "changes": (vacancy.status_changes(data, survey_day(before), survey_day(chosen)) if before is not None
                    else None),
    }


def survey_figures(centre_id: str, chosen: str, before: str | None, svc=None) -> dict[str, Any]:
    """What the Vacancy page shows of a town's survey `chosen` (a :func:`survey_key`), compared with `before`.

    Cached per town, workspace version and the two surveys: ``current`` (the units known
    on the survey, :func:`agora.analysis.surveys.units_on`) and ``labels`` (their lines
    for the unit search), ``overall`` (the town's vacancy row), ``durations`` (of the
    vacant units known), ``change`` (points since `before`, or None), ``covers`` (what
    the figure covers, in words), ``vacant`` (the vacant units with how long, and
    ``vacancy``: long-term or not), ``long_term_flags`` (per unit known, as the headline
    counts), ``by_street``, ``by_type``, ``long_term`` (longest first) and ``changes``
    (status changes since `before`, or None).
    """
    svc = svc or ui_data.service()
    return _handed_out(_survey_figures(str(svc.path), svc.version(), centre_id, chosen, before))
