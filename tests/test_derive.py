"""Centres drawn around their units."""

from __future__ import annotations

import geopandas as gpd
import pytest

from agora.loaders import load_units
from agora.loaders.derive import centre_around


def test_centre_around_the_hebden_bridge_survey(realdata):
    units = load_units(realdata / "hebden_bridge_places" / "hebden-places.csv").data
    result = centre_around(units, "Hebden Bridge", taken={"hebden-bridge"})
    centre = result.data.iloc[0]
    assert centre["centre_id"] == "hebden-bridge-2" and centre["name"] == "Hebden Bridge"
    assert units.within(centre.geometry).all()
    area_ha = gpd.GeoSeries([centre.geometry], crs=4326).to_crs(27700).area.iloc[0] / 1e4
    convex_ha = gpd.GeoSeries([units.union_all().convex_hull], crs=4326).to_crs(27700).area.iloc[0] / 1e4
    assert 5 < area_ha < convex_ha + 15  # follows the streets: about the size of the survey's convex hull


def test_centre_around_nothing_is_refused():
    with pytest.raises(ValueError, match="no positions"):
        centre_around(gpd.GeoDataFrame(geometry=[], crs=4326), "Nowhere")
