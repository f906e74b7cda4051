"""Cached indicator table, table styling and downloads for the Compare and Profile pages.

Caches are keyed on the workspace path and its files' signature (the area tables saved
in the workspace included), never on the tables themselves.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from ..analysis import compare
from ..analysis.indicators import INDICATORS, centre_points
from ..report import charts
from ..report.profile import Profile, build_profile, to_html
from ..service import DataService
from . import data


def table(svc: DataService | None = None, *, include_demo: bool | None = None,
          keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """The indicator table of the centres to compare (stored when data was saved; shared by all sessions).

    Demo towns are left out when the workspace holds other centres, unless `include_demo`
    (:func:`agora.analysis.compare.comparison_set`); `keep` ids always stay.
    """
    svc = svc or data.service()
    return _table(str(svc.path), svc.version(), include_demo, tuple(keep))[0].copy(deep=False)


def demo_is_optional(svc: DataService) -> bool:
    """Whether the workspace holds demo towns beside centres of its own (Compare then offers to include
    them), kept per version."""
    return _demo_is_optional(str(svc.path), svc.version())


@st.cache_resource(max_entries=2, show_spinner=False)
def _demo_is_optional(path: str, version: int) -> bool:
    centres = data.centres(data.service())
    demo = compare.demo_centre_ids(centres)
    return bool(demo) and not set(centres["centre_id"].astype(str)) <= demo


def table_names(svc: DataService | None = None, *, include_demo: bool | None = None,
                ) -> tuple[tuple[str, ...], dict[str, str]]:
    """The ids of :func:`table`'s centres in its order, and each id's name (shared; do not change)."""
    svc = svc or data.service()
    return _table(str(svc.path), svc.version(), include_demo, ())[1:]


@st.cache_resource(max_entries=8, show_spinner=False)
def _table(path: str, version: int, include_demo: bool | None, keep: tuple[str, ...],
           ) -> tuple[pd.DataFrame, tuple[str, ...], dict[str, str]]:
    svc = data.service()
    out = compare.comparison_set(data.indicators(svc), data.centres(svc), include_demo=include_demo, keep=keep)
    ids = out["centre_id"].tolist()
    return out, tuple(ids), dict(zip(ids, out["name"].tolist()))


def sources(svc: DataService | None = None) -> list[dict]:
    """The datasets behind the figures: ``layer``, ``source``, ``rows``, ``saved_at``."""
    return (svc or data.service()).sources()


def town_layers(centre_id: str, svc: DataService | None = None) -> dict[str, pd.DataFrame]:
    """One centre's rows of every layer, as :func:`agora.report.profile.build_profile` reads them."""
    names = ("centres", "units", "footfall_sites", "footfall_counts", "assets")
    return {name: data.town(name, centre_id, svc) for name in names}


@st.cache_resource(max_entries=32, show_spinner="Gathering the profile…")
def _profile(path: str, version: int, centre_id: str, group: str = "all") -> Profile:
    svc = data.service()
    return build_profile(table(svc, keep=(centre_id,)), town_layers(centre_id, svc), centre_id,
                         sources=sources(svc), brands=data.brands(svc), centres=data.centres(svc),
                         reference_group=group, similarity_index=data.similarity_index(svc))


def profile(centre_id: str, svc: DataService | None = None, group: str = "all") -> Profile:
    """A centre's profile, its figures set against `group` first (cached per workspace version; read-only)."""
    svc = svc or data.service()
    return _profile(str(svc.path), svc.version(), centre_id, group)


@st.cache_data(show_spinner="Writing the profile…", max_entries=16)
def _profile_html(path: str, version: int, centre_id: str, group: str = "all", reports: str | None = None) -> bytes:
    profile = _profile(path, version, centre_id, group)
    if reports is not None:  # the public's reports of the period (JSON: a hashable cache key)
        import dataclasses
        import json

        from ..analysis.changes import public_reports

        found = profile.changes
        found = dataclasses.replace(found, reports=public_reports(json.loads(reports), found.from_date, found.to_date))
        profile = dataclasses.replace(profile, changes=found)
    return to_html(profile).encode("utf-8")


def profile_html(centre_id: str, svc: DataService | None = None, group: str = "all") -> bytes:
    """The standalone HTML profile of `centre_id` (cached), with the public's reports of its "What changed"."""
    import json

    from .changes import approved_reports

    svc = svc or data.service()
    found = profile(centre_id, svc, group).changes
    rows = approved_reports(svc, centre_id, found.from_date, found.to_date) \
        if found is not None and found.compared else None
    reports = None if rows is None else json.dumps(rows, default=str, sort_keys=True)
    return _profile_html(str(svc.path), svc.version(), centre_id, group, reports)


# --------------------------------------------------------------------------- URL state
def _wanted(key: str, options: list) -> list:
    """Values of query parameter `key` that are among `options` (repeated or comma-separated)."""
    raw = st.query_params.get_all(key)
    found = [v for v in raw if v in options]
    if not found:
        found = [p.strip() for v in raw for p in v.split(",") if p.strip() in options]
    return list(dict.fromkeys(found))


def url_multiselect(label: str, options: list, default: list, *, key: str, **kwargs) -> list:
    """A multiselect whose value lives in the URL as ``?key=a&key=b`` (option values, not labels).

    The URL sets the value when the page opens; every change is written back, so the
    address reproduces the selection.
    """
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    else:
        st.session_state[key] = _wanted(key, options) or [v for v in default if v in options]
    value = st.multiselect(label, options, key=key, **kwargs)
    st.query_params[key] = value
    return value


def url_selectbox(label: str, options: list, default, *, key: str, container=st, **kwargs):
    """A selectbox whose value (the option value, not its label) lives in the URL as ``?key=value``."""
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = _wanted(key, options)
        st.session_state[key] = wanted[0] if wanted else (default if default in options else options[0])
    value = container.selectbox(label, options, key=key, **kwargs)
    st.query_params[key] = value
    return value


# --------------------------------------------------------------------------- table
def cell_css(frame: pd.DataFrame, shown: list[str], colour_by: pd.DataFrame) -> pd.DataFrame:
    """The CSS of each cell of the Compare table: indicator cells coloured by "better than" percentile, the
    nef class in its colour ("" for none).

    `colour_by` is matched to `frame`'s rows by index label (a row moved in `frame` keeps its own colour).
    """
    css = pd.DataFrame("", index=frame.index, columns=frame.columns)
    colour_by = colour_by.reindex(frame.index)
    for col in shown:
        if col in colour_by:
            css[col] = [f"background-color: {c}" if isinstance(c, str) else ""
                        for c in (charts.goodness_colour(v) for v in colour_by[col])]
    if "nef2005_class" in frame:
        css["nef2005_class"] = [f"color: {charts.CLASS_COLOURS[c]}; font-weight: 600"
                                if isinstance(c, str) and c in charts.CLASS_COLOURS else ""
                                for c in frame["nef2005_class"]]
    return css


def styled(frame: pd.DataFrame, shown: list[str], colour_by: pd.DataFrame):
    """`frame` as a Styler: indicator values formatted, cells coloured by "better than" percentile."""
    formats = {c: INDICATORS[c].format for c in shown if c in INDICATORS}
    return frame.style.apply(lambda _: cell_css(frame, shown, colour_by), axis=None).format(formats, na_rep="–")


def rendered(styler, css: pd.DataFrame | None = None):
    """`styler` with its cell styles and display values worked out now, once.

    ``st.dataframe`` works out a Styler's styles and display values each time it is shown
    (pandas' ``Styler._compute`` and ``Styler._translate``): about a second for the 7,000
    centres of a national workspace, on every rerun. A Styler rendered here is shown again
    without that, so it can be cached and shared (it is not changed by being shown).

    With `css`, the CSS the Styler applies to each cell (:func:`cell_css`), what Streamlit reads
    of the rendering (cell styles, each cell's display value) is worked out column by column
    instead of through pandas' HTML rendering, cell by cell: the same styles and values (a test
    compares them), in a fraction of the time.
    """
    import uuid

    styler.set_uuid(uuid.uuid4().hex[:8])
    translated = _translated(styler, css) if css is not None else None
    if translated is None:
        styler._compute()
        translated = styler._translate(False, False)
    styler._compute = lambda: styler
    styler._translate = lambda *args, **kwargs: translated
    return styler


def _translated(styler, css: pd.DataFrame) -> dict | None:
    """What ``st.dataframe`` reads of ``styler._translate(False, False)``: ``cellstyle`` (each distinct
    style and its cells, in the order pandas meets them, row by row) and ``body`` (the id and display
    value of each cell shown otherwise than as its value's text). None when the table is one pandas would trim or style otherwise (then pandas renders it).
    """
    from pandas.io.formats.style_render import maybe_convert_css_to_tuples

    frame = styler.data
    plain = (not styler.table_styles and styler.caption is None and not styler.hidden_columns
             and not styler.hide_index_names and not styler.cell_context
             and pd.get_option("styler.render.max_rows") is None and pd.get_option("styler.render.max_columns") is None
             and frame.size <= pd.get_option("styler.render.max_elements")
             and css.shape == frame.shape and css.index.equals(frame.index) and css.columns.equals(frame.columns)
             and frame.index.is_unique and frame.columns.is_unique)
    if not plain:
        return None
    n_rows, n_cols = frame.shape
    # each cell's display value: the column's formatter (one per column after Styler.format) on its values;
    # Streamlit starts from the table as text and puts in the display values, so only the cells whose
    # display value is not their text already are listed
    body: list[list[dict]] = [[] for _ in range(n_rows)]
    for j in range(n_cols):
        if not n_rows:
            break
        func = styler._display_funcs[(0, j)]
        shown = [func(v) for v in frame.iloc[:, j].tolist()]
        as_text = frame.iloc[:, j].astype(str).tolist()
        for i, (value, text) in enumerate(zip(shown, as_text)):
            if str(value) != text:
                body[i].append({"id": f"row{i}_col{j}", "display_value": value})
    # each distinct style and its cells, grouped as pandas groups them
    props = {text: maybe_convert_css_to_tuples(text) for text in pd.unique(css.to_numpy().ravel())
             if isinstance(text, str) and text}
    cellstyle: dict[tuple, list[str]] = {}
    values = css.to_numpy()
    for i, j in zip(*(values != "").nonzero()):
        text = values[i, j]
        if not isinstance(text, str) or not props.get(text):
            continue
        cellstyle.setdefault(tuple(props[text]), []).append(f"row{i}_col{j}")
    return {"uuid": styler.uuid, "table_styles": [], "caption": None, "body": body,
            "cellstyle": [{"props": list(p), "selectors": sel} for p, sel in cellstyle.items()]}


PAGE_ROWS = 250
"""Rows of the Compare table drawn at once beside the picked centres: a longer table is shown a page at a
time, with a search by name and a sort over every centre (:func:`table_controls`)."""

SORT_ORDERS = {"ascending": "lowest first (A to Z)", "descending": "highest first (Z to A)"}


@dataclass(frozen=True)
class TableChoice:
    """Which rows of the Compare table are drawn: the centres whose name contains `find` (case aside), sorted
    by `sort_by` (``name``: the stored order, centres with unit-level data first), page `page` (from 1)."""

    find: str = ""
    sort_by: str = "name"
    descending: bool = False
    page: int = 1


def table_order(full: pd.DataFrame, chosen: Sequence[str], choice: TableChoice = TableChoice(),
                ) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `full` of the picked centres (in the table's order), and of the others found, sorted.

    By ``name``: centres with unit-level data first, then by name (the indicator table's order), reversed
    within each when descending. By an indicator: by its value, centres without one last, ties in name order.
    """
    picked = full["centre_id"].isin(list(chosen)).to_numpy()
    keep = ~picked
    if choice.find:
        found = full["name"].astype("string").str.contains(choice.find, case=False, regex=False)
        keep &= found.fillna(False).to_numpy(dtype=bool)
    rest = np.flatnonzero(keep)
    if choice.sort_by == "name":
        area = (full["level"] != "workspace").to_numpy()[rest]
        order = np.lexsort((-rest if choice.descending else rest, area))
    else:
        values = pd.to_numeric(full[choice.sort_by], errors="coerce").to_numpy(dtype=float)[rest]
        missing = np.isnan(values)
        key = np.where(missing, 0.0, -values if choice.descending else values)
        order = np.lexsort((rest, key, missing))
    return np.flatnonzero(picked), rest[order]


def table_found(svc: DataService, *, include_demo: bool | None, chosen: list[str], choice: TableChoice) -> int:
    """How many centres besides the picked ones `choice` finds (cached per workspace version and choice)."""
    return len(_table_order(str(svc.path), svc.version(), include_demo, tuple(chosen), _unpaged(choice))[1])


def _unpaged(choice: TableChoice) -> TableChoice:
    return dataclasses.replace(choice, page=1)


@st.cache_resource(max_entries=32, show_spinner=False)
def _table_order(path: str, version: int, include_demo: bool | None, chosen: tuple[str, ...],
                 choice: TableChoice) -> tuple[np.ndarray, np.ndarray]:
    return table_order(table(data.service(), include_demo=include_demo), chosen, choice)


@st.cache_resource(max_entries=8, show_spinner=False)
def _better(path: str, version: int, include_demo: bool | None, indicators: tuple[str, ...],
            within_band: bool) -> pd.DataFrame:
    return percentile_frame(table(data.service(), include_demo=include_demo), list(indicators), within_band)


def table_controls(svc: DataService, *, include_demo: bool | None, chosen: list[str], indicators: list[str],
                   rows: int) -> TableChoice:
    """Search, sort and page of a Compare table longer than :data:`PAGE_ROWS` (each kept in the URL); a shorter
    table is drawn whole (the default choice, no control)."""
    if rows <= PAGE_ROWS:
        return TableChoice()
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    find = c1.text_input("Find a centre", key="find", bind="query-params", placeholder="Part of its name",
                         help="Centres whose name contains this, among every centre of the table.").strip()
    sort_by = url_selectbox("Sort by", ["name", *indicators], "name", key="sort", container=c2,
                            format_func=lambda c: "Name" if c == "name" else INDICATORS[c].label,
                            help="Sorts every centre of the table; centres without a figure come last.")
    order = url_selectbox("Order", list(SORT_ORDERS), "ascending", key="order", container=c3,
                          format_func=SORT_ORDERS.get)
    choice = TableChoice(find, sort_by, order == "descending")
    found = table_found(svc, include_demo=include_demo, chosen=chosen, choice=choice)
    pages = [str(p) for p in range(1, max(1, -(-found // PAGE_ROWS)) + 1)]

    def rows_of(page: str) -> str:
        # a page's label depends on the page alone: a selectbox keeps showing the label its value had when
        # only the label changes (a search finding another number of centres); the count is in the heading
        first = (int(page) - 1) * PAGE_ROWS
        return f"{first + 1:,}–{first + PAGE_ROWS:,}"

    page = url_selectbox(f"Rows ({found:,} found)" if found else "Rows (none found)", pages, "1", key="rows",
                         container=c4, format_func=rows_of)
    return dataclasses.replace(choice, page=int(page))


def table_view(svc: DataService, *, include_demo: bool | None, chosen: list[str], indicators: list[str],
               within_band: bool, choice: TableChoice = TableChoice()):
    """The Compare table as shown: the picked centres first, then those with unit-level data, then the rest
    (by name within each), or the centres `choice` finds in its order, a page of :data:`PAGE_ROWS` of them
    when the table is longer; cells coloured by "better than" percentile (among all centres or within the size
    band); a profile link per centre. Cached per workspace version and choice, shared by every session.
    """
    return _table_view(str(svc.path), svc.version(), include_demo, tuple(chosen), tuple(indicators), within_band,
                       choice)


@st.cache_resource(max_entries=32, show_spinner=False)
def _table_view(path: str, version: int, include_demo: bool | None, chosen: tuple[str, ...],
                indicators: tuple[str, ...], within_band: bool, choice: TableChoice):
    full = table(data.service(), include_demo=include_demo)
    picked, rest = _table_order(path, version, include_demo, chosen, _unpaged(choice))
    if len(full) > PAGE_ROWS:
        rest = rest[(choice.page - 1) * PAGE_ROWS:choice.page * PAGE_ROWS]
    better = _better(path, version, include_demo, indicators, within_band)
    cols = ["name", "nef2005_class", "size_band", *indicators]
    view = full[["centre_id", *[c for c in cols if c in full]]].iloc[np.concatenate([picked, rest])].copy()
    view["profile"] = view["centre_id"].map(profile_link)
    shown = view.drop(columns="centre_id")
    return rendered(styled(shown, list(indicators), better), css=cell_css(shown, list(indicators), better))


def show_table(svc: DataService, *, include_demo: bool | None, chosen: list[str], indicators: list[str],
               within_band: bool, choice: TableChoice = TableChoice()) -> None:
    """Draw the Compare table (:func:`table_view`) with its column headings and help.

    The drawn table is kept per workspace version and choice, and Streamlit replays a cached
    function's elements as they were made: a rerun sends the table again without turning its
    styled rows into text and Arrow once more.
    """
    _show_table(str(svc.path), svc.version(), include_demo, tuple(chosen), tuple(indicators), within_band, choice)


@st.cache_resource(max_entries=32, show_spinner=False)
def _show_table(path: str, version: int, include_demo: bool | None, chosen: tuple[str, ...],
                indicators: tuple[str, ...], within_band: bool, choice: TableChoice) -> None:
    st.dataframe(
        _table_view(path, version, include_demo, chosen, indicators, within_band, choice),
        hide_index=True,
        height=460,
        placeholder="–",
        column_config={
            "name": st.column_config.TextColumn("Centre", pinned=True),
            "nef2005_class": st.column_config.TextColumn("Class (nef 2005)"),
            "size_band": st.column_config.TextColumn("Size"),
            "profile": st.column_config.LinkColumn("Profile", display_text="open"),
            **{c: st.column_config.Column(INDICATORS[c].label, help=INDICATORS[c].definition) for c in indicators},
        },
    )


def profile_link(centre_id: str) -> str:
    """Relative URL of a centre's profile page."""
    return f"profile?town={quote(str(centre_id), safe='')}"


# --------------------------------------------------------------------------- downloads
def geo_table(table: pd.DataFrame, centres: gpd.GeoDataFrame, *, polygons: bool = True) -> gpd.GeoDataFrame:
    """The table's centres that have a boundary, with it (for GeoJSON and GeoPackage downloads)."""
    return centre_points(table, centres, polygons=polygons, tolerance_m=0 if polygons else 10)


def table_geo(svc: DataService, *, include_demo: bool | None) -> gpd.GeoDataFrame:
    """:func:`geo_table` of :func:`table` for the downloads (boundaries; ``n_scored`` left out), cached per version."""
    return _table_geo(str(svc.path), svc.version(), include_demo).copy(deep=False)


@st.cache_resource(max_entries=4, show_spinner=False)
def _table_geo(path: str, version: int, include_demo: bool | None) -> gpd.GeoDataFrame:
    svc = data.service()
    full = table(svc, include_demo=include_demo)
    return geo_table(full.drop(columns=[c for c in ("n_scored",) if c in full]), data.centres(svc))


def to_geopackage(gdf: gpd.GeoDataFrame, layer: str = "centres") -> bytes:
    """GeoPackage bytes of `gdf` (written to a temporary file by pyogrio)."""
    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    try:
        os.unlink(path)
        gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        with open(path, "rb") as f:
            return f.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)


def percentile_frame(table: pd.DataFrame, indicators: list[str], within_band: bool) -> pd.DataFrame:
    """"Better than x %" per centre and indicator, among all centres or within the size band."""
    pct = compare.percentiles(table, indicators, by="size_band" if within_band else None)
    return compare.goodness(pct, {i: INDICATORS[i].direction for i in indicators})
