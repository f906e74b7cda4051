"""Vacancy analysis: rates, unknowns, surveys, change, long-term vacancy, status changes, real surveys."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from agora.analysis import vacancy
from agora.loaders import load_units

# Two surveys of one high street a year apart; the first took two days (one survey).
SURVEYS = """unit_id,name,street,status,observed_on,vacant_since,shop,lat,lon
U1,Smith's Butchers,High Street,occupied,2024-03-01,,butcher,53.7410,-2.0150
U2,Empty,High Street,vacant,2024-03-01,2022-01-15,,53.7411,-2.0151
U3,Empty (was Boots),High Street,vacant,2024-03-05,,,53.7412,-2.0152
U4,???,Market Place,unknown,2024-03-05,,,53.7413,-2.0153
U5,Cafe Rouge,Market Place,occupied,2024-03-05,,cafe,53.7414,-2.0154
U7,To let,Market Place,vacant,2024-03-01,,,53.7415,-2.0155
U1,Empty (was Smith's Butchers),High Street,vacant,2025-03-10,,,53.7410,-2.0150
U2,Empty,High Street,vacant,2025-03-10,2022-01-15,,53.7411,-2.0151
U3,Superdrug,High Street,occupied,2025-03-10,,chemist,53.7412,-2.0152
U4,Empty,Market Place,vacant,2025-03-10,,,53.7413,-2.0153
U5,Cafe Rouge,Market Place,occupied,2025-03-10,,cafe,53.7414,-2.0154
U6,Jones Butcher,Market Place,occupied,2025-03-10,,butcher,53.7416,-2.0156
U7,To let,Market Place,vacant,2025-03-10,,,53.7415,-2.0155
"""
FIRST, SECOND = pd.Timestamp("2024-03-01"), pd.Timestamp("2025-03-10")


@pytest.fixture
def units():
    return load_units(SURVEYS.encode(), filename="surveys.csv").data


def test_loader_keeps_one_row_per_unit_per_survey(units):
    assert len(units) == 13
    assert sorted(units["unit_id"].unique()) == ["U1", "U2", "U3", "U4", "U5", "U6", "U7"]


def test_survey_days_within_a_month_are_one_survey(units):
    dates = vacancy.survey_dates(units)
    assert sorted(dates.unique()) == [FIRST, SECOND]
    assert vacancy.survey_list(units) == [FIRST, SECOND]


def test_rate_excludes_unknown_and_counts_it(units):
    table = vacancy.by_centre(units, unassigned="High St")
    first = table[table["survey_date"] == FIRST].iloc[0]
    second = table[table["survey_date"] == SECOND].iloc[0]
    assert (first["units"], first["occupied"], first["vacant"], first["unknown"]) == (6, 2, 3, 1)
    assert first["vacancy_rate"] == pytest.approx(3 / 5)
    assert (second["units"], second["vacant"], second["unknown"]) == (7, 4, 0)
    assert second["vacancy_rate"] == pytest.approx(4 / 7)
    assert first["centre"] == "High St"


def test_change_between_surveys(units):
    change = vacancy.vacancy_change(units).iloc[0]
    assert change["date_before"] == FIRST and change["date_after"] == SECOND
    assert change["change_points"] == pytest.approx((4 / 7 - 3 / 5) * 100)
    everything = vacancy.vacancy_change(units, by=())  # no grouping: one row for all units
    assert len(everything) == 1 and everything["change_points"].iloc[0] == pytest.approx(change["change_points"])


def test_by_street(units):
    table = vacancy.by_street(units)
    row = table[(table["survey_date"] == FIRST) & (table["street"] == "High Street")].iloc[0]
    assert (row["units"], row["vacant"], row["vacancy_rate"]) == (3, 2, pytest.approx(2 / 3))


def test_vacant_units_are_typed_by_their_last_use(units):
    table = vacancy.by_type(units)
    butcher = table[(table["survey_date"] == SECOND) & (table["shop_type"] == "Butcher")].iloc[0]
    # U1 ("Empty (was Smith's Butchers)") is a vacant butcher's, U6 a trading one
    assert (butcher["units"], butcher["vacant"], butcher["vacancy_rate"]) == (2, 1, 0.5)
    prepared = vacancy.prepare(units)
    u1 = prepared[(prepared["unit_id"] == "U1") & (prepared["survey_date"] == SECOND)].iloc[0]
    assert u1["former_name"] == "Smith's Butchers" and u1["former_type"] == "butcher"


def test_osm_lifecycle_tags_give_the_former_use():
    table = pd.DataFrame({"name": [None, "Old Books"], "shop": ["vacant", "vacant"],
                          "was:shop": ["butcher", None], "disused:amenity": [None, "cafe"],
                          "lat": [53.74, 53.7401], "lon": [-2.01, -2.0101]})
    units = load_units(table, filename="osm.csv").data
    former = vacancy.former_use(units)
    assert former["former_type"].tolist() == ["butcher", "cafe"]
    assert former["former_name"].tolist()[1] == "Old Books"


def test_long_term_from_vacant_since_and_from_surveys(units):
    long = vacancy.long_term_vacant(units)
    assert sorted(long["unit_id"]) == ["U2", "U7"]
    by_id = long.set_index("unit_id")
    assert by_id.loc["U2", "vacant_from_source"] == "vacant_since"
    assert by_id.loc["U7", "vacant_from_source"] == "surveys"
    assert by_id.loc["U7", "vacant_from"] == FIRST
    durations = vacancy.vacancy_durations(units)
    u4 = durations[(durations["unit_id"] == "U4")].iloc[0]  # vacant only in the second survey
    assert not u4["long_term"] and u4["vacant_from"] == SECOND


def test_vacant_run_is_broken_by_an_occupied_survey():
    rows = pd.DataFrame({
        "unit_id": ["A", "A", "A"], "name": ["Empty", "Shop", "Empty"], "status": ["vacant", "occupied", "vacant"],
        "observed_on": ["2020-01-10", "2021-06-10", "2023-01-10"], "lat": [53.74] * 3, "lon": [-2.01] * 3})
    units = load_units(rows, filename="a.csv").data
    last = vacancy.vacancy_durations(units).sort_values("observed_on").iloc[-1]
    assert last["vacant_from"] == pd.Timestamp("2023-01-10") and not last["long_term"]


def test_undated_units_use_as_of_for_vacant_since():
    rows = pd.DataFrame({"name": ["Empty", "Empty"], "vacant_since": ["2020-05-01", "2024-01-01"],
                         "lat": [53.74, 53.7401], "lon": [-2.01, -2.0101]})
    units = load_units(rows, filename="b.csv").data
    long = vacancy.long_term_vacant(units, as_of="2024-06-30")
    assert long["vacant_since"].dt.year.tolist() == [2020]
    assert long["months_vacant"].iloc[0] == pytest.approx(50, abs=1)


def test_status_changes(units):
    changes = vacancy.status_changes(units).set_index("unit_id")
    assert changes["change"].to_dict() == {"U1": "became vacant", "U3": "reoccupied", "U4": "unknown -> vacant"}
    assert changes.loc["U3", "name_after"] == "Superdrug"


def test_one_survey_gives_no_change(units):
    first = units[units["observed_on"] < "2025-01-01"]
    assert vacancy.vacancy_change(first).empty
    assert vacancy.status_changes(first).empty


def test_scattered_check_dates_are_one_snapshot():
    dates = [None] * 18 + ["2024-07-15", "2026-03-20"]
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(20)],
                          "observed_on": pd.to_datetime(pd.Series(dates))})
    assert vacancy.survey_dates(units).isna().all()
    # ... but a unit seen on two dates makes them surveys
    units.loc[19, "unit_id"] = "u18"
    assert vacancy.survey_dates(units).notna().sum() == 2


def test_rate_is_nan_when_no_status_is_known():
    units = pd.DataFrame({"unit_id": ["a", "b"], "status": ["unknown", "unknown"]})
    row = vacancy.vacancy_table(units, by=()).iloc[0]
    assert row["units"] == 2 and row["unknown"] == 2 and pd.isna(row["vacancy_rate"])


# --------------------------------------------------------------------------- real data
def test_hebden_bridge_survey(realdata):
    path = realdata / "hebden_bridge_places" / "hebden-places.csv"
    with path.open(newline="", encoding="utf-8") as f:
        comments = [row["comments"].strip() for row in csv.DictReader(f)]
    empty = sum(c.lower().startswith("empty") for c in comments)
    unknown = sum(c.startswith("???") for c in comments)
    assert (len(comments), empty, unknown) == (215, 14, 9)  # SOURCE.txt check values

    units = load_units(path).data
    row = vacancy.vacancy_table(units, by=()).iloc[0]
    assert (row["units"], row["vacant"], row["unknown"]) == (215, empty, unknown)
    assert row["vacancy_rate"] == pytest.approx(empty / (len(comments) - unknown))  # 14 / 206 = 6.8%
    streets = vacancy.by_street(units).set_index("street")
    assert streets.loc["Market Street", "units"] == 45 and streets.loc["Bridge Gate", "units"] == 29
    # "Empty (was Lloyds Bank)" and "Empty (was Nat West Bank)": vacant banks
    types = vacancy.by_type(units).set_index("shop_type")
    assert types.loc["Bank and building society", "vacant"] == 2
    surveys = vacancy.survey_list(units)
    assert len(surveys) == 1 and pd.isna(surveys[0])  # undated: one survey


@pytest.mark.parametrize("path,expected", [
    ("osm_isle_of_man/shops.geojson", 25),
    ("osm_norwich/norwich_shop.geojson", 31),
])
def test_osm_shop_vacant(realdata, path, expected):
    features = json.loads((realdata / path).read_text())["features"]
    raw = sum(f["properties"].get("shop") == "vacant" for f in features)
    assert raw == expected
    units = load_units(realdata / path).data
    row = vacancy.vacancy_table(units, by=()).iloc[0]
    assert (row["units"], row["vacant"], row["unknown"]) == (len(features), raw, 0)
    # a handful of OSM check_date values are not survey rounds: one snapshot
    assert len(vacancy.survey_list(units)) == 1


def test_former_name_searches_only_names_that_can_match_and_finds_the_same():
    from agora.analysis.vacancy import _WAS_TEXT, former_use

    names = ["Empty (was Lloyds Bank)", "Formerly: Boots", "The Wash House", "Café (ex Greggs)", "ex-Greggs",
             None, "WAS: Woolworths", "(  ex Tesco )", "Greggs", "Tos (was)", "wa\u017f here", "Bob's (previously Costa)"]
    units = pd.DataFrame({"name": pd.array(names, dtype="string"), "status": "occupied"})
    plain = []
    for name in names:  # the expression applied to every name, one by one
        hit = _WAS_TEXT.search(name) if name is not None else None
        plain.append(None if hit is None else (hit.group(1) or hit.group(2)).strip())
    got = former_use(units)["former_name"]
    assert [None if pd.isna(v) else v for v in got] == plain
    assert plain[0] == "Lloyds Bank" and plain[10] == "here"  # "waſ" is "was" to a case-blind match
