"""The Overview's headline figures, checked by independent counts on the demo towns."""

from __future__ import annotations

import pandas as pd
import pytest

from agora.analysis.headline import share_independent, town_headline
from agora.analysis.ownership import classify_ownership


def test_share_independent_counts_occupied_units_of_known_ownership():
    units = pd.DataFrame({
        "status": ["occupied", "occupied", "occupied", "vacant", "occupied"],
        "ownership": ["independent", "chain", "symbol_group", "independent", "unknown"],
    })
    assert share_independent(units) == pytest.approx(1 / 3)
    assert share_independent(units.iloc[3:]) is None


def test_town_headline_on_a_demo_town(workspace):
    units = classify_ownership(workspace.read("units"))
    town = workspace.read("centres")["centre_id"].iloc[0]
    mine = units[units["centre_id"] == town]
    sites = workspace.read("footfall_sites")
    sites = sites[sites["centre_id"] == town]
    counts = workspace.read("footfall_counts")
    counts = counts[counts["site_id"].isin(sites["site_id"])]
    assets = workspace.read("assets")
    head = town_headline(mine, sites, counts, assets[assets["centre_id"] == town])

    last = mine["observed_on"].max()
    latest = mine[mine["observed_on"] == last]
    vacant, occupied = (latest["status"] == "vacant").sum(), (latest["status"] == "occupied").sum()
    assert head.units == len(latest) and head.survey_date == last
    assert head.vacancy_rate == pytest.approx(vacant / (vacant + occupied))
    before = mine[mine["observed_on"] == mine["observed_on"].min()]
    rate_before = (before["status"] == "vacant").sum() / before["status"].isin(["vacant", "occupied"]).sum()
    assert head.vacancy_change == pytest.approx((head.vacancy_rate - rate_before) * 100)
    assert head.assets == (assets["centre_id"] == town).sum()
    # Footfall: the last four complete weeks against the same weeks 364 days earlier.
    daily = counts.assign(day=counts["timestamp"].dt.normalize()).groupby(["site_id", "day"])["count"].sum(min_count=1)
    daily = daily.dropna().reset_index()
    end = pd.Timestamp(head.footfall["end"])
    start = pd.Timestamp(head.footfall["start"])
    assert (end - start).days == 27 and start.dayofweek == 0
    recent = daily[daily["day"].between(start, end)]
    earlier = daily.assign(day=daily["day"] + pd.Timedelta(days=364))
    both = recent.merge(earlier, on=["site_id", "day"], suffixes=("", "_before"))
    assert head.footfall["total"] == pytest.approx(both["count"].sum())
    assert head.footfall["change_pct"] == pytest.approx(100 * (both["count"].sum() / both["count_before"].sum() - 1),
                                                         abs=0.01)
