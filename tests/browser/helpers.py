"""Helpers for browser tests: open a page of the app, screenshot it, find a map."""

from __future__ import annotations

import time
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


def pick_option(page, key: str, typed: str, option: str | None = None, *, exact: bool = False,
                tries: int = 3, timeout: int = 15_000) -> None:
    """Pick an option of the selectbox with widget key `key`, typing `typed` to find it.

    `option` is the option's text (`typed` when not given), matched exactly when `exact`.
    A rerun that lands while the list is open (a map sending its first view, say) redraws the box
    and closes the list with what was typed; then the box is opened and typed into again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    text = option or typed
    if exact:
        wanted = page.get_by_role("option", name=text, exact=True)
    else:
        wanted = page.get_by_role("option").filter(has_text=text)
    for attempt in range(1, tries + 1):
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                               timeout=RUN_TIMEOUT_MS)
        page.locator(f'.st-key-{key} [data-testid="stSelectbox"]').click()
        page.keyboard.type(typed)
        try:
            wanted.first.click(timeout=timeout)
            return
        except PlaywrightTimeout:
            if attempt == tries:
                raise
            page.keyboard.press("Escape")


def screenshot(page, shots: Path, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page to ``shots/<name>.png`` and return its path."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def map_frame(page, index: int = 0, *, timeout: int = RUN_TIMEOUT_MS):
    """The frame (a Playwright ``Frame``) of the `index`-th folium map, once Leaflet drew data."""
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').nth(index)
    deadline = time.monotonic() + timeout / 1000
    while True:  # a rerun replaces the map's iframe: its frame may not be attached yet
        iframe.wait_for(timeout=timeout)
        frame = iframe.element_handle().content_frame()
        if frame is not None:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the map's frame was not attached within {timeout / 1000:.0f} s")
        time.sleep(0.2)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=timeout)
    return frame


def map_features(page, more_than: int, *, index: int = 0, timeout: float = 60) -> int:
    """Wait until the `index`-th map draws more than `more_than` features; return the count.

    The map's frame is looked up afresh on every try: a rerun redraws the map in a new frame.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    count = -1
    while time.monotonic() < deadline:
        try:
            count = map_frame(page, index).locator("path.leaflet-interactive").count()
        except PlaywrightError:  # the frame was replaced while we looked
            count = -1
        if count > more_than:
            return count
        time.sleep(0.5)
    pytest.fail(f"the map drew {count} features, not more than {more_than}, within {timeout:.0f} s")
