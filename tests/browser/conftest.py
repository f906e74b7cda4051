"""Browser tests: the app started the README way, opened in Debian's Chromium.

Fixtures
--------
app_workspace : a temporary workspace with the demo towns plus one saved units dataset
    holding a unit named ``<img src=x onerror=alert(1)>`` inside a demo centre.
app_url : the base URL of one app server for the whole session (started with
    ``./run.sh`` from the project folder, as the README says).
start_app : context manager starting another, fresh server (for first-request tests).
browser : Chromium through Playwright; skipped when Chromium or Playwright is
    missing, except when ``CI=true``, where that is a failure.
page : a new browser page that records dialogs and failed requests.
shots : folder for screenshots (``$AGORA_SCREENSHOTS`` or a pytest temporary folder).

Helpers (``tests/browser/helpers.py``): `open_app` opens a URL path and waits for
the script to finish, `screenshot` saves one, `map_frame` returns a map's frame.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from .helpers import EVIL_ID, EVIL_NAME, PROJECT, TEMPLATE_NAME

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 90


def _unavailable(reason: str) -> None:
    """Skip on a user's machine; fail in CI, where a browser must be present."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


# --------------------------------------------------------------------------- the app


@pytest.fixture(scope="session")
def app_workspace(tmp_path_factory) -> Path:
    """Demo workspace plus a saved units dataset with malicious unit names.

    Both units are in the first demo centre, about 40 m apart: ``EVIL_NAME`` (HTML)
    and ``TEMPLATE_NAME`` (Jinja syntax).
    """
    from agora.loaders import load
    from agora.store.workspace import Workspace

    path = tmp_path_factory.mktemp("workspace")
    ws = Workspace(path)
    centres = ws.read("centres")
    if centres.empty:
        pytest.fail("the demo workspace has no centres (data/demo/*.parquet missing?)")
    centre = centres.iloc[0]
    units = ws.read("units")
    mine = units[units["centre_id"] == centre["centre_id"]]
    observed = mine["observed_on"].max() if len(mine) else pd.NaT
    spot = centre.geometry.representative_point()
    table = pd.DataFrame({
        "unit_id": [EVIL_ID, f"{EVIL_ID}-2"],
        "centre_id": [centre["centre_id"]] * 2,
        "name": [EVIL_NAME, TEMPLATE_NAME],
        "category": ["clothes", "cafe"],
        "status": ["occupied", "vacant"],
        "ownership": ["independent", "chain"],
        "observed_on": [observed.strftime("%Y-%m-%d") if pd.notna(observed) else None] * 2,
        "street": ["Test Street"] * 2,
        "latitude": [spot.y, spot.y + 0.0003],
        "longitude": [spot.x, spot.x + 0.0003],
    })
    result = load(table, "units", filename="browser-test-units.csv")
    assert result.report.rows_kept == 2, result.report
    ws.save(result, source="browser-test-units.csv")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def run_app(workspace: Path, log_dir: Path) -> Iterator[str]:
    """Start the app as the README does; yield its base URL; stop it."""
    port = _free_port()
    env = {**os.environ, "AGORA_WORKSPACE": str(workspace), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (log_dir / f"streamlit-{port}.log").open("w")
    # The README's way: ./run.sh (it reuses .venv and execs `python -m agora.ui.server`, which
    # runs `streamlit run dashboard.py`); with the interpreter running the tests when that is
    # not the project's .venv.
    in_venv = Path(sys.executable).parent.parent.resolve() == (PROJECT / ".venv").resolve()
    command = ["./run.sh"] if in_venv else [sys.executable, "-m", "agora.ui.server"]
    proc = subprocess.Popen(
        [*command, "--server.headless", "true", "--server.port", str(port)],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(f"{url}/_stcore/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = Path(log.name).read_text()[-3000:]
                pytest.fail(f"the app did not start (exit {proc.poll()}):\n{tail}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def _log_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def app_url(browser, app_workspace, _log_dir) -> Iterator[str]:
    """One app server for the session."""
    with run_app(app_workspace, _log_dir) as url:
        yield url


@pytest.fixture
def start_app(browser, app_workspace, _log_dir):
    """``with start_app() as url:`` a freshly started server no page has asked yet."""
    return lambda: run_app(app_workspace, _log_dir)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page at 1280x900 that records dialogs (dismissed), page errors and requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.errors = []
    page.requested = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requested.append((r.resource_type, r.url)))
    yield page
    context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: ``$AGORA_SCREENSHOTS`` or a temporary folder."""
    folder = os.environ.get("AGORA_SCREENSHOTS")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")
