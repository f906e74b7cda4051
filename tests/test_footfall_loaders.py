"""Footfall loaders: long, daily, wide and in/out exports; duplicates; site locations."""

from __future__ import annotations


import pandas as pd
import pytest

from agora.loaders import LoadError, load_footfall_counts, load_footfall_sites
from agora.loaders.footfall import join_sites, sites_from_counts


def csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


def test_long_hourly_day_first_dates_and_missing_counts():
    data = csv("""
date,hour,location_code,in_count
03/12/2016,0,A,10
03/12/2016,1,A,
03/12/2016,2,A,-1
03/12/2016,3,A,n/a
13/12/2016,14,A,"1,234"
""")
    result = load_footfall_counts(data, filename="counts.csv")
    df = result.data
    assert list(df["timestamp"]) == [pd.Timestamp("2016-12-03 00:00"), pd.Timestamp("2016-12-03 01:00"),
                                     pd.Timestamp("2016-12-03 02:00"), pd.Timestamp("2016-12-03 03:00"),
                                     pd.Timestamp("2016-12-13 14:00")]
    assert df["count"].isna().tolist() == [False, True, True, True, False]  # missing, never zero
    assert df["count"].sum() == 1244
    assert set(df["interval"]) == {"hour"} and set(df["direction"]) == {"in"}
    assert "hour" not in df.columns  # folded into the timestamp
    assert any("3 counts are missing" in n for n in result.report.notes)


def test_iso_dates_daily_totals_and_bad_rows_rejected_with_row_numbers():
    data = csv("""
date,site,footfall
2016-01-01,X,500
2016-01-02,X,600
not a date,X,700
2016-01-04,,800
""")
    result = load_footfall_counts(data, filename="daily.csv")
    assert result.data["interval"].unique().tolist() == ["day"]
    assert result.data["direction"].unique().tolist() == ["total"]
    assert result.report.to_dict()["rejected"] == [{"row": 4, "reason": "date not readable"},
                                                  {"row": 5, "reason": "no value for site_id"}]


def test_wide_form_melts_sensor_columns_and_keeps_missing_missing():
    data = csv("""
Date,Hour,Day,Town Hall (West),City Square,Princes Bridge
01/01/2019,0,Tuesday,3025,undefined,531
01/01/2019,1,Tuesday,-1,undefined,3854
02/01/2019,0,Wednesday,100,undefined,
""")
    result = load_footfall_counts(data, filename="wide.csv")
    df, report = result.data, result.report
    assert report.rows_read == 3 and len(df) == 9
    assert sorted(df["site_id"].unique()) == ["City Square", "Princes Bridge", "Town Hall (West)"]
    assert "Day" not in set(df["site_id"])
    town = df[df["site_id"] == "Town Hall (West)"].set_index("timestamp")["count"]
    assert town[pd.Timestamp("2019-01-01 00:00")] == 3025
    assert pd.isna(town[pd.Timestamp("2019-01-01 01:00")])  # -1 is missing
    assert df.loc[df["site_id"] == "City Square", "count"].isna().all()  # "undefined" is missing
    assert df["count"].sum() == 3025 + 531 + 3854 + 100
    assert df["count"].isna().sum() == 5 and (df["count"] == 0).sum() == 0
    assert any("wide table: 3 sensor columns" in n for n in report.notes)


def test_wide_form_rejects_rows_by_file_row():
    data = csv("""
Date,Hour,North,South
01/01/2019,0,1,2
31/02/2019,0,1,2
01/01/2019,25,1,2
""")
    report = load_footfall_counts(data, filename="wide.csv").report
    assert {r["row"] for r in report.rejected} == {3, 4}


def test_springboard_feed_in_and_out_rows_and_duplicates():
    data = csv("""
Date,Hour,LocationName,InCount,OutCount,BRC Week,BRC Year
01/02/2023,00:00,High Street,12,10,44,2023
01/02/2023,01:00,High Street,5,4,44,2023
01/02/2023,00:00,Market Square,-1,3,44,2023
01/02/2023,01:00,High Street,5,4,44,2023
01/02/2023,00:00,Market Square,8,3,44,2023
""")
    result = load_footfall_counts(data, filename="springboard_feb.csv")
    df, report = result.data, result.report
    assert sorted(df["direction"].unique()) == ["in", "out"]
    assert len(df) == 6  # 3 distinct site-hours x 2 directions
    high = df[(df["site_id"] == "High Street") & (df["direction"] == "in")]
    assert high["count"].sum() == 17
    market_in = df[(df["site_id"] == "Market Square") & (df["direction"] == "in")]["count"]
    assert market_in.tolist() == [8]  # the later row wins
    assert report.duplicate_rows == 2
    assert sorted(report.rejected, key=lambda r: r["row"]) == [
        {"row": 3, "reason": "duplicate of row 5 (same count): dropped"},
        {"row": 4, "reason": "superseded by row 6 (a later row with another count)"},
    ]
    assert any("2 duplicate rows" in n and "last row in the file was kept" in n for n in report.notes)
    assert {"BRC Week", "BRC Year"} <= set(df.columns)
    assert df["timestamp"].min() == pd.Timestamp("2023-02-01 00:00")  # 1 February, day first


def test_identical_duplicates_dropped_without_a_supersede_note():
    data = csv("""
date,hour,site_id,count
2020-01-01,9,A,5
2020-01-01,9,A,5
2020-01-01,10,A,6
""")
    result = load_footfall_counts(data, filename="dups.csv")
    assert len(result.data) == 2 and result.report.duplicate_rows == 1
    assert result.report.rejected == [{"row": 2, "reason": "duplicate of row 3 (same count): dropped"}]
    assert not any("another count" in n for n in result.report.notes)


def test_no_duplicates_when_directions_differ():
    data = csv("""
date,hour,site_id,count,direction
2020-01-01,9,A,5,in
2020-01-01,9,A,4,out
""")
    result = load_footfall_counts(data, filename="dirs.csv")
    assert len(result.data) == 2 and result.report.duplicate_rows == 0


def test_site_name_fills_missing_ids():
    data = csv("""
date,hour,sensor_description,sensor_id,hourly_count
2019-01-01,0,Bourke Street Mall (North),1,918
2019-01-01,0,Collins St (North),,1441
""")
    result = load_footfall_counts(data, filename="long.csv")
    assert result.data["site_id"].tolist() == ["1", "Collins St (North)"]
    assert any("no site id" in n for n in result.report.notes)
    sites = sites_from_counts(result.data)
    assert sites.set_index("site_id")["name"].to_dict() == {"1": "Bourke Street Mall (North)",
                                                            "Collins St (North)": "Collins St (North)"}


def test_no_count_column_is_one_clear_error():
    with pytest.raises(LoadError, match=r"^notes\.csv: no .*count column"):
        load_footfall_counts(csv("date,site,remark\n2020-01-01,A,closed"), filename="notes.csv")


def test_join_sites_by_id_then_name():
    counts = load_footfall_counts(csv("""
Date,Hour,Bourke Street Mall (North),Somewhere New
01/01/2019,0,918,5
"""), filename="wide.csv").data
    sites = load_footfall_sites(csv("""
sensor_id,sensor_description,latitude,longitude
1,Bourke Street Mall (North),-37.8135,144.9652
2,Melbourne Central,-37.8101,144.9629
"""), filename="sensors.csv").data
    joined, used, notes = join_sites(counts, sites)
    assert sorted(joined["site_id"].unique()) == ["1", "Somewhere New"]
    assert used["site_id"].tolist() == ["1", "Somewhere New"]
    assert used.geometry.iloc[1] is None
    assert any("1 sites matched" in n for n in notes)
    assert any("not in the location file" in n and "Somewhere New" in n for n in notes)
    assert any("1 sites in the location file have no counts" in n for n in notes)


# --------------------------------------------------------------------------------------
# Real files (../shared/realdata)
# --------------------------------------------------------------------------------------
def test_leeds_hourly(realdata):
    result = load_footfall_counts(realdata / "leeds_footfall" / "leeds_footfall_hourly_2016.csv")
    df = result.data
    assert len(df) == 70_272 and result.report.rows_rejected == 0 and result.report.duplicate_rows == 0
    assert df["count"].sum() == 67_763_236
    assert df["site_id"].nunique() == 8 and set(df["direction"]) == {"in"} and set(df["interval"]) == {"hour"}
    briggate = df[(df["site_id"] == "Briggate") & (df["timestamp"].dt.date == pd.Timestamp("2016-12-17").date())]
    assert briggate["count"].sum() == 78_812
    assert briggate.loc[briggate["count"].idxmax(), "timestamp"].hour == 14


def test_leeds_hourly_with_an_overlapping_revised_file(realdata):
    raw = pd.read_csv(realdata / "leeds_footfall" / "leeds_footfall_hourly_2016.csv", dtype=str)
    july = raw[raw["date"].between("2016-07-01", "2016-07-03")]
    assert len(july) == 576  # the size of the duplicate block in the original source
    revised = july.copy()
    revised.loc[revised.index[:10], "in_count"] = "0"
    both = pd.concat([raw, revised], ignore_index=True)
    result = load_footfall_counts(both.to_csv(index=False).encode(), filename="leeds_with_revision.csv")
    assert result.report.duplicate_rows == 576
    assert len(result.data) == 70_272
    superseded = [r for r in result.report.rejected if r["reason"].startswith("superseded")]
    assert len(superseded) == 10
    original = july["in_count"].astype(int).iloc[:10].sum()
    assert result.data["count"].sum() == 67_763_236 - original  # the revision (last in the file) wins


def test_leeds_daily(realdata):
    result = load_footfall_counts(realdata / "leeds_footfall" / "leeds_footfall_daily_2009_2016.csv")
    df = result.data
    assert len(df) == 23_075 and set(df["interval"]) == {"day"} and set(df["direction"]) == {"in"}
    yearly = df.groupby(df["timestamp"].dt.year)["count"].sum().astype(int).tolist()
    assert yearly == [71_254_684, 68_226_492, 63_883_772, 62_221_185, 62_392_348, 63_833_128, 61_560_953,
                      67_763_236]
    gap = df[df["timestamp"].between("2014-01-31", "2014-02-02")]
    assert gap.empty  # no rows: nothing was invented for the gap


def test_leeds_camera_locations(realdata):
    sites = load_footfall_sites(realdata / "leeds_footfall" / "leeds_camera_locations.csv").data
    assert len(sites) == 8 and "Briggate" in set(sites["site_id"])
    counts = load_footfall_counts(realdata / "leeds_footfall" / "leeds_footfall_daily_2009_2016.csv").data
    joined, used, notes = join_sites(counts, sites)
    assert len(used) == 8 and notes == [] and used.geometry.notna().all()


@pytest.mark.parametrize("name", ["hourly_counts_2019_01_wide.csv", "hourly_counts_2019_01_long.csv"])
def test_melbourne(realdata, name):
    result = load_footfall_counts(realdata / "melbourne_pedestrian" / name)
    df = result.data
    assert len(df) == 42_408 and result.report.rows_rejected == 0
    assert df["count"].sum() == 19_566_822
    assert df["count"].isna().sum() == 5_039 and not (df["count"] < 0).any()
    assert df["site_id"].nunique() == 57
    sensors = load_footfall_sites(realdata / "melbourne_pedestrian" / "sensor_locations.csv").data
    joined, used, notes = join_sites(df, sensors)
    names = used.set_index("site_id")["name"]
    town_hall = names[names == "Town Hall (West)"].index[0]
    first = joined[(joined["site_id"] == town_hall) & (joined["timestamp"] == pd.Timestamp("2019-01-01 00:00"))]
    assert first["count"].tolist() == [3025]
    city_square = names[names == "City Square"].index[0]
    assert joined.loc[joined["site_id"] == city_square, "count"].isna().all()
    assert any("2 counted sites are not in the location file" in n for n in notes)
    assert used.geometry.notna().sum() == 55
    southbank = names[names == "Southbank"].index[0]
    assert joined.loc[joined["site_id"] == southbank, "count"].sum() == 1_395_117
