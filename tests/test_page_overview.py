"""Overview page: runs on the demo, the town comes from the URL, figures match the analysis."""

from __future__ import annotations

from apptest import run_dashboard, run_page


def test_overview_runs_for_every_demo_town(workspace):
    centres = workspace.read("centres")
    for centre_id, name in zip(centres["centre_id"], centres["name"]):
        at = run_page("overview", town=centre_id)
        assert not at.exception, at.exception
        assert at.title[0].value == name
        assert at.sidebar.selectbox[0].value == centre_id
        labels = [m.label for m in at.metric]
        assert labels[:5] == ["Units", "Vacancy rate", "Independent", "Footfall, last 4 weeks", "Community assets"]
        assert int(at.metric[0].value.replace(",", "")) > 0


def test_town_picker_sets_query_parameter(workspace):
    centres = workspace.read("centres").sort_values("name")
    at = run_dashboard()
    assert not at.exception, at.exception
    other = centres["centre_id"].iloc[-1]
    at.sidebar.selectbox[0].set_value(other).run()
    assert at.query_params["town"] == [other] or at.query_params["town"] == other
    assert at.title[0].value == centres["name"].iloc[-1]


def test_unknown_town_falls_back_with_a_warning(workspace):
    at = run_page("overview", town="no-such-town")
    assert not at.exception
    warnings = [w.value for w in at.sidebar.warning]
    assert any(w.startswith("The town in the link is not loaded; showing ") for w in warnings), warnings
    assert not any("no-such-town" in w for w in warnings)  # the raw parameter is never echoed
