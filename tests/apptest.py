"""Run a page with Streamlit's AppTest, the way a deep link runs it on a fresh server."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import PROJECT


def run_page(page: str, timeout: float = 60, **query: str) -> AppTest:
    """Run ``pages/<page>.py`` alone with `query` as URL query parameters."""
    at = AppTest.from_file(str(PROJECT / "pages" / f"{page}.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def run_dashboard(timeout: float = 60, **query: str) -> AppTest:
    """Run the entry script (the default page) with `query` as URL query parameters."""
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()
