"""Reference figures on the pages: beside the headline figures, on the charts, chosen by ?ref=, on the profile."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from agora.analysis import reference
from agora.analysis.indicators import format_value
from agora.service import DataService
from agora.ui.text import md
from apptest import run_page

TOWN = "castlebridge"


def chart_frames(at) -> list[list[pd.DataFrame]]:
    """The data sets of each chart on the page (Arrow, as Streamlit sends them)."""
    return [[pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
            for chart in at.get("vega_lite_chart")]


def drawn_references(at) -> list[pd.Series]:
    """The reference rows (median, q1, q3, text) drawn on the page's charts."""
    return [f.iloc[0] for frames in chart_frames(at) for f in frames
            if "text" in f and len(f) == 1 and str(f["text"].iloc[0]).startswith("median of ")]


def indicators(workspace) -> pd.DataFrame:
    return DataService(workspace.path).indicators()


def test_overview_states_each_figure_beside_the_median(workspace):
    table = indicators(workspace)
    at = run_page("overview", town=TOWN)
    assert not at.exception, at.exception
    assert at.radio(key="reference_picker").value == "all"
    captions = [c.value for c in at.caption]
    # independently: the median of the stored indicator table (six demo towns, nothing else loaded)
    rates = table["vacancy_rate"].dropna()
    mine = table.loc[table["centre_id"] == TOWN, "vacancy_rate"].iloc[0]
    start = md(f"{format_value(mine, 'share')}; median of {len(rates)} centres {format_value(rates.median(), 'share')} "
               f"(middle half {format_value(rates.quantile(0.25), 'share')} to "
               f"{format_value(rates.quantile(0.75), 'share')})")
    assert any(c.startswith(start) for c in captions), captions
    units = table["units"].dropna()
    assert any(c.startswith(md(f"{int(table.loc[table['centre_id'] == TOWN, 'units'].iloc[0]):,}; median of "
                               f"{len(units)} centres {units.median():,.0f}")) for c in captions), captions


def test_reference_group_from_the_url_and_back(workspace):
    table = indicators(workspace)
    band = table.loc[table["centre_id"] == TOWN, "size_band"].iloc[0]
    same = table.loc[table["size_band"] == band, "vacancy_rate"].dropna()
    at = run_page("overview", town=TOWN, ref="size")
    assert not at.exception, at.exception
    assert at.radio(key="reference_picker").value == "size"
    word = band.split(" (")[0]
    wanted = md(f"median of {len(same)} {word} centres {format_value(same.median(), 'share')} (middle half")
    assert any(wanted in c.value for c in at.caption), [c.value for c in at.caption]
    at.radio(key="reference_picker").set_value("all").run()
    assert at.query_params["ref"] in ("all", ["all"])
    # each demo town is alone in its region: no region reference, the others still said
    at.radio(key="reference_picker").set_value("region").run()
    assert not at.exception
    texts = [c.value for c in at.caption]
    assert not any("centres in " in t for t in texts) and any("median of 6 centres" in t for t in texts)


@pytest.mark.parametrize("page, indicator, query", [
    ("vacancy", "vacancy_rate", {}),
    ("footfall", "footfall_yoy", {}),
    ("clone_town", "nef2005_score", {}),
    ("compare", "vacancy_rate", {"view": "Scatter", "x": "vacancy_rate", "y": "share_independent"}),
])
def test_charts_draw_the_median_and_middle_half(workspace, page, indicator, query):
    table = indicators(workspace)
    at = run_page(page, town=TOWN, **query)
    assert not at.exception, at.exception
    drawn = drawn_references(at)
    values = table[indicator].dropna()
    hit = [r for r in drawn if r["median"] == pytest.approx(values.median())]
    assert hit, (indicator, [r["text"] for r in drawn])
    assert hit[0]["q1"] == pytest.approx(values.quantile(0.25))
    assert hit[0]["q3"] == pytest.approx(values.quantile(0.75))
    assert hit[0]["text"].startswith(f"median of {len(values)} centres")


def test_profile_shows_the_references(workspace):
    table = indicators(workspace)
    at = run_page("profile", town=TOWN, ref="size")
    assert not at.exception, at.exception
    band = table.loc[table["centre_id"] == TOWN, "size_band"].iloc[0]
    same = table.loc[table["size_band"] == band, "vacancy_rate"].dropna()
    wanted = md(f"Median of {len(same)} {band.split(' (')[0]} centres {format_value(same.median(), 'share')}")
    assert any(c.value.startswith(wanted) for c in at.caption), [c.value for c in at.caption]
    drawn = drawn_references(at)
    assert any(r["median"] == pytest.approx(same.median()) for r in drawn)


def test_profile_file_states_the_references(workspace):
    from agora.analysis import compare
    from agora.report.profile import build_profile, to_html

    svc = DataService(workspace.path)
    table, centres = svc.indicators(), svc.centres()
    layers = {name: svc.town(name, TOWN) for name in ("centres", "units", "footfall_sites", "assets")}
    profile = build_profile(compare.comparison_set(table, centres, keep=[TOWN]), layers, TOWN, centres=centres)
    refs = reference.references(table, TOWN, centres)
    text = to_html(profile)
    said = reference.sentence(refs, "vacancy_rate")
    assert said and said in text
    assert profile.figure("vacancy_rate")["reference"] == said


def test_region_names_are_escaped():
    refs = pd.DataFrame({"group": ["region"], "among": ["[x](http://evil.example)"], "indicator": ["units"],
                         "n": [3], "median": [10.0], "q1": [5.0], "q3": [20.0]}).set_index(["group", "indicator"],
                                                                                           drop=False)
    said = reference.sentence(refs, "units", 12, "region")
    assert "centres in [x](http://evil.example) 10" in said  # plain text: the pages show it through md()
    shown = md(said)
    assert "[x](" not in shown and "\\[x\\]" in shown


def test_national_series_on_the_vacancy_chart(realdata, workspace):
    from agora.loaders.area_indicators import load_cdrc_folder

    DataService(workspace.path).save_area_table(load_cdrc_folder(realdata / "cdrc_town_centre_vacancy"))
    at = run_page("vacancy", town=TOWN)
    assert not at.exception, at.exception
    frames = [f for frames in chart_frames(at) for f in frames if "year" in f and "vacancy_rate" in f]
    assert frames, "no national series drawn"
    series = frames[0].set_index("year")["vacancy_rate"]
    assert series[2009] == pytest.approx(0.0659, abs=5e-5) and series[2014] == pytest.approx(0.1260, abs=5e-5)
    assert any("CDRC" in c.value for c in at.caption)
