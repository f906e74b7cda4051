"""Comparing centres: standardisation, distance, towns like ours, percentiles, size bands, map classes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from agora.analysis import compare


def small_table() -> pd.DataFrame:
    return pd.DataFrame({
        "centre_id": ["a", "b", "c", "d"],
        "name": ["Alpha", "Beta", "Gamma", "Delta"],
        "x": [0.0, 1.0, 3.0, np.nan],
        "y": [10.0, 10.0, 10.0, 20.0],
        "z": [1.0, 2.0, np.nan, 4.0],
    })


def test_zscores_by_hand_missing_stays_missing():
    z = compare.zscores(small_table(), ["x", "y"])
    sd = math.sqrt(((0 - 4 / 3) ** 2 + (1 - 4 / 3) ** 2 + (3 - 4 / 3) ** 2) / 3)
    assert z.loc[0, "x"] == pytest.approx(-4 / 3 / sd)
    assert z.loc[2, "x"] == pytest.approx((3 - 4 / 3) / sd)
    assert np.isnan(z.loc[3, "x"])
    # y varies (10, 10, 10, 20): mean 12.5, population sd 4.33
    assert z.loc[3, "y"] == pytest.approx(7.5 / math.sqrt(18.75))


def test_constant_indicator_gives_zero_not_nan():
    table = pd.DataFrame({"centre_id": ["a", "b"], "v": [5.0, 5.0], "w": [1.0, np.nan]})
    z = compare.zscores(table, ["v", "w"])
    assert z["v"].tolist() == [0.0, 0.0]
    assert z.loc[0, "w"] == 0.0 and np.isnan(z.loc[1, "w"])


def test_distance_known_small_case():
    table = small_table()
    sd = math.sqrt(((0 - 4 / 3) ** 2 + (1 - 4 / 3) ** 2 + (3 - 4 / 3) ** 2) / 3)
    d = compare.distances_from(table, "a", ["x"]).set_index("centre_id")["distance"]
    assert d["a"] == 0
    assert d["b"] == pytest.approx(1 / sd)
    assert d["c"] == pytest.approx(3 / sd)
    assert np.isnan(d["d"])  # no x: nothing to compare


def test_a_centre_is_most_similar_to_itself_and_distance_is_symmetric():
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"centre_id": [f"c{i}" for i in range(30)], "name": [f"C {i}" for i in range(30)]})
    for col in ("p", "q", "r"):
        values = rng.normal(size=30)
        values[rng.choice(30, 4, replace=False)] = np.nan
        table[col] = values
    weights = {"p": 2.0, "q": 1.0, "r": 0.5}
    matrix = compare.distance_matrix(table, ["p", "q", "r"], weights)
    assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T, equal_nan=True)
    assert (np.diag(matrix.to_numpy()) == 0).all()
    for cid in ("c0", "c7", "c19"):
        near = compare.similar_centres(table, cid, ["p", "q", "r"], weights, k=3, include_self=True)
        assert near["centre_id"].iloc[0] == cid and near["distance"].iloc[0] == 0
        row = compare.distances_from(table, cid, ["p", "q", "r"], weights).set_index("centre_id")["distance"]
        assert np.allclose(row.to_numpy(), matrix.loc[cid].to_numpy(), equal_nan=True)
        listed = compare.similar_centres(table, cid, ["p", "q", "r"], weights, k=5)
        assert cid not in set(listed["centre_id"])
        assert listed["distance"].is_monotonic_increasing


def test_weights_change_who_is_nearest():
    table = pd.DataFrame({"centre_id": ["me", "close_on_a", "close_on_b"], "name": ["Me", "A", "B"],
                          "a": [0.0, 0.1, 1.0], "b": [0.0, 1.0, 0.1]})
    assert compare.similar_centres(table, "me", ["a", "b"], {"a": 3, "b": 1}, k=1)["centre_id"][0] == "close_on_a"
    assert compare.similar_centres(table, "me", ["a", "b"], {"a": 1, "b": 3}, k=1)["centre_id"][0] == "close_on_b"
    # a weight of 0 leaves the indicator out entirely
    only_b = compare.similar_centres(table, "me", ["a", "b"], {"a": 0, "b": 1}, k=2)
    assert only_b["centre_id"].tolist() == ["close_on_b", "close_on_a"]
    assert (only_b["shared"] == 1).all()


def test_pairs_sharing_too_few_indicators_are_not_listed():
    table = small_table()
    # d has only y and z in common with a; with x, y and z chosen it needs 2 shared: it has 2
    near = compare.similar_centres(table, "a", ["x", "y", "z"], k=5)
    assert set(near["centre_id"]) == {"b", "c", "d"}
    assert near.set_index("centre_id").loc["c", "shared"] == 2
    strict = compare.similar_centres(table, "a", ["x", "y", "z"], k=5, min_shared=3)
    assert strict["centre_id"].tolist() == ["b"]


def test_explanation_names_the_closest_indicators():
    table = pd.DataFrame({"centre_id": ["me", "other", "far"], "name": ["Me", "Other", "Far"],
                          "vacancy_rate": [0.10, 0.11, 0.30], "share_independent": [0.5, 0.52, 0.9],
                          "footfall_yoy": [0.0, 8.0, 1.0]})
    labels = {"vacancy_rate": "Vacancy rate", "share_independent": "Share independent",
              "footfall_yoy": "Footfall year on year"}
    near = compare.similar_centres(table, "me", list(labels), k=1, labels=labels)
    assert near["centre_id"][0] == "other"
    assert near["why"][0] == ("closest on vacancy rate and share independent; "
                              "differs most on footfall year on year (higher)")


def test_unknown_centre_and_empty_choice_are_clear_errors():
    with pytest.raises(KeyError, match="no centre 'zz'"):
        compare.similar_centres(small_table(), "zz", ["x"])
    with pytest.raises(ValueError, match="at least one indicator"):
        compare.distances_from(small_table(), "a", [])


def test_percentiles_with_missing_values_and_ties():
    table = pd.DataFrame({"v": [1.0, 2.0, 3.0, np.nan, 2.0]})
    pct = compare.percentiles(table, ["v"])["v"]
    assert pct[0] == 0 and pct[2] == 100
    assert pct[1] == pct[4] == 50  # tied: half the others below
    assert np.isnan(pct[3])


def test_percentiles_within_size_band():
    table = pd.DataFrame({
        "units": [10, 20, 30, 300, 400, np.nan],
        "v": [0.1, 0.3, 0.2, 0.9, 0.5, 0.4],
    })
    table["size_band"] = compare.size_band(table["units"]).astype("string")
    within = compare.percentiles(table, ["v"], by="size_band")["v"]
    assert within.tolist()[:3] == [0, 100, 50]
    assert within[3] == 100 and within[4] == 0
    assert np.isnan(within[5])  # size not known: no band to rank in
    overall = compare.percentiles(table, ["v"])["v"]
    assert overall[3] == 100 and overall[0] == 0


def test_size_band_edges():
    bands = compare.size_band(pd.Series([0, 49, 50, 199, 200, 499, 500, np.nan]))
    assert bands.astype(str).tolist() == [
        "small (under 50 units)", "small (under 50 units)", "medium (50-199 units)", "medium (50-199 units)",
        "large (200-499 units)", "large (200-499 units)", "very large (500+ units)", compare.NO_BAND]


def test_goodness_flips_where_higher_is_worse():
    pct = pd.DataFrame({"vacancy_rate": [0.0, 100.0], "share_independent": [0.0, 100.0], "units": [0.0, 100.0]})
    better = compare.goodness(pct, {"vacancy_rate": "higher_worse", "share_independent": "higher_better",
                                    "units": "neutral"})
    assert better["vacancy_rate"].tolist() == [100.0, 0.0]
    assert better["share_independent"].tolist() == [0.0, 100.0]
    assert better["units"].isna().all()


def test_side_by_side_rows_per_centre_and_indicator():
    from agora.analysis.indicators import ID_COLUMNS

    table = pd.DataFrame({"centre_id": ["a", "b", "c"], "name": ["A", "B", "C"], "level": "workspace",
                          "size_band": "small (under 50 units)", "data_date": None, "sources": "workspace",
                          "units": [10.0, 20.0, 30.0], "vacancy_rate": [0.1, np.nan, 0.3]})
    assert set(ID_COLUMNS) <= set(table.columns)
    long = compare.side_by_side(table, ["c", "a"], ["units", "vacancy_rate"])
    assert long["centre_id"].tolist() == ["c", "c", "a", "a"]
    c_vac = long[(long["centre_id"] == "c") & (long["indicator"] == "vacancy_rate")].iloc[0]
    assert c_vac["shown"] == "30.0%" and c_vac["better_than"] == 0 and c_vac["percentile"] == 100


def test_classify_into_map_classes():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan])
    classes, labels = compare.classify(values, scheme="quantiles", k=3)
    assert len(labels) == 3
    assert classes.isna().tolist() == [False] * 6 + [True]
    assert classes.dropna().is_monotonic_increasing and classes.iloc[0] == 0 and classes.iloc[5] == 2
    same, one = compare.classify(pd.Series([2.0, 2.0]), k=5)
    assert one == ["2"] and same.tolist() == [0, 0]
    with pytest.raises(ValueError):
        compare.classify(values, scheme="nope")


def test_similar_by_brands_wraps_the_similarity_module():
    units = pd.DataFrame({
        "centre_id": ["a", "a", "b", "b", "c", "c"],
        "name": ["Greggs", "Boots", "Greggs", "Boots", "Greggs", "Jo's"],
        "ownership": ["chain", "chain", "chain", "chain", "chain", "independent"],
        "status": "occupied",
        "category": ["baker", "pharmacy", "baker", "pharmacy", "baker", "cafe"],
    })
    near = compare.similar_by_brands(units, "a", k=2)
    assert near["centre_id"].tolist() == ["b", "c"]
    assert near["brand_jaccard"].tolist() == [1.0, 0.5]
    assert compare.similar_by_brands(units, "nowhere").empty
