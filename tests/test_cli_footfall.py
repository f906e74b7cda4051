"""``python -m agora footfall``, run as a user runs it."""

from __future__ import annotations

import json

from cli import agora




def footfall_json(*args: str) -> dict:
    done = agora("footfall", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SPRINGBOARD = """Date,Hour,LocationName,InCount,OutCount,BRC Week,BRC Year
01/02/2023,00:00,High Street,12,10,44,2023
01/02/2023,01:00,High Street,5,4,44,2023
03/02/2023,00:00,High Street,4,3,44,2023
01/02/2023,02:00,High Street,-1,0,44,2023
01/02/2023,00:00,Market Square,7,6,44,2023
01/02/2023,01:00,High Street,6,4,44,2023
"""


def test_json_object_on_an_in_out_feed(tmp_path):
    path = tmp_path / "springboard_2023_02.csv"
    path.write_text(SPRINGBOARD)
    out = footfall_json(str(path))
    assert out["total"] == 12 + 6 + 4 + 7  # in counts; the revised 01:00 row (6) replaces the first (5)
    assert out["duplicate_rows"] == 1 and out["shape"] == "in/out" and out["missing_values"] == 1
    assert out["counts_by_direction"] == {"in": 29, "out": 23}
    sites = {s["site"]: s for s in out["sites"]}
    high = sites["High Street"]
    assert high["first_date"] == "2023-02-01" and high["last_date"] == "2023-02-03"
    assert high["total"] == 22 and high["days_reported"] == 2 and high["missing_days"] == 1
    assert high["busiest_day"] == "2023-02-01" and high["busiest_day_total"] == 18
    assert sites["Market Square"]["missing_days"] == 0


def test_sites_file_adds_names_and_positions(tmp_path):
    counts = tmp_path / "wide.csv"
    counts.write_text("Date,Hour,Town Hall (West),Nowhere\n01/01/2019,0,3025,-1\n01/01/2019,1,100,undefined\n")
    sites = tmp_path / "sensors.csv"
    sites.write_text("sensor_id,sensor_description,latitude,longitude\n4,Town Hall (West),-37.8149,144.9661\n")
    out = footfall_json(str(counts), "--sites", str(sites))
    by_site = {s["site"]: s for s in out["sites"]}
    assert by_site["4"]["name"] == "Town Hall (West)" and by_site["4"]["lat"] == -37.8149
    assert by_site["4"]["total"] == 3125
    nowhere = by_site["Nowhere"]
    assert nowhere["total"] is None and nowhere["days_reported"] == 0 and nowhere["first_date"] is None
    assert out["missing_values"] == 2 and out["total"] == 3125
    assert any("not in the location file" in n for n in out["notes"])


def test_text_output_and_errors(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(SPRINGBOARD)
    done = agora("footfall", str(path))
    assert done.returncode == 0
    assert "total footfall 29" in done.stdout and "High Street" in done.stdout and "busiest day" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("date,site,remark\n2020-01-01,A,closed\n")
    done = agora("footfall", str(bad))
    assert done.returncode == 2 and done.stderr.startswith("error: bad.csv: no ")
    assert "Traceback" not in done.stderr
    done = agora("footfall", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "no such file" in done.stderr


def test_leeds_hourly(realdata):
    folder = realdata / "leeds_footfall"
    out = footfall_json(str(folder / "leeds_footfall_hourly_2016.csv"), "--sites",
                        str(folder / "leeds_camera_locations.csv"))
    assert out["total"] == 67_763_236 and out["duplicate_rows"] == 0
    assert out["busiest_day"] == "2016-12-03" and out["busiest_day_total"] == 381_679
    sites = {s["site"]: s for s in out["sites"]}
    assert len(sites) == 8 and sites["Briggate"]["total"] == 13_883_910
    assert sites["Briggate"]["name"] == "Briggate" and "lat" in sites["Briggate"]
    assert all(s["days_reported"] == 366 and s["missing_days"] == 0 for s in sites.values())


def test_leeds_daily_missing_days_are_missing_not_zero(realdata):
    out = footfall_json(str(realdata / "leeds_footfall" / "leeds_footfall_daily_2009_2016.csv"))
    assert out["total"] == 521_135_798
    for site in out["sites"]:
        assert site["missing_days"] == 13, site
        assert site["last_date"] == "2016-12-31"
    barratts = next(s for s in out["sites"] if s["site"] == "CommercialStBarratts")
    assert barratts["first_date"] == "2009-07-17" and barratts["days_reported"] == 2712


def test_melbourne_wide_and_long(realdata):
    folder = realdata / "melbourne_pedestrian"
    for name in ("hourly_counts_2019_01_wide.csv", "hourly_counts_2019_01_long.csv"):
        out = footfall_json(str(folder / name), "--sites", str(folder / "sensor_locations.csv"))
        assert out["total"] == 19_566_822 and out["missing_values"] == 5_039
        assert out["busiest_day"] == "2019-01-18" and out["busiest_day_total"] == 807_036
        by_name = {s["name"]: s for s in out["sites"]}
        assert by_name["Southbank"]["total"] == 1_395_117
        assert by_name["Town Hall (West)"]["total"] == 1_035_715
        assert by_name["City Square"]["total"] is None
