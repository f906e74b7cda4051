"""``python -m agora assets``: one object per centre and category, on fixtures and real lists."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli import agora
from test_assets import ACV, ASSET_ROWS, CENTRE, UNIT_XY




@pytest.fixture
def files(tmp_path):
    CENTRE.to_file(tmp_path / "centres.gpkg")
    pd.DataFrame(ASSET_ROWS, columns=["name", "type", "easting", "northing"]).to_csv(tmp_path / "assets.csv", index=False)
    pd.DataFrame({"name": [f"Shop {i}" for i in range(4)], "easting": [x for x, _ in UNIT_XY],
                  "northing": [y for _, y in UNIT_XY]}).to_csv(tmp_path / "units.csv", index=False)
    return tmp_path


def test_json_with_centres_and_units(files):
    done = agora("assets", str(files / "assets.csv"), "--centres", str(files / "centres.gpkg"),
                 "--units", str(files / "units.csv"), "--json")
    assert done.returncode == 0, done.stderr
    rows = {(r["centre"], r["category"]): r for r in json.loads(done.stdout)}
    lib = rows[("Square Town", "library")]
    assert lib["count"] == 1 and lib["coverage_400m"] == round(1 / 3, 4) and lib["units"] == 3
    assert lib["per_km2"] == pytest.approx(1.0, rel=1e-3)
    assert rows[("Square Town", "pub")]["count"] == 0 and rows[("(outside centres)", "pub")]["count"] == 1


def test_without_centres_the_file_is_one_area(files):
    done = agora("assets", str(files / "assets.csv"), "--json")
    rows = json.loads(done.stdout)
    assert {r["centre"] for r in rows} == {"assets"}
    assert all(r["coverage_400m"] is None for r in rows)
    assert sum(r["count"] for r in rows) == 3


def test_text_lists_expiring_listings(tmp_path):
    (tmp_path / "acv.csv").write_bytes(ACV)
    done = agora("assets", str(tmp_path / "acv.csv"), "--as-of", "2026-01-01")
    assert done.returncode == 0, done.stderr
    assert "listings expiring within 12 months: 1" in done.stdout and "The Red Lion" in done.stdout
    missing = agora("assets", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "none.csv" in missing.stderr and "Traceback" not in missing.stderr


def test_real_lists(realdata):
    done = agora("assets", str(realdata / "community_assets" / "england_public_libraries.csv"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"centre": "england_public_libraries", "centre_id": None,
                                        "category": "library", "count": 2953, "area_km2": None, "per_km2": None,
                                        "units": None, "coverage_400m": None}]
    done = agora("assets", str(realdata / "community_assets" / "camden_cultural_infrastructure.csv"), "--json")
    counts = {r["category"]: r["count"] for r in json.loads(done.stdout)}
    assert counts == {"library": 12, "community_centre": 110, "pub": 270, "other": 524}


def test_real_library_coverage_with_units(realdata, tmp_path):
    done = agora("assets", str(realdata / "community_assets" / "england_public_libraries.csv"),
                 "--units", str(realdata / "hebden_bridge_places" / "hebden-places.geojson"), "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert row["units"] == 215 and 0.5 < row["coverage_400m"] <= 1
