"""The shared map builders: local assets, escaping, one layer per kind, grouping."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely

from agora.ui import maps

PROJECT = Path(__file__).resolve().parents[1]
EVIL = "<img src=x onerror=alert(1)>"
CDN_HINTS = ("cdn", "jsdelivr", "unpkg", "cloudflare", "bootstrapcdn", "jquery.com", "googleapis", "d3js")


def units(n: int = 6, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    names = [EVIL] + [f"Shop {i}" for i in range(n - 1)]
    return gpd.GeoDataFrame(
        {
            "unit_id": [f"u{i}" for i in range(n)],
            "name": names,
            "status": rng.choice(["occupied", "vacant"], n),
            "ownership": rng.choice(["independent", "chain"], n),
            "street": "High Street",
        },
        geometry=gpd.points_from_xy(-2.0150 + rng.random(n) * 0.003, 53.7414 + rng.random(n) * 0.002),
        crs="EPSG:4326",
    )


def centre(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"centre_id": ["c1"], "name": ["Hebden & <b>Bridge</b>"]},
        geometry=[shapely.box(*gdf.total_bounds).buffer(0.0005)],
        crs="EPSG:4326",
    )


def overview(gdf: gpd.GeoDataFrame) -> folium.Map:
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, centre(gdf), "Centre boundary", color="#444444", fill_opacity=0.05,
                           tooltip={"name": "Centre"}, legend=False)
    maps.add_geojson_layer(
        m, gdf, "Units", color_by="status", colors=maps.STATUS_COLOURS,
        stroke_by="ownership", stroke_colors=maps.OWNERSHIP_COLOURS,
        tooltip={"name": "Name", "status": "Status"},
    )
    return m


def st_folium_args(m: folium.Map, monkeypatch, render: bool = False) -> dict:
    """The arguments streamlit-folium would send to its browser component."""
    import streamlit_folium

    captured: dict = {}

    def component(**kwargs):
        captured.update(kwargs)
        return kwargs.get("default")

    monkeypatch.setattr(streamlit_folium, "_component_func", component)
    streamlit_folium.st_folium(m, key="t", returned_objects=[], render=render)
    captured.pop("on_change", None)
    return captured


def test_skipping_the_figure_render_sends_the_same_payload(monkeypatch):
    gdf = units(30)
    assert st_folium_args(overview(gdf), monkeypatch, render=False) == st_folium_args(
        overview(gdf), monkeypatch, render=True)


def test_rendered_map_loads_nothing_from_a_cdn():
    page = overview(units()).get_root().render()
    links = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', page)
    assert links, "the map page should link Leaflet"
    for url in links:
        assert url.startswith("/app/static/vendor/"), url
        assert not any(hint in url.lower() for hint in CDN_HINTS), url
    # nothing else in the page points at a script host either
    assert not any(hint in page.lower() for hint in ("jsdelivr", "unpkg", "cloudflare", "bootstrapcdn"))


def test_streamlit_folium_gets_only_local_links_that_exist(monkeypatch):
    args = st_folium_args(overview(units()), monkeypatch)
    links = args["js_links"] + args["css_links"]
    assert args["js_links"] == [f"/app/static/{maps.VENDOR_DIR}/leaflet.js"]
    assert args["css_links"] == [f"/app/static/{maps.VENDOR_DIR}/leaflet.css"]
    for url in links:
        assert (PROJECT / "static" / url.removeprefix("/app/static/")).is_file(), url
    assert (PROJECT / "static" / maps.VENDOR_DIR / "LICENSE").is_file()
    # the header streamlit-folium keeps must not bring back a remote script
    assert not re.search(r"(src|href)=", args["header"])
    assert not any(hint in args["script"].lower() for hint in CDN_HINTS)


def test_folium_class_defaults_are_left_alone():
    maps.base_map((0, 50, 1, 51))
    assert any("leaflet" in url for _, url in folium.Map.default_js)
    assert folium.Map().default_js is not maps.base_map((0, 50, 1, 51)).default_js


def test_static_url_honours_base_url_path(monkeypatch):
    from streamlit import config

    monkeypatch.setattr(config, "get_option", lambda name: "/agora/" if name == "server.baseUrlPath" else None)
    assert maps.static_url("vendor/x.js") == "/agora/app/static/vendor/x.js"


def test_malicious_name_is_escaped_in_the_geojson():
    gdf = units()
    m = maps.base_map(gdf.total_bounds)
    layer = maps.add_geojson_layer(m, gdf, "Units <script>", tooltip={"name": "Name"})
    names = [f["properties"]["name"] for f in layer.data["features"]]
    assert names[0] == "&lt;img src=x onerror=alert(1)&gt;"
    assert layer.layer_name == "Units &lt;script&gt;"
    page = m.get_root().render()
    assert EVIL not in page
    assert '"Units \\u0026lt;script\\u0026gt;"' in page and "Units <script>" not in page


def test_legend_and_tooltip_labels_are_escaped():
    gdf = units()
    gdf["status"] = ["<b>x</b>"] * len(gdf)
    m = folium.Map(tiles=None)
    maps.add_geojson_layer(m, gdf, "Units", color_by="status", colors={"<b>x</b>": "#ff0000"},
                           tooltip={"status": "<i>Status</i>"})
    page = m.get_root().render()
    assert "<b>x</b>" not in page and "<i>Status</i>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_one_geojson_layer_per_kind_of_feature():
    m = overview(units(50))
    children = list(m._children.values())
    geojson = [c for c in children if isinstance(c, folium.GeoJson)]
    assert [g.layer_name for g in geojson] == ["Centre boundary", "Units"]
    assert not [c for c in children if isinstance(c, (folium.CircleMarker, folium.Marker))]
    assert m.get_root().render().count("L.geoJson(") == 2
    assert isinstance(children[-1], folium.LayerControl), "the layer control must render last"


def test_layers_are_switchable_and_can_start_hidden():
    gdf = units()
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, gdf, "Units", show=False)
    page = m.get_root().render()
    assert re.search(r'"Units"\s*:\s*geo_json_\w+', page), "layer listed in the layer control"
    layer = [c for c in m._children.values() if isinstance(c, folium.GeoJson)][0]
    assert layer.show is False and layer.control is True


def test_only_style_and_tooltip_properties_are_kept_and_coordinates_rounded():
    gdf = units()
    gdf.geometry = gpd.points_from_xy(gdf.geometry.x + 1.23456789e-4, gdf.geometry.y)
    m = folium.Map(tiles=None)
    layer = maps.add_geojson_layer(m, gdf, "Units", color_by="status", colors=maps.STATUS_COLOURS,
                                   tooltip={"name": "Name"})
    feature = layer.data["features"][0]
    assert set(feature["properties"]) == {"status", "name"}
    for value in feature["geometry"]["coordinates"]:
        assert value == round(value, 6)
        assert len(repr(value).split(".")[1]) <= 6


def test_polygons_are_rounded_and_styled_without_markers():
    gdf = units()
    m = folium.Map(tiles=None)
    layer = maps.add_geojson_layer(m, centre(gdf), "Centre", tooltip={"name": "Centre"})
    assert layer.marker is None
    ring = layer.data["features"][0]["geometry"]["coordinates"][0]
    assert all(len(repr(v).split(".")[-1]) <= 6 for xy in ring for v in xy)
    assert layer.data["features"][0]["properties"]["name"] == "Hebden &amp; &lt;b&gt;Bridge&lt;/b&gt;"


def test_points_are_circle_markers_styled_from_columns():
    gdf = units()
    gdf["size"] = np.arange(len(gdf))
    m = folium.Map(tiles=None)
    layer = maps.add_geojson_layer(m, gdf, "Units", color_by="status", colors={"vacant": "#d95f02"},
                                   radius_by="size")
    assert isinstance(layer.marker, folium.CircleMarker)
    radii = [f["properties"]["_r"] for f in layer.data["features"]]
    assert radii[0] == 3 and radii[-1] == 14 and radii == sorted(radii)
    style = layer.options["style"].js_code
    assert '"vacant": "#d95f02"' in style


def test_missing_style_column_is_a_clear_error():
    with pytest.raises(KeyError, match="no column 'colour'"):
        maps.add_geojson_layer(folium.Map(tiles=None), units(), "Units", color_by="colour")


def test_empty_layer_and_missing_geometries():
    gdf = units()
    gdf.loc[0, "geometry"] = None
    m = maps.base_map(gdf.total_bounds)
    layer = maps.add_geojson_layer(m, gdf, "Units", tooltip={"name": "Name"})
    assert len(layer.data["features"]) == len(gdf) - 1
    empty = maps.add_geojson_layer(m, gdf.iloc[:0], "Nothing", tooltip={"name": "Name"})
    assert empty.data["features"] == []
    m.get_root().render()


def test_base_map_fits_bounds_and_falls_back_to_great_britain():
    m = maps.base_map((-2.02, 53.74, -2.01, 53.75))
    page = m.get_root().render()
    assert "fitBounds" in page and "[53.74, -2.02]" in page
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert tiles[0].options["attribution"].endswith("OpenStreetMap</a> contributors")
    assert maps.OFFLINE_NOTE in page or json.dumps(maps.OFFLINE_NOTE) in page
    assert "tileerror" in page
    gb = maps.base_map((np.nan, np.nan, np.nan, np.nan))
    assert gb.location == [54.0, -2.5]


def test_many_points_are_grouped_into_cells():
    gdf = units(400, seed=3)
    m = folium.Map(tiles=None)
    layer = maps.add_geojson_layer(m, gdf, "Units", color_by="status", colors=maps.STATUS_COLOURS,
                                   tooltip={"name": "Name", "status": "Status"}, max_points=100)
    feats = layer.data["features"]
    assert 0 < len(feats) <= 100
    assert sum(f["properties"]["count"] for f in feats) == 400
    assert layer.layer_name == "Units (grouped)"
    assert {f["properties"]["majority"] for f in feats} <= {"occupied", "vacant"}
    assert all(re.fullmatch(r"(\w+ \d+)(, \w+ \d+)*", f["properties"]["breakdown"]) for f in feats)


def test_grid_aggregate_keeps_every_point():
    gdf = units(300, seed=4)
    cells = maps.grid_aggregate(gdf, by="ownership", max_cells=20)
    assert len(cells) <= 20 and cells["count"].sum() == 300
    assert cells.crs.to_epsg() == 4326
    assert cells.attrs["cell_m"] >= 50


@pytest.fixture
def fake_st_folium(monkeypatch):
    import streamlit_folium

    calls: list[dict] = []

    def component(**kwargs):
        calls.append(kwargs)
        return {k: None for k in kwargs["returned_objects"]}

    monkeypatch.setattr(streamlit_folium, "_component_func", component)
    return calls


def test_show_map_returns_nothing_by_default(fake_st_folium):
    result = maps.show_map(overview(units()), key="overview")
    from streamlit_folium import generate_js_hash

    assert fake_st_folium[0]["returned_objects"] == []
    assert fake_st_folium[0]["key"] == generate_js_hash(fake_st_folium[0]["script"], "overview", False)
    assert result == {}


def test_show_map_passes_only_what_the_page_reads(fake_st_folium):
    result = maps.show_map(overview(units()), key="k", height=300, returned_objects=("last_object_clicked",))
    assert fake_st_folium[0]["returned_objects"] == ["last_object_clicked"]
    assert fake_st_folium[0]["height"] == 300
    assert result == {"last_object_clicked": None}


def test_show_map_rejects_unknown_returned_objects(fake_st_folium):
    with pytest.raises(ValueError, match="cannot return zoomz"):
        maps.show_map(overview(units()), key="k", returned_objects=["zoomz"])
    assert fake_st_folium == []


def test_streamlit_config_serves_static_files_and_compresses():
    from streamlit import config

    conf = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    assert conf["server"]["enableStaticServing"] is True
    assert conf["server"]["enableWebsocketCompression"] is True
    for name in ("server.enableStaticServing", "server.enableWebsocketCompression"):
        assert name in config._config_options, name


def test_vendor_script_pins_the_version_the_maps_use():
    script = (PROJECT / "scripts" / "vendor_assets.sh").read_text()
    assert f"LEAFLET_VERSION={maps.LEAFLET_VERSION}" in script
    assert maps.VENDOR_DIR == f"vendor/leaflet-{maps.LEAFLET_VERSION}"


def test_mixed_points_and_polygons_share_one_layer():
    gdf = units(3)
    mixed = gdf.copy()
    mixed.loc[2, "geometry"] = shapely.box(-2.0150, 53.7414, -2.0148, 53.7416)
    m = folium.Map(tiles=None)
    layer = maps.add_geojson_layer(m, mixed, "Assets", tooltip={"name": "Asset"})
    assert isinstance(layer.marker, folium.CircleMarker)
    kinds = [f["geometry"]["type"] for f in layer.data["features"]]
    assert kinds == ["Point", "Point", "Polygon"]


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{{ cycler.__init__.__globals__.os.getcwd() }}", "{# open", "{% if %}"])
def test_braces_in_data_are_never_run_as_a_template(name, monkeypatch):
    gdf = units()
    gdf.loc[1, "name"] = name
    gdf.loc[2, "status"] = name
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, gdf, f"Units {name}", color_by="status", colors={name: "#ff0000"},
                           tooltip={"name": name})
    page = m.get_root().render()  # what streamlit-folium does first; must not fail
    assert '"49"' not in page
    assert str(PROJECT) not in page
    for text in ("{{", "{%", "{#"):
        assert text not in page
    assert "\\u0026#123;" in page  # the braces are there, as entities
    args = st_folium_args(maps.base_map(gdf.total_bounds), monkeypatch)
    assert args["script"]


def test_escape_text_shows_the_same_text_in_a_browser():
    import html

    assert html.unescape(maps.escape_text("{{ a & <b> }}")) == "{{ a & <b> }}"


def test_legends_fold_behind_a_button_and_start_folded_on_narrow_maps():
    gdf = units()
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, gdf, "Units <i>", color_by="status", colors=maps.STATUS_COLOURS)
    page = m.get_root().render()
    assert 'L.DomUtil.create("button", "agora-legend-toggle"' in page
    assert 'setAttribute("aria-expanded"' in page and 'setAttribute("aria-controls"' in page
    assert f"set(map.getSize().x >= {maps.COLLAPSE_BELOW_PX})" in page
    assert "Units \\u0026lt;i\\u0026gt;" in page and "Units <i>" not in page  # the button title is escaped


def test_a_single_colour_layer_has_a_legend_entry():
    gdf = units()
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, gdf, "Footfall sites", color="#1f78b4")
    legends = [c for c in m._children.values() if isinstance(c, maps.Legend)]
    assert len(legends) == 1 and "#1f78b4" in legends[0].body and "Footfall sites" in legends[0].body
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, gdf, "Boundary", legend=False)
    assert not [c for c in m._children.values() if isinstance(c, maps.Legend)]


def _same_ids(monkeypatch):
    """Element ids counted from 0, so two builds of one map are the same text."""
    import itertools

    from branca.element import Element

    counter = itertools.count()
    monkeypatch.setattr(Element, "_generate_id", classmethod(lambda cls: f"{next(counter):032x}"))


def _units_map():
    units = gpd.GeoDataFrame({"name": ["A", "B"], "status": ["occupied", "vacant"]},
                             geometry=gpd.points_from_xy([-1.55, -1.551], [53.80, 53.801]), crs=4326)
    m = maps.base_map(units.total_bounds)
    maps.add_geojson_layer(m, units, "Units", color_by="status", colors=maps.STATUS_COLOURS,
                           tooltip={"name": "Name", "status": "Status"})
    return m


@pytest.mark.parametrize("returned", [(), ("last_clicked", "last_object_clicked")])
def test_a_rendered_map_is_drawn_as_st_folium_draws_it(monkeypatch, returned):
    """maps.component_args does what st_folium does; drawing it sends st_folium's own arguments."""
    import streamlit_folium
    from streamlit_folium import st_folium

    sent = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs))
    _same_ids(monkeypatch)
    st_folium(_units_map(), key="m", height=300, use_container_width=True, returned_objects=list(returned),
              render=False)
    _same_ids(monkeypatch)
    maps.show_map(_units_map(), key="m", height=300, returned_objects=returned)
    _same_ids(monkeypatch)
    maps.show_cached_map(("a test map",), _units_map, key="m", height=300, returned_objects=returned)
    maps.show_cached_map(("a test map",), lambda: pytest.fail("built twice"), key="m", height=300,
                         returned_objects=returned)
    expected, *ours = sent
    assert len(ours) == 3
    for got in ours:
        assert set(got) == set(expected)
        for name in expected:
            if name != "on_change":
                assert got[name] == expected[name], name
