"""Agora: the entry point. Run with ``streamlit run dashboard.py``.

The pages are listed in ``agora/ui/navigation.py``. Every page calls the shared shell
(``agora.ui.shell.page_shell``) itself, which draws the menu, because a deep link to a
page on a freshly started server runs that page without this script.
"""

import streamlit as st

from agora.ui.errors import friendly_errors
from agora.ui.navigation import streamlit_pages

with friendly_errors():  # a friendly message with a reference instead of a traceback
    st.navigation(streamlit_pages(), position="hidden").run()
