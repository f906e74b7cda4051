"""Community assets: registers and lists loaded, counts and density, 400 m coverage, expiring listings."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from agora.analysis import assets as analysis
from agora.loaders import load_assets, load_centres, load_units

# A 1 km square centre in British National Grid, three units inside, one outside.
CENTRE = gpd.GeoDataFrame({"centre_id": ["sq"], "name": ["Square Town"]},
                          geometry=[shapely.box(400000, 300000, 401000, 301000)], crs="EPSG:27700")
UNIT_XY = [(400100, 300100), (400500, 300500), (400900, 300900), (402000, 302000)]
ASSET_ROWS = [  # name, type, easting, northing
    ("Square Library", "Library", 400100, 300400),   # 300 m from unit 1, 412 m from unit 2
    ("Red Lion", "Public house", 401200, 300900),    # outside the centre, 300 m from unit 3
    ("St Mary", "Church", 400600, 300600),
]


@pytest.fixture
def centres():
    return load_centres(CENTRE, filename="centre.gpkg").data


@pytest.fixture
def units(centres):
    table = pd.DataFrame({"name": [f"Shop {i}" for i in range(4)], "shop": ["bakery"] * 4,
                          "easting": [x for x, _ in UNIT_XY], "northing": [y for _, y in UNIT_XY]})
    return load_units(table, filename="units.csv", centres=centres).data


@pytest.fixture
def assets(centres):
    table = pd.DataFrame(ASSET_ROWS, columns=["name", "type", "easting", "northing"])
    return load_assets(table, filename="assets.csv", centres=centres).data


def test_categories_from_register_words(assets):
    assert assets["category"].tolist() == ["library", "pub", "place_of_worship"]


def test_counts_and_density(assets, centres):
    table = analysis.counts(assets, centres).set_index(["centre", "category"])
    assert table.loc[("Square Town", "library"), "count"] == 1
    assert table.loc[("Square Town", "pub"), "count"] == 0  # the pub is outside the boundary
    assert table.loc[("(outside centres)", "pub"), "count"] == 1
    assert table.loc[("Square Town", "library"), "area_km2"] == pytest.approx(1.0, rel=1e-4)
    assert table.loc[("Square Town", "place_of_worship"), "per_km2"] == pytest.approx(1.0, rel=1e-4)
    assert pd.isna(table.loc[("(outside centres)", "pub"), "per_km2"])


def test_coverage_matches_distances_measured_by_hand(units, assets, centres):
    table = analysis.coverage(units, assets, centres).set_index(["centre", "category"])
    inside = np.array(UNIT_XY[:3], dtype=float)
    for name, kind, x, y in ASSET_ROWS:
        category = {"Library": "library", "Public house": "pub", "Church": "place_of_worship"}[kind]
        expected = (np.hypot(inside[:, 0] - x, inside[:, 1] - y) <= 400).mean()
        assert table.loc[("Square Town", category), "coverage"] == pytest.approx(expected)
    assert table.loc[("Square Town", "library"), "coverage"] == pytest.approx(1 / 3)
    assert table.loc[("Square Town", "pub"), "coverage"] == pytest.approx(1 / 3)  # an asset outside still serves
    assert table.loc[("Square Town", "library"), "units"] == 3


def test_nearest_distances_in_metres(units, assets):
    dist = analysis.nearest_distances(units, assets)
    assert dist.loc[0, "library"] == pytest.approx(300, abs=0.5)
    assert dist.loc[1, "library"] == pytest.approx(np.hypot(400, 100), abs=0.5)


def test_summary_has_one_row_per_centre_and_category(units, assets, centres):
    table = analysis.summary(assets, centres, units)
    assert {"centre", "category", "count", "per_km2", "coverage_400m"} <= set(table.columns)
    assert not table.duplicated(["centre", "category"]).any()
    no_units = analysis.summary(assets, centres)
    assert no_units["coverage_400m"].isna().all()


ACV = b"""Asset name,Description,Address,Nominating group,Nomination date,Decision,Decision date,Expiry date,Easting,Northing
The Red Lion,Village pub,1 High St,Friends of the Red Lion,01/02/2021,Listed,15/06/2021,15/06/2026,400000,300000
Old Library,Former library,Main St,Library group,2021-01-10,Successful,2021-03-01,2027-03-01,400100,300100
St Mary Hall,Church hall,Church Lane,Parish council,2022-05-01,Not listed,2022-06-20,,400200,300200
The Plough,Pub,2 High St,Plough Action Group,2025-11-01,Pending,,,400300,300300
The Bell,Inn,3 High St,Bell Friends,2020-01-01,Listed - expired,2020-03-01,2025-03-01,400400,300400
"""


def test_acv_register_fields():
    result = load_assets(ACV, filename="acv_register.csv")
    data = result.data.set_index("name")
    assert data["acv_status"].to_dict() == {"The Red Lion": "listed", "Old Library": "listed",
                                            "St Mary Hall": "unsuccessful", "The Plough": "nominated",
                                            "The Bell": "none"}
    assert data.loc["The Red Lion", "nominated_by"] == "Friends of the Red Lion"
    assert data.loc["The Red Lion", "listed_on"] == pd.Timestamp("2021-06-15")  # decision date of a listing
    assert data.loc["The Red Lion", "expires_on"] == pd.Timestamp("2026-06-15")
    assert pd.isna(data.loc["St Mary Hall", "listed_on"])  # not listed: no listing date
    assert data.loc["The Red Lion", "nominated_on"].startswith("2021-02-01")
    assert data.loc["Old Library", "address"] == "Main St"
    assert data["category"].to_dict() == {"The Red Lion": "pub", "Old Library": "library",
                                          "St Mary Hall": "community_centre", "The Plough": "pub",
                                          "The Bell": "pub"}


def test_expiring_within_twelve_months():
    data = load_assets(ACV, filename="acv_register.csv").data
    soon = analysis.expiring(data, as_of="2026-01-01")
    assert soon["name"].tolist() == ["The Red Lion"]
    assert soon["days_left"].iloc[0] == (pd.Timestamp("2026-06-15") - pd.Timestamp("2026-01-01")).days
    assert analysis.expiring(data, as_of="2026-07-01")["name"].tolist() == ["Old Library"]


def test_register_of_listed_assets_without_a_decision_column():
    table = pd.DataFrame({"name": ["A", "B"], "listing_date": ["2022-01-01", None], "expiry_date": ["2027-01-01", None],
                          "lat": [51.5, 51.51], "lon": [-0.1, -0.11]})
    data = load_assets(table, filename="acv.csv").data
    assert data["acv_status"].tolist() == ["listed", "none"]


def test_osm_amenities_map_to_asset_categories():
    tags = ["community_centre", "library", "place_of_worship", "marketplace", "toilets", "post_office", "pharmacy",
            "doctors", "pub", "cafe"]
    elements = [{"type": "node", "id": i, "lat": 53.74 + i / 1e4, "lon": -2.01, "tags": {"amenity": t, "name": t}}
                for i, t in enumerate(tags)]
    elements.append({"type": "way", "id": 99, "center": {"lat": 53.75, "lon": -2.0},
                     "tags": {"leisure": "park", "name": "Calder Holmes Park"}})
    data = load_assets(json.dumps({"elements": elements}).encode(), filename="amenities.json").data
    assert data["category"].tolist() == ["community_centre", "library", "place_of_worship", "market", "toilets",
                                         "post_office", "health", "health", "pub", "other", "green_space"]


# --------------------------------------------------------------------------- real data
def test_england_libraries(realdata):
    result = load_assets(realdata / "community_assets" / "england_public_libraries.csv")
    data = result.data
    assert len(data) == 2953 and result.report.rows_rejected == 0
    assert set(data["category"]) == {"library"}
    assert data["source_category"].value_counts().to_dict() == {"LAL": 2069, "CRL": 438, "CL": 364, "ICL": 48,
                                                                 "LAL-": 34}
    assert result.report.crs == "EPSG:27700"
    minx, miny, maxx, maxy = data.total_bounds
    assert -6.5 < minx and maxx < 2 and 49.8 < miny and maxy < 56  # England, in degrees


def test_camden_cultural_infrastructure(realdata):
    path = realdata / "community_assets" / "camden_cultural_infrastructure.csv"
    raw = pd.read_csv(path)["Cultural Venue Type"].value_counts()
    data = load_assets(path).data
    counts = data["category"].value_counts()
    assert len(data) == 916
    assert counts["pub"] == raw["Pubs"] == 270
    assert counts["community_centre"] == raw["Community centres"] == 110
    assert counts["library"] == raw["Libraries"] == 12
    assert counts["other"] == 916 - 270 - 110 - 12


def test_camden_toilets(realdata):
    result = load_assets(realdata / "community_assets" / "camden_public_conveniences.csv")
    assert len(result.data) == 53 and set(result.data["category"]) == {"toilets"}
    assert any("file name" in n for n in result.report.notes)


def test_library_coverage_of_hebden_bridge(realdata):
    units = load_units(realdata / "hebden_bridge_places" / "hebden-places.csv").data
    libraries = load_assets(realdata / "community_assets" / "england_public_libraries.csv").data
    table = analysis.coverage(units, libraries)
    dist = analysis.nearest_distances(units, libraries)["library"]
    row = table.iloc[0]
    assert row["units"] == 215 and row["coverage"] == pytest.approx((dist <= 400).mean())
    assert 0.5 < row["coverage"] <= 1  # Hebden Bridge library is in the town centre
