"""Helpers for browser tests: open a page of the app, screenshot it, find a map."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
EVIL_NAME = "<img src=x onerror=alert(1)>"
EVIL_ID = "browser-test-evil"
TEMPLATE_NAME = "{{ 7*7 }} {# shop"  # would run (or break) folium's Jinja rendering if not escaped
RUN_TIMEOUT_MS = 60_000


def open_app(page, base_url: str, path: str = "/", *, timeout: int = RUN_TIMEOUT_MS):
    """Open `path` (``"/data?town=x"``) and wait until the page's script has finished.

    Fails when the page shows a Streamlit exception.
    """
    page.goto(base_url.rstrip("/") + "/" + path.lstrip("/"), timeout=timeout)
    app = page.locator('[data-testid="stApp"]')
    app.wait_for(timeout=timeout)
    # the script state goes initial -> running -> notRunning; wait for content, then rest
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                           state="attached", timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        pytest.fail(f"{path}: the page shows an exception:\n{exceptions.first.inner_text()}")
    return page


def screenshot(page, shots: Path, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page to ``shots/<name>.png`` and return its path."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def map_frame(page, index: int = 0, *, timeout: int = RUN_TIMEOUT_MS):
    """The frame (a Playwright ``Frame``) of the `index`-th folium map, once Leaflet drew data."""
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').nth(index)
    iframe.wait_for(timeout=timeout)
    frame = iframe.element_handle().content_frame()
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=timeout)
    return frame
