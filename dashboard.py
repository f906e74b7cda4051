"""Agora: the entry point. Run with ``streamlit run dashboard.py``.

Every page calls the shared shell (``agora.ui.shell.page_shell``) itself, because a deep
link to a page on a freshly started server runs that page without this script.
"""

import streamlit as st

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/map:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
]

st.navigation(PAGES).run()
