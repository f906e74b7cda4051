"""Footfall analysis: totals, year on year, trend, profiles, signature, quality flags."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from agora.analysis import footfall as ff
from agora.layers import FOOTFALL_COUNTS, conform


def counts_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if "direction" not in df:
        df["direction"] = "in"
    df["direction"] = df["direction"].fillna("in")
    return conform(df, FOOTFALL_COUNTS)


def daily(site: str, start: str, days: int, value=100.0, direction: str = "in") -> list[dict]:
    stamps = pd.date_range(start, periods=days, freq="D")
    values = value(stamps) if callable(value) else [value] * days
    return [{"site_id": site, "timestamp": t, "interval": "day", "count": v, "direction": direction}
            for t, v in zip(stamps, values)]


def hourly(site: str, start: str, days: int, value=10.0) -> list[dict]:
    stamps = pd.date_range(start, periods=24 * days, freq="h")
    values = value(stamps) if callable(value) else [value] * len(stamps)
    return [{"site_id": site, "timestamp": t, "interval": "hour", "count": v, "direction": "in"}
            for t, v in zip(stamps, values)]


SITES = pd.DataFrame({"site_id": ["a", "b", "c"], "centre_id": ["north", "north", "south"]})


def test_daily_and_weekly_totals_by_site_centre_and_all():
    df = counts_frame(daily("a", "2024-01-01", 14, 100) + daily("b", "2024-01-01", 14, 50) + daily("c", "2024-01-01", 7, 1))
    by_site = ff.daily_totals(df, SITES)
    assert len(by_site) == 14 + 14 + 7 and by_site["count"].sum() == 1400 + 700 + 7
    by_centre = ff.daily_totals(df, SITES, by="centre")
    north = by_centre[by_centre["centre_id"] == "north"]
    assert north["count"].tolist() == [150.0] * 14 and north["sites"].tolist() == [2] * 14
    weeks = ff.weekly_totals(df, SITES, by=None)
    assert weeks["week"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]  # Mondays
    assert weeks["count"].tolist() == [1057.0, 1050.0] and weeks["complete"].all()
    only_south = ff.weekly_totals(df, SITES, by="site", centre_id="south")
    assert only_south["site_id"].tolist() == ["c"] and only_south["count"].tolist() == [7.0]


def test_missing_counts_are_not_zero_days():
    rows = daily("a", "2024-01-01", 3, 100)
    rows[1]["count"] = None
    df = counts_frame(rows)
    out = ff.daily_totals(df)
    assert out["date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-03")]
    summary = ff.summary_by_site(df).iloc[0]
    assert summary["days_reported"] == 2 and summary["missing_days"] == 1 and summary["missing_values"] == 1


def test_yoy_compares_matched_site_days_364_days_back():
    last_year = daily("a", "2023-01-02", 14, 100) + daily("b", "2023-01-02", 7, 10)
    this_year = daily("a", "2024-01-01", 14, 110) + daily("b", "2024-01-01", 14, 1000)
    df = counts_frame(last_year + this_year)
    yoy = ff.yoy_weekly(df)
    assert yoy["week"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    first, second = yoy.iloc[0], yoy.iloc[1]
    assert first["count"] == 7 * 110 + 7 * 1000 and first["count_last_year"] == 7 * 100 + 7 * 10
    # week 2: site b had no counts a year before, so only site a is compared
    assert second["sites"] == 1 and second["count"] == 770 and second["change_pct"] == pytest.approx(10.0)
    per_site = ff.yoy_weekly(df, by="site")
    assert set(per_site["site_id"]) == {"a", "b"} and len(per_site) == 3


def test_trend_switches_to_mean_per_site_when_sites_change():
    steady = counts_frame(daily("a", "2024-01-01", 14, 100) + daily("b", "2024-01-01", 14, 50))
    t = ff.trend(steady, freq="week")
    assert (t["measure"] == "total").all() and t["value"].tolist() == [1050.0, 1050.0]
    growing = counts_frame(daily("a", "2024-01-01", 14, 100) + daily("b", "2024-01-08", 7, 50))
    t = ff.trend(growing, freq="week")
    assert (t["measure"] == "mean per reporting site").all()
    assert t["sites"].tolist() == [1, 2]
    assert t["value"].tolist() == [700.0, 7 * 75.0]
    days = ff.trend(growing, freq="day")
    assert days["value"].iloc[-1] == 75.0


def test_trend_year_before_overlay():
    df = counts_frame(daily("a", "2023-01-02", 7, 10) + daily("a", "2024-01-01", 7, 20))
    t = ff.trend(df, freq="day")
    now = t[t["period"] == pd.Timestamp("2024-01-01")].iloc[0]
    assert now["value"] == 20 and now["value_last_year"] == 10


def test_direction_auto_uses_in_counts_not_in_plus_out():
    df = counts_frame(daily("a", "2024-01-01", 2, 100, "in") + daily("a", "2024-01-01", 2, 90, "out")
                      + daily("b", "2024-01-01", 2, 7, "total") + daily("b", "2024-01-01", 2, 4, "in"))
    totals = ff.summary_by_site(df).set_index("site_id")["total"]
    assert totals["a"] == 200 and totals["b"] == 14
    assert ff.summary_by_site(df, direction="out").set_index("site_id")["total"]["a"] == 180


def test_weekday_hour_profile_and_day_parts():
    df = counts_frame(hourly("a", "2024-01-01", 7, lambda ts: ts.hour.to_numpy(dtype=float)))
    profile = ff.weekday_hour_profile(df)
    assert len(profile) == 7 * 24
    monday = profile[profile["weekday"] == 0].set_index("hour")["mean"]
    assert monday[14] == 14 and profile["weekday_name"].iloc[0] == "Monday"
    parts = ff.day_parts(df).set_index("part")
    assert list(parts.index) == ["morning", "afternoon", "evening", "night"]
    day = {"morning": sum(range(6, 12)), "afternoon": sum(range(12, 17)), "evening": sum(range(17, 22)),
           "night": sum(range(22, 24)) + sum(range(0, 6))}
    for part, value in day.items():
        assert parts.loc[part, "count"] == 7 * value
        assert parts.loc[part, "mean_per_site_day"] == value
    assert parts["share"].sum() == pytest.approx(1.0)
    assert parts.loc["night", "hours"] == "22:00-05:59"


@pytest.mark.parametrize("index, expected", [
    ([1.0] * 12, "multifunctional"),
    ([0.95, 0.93, 0.96, 0.97, 0.98, 0.97, 0.96, 0.97, 0.96, 0.99, 1.15, 1.35], "comparison"),
    ([0.7, 0.7, 0.8, 0.95, 1.05, 1.2, 1.45, 1.5, 1.1, 0.9, 0.8, 0.85], "holiday"),
    ([0.9, 0.85, 0.9, 0.95, 1.0, 1.05, 1.15, 1.2, 1.0, 0.95, 1.0, 1.15], "speciality"),
])
def test_signature_rule(index, expected):
    name, reason = ff.classify_signature(index)
    assert name == expected and "December" in reason


def test_signature_needs_a_full_year():
    def seasonal(ts):
        return np.where(ts.month.isin([11, 12]), 150.0, 100.0)

    year = counts_frame(daily("a", "2023-01-01", 365, seasonal))
    sig = ff.monthly_signature(year)
    assert sig["signature"] == "comparison" and sig["year"] == 2023
    assert sig["months"]["index"].mean() == pytest.approx(1.0) and len(sig["months"]) == 12
    part = counts_frame(daily("a", "2023-01-01", 200, 100))
    sig = ff.monthly_signature(part)
    assert sig["signature"] is None and "twelve months" in sig["reason"]


def test_quality_flags():
    rows = hourly("a", "2024-01-01", 35, 100.0)
    for r in rows:
        ts = r["timestamp"]
        if ts.date() == date(2024, 1, 10) and 9 <= ts.hour < 17:  # 8 daytime zeros
            r["count"] = 0.0
        if ts.date() == date(2024, 1, 11) and (ts.hour >= 22 or ts.hour < 4):  # zeros at night only
            r["count"] = 0.0
        if ts.date() == date(2024, 1, 12) and ts.hour >= 12:  # half a day missing
            r["count"] = None
        if ts.date() == date(2024, 1, 24):
            r["count"] = 1000.0  # ten times the usual
    rows = [r for r in rows if not date(2024, 1, 15) <= r["timestamp"].date() <= date(2024, 1, 16)]  # a gap
    rows += [{"site_id": "dead", "timestamp": pd.Timestamp("2024-01-01"), "interval": "hour", "count": None}]
    flags = ff.quality_flags(counts_frame(rows))
    kinds = flags.groupby("kind")
    zero = kinds.get_group("zero_run")
    assert len(zero) == 1 and zero.iloc[0]["length"] == 8 and zero.iloc[0]["start"] == pd.Timestamp("2024-01-10 09:00")
    gap = kinds.get_group("gap").iloc[0]
    assert (gap["start"], gap["end"], gap["length"]) == (pd.Timestamp("2024-01-15"), pd.Timestamp("2024-01-16"), 2)
    partial = kinds.get_group("partial_day")
    assert partial["start"].tolist() == [pd.Timestamp("2024-01-12")] and partial.iloc[0]["length"] == 12
    outliers = kinds.get_group("outlier")
    assert pd.Timestamp("2024-01-24") in set(outliers["start"])
    assert kinds.get_group("no_data")["site_id"].tolist() == ["dead"]


def test_daily_zero_runs_flagged():
    rows = daily("a", "2024-01-01", 10, 100)
    for r in rows[3:5]:
        r["count"] = 0
    flags = ff.quality_flags(counts_frame(rows))
    zero = flags[flags["kind"] == "zero_run"]
    assert len(zero) == 1 and zero.iloc[0]["length"] == 2 and zero.iloc[0]["start"] == pd.Timestamp("2024-01-04")


def test_recent_change():
    rows = daily("a", "2023-01-01", 400, 100) + daily("b", "2023-01-01", 400, 10)
    for r in rows:
        if r["timestamp"] >= pd.Timestamp("2024-01-01"):
            r["count"] *= 1.1
    df = counts_frame(rows)
    out = ff.recent_change(df, SITES, "north", today="2024-02-01")
    assert out["start"] == "2024-01-01" and out["end"] == "2024-01-28"  # four complete Monday-Sunday weeks
    assert out["previous_start"] == "2023-01-02" and out["previous_end"] == "2023-01-29"
    assert out["sites"] == 2 and out["site_days"] == 56 and out["unmatched_site_days"] == 0
    assert out["total"] == pytest.approx(28 * 121) and out["previous_total"] == pytest.approx(28 * 110)
    assert out["change_pct"] == pytest.approx(10.0)
    default = ff.recent_change(df, SITES, "north")  # ends with the data (2024-02-04 is a Sunday)
    assert default["end"] == "2024-02-04"
    assert ff.recent_change(df, SITES, "south") is None  # site c has no counts
    assert ff.recent_change(counts_frame(daily("a", "2024-01-01", 60)), SITES, "north") is None  # no year before
    everywhere = ff.recent_change(df, None, None, today="2024-02-01")
    assert everywhere["sites"] == 2


def test_parquet_input_matches_dataframe(tmp_path):
    df = counts_frame(daily("a", "2024-01-01", 30, 5) + daily("b", "2024-01-01", 30, 7))
    path = tmp_path / "counts.parquet"
    df.iloc[:30].to_parquet(path)
    df.iloc[30:].to_parquet(tmp_path / "more.parquet")
    files = ff.parquet_files(tmp_path)
    assert len(files) == 2
    pd.testing.assert_frame_equal(ff.daily_totals(files), ff.daily_totals(df))


# --------------------------------------------------------------------------------------
# Real files
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def leeds(realdata):
    from agora.loaders import load_footfall_counts

    folder = realdata / "leeds_footfall"
    return {
        "hourly": load_footfall_counts(folder / "leeds_footfall_hourly_2016.csv").data,
        "daily": load_footfall_counts(folder / "leeds_footfall_daily_2009_2016.csv").data,
    }


def test_leeds_check_values(leeds):
    totals = ff.daily_totals(leeds["hourly"], by=None).set_index("date")["count"]
    assert totals[pd.Timestamp("2016-12-17")] == 310_838 and totals[pd.Timestamp("2016-12-25")] == 7_121
    assert totals.idxmax() == pd.Timestamp("2016-12-03") and totals.max() == 381_679
    summary = ff.summary(leeds["hourly"])
    assert summary["total"] == 67_763_236 and summary["busiest_day"] == "2016-12-03"
    by_site = ff.summary_by_site(leeds["hourly"]).set_index("site_id")["total"]
    assert by_site.idxmax() == "Briggate" and by_site.max() == 13_883_910


def test_leeds_daily_gaps_are_missing_not_zero(leeds):
    per_site = ff.summary_by_site(leeds["daily"])
    assert (per_site["missing_days"] == 13).all()
    flags = ff.quality_flags(leeds["daily"])
    gaps = flags[flags["kind"] == "gap"]
    assert len(gaps) == 3 * 8 and gaps["length"].sum() == 13 * 8
    assert set(gaps["start"].dt.strftime("%Y-%m-%d")) == {"2014-01-31", "2015-07-03", "2015-08-31"}
    zero = flags[(flags["kind"] == "zero_run")]
    assert set(zero["site_id"]) == {"CommercialStBarratts"} and zero["length"].sum() == 2
    partial = flags[flags["kind"] == "partial_day"]
    assert partial[["site_id", "start", "length"]].values.tolist() == [
        ["AlbionStSouth", pd.Timestamp("2014-05-17"), 16]]  # 8 hours reported
    days = ff.daily_totals(leeds["daily"], by=None)
    assert not days["date"].between("2014-01-31", "2014-02-02").any()
    yearly = days.groupby(days["date"].dt.year)["count"].sum().astype(int)
    assert yearly[2009] == 71_254_684 and yearly[2015] == 61_560_953


def test_leeds_signature_and_yoy(leeds):
    sig = ff.monthly_signature(leeds["daily"])
    assert sig["year"] == 2016 and sig["signature"] == "comparison"
    yoy = ff.yoy_weekly(leeds["daily"])
    week = yoy[yoy["week"] == pd.Timestamp("2016-12-12")].iloc[0]
    assert week["sites"] == 8 and week["site_days"] == 56
    change = ff.recent_change(leeds["daily"], None, None)
    assert change["end"] == "2016-12-25" and change["sites"] == 8


def test_melbourne_busiest_day(realdata):
    from agora.loaders import load_footfall_counts

    counts = load_footfall_counts(realdata / "melbourne_pedestrian" / "hourly_counts_2019_01_wide.csv").data
    summary = ff.summary(counts)
    assert summary["total"] == 19_566_822 and summary["busiest_day"] == "2019-01-18"
    assert summary["busiest_day_total"] == 807_036
    per_site = ff.summary_by_site(counts).set_index("site_id")
    assert per_site.loc["Southbank", "total"] == 1_395_117
    assert pd.isna(per_site.loc["City Square", "total"]) and per_site.loc["City Square", "days_reported"] == 0
    flags = ff.quality_flags(counts)
    assert set(flags.loc[flags["kind"] == "no_data", "site_id"]) == {
        "Flagstaff Station", "Flinders St-Elizabeth St (East)", "City Square", "Elizabeth St-La Trobe St (East)"}


# --------------------------------------------------------------------------------------
# Signatures of the demo towns and of real counters
# --------------------------------------------------------------------------------------
def test_demo_towns_show_the_signature_they_were_drawn_with():
    """Five of six towns were "speciality" before; each town's generator season is its signature now."""
    import geopandas as gpd

    from agora import demo
    from conftest import PROJECT

    counts = pd.read_parquet(PROJECT / "data" / "demo" / "footfall_counts.parquet")
    sites = gpd.read_parquet(PROJECT / "data" / "demo" / "footfall_sites.parquet")
    found = {t.centre_id: ff.monthly_signature(counts, sites, centre_id=t.centre_id)["signature"] for t in demo.TOWNS}
    assert found == {t.centre_id: t.seasonal for t in demo.TOWNS}
    assert set(found.values()) == set(ff.SIGNATURES)
    castlebridge = ff.monthly_signature(counts, sites, centre_id="castlebridge")
    assert castlebridge["reason"].startswith("a December peak, no summer peak")


def test_leeds_is_a_comparison_centre_every_year(leeds):
    for year in range(2010, 2017):
        assert ff.monthly_signature(leeds["daily"], year=year)["signature"] == "comparison", year


def test_melbourne_month_is_not_enough_for_a_signature(realdata):
    from agora.loaders import load_footfall_counts

    counts = load_footfall_counts(realdata / "melbourne_pedestrian" / "hourly_counts_2019_01_long.csv").data
    sig = ff.monthly_signature(counts)
    assert sig["signature"] is None and sig["year"] is None
    assert "the data have 1 such month, so no signature is given" in sig["reason"]
