"""Demo towns kept apart: the note only for a demo town; comparisons use the user's own and reference centres."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from agora import demo
from agora.analysis import compare
from agora.analysis.indicators import indicator_table
from agora.report.profile import build_profile
from conftest import PROJECT

DEMO = PROJECT / "data" / "demo"


def layers_with_own_town() -> dict:
    centres = gpd.read_parquet(DEMO / "centres.parquet")
    units = gpd.read_parquet(DEMO / "units.parquet")
    own = gpd.GeoDataFrame({"centre_id": ["mill-lane"], "name": ["Mill Lane"], "source": ["our survey"]},
                           geometry=[shapely.box(-1.6, 53.0, -1.59, 53.01)], crs="EPSG:4326")
    pts = [shapely.Point(-1.598 + i * 0.0003, 53.005) for i in range(20)]
    own_units = gpd.GeoDataFrame({
        "unit_id": [f"m{i}" for i in range(20)], "centre_id": "mill-lane", "name": [f"Shop {i}" for i in range(20)],
        "category": "clothes", "ownership": "independent", "status": ["vacant"] * 3 + ["occupied"] * 17,
        "observed_on": pd.Timestamp("2026-05-01"), "source": "our survey"}, geometry=pts, crs="EPSG:4326")
    return {"centres": pd.concat([centres, own], ignore_index=True),
            "units": pd.concat([units, own_units], ignore_index=True)}


def test_demo_centres_are_told_by_their_source():
    centres = gpd.read_parquet(DEMO / "centres.parquet")
    assert compare.DEMO_SOURCE == demo.SOURCE
    assert all(compare.is_demo_centre(row) for _, row in centres.iterrows())
    assert not compare.is_demo_centre({"source": "our survey"}) and not compare.is_demo_centre({})


def test_comparisons_leave_demo_towns_out_unless_alone_or_asked():
    layers = layers_with_own_town()
    table = indicator_table(layers, indicators=["vacancy_rate", "share_independent"])
    assert len(table) == 7
    mine = compare.comparison_set(table, layers["centres"])
    assert mine["centre_id"].tolist() == ["mill-lane"]
    assert len(compare.comparison_set(table, layers["centres"], include_demo=True)) == 7
    kept = compare.comparison_set(table, layers["centres"], keep=["hollinsford"])
    assert sorted(kept["centre_id"]) == ["hollinsford", "mill-lane"]
    demo_centres = layers["centres"][layers["centres"]["centre_id"] != "mill-lane"]
    demo_only = table[table["centre_id"] != "mill-lane"]
    assert len(compare.comparison_set(demo_only, demo_centres)) == 6  # nothing of its own: the demo towns
    reference = pd.concat([demo_only, pd.DataFrame({"centre_id": ["TC0001"], "name": ["Leeds"]})])
    assert len(compare.comparison_set(reference, demo_centres)) == 7  # with reference centres too


def test_profile_of_a_demo_town_is_not_compared_with_the_users_street_and_vice_versa():
    layers = layers_with_own_town()
    table = indicator_table(layers, indicators=["vacancy_rate", "share_independent", "nef2005_score", "shannon"])
    # the 20-shop street was "the town most like Hollinsford" and counted in every percentile
    demo_view = compare.comparison_set(table, layers["centres"], include_demo=True)
    demo_view = demo_view[demo_view["centre_id"] != "mill-lane"]
    profile = build_profile(demo_view, {"centres": layers["centres"]}, "hollinsford")
    assert "mill-lane" not in set(profile.similar["centre_id"])
    assert set(profile.figures["centres"]) == {6}
    own = build_profile(compare.comparison_set(table, layers["centres"]), {"centres": layers["centres"]}, "mill-lane")
    assert own.similar.empty and set(own.figures["centres"]) == {1}


def test_demo_note_only_where_the_town_shown_is_a_demo_town(workspace, tmp_path):
    from agora.ui.shell import DEMO_NOTE
    from apptest import run_page

    layers = layers_with_own_town()
    layers["centres"][layers["centres"]["centre_id"] == "mill-lane"].to_file(tmp_path / "mill-lane.geojson")
    layers["units"][layers["units"]["centre_id"] == "mill-lane"].to_file(tmp_path / "mill-lane-units.geojson")
    workspace.save(workspace.load(tmp_path / "mill-lane.geojson", "centres"), source="our survey")
    workspace.save(workspace.load(tmp_path / "mill-lane-units.geojson", "units"), source="our survey")
    own = run_page("overview", town="mill-lane")
    assert not own.exception, own.exception
    assert DEMO_NOTE not in [i.value for i in own.sidebar.info]  # was shown beside the user's own town
    fictional = run_page("overview", town="castlebridge")
    assert DEMO_NOTE in [i.value for i in fictional.sidebar.info]
