"""agora.ui.vacancy: the Vacancy page's cached figures are the analysis functions' figures, and stay unchanged."""

from __future__ import annotations

import pandas as pd


def test_a_surveys_figures_are_the_analysis_figures_and_a_changed_copy_stays_apart(workspace):
    from agora.analysis import surveys, vacancy
    from agora.ui import data
    from agora.ui import vacancy as ui

    town = "hollinsford"
    figures = ui.town_figures(town)
    units = vacancy.prepare(data.town("units", town), data.town("centres", town))
    keys = [ui.survey_key(d) for d in vacancy.survey_list(units)]
    assert figures["keys"] == keys and len(keys) >= 2
    assert (figures["data"]["survey"] == figures["data"]["survey_date"].map(ui.survey_key)).all()
    pd.testing.assert_frame_equal(figures["durations"].drop(columns="survey"), vacancy.vacancy_durations(units))
    pd.testing.assert_frame_equal(figures["flows"], surveys.openings_closures(units))
    assert figures["match_text"] == surveys.match_summary(units)["text"]

    chosen, before = keys[-1], keys[-2]
    got = ui.survey_figures(town, chosen, before)
    current = surveys.units_on(units, pd.Timestamp(chosen))
    pd.testing.assert_frame_equal(got["current"].drop(columns="survey"), current)
    overall = vacancy.vacancy_table(current, by=()).iloc[0]
    past = vacancy.vacancy_table(surveys.units_on(units, pd.Timestamp(before)), by=()).iloc[0]
    assert got["overall"]["vacancy_rate"] == overall["vacancy_rate"]
    assert got["change"] == (overall["vacancy_rate"] - past["vacancy_rate"]) * 100
    current = current.assign(survey=got["current"]["survey"])
    pd.testing.assert_frame_equal(got["by_street"], vacancy.by_street(current).drop(columns=["centre", "survey_date"]))
    pd.testing.assert_frame_equal(got["by_type"], vacancy.by_type(current).drop(columns=["centre", "survey_date"]))
    pd.testing.assert_frame_equal(got["changes"], vacancy.status_changes(units, pd.Timestamp(before),
                                                                         pd.Timestamp(chosen)))
    vacant = got["vacant"]
    assert (vacant["status"] == "vacant").all() and len(vacant) == int(overall["vacant"])
    assert ui.survey_figures(town, chosen, None)["change"] is None
    assert ui.survey_figures(town, chosen, None)["changes"] is None

    # a page changing its copy changes neither the cache nor the next page's copy
    kept = got["vacant"].copy()
    got["vacant"]["vacancy"] = "changed"
    got["by_street"].loc[got["by_street"].index[0], "vacant"] = -1
    again = ui.survey_figures(town, chosen, before)
    pd.testing.assert_frame_equal(again["vacant"], kept)
    assert (again["by_street"]["vacant"] >= 0).all()
