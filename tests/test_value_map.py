"""Value maps: a file's own words for status, ownership, direction and ACV status."""

from __future__ import annotations

import pandas as pd
import pytest

from agora.loaders import LoadError, load, load_units
from agora.loaders.values import guess_value_map, parse_value_options, reuse_value_map


def rates(flag_column: str, values: list[str]) -> bytes:
    return pd.DataFrame({
        "rates_code": [f"R{i}" for i in range(len(values))],
        "description": ["Shop and premises"] * len(values),
        "address_street": ["High Street"] * len(values),
        "lat": [53.8 + i / 10000 for i in range(len(values))],
        "lon": [-1.55] * len(values),
        flag_column: values,
    }).to_csv(index=False).encode()


def test_true_false_occupied_flags_are_guessed_from_the_column_name():
    result = load_units(rates("occupied", ["True", "False", "True", "True"]), filename="rates.csv")
    assert result.data["status"].tolist() == ["occupied", "vacant", "occupied", "occupied"]
    assert result.report.value_map == {"status": {"True": "occupied", "False": "vacant"}}
    assert not any("not recognised" in n for n in result.report.notes)


def test_a_vacant_column_of_y_n_means_vacant_when_yes():
    result = load_units(rates("vacant", ["Y", "N", "N"]), filename="rates.csv")
    assert result.data["status"].tolist() == ["vacant", "occupied", "occupied"]


def test_occupation_state_is_the_status():
    result = load_units(rates("occupation_state", ["OCCUPIED", "VACANT", "to let", "empty"]), filename="r.csv")
    assert result.report.columns["occupation_state"] == "status"
    assert result.data["status"].tolist() == ["occupied", "vacant", "vacant", "vacant"]


def test_a_person_s_map_wins_over_the_guess_and_is_kept_in_the_report():
    result = load_units(rates("status", ["True", "False", "Other"]), filename="r.csv",
                        value_map={"status": {"true": "vacant", "False": "occupied", "Other": "unknown"}})
    assert result.data["status"].tolist() == ["vacant", "occupied", "unknown"]
    assert result.report.to_dict()["value_map"] == {"status": {"True": "vacant", "False": "occupied",
                                                               "Other": "unknown"}}


def test_a_map_may_name_the_file_s_own_column():
    result = load_units(rates("occupation_state", ["A", "B"]), filename="r.csv",
                        value_map={"occupation_state": {"A": "occupied", "B": "vacant"}})
    assert result.data["status"].tolist() == ["occupied", "vacant"]


def test_a_map_to_a_value_the_column_does_not_accept_is_refused():
    with pytest.raises(LoadError, match="r.csv: status:True=closed: 'closed' is not one of occupied, vacant"):
        load_units(rates("status", ["True"]), filename="r.csv", value_map={"status": {"True": "closed"}})


def test_ownership_and_direction_and_acv_maps():
    units = load_units(rates("chain", ["1", "0"]), filename="r.csv")
    assert units.data["ownership"].tolist() == ["chain", "independent"]
    counts = pd.DataFrame({"site": ["A", "A"], "date": ["2024-01-01", "2024-01-01"], "count": [5, 7],
                           "direction": ["Northbound", "Southbound"]})
    result = load(counts, "footfall_counts", value_map={"direction": {"Northbound": "in", "Southbound": "out"}})
    assert sorted(result.data["direction"]) == ["in", "out"]
    assets = pd.DataFrame({"name": ["Inn", "Hall"], "type": ["pub", "community centre"], "decision": ["Y", "N"],
                           "lat": [53.8, 53.81], "lon": [-1.5, -1.5]})
    result = load(assets, "assets", value_map={"acv_status": {"N": "unsuccessful"}})
    assert result.data["acv_status"].tolist() == ["listed", "unsuccessful"]


def test_guesses_for_the_data_page():
    assert guess_value_map("status", ["True", "False", "Empty", "x?"], "in_use") == {
        "True": "occupied", "False": "vacant", "Empty": "vacant"}
    assert guess_value_map("status", ["1", "0"], "is_vacant") == {"1": "vacant", "0": "occupied"}


def test_reuse_the_map_saved_with_a_report_of_the_same_columns():
    first = load_units(rates("occupation_state", ["Yes", "No", "Maybe"]), filename="q1.csv",
                       value_map={"status": {"Maybe": "unknown"}}).report.to_dict()
    other = {"columns": {"state": "status"}, "value_map": {"status": {"1": "vacant"}}}
    columns = ["rates_code", "description", "address_street", "lat", "lon", "occupation_state"]
    reused = reuse_value_map([first, other], columns)
    assert reused == {"occupation_state": {"Maybe": "unknown"}}  # Yes/No need no map
    again = load_units(rates("occupation_state", ["Maybe", "No"]), filename="q2.csv", value_map=reused)
    assert again.data["status"].tolist() == ["unknown", "vacant"]
    assert reuse_value_map([first], ["name", "lat", "lon"]) == {}


def test_value_options_parse_and_refuse_bad_ones():
    assert parse_value_options(["status:False=vacant", "status:to let=vacant"]) == {
        "status": {"False": "vacant", "to let": "vacant"}}
    with pytest.raises(LoadError, match="--value 'status=vacant': write COLUMN:FROM=TO"):
        parse_value_options(["status=vacant"])
