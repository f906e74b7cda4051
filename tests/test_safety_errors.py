"""An unexpected error shows a friendly message with a reference; the traceback goes to the log."""

from __future__ import annotations

import logging
import re
import tomllib

import pytest
from streamlit import config

from apptest import run_dashboard, run_page
from conftest import PROJECT


@pytest.fixture
def public_error_details():
    """Error details as the public copy's config sets them."""
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "none")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.fixture
def truncated_units(workspace):
    """The workspace's units file cut in half, as a crash mid-copy leaves it."""
    path = workspace.datasets("units")[0].path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return workspace


def test_public_config_hides_error_details():
    settings = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("how", ["alone", "dashboard"])
def test_truncated_parquet_shows_a_reference_not_a_traceback(truncated_units, public_error_details, caplog, how):
    with caplog.at_level(logging.ERROR, logger="agora"):
        at = run_page("overview") if how == "alone" else run_dashboard()
    assert not at.exception
    texts = [e.value for e in at.error]
    assert len(texts) == 1, texts
    found = re.search(r"Something went wrong \(reference ([0-9A-F]{8})\)", texts[0])
    assert found, texts[0]
    assert "Arrow" not in texts[0] and "Traceback" not in texts[0] and "/" not in texts[0]
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the details are in the server log


def test_developers_still_see_the_traceback(truncated_units):
    at = run_page("vacancy")
    assert at.exception  # STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full (set for the tests)
    assert "Something went wrong" in at.error[0].value
