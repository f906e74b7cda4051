"""Town profile: the page for every demo town and for an area-only centre, and the standalone HTML download."""

from __future__ import annotations

import re

import pytest

from apptest import run_page

CDN = re.compile(r"cdn\.|unpkg\.com|jsdelivr|googleapis|cdnjs", re.I)


@pytest.fixture
def layers(workspace):
    from agora.analysis.ownership import classify_ownership
    from agora.layers import LAYERS

    out = {name: workspace.read(name) for name in LAYERS}
    out["units"] = classify_ownership(out["units"])
    return out


def test_profile_page_for_every_demo_town(workspace, layers):
    from agora.analysis.indicators import indicator_table

    table = indicator_table(layers).set_index("centre_id")
    for centre_id, name in zip(layers["centres"]["centre_id"], layers["centres"]["name"]):
        at = run_page("profile", town=centre_id)
        assert not at.exception, at.exception
        assert at.title[0].value == name
        assert at.selectbox[0].value == centre_id
        assert at.query_params["town"] in (centre_id, [centre_id])
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Vacancy rate"] == f"{table.at[centre_id, 'vacancy_rate']:.1%}"
        assert metrics["nef 2005 score"] == f"{table.at[centre_id, 'nef2005_score']:.1f}"
        headers = [h.value for h in at.subheader]
        for part in ("Headline figures", "What changed", "Clone-town diagnosis", "Map", "Towns like this",
                     "Every indicator", "Data sources and dates"):
            assert part in headers
        assert any(table.at[centre_id, "nef2005_class"] in md.value.lower() for md in at.markdown)
        assert "Download this profile (HTML, opens offline)" in [b.label for b in at.get("download_button")]


def test_profile_html_is_standalone_with_name_and_figures(layers):
    from agora.analysis.indicators import indicator_table
    from agora.report.profile import build_profile, to_html

    table = indicator_table(layers)
    row = table.iloc[2]
    profile = build_profile(table, layers, row["centre_id"], sources=[{"layer": "units", "source": "demo.csv",
                                                                       "rows": 10, "saved_at": "2026-01-02"}])
    text = to_html(profile)
    assert text.startswith("<!DOCTYPE html>")
    assert f"<title>{row['name']} · town profile</title>" in text
    assert f"<h1>{row['name']}</h1>" in text
    assert f"{row['vacancy_rate']:.1%}" in text and f"{row['nef2005_score']:.1f}" in text
    assert row["nef2005_class"] in text
    assert "<svg" in text and text.count("<svg") >= 3  # map and charts, inline
    assert "@media print" in text
    # nothing is fetched: no script, no remote stylesheet or image, no CDN
    assert "<script" not in text.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text, re.I)
    assert not CDN.search(text)
    assert "demo.csv" in text and "loaded 2026-01-02" in text


def test_profile_html_escapes_text_from_data(layers):
    from agora.analysis.indicators import indicator_table
    from agora.report.profile import build_profile, to_html

    evil = "<img src=x onerror=alert(1)>"
    centres = layers["centres"].copy()
    centres.loc[centres.index[0], "name"] = evil
    layers = {**layers, "centres": centres}
    table = indicator_table(layers)
    cid = centres["centre_id"].iloc[0]
    text = to_html(build_profile(table, layers, cid))
    assert evil not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_profile_of_a_centre_known_only_from_area_tables(workspace, realdata):
    from agora.loaders.area_indicators import load_cdrc_town_centres
    from agora.store.indicators import save_indicators

    path = realdata / "cdrc_town_centre_vacancy" / "tc_2014_ldc_composition_vacancy.csv"
    save_indicators(workspace.path, load_cdrc_town_centres(path))
    at = run_page("profile", town="TC0456")
    assert not at.exception, at.exception
    assert at.title[0].value == "Exeter"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Units"] == "720"
    assert metrics["Vacancy rate"] == "8.9%"
    assert "nef 2005 score" not in metrics  # unknown: not shown as zero
    assert any("Local Data Company" in md.value for md in at.markdown)


def test_unknown_centre_falls_back(workspace):
    at = run_page("profile", town="atlantis")
    assert not at.exception, at.exception
    first = workspace.read("centres").sort_values("name")["name"]
    assert at.title[0].value in set(first)


def test_every_chart_on_the_profile_has_a_table(workspace, layers):
    at = run_page("profile", town=layers["centres"]["centre_id"].iloc[0])
    assert not at.exception, at.exception
    headers = [h.value for h in at.subheader]
    charts = [h for h in headers if h not in ("Headline figures", "What changed", "Clone-town diagnosis", "Map",
                                               "Towns like this", "Every indicator", "Data sources and dates",
                                               "Most alike by brands")]
    assert charts, headers
    expanders = [e.label for e in at.expander]
    assert [c for c in charts if f"{c} as a table" not in expanders] == []
