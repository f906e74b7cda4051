"""Surveys over time: a partial re-survey updates the units it covers, the others are carried forward."""

from __future__ import annotations

import json
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from agora.analysis import headline, surveys, vacancy
from cli import agora as run_cli
from conftest import PROJECT

UPDATE_DAY = pd.Timestamp("2026-11-20")


@pytest.fixture(scope="module")
def demo_units() -> gpd.GeoDataFrame:
    return gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet")


def wendlow_update(units: gpd.GeoDataFrame, n: int = 20, *, stated: bool = False) -> gpd.GeoDataFrame:
    """Wendlow's two surveys plus `n` of its occupied units re-surveyed on a new date, now vacant."""
    town = units[units["centre_id"] == "wendlow"]
    latest = town[town["observed_on"] == town["observed_on"].max()]
    picked = latest[latest["status"] == "occupied"].head(n).copy()
    picked["observed_on"] = UPDATE_DAY
    picked["status"] = "vacant"
    picked["name"] = pd.NA
    picked["category"] = pd.NA
    if stated:
        picked["coverage"] = "update"
    return pd.concat([town, picked], ignore_index=True)


def test_partial_resurvey_does_not_replace_the_town(demo_units):
    units = wendlow_update(demo_units)
    table = surveys.vacancy_over_time(units)
    last = table.iloc[-1]
    assert last["date"] == UPDATE_DAY
    assert (last["coverage"], last["units"], last["covered"]) == ("update", 230, 20)
    assert last["coverage_rule"].startswith("detected: 20 units, 9% of the 230 known before")
    before = table.iloc[-2]
    assert last["vacant"] == before["vacant"] + 20
    assert last["describes"] == "survey of 13 June 2026, 230 units; 20 updated on 20 November 2026 (230 units known)"
    head = headline.town_headline(units, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    assert head.units == 230  # was 20: the update replaced the town
    assert head.vacancy_rate == pytest.approx(last["vacancy_rate"])
    assert head.vacancy_change == pytest.approx((last["vacancy_rate"] - before["vacancy_rate"]) * 100)
    assert head.share_independent is not None and head.share_independent < 1


def test_stated_coverage_wins_over_detection(demo_units):
    units = wendlow_update(demo_units, n=200, stated=True)  # 200 of 230 would be detected as full
    last = surveys.survey_rounds(units).iloc[-1]
    assert (last["coverage"], last["coverage_rule"]) == ("update", "stated in the data (update)")
    full = surveys.survey_rounds(wendlow_update(demo_units, n=200)).iloc[-1]
    assert full["coverage"] == "full" and "at least 60%" in full["coverage_rule"]


def test_full_survey_drops_units_it_did_not_see():
    pts = [shapely.Point(-1.5 + i * 0.001, 53.8) for i in range(4)]
    units = gpd.GeoDataFrame({
        "unit_id": ["a", "b", "c", "d", "a", "b", "c"],
        "centre_id": "x", "status": ["occupied"] * 4 + ["vacant", "occupied", "occupied"],
        "observed_on": pd.to_datetime(["2024-01-01"] * 4 + ["2025-01-01"] * 3),
    }, geometry=pts + pts[:3], crs="EPSG:4326")
    state = surveys.units_on(units)
    assert sorted(state["unit_id"]) == ["a", "b", "c"]
    assert vacancy.vacancy_table(state, by=()).iloc[0]["vacancy_rate"] == pytest.approx(1 / 3)


def test_units_matched_by_id_else_address_else_position_and_name():
    p = [shapely.Point(-1.5, 53.8), shapely.Point(-1.501, 53.8), shapely.Point(-1.502, 53.8)]
    near = shapely.Point(-1.50205, 53.8)  # about 3 m from p[2]
    units = gpd.GeoDataFrame({
        "unit_id": ["u1", "u2", "u3", "u1", "new-7", "new-8"],
        "centre_id": "x",
        "name": ["Greggs", "Boots", "Cafe Nero", "Greggs", "Boots", "Caffe Nero!"],
        "address": ["1 High St", "3 High St", "5 High St", "1 High St", "3 high st.", "5 High Street"],
        "status": "occupied",
        "observed_on": pd.to_datetime(["2024-01-01"] * 3 + ["2025-01-01"] * 3),
    }, geometry=[*p, p[0], p[1], near], crs="EPSG:4326")
    units.loc[5, "name"] = "Cafe Nero"
    matched = surveys.match_units(units)
    assert matched["match_rule"].tolist()[3:] == ["id", "address", "position+name"]
    assert matched["unit_key"].tolist()[3:] == ["u1", "u2", "u3"]
    summary = surveys.match_summary(units)
    assert summary["text"] == "units matched across surveys by id (1), by address (1), by position and name (1)"


def test_vacant_units_keep_what_they_were(demo_units):
    town = demo_units[demo_units["centre_id"] == "castlebridge"]
    data = vacancy.prepare(town)
    latest = vacancy.latest_survey(data)
    vacant = latest[latest["status"] == "vacant"]
    was_occupied = data[(data["survey_date"] < data["survey_date"].max()) & (data["status"] == "occupied")]
    reopened = vacant[vacant["unit_key"].isin(was_occupied["unit_key"])]
    assert len(reopened) >= 20
    assert reopened["former_name"].notna().all()  # the long-term table named them None
    assert (reopened["shop_type"] != vacancy.UNKNOWN_TYPE).all()  # "By type" was one bar "(use not known)"
    by_type = vacancy.by_type(latest)
    assert by_type[by_type["vacant"] > 0]["shop_type"].nunique() > 3


def test_openings_and_closures_per_survey(demo_units):
    town = demo_units[demo_units["centre_id"] == "castlebridge"]
    table = surveys.openings_closures(town)
    total = surveys.openings_closures(town, by="none")
    assert len(total) == 1
    row = total.iloc[0]
    assert row["closures"] == int(table["closures"].sum()) and row["net"] == row["openings"] - row["closures"]
    changes = vacancy.status_changes(town)
    assert row["closures"] == int((changes["change"] == "became vacant").sum())
    assert (table.loc[table["closures"] > 0, "shop_type"] != vacancy.UNKNOWN_TYPE).all()


def agora(*args: str, env=None) -> subprocess.CompletedProcess:
    return run_cli(*args, env=env)


def test_import_update_and_vacancy_from_the_workspace(demo_units, tmp_path):
    units = wendlow_update(demo_units)
    first = units[units["observed_on"] < UPDATE_DAY]
    update = units[units["observed_on"] == UPDATE_DAY]
    first.to_file(tmp_path / "wendlow.geojson")
    update.drop(columns="coverage", errors="ignore").to_file(tmp_path / "wendlow-november.geojson")
    ws = tmp_path / "ws"
    done = agora("import", str(tmp_path / "wendlow.geojson"), "--layer", "units", "--replace", "--workspace", str(ws))
    assert done.returncode == 0, done.stderr
    done = agora("import", str(tmp_path / "wendlow-november.geojson"), "--layer", "units", "--update",
                 "--workspace", str(ws))
    assert done.returncode == 0, done.stderr
    saved = gpd.read_parquet(next((ws / "units").glob("*november*.parquet")))
    assert (saved["coverage"] == "update").all()
    done = agora("vacancy", "--workspace", str(ws), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["centre_id"], r["date"], r["units"], r["covered"]) for r in rows] == [
        ("wendlow", "2025-06-14", 230, 230), ("wendlow", "2026-06-13", 230, 230),
        ("wendlow", "2026-11-20", 230, 20)]
    assert rows[-1]["vacant"] == rows[-2]["vacant"] + 20
    assert rows[-1]["coverage_rule"] == "stated in the data (update)"
    for r in rows:
        assert r["vacancy_rate"] == round(r["vacant"] / (r["units"] - r["unknown"]), 4)
    empty = agora("vacancy", "--workspace", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and "no units saved" in empty.stderr


def test_overview_after_an_update_keeps_the_town(workspace, demo_units, tmp_path):
    """Finding: 20 Wendlow units saved on a new date made the Overview show Units 20 and vacancy 25.0%."""
    from agora.loaders import as_coverage
    from apptest import run_page

    update = wendlow_update(demo_units)
    update = update[update["observed_on"] == UPDATE_DAY].drop(columns="coverage", errors="ignore")
    update.to_file(tmp_path / "wendlow-november.geojson")
    workspace.save(workspace.load(tmp_path / "wendlow-november.geojson", "units"))  # not marked: detected
    at = run_page("overview", town="wendlow")
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Units"] == "230"
    expected = surveys.vacancy_over_time(workspace.read("units")[lambda t: t["centre_id"] == "wendlow"]).iloc[-1]
    assert shown["Vacancy rate"] == f"{expected['vacancy_rate']:.1%}"
    assert "20 updated on 20 November 2026" in at.caption[0].value
    marked = as_coverage(workspace.load(tmp_path / "wendlow-november.geojson", "units"), "update")
    assert (marked.data["coverage"] == "update").all()


def test_unit_history_follows_the_rows_whatever_their_labels(demo_units):
    units = wendlow_update(demo_units).reset_index(drop=True)
    units = units.assign(survey_date=vacancy.survey_dates(units))
    plain = surveys.unit_history(units)
    shuffled = units.set_axis([(i * 7919) % len(units) + 10**6 for i in range(len(units))])  # labels out of order
    pd.testing.assert_frame_equal(surveys.unit_history(shuffled).reset_index(drop=True), plain)
    assert plain["last_use"].notna().any()


@pytest.mark.parametrize("shuffled", [False, True])
def test_last_rows_is_sort_drop_duplicates_and_sort_back(shuffled):
    """last_rows (the rows kept picked first, then copied once) against sorting, dropping and sorting back."""
    import numpy as np

    from agora.analysis.surveys import last_rows

    rng = np.random.default_rng(2)
    n = 300
    table = pd.DataFrame({"v": np.arange(n), "name": pd.array([f"n{i % 17}" for i in range(n)], dtype="string")})
    when = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"))
    when[rng.random(n) < 0.1] = pd.NaT
    order = pd.DataFrame({"observed_on": when.to_numpy(), "c": rng.choice(["a", "b", ""], n),
                          "k": pd.array(rng.choice(["u1", "u2", "u3", None], n), dtype="string")})
    if shuffled:
        table.index = rng.permutation(n)
    for na_position in ("first", "last"):
        got = last_rows(table, order, ["c", "k"], na_position=na_position)
        data = table.assign(_o=order["observed_on"].to_numpy(), _c=order["c"].to_numpy(), _k=order["k"].array)
        data = data.sort_values("_o", kind="stable", na_position=na_position)
        want = data[~data.duplicated(["_c", "_k"], keep="last")].drop(columns=["_o", "_c", "_k"]).sort_index()
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert len(got) < n
