"""Centres found in a shop extract: demo towns come back as themselves; CDRC boundaries are matched."""

from __future__ import annotations

import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from agora.loaders import LoadError
from agora.loaders.centres_check import overlap, units_inside
from agora.loaders.centres_found import assign_found, centres_result, clusters, find_centres
from conftest import PROJECT

sys.path.insert(0, str(PROJECT / "bench"))


def test_single_linkage_joins_chains_and_splits_gaps():
    xy = np.array([[0, 0], [100, 0], [200, 0], [500, 0], [600, 0]], dtype=float)
    assert clusters(xy, 150).tolist() == [0, 0, 0, 1, 1]
    assert len(set(clusters(xy, 50))) == 5


def test_demo_towns_come_back_as_themselves():
    units = gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet")
    found = find_centres(units)
    assert len(found.centres) == units["centre_id"].nunique()
    table = pd.crosstab(units["centre_id"], found.labels.fillna("(none)"))
    assert "(none)" not in table.columns
    assert (table.gt(0).sum(axis=1) == 1).all() and (table.gt(0).sum(axis=0) == 1).all()
    summary = found.summary()
    assert {"name", "units", "area_km2"} <= summary[0].keys()
    assert sum(c["units"] for c in summary) == units["unit_id"].nunique()
    assert summary[0]["name"] == "High Street"  # the most common street of the largest town


def test_small_groups_stay_outside_and_no_centre_is_a_clear_error():
    pts = gpd.GeoDataFrame({"unit_id": ["a", "b", "c"], "street": ["X Road"] * 3},
                           geometry=gpd.points_from_xy([-1.5, -1.5001, -1.5002], [53.8] * 3), crs="EPSG:4326")
    found = find_centres(pts)
    assert found.centres.empty and found.labels.isna().all()
    with pytest.raises(LoadError, match="shops.csv: no centre found"):
        centres_result(found, "shops.csv")


def test_assign_found_fills_only_units_without_a_centre():
    from agora.loaders import load_units

    units = gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet")
    result = load_units(units.drop(columns=["centre_id"]).assign(lat=units.geometry.y, lon=units.geometry.x)
                        .drop(columns="geometry").pipe(pd.DataFrame), filename="units.csv")
    found = find_centres(result.data)
    assigned = assign_found(result, found).data
    assert assigned["centre_id"].notna().all()
    assert assigned["centre_id"].nunique() == 6


def test_cdrc_boundaries_leeds_and_liverpool(realdata):
    from bench_centres_found import cdrc_cases

    for label, (boundaries, counts) in cdrc_cases(realdata).items():
        units = units_inside(boundaries, counts, seed=0)
        found = find_centres(units)
        fig = overlap(units["true_centre"].astype(str), found.labels)
        assert fig["same_centre"] > (0.98 if "Liverpool" in label else 0.9), (label, fig)


def test_norwich_osm_extract_is_many_centres_not_one(realdata):
    from agora.loaders import load_units

    shops = load_units(realdata / "osm_norwich" / "norwich_shop.geojson").data
    found = find_centres(shops)
    assert 5 <= len(found.centres) <= 60
    assert found.centres["units"].iloc[0] > 300  # the city centre
    assert found.centres["area_km2"].iloc[0] < 5
