"""Agora: the entry point. Run with ``streamlit run dashboard.py``.

Every page calls the shared shell (``agora.ui.shell.page_shell``) itself, because a deep
link to a page on a freshly started server runs that page without this script.
"""

import streamlit as st

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/map:", default=True),
    st.Page("pages/vacancy.py", title="Vacancy", icon=":material/door_open:", url_path="vacancy"),
    st.Page("pages/footfall.py", title="Footfall", icon=":material/directions_walk:", url_path="footfall"),
    st.Page("pages/clone_town.py", title="Clone town", icon=":material/storefront:", url_path="clone-town"),
    st.Page("pages/assets.py", title="Community assets", icon=":material/diversity_3:", url_path="assets"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
    st.Page("pages/profile.py", title="Town profile", icon=":material/description:", url_path="profile"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
]

st.navigation(PAGES).run()
