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
