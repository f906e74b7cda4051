"""agora.ui.data: what pages read is shared between sessions, and a page changing its copy changes no one else's."""

from __future__ import annotations

import pandas as pd


def test_a_town_and_its_views_are_shared_and_a_changed_copy_stays_apart(workspace):
    from agora.ui import data

    first = data.town("units", "hollinsford")
    assert len(first)
    before = first.copy()
    first["status"] = "changed"
    first.loc[first.index[0], "name"] = "<changed>"
    first["extra"] = 1
    again = data.town("units", "hollinsford")
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(before))

    labels = data.town_view("latest_unit_labels", "hollinsford")
    latest = data.town_view("latest_units", "hollinsford")
    assert list(labels.index) == list(latest.index)
    labels.iloc[0] = "changed"
    assert data.town_view("latest_unit_labels", "hollinsford").iloc[0] != "changed"


def test_views_from_the_units_prepared_once_are_the_figures_of_the_raw_units(workspace):
    """The town views read the units prepared once; the analysis functions given the raw rows agree."""
    from agora.analysis import changes, vacancy
    from agora.analysis.headline import town_headline
    from agora.ui import changes as changes_ui
    from agora.ui import data

    for town in ("hollinsford", "castlebridge"):
        layers = {name: data.town(name, town) for name in ("units", "footfall_sites", "footfall_counts", "assets")}
        assert len(layers["units"])
        pd.testing.assert_frame_equal(data.town_view("prepared_units", town), vacancy.prepare(layers["units"]))
        assert data.headline(town) == town_headline(*layers.values())
        pd.testing.assert_frame_equal(data.town_view("vacancy_units", town),
                                      vacancy.prepare(layers["units"], data.town("centres", town)))
        assert data.town_view("vacancy_units", town)["centre"].iloc[0] == data.town("centres", town)["name"].iloc[0]
        pd.testing.assert_frame_equal(data.town_view("latest_units", town), vacancy.latest_survey(layers["units"]))
        got = changes_ui.town_changes(town, town)
        want = changes.town_changes(layers["units"], centre_id=town, name=town, counts=layers["footfall_counts"],
                                    sites=layers["footfall_sites"])
        assert got.paragraph == want.paragraph and got.surveys == want.surveys == changes_ui.surveys(town)
        for title, table in want.tables().items():
            pd.testing.assert_frame_equal(got.tables()[title], table)
