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
    """A saved units dataset whose file is cut in half, as a crash mid-copy leaves it."""
    import pandas as pd

    from agora.loaders import load_units

    centre = workspace.read("centres").iloc[0]
    spot = centre.geometry.representative_point()
    csv = pd.DataFrame({"unit_id": ["x1"], "name": ["Late survey"], "lat": [spot.y], "lon": [spot.x]})
    dataset = workspace.save(load_units(csv.to_csv(index=False).encode(), filename="late.csv"))
    data = dataset.path.read_bytes()
    dataset.path.write_bytes(data[: len(data) // 2])
    return workspace


@pytest.fixture
def broken_headline(monkeypatch):
    """An unexpected failure deep in the Overview (with a server path in its message)."""
    from agora.analysis import headline

    def fail(*args, **kwargs):
        raise RuntimeError("pyarrow.lib.ArrowInvalid: /srv/agora/workspace/units/x.parquet is not Parquet")

    monkeypatch.setattr(headline, "town_headline", fail)


@pytest.mark.parametrize("page", ["overview", "vacancy", "data"])
def test_unreadable_dataset_is_set_aside_and_pages_still_run(truncated_units, page):
    at = run_page(page)
    assert not at.exception and not at.error
    if page == "data":
        assert any("could not be read" in w.value for w in at.warning)


def test_public_config_hides_error_details():
    settings = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("how", ["alone", "dashboard"])
def test_unexpected_error_shows_a_reference_not_a_traceback(broken_headline, workspace, public_error_details, caplog,
                                                            how):
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


def test_developers_still_see_the_traceback(broken_headline, workspace):
    at = run_page("overview")
    assert at.exception  # STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full (set for the tests)
    assert "Something went wrong" in at.error[0].value
