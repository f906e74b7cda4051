"""Smaller loader gaps: aliases, land-use classes, bare shapefiles, surveys without positions, layer guesses."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from agora.loaders import LoadError, load_units, read_source
from agora.loaders.guess import guess, rows_unusual


def test_rates_aliases():
    table = pd.DataFrame({"rates_code": ["A1", "A2"], "period": ["2019-03-31", "2019-06-30"],
                          "address_street": ["High St", "Bridge Lane"], "description": ["Shop", "Cafe"],
                          "lat": [53.74, 53.741], "lon": [-2.01, -2.011]})
    result = load_units(table, filename="rates.csv")
    assert result.data["unit_id"].tolist() == ["A1", "A2"]
    assert result.data["street"].tolist() == ["High St", "Bridge Lane"]
    assert result.data["observed_on"].dt.month.tolist() == [3, 6]
    table = table.rename(columns={"rates_code": "location_code"})
    assert load_units(table, filename="r.csv").data["unit_id"].tolist() == ["A1", "A2"]


def test_broad_land_use_category_is_not_the_kind_of_shop():
    table = pd.DataFrame({"name": ["Greggs", "Acme Ltd", "Works"], "category": ["Retail", "Office", "Industrial"],
                          "lat": [53.74, 53.741, 53.742], "lon": [-2.01, -2.011, -2.012]})
    result = load_units(table, filename="rates.csv")
    assert result.data["category"].isna().all()
    assert result.data["land_use"].tolist() == ["Retail", "Office", "Industrial"]
    assert any("broad land-use classes" in n for n in result.report.notes)


def test_a_real_category_column_is_still_used():
    table = pd.DataFrame({"name": ["A", "B"], "category": ["cafe", "butcher"], "lat": [53.74, 53.741],
                          "lon": [-2.01, -2.011]})
    assert load_units(table, filename="s.csv").data["category"].tolist() == ["cafe", "butcher"]


def test_bare_shapefile_with_its_siblings(tmp_path):
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"name": ["A", "B"], "shop": ["bakery", "books"]},
                           geometry=gpd.points_from_xy([-2.01, -2.011], [53.74, 53.741]), crs="EPSG:4326")
    gdf.to_file(tmp_path / "shops.shp")
    result = load_units(tmp_path / "shops.shp")
    assert result.data["category"].tolist() == ["baker", "books_stationery"]
    (tmp_path / "shops.dbf").unlink()
    with pytest.raises(LoadError, match=r"shops.shp: the shapefile has no .dbf file beside it"):
        read_source(tmp_path / "shops.shp")
    with pytest.raises(LoadError, match="put them in one zip"):
        read_source(b"xx", "shops.shp")


def test_survey_without_coordinates_loads_for_a_chosen_centre_and_counts_in_vacancy():
    from agora.analysis import vacancy

    table = pd.DataFrame({"address": ["1 High St", "2 High St", "3 High St"], "name": ["Crumbs", "Empty", "Books"],
                          "postcode": ["HX7 8AD", "HX7 8AE", "HX7 8AF"], "use": ["bakery", "vacant", "books"]})
    result = load_units(table, filename="survey.csv", require_geometry=False, defaults={"centre_id": "hebden"})
    data = result.data
    assert data["centre_id"].eq("hebden").all() and data.geometry.isna().all()
    rates = vacancy.by_centre(vacancy.prepare(data, None, unassigned="x"))
    assert int(rates["vacant"].iloc[0]) == 1 and int(rates["units"].iloc[0]) == 3
    lookup = pd.DataFrame({"postcode": ["HX78AD"], "lat": [53.74], "lon": [-2.01]})
    placed = load_units(table, filename="survey.csv", require_geometry=False, defaults={"centre_id": "hebden"},
                        postcodes=lookup).data
    assert placed.geometry.notna().sum() == 1 and len(placed) == 3


def test_layer_guess_says_how_sure_it_is():
    rates = pd.DataFrame({"location_code": ["L1"], "description": ["Shop"], "occupied": ["True"],
                          "lat": [53.7], "lon": [-2.0]})
    g = guess(rates)
    assert g.layer == "units" and not g.sure and "location_code" in g.reason
    sensors = pd.DataFrame({"sensor_id": ["S1"], "sensor_description": ["Briggate"], "lat": [53.8], "lon": [-1.5]})
    assert guess(sensors).layer == "footfall_sites" and guess(sensors).sure
    polygons = pd.DataFrame({"name": ["High Street"], "wkt": [shapely.box(0, 0, 1, 1).wkt]})
    assert guess(polygons).layer == "centres"
    bare = pd.DataFrame({"x1": ["a"], "lat": [53.7], "lon": [-2.0]})
    assert guess(bare).confidence < 0.5
    assert rows_unusual("footfall_sites", 37_067) and rows_unusual("units", 37_067) is None


def test_polygon_csv_is_never_guessed_as_units(realdata):
    import geopandas as gpd

    leeds = gpd.read_file(realdata / "cdrc_retail_centres" / "leeds_retail_centres_2022.geojson")
    csv = pd.DataFrame(leeds.drop(columns="geometry")).assign(WKT=leeds.geometry.to_wkt()).to_csv(index=False)
    table, _ = read_source(csv.encode(), "high_streets.csv")
    assert guess(table).layer == "centres"
