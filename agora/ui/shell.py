"""The shell every page calls first: page config, sidebar, town picker and data.

A deep link to a page on a freshly started server runs that page without the entry
script (see the README), so each page calls :func:`page_shell` itself.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..analysis.compare import is_demo_centre
from ..service import DataService
from ..store.workspace import read_only_env
from . import data, errors, navigation
from .text import md

APP_TITLE = "Agora"


def read_only() -> bool:
    """True for a public copy: ``AGORA_READ_ONLY`` set to 1/true/yes hides every control that writes data."""
    return read_only_env()


DEMO_NOTE = "Demo data: the towns shown are fictional, made up by Agora's demo generator."


@dataclass
class Context:
    """What a page gets from the shell.

    Attributes
    ----------
    service : DataService
        Where the data comes from (the only way to the workspace).
    town : str or None
        The selected centre's ``centre_id`` (None when no centre is loaded).
    """

    service: DataService
    town: str | None

    @property
    def centres(self) -> gpd.GeoDataFrame:
        """Every centre with its boundary (shared by all sessions: copy before changing it), read when a page
        first asks: a page about one town reads its own centre alone (:attr:`centre`)."""
        return data.centres(self.service)

    @property
    def centre(self) -> pd.Series | None:
        """The selected centre's row."""
        hit = self.for_town("centres") if self.town is not None else None
        return hit.iloc[0] if hit is not None and len(hit) else None

    @property
    def town_name(self) -> str:
        centre = self.centre
        return str(centre["name"]) if centre is not None else "no centre"

    def for_town(self, layer: str) -> pd.DataFrame:
        """Rows of `layer` in the selected centre (footfall counts: of its sites), cached per town."""
        return data.town(layer, self.town, self.service)

    def for_town_of(self, centre_id: str, layer: str) -> pd.DataFrame:
        """Rows of `layer` in another centre than the selected one."""
        return data.town(layer, centre_id, self.service)

    @property
    def is_demo(self) -> bool:
        """Whether the town shown is a demo town (from its centre's source)."""
        centre = self.centre
        return centre is not None and is_demo_centre(centre)


def page_shell(title: str, icon: str = ":material/storefront:", *, pick_town: bool = True) -> Context:
    """Set up a page: config, sidebar, town picker (synced with ``?town=``), data.

    Parameters
    ----------
    title : str
        The page's title (browser tab and heading are the page's own business).
    icon : str
        Page icon.
    pick_town : bool
        Show the town picker in the sidebar (and, on narrow screens, at the top of the page).

    A page opened alone (not through the entry script) is run again inside
    :func:`agora.ui.errors.friendly_errors`, so an unexpected error never shows a traceback.
    """
    if not errors.active():
        errors.run_page_guarded(sys._getframe(1).f_code.co_filename)
    # "auto": the sidebar starts closed on a phone (the town picker is then on the page itself)
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=icon, layout="wide",
                       initial_sidebar_state="auto")
    svc = data.service()
    ctx = Context(svc, None)
    ids, names = data.town_list(svc)
    with st.sidebar:
        st.markdown(f"### :material/storefront: {APP_TITLE}")
        st.caption("Is our high street healthy, and is it turning into a clone town?")
        navigation.menu()
        st.divider()
        if ids and pick_town:
            wanted = st.query_params.get("town")
            # The widget's own state is dropped when the page changes; "selected_town" is not.
            if st.session_state.get("town_picker") not in ids:
                kept = st.session_state.get("selected_town")
                st.session_state["town_picker"] = wanted if wanted in ids else kept if kept in ids else ids[0]
            ctx.town = st.selectbox("Town", ids, key="town_picker", format_func=lambda i: names.get(i, i))
            st.session_state["selected_town"] = ctx.town
            st.query_params["town"] = ctx.town
            if wanted and wanted not in ids:
                # Never echo the parameter itself: only known ids and their escaped names are shown.
                st.warning(f"The town in the link is not loaded; showing {md(names[ctx.town])}.")
        elif ids:
            ctx.town = st.query_params.get("town") if st.query_params.get("town") in ids else ids[0]
        if ctx.is_demo:
            st.info(DEMO_NOTE, icon=":material/info:")
        if read_only():
            st.caption("A read-only copy: data is added by the town team.")
        else:
            st.caption(f"Workspace: {md(svc.path)}")
    if ids and pick_town:
        town_picker_on_page(ids, names)
    return ctx


# Streamlit closes the sidebar below this width; the page's own picker shows only there.
NARROW_PX = 768
TOWN_BAR_CSS = (f"<style>@media (min-width: {NARROW_PX + 1}px) {{ .st-key-agora_town_bar {{ display: none; }} }}"
                "</style>")


def town_picker_on_page(ids: Sequence[str], names: Mapping[str, str]) -> None:
    """A compact town picker at the top of the page, for phones, where the sidebar is closed.

    It shows only on narrow screens and is kept in step with the sidebar's picker (whose
    value, ``town_picker``, stays the one the page reads): choosing here sets it.
    """
    def choose() -> None:
        st.session_state["town_picker"] = st.session_state["town_picker_on_page"]
        st.session_state["selected_town"] = st.session_state["town_picker_on_page"]

    st.session_state["town_picker_on_page"] = st.session_state.get("town_picker", ids[0])
    with st.container(key="agora_town_bar"):
        st.html(TOWN_BAR_CSS)
        st.selectbox("Town", ids, key="town_picker_on_page", format_func=lambda i: names.get(i, i),
                     on_change=choose)


def page_options():
    """Where a page puts its options: a box on the page itself, not the sidebar.

    On a phone the sidebar is closed; options kept on the page are at hand there too.
    Use as ``with page_options(): ...``.
    """
    return st.container(border=True, key="agora_page_options")


def no_data_message(what: str) -> None:
    """Say plainly that a view has nothing to show, and where to add data."""
    st.info(f"No {what} loaded for this town. Add a file on the **Data** page.", icon=":material/upload_file:")


def reference_group(container=None) -> str:
    """A choice of the centres a town's figures are set against: all, the same size, the same region.

    Kept in the URL as ``?ref=all|size|region`` and across pages (like the town): the
    URL's value when the page opens, else the last choice made on any page, else all.
    Put it in :func:`page_options`. Returns the group
    (:data:`agora.analysis.reference.GROUPS`).
    """
    from ..analysis.reference import GROUP_LABELS, GROUPS

    options = list(GROUPS)
    if st.session_state.get("reference_picker") not in options:
        wanted = st.query_params.get("ref")
        kept = st.session_state.get("selected_reference")
        st.session_state["reference_picker"] = wanted if wanted in options else kept if kept in options else options[0]
    group = (container or st).radio(
        "Set figures against", options, key="reference_picker", format_func=GROUP_LABELS.get, horizontal=True,
        help="The median and middle half (interquartile range) of these centres are drawn on the charts and "
             "stated beside the figures. Demo towns join only when the workspace holds nothing else.")
    st.session_state["selected_reference"] = group
    st.query_params["ref"] = group
    return group
