"""Map tools on the pages (AppTest): search zooms to a unit, filters say how many are drawn, Compare names centres.

The map is read from the arguments the page sends to streamlit-folium (its Leaflet script).
"""

from __future__ import annotations

import json
import re

from agora.analysis import vacancy
from agora.ui import maptools
from apptest import run_page

TOWN = "castlebridge"


def map_script(at, index: int = 0) -> str:
    maps = [c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"]
    return json.loads(maps[index].proto.json_args)["script"]


def drawn_units(script: str) -> set[str]:
    """Unit ids of the features the map draws (the unit layers carry ``unit_id``)."""
    return set(re.findall(r'"unit_id": "([^"]+)"', script))


def fits(script: str) -> list[list[list[float]]]:
    return [json.loads(b) for b in re.findall(r"\.fitBounds\(\s*(\[\[.*?\]\])", script, flags=re.S)]


def caption_with(at, text: str) -> str:
    return next(c.value for c in at.caption if text in c.value)


def town_units(workspace):
    from agora.service import DataService

    units = DataService(workspace.path, read_only=True).town("units", TOWN)
    return units, vacancy.latest_survey(units)


def test_overview_search_rings_the_unit_and_fits_the_map_to_it(workspace):
    units, latest = town_units(workspace)
    at = run_page("overview", town=TOWN)
    assert not at.exception, at.exception
    assert "agora-focus" not in map_script(at)
    box = at.selectbox(key="overview_search")
    target = latest.index[latest["status"].eq("vacant")][0]
    row = latest.loc[target]
    assert box.format_func(target) == maptools.unit_labels(latest)[target]
    box.set_value(target).run()
    assert not at.exception, at.exception
    script = map_script(at)
    assert '"className": "agora-focus"' in script
    (s, w), (n, e) = fits(script)[-1]  # the last fit wins: a small box around the unit
    assert s < row.geometry.y < n and w < row.geometry.x < e
    assert (n - s) < 0.002
    label = re.search(r'bindTooltip\(("[^"]*"), \{[^}]*agora-focus-label', script).group(1)
    assert row["unit_id"] in json.loads(label)


def test_overview_filters_restrict_the_map_and_say_how_many(workspace):
    units, latest = town_units(workspace)
    at = run_page("overview", town=TOWN)
    assert drawn_units(map_script(at)) == set(latest["unit_id"])
    assert caption_with(at, "Showing").startswith(f"Showing {len(latest):,} of {len(latest):,} units.")

    at.selectbox(key="overview_status").set_value("vacant").run()
    vacant = set(latest.loc[latest["status"] == "vacant", "unit_id"])
    assert drawn_units(map_script(at)) == vacant
    assert caption_with(at, "Showing").startswith(f"Showing {len(vacant):,} of {len(latest):,} units (filtered).")
    table_box = next(e for e in at.expander if e.label == "Units as a table")
    assert not table_box.dataframe  # closed: the table is neither built nor sent
    at.session_state["overview_units"] = True  # opened
    at.run()
    table_box = next(e for e in at.expander if e.label == "Units as a table")
    assert len(table_box.dataframe[0].value) == len(vacant)  # the table lists what the map draws

    at.selectbox(key="overview_status").set_value("long_term").run()
    long_term = set(vacancy.long_term_vacant(units)["unit_id"])
    assert long_term and drawn_units(map_script(at)) == long_term

    at.selectbox(key="overview_status").set_value("all")
    at.selectbox(key="overview_ownership").set_value("independents").run()
    kind = latest.loc[latest["ownership"] == "independent", "shop_type"].value_counts().index[0]
    at.multiselect(key="overview_kinds").set_value([kind]).run()
    assert not at.exception, at.exception
    expected = set(latest.loc[(latest["ownership"] == "independent") & (latest["shop_type"] == kind), "unit_id"])
    assert expected and drawn_units(map_script(at)) == expected


def test_vacancy_long_term_filter_draws_the_headline_count(workspace):
    units, latest = town_units(workspace)
    at = run_page("vacancy", town=TOWN)
    assert not at.exception, at.exception
    headline = int(next(m.value for m in at.metric if m.label == "Long-term vacant"))
    at.selectbox(key="vacancy_status").set_value("long_term").run()
    assert not at.exception, at.exception
    drawn = drawn_units(map_script(at))
    assert len(drawn) == headline > 0
    assert drawn == set(vacancy.long_term_vacant(units)["unit_id"])
    assert caption_with(at, "Showing").startswith(f"Showing {headline:,} of {len(latest):,} units (filtered).")


def test_compare_map_names_centres_and_rings_the_chosen(workspace):
    centres = workspace.read("centres")
    chosen = list(centres["centre_id"].iloc[:2])
    at = run_page("compare", view="Map", centres=chosen)
    assert not at.exception, at.exception
    script = map_script(at)
    assert script.count('"className": "agora-chosen"') == 2
    labels = [json.loads(t) for t in re.findall(r'bindTooltip\(("[^"]*"), \{[^}]*agora-label', script)]
    assert sorted(labels) == sorted(centres["name"])  # few centres: every one named


def test_a_picked_unit_is_forgotten_in_another_town(workspace):
    units, latest = town_units(workspace)
    at = run_page("overview", town=TOWN)
    at.selectbox(key="overview_search").set_value(latest.index[3]).run()
    assert '"className": "agora-focus"' in map_script(at)
    other = next(c for c in workspace.read("centres")["centre_id"] if c != TOWN)
    at.sidebar.selectbox[0].set_value(other).run()
    assert not at.exception, at.exception
    script = map_script(at)
    assert '"className": "agora-focus"' not in script  # the same row number in another town is another unit
    assert drawn_units(script) and not drawn_units(script) & set(latest["unit_id"])
