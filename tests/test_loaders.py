"""Loaders: every format, the column aliases, coordinates, and bad input."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from agora.layers import LAYERS
from agora.loaders import LoadError, load, load_assets, load_centres, load_units, read_source

# Three units on Hebden-like streets, in degrees.
UNITS = pd.DataFrame({
    "name": ["Bridge Bakery", "Empty (was Shoe shop)", "Vodafone"],
    "shop": ["bakery", "vacant", "mobile_phone"],
    "latitude": [53.7414, 53.7415, 53.7416],
    "longitude": [-2.0150, -2.0152, -2.0154],
})


def square(x: float, y: float, d: float = 0.01) -> shapely.Polygon:
    return shapely.box(x - d, y - d, x + d, y + d)


@pytest.fixture
def centres() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"centre_id": ["hb"], "name": ["Hebden"]}, geometry=[square(-2.015, 53.7415)], crs=4326)


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return df.to_csv(index=False).encode(encoding)


def test_csv_lat_lon_aliases_and_canonical_columns():
    result = load(csv_bytes(UNITS), "units", filename="survey.csv")
    gdf, report = result.data, result.report
    assert list(gdf.columns[: len(LAYERS["units"].columns)]) == list(LAYERS["units"].columns)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 3
    assert report.columns["latitude"] == "lat" and report.columns["shop"] == "source_category"
    assert gdf.loc[1, "status"] == "vacant" and gdf.loc[0, "status"] == "occupied"
    assert gdf.geometry.x.round(4).tolist() == [-2.015, -2.0152, -2.0154]


def test_swapped_lat_lon_detected_and_fixed():
    swapped = UNITS.rename(columns={"latitude": "lon", "longitude": "lat"})
    result = load(csv_bytes(swapped), "units", filename="swapped.csv")
    assert result.report.swapped_lat_lon is True
    assert result.data.geometry.y.between(53, 54).all()


def test_a_single_row_given_the_wrong_way_round_is_swapped_and_named():
    rows = UNITS.assign(latitude=UNITS["latitude"].astype(object), longitude=UNITS["longitude"].astype(object))
    rows.loc[2, ["latitude", "longitude"]] = [UNITS.loc[2, "longitude"], UNITS.loc[2, "latitude"]]  # file row 4
    result = load(csv_bytes(rows), "units", filename="one-swapped.csv")
    assert result.report.swapped_lat_lon is False and len(result.data) == 3
    assert result.data.geometry.y.between(53, 54).all() and result.data.geometry.x.between(-3, -1).all()
    assert any("wrong way round in row 4 " in n for n in result.report.notes), result.report.notes
    # a file abroad is left as it is (Melbourne: latitude -37.8, longitude 145.0)
    abroad = pd.DataFrame({"name": ["Flinders St", "Swanston St"], "lat": [-37.818, -37.811], "lon": [144.967, 144.964]})
    result = load(csv_bytes(abroad), "units", filename="melbourne.csv")
    assert result.data.geometry.y.round(3).tolist() == [-37.818, -37.811]
    assert not any("wrong way round" in n for n in result.report.notes)


def test_british_national_grid_converted():
    df = pd.DataFrame({"name": ["Town Hall library"], "easting": [399000], "northing": [426500]})
    result = load_assets(csv_bytes(df), filename="libs.csv")
    assert result.report.crs == "EPSG:27700"
    point = result.data.geometry.iloc[0]
    assert -2.1 < point.x < -1.9 and 53.6 < point.y < 53.8
    # BNG metres in columns called X and Y are recognised too.
    xy = df.rename(columns={"easting": "X", "northing": "Y"})
    assert load_assets(csv_bytes(xy), filename="xy.csv").report.crs == "EPSG:27700"


def test_latin1_text_is_read():
    df = UNITS.assign(name=["Café Crème", "Empty", "Señor Pizza"])
    result = load_units(csv_bytes(df, "latin-1"), filename="latin.csv")
    assert result.data["name"].tolist()[0] == "Café Crème"
    assert any("cp1252" in n or "latin" in n for n in result.report.notes)


def test_bad_rows_rejected_with_row_number_and_good_rows_kept():
    df = pd.DataFrame({
        "name": ["ok", "no coords", "outside", "text", "null island"],
        "lat": ["53.74", "", "95.0", "north", "0"],
        "lon": ["-2.01", "", "-2.0", "-2.0", "0"],
    })
    result = load_units(csv_bytes(df), filename="bad.csv")
    assert len(result.data) == 1
    rejected = {r["row"]: r["reason"] for r in result.report.to_dict()["rejected"]}
    assert set(rejected) == {3, 4, 5, 6}  # file rows: header is row 1
    assert "outside the Earth" in rejected[4]
    assert "no coordinates" in rejected[5]
    assert result.report.rows_read == 5 and result.report.rows_kept == 1


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty"),
        (b"name,lat,lon\n", "no data rows"),
        (b"name,shop\nA,bakery\n", "no usable coordinates"),
        (b"name,lat,lon\nA,,\nB,x,y\n", "no usable coordinates"),
    ],
)
def test_whole_file_problems_give_one_clear_message(content, problem):
    with pytest.raises(LoadError) as err:
        load_units(content, filename="broken.csv")
    assert str(err.value).startswith("broken.csv:") and problem in str(err.value)


def test_file_over_the_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("AGORA_MAX_UPLOAD_MB", "0.001")
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(pd.concat([UNITS] * 50)))
    with pytest.raises(LoadError, match="big.csv: the file is .* over the limit"):
        load_units(path)


def test_unsupported_extension():
    with pytest.raises(LoadError, match="unsupported file type .docx"):
        read_source(b"hello", "notes.docx")


def test_excel(tmp_path):
    path = tmp_path / "survey.xlsx"
    UNITS.to_excel(path, index=False)
    result = load_units(path)
    assert len(result.data) == 3 and result.data["name"].iloc[2] == "Vodafone"


def gdf_units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(UNITS.drop(columns=["latitude", "longitude"]),
                            geometry=gpd.points_from_xy(UNITS.longitude, UNITS.latitude), crs=4326)


@pytest.mark.parametrize("ext", ["geojson", "gpkg", "parquet"])
def test_vector_formats(tmp_path, ext):
    path = tmp_path / f"units.{ext}"
    if ext == "parquet":
        gdf_units().to_parquet(path)
    else:
        gdf_units().to_file(path)
    result = load_units(path)
    assert len(result.data) == 3 and result.data.crs.to_epsg() == 4326


def test_geopackage_in_british_national_grid(tmp_path):
    path = tmp_path / "centres.gpkg"
    gpd.GeoDataFrame({"RC_ID": ["A"], "RC_Name": ["Town"]}, geometry=[shapely.box(399000, 426000, 400000, 427000)],
                     crs=27700).to_file(path)
    result = load_centres(path)
    assert result.report.crs == "EPSG:27700"
    assert result.data["centre_id"].iloc[0] == "A" and result.data["name"].iloc[0] == "Town"
    assert result.data.crs.to_epsg() == 4326 and result.data.geometry.iloc[0].bounds[1] > 53


def zipped(tmp_path, names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i, stem in enumerate(names):
            folder = tmp_path / f"shp{i}"
            folder.mkdir()
            gdf_units().to_file(folder / f"{stem}.shp")
            for part in folder.iterdir():
                zf.write(part, part.name)
    return buf.getvalue()


def test_zipped_shapefile(tmp_path):
    result = load_units(zipped(tmp_path, ["units"]), filename="units.zip")
    assert len(result.data) == 3


def test_zip_with_two_shapefiles_refused(tmp_path):
    with pytest.raises(LoadError, match="units.zip: a zip must hold exactly one shapefile.*2 shapefiles"):
        load_units(zipped(tmp_path, ["a", "b"]), filename="units.zip")


def test_zip_without_shapefile_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "nothing")
    with pytest.raises(LoadError, match="no shapefile"):
        load_units(buf.getvalue(), filename="empty.zip")


def test_overpass_json():
    doc = {"elements": [
        {"type": "node", "id": 1, "lat": 53.74, "lon": -2.01, "tags": {"shop": "bakery", "name": "Crumbs"}},
        {"type": "node", "id": 2, "lat": 53.75, "lon": -2.02},  # an untagged way vertex
        {"type": "way", "id": 3, "center": {"lat": 53.741, "lon": -2.011},
         "tags": {"amenity": "cafe", "name": "Mug", "brand": "Costa", "brand:wikidata": "Q608845"}},
    ]}
    result = load_units(json.dumps(doc).encode(), filename="overpass.json")
    assert result.data["name"].tolist() == ["Crumbs", "Mug"]
    assert result.data["brand_wikidata"].tolist()[1] == "Q608845"


def test_invalid_geometry_repaired_and_missing_geometry_rejected():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Bow"}, "geometry": shapely.geometry.mapping(bowtie)},
        {"type": "Feature", "properties": {"name": "Nothing"}, "geometry": None},
    ]}
    result = load_centres(json.dumps(doc).encode(), filename="c.geojson")
    assert len(result.data) == 1 and result.data.geometry.iloc[0].is_valid
    assert result.report.rejected == [{"row": 2, "reason": "no geometry"}]


def test_units_assigned_to_centres_and_outside_reported(centres):
    df = pd.concat([UNITS, pd.DataFrame({"name": ["Far away"], "shop": ["bakery"], "latitude": [51.5],
                                         "longitude": [-0.1]})])
    result = load_units(csv_bytes(df), filename="u.csv", centres=centres)
    assert result.data["centre_id"].tolist()[:3] == ["hb"] * 3
    assert pd.isna(result.data["centre_id"].iloc[3])
    assert result.report.outside_centres == 1


def test_user_column_map_and_defaults():
    df = pd.DataFrame({"Premises": ["Hall"], "Kind": ["village hall"], "N": [53.74], "E": [-2.01]})
    result = load_assets(csv_bytes(df), filename="a.csv",
                         column_map={"Premises": "name", "Kind": "source_category", "N": "lat", "E": "lon"})
    assert result.data["category"].iloc[0] == "community_centre"
    result = load_assets(csv_bytes(df.drop(columns="Kind")), filename="a.csv",
                         column_map={"Premises": "name", "N": "lat", "E": "lon"}, defaults={"category": "toilets"})
    assert result.data["category"].iloc[0] == "toilets"


def test_malicious_name_kept_as_text():
    df = UNITS.assign(name=["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "ok"])
    result = load_units(csv_bytes(df), filename="x.csv")
    assert result.data["name"].iloc[0] == "<script>alert(1)</script>"


def test_footfall_counts_long_form():
    df = pd.DataFrame({"Date": ["01/02/2024", "01/02/2024", "02/02/2024"], "Hour": [9, 10, 9],
                       "LocationName": ["A", "A", "A"], "InCount": [10, -1, 12]})
    result = load(csv_bytes(df), "footfall", filename="counts.csv")
    data = result.data
    assert data["timestamp"].tolist()[1] == pd.Timestamp("2024-02-01 10:00")  # day first
    assert pd.isna(data["count"].iloc[1])  # -1 is missing, never zero
    assert data["interval"].iloc[0] == "hour" and data["direction"].iloc[0] == "in"


# Real files ---------------------------------------------------------------------------------


def test_real_hebden_bridge_survey(realdata):
    result = load_units(realdata / "hebden_bridge_places" / "hebden-places.csv")
    data, report = result.data, result.report
    assert report.rows_read == 215 and report.rows_kept == 215
    assert report.swapped_lat_lon is True
    bounds = data.total_bounds
    assert -2.0277 <= bounds[0] and bounds[2] <= -2.0085 and 53.7376 <= bounds[1] and bounds[3] <= 53.7459
    comments = pd.read_csv(realdata / "hebden_bridge_places" / "hebden-places.csv")["comments"].fillna("")
    assert (data["status"] == "vacant").sum() == comments.str.match(r"(?i)empty").sum() == 14
    assert (data["status"] == "unknown").sum() == comments.str.startswith("???").sum() == 9
    streets = data["street"].value_counts()
    assert streets["Market Street"] == 45 and streets["Bridge Gate"] == 29


def test_real_england_libraries(realdata):
    result = load_assets(realdata / "community_assets" / "england_public_libraries.csv")
    assert result.report.rows_kept == 2953 and result.report.crs == "EPSG:27700"
    assert (result.data["category"] == "library").all()
    assert result.data.geometry.y.between(49.8, 55.9).all() and result.data.geometry.x.between(-6.5, 1.8).all()


def test_real_liverpool_geopackage(realdata):
    result = load_centres(realdata / "cdrc_retail_centres" / "liverpool_city_region_retail_centres_2018.gpkg")
    assert len(result.data) == 20 and result.report.crs == "EPSG:27700"
    assert "RC_EW_2751" in set(result.data["centre_id"])
    assert set(result.data.geometry.geom_type) <= {"Polygon", "MultiPolygon"}


def test_real_isle_of_man_osm(realdata):
    result = load_units(realdata / "osm_isle_of_man" / "shops.geojson")
    assert result.report.rows_kept == 707
    assert (result.data.geometry.geom_type == "Point").all()  # way outlines reduced to points
    assert result.data["brand_wikidata"].notna().sum() == 110
    assert (result.data["status"] == "vacant").sum() >= 25


def test_real_leeds_camera_locations(realdata):
    result = load(realdata / "leeds_footfall" / "leeds_camera_locations.csv", "footfall-sites")
    assert len(result.data) == 8 and "Briggate" in set(result.data["site_id"])
    assert result.data.geometry.y.between(53.79, 53.80).all()


def test_csv_with_an_excel_name():
    with pytest.raises(LoadError, match=r"survey.xlsx: not an Excel workbook"):
        load_units(b"name,lat,lon\nA,53.7,-2.0\n", filename="survey.xlsx")


def test_values_outside_a_layers_choices_are_mapped_or_rejected():
    counts = pd.DataFrame({"site": ["A"] * 3, "date": ["2024-01-01"] * 3, "hour": [9, 10, 11],
                           "direction": ["IN", "Out", "sideways"], "count": [5, 6, 7]})
    result = load(csv_bytes(counts), "footfall", filename="d.csv")
    assert result.data["direction"].tolist() == ["in", "out"]
    assert result.report.rejected == [{"row": 4, "reason": "direction 'sideways' is not one of in, out, total"}]
    units = UNITS.assign(ownership=["Independent (local)", "Symbol group (Spar)", "National chain"])
    result = load_units(csv_bytes(units), filename="u.csv")
    assert result.data["ownership"].tolist() == ["independent", "symbol_group", "chain"]
    assert (result.data["ownership_source"] == "surveyed").all()
