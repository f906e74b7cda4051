"""Clone-town scores: the published figures, bounds, exclusions, sampling, real towns."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from agora.analysis.clone import (CloneSettings, diagnose, diagnose_centre, explain, find_heart, nef2005_class,
                                  nef2005_score, nef2010_class, nef2010_index, shannon, simpson)
from agora.analysis.ownership import classify_ownership
from agora.loaders import load_units

TYPES = ["butcher", "baker", "greengrocer", "newsagent", "clothing", "footwear", "mobile_phone", "pharmacy", "cafe",
         "pub_bar", "takeaway", "charity", "hair_beauty", "estate_agent", "bookmaker", "florist", "jewellery"]


def survey(n: int, independents: int, types: int, *, extra: dict | None = None) -> pd.DataFrame:
    """A walk-round survey as a town team writes it: name, type, independent or chain; no coordinates."""
    rows = pd.DataFrame({
        "name": [f"Shop {i}" for i in range(n)],
        "type": [TYPES[i % types] for i in range(n)],
        "ownership": ["independent"] * independents + ["chain"] * (n - independents),
    })
    for col, values in (extra or {}).items():
        rows[col] = values
    return rows


def load_survey(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    text = frame.to_csv(index=False).encode()
    return load_units(io.BytesIO(text), filename="survey.csv", require_geometry=False).data


@pytest.mark.parametrize("n, independents, types, score, cls", [
    (50, 1, 10, 6.9, "clone town"),      # Exeter 2005
    (50, 47, 13, 48.6, "home town"),     # Hebden Bridge 2005: 3 chains in 50
])
def test_published_nef2005_figures_from_a_survey_file(n, independents, types, score, cls):
    units = classify_ownership(load_survey(survey(n, independents, types)))
    result = diagnose_centre(units)
    s = result.summary
    assert (s["n_scored"], s["independents"], s["types"]) == (n, independents, types)
    assert round(s["nef2005_score"], 1) == score and s["nef2005_class"] == cls
    assert s["types_from"] == "survey" and "no coordinates" in s["notes"]
    assert (result.units["role"] == "scored").sum() == n


def test_published_cambridge_2010_index():
    units = classify_ownership(load_survey(survey(57, 1, 9)))
    s = diagnose_centre(units).summary
    assert s["n_scored"] == 57 and round(s["nef2010_index"], 1) == 11.6 and s["nef2010_class"] == "clone town"


def test_formulas_and_bands():
    assert nef2005_score(10, 1, 49) == pytest.approx(6.9)
    assert nef2005_score(13, 47, 3) == pytest.approx(48.6)
    assert np.isnan(nef2005_score(3, 0, 0))
    assert [nef2005_class(v) for v in (24.99, 25, 35, 35.01)] == ["clone town", "border town", "border town",
                                                                   "home town"]
    assert [nef2010_class(v) for v in (49.9, 50, 65, 65.1)] == ["clone town", "border town", "border town", "home town"]
    assert nef2010_index(26, 10, 10) == pytest.approx(100) and nef2010_index(40, 10, 10) == pytest.approx(100)
    assert nef2010_index(9, 1, 57, weights=(50, 50)) == pytest.approx(50 / 57 + 50 * 9 / 26)
    assert nef2005_class(float("nan")) is None


def test_bounds():
    clone = classify_ownership(load_survey(survey(50, 0, 1)))
    s = diagnose_centre(clone).summary
    assert s["nef2005_score"] == pytest.approx((5 * 1 + 5 * 50) / 50) and s["nef2005_class"] == "clone town"
    assert s["shannon"] == 0 and s["simpson"] == 0 and s["share_independent"] == 0
    frame = survey(50, 50, 1)
    frame["type"] = [f"kind {i}" for i in range(50)]
    home = diagnose_centre(classify_ownership(load_survey(frame))).summary
    assert home["types"] == 50 and home["nef2005_score"] == pytest.approx(55.0)
    assert home["nef2010_index"] == pytest.approx(100.0) and home["shannon"] == pytest.approx(np.log(50))


def test_diversity_measures():
    assert shannon([1, 1]) == pytest.approx(np.log(2)) and simpson([1, 1]) == pytest.approx(0.5)
    assert shannon([5]) == 0 and simpson([5]) == 0
    assert np.isnan(shannon([])) and simpson([2, 0, 2]) == pytest.approx(0.5)


def test_exclusions_vacancy_and_unknown_ownership_are_not_scored():
    frame = pd.DataFrame({
        "name": ["A", "B", "Barclays", "Post Office", "Empty", "D", "E"],
        "type": ["butcher", "baker", "bank", "post office", "clothes", "cafe", "florist"],
        "ownership": ["independent", "chain", "chain", "chain", "", "", "independent"],
        "status": ["occupied"] * 4 + ["vacant", "occupied", "occupied"],
    })
    units = load_survey(frame)
    units.loc[5, "name"] = pd.NA  # no name, no ownership: unknown
    result = diagnose_centre(classify_ownership(units), CloneSettings(types_from="category"))
    roles = result.units.set_index("name", drop=False)["role"]
    assert roles["Barclays"] == "excluded use" and roles["Post Office"] == "excluded use"
    assert roles["Empty"] == "vacant"
    assert result.summary["n_scored"] == 3 and result.summary["excluded"] == 2 and result.summary["vacant"] == 1
    assert result.summary["ownership_unknown"] == 1
    assert result.summary["share_vacant"] == pytest.approx(1 / 7)


def line_of_units(n: int, chains_from: int) -> gpd.GeoDataFrame:
    """n units 10 m apart along a street running east; the first `chains_from` are independent."""
    x0, y0 = 400000, 300000
    pts = gpd.GeoSeries([shapely.Point(x0 + 10 * i, y0) for i in range(n)], crs=27700).to_crs(4326)
    return gpd.GeoDataFrame({
        "unit_id": [f"u{i}" for i in range(n)], "centre_id": "high-street", "name": [f"Unit {i}" for i in range(n)],
        "category": [TYPES[i % 5] for i in range(n)], "status": "occupied",
        "ownership": ["independent" if i < chains_from else "chain" for i in range(n)],
        "ownership_source": "surveyed",
    }, geometry=pts, crs=4326)


def test_nef50_takes_the_50_nearest_the_heart():
    units = line_of_units(80, chains_from=40)
    west = units.geometry.iloc[0]
    result = diagnose_centre(units, heart=(west.x, west.y))
    scored = result.units[result.units["role"] == "scored"]
    assert sorted(scored["unit_id"]) == sorted(f"u{i}" for i in range(50))
    assert result.summary["independents"] == 40 and result.summary["chains"] == 10
    assert result.summary["radius_m"] == pytest.approx(490, abs=1)
    every = diagnose_centre(units, CloneSettings(method="all"))
    assert every.summary["n_scored"] == 80 and every.summary["independents"] == 40
    assert result.summary["nef2005_other_method"] == pytest.approx(every.summary["nef2005_score"])
    # the default heart is where 50 units lie closest together: the middle of the street
    heart = find_heart(units)
    mid = units.geometry.iloc[[15, 64]]
    assert mid.iloc[0].x <= heart.x <= mid.iloc[1].x


def test_too_few_units_are_flagged():
    result = diagnose_centre(line_of_units(30, chains_from=15))
    assert result.summary["n_scored"] == 30 and result.summary["below_minimum"]
    assert "fewer than 40" in result.summary["notes"]


def test_symbol_groups_switch():
    units = line_of_units(50, chains_from=40)
    units.loc[45:, "ownership"] = "symbol_group"
    as_chains = diagnose_centre(units).summary
    apart = diagnose_centre(units, CloneSettings(symbol_groups_as_chains=False)).summary
    assert as_chains["n_scored"] == 50 and as_chains["chains"] == 10 and as_chains["symbol_groups"] == 5
    assert apart["n_scored"] == 45 and apart["chains"] == 5


def test_bootstrap_and_heart_sensitivity():
    units = line_of_units(120, chains_from=60)
    result = diagnose_centre(units, CloneSettings(bootstrap=500, seed=1))
    s = result.summary
    assert s["bootstrap_low"] <= s["nef2005_score"] <= s["bootstrap_high"]
    assert s["heart_low"] < s["heart_high"]  # starting in the independent west or the chain east matters
    again = diagnose_centre(units, CloneSettings(bootstrap=500, seed=1)).summary
    assert again["bootstrap_low"] == s["bootstrap_low"]
    assert len(result.sensitivity) >= 4 and "explain" not in result.sensitivity
    assert "home town" in explain(diagnose_centre(line_of_units(60, 60)).summary)


def test_diagnose_groups_by_centre_and_by_column():
    a = line_of_units(45, 40)
    b = line_of_units(45, 5).assign(centre_id="other")
    table = diagnose(pd.concat([a, b], ignore_index=True))
    assert table["centre"].tolist() == ["high-street", "other"]
    assert table["nef2005_class"].tolist()[0] == "home town"
    by_col = diagnose(pd.concat([a, b], ignore_index=True).assign(town=["x"] * 45 + ["y"] * 45), by="town")
    assert by_col["centre"].tolist() == ["x", "y"]


def _count(scored: pd.DataFrame) -> tuple[int, int, int]:
    """Independent count: independents, chains (incl. symbol groups) and distinct types of scored rows."""
    own = scored["ownership"].astype(str)
    return int((own == "independent").sum()), int(own.isin(["chain", "symbol_group"]).sum()), \
        int(scored["type_counted"].nunique())


def test_isle_of_man_towns(realdata):
    folder = realdata / "osm_isle_of_man"
    units = pd.concat([load_units(folder / f).data for f in ("shops.geojson", "food-and-drink.geojson")],
                      ignore_index=True)
    units = classify_ownership(units, realdata / "nsi_brands" / "nsi_brands_gb.csv", centre_column="addr:city")
    table = diagnose(units, by="addr:city").set_index("centre")
    for town in ("Douglas", "Ramsey", "Peel", "Port Erin"):
        row = table.loc[town]
        group = units[units["addr:city"] == town]
        detail = diagnose_centre(group, centre_id=town)
        scored = detail.units[detail.units["role"] == "scored"]
        i, c, t = _count(scored)
        assert (row["independents"], row["chains"], row["types"]) == (i, c, t)
        assert row["n_scored"] == len(scored) == min(50, detail.summary["n_eligible"])
        assert row["nef2005_score"] == pytest.approx((5 * t + 50 * i + 5 * c) / (i + c))
        # chains by brand tags, counted on the raw tags of the scored units
        tagged = scored["brand_wikidata"].notna().sum()
        assert c >= tagged
        assert row["nef2005_class"] == "home town"
    assert table.loc["Douglas", "n_units"] == int(((units["addr:city"] == "Douglas")).sum())


def test_norwich_city_centre(realdata):
    folder = realdata / "osm_norwich"
    files = ["norwich_shop", "norwich_food-bar", "norwich_food-cafe", "norwich_food-fast_food", "norwich_food-pubs",
             "norwich_food-restaurants"]
    units = pd.concat([load_units(folder / f"{f}.geojson").data for f in files], ignore_index=True)
    units = classify_ownership(units, realdata / "nsi_brands" / "nsi_brands_gb.csv")
    # the city centre: 600 m around the Guildhall
    guildhall = gpd.GeoSeries([shapely.Point(1.2925, 52.6293)], crs=4326).to_crs(27700).buffer(600).to_crs(4326)
    centres = gpd.GeoDataFrame({"centre_id": ["norwich"], "name": ["Norwich city centre"]}, geometry=guildhall)
    inside = units.within(guildhall.iloc[0])
    table = diagnose(units, centres, method="all")
    row = table.set_index("centre_id").loc["norwich"]
    detail = diagnose_centre(units[inside], CloneSettings(method="all"), centre_id="norwich")
    scored = detail.units[detail.units["role"] == "scored"]
    i, c, t = _count(scored)
    assert (row["independents"], row["chains"], row["types"]) == (i, c, t)
    assert row["n_units"] == int(inside.sum())
    # every unit tagged with brand:wikidata inside the centre and scored is counted as a chain
    assert (scored.loc[scored["brand_wikidata"].notna(), "ownership"] != "independent").all()
    assert 0.2 < row["share_chain"] + row["share_symbol_group"] < 0.6
    assert row["nef2005_class"] in ("border town", "home town")


def test_hebden_bridge_is_a_home_town(realdata):
    data = load_units(realdata / "hebden_bridge_places" / "hebden-places.csv").data
    units = classify_ownership(data, realdata / "nsi_brands" / "nsi_brands_gb.csv")
    result = diagnose_centre(units, centre_id="hebden-bridge")
    s = result.summary
    scored = result.units[result.units["role"] == "scored"]
    i, c, t = _count(scored)
    assert (s["independents"], s["chains"], s["types"]) == (i, c, t) and i + c == 50
    assert c <= 13 and s["nef2005_class"] == "home town" and s["nef2010_class"] == "home town"
    # vacant (14, "Empty...") and unknown ("??? (was ...)", 9) units are never scored
    assert not scored["name"].str.startswith(("Empty", "???")).any()
    assert s["vacant"] == 14 and s["use_unknown"] == 9


def test_only_the_latest_survey_is_scored():
    first = line_of_units(60, chains_from=60).assign(observed_on=pd.Timestamp("2025-06-14"))
    second = line_of_units(60, chains_from=10).assign(observed_on=pd.Timestamp("2026-06-13"))
    result = diagnose_centre(pd.concat([first, second], ignore_index=True), CloneSettings(method="all"))
    assert result.summary["survey_date"] == "2026-06-13"
    assert result.summary["n_units"] == 60 and result.summary["independents"] == 10
