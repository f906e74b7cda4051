"""Markdown and HTML in data or links stay text on every page (no link, image or HTML gets through)."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest

from agora.loaders import load_assets, load_centres, load_footfall_sites
from agora.ui.text import md
from apptest import run_page
from conftest import PROJECT

IMAGE = "![b](http://evil.example/x.png)"
LINK = "[Session expired - sign in again](http://evil.example)"
HTML = "<img src=x onerror=alert(1)>"
OTHER = ":material/skull: $x^2$ :red[alarm] **bold** `code` <http://evil.example/auto> www.evil.example"
PAYLOADS = [IMAGE, LINK, HTML, OTHER]
PAGES = sorted(p.stem for p in (PROJECT / "pages").glob("*.py"))


def _as_geojson(table: gpd.GeoDataFrame) -> bytes:
    for col in table.columns:
        if str(table[col].dtype).startswith("datetime"):
            table[col] = table[col].dt.strftime("%Y-%m-%d")
    return table.to_json(na="null", drop_id=True).encode()


@pytest.fixture
def hostile(workspace):
    """The demo towns renamed to markup payloads, loaded through the loaders and saved with payload sources."""
    centres = workspace.read("centres")
    for i, payload in enumerate(PAYLOADS):
        centres.loc[i, "name"] = payload
        centres.loc[i, "typology"] = LINK
        centres.loc[i, "region"] = IMAGE
    workspace.save(load_centres(_as_geojson(centres), filename=f"{HTML}.geojson"), source=LINK, replace=True)
    units = workspace.read("units")
    picked = units.index % 7 == 0
    units.loc[picked, "name"] = [PAYLOADS[i % 4] for i in range(int(picked.sum()))]
    units.loc[units.index % 11 == 0, "street"] = IMAGE
    workspace.save(workspace.load(_as_geojson(units), "units", filename="units.geojson"), source=IMAGE,
                   replace=True)
    sites = workspace.read("footfall_sites")
    sites["name"] = [PAYLOADS[i % 4] for i in range(len(sites))]
    workspace.save(load_footfall_sites(_as_geojson(sites), filename="sites.geojson"), source=HTML, replace=True)
    assets = workspace.read("assets")
    assets["name"] = [PAYLOADS[i % 4] for i in range(len(assets))]
    workspace.save(load_assets(_as_geojson(assets), filename="assets.geojson"), source=OTHER, replace=True)
    return workspace


def markdown_bodies(at) -> list[str]:
    """Every text AppTest shows that Streamlit renders as markdown."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info", "error", "success",
                 "toast", "latex"):
        texts += [str(e.value) for e in getattr(at, kind, [])]
    texts += [str(m.label) for m in at.metric]
    texts += [str(e.label) for e in at.expander]
    texts += [str(t.label) for t in at.tabs]
    return texts


UNESCAPED = [
    re.compile(r"evil\.example"),            # any link or image target, or a bare URL, left live
    re.compile(r"(?<!\\)\]\((?:https?:|//|www)", re.I),  # [text](outside target)
    re.compile(r"!\["),                      # ![image] (escaped it reads \!\[)
    re.compile(r"<(img|http)", re.I),         # HTML or an autolink
    re.compile(r"(?<!\\):material/skull"),   # an icon
    re.compile(r"(?<!\\)\$x"),                # maths
]


def assert_inert(at, page: str) -> None:
    assert not at.exception, (page, at.exception)
    for body in markdown_bodies(at):
        for pattern in UNESCAPED:
            assert not pattern.search(body), (page, pattern.pattern, body)


@pytest.mark.parametrize("page", PAGES)
def test_payloads_in_names_sources_and_the_url_stay_text(hostile, page):
    # An unknown town in the link falls back to the first centre by name: the one named IMAGE.
    at = run_page(page, town="[x](http://evil.example)")
    assert_inert(at, page)
    shown = "\n".join(markdown_bodies(at))
    assert "[x]" not in shown and md("[x]") not in shown  # the parameter itself is never shown
    if page not in ("data", "compare", "profile", "moderation"):  # the pages with the sidebar's town picker
        assert any(w.value.startswith("The town in the link is not loaded") for w in at.sidebar.warning)
        assert md(IMAGE) in shown  # the centre's name is shown, as text
    if page == "profile":
        assert any(md(payload) in shown for payload in PAYLOADS)
    if page == "data":
        assert md(LINK) in shown and md(IMAGE) in shown  # dataset sources, in the expander labels
