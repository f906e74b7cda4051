"""Every loader's output and every saved layer conforms to its layer's schema (pandera)."""

from __future__ import annotations

import pandas as pd
import pytest

from agora.layers import LAYERS, check, conform, get_layer
from agora.loaders import load

REAL_FILES = [
    ("hebden_bridge_places/hebden-places.csv", "units"),
    ("osm_isle_of_man/shops.geojson", "units"),
    ("osm_isle_of_man/food-and-drink.geojson", "units"),
    ("osm_norwich/norwich_shop.geojson", "units"),
    ("leeds_footfall/leeds_footfall_hourly_2016.csv", "footfall"),
    ("leeds_footfall/leeds_footfall_daily_2009_2016.csv", "footfall"),
    ("melbourne_pedestrian/hourly_counts_2019_01_wide.csv", "footfall"),
    ("melbourne_pedestrian/hourly_counts_2019_01_long.csv", "footfall"),
    ("leeds_footfall/leeds_camera_locations.csv", "footfall-sites"),
    ("melbourne_pedestrian/sensor_locations.csv", "footfall-sites"),
    ("community_assets/england_public_libraries.csv", "assets"),
    ("community_assets/camden_cultural_infrastructure.csv", "assets"),
    ("community_assets/camden_public_conveniences.csv", "assets"),
    ("cdrc_retail_centres/leeds_retail_centres_2022.geojson", "centres"),
    ("cdrc_retail_centres/liverpool_city_region_retail_centres_2018.gpkg", "centres"),
]


def test_demo_layers_conform(workspace):
    for name, layer in LAYERS.items():
        assert check(workspace.read(name), layer) == [], name


@pytest.mark.parametrize("path, layer", REAL_FILES, ids=[p for p, _ in REAL_FILES])
def test_real_files_load_to_conforming_layers(realdata, path, layer):
    result = load(realdata / path, layer)
    assert check(result.data, get_layer(layer)) == []
    if layer != "footfall":  # (a wide counts file becomes many rows)
        assert result.report.rows_kept + result.report.rows_rejected == result.report.rows_read  # nothing lost


def test_check_names_what_is_wrong():
    assert any("column_in_dataframe" in p for p in check(pd.DataFrame({"unit_id": ["a"]}), LAYERS["units"]))
    bad = conform(pd.DataFrame({"unit_id": ["a", None], "status": ["open", "vacant"]}), LAYERS["units"])
    problems = check(bad, LAYERS["units"])
    assert any(p.startswith("status: isin") and "'open'" in p for p in problems)
    assert any(p.startswith("unit_id") for p in problems)
