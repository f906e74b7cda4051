"""The Overview's "What changed" section: the CLI's figures, the lists, downloads, the dates in the URL."""

from __future__ import annotations

import json

import pytest

from agora.ui.text import md
from apptest import run_page
from test_cli_changes import agora
from test_surveys import UPDATE_DAY, wendlow_update


@pytest.fixture
def demo_units_update(workspace, tmp_path):
    """Twenty of Wendlow's occupied units re-surveyed on 20 November 2026, now vacant, saved as an update."""
    import geopandas as gpd

    from conftest import PROJECT

    update = wendlow_update(gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet"))
    update = update[update["observed_on"] == UPDATE_DAY].drop(columns="coverage", errors="ignore")
    update.to_file(tmp_path / "wendlow-november.geojson")
    workspace.save(workspace.load(tmp_path / "wendlow-november.geojson", "units"))
    return workspace


def section_metrics(at) -> dict:
    return {m.label: m.value for m in at.metric if m.label in ("Closed", "Opened", "Changed occupier",
                                                                "Vacancy change")}


def test_section_shows_the_commands_figures(workspace):
    from agora.store.contributions import ContributionStore

    ContributionStore.open(workspace=workspace.path)  # the app opens the store: the command then reads it too
    done = agora("changes", "--workspace", str(workspace.path), "--json")
    assert done.returncode == 0, done.stderr
    for row in json.loads(done.stdout):
        at = run_page("overview", town=row["centre_id"])
        assert not at.exception, at.exception
        assert "What changed" in [s.value for s in at.subheader]
        assert row["paragraph"].endswith("The public reported nothing in the period.")
        assert md(row["paragraph"]) in [m.value for m in at.markdown]
        shown = section_metrics(at)
        assert shown["Closed"] == str(row["closed"]) and shown["Opened"] == str(row["opened"])
        assert shown["Changed occupier"] == str(row["occupier_changes"])
        assert shown["Vacancy change"] == f"{row['vacancy_change_pts']:+.1f} pts"
        # the headline's vacancy change is the same figure
        headline = {m.label: m.delta for m in at.metric}["Vacancy rate"]
        assert headline == f"{row['vacancy_change_pts']:+.1f} pts"
        labels = [t.label for t in at.tabs]
        assert f"Closed ({row['closed']})" in labels and f"Opened ({row['opened']})" in labels
        assert f"Chains arrived ({row['chains_arrived']})" in labels
        assert f"Independents left ({row['independents_left']})" in labels
        assert [s.value for s in at.selectbox if s.key == "changes_from"] == ["2025-06-14"]
        if row["centre_id"] == "castlebridge":
            closed = next(df.value for df in at.dataframe if len(df.value) == row["closed"]
                          and "unit_id" in df.value)
            assert sorted(closed["unit_id"]) == sorted(row["closed_units"])


def test_dates_from_the_url_and_a_single_survey(workspace, demo_units_update):
    at = run_page("overview", town="wendlow", changes_from="2025-06-14", changes_to="2026-11-20")
    assert not at.exception, at.exception
    assert [s.value for s in at.selectbox if s.key == "changes_to"] == ["2026-11-20"]
    assert any(m.value.startswith("Since June 2025 (14 June 2025 to 20 November 2026)") for m in at.markdown), [m.value for m in at.markdown]
    at = run_page("overview", town="wendlow")  # default: the last two surveys
    assert any(m.value.startswith("Since June 2026 (13 June 2026 to 20 November 2026), 20 shops closed")
               for m in at.markdown)
    assert section_metrics(at)["Closed"] == "20"


def test_csv_downloads_neutralise_formulas(workspace):
    from agora.analysis.changes import town_changes
    from agora.service import DataService
    from agora.store import export

    at = run_page("overview", town="castlebridge")
    assert not at.exception, at.exception
    keys = [b.key for b in at.get("download_button")]
    for slug in ("closed", "opened", "changed-occupier", "chains-left", "independents-arrived"):
        assert f"dl_changes_{slug}" in keys
    units = DataService(workspace.path).town("units", "castlebridge")
    units.loc[units["unit_id"] == "castlebridge-009", "name"] = '=HYPERLINK("http://evil.example")'
    result = town_changes(units)
    assert (result.closed["name"] == '=HYPERLINK("http://evil.example")').any()
    text = export.to_csv(result.closed).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
