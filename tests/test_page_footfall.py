"""Footfall page: runs on the demo and on real files; site and period come from the URL."""

from __future__ import annotations

import geopandas as gpd
import pytest

from agora.analysis import footfall as ff
from agora.loaders import load_centres, load_footfall_counts, load_footfall_sites
from agora.loaders.footfall import join_sites
from apptest import run_page

HEADLINES = ["Footfall change, last 4 weeks", "Footfall, last 4 weeks", "Footfall, ", "Busiest day"]


def labels(at) -> list[str]:
    """Metric labels, the busiest day's date left out."""
    return [m.label.split(" (")[0] if not m.label.startswith("Footfall, ") or "weeks" in m.label else "Footfall, "
            for m in at.metric]
FLAGS = ["Gaps", "Zero runs", "Partial days", "Outliers", "No data"]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace("+", ""))


def test_runs_for_every_demo_town_with_footfall(workspace):
    centres = workspace.read("centres")
    sites = workspace.read("footfall_sites")
    for centre_id, name in zip(centres["centre_id"], centres["name"]):
        at = run_page("footfall", town=centre_id)
        assert not at.exception, at.exception
        assert at.title[0].value == f"Footfall in {name}"
        if (sites["centre_id"] == centre_id).any():
            assert labels(at) == HEADLINES + FLAGS
            assert [s.value for s in at.subheader][:2] == ["Where people are counted", "Over time"]
            assert len(at.get("download_button")) >= 5
        else:
            assert "No footfall" in at.info[-1].value


def test_headline_matches_the_analysis(workspace):
    sites = workspace.read("footfall_sites")
    counts = workspace.read("footfall_counts")
    town = sites.loc[sites["centre_id"].notna(), "centre_id"].iloc[0]
    at = run_page("footfall", town=town)
    assert not at.exception, at.exception
    ours = counts[counts["site_id"].isin(sites.loc[sites["centre_id"] == town, "site_id"])]
    expected = ff.recent_change(ours, sites, town, weeks=4)  # the Overview's window, whatever the period
    shown = metrics(at)
    assert number(shown["Footfall change, last 4 weeks"]) == pytest.approx(expected["change_pct"], abs=0.05)
    assert number(shown["Footfall, last 4 weeks"]) == expected["total"]


def test_site_period_and_series_from_the_url(workspace):
    sites = workspace.read("footfall_sites")
    town = sites.loc[sites["centre_id"].notna(), "centre_id"].iloc[0]
    site = sites.loc[sites["centre_id"] == town, "site_id"].iloc[1]
    at = run_page("footfall", town=town, site=site, period="4w", series="day")
    assert not at.exception, at.exception
    assert at.main.selectbox[1].value == site and at.main.selectbox[2].value == "4w"
    assert at.main.radio[0].value == "day"
    assert "Last 4 weeks" in at.caption[0].value
    assert "Footfall change, last 4 weeks" in metrics(at)
    other = sites.loc[sites["centre_id"] == town, "site_id"].iloc[0]
    at.main.selectbox[1].set_value(other).run()
    assert at.query_params["site"] in (other, [other])
    at = run_page("footfall", town=town, site="no-such-site", period="nonsense")
    assert not at.exception
    assert at.main.selectbox[1].value == "all" and at.main.selectbox[2].value == "52w"


def test_town_without_counts_says_so(workspace):
    for ds in workspace.datasets("footfall_counts"):
        workspace.delete("footfall_counts", ds.dataset_id)
    town = workspace.read("centres")["centre_id"].iloc[0]
    at = run_page("footfall", town=town)
    assert not at.exception
    assert any("No footfall counts" in i.value for i in at.info)


def test_site_names_are_escaped_in_the_caption(workspace):
    sites = workspace.read("footfall_sites")
    town = sites.loc[sites["centre_id"].notna(), "centre_id"].iloc[0]
    first = sites.index[sites["centre_id"] == town][0]
    sites.loc[first, "name"] = "**<b>Bold</b>** [link](http://x)"
    for ds in workspace.datasets("footfall_sites"):
        workspace.delete("footfall_sites", ds.dataset_id)
    from agora.loaders.report import LoadReport, LoadResult

    workspace.save(LoadResult(sites, LoadReport(file="sites.parquet", layer="footfall_sites")))
    at = run_page("footfall", town=town, site=str(sites.loc[first, "site_id"]))
    assert not at.exception, at.exception
    assert r"\*\*&lt;b&gt;Bold&lt;\/b&gt;\*\* \[link\](http\:\/\/x)" in at.caption[0].value


# --------------------------------------------------------------------------------------
# Real files
# --------------------------------------------------------------------------------------
def add_town(workspace, centre_id: str, name: str, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A centre drawn round `sites` (the hull plus 300 m), saved to the workspace."""
    area = sites.to_crs(27700).union_all().convex_hull.buffer(300)
    boundary = gpd.GeoSeries([area], crs=27700).to_crs(4326)
    frame = gpd.GeoDataFrame({"centre_id": [centre_id], "name": [name]}, geometry=boundary.values, crs=4326)
    workspace.save(load_centres(frame, filename=f"{centre_id}.geojson"))
    return frame


def test_leeds_daily_counts(workspace, realdata):
    folder = realdata / "leeds_footfall"
    sites = load_footfall_sites(folder / "leeds_camera_locations.csv").data
    centre = add_town(workspace, "leeds", "Leeds City", sites)
    workspace.save(load_footfall_sites(folder / "leeds_camera_locations.csv", centres=centre))
    workspace.save(load_footfall_counts(folder / "leeds_footfall_daily_2009_2016.csv"))
    at = run_page("footfall", town="leeds", period="all", series="week")
    assert not at.exception, at.exception
    shown = metrics(at)
    assert number(shown["Footfall, 01 Jan 2009 to 31 Dec 2016"]) == 521_135_798
    assert shown["Busiest day (Sat 05 Dec 2009)"] == "478,935"
    assert number(shown["Gaps"]) == 24  # 3 gaps (13 days) at each of the 8 cameras: missing, not zero
    assert number(shown["Zero runs"]) == 2  # CommercialStBarratts' two days counted 0
    assert "Comparison" in " ".join(m.value for m in at.markdown)
    assert any("needs hourly counts" in c.value for c in at.caption)
    assert any("mean per reporting site" in c.value for c in at.caption)  # a camera starts in July 2009


def test_melbourne_wide_counts(workspace, realdata):
    folder = realdata / "melbourne_pedestrian"
    sensors = load_footfall_sites(folder / "sensor_locations.csv").data
    centre = add_town(workspace, "melbourne", "Melbourne CBD", sensors)
    placed = load_footfall_sites(folder / "sensor_locations.csv", centres=centre)
    workspace.save(placed)
    counts = load_footfall_counts(folder / "hourly_counts_2019_01_wide.csv")
    joined, _, _ = join_sites(counts.data, placed.data)  # the wide file is headed by sensor names
    counts.data = joined[joined["site_id"].isin(placed.data["site_id"])]
    workspace.save(counts)
    at = run_page("footfall", town="melbourne", period="4w", series="day")
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["Footfall change, last 4 weeks"] == "–"  # one month only
    assert shown["No data"] == "4"
    assert any("No signature yet" in i.value for i in at.info)
    assert any("Mean count per site for each hour" in c.value for c in at.caption)
