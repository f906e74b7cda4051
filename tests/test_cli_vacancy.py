"""``python -m agora vacancy``: one object per centre and survey date, on fixtures and real surveys."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from cli import agora
from test_vacancy import SURVEYS




def test_json_per_survey_date(tmp_path):
    path = tmp_path / "high-street.csv"
    path.write_text(SURVEYS)
    done = agora("vacancy", str(path), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["date"] for r in rows] == ["2024-03-01", "2025-03-10"]
    first, second = rows
    assert first["centre"] == "high-street"  # no centres given: the file is one area
    assert (first["units"], first["vacant"], first["unknown"], first["vacancy_rate"]) == (6, 3, 1, 0.6)
    assert (second["units"], second["vacant"], second["unknown"]) == (7, 4, 0)
    assert second["vacancy_rate"] == round(4 / 7, 4)
    assert second["long_term_vacant"] == 2


def test_centres_and_units_outside_them(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(SURVEYS)
    # a box around units U1-U3 only
    box = shapely.box(-2.01525, 53.74095, -2.01495, 53.74125)
    centres = gpd.GeoDataFrame({"centre_id": ["hs"], "name": ["High Street"]}, geometry=[box], crs="EPSG:4326")
    centres.to_file(tmp_path / "centres.geojson")
    done = agora("vacancy", str(path), "--centres", str(tmp_path / "centres.geojson"), "--json")
    assert done.returncode == 0, done.stderr
    rows = {(r["centre"], r["date"]): r for r in json.loads(done.stdout)}
    assert rows[("High Street", "2024-03-01")]["units"] == 3
    assert rows[("High Street", "2024-03-01")]["centre_id"] == "hs"
    assert rows[("(outside centres)", "2025-03-10")]["units"] == 4
    assert rows[("(outside centres)", "2025-03-10")]["centre_id"] is None


def test_text_output_and_errors(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEYS)
    done = agora("vacancy", str(path))
    assert done.returncode == 0, done.stderr
    assert "57.1%" in done.stdout and "-2.9 points" in done.stdout
    missing = agora("vacancy", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "nope.csv: no such file" in missing.stderr and "Traceback" not in missing.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    failed = agora("vacancy", str(bad))
    assert failed.returncode == 2 and "bad.csv" in failed.stderr and "Traceback" not in failed.stderr


@pytest.mark.parametrize("path,units,vacant,unknown", [
    ("hebden_bridge_places/hebden-places.csv", 215, 14, 9),
    ("osm_isle_of_man/shops.geojson", 707, 25, 0),
    ("osm_norwich/norwich_shop.geojson", 1322, 31, 0),
])
def test_real_files(realdata, path, units, vacant, unknown):
    done = agora("vacancy", str(realdata / path), "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert (row["units"], row["vacant"], row["unknown"], row["date"]) == (units, vacant, unknown, None)
    assert row["vacancy_rate"] == round(vacant / (units - unknown), 4)
