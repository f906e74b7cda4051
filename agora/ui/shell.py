"""The shell every page calls first: page config, sidebar, town picker and data.

A deep link to a page on a freshly started server runs that page without the entry
script (see the README), so each page calls :func:`page_shell` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..store.workspace import Workspace
from . import data, navigation

APP_TITLE = "Agora"


def read_only() -> bool:
    """True for a public copy: ``AGORA_READ_ONLY`` set to 1/true/yes hides every control that writes data."""
    return os.environ.get("AGORA_READ_ONLY", "").strip().lower() in {"1", "true", "yes"}
DEMO_NOTE = "Demo data: the towns shown are fictional, made up by Agora's demo generator."


@dataclass
class Context:
    """What a page gets from the shell.

    Attributes
    ----------
    workspace : Workspace
        Where the data lives.
    layers : dict
        Every canonical layer, all centres (``centres``, ``units``, ``footfall_sites``,
        ``footfall_counts``, ``assets``).
    town : str or None
        The selected centre's ``centre_id`` (None when no centre is loaded).
    """

    workspace: Workspace
    layers: dict[str, pd.DataFrame]
    town: str | None

    @property
    def centres(self) -> gpd.GeoDataFrame:
        return self.layers["centres"]

    @property
    def centre(self) -> pd.Series | None:
        """The selected centre's row."""
        hit = self.centres[self.centres["centre_id"] == self.town]
        return hit.iloc[0] if len(hit) else None

    @property
    def town_name(self) -> str:
        centre = self.centre
        return str(centre["name"]) if centre is not None else "no centre"

    def for_town(self, layer: str) -> pd.DataFrame:
        """Rows of `layer` in the selected centre (footfall counts: of its sites)."""
        table = self.layers[layer]
        if layer == "footfall_counts":
            sites = self.for_town("footfall_sites")["site_id"]
            return table[table["site_id"].isin(sites)]
        if layer == "centres":
            return table[table["centre_id"] == self.town]
        return table[table["centre_id"] == self.town]

    @property
    def is_demo(self) -> bool:
        return any(ds.meta.get("demo") for ds in self.workspace.datasets("centres") + self.workspace.datasets("units"))


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
    """
    # "auto": the sidebar starts closed on a phone (the town picker is then on the page itself)
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=icon, layout="wide",
                       initial_sidebar_state="auto")
    ws = data.workspace()
    layers = data.layers(ws)
    ctx = Context(ws, layers, None)
    centres = layers["centres"].sort_values("name", key=lambda s: s.str.lower())
    ids = centres["centre_id"].tolist()
    names = dict(zip(centres["centre_id"], centres["name"]))
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
                st.warning(f"No centre with id {wanted!r} is loaded; showing {names[ctx.town]}.")
        elif ids:
            ctx.town = st.query_params.get("town") if st.query_params.get("town") in ids else ids[0]
        if ctx.is_demo:
            st.info(DEMO_NOTE, icon=":material/info:")
        if read_only():
            st.caption("A read-only copy: data is added by the town team.")
        else:
            st.caption(f"Workspace: `{ws.path}`")
    if ids and pick_town:
        town_picker_on_page(ids, names)
    return ctx


# Streamlit closes the sidebar below this width; the page's own picker shows only there.
NARROW_PX = 768
TOWN_BAR_CSS = (f"<style>@media (min-width: {NARROW_PX + 1}px) {{ .st-key-agora_town_bar {{ display: none; }} }}"
                "</style>")


def town_picker_on_page(ids: list[str], names: dict[str, str]) -> None:
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
