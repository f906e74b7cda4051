"""The profile's words and charts say what the figures are: counted standing, a chart axis that holds its line."""

from __future__ import annotations

import pandas as pd

from agora.analysis import compare
from agora.report import charts


def test_standing_is_counted_and_worded_by_direction():
    rates = pd.Series([0.17, 0.07, 0.111, 0.192, 0.087, 0.067])
    # 17.0% vacancy: was "better than 0%" beside a percentile of 80; now a count people can check
    assert compare.standing_words(rates, 0.17, "Vacancy rate", "higher_worse") == \
        "lower vacancy rate than 1 of the 6 centres"
    assert compare.standing_words(rates, 0.067, "Vacancy rate", "higher_worse") == \
        "lower vacancy rate than 5 of the 6 centres"
    assert compare.standing_words(pd.Series([0.5, 0.5, 0.2]), 0.5, "Share independent", "higher_better") == \
        "higher share independent than 1 of the 3 centres; the same as 1"
    assert compare.standing_words(rates, float("nan"), "Vacancy rate", "higher_worse") == ""


def test_side_by_side_carries_the_words():
    table = pd.DataFrame({"centre_id": list("abcdef"), "name": list("ABCDEF"),
                          "vacancy_rate": [0.17, 0.07, 0.111, 0.192, 0.087, 0.067]})
    rows = compare.side_by_side(table, ["a"], ["vacancy_rate"])
    assert rows["standing"].iloc[0] == "lower vacancy rate than 1 of the 6 centres"


def test_vacancy_chart_axis_contains_its_line():
    surveys = pd.DataFrame({"survey_date": pd.to_datetime(["2025-06-14", "2026-06-13"]),
                            "vacancy_rate": [0.13, 0.247], "vacant": [35, 46], "units": [270, 270]})
    spec = charts.vacancy_over_time(surveys).to_dict()
    low, high = spec["encoding"]["y"]["scale"]["domain"]
    assert low == 0 and high >= surveys["vacancy_rate"].max()
