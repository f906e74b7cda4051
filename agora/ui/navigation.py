"""The app's pages, in menu order, and the menu the shell draws.

The menu is drawn by the shell rather than by ``st.navigation``: on a freshly started
server a deep link runs the page alone (Streamlit then only knows the ``pages/`` folder),
and the shell's menu is the same in both cases. URL paths are the file names, which both
cases agree on (``/clone_town``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError


@dataclass(frozen=True)
class PageSpec:
    """One page: its file (relative to ``dashboard.py``), menu title and icon."""

    path: str
    title: str
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/map:"),
    PageSpec("pages/vacancy.py", "Vacancy", ":material/door_open:"),
    PageSpec("pages/footfall.py", "Footfall", ":material/directions_walk:"),
    PageSpec("pages/clone_town.py", "Clone town", ":material/storefront:"),
    PageSpec("pages/assets.py", "Community assets", ":material/diversity_3:"),
    PageSpec("pages/compare.py", "Compare", ":material/compare_arrows:"),
    PageSpec("pages/profile.py", "Town profile", ":material/description:"),
    PageSpec("pages/data.py", "Data", ":material/upload_file:"),
    PageSpec("pages/have_your_say.py", "Have your say", ":material/campaign:"),
    PageSpec("pages/moderation.py", "Moderation", ":material/gavel:"),
)


def streamlit_pages() -> list:
    """``st.Page`` objects for ``st.navigation`` (the first page is the default)."""
    return [st.Page(p.path, title=p.title, icon=p.icon, default=i == 0) for i, p in enumerate(PAGES)]


def menu() -> None:
    """Draw the page menu in the sidebar.

    A page script run on its own (as in tests) has no app around it to link to, and
    draws no menu.
    """
    for page in PAGES:
        try:
            st.sidebar.page_link(page.path, label=page.title, icon=page.icon)
        except StreamlitPageNotFoundError:
            return
