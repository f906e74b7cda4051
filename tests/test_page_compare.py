"""Compare page: runs on the demo and with every CDRC town centre, selections live in the URL."""

from __future__ import annotations

import time


from apptest import run_page


def _centres(workspace):
    return workspace.read("centres").sort_values("name")


def test_compare_page_on_the_demo(workspace):
    centres = _centres(workspace)
    at = run_page("compare")
    assert not at.exception, at.exception
    assert at.title[0].value == "Compare centres"
    table = at.dataframe[0].value
    assert len(table) == len(centres)
    assert set(table["name"]) == set(centres["name"])
    assert {"nef2005_class", "vacancy_rate", "share_independent"} <= set(table.columns)
    assert table["profile"].str.startswith("profile?town=").all()
    # the default selections are written to the URL
    assert at.query_params["ind"]
    assert at.query_params["centres"] in set(centres["centre_id"])
    labels = [b.label for b in at.get("download_button")]
    assert {"Table (CSV)", "With boundaries (GeoJSON)", "With boundaries (GeoPackage)"} <= set(labels)


def test_two_centres_in_the_url_are_shown_side_by_side(workspace):
    centres = _centres(workspace)
    a, b = centres["centre_id"].iloc[0], centres["centre_id"].iloc[-1]
    query = {"centres": [a, b], "ind": ["vacancy_rate", "share_independent"], "town": b}
    at = run_page("compare", **query)
    assert not at.exception, at.exception
    assert at.multiselect[0].value == ["vacancy_rate", "share_independent"]
    assert at.multiselect[1].value == [a, b]
    # the table shows the chosen indicators only (with name, class and size band), the chosen centres first
    table = at.dataframe[0].value
    assert list(table.columns) == ["name", "nef2005_class", "size_band", "vacancy_rate", "share_independent",
                                   "profile"]
    names = [centres.set_index("centre_id").at[c, "name"] for c in (a, b)]
    assert table["name"].tolist()[:2] == names
    side = run_page("compare", view="Side by side", **query)
    assert not side.exception, side.exception
    shown = {md.value.replace("\\", "").strip("*") for md in side.markdown}
    assert set(names) <= shown
    assert not any("why" in df.value.columns for df in side.dataframe)  # only the open tab runs
    # towns like b: b is not among them, and the list explains itself
    at = run_page("compare", view="Towns like this", **query)
    like = next(df.value for df in at.dataframe if "why" in df.value.columns)
    assert centres.set_index("centre_id").at[b, "name"] not in set(like["name"])
    assert like["why"].str.startswith("closest on").all()
    assert like["distance"].is_monotonic_increasing


def test_changing_the_selection_updates_the_url(workspace):
    centres = _centres(workspace)
    at = run_page("compare")
    other = centres["centre_id"].iloc[-1]
    at.multiselect[1].set_value([other]).run()
    assert not at.exception
    assert at.query_params["centres"] in ([other], other)
    at.multiselect[0].set_value(["units", "vacancy_rate"]).run()
    assert at.query_params["ind"] == ["units", "vacancy_rate"]
    # the link reproduces the view
    again = run_page("compare", **{k: v for k, v in at.query_params.items()})
    assert again.multiselect[1].value == [other]
    assert again.multiselect[0].value == ["units", "vacancy_rate"]


def test_unknown_values_in_the_url_are_ignored(workspace):
    at = run_page("compare", centres=["no-such-centre"], ind=["happiness"], x="nothing")
    assert not at.exception, at.exception
    assert at.multiselect[0].value  # the defaults
    assert "no-such-centre" not in at.multiselect[1].value


def test_weights_in_the_url(workspace):
    centres = _centres(workspace)
    town = centres["centre_id"].iloc[0]
    at = run_page("compare", town=town, ind=["vacancy_rate", "share_independent"], w_vacancy_rate="0",
                  view="Towns like this")
    assert not at.exception, at.exception
    like = next(df.value for df in at.dataframe if "why" in df.value.columns)
    assert (like["shared"] == 1).all()
    assert not like["why"].str.contains("vacancy").any()


def test_compare_page_with_every_cdrc_town_centre(workspace, realdata):
    from agora.loaders.area_indicators import load_cdrc_folder, load_cdrc_town_centres
    from agora.store.indicators import save_indicators

    folder = realdata / "cdrc_town_centre_vacancy"
    for path in sorted(folder.glob("tc_*.csv")):
        save_indicators(workspace.path, load_cdrc_town_centres(path))
    n_demo = len(workspace.read("centres"))
    assert len(load_cdrc_folder(folder).data) == 2 * 1289
    start = time.perf_counter()
    at = run_page("compare", timeout=240, centres=["TC0456", "TC0239"], x="units", y="vacancy_rate")
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    from agora.ui.compare import PAGE_ROWS

    # the two picked, then the first page of the others; every page is offered
    assert len(table) == 2 + PAGE_ROWS
    assert set(table["name"].tolist()[:2]) == {"Exeter", "Cambridge"}
    rows = next(s for s in at.selectbox if s.key == "rows")
    assert len(rows.options) == -(-(1289 + n_demo - 2) // PAGE_ROWS)
    assert any("1,289 from area-level tables" in c.value for c in at.caption)
    start = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - start
    times = []
    for view in ("Map", "Scatter", "Side by side", "Towns like this", "Definitions"):
        start = time.perf_counter()
        other = run_page("compare", timeout=240, view=view, centres=["TC0456", "TC0239"])
        times.append(f"{view} {time.perf_counter() - start:.1f} s")
        assert not other.exception, (view, other.exception)

    print(f"\nCompare page with {len(table):,} centres: table view first run {first:.1f} s, rerun {rerun:.1f} s; "
          + ", ".join(times))


def test_a_rendered_table_shows_as_the_styler_it_was_made_from():
    """ui.compare.rendered works the styles out once; Streamlit then shows exactly what it would have."""
    import pandas as pd
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    from agora.ui import compare as ui

    frame = pd.DataFrame({"name": ["A", "B", "C"], "nef2005_class": ["Clone Town", None, "Home Town"],
                          "vacancy_rate": [0.12, None, 0.05]})
    better = pd.DataFrame({"vacancy_rate": [0.1, None, 0.9]})

    def shown(styler) -> ArrowData:
        proto = ArrowData()
        marshall_styler(proto, styler, "x")
        return proto

    plain = ui.styled(frame, ["vacancy_rate"], better)
    plain.set_uuid("same")
    once = ui.rendered(ui.styled(frame, ["vacancy_rate"], better))
    first, again = shown(once), shown(once)
    expected = shown(plain)
    for got in (first, again):
        assert got.styler.styles.replace(got.styler.uuid, "same") == expected.styler.styles
        assert got.styler.display_values == expected.styler.display_values
    from agora.analysis.indicators import INDICATORS

    assert "background-color" in expected.styler.styles
    assert INDICATORS["vacancy_rate"].format(0.12).encode() in expected.styler.display_values


def test_a_table_rendered_column_by_column_shows_as_pandas_renders_it():
    """ui.compare.rendered with the cells' CSS gives Streamlit the styles and display values pandas gives."""
    import numpy as np
    import pandas as pd
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    from agora.ui import compare as ui

    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame({
        "name": pd.array([f"Town {i}" if i % 17 else None for i in range(n)], dtype="string"),
        "nef2005_class": rng.choice(["clone town", "border town", "home town", "Other", None], n),
        "size_band": rng.choice(["small", "large"], n),
        "vacancy_rate": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 0.3),
        "units": pd.array(np.where(rng.random(n) < 0.1, -1, rng.integers(5, 900, n)), dtype="Int64"),
        "profile": [f"profile?town=t{i}" for i in range(n)],
    }, index=rng.permutation(n))
    frame.loc[frame["units"] == -1, "units"] = pd.NA
    better = pd.DataFrame({"vacancy_rate": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 100),
                           "units": rng.random(n) * 100})
    shown = ["vacancy_rate", "units"]

    def drawn(styler) -> ArrowData:
        proto = ArrowData()
        marshall_styler(proto, styler, "x")
        return proto

    by_pandas = ui.rendered(ui.styled(frame, shown, better))
    by_column = ui.rendered(ui.styled(frame, shown, better), css=ui.cell_css(frame, shown, better))
    want, got = drawn(by_pandas), drawn(by_column)
    assert got.styler.styles.replace(got.styler.uuid, "u") == want.styler.styles.replace(want.styler.uuid, "u")
    assert got.styler.display_values == want.styler.display_values
    assert "background-color" in want.styler.styles and "font-weight" in want.styler.styles
    assert drawn(by_column).styler.display_values == want.styler.display_values  # drawn again: the same


def test_demo_towns_are_offered_beside_centres_of_ones_own(workspace, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from agora.service import DataService

    at = run_page("compare")
    assert not [c for c in at.checkbox if c.key == "demo"]  # only demo towns: nothing to choose
    own = gpd.GeoDataFrame({"centre_id": ["hebden-bridge"], "name": ["Hebden Bridge"]},
                           geometry=[box(-2.02, 53.74, -2.01, 53.745)], crs=4326)
    own.to_file(tmp_path / "hebden.geojson")
    svc = DataService(workspace.path, read_only=False)
    svc.save(svc.load(tmp_path / "hebden.geojson", "centres"))
    at = run_page("compare")
    assert not at.exception, at.exception
    assert [c.label for c in at.checkbox if c.key == "demo"] == ["Include the demo towns"]
    assert list(at.dataframe[0].value["name"]) == ["Hebden Bridge"]
    at = run_page("compare", demo="true")
    assert len(at.dataframe[0].value) == len(_centres(workspace))


def test_a_long_table_is_drawn_a_page_at_a_time_and_every_centre_is_found(workspace, monkeypatch):
    """Above PAGE_ROWS centres: the picked centres, then a page of the others; search and sort cover them all."""
    from agora.service import DataService
    from agora.ui import compare as ui

    monkeypatch.setattr(ui, "PAGE_ROWS", 2)
    centres = _centres(workspace)
    picked = centres["centre_id"].iloc[0]
    at = run_page("compare", centres=[picked], ind=["units", "vacancy_rate"])
    assert not at.exception, at.exception
    first = at.dataframe[0].value
    assert len(first) == 3 and first["name"].iloc[0] == centres["name"].iloc[0]
    rows = next(s for s in at.selectbox if s.key == "rows")
    assert len(rows.options) == 3  # 5 other centres, 2 a page
    seen = set()
    for page in ("1", "2", "3"):
        rows = next(s for s in at.selectbox if s.key == "rows")
        rows.set_value(page).run()
        assert not at.exception, at.exception
        table = at.dataframe[0].value
        assert table["name"].iloc[0] == centres["name"].iloc[0]
        seen |= set(table["name"])
    assert seen == set(centres["name"])
    # sorted by an indicator over every centre, highest first
    at = run_page("compare", centres=[picked], ind=["units", "vacancy_rate"], sort="units", order="descending")
    others = centres[centres["centre_id"] != picked].copy()
    table = at.dataframe[0].value
    full = DataService(workspace.path, read_only=True).indicators()
    best = full[full["centre_id"] != picked].sort_values("units", ascending=False, kind="stable")
    assert table["name"].tolist()[1:] == best["name"].tolist()[:2]
    # the search finds centres on any page, case aside
    name = others["name"].iloc[-1]
    at = run_page("compare", centres=[picked], find=name.lower())
    assert not at.exception, at.exception
    assert at.dataframe[0].value["name"].tolist() == [centres["name"].iloc[0], name]


def test_table_order():
    """The picked centres, then the others: by name (unit-level data first) or by a figure (missing last)."""
    import numpy as np
    import pandas as pd

    from agora.ui.compare import TableChoice, table_order

    full = pd.DataFrame({"centre_id": list("abcdef"), "name": ["Ash", "Birch", "Cedar", "Damson", "Elm", "Fir"],
                         "level": ["workspace", "area", "workspace", "workspace", "area", "workspace"],
                         "units": [10, 50, np.nan, 30, 30, 5]})
    picked, rest = table_order(full, ["d"])
    assert picked.tolist() == [3] and rest.tolist() == [0, 2, 5, 1, 4]
    assert table_order(full, ["d"], TableChoice(descending=True))[1].tolist() == [5, 2, 0, 4, 1]
    assert table_order(full, [], TableChoice(sort_by="units"))[1].tolist() == [5, 0, 3, 4, 1, 2]
    assert table_order(full, [], TableChoice(sort_by="units", descending=True))[1].tolist() == [1, 3, 4, 0, 5, 2]
    assert table_order(full, ["a"], TableChoice(find="E"))[1].tolist() == [2, 4]
    assert table_order(full, ["a"], TableChoice(find="zz"))[1].tolist() == []


def test_each_cell_is_coloured_by_its_own_centres_percentile():
    """The picked centres are moved to the top of the table: their cells keep their own colours."""
    import pandas as pd

    from agora.report import charts
    from agora.ui import compare as ui

    frame = pd.DataFrame({"name": ["A", "B", "C"], "vacancy_rate": [0.3, 0.2, 0.1]}).iloc[[2, 0, 1]]
    better = pd.DataFrame({"vacancy_rate": [10.0, 50.0, 90.0]})
    css = ui.cell_css(frame, ["vacancy_rate"], better)
    assert css["vacancy_rate"].tolist() == [f"background-color: {charts.goodness_colour(v)}" for v in (90, 10, 50)]
