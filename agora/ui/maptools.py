"""Map tools for the unit maps (Overview, Vacancy): find a unit, filter what is drawn, pick from the table.

The filters reuse the analysis' definitions, one figure one definition:

- *vacant*: ``status == "vacant"`` (as in :func:`agora.analysis.vacancy.vacancy_table`);
- *long-term vacant*: the ``long_term`` flag of :func:`agora.analysis.vacancy.vacancy_durations`
  (vacant :data:`agora.analysis.vacancy.LONG_TERM_MONTHS` months or more);
- *chains*: ownership ``chain`` or ``symbol_group`` (symbol groups count as chains, as
  in the clone-town score's default and in the independent share's denominator);
  *independents*: ownership ``independent``;
- *kind of shop*: the ``shop_type`` label of :func:`agora.analysis.vacancy.prepare`
  (for a vacant unit its last known use).

A unit is picked by the search box or by a row of the table, whichever the user touched
last; the page redraws the map around it (:func:`agora.ui.maps.focus_on`).

Examples
--------
>>> table = pd.DataFrame({"unit_id": ["u1", "u2"], "name": ["Greggs", None], "status": ["occupied", "vacant"],
...                       "ownership": ["chain", "unknown"], "shop_type": ["Bakery", "Bakery"],
...                       "street": ["High St", "Bridge Rd"]})
>>> unit_labels(table).tolist()
['Greggs — High St (u1)', 'Vacant unit — Bridge Rd (u2)']
>>> table[filter_mask(table, UnitFilter(status="vacant", kinds=("Bakery",)))]["unit_id"].tolist()
['u2']

On a page (Streamlit)::

    tools = unit_tools(latest, key="overview", long_term=lambda: long_term_flags(latest, units))
    ...add tools.shown to the map...
    tools.focus(m)      # ring the picked unit and fit the map to it
    tools.table(frame)  # a table whose row click picks a unit
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import folium
import pandas as pd

from agora.analysis import vacancy

from . import maps

STATUS_CHOICES = {
    "all": "All units",
    "vacant": "Vacant",
    "long_term": f"Long-term vacant ({vacancy.LONG_TERM_MONTHS}+ months)",
}
OWNERSHIP_CHOICES = {"any": "Any ownership", "chains": "Chains", "independents": "Independents"}
#: Ownership classes counted as chains by the "chains" filter.
CHAIN_CLASSES = ("chain", "symbol_group")
#: Columns read, in order, as a unit's address.
ADDRESS_COLUMNS = ("address", "housenumber", "street", "street_label", "postcode")


@dataclass(frozen=True)
class UnitFilter:
    """What the map draws: a status, an ownership and kinds of shop (empty: every kind)."""

    status: str = "all"
    ownership: str = "any"
    kinds: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status != "all" or self.ownership != "any" or bool(self.kinds)


# --------------------------------------------------------------------------- plain functions


def long_term_flags(shown: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """Whether each unit of `shown` is long-term vacant, by :func:`vacancy.vacancy_durations`.

    Parameters
    ----------
    shown : the units of one survey (rows of the prepared `history`, e.g. from
        :func:`vacancy.latest_survey` or :func:`agora.analysis.surveys.units_on`).
    history : every survey of the town (the durations count consecutive vacant surveys).
    """
    durations = vacancy.vacancy_durations(history)
    return durations["long_term"].reindex(shown.index, fill_value=False).astype(bool)


def filter_mask(units: pd.DataFrame, chosen: UnitFilter, long_term: pd.Series | None = None) -> pd.Series:
    """The rows of `units` that `chosen` keeps.

    Parameters
    ----------
    units : units with ``status``, ``ownership`` and ``shop_type``.
    chosen : the filter.
    long_term : :func:`long_term_flags` of `units` (needed for the long-term filter;
        without it no unit is long-term vacant).
    """
    keep = pd.Series(True, index=units.index)
    status = units["status"].astype("string") if "status" in units else pd.Series(pd.NA, index=units.index, dtype="string")
    if chosen.status in ("vacant", "long_term"):
        keep &= status.eq("vacant").fillna(False)
    if chosen.status == "long_term":
        flags = long_term if long_term is not None else pd.Series(False, index=units.index)
        keep &= flags.reindex(units.index, fill_value=False).astype(bool)
    owner = units["ownership"].astype("string") if "ownership" in units else pd.Series(pd.NA, index=units.index, dtype="string")
    if chosen.ownership == "chains":
        keep &= owner.isin(CHAIN_CLASSES).fillna(False)
    elif chosen.ownership == "independents":
        keep &= owner.eq("independent").fillna(False)
    if chosen.kinds:
        keep &= units["shop_type"].astype("string").isin(chosen.kinds).fillna(False)
    return keep.astype(bool)


def unit_address(units: pd.DataFrame) -> pd.Series:
    """A unit's address from the address columns it has (``"12 High Street, HX7 8AD"``)."""
    parts = [units[c].astype("string").str.strip().replace("", pd.NA) for c in ADDRESS_COLUMNS if c in units]
    if "street" in units and "street_label" in units:  # the same street twice
        parts = [p for p, c in zip(parts, [c for c in ADDRESS_COLUMNS if c in units]) if c != "street_label"]
    parts = [p.where(p != vacancy.NO_STREET) for p in parts]
    if not parts:
        return pd.Series("", index=units.index, dtype="string")
    stacked = pd.concat(parts, axis=1, ignore_index=True).stack().dropna()
    joined = stacked.astype(str).groupby(level=0, sort=False).agg(", ".join)
    return joined.reindex(units.index).fillna("").astype("string")


def unit_names(units: pd.DataFrame) -> pd.Series:
    """The name to show for each unit: its name, else ``"Empty (was ...)"``, ``"Vacant unit"`` or ``"Unnamed unit"``."""
    name = units["name"].astype("string") if "name" in units else pd.Series(pd.NA, index=units.index, dtype="string")
    name = name.str.strip().replace("", pd.NA)
    if "former_name" in units:
        was = units["former_name"].astype("string")
        name = name.fillna(("Empty (was " + was + ")").where(was.notna()))
    if "status" in units:
        name = name.fillna(pd.Series("Vacant unit", index=units.index, dtype="string")
                           .where(units["status"].astype("string").eq("vacant").fillna(False)))
    return name.fillna("Unnamed unit")


def unit_labels(units: pd.DataFrame) -> pd.Series:
    """One line per unit naming it by name, address and id, for the search box.

    The search box matches what is typed against these lines, so a unit is found by any
    of the three. Plain text: the box shows it as text, never as markup.
    """
    address = unit_address(units)
    ident = units["unit_id"].astype("string") if "unit_id" in units else pd.Series(units.index.astype(str), index=units.index)
    label = unit_names(units) + address.map(lambda a: f" — {a}" if a else "") + " (" + ident.fillna("no id") + ")"
    return label.astype(str)


def focus_geometry(units: pd.DataFrame, index: Any):
    """The geometry (lon/lat) of row `index` of `units`, or None when it has no position."""
    if index is None or index not in units.index:
        return None
    gdf = units.loc[[index]]
    if getattr(gdf, "crs", None) is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    geom = gdf.geometry.iloc[0]
    return None if geom is None or geom.is_empty else geom


# --------------------------------------------------------------------------- streamlit


@dataclass
class UnitTools:
    """The page's map tools once drawn: the units kept and the unit picked."""

    key: str
    units: pd.DataFrame
    shown: pd.DataFrame
    chosen: UnitFilter
    picked: Any = None
    labels: pd.Series = field(default_factory=pd.Series)

    @property
    def caption(self) -> str:
        text = f"Showing {len(self.shown):,} of {len(self.units):,} units"
        return text + (" (filtered)." if self.chosen.active else ".")

    def focus(self, m: folium.Map) -> bool:
        """Ring the picked unit on `m` and fit `m` to it; False when no unit is picked or placed."""
        geom = focus_geometry(self.units, self.picked)
        if geom is None:
            return False
        maps.focus_on(m, geom, self.labels.get(self.picked, ""))
        return True

    def table(self, frame: pd.DataFrame, **kwargs):
        """Show `frame` (rows of `shown`, same index) as a table whose row click picks a unit."""
        import streamlit as st

        ids = list(frame.index)
        return st.dataframe(frame, key=f"{self.key}_table", on_select=partial(_table_picked, self.key, ids, self.labels),
                            selection_mode="single-row", **kwargs)


def _focus_key(key: str) -> str:
    return f"{key}_focus"


def _search_picked(key: str, labels: pd.Series) -> None:
    import streamlit as st

    index = st.session_state.get(f"{key}_search")
    st.session_state[_focus_key(key)] = None if index is None else (index, labels.get(index))


def _table_picked(key: str, ids: list, labels: pd.Series) -> None:
    import streamlit as st

    state = st.session_state.get(f"{key}_table")
    try:
        rows = list(state["selection"]["rows"])
    except (KeyError, TypeError):
        rows = []
    if rows and 0 <= rows[0] < len(ids):
        st.session_state[_focus_key(key)] = (ids[rows[0]], labels.get(ids[rows[0]]))


def _picked(key: str, labels: pd.Series):
    """The picked unit's index, if it is still the same unit (not a row of another town or survey)."""
    import streamlit as st

    focus = st.session_state.get(_focus_key(key))
    if not isinstance(focus, tuple) or len(focus) != 2:
        return None
    index, label = focus
    return index if index in labels.index and labels[index] == label else None


def unit_tools(units: pd.DataFrame, *, key: str, long_term: pd.Series | Callable[[], pd.Series] | None = None,
               statuses: tuple[str, ...] = tuple(STATUS_CHOICES), labels: pd.Series | None = None) -> UnitTools:
    """Draw the search box and the filters above a unit map; return what to draw.

    Parameters
    ----------
    units : the units the map can show (one survey, with ``shop_type``).
    key : widget key prefix, one per page.
    long_term : :func:`long_term_flags` of `units`, or a function returning them (called
        only when the long-term filter is on).
    statuses : the status choices offered (keys of `STATUS_CHOICES`).
    labels : :func:`unit_labels` of `units`, when the page has them cached.
    """
    import streamlit as st

    labels = unit_labels(units) if labels is None else labels
    kinds = sorted(units["shop_type"].dropna().astype(str).unique()) if "shop_type" in units else []
    with st.container(border=True):
        st.selectbox(
            "Find a unit", list(units.index), index=None, key=f"{key}_search", format_func=labels.get,
            placeholder="Type a name, address or id", on_change=_search_picked, args=(key, labels),
            help="Picks the unit, rings it on the map and zooms to it. A row of the table below picks one too.",
        )
        c1, c2, c3 = st.columns([1, 1, 2])
        status = c1.selectbox("Status", statuses, format_func=STATUS_CHOICES.get, key=f"{key}_status",
                              help=f"Long-term: vacant {vacancy.LONG_TERM_MONTHS} months or more, as in the "
                                   "vacancy figures.")
        ownership = c2.selectbox("Ownership", list(OWNERSHIP_CHOICES), format_func=OWNERSHIP_CHOICES.get,
                                 key=f"{key}_ownership", help="Chains include symbol groups (Spar, Londis...).")
        chosen_kinds = c3.multiselect("Kind of shop", kinds, key=f"{key}_kinds", placeholder="Every kind",
                                      help="For a vacant unit, its last known use.")
    chosen = UnitFilter(status=status, ownership=ownership, kinds=tuple(chosen_kinds))
    if callable(long_term):
        long_term = long_term() if chosen.status == "long_term" else None
    shown = units[filter_mask(units, chosen, long_term)]
    return UnitTools(key=key, units=units, shown=shown, chosen=chosen, picked=_picked(key, labels), labels=labels)
