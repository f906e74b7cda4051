"""Reference figures: medians and quartiles over all centres, the same size band and region; CDRC series."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from agora.analysis import reference as ref
from agora.analysis.compare import DEMO_SOURCE
from agora.analysis.indicators import format_value


def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    table = pd.DataFrame({
        "centre_id": ["a", "b", "c", "d", "e", "f"],
        "name": list("ABCDEF"),
        "size_band": ["small", "small", "large", "small", "large", "small"],
        "vacancy_rate": [0.10, 0.30, 0.05, np.nan, 0.20, 0.40],
        "units": [20.0, 30.0, 300.0, 40.0, 250.0, 10.0],
    })
    centres = pd.DataFrame({"centre_id": list("abcdef"),
                            "region": ["North", "North", "South", "North", None, "South"],
                            "source": ["survey"] * 6})
    return table, centres


def by_hand(values) -> tuple[int, float, float, float]:
    s = pd.Series(values, dtype="float64").dropna()
    return len(s), float(np.median(s)), float(np.percentile(s, 25)), float(np.percentile(s, 75))


def test_groups_by_hand():
    table, centres = small()
    r = ref.references(table, "a", centres)
    # all: 0.10, 0.30, 0.05, 0.20, 0.40 (d has none: never counted as 0)
    assert tuple(r.loc[("all", "vacancy_rate"), ["n", "median", "q1", "q3"]]) == \
        pytest.approx(by_hand([0.10, 0.30, 0.05, 0.20, 0.40]))
    # same size (small): a, b, d, f
    assert tuple(r.loc[("size", "vacancy_rate"), ["n", "median", "q1", "q3"]]) == \
        pytest.approx(by_hand([0.10, 0.30, 0.40]))
    assert r.loc[("size", "units"), "n"] == 4 and r.loc[("size", "units"), "among"] == "small"
    # same region (North): a, b, d
    assert tuple(r.loc[("region", "vacancy_rate"), ["n", "median", "q1", "q3"]]) == \
        pytest.approx(by_hand([0.10, 0.30]))
    assert r.loc[("region", "units"), "median"] == pytest.approx(30.0)


def test_small_group_and_unknown_region_give_no_reference():
    table, centres = small()
    r = ref.references(table, "e", centres)  # region unknown
    assert r.loc[("region", "vacancy_rate"), "n"] == 0 and np.isnan(r.loc[("region", "vacancy_rate"), "median"])
    assert ref.reference(r, "vacancy_rate", "region") is None
    centres.loc[centres["centre_id"] == "f", "region"] = "East"  # f alone in its region
    r = ref.references(table, "f", centres)
    assert r.loc[("region", "units"), "n"] == 1 and ref.reference(r, "units", "region") is None
    assert "East" not in ref.sentence(r, "units", 10.0, "region")


def test_demo_towns_left_out_unless_alone_or_asked():
    table, centres = small()
    centres.loc[centres["centre_id"].isin(["b", "f"]), "source"] = DEMO_SOURCE
    r = ref.references(table, "a", centres)
    assert tuple(r.loc[("all", "vacancy_rate"), ["n", "median"]]) == pytest.approx(by_hand([0.10, 0.05, 0.20])[:2])
    asked = ref.references(table, "a", centres, include_demo=True)
    assert asked.loc[("all", "vacancy_rate"), "n"] == 5
    # a demo town shown is compared with the others and counts itself
    mine = ref.references(table, "b", centres)
    assert mine.loc[("all", "vacancy_rate"), "n"] == 4
    # nothing but demo towns: they are compared with each other
    centres["source"] = DEMO_SOURCE
    assert ref.references(table, "a", centres).loc[("all", "vacancy_rate"), "n"] == 5


def numbers(text: str) -> list[str]:
    return re.findall(r"[+-]?[\d,]+(?:\.\d+)?%?", text)


def test_sentence_numbers_are_the_functions():
    table, centres = small()
    r = ref.references(table, "a", centres)
    text = ref.sentence(r, "vacancy_rate", 0.10, "size")
    size, every, region = (ref.reference(r, "vacancy_rate", g) for g in ("size", "all", "region"))
    expected = ["10.0%", str(size["n"]), format_value(size["median"], "share"), format_value(size["q1"], "share"),
                format_value(size["q3"], "share"), str(every["n"]), format_value(every["median"], "share"),
                str(region["n"]), format_value(region["median"], "share")]
    assert numbers(text) == expected, text
    assert text.startswith("10.0%; median of 3 small centres 30.0% (middle half ")
    assert "of 2 centres in North 20.0%" in text
    assert ref.sentence(r, "vacancy_rate").startswith("Median of 5 centres")
    assert ref.sentence(r, "vacancy_rate", None, "all") == ref.sentence(r, "vacancy_rate")


def test_on_the_demo_workspace_against_pandas(workspace):
    from agora.service import DataService

    svc = DataService(workspace.path)
    table, centres = svc.indicators(), svc.centres()
    for cid in table["centre_id"]:
        r = ref.references(table, cid, centres)
        band = table.loc[table["centre_id"] == cid, "size_band"].iloc[0]
        same = table[table["size_band"] == band]
        for ind in ("vacancy_rate", "share_independent", "nef2005_score", "units"):
            col = table[ind].dropna()
            assert r.loc[("all", ind), "median"] == pytest.approx(col.median())
            assert r.loc[("all", ind), "q1"] == pytest.approx(col.quantile(0.25))
            assert r.loc[("all", ind), "q3"] == pytest.approx(col.quantile(0.75))
            assert r.loc[("all", ind), "n"] == col.size
            if same[ind].notna().sum() >= 2:
                assert r.loc[("size", ind), "median"] == pytest.approx(same[ind].median())
        # each demo town is alone in its region
        assert r.loc[("region", "vacancy_rate"), "n"] == 1


def test_national_series_and_references_with_cdrc(realdata, workspace):
    from agora.loaders.area_indicators import load_cdrc_folder
    from agora.service import DataService

    svc = DataService(workspace.path)
    svc.save_area_table(load_cdrc_folder(realdata / "cdrc_town_centre_vacancy"))
    series = ref.national_vacancy(svc.area_tables()).set_index("year")
    # SOURCE.txt: 2009 1,236 centres, 174,891 premises, 11,534 vacant, 6.59%; 2014 1,264, 214,670, 27,055, 12.60%
    assert series.loc[2009, ["centres", "premises", "vacant"]].tolist() == [1236, 174891, 11534]
    assert series.loc[2014, ["centres", "premises", "vacant"]].tolist() == [1264, 214670, 27055]
    assert series.loc[2009, "vacancy_rate"] == pytest.approx(0.0659, abs=5e-5)
    assert series.loc[2014, "vacancy_rate"] == pytest.approx(0.1260, abs=5e-5)
    raw = pd.read_csv(realdata / "cdrc_town_centre_vacancy" / "tc_2014_ldc_composition_vacancy.csv")
    tc = raw[raw["TC2004_ID"].str.startswith("TC")]
    assert series.loc[2014, "median_rate"] == pytest.approx(tc["Vacant_Prop"].median())
    # the indicator table: the CDRC town centres (latest year) and the demo towns (alone in the workspace)
    table = svc.indicators()
    r = ref.references(table, "castlebridge", svc.centres())
    demo = table[table["level"] == "workspace"]["vacancy_rate"]
    both = pd.concat([tc["Vacant_Prop"].dropna(), demo])
    assert r.loc[("all", "vacancy_rate"), "n"] == 1264 + len(demo)
    assert r.loc[("all", "vacancy_rate"), "median"] == pytest.approx(both.median())
    assert r.loc[("all", "vacancy_rate"), "q3"] == pytest.approx(both.quantile(0.75))


def test_no_area_table_no_series():
    assert ref.national_vacancy(None).empty
    assert ref.national_vacancy(pd.DataFrame({"year": [], "premises": [], "vacant_share": []})).empty


def test_demo_rule_with_a_street_of_ones_own():
    from agora.analysis.indicators import indicator_table
    from test_demo_apart import layers_with_own_town

    layers = layers_with_own_town()
    table = indicator_table(layers, indicators=["vacancy_rate", "share_independent"])
    own = ref.references(table, "mill-lane", layers["centres"])
    assert own.loc[("all", "vacancy_rate"), "n"] == 1 and ref.reference(own, "vacancy_rate") is None
    shown = ref.references(table, "hollinsford", layers["centres"])  # a demo town shown: with the user's street
    values = table.loc[table["centre_id"].isin(["mill-lane", "hollinsford"]), "vacancy_rate"]
    assert shown.loc[("all", "vacancy_rate"), "median"] == pytest.approx(values.median())
    every = ref.references(table, "mill-lane", layers["centres"], include_demo=True)
    assert every.loc[("all", "vacancy_rate"), "median"] == pytest.approx(table["vacancy_rate"].median())


def test_compare_side_by_side_median_is_the_reference():
    from agora.analysis.compare import side_by_side

    table, centres = small()
    r = ref.references(table, "c", centres)
    rows = side_by_side(table, ["c"], ["vacancy_rate", "units"]).set_index("indicator")
    for ind in ("vacancy_rate", "units"):
        assert rows.loc[ind, "median"] == pytest.approx(r.loc[("all", ind), "median"])
        assert rows.loc[ind, "centres"] == r.loc[("all", ind), "n"]


def test_chart_layers_keep_the_axis_title_and_fit_the_band():
    import json

    from agora.report import charts

    table, centres = small()
    r = ref.reference(ref.references(table, "a", centres), "vacancy_rate")
    assert charts.reference_layers(None) == []
    surveys = pd.DataFrame({"survey_date": pd.to_datetime(["2025-06-14", "2026-06-13"]),
                            "vacancy_rate": [0.01, 0.02], "vacant": [1, 2], "units": [100, 100]})
    spec = charts.vacancy_over_time(surveys, reference=r).to_dict()
    titles = {json.dumps(layer["encoding"]["y"].get("title")) for layer in spec["layer"]}
    assert titles == {'"Vacancy rate"'}
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks[:3] == ["rect", "rule", "text"] and marks[-1] == "line"
    top = spec["layer"][-1]["encoding"]["y"]["scale"]["domain"][1]
    assert top >= r["q3"]  # the band lies inside the axis even above the town's own rates
