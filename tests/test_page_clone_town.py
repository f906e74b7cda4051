"""Clone town page: runs on the demo, reads town and method from the URL, figures match the analysis."""

from __future__ import annotations

import pytest

from apptest import run_page


def test_clone_town_page_for_every_demo_town(workspace):
    from agora.analysis.clone import CloneSettings, diagnose_centre
    from agora.analysis.ownership import classify_ownership

    centres = workspace.read("centres")
    units = classify_ownership(workspace.read("units"))
    for centre_id, name in zip(centres["centre_id"], centres["name"]):
        at = run_page("clone_town", town=centre_id)
        assert not at.exception, at.exception
        assert at.title[0].value == f"Is {name} a clone town?"
        expected = diagnose_centre(units[units["centre_id"] == centre_id], CloneSettings(), name=name).summary
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["nef 2005 score"] == f"{expected['nef2005_score']:.1f}"
        assert int(metrics["Units scored"]) == expected["n_scored"]
        assert int(metrics["Independents"]) == expected["independents"]
        assert any(expected["nef2005_class"] in md.value for md in at.markdown)
        assert len(at.dataframe) >= 5  # rules, units, types, chains/measures, sensitivity, similar centres


@pytest.mark.parametrize("method, units_label", [("all", "Every unit in the centre"),
                                                 ("nef50", "nef's walk: 50 units from the heart")])
def test_method_deep_link(workspace, method, units_label):
    town = workspace.read("centres")["centre_id"].iloc[0]
    at = run_page("clone_town", town=town, method=method)
    assert not at.exception, at.exception
    assert at.main.radio[0].value == method
    assert any(units_label in c.value for c in at.caption)
    scored = int({m.label: m.value for m in at.metric}["Units scored"])
    assert (scored == 50) == (method == "nef50")


def test_switching_method_rescores(workspace):
    # The URL itself is written by the browser for a bound widget: see tests/browser.
    town = workspace.read("centres")["centre_id"].iloc[0]
    at = run_page("clone_town", town=town)
    assert int({m.label: m.value for m in at.metric}["Units scored"]) == 50
    at.main.radio[0].set_value("all").run()
    assert not at.exception
    assert int({m.label: m.value for m in at.metric}["Units scored"]) > 50
    assert not at.main.selectbox[1:]  # no starting unit to choose when every unit is scored


def test_heart_deep_link_starts_the_walk_at_a_unit(workspace):
    from agora.analysis.clone import CloneSettings, diagnose_centre
    from agora.analysis.ownership import classify_ownership

    units = classify_ownership(workspace.read("units"))
    town = workspace.read("centres")["centre_id"].iloc[0]
    mine = units[(units["centre_id"] == town) & (units["observed_on"] == units["observed_on"].max())]
    start = mine[mine["status"] == "occupied"].iloc[-1]
    at = run_page("clone_town", town=town, heart=str(start["unit_id"]))
    assert not at.exception, at.exception
    assert at.main.selectbox[1].value == start["unit_id"]
    expected = diagnose_centre(units[units["centre_id"] == town], CloneSettings(), heart=start.geometry).summary
    assert {m.label: m.value for m in at.metric}["nef 2005 score"] == f"{expected['nef2005_score']:.1f}"
