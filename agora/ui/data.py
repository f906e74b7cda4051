"""What pages read, through the data service, with caches that share.

- the service itself and the tables every session reads whole (the centre list, the
  indicator table, brands per centre) are held once per process with
  ``st.cache_resource``, keyed on the workspace's version: never copied per session;
- one town's rows, and what pages show of a town (:data:`TOWN_VIEWS`), are held once
  per process with ``st.cache_resource`` on (workspace, version, layer or view, town), and
  handed out as shallow copies: with pandas' copy-on-write, a page that changes its copy
  copies the columns it changes, never the shared frame (``st.cache_data`` would unpickle
  a new frame on every rerun of every session: a tenth of the server's time under a crowd);
- nothing is keyed on a GeoDataFrame, and no page reads the workspace's files.

Treat what these return as read-only (copy before changing it).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..service import DataService
from ..store.workspace import default_path, read_only_env


def service() -> DataService:
    """The data service of ``$AGORA_WORKSPACE`` (or ``./workspace``), opened once per process."""
    return _service(str(default_path()), read_only_env())


@st.cache_resource(show_spinner=False)
def _service(path: str, read_only: bool) -> DataService:
    return DataService(path, read_only=read_only)


@st.cache_resource(show_spinner=False, max_entries=12)  # each table of two versions
def _shared(path: str, version: int, table: str) -> pd.DataFrame:
    svc = _service(path, read_only_env())
    return {"centres": svc.centres, "indicators": svc.indicators, "brands": svc.brands, "mix": svc.mix,
            "assets": lambda: svc.layer("assets"), "area": svc.area_tables}[table]()


def centres(svc: DataService | None = None) -> gpd.GeoDataFrame:
    """Every centre (shared by all sessions)."""
    svc = svc or service()
    return _shared(str(svc.path), svc.version(), "centres")


def town_list(svc: DataService | None = None) -> tuple[tuple[str, ...], dict[str, str]]:
    """Every centre's id, in the order of their names (case aside), and each id's name (shared; do not change)."""
    svc = svc or service()
    return _town_list(str(svc.path), svc.version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _town_list(path: str, version: int) -> tuple[tuple[str, ...], dict[str, str]]:
    table = _service(path, read_only_env()).centre_names()  # the boundaries are not read for the town picker
    ordered = table.sort_values("name", key=lambda s: s.str.lower())
    return tuple(ordered["centre_id"].tolist()), dict(zip(ordered["centre_id"].tolist(), ordered["name"].tolist()))


def indicators(svc: DataService | None = None) -> pd.DataFrame:
    """The stored indicator table of every centre (shared by all sessions)."""
    svc = svc or service()
    return _shared(str(svc.path), svc.version(), "indicators")


def brands(svc: DataService | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chain brands and shop-type mix per centre (shared), for brand similarity."""
    svc = svc or service()
    return _shared(str(svc.path), svc.version(), "brands"), _shared(str(svc.path), svc.version(), "mix")


@st.cache_resource(show_spinner=False, max_entries=2)
def _similarity_index(path: str, version: int):
    from ..analysis.similarity import similarity_index as compute

    svc = _service(path, read_only_env())
    return compute(*brands(svc))


def similarity_index(svc: DataService | None = None):
    """The brand and shop-mix matrices of every centre (:func:`agora.analysis.similarity.similarity_index` of
    :func:`brands`), made once per workspace version: a centre's most similar centres read one row of them."""
    svc = svc or service()
    return _similarity_index(str(svc.path), svc.version())


def all_assets(svc: DataService | None = None) -> gpd.GeoDataFrame:
    """Every community asset (shared): coverage counts assets outside a centre's boundary too."""
    svc = svc or service()
    return _shared(str(svc.path), svc.version(), "assets")


def area_tables(svc: DataService | None = None) -> pd.DataFrame:
    """The area-level tables saved in the workspace (shared)."""
    svc = svc or service()
    return _shared(str(svc.path), svc.version(), "area")


def _handed_out(value):
    """A shared cached value as a page gets it: frames as shallow copies (copy-on-write), the rest as is."""
    return value.copy(deep=False) if isinstance(value, (pd.DataFrame, pd.Series)) else value


@st.cache_resource(show_spinner=False, max_entries=64)
def _town(path: str, version: int, layer: str, town: str) -> pd.DataFrame:
    svc = _service(path, read_only_env())
    if layer == "footfall_counts":
        return svc.town_counts(town)
    return svc.town(layer, town)


def town(layer: str, centre_id: str, svc: DataService | None = None) -> pd.DataFrame:
    """One centre's rows of `layer` (footfall counts: of the centre's sites)."""
    svc = svc or service()
    return _handed_out(_town(str(svc.path), svc.version(), layer, centre_id))


def _prepared_units(get, svc) -> pd.DataFrame:
    from ..analysis.vacancy import prepare

    units = get("units")
    return prepare(units) if len(units) else units


def _headline(get, svc) -> object:
    from ..analysis.headline import town_headline

    # the units prepared once (the analysis prepares what is not: the same figures)
    return town_headline(*(get(layer) for layer in ("prepared_units", "footfall_sites", "footfall_counts", "assets")))


def _asset_summary(get, svc) -> pd.DataFrame:
    from ..analysis.assets import summary

    return summary(all_assets(svc), get("centres"), get("units"))


def _latest_units(get, svc) -> pd.DataFrame:
    from ..analysis.vacancy import latest_survey

    units = get("prepared_units")
    return latest_survey(units) if len(units) else units


def _vacancy_units(get, svc) -> pd.DataFrame:
    from ..analysis.vacancy import centre_labels, prepare

    units = get("prepared_units")
    if not len(units):
        return prepare(get("units"), get("centres"))
    # prepared with the centres' names: only the centre column differs from the units prepared without them
    return units.assign(centre=centre_labels(units, get("centres")))


def _latest_unit_labels(get, svc) -> pd.Series:
    from .maptools import unit_labels

    return unit_labels(get("latest_units"))


def _heart_labels(get, svc) -> dict[str, str]:
    from ..analysis.clone import latest_survey

    latest, _ = latest_survey(get("units"))
    named = latest.assign(label=latest["name"].astype("string").fillna("(no name)") + " · "
                          + latest["street"].astype("string").fillna(""))
    return dict(zip(named["unit_id"].astype(str), named["label"]))


def _survey_rounds(get, svc) -> pd.DataFrame:
    from ..analysis.surveys import survey_rounds

    return survey_rounds(get("units"))


#: What pages show of one town, computed from its rows once per town and workspace version
#: (each takes ``get(name)``, the town's rows of a layer or another of these views, and the data service).
TOWN_VIEWS = {
    # agora.analysis.vacancy.prepare of the units, as the analysis functions prepare them themselves: done once
    "prepared_units": _prepared_units,
    "headline": _headline,  # agora.analysis.headline.town_headline: the Overview's, Compare's and the profile's figures
    "asset_summary": _asset_summary,  # assets per category, density and coverage (every asset counts for coverage)
    "latest_units": _latest_units,  # agora.analysis.vacancy.latest_survey: units on the latest survey, carried forward
    "latest_unit_labels": _latest_unit_labels,  # agora.ui.maptools.unit_labels of latest_units: the unit search's lines
    "vacancy_units": _vacancy_units,  # agora.analysis.vacancy.prepare: every survey's rows with the vacancy columns
    "survey_rounds": _survey_rounds,  # agora.analysis.surveys.survey_rounds: each survey, full or update
    "heart_labels": _heart_labels,  # unit id -> "name · street" of the units of agora.analysis.clone.latest_survey
}


@st.cache_resource(show_spinner=False, max_entries=256)
def _view(path: str, version: int, name: str, town: str):
    def get(what: str):
        if what in TOWN_VIEWS:
            return _handed_out(_view(path, version, what, town))
        return _handed_out(_town(path, version, what, town))

    return TOWN_VIEWS[name](get, _service(path, read_only_env()))


def town_view(name: str, centre_id: str, svc: DataService | None = None):
    """One of :data:`TOWN_VIEWS` for a centre, cached per town and workspace version (shared by sessions)."""
    svc = svc or service()
    return _handed_out(_view(str(svc.path), svc.version(), name, centre_id))


def headline(centre_id: str, svc: DataService | None = None):
    """A centre's headline figures (:func:`agora.analysis.headline.town_headline`), cached per town and version."""
    return town_view("headline", centre_id, svc)


def asset_summary(centre_id: str, svc: DataService | None = None) -> pd.DataFrame:
    """Assets of a centre per category with density and coverage (every asset counts for coverage), cached."""
    return town_view("asset_summary", centre_id, svc)


@st.cache_resource(show_spinner=False, max_entries=64)
def _references(path: str, version: int, town: str, include_demo: bool | None) -> pd.DataFrame:
    from ..analysis.reference import references as compute

    svc = _service(path, read_only_env())
    return compute(indicators(svc), town, centres(svc), include_demo=include_demo)


def references(centre_id: str, svc: DataService | None = None, *, include_demo: bool | None = None) -> pd.DataFrame:
    """A centre's reference figures (:func:`agora.analysis.reference.references`), shared, per town and version."""
    svc = svc or service()
    return _references(str(svc.path), svc.version(), centre_id, include_demo)


@st.cache_resource(show_spinner=False, max_entries=4)
def _national_vacancy(path: str, version: int) -> pd.DataFrame:
    from ..analysis.reference import national_vacancy as compute

    return compute(area_tables(_service(path, read_only_env())))


def national_vacancy(svc: DataService | None = None) -> pd.DataFrame:
    """The CDRC national town-centre vacancy series (:func:`agora.analysis.reference.national_vacancy`), shared."""
    svc = svc or service()
    return _national_vacancy(str(svc.path), svc.version())


def clear() -> None:
    """Forget cached tables (after a save or a delete) and opened services."""
    _town.clear()
    _view.clear()
    _shared.clear()
    _similarity_index.clear()
    _references.clear()
    _national_vacancy.clear()
    _service.clear()


def project_path(*parts: str) -> Path:
    """A path inside the project folder."""
    return Path(__file__).resolve().parents[2].joinpath(*parts)
