"""What the Clone town page shows of a town, worked out once per process.

The diagnosis (a function of the workspace version, the town, the scoring options and
where nef's walk starts) and the centres sharing the town's chains (of the version and
the town) are held with ``st.cache_resource``, shared by sessions and never unpickled
per run: a rerun of the page only draws. Treat what they return as read-only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..analysis.clone import CloneSettings
from ..store.workspace import read_only_env
from . import data

#: Where nef's walk starts by default: the unit whose nearest units lie closest together.
AUTO_HEART = "auto"


@st.cache_resource(show_spinner="Diagnosing…", max_entries=32)
def _diagnosis(path: str, version: int, town: str, name: str, settings: CloneSettings, heart: str):
    from ..analysis import clone

    units = data.town("units", town, data._service(path, read_only_env()))
    point = None
    if heart != AUTO_HEART:
        hit = units[units["unit_id"].astype(str) == heart]
        if len(hit) and hit.geometry.iloc[0] is not None:
            point = hit.geometry.iloc[0]
    return clone.diagnose_centre(units, settings, heart=point, centre_id=town, name=name)


def diagnosis(centre_id: str, name: str, settings: CloneSettings, heart: str = AUTO_HEART, svc=None):
    """:func:`agora.analysis.clone.diagnose_centre` of a town's units, walk started at unit `heart` (an id) or
    where units are densest; cached per workspace version, town, settings and start (read-only)."""
    svc = svc or data.service()
    return _diagnosis(str(svc.path), svc.version(), centre_id, name, settings, heart)


@st.cache_resource(show_spinner=False, max_entries=64)
def _similar_centres(path: str, version: int, town: str) -> tuple[pd.DataFrame, float | None, int]:
    from ..analysis import similarity

    svc = data._service(path, read_only_env())
    index = data.similarity_index(svc)
    centres = index.centres
    if len(centres) < 2 or town not in centres:
        return pd.DataFrame(), None, len(centres)
    brands, mix = data.brands(svc)
    table = similarity.most_similar_tables(brands, mix, town, n=10, centres=centres, index=index)
    row = data.indicators(svc).set_index("centre_id").get("clone_ness", pd.Series(dtype=float))
    score = row.get(town)
    return table, (None if score is None or pd.isna(score) else float(score)), len(centres)


def similar_centres(centre_id: str, svc=None) -> tuple[pd.DataFrame, float | None, int]:
    """The 10 centres sharing most chains with `centre_id`, its clone-ness and how many centres were compared.

    Cached per workspace version and town; the table is handed out as a shallow copy.
    """
    svc = svc or data.service()
    table, score, n = _similar_centres(str(svc.path), svc.version(), centre_id)
    return table.copy(deep=False), score, n
