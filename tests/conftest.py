"""Shared fixtures: the real data folder, and a fresh workspace per test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT.parent / "shared" / "realdata"
sys.path.insert(0, str(PROJECT))


@pytest.fixture(scope="session")
def realdata() -> Path:
    """../shared/realdata; skip the test when it is absent, except under CI=true, where that fails."""
    if not REALDATA.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("../shared/realdata is not present (CI needs it)")
        pytest.skip("../shared/realdata is not present")
    return REALDATA


@pytest.fixture(scope="session")
def demo_workspace_template(tmp_path_factory) -> Path:
    """A workspace of the demo towns with its derived tables built, made once per test session."""
    from agora.service import DataService

    path = tmp_path_factory.mktemp("template") / "workspace"
    DataService(path, read_only=False).refresh()
    return path


@pytest.fixture
def workspace(tmp_path, monkeypatch, demo_workspace_template):
    """A fresh workspace seeded with the demo towns, used by the app and the CLI."""
    import shutil

    from agora.store.workspace import Workspace

    path = tmp_path / "workspace"
    shutil.copytree(demo_workspace_template, path)
    monkeypatch.setenv("AGORA_WORKSPACE", str(path))
    return Workspace(path, read_only=False)


@pytest.fixture(autouse=True)
def fresh_app_caches():
    """Forget Streamlit's caches around each test: the app's cached workspace and layers
    outlive one AppTest run, and each test has its own workspace."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def error_details_shown():
    """Show error details as a developer does (STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full): the public
    copy's config hides them, and a page failing inside its friendly message must still show up
    in AppTest's ``at.exception``."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


def pytest_collection_modifyitems(config, items):
    """Browser tests share one app server and one Chromium: with pytest-xdist (``./test.sh`` runs
    ``-n 2 --dist loadgroup``) they run together on one worker while the other takes the rest."""
    for item in items:
        if item.path.parent.name == "browser":
            item.add_marker(pytest.mark.xdist_group("browser"))
