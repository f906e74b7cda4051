"""Folium maps shared by the pages.

The builders (`base_map`, `add_geojson_layer`, `add_legend`, `grid_aggregate`) are plain
functions on folium objects and can be tested without a running app; `show_map` is the
only Streamlit call.

Rules the builders keep (DESIGN.md section 7):

- Leaflet is served by the app itself (``static/vendor/``, at ``/app/static/vendor/``
  with ``server.enableStaticServing``), never from a CDN, so maps draw offline. Base
  tiles do need the internet: when they fail the map says so.
- One GeoJSON layer per kind of feature, styled in the browser from a few properties;
  points are circle markers. Only the properties the style and tooltip need are sent,
  coordinates rounded to 6 decimals.
- Every text value in a tooltip, legend or layer name goes through `escape_text`:
  HTML-escaped, because Leaflet and folium's GeoJsonTooltip insert it as HTML, and
  braces as entities, because folium renders map scripts as Jinja templates. Permanent
  labels use `Label` (text sent as a JSON string), never folium's ``Tooltip``, which
  pastes its text into a JavaScript template literal.
- Above `MAX_POINTS` points a layer is aggregated to a grid of cells.
- On a map narrower than `COLLAPSE_BELOW_PX` the layer control and the legends open
  folded, so they do not cover the street on a phone.
- A unit the user picked (search or table row) is shown with `focus_on`: a ring with its
  label open, the map fitted to it. Pages redraw the map on the server for it; panning
  and clicking still never rerun the script.
- A page's map that is a function of a few values (workspace version, town, filters,
  the unit picked) is drawn with `show_cached_map`: rendered once per process for those
  values, then only sent again. Its key must name everything the map shows.

Examples
--------
>>> units = gpd.GeoDataFrame({"name": ["<b>{{ Bakery }}</b>"], "status": ["occupied"]},
...                          geometry=gpd.points_from_xy([-1.55], [53.80]), crs=4326)
>>> m = base_map(units.total_bounds)
>>> _ = add_geojson_layer(m, units, "Units", color_by="status", colors=STATUS_COLOURS,
...                       tooltip={"name": "Name", "status": "Status"})
>>> html = m.get_root().render()
>>> "<b>" in html, "{{ Bakery" in html   # sent escaped, never as markup or a template
(False, False)
>>> show_map(m, key="overview_map")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import JsCode

from agora import palettes

LEAFLET_VERSION = "1.9.4"
VENDOR_DIR = f"vendor/leaflet-{LEAFLET_VERSION}"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
OFFLINE_NOTE = "Base map unavailable offline — data layers still shown"
COORD_DECIMALS = 6
MAX_POINTS = 5000
DEFAULT_COLOUR = "#3388ff"
OTHER_COLOUR = "#9e9e9e"
#: Maps narrower than this (pixels) open with their legends and layer control folded.
COLLAPSE_BELOW_PX = 480
#: `add_labels` names every feature up to this many, else only the highlighted ones.
LABEL_ALL_MAX = 30

# Leaflet's own 12-13px for controls and tooltips (folium sets 1rem on the whole map).
MAP_CSS = (
    "<style>.leaflet-container .leaflet-control-layers, .leaflet-container .leaflet-tooltip,"
    " .leaflet-container .leaflet-control-attribution { font-size: 13px; }"
    " .leaflet-tooltip.agora-label { padding: 1px 4px; box-shadow: none; opacity: .9; }"
    " .leaflet-tooltip.agora-label-chosen, .leaflet-tooltip.agora-focus-label { font-weight: bold;"
    " border: 2px solid #111; }</style>"
)

# Colour-blind safe palettes, shared with the charts (agora/palettes.py).
STATUS_COLOURS = palettes.STATUS_COLOURS
OWNERSHIP_COLOURS = palettes.OWNERSHIP_COLOURS
ASSET_COLOURS = palettes.ASSET_COLOURS

# The keys st_folium can return; `show_map` accepts only these.
RETURNABLE = (
    "last_clicked",
    "last_object_clicked",
    "last_object_clicked_count",
    "last_object_clicked_tooltip",
    "last_object_clicked_popup",
    "all_drawings",
    "last_active_drawing",
    "bounds",
    "zoom",
    "center",
    "last_circle_radius",
    "last_circle_polygon",
    "selected_layers",
    "selected_tags",
    "last_geocoder_result",
)


# --------------------------------------------------------------------------- escaping


def escape_text(value: Any) -> str:
    """Text from data made safe for a folium map: HTML-escaped, braces as entities.

    Leaflet and folium's tooltips insert text as HTML, hence `html.escape`. Braces
    matter too: folium (branca) compiles each element's rendered script, data
    included, as a Jinja template, so a name like ``{{ ... }}`` would be evaluated on
    the server. As ``&#123;`` and ``&#125;`` they still show as braces.
    """
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


# --------------------------------------------------------------------------- assets


def static_url(path: str) -> str:
    """URL at which the app serves ``static/<path>`` (honours ``server.baseUrlPath``)."""
    base = ""
    try:
        from streamlit import config

        base = (config.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # streamlit missing or config unreadable: serve from the root
        base = ""
    prefix = f"/{base}" if base else ""
    return f"{prefix}/app/static/{path.lstrip('/')}"


def use_local_assets(m: folium.Map) -> folium.Map:
    """Point `m` at the app's own copy of Leaflet instead of folium's CDN links.

    Only Leaflet is needed: the maps use no popup (jQuery), no awesome-markers icon
    and no Bootstrap. The lists are set on this map only, not on the folium class.
    """
    m.default_js = [("leaflet", static_url(f"{VENDOR_DIR}/leaflet.js"))]
    m.default_css = [("leaflet_css", static_url(f"{VENDOR_DIR}/leaflet.css"))]
    return m


# --------------------------------------------------------------------------- base map


class OfflineTilesNote(MacroElement):
    """Show a note on the map when its base tiles cannot be loaded.

    The note appears on the first tile error, or when no tile has loaded after
    `timeout_ms` (a network that drops requests never reports an error), and goes
    away as soon as a tile loads.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var tiles = {{ this.tiles.get_name() }};
            var loaded = false, shown = false;
            var note = L.control({position: "topleft"});  // under the zoom buttons, clear of the legends
            note.onAdd = function () {
                var div = L.DomUtil.create("div", "agora-offline-note");
                div.textContent = {{ this.text|tojson }};
                div.setAttribute("role", "status");
                div.style.cssText = "background:#fff8e1;border:1px solid #f0b400;" +
                    "padding:4px 8px;font:13px/1.4 sans-serif;color:#333;border-radius:4px;";
                return div;
            };
            function show() {
                if (!loaded && !shown) { shown = true; note.addTo(map); }
            }
            tiles.on("tileload", function () {
                loaded = true;
                if (shown) { map.removeControl(note); shown = false; }
            });
            tiles.on("tileerror", show);
            setTimeout(show, {{ this.timeout_ms }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, text: str = OFFLINE_NOTE, timeout_ms: int = 6000):
        super().__init__()
        self._name = "OfflineTilesNote"
        self.tiles = tiles
        self.text = text
        self.timeout_ms = int(timeout_ms)


def base_map(
    bounds: Sequence[float] | None,
    *,
    tiles: bool = True,
    height: int | str = "100%",
    padding: int = 10,
    max_zoom: int = 19,
) -> folium.Map:
    """A map fitted to `bounds` with OSM tiles and a layer control, using local Leaflet.

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy) in lon/lat, e.g. ``gdf.total_bounds``; None or
        non-finite values give a view of Great Britain.
    tiles : add the OpenStreetMap base layer (with its attribution and the offline note).
    padding : pixels kept free around `bounds`.

    Returns
    -------
    folium.Map
        Add layers with `add_geojson_layer`; the layer control stays last.
    """
    box = _valid_bounds(bounds)
    if box is None:
        location, zoom = [54.0, -2.5], 6
    else:
        location, zoom = [(box[1] + box[3]) / 2, (box[0] + box[2]) / 2], 15
    m = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        height=height,
        max_zoom=max_zoom,
        control_scale=True,
        # fit in quarter steps: with whole steps a town on a phone could fill only half the map
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    use_local_assets(m)
    m.get_root().header.add_child(Element(MAP_CSS), name="agora_map_css")
    if tiles:
        layer = folium.TileLayer(
            OSM_TILES,
            name="OpenStreetMap",
            attr=OSM_ATTRIBUTION,
            max_zoom=max_zoom,
            max_native_zoom=19,
            overlay=False,
            control=False,
        )
        layer.add_to(m)
        m.add_child(OfflineTilesNote(layer))
    if box is not None:
        m.fit_bounds([[box[1], box[0]], [box[3], box[2]]], padding=(padding, padding))
    # open on a wide map, folded to its button on a narrow one (a phone)
    folium.LayerControl(collapsed=JsCode(f"window.innerWidth < {COLLAPSE_BELOW_PX}")).add_to(m)
    return m


def _valid_bounds(bounds: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if bounds is None:
        return None
    vals = [float(v) for v in bounds]
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        return None
    minx, miny, maxx, maxy = vals
    if minx == maxx and miny == maxy:  # one point: open a small box around it
        minx, maxx, miny, maxy = minx - 0.002, maxx + 0.002, miny - 0.001, maxy + 0.001
    return minx, miny, maxx, maxy


def _keep_control_last(m: folium.Map) -> None:
    """Move the layer control after the layers (it must render after them)."""
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            m._children.move_to_end(key)


# --------------------------------------------------------------------------- layers


def add_geojson_layer(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    color_by: str | None = None,
    colors: Mapping[Any, str] | None = None,
    color: str = DEFAULT_COLOUR,
    stroke_by: str | None = None,
    stroke_colors: Mapping[Any, str] | None = None,
    stroke: str | None = None,
    radius: float = 5,
    radius_by: str | None = None,
    radius_range: tuple[float, float] = (3, 14),
    weight: float = 1,
    fill_opacity: float = 0.8,
    tooltip: Mapping[str, str] | None = None,
    legend: bool | str = True,
    labels: Mapping[Any, str] | None = None,
    show: bool = True,
    max_points: int | None = MAX_POINTS,
) -> folium.GeoJson:
    """Add `gdf` to `m` as one switchable GeoJSON layer.

    Parameters
    ----------
    m : map from `base_map`.
    gdf : features in lon/lat (reprojected to EPSG:4326 if another CRS is set).
    name : layer name shown in the layer control (escaped).
    color_by, colors : fill colour from column `color_by` through the value->colour
        mapping `colors`; values not in it get grey. Without `color_by`, `color`.
    stroke_by, stroke_colors, stroke : outline colour the same way (default: the fill
        colour for polygons and lines, white for points).
    radius, radius_by, radius_range : circle-marker radius in pixels; with `radius_by`
        scaled by the square root of that numeric column into `radius_range`.
    weight, fill_opacity : outline width and fill opacity.
    tooltip : column -> label shown on hover, in order. Values are HTML-escaped.
    legend : add a legend for `color_by`/`stroke_by` (a string sets its title; the
        legend hides with the layer).
    labels : value -> text used in the legend instead of the raw value.
    show : whether the layer is on when the map opens.
    max_points : above this many point features, draw a grid of cells instead
        (see `grid_aggregate`); None never aggregates.

    Returns
    -------
    folium.GeoJson
        The layer, already added to `m`.
    """
    unplaced = int((gdf.geometry.isna() | gdf.geometry.is_empty).sum()) if isinstance(gdf, gpd.GeoDataFrame) else 0
    if unplaced:  # said under the map by show_map
        m._agora_unplaced = [*getattr(m, "_agora_unplaced", []), (str(name), unplaced)]
    gdf = _to_display(gdf)
    tooltip = dict(tooltip or {})
    missing = [c for c in dict.fromkeys([color_by, stroke_by, radius_by, *tooltip]) if c and c not in gdf.columns]
    if missing:
        raise KeyError(f"{name}: no column {', '.join(map(repr, missing))} in the data")
    aggregated = False
    if max_points is not None and len(gdf) > max_points and bool((gdf.geom_type == "Point").all()):
        gdf = grid_aggregate(gdf, by=color_by, max_cells=max_points)
        aggregated = True
        labels_given, tooltip = tooltip, {"count": name}
        if color_by:
            tooltip["breakdown"] = str(labels_given.get(color_by, color_by))
            color_by = "majority"
        name = f"{name} (grouped)"
        radius_by, radius_range = "count", (4, 16)
        stroke_by = None

    kinds = set(gdf.geom_type)
    has_points = bool(kinds & {"Point", "MultiPoint"})
    points = bool(kinds) and kinds <= {"Point", "MultiPoint"}
    columns = [c for c in dict.fromkeys([color_by, stroke_by, *tooltip]) if c]
    props = _properties(gdf, columns)
    if radius_by:
        props["_r"] = _scaled_radius(gdf[radius_by], radius_range)
    data = _feature_collection(gdf.geometry, props)

    fill_map = _escaped_keys(colors) if color_by else {}
    stroke_map = _escaped_keys(stroke_colors) if stroke_by else {}
    default_stroke = stroke or ("#ffffff" if points else None)
    style = _style_js(
        fill_key=color_by,
        fill_map=fill_map,
        fill=color,
        stroke_key=stroke_by,
        stroke_map=stroke_map,
        stroke=default_stroke,
        radius=radius,
        weight=weight,
        fill_opacity=fill_opacity,
    )
    layer = folium.GeoJson(
        data,
        name=escape_text(name),
        show=show,
        marker=folium.CircleMarker(radius=radius, fill=True, weight=weight) if has_points else None,
        style=JsCode(style),
        tooltip=(
            folium.GeoJsonTooltip(
                fields=list(tooltip),
                aliases=[escape_text(label) for label in tooltip.values()],
                sticky=True,
            )
            if tooltip and data["features"]
            else None
        ),
    )
    layer.add_to(m)
    if legend:
        sections = []
        for key, mapping, outline in ((color_by, colors, False), (stroke_by, stroke_colors, True)):
            if not key or not mapping:
                continue
            present = set(gdf[key].dropna().astype(str))
            entries = {
                (labels or {}).get(value, value): colour
                for value, colour in mapping.items()
                if str(value) in present
            }
            if entries:
                heading = tooltip.get(key, key.replace("_", " ").capitalize())
                if aggregated:
                    heading = f"Most common {tooltip.get('breakdown', key).lower()}"
                sections.append((heading, entries, outline))
        if not sections and not color_by:  # one colour: the layer's own name and swatch
            sections.append((name, {name: color}, False))
        if sections:
            add_legend(m, legend if isinstance(legend, str) else name, sections, layer=layer,
                       shape="circle" if points else "square")
    _keep_control_last(m)
    return layer


def _to_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError("add_geojson_layer needs a GeoDataFrame")
    # the layers are stored in EPSG:4326: read that off the CRS's text before asking PROJ, which
    # builds a context in each new script thread (a sixth of an Overview's run under a crowd)
    if gdf.crs is not None and gdf.crs.srs.upper() != "EPSG:4326" and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    keep = gdf.geometry.notna() & ~gdf.geometry.is_empty
    return gdf[keep] if not keep.all() else gdf


def _text(value: Any) -> str | int | float | None:
    """A property value safe to insert as HTML: escaped text, or a plain number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 2)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return escape_text(value)


def _properties(gdf: gpd.GeoDataFrame, columns: Iterable[str]) -> dict[str, list]:
    return {c: [_text(v) for v in gdf[c].tolist()] for c in columns}


def _scaled_radius(values: pd.Series, radius_range: tuple[float, float]) -> list[float]:
    v = pd.to_numeric(values, errors="coerce").astype("float64").clip(lower=0).fillna(0).to_numpy()
    lo, hi = radius_range
    top = np.sqrt(v.max()) if len(v) and v.max() > 0 else 1.0
    return np.round(lo + (hi - lo) * np.sqrt(v) / top, 1).tolist()


def _feature_collection(geoms: gpd.GeoSeries, props: Mapping[str, list]) -> dict:
    """GeoJSON FeatureCollection with coordinates rounded to `COORD_DECIMALS`."""
    values = geoms.values
    names = list(props)
    columns = [props[k] for k in names]
    features = []
    if len(values) and bool(shapely.get_type_id(values).max() == 0):  # all points: fast path
        xs = np.round(shapely.get_x(values), COORD_DECIMALS).tolist()
        ys = np.round(shapely.get_y(values), COORD_DECIMALS).tolist()
        for i, (x, y) in enumerate(zip(xs, ys)):
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {k: col[i] for k, col in zip(names, columns)},
            })
    else:
        rounded = shapely.transform(values, lambda c: np.round(c, COORD_DECIMALS))
        for i, geom in enumerate(rounded):
            features.append({
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {k: col[i] for k, col in zip(names, columns)},
            })
    return {"type": "FeatureCollection", "features": features}


def _escaped_keys(mapping: Mapping[Any, str] | None) -> dict[str, str]:
    return {escape_text(k): str(v) for k, v in (mapping or {}).items()}


def _style_js(
    *,
    fill_key: str | None,
    fill_map: Mapping[str, str],
    fill: str,
    stroke_key: str | None,
    stroke_map: Mapping[str, str],
    stroke: str | None,
    radius: float,
    weight: float,
    fill_opacity: float,
) -> str:
    """A Leaflet style function reading the few properties the layer keeps."""
    fill_expr = (
        f"(F[p[{json.dumps(fill_key)}]] || {json.dumps(OTHER_COLOUR)})" if fill_key else json.dumps(fill)
    )
    if stroke_key:
        stroke_expr = f"(S[p[{json.dumps(stroke_key)}]] || {json.dumps(OTHER_COLOUR)})"
    elif stroke:
        stroke_expr = json.dumps(stroke)
    else:
        stroke_expr = "fill"
    return (
        "(function () {"
        f" var F = {json.dumps(fill_map)}, S = {json.dumps(stroke_map)};"
        " return function (feature) {"
        " var p = feature.properties || {};"
        f" var fill = {fill_expr};"
        f" return {{fillColor: fill, color: {stroke_expr}, weight: {json.dumps(weight)},"
        f" opacity: 1, fill: true, fillOpacity: {json.dumps(fill_opacity)},"
        f" radius: p._r || {json.dumps(radius)}}};"
        " };"
        " })()"
    )


# --------------------------------------------------------------------------- focus and labels

#: Colour of the ring around a picked unit or a chosen centre (dark, against every fill).
FOCUS_COLOUR = "#111111"


class Label(MacroElement):
    """A permanent tooltip bound to its parent marker, its text sent as a JSON string.

    folium's own ``Tooltip`` pastes its text into a JavaScript template literal, where a
    backtick or ``${...}`` in a name would run as code; here the (escaped) text is a
    JSON string.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip({{ this.text|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, direction: str = "top", class_name: str = "agora-label",
                 offset: tuple[int, int] = (0, 0)):
        super().__init__()
        self._name = "Label"
        self.text = escape_text(text)
        self.options = {"permanent": True, "direction": direction, "className": class_name, "opacity": 0.95,
                        "offset": list(offset)}


def focus_on(m: folium.Map, geometry, label: str, *, pad_m: float = 60.0, max_zoom: int = 18) -> folium.CircleMarker:
    """Ring the feature at `geometry`, open its label and fit the map to it.

    Parameters
    ----------
    m : map from `base_map`.
    geometry : shapely geometry in lon/lat (a point, or a polygon: its representative point).
    label : text shown beside the ring (escaped here).
    pad_m : metres kept around the feature when fitting the map.

    Returns
    -------
    folium.CircleMarker
        The ring (class ``agora-focus``; its label has class ``agora-focus-label``).
    """
    point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    lon, lat = round(point.x, COORD_DECIMALS), round(point.y, COORD_DECIMALS)
    # not interactive: the unit's own tooltip still shows under the pointer
    ring = folium.CircleMarker([lat, lon], radius=13, color=FOCUS_COLOUR, weight=4, fill=False,
                               class_name="agora-focus", interactive=False)
    ring.add_child(Label(label, class_name="agora-focus-label", offset=(0, -12)))
    ring.add_to(m)
    dlat = pad_m / 111_320
    dlon = pad_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    box = geometry.bounds
    m.fit_bounds([[box[1] - dlat, box[0] - dlon], [box[3] + dlat, box[2] + dlon]], max_zoom=max_zoom)
    _keep_control_last(m)
    return ring


def add_labels(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    highlight: Iterable[Any] = (),
    key: str | None = None,
    name: str = "Names",
    max_labels: int = LABEL_ALL_MAX,
) -> folium.FeatureGroup:
    """Label features with permanent tooltips; ring and label the highlighted ones in bold.

    Parameters
    ----------
    gdf : features in lon/lat (or any CRS: reprojected); labelled at their
        representative point.
    column : the label text (escaped).
    highlight : values of `key` to ring (class ``agora-chosen``) and label in bold.
    key : column that `highlight` refers to (default `column`).
    name : layer name in the layer control.
    max_labels : above this many features only the highlighted ones are labelled
        (thousands of labels hide the map).

    Returns
    -------
    folium.FeatureGroup
        The labels' layer, already added to `m`.
    """
    gdf = _to_display(gdf)
    key = key or column
    chosen = set(highlight)
    picked = gdf[key].isin(chosen).to_numpy()
    keep = np.ones(len(gdf), dtype=bool) if len(gdf) <= max_labels else picked
    group = folium.FeatureGroup(name=escape_text(name), show=True)
    points = gdf.geometry.representative_point()
    for point, text, is_chosen in zip(points[keep], gdf.loc[keep, column], picked[keep]):
        lat, lon = round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)
        # a ring around a chosen centre, an invisible anchor for the others; neither takes the
        # pointer, so the centres' own tooltips still show
        marker = folium.CircleMarker(
            [lat, lon], radius=14 if is_chosen else 1, color=FOCUS_COLOUR, weight=3, stroke=bool(is_chosen),
            fill=False, interactive=False, class_name="agora-chosen" if is_chosen else "agora-label-anchor")
        marker.add_child(Label(text, direction="right", offset=(16, 0) if is_chosen else (8, 0),
                               class_name="agora-label agora-label-chosen" if is_chosen else "agora-label"))
        marker.add_to(group)
    group.add_to(m)
    _keep_control_last(m)
    return group


# --------------------------------------------------------------------------- aggregation


def grid_aggregate(
    gdf: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    max_cells: int = MAX_POINTS,
    cell_m: float = 50.0,
) -> gpd.GeoDataFrame:
    """Group points into square cells: one point per cell at the mean position.

    The cell side starts at `cell_m` metres and doubles until there are at most
    `max_cells` cells.

    Returns
    -------
    GeoDataFrame (EPSG:4326) with ``count``, and with `by`: ``majority`` (the most
    common value) and ``breakdown`` (``"occupied 12, vacant 3"``, most common first).
    """
    from agora.loaders.coords import area_crs

    metric = gdf.to_crs(area_crs(gdf))
    x = metric.geometry.x.to_numpy()
    y = metric.geometry.y.to_numpy()
    size = float(cell_m)
    while True:
        cell = pd.Series(list(zip(np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64))))
        if cell.nunique() <= max_cells:
            break
        size *= 2
    table = pd.DataFrame({"cell": cell, "x": x, "y": y})
    if by:
        table["value"] = gdf[by].astype("string").fillna("unknown").to_numpy()
    grouped = table.groupby("cell", sort=True)
    out = grouped.agg(x=("x", "mean"), y=("y", "mean"), count=("x", "size")).reset_index()
    if by:
        counts = table.groupby(["cell", "value"]).size().rename("n").reset_index()
        counts = counts.sort_values(["cell", "n", "value"], ascending=[True, False, True])
        out["majority"] = counts.groupby("cell")["value"].first().reindex(out["cell"]).to_numpy()
        out["breakdown"] = (
            counts.assign(part=counts["value"] + " " + counts["n"].astype(str))
            .groupby("cell")["part"].agg(", ".join).reindex(out["cell"]).to_numpy()
        )
    out = out.drop(columns="cell")
    cells = gpd.GeoDataFrame(out.drop(columns=["x", "y"]),
                             geometry=gpd.points_from_xy(out["x"], out["y"]), crs=metric.crs)
    cells.attrs["cell_m"] = size
    return cells.to_crs("EPSG:4326")


# --------------------------------------------------------------------------- legend


#: Height kept free at the top right for the layer control: a legend that would stack into it starts folded.
LAYER_CONTROL_ROOM_PX = 140


class Legend(MacroElement):
    """A map legend: coloured swatches with escaped labels, shown with its layer.

    Its title is a button that folds the swatches away and back (keyboard operable,
    ``aria-expanded``); on a map narrower than `COLLAPSE_BELOW_PX` it starts folded so it
    does not cover the street, and so does a legend that would stack (legends stack up from
    the bottom right) into the layer control's room at the top (`LAYER_CONTROL_ROOM_PX`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "agora-legend");
                div.style.cssText = "background:rgba(255,255,255,.95);padding:4px 8px;color:#222;" +
                    "font:12px/1.5 sans-serif;border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.3);";
                var button = L.DomUtil.create("button", "agora-legend-toggle", div);
                button.type = "button";
                button.style.cssText = "all:unset;cursor:pointer;font-weight:bold;display:block;" +
                    "min-height:24px;min-width:24px;";
                button.innerHTML = {{ this.title|tojson }};
                var mark = L.DomUtil.create("span", "", button);
                mark.setAttribute("aria-hidden", "true");
                var body = L.DomUtil.create("div", "agora-legend-body", div);
                body.id = "{{ this.get_name() }}-body";
                body.innerHTML = {{ this.body|tojson }};
                button.setAttribute("aria-controls", body.id);
                function set(open) {
                    body.hidden = !open;
                    button.setAttribute("aria-expanded", open ? "true" : "false");
                    mark.textContent = open ? " \u25BE" : " \u25B8";
                }
                set(map.getSize().x >= {{ this.collapse_below }});
                L.DomEvent.on(button, "click", function () { set(body.hidden); });
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                button.addEventListener("focus", function () {
                    button.style.outline = "2px solid #0b57d0"; button.style.outlineOffset = "2px";
                });
                button.addEventListener("blur", function () { button.style.outline = ""; });
                return div;
            };
            legend.addTo(map);
            // legends stack up from the bottom right: one that would reach the layer control
            // at the top right starts folded (its title stays, a click opens it)
            var corner = legend.getContainer().parentNode;
            if (corner && corner.offsetHeight > map.getSize().y - {{ this.control_room }}) {
                var body = legend.getContainer().querySelector(".agora-legend-body");
                var toggle = legend.getContainer().querySelector(".agora-legend-toggle");
                if (body && !body.hidden) { toggle.click(); }
            }
            {%- if this.layer %}
            var layer = {{ this.layer.get_name() }};
            map.on("overlayadd", function (e) { if (e.layer === layer) { legend.addTo(map); } });
            map.on("overlayremove", function (e) { if (e.layer === layer) { legend.remove(); } });
            {%- if not this.layer.show %}
            legend.remove();
            {%- endif %}
            {%- endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, body: str, layer: folium.map.Layer | None = None, *, title: str = "Legend",
                 collapse_below: int | None = None):
        super().__init__()
        self._name = "Legend"
        self.body = body
        self.title = title
        self.layer = layer
        self.collapse_below = int(COLLAPSE_BELOW_PX if collapse_below is None else collapse_below)
        self.control_room = LAYER_CONTROL_ROOM_PX


def add_legend(
    m: folium.Map,
    title: str,
    sections: Sequence[tuple[str, Mapping[Any, str], bool]],
    *,
    layer: folium.map.Layer | None = None,
    shape: str = "circle",
) -> Legend:
    """Add a legend to `m`; with `layer`, it shows and hides with that layer.

    Parameters
    ----------
    title : legend title.
    sections : ``(heading, {label: colour}, outline)`` per styled column; `outline`
        draws the swatch as a ring (outline colour) instead of a filled shape.
    shape : ``"circle"`` (points) or ``"square"`` (areas).
    """
    radius = "50%" if shape == "circle" else "2px"
    parts = []
    for heading, entries, outline in sections:
        if len(sections) > 1 or heading != title:
            parts.append(f'<div style="margin-top:4px;font-style:italic">{escape_text(heading)}</div>')
        for label, colour in entries.items():
            colour = escape_text(colour)
            swatch = f"border:2px solid {colour};background:transparent" if outline else f"background:{colour}"
            parts.append(
                '<div><span style="display:inline-block;width:10px;height:10px;margin-right:6px;'
                f'border-radius:{radius};{swatch}"></span>{escape_text(label)}</div>'
            )
    legend = Legend("".join(parts), layer, title=escape_text(title))
    m.add_child(legend)
    _keep_control_last(m)
    return legend


# --------------------------------------------------------------------------- streamlit


def component_args(m: folium.Map) -> dict:
    """What streamlit-folium's ``st_folium`` sends to the browser for `m`, the widget's own key aside.

    The steps ``st_folium`` takes (streamlit-folium 0.27, with ``render=False`` and no
    feature groups added later): render the map; its HTML, header and Leaflet script; its
    id, bounds and zoom; the CSS and JavaScript files its elements link. Done apart from
    drawing so a map can be rendered once and drawn many times (:func:`show_cached_map`);
    a test checks the result against what ``st_folium`` itself sends. `m` is changed by
    it (its elements renamed): render a map once.
    """
    import branca
    from streamlit_folium import _get_header, _get_html, _get_map_string, get_full_id

    m.render()
    html, header = _get_html(m), _get_header(m)
    script = _get_map_string(m)

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for element in walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            js[:0] = ["https://d3js.org/d3.v4.min.js", "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"]
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    try:
        bounds = m.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    return {"script": script, "header": header, "html": html, "id": get_full_id(m), "bounds": bounds,
            "zoom": m.options.get("zoom") if hasattr(m, "options") else {},
            "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js)),
            "unplaced": list(getattr(m, "_agora_unplaced", []))}


def _draw(args: Mapping[str, Any], key: str, height: int, returned_objects: Iterable[str]) -> dict:
    """Draw a rendered map (:func:`component_args`) with streamlit-folium's component."""
    import streamlit as st
    from streamlit_folium import _component_func, generate_js_hash

    from .widgets import md_escape

    for layer, count in args["unplaced"]:
        st.caption(md_escape(f"{layer}: {count:,} have no position and are not on the map (they count in the figures)."))
    wanted = list(returned_objects)
    unknown = [w for w in wanted if w not in RETURNABLE]
    if unknown:
        raise ValueError(f"show_map: cannot return {', '.join(unknown)}; one of {', '.join(RETURNABLE)}")
    (south, west), (north, east) = args["bounds"]
    defaults = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
                "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
                "last_active_drawing": None,
                "bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
                "zoom": args["zoom"], "last_circle_radius": None, "last_circle_polygon": None,
                "selected_layers": None, "selected_tags": None, "last_geocoder_result": None}
    hash_key = generate_js_hash(args["script"], key, False)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    result = _component_func(
        script=args["script"], header=args["header"], html=args["html"], id=args["id"], key=hash_key,
        height=height, width=None, returned_objects=wanted, default={k: defaults[k] for k in wanted},
        zoom=None, center=None, feature_group=None, return_on_hover=False, layer_control=None, pixelated=False,
        css_links=args["css_links"], js_links=args["js_links"], on_change=on_change, wrap_longitude=False,
    )
    return result or {}


def show_map(
    m: folium.Map,
    key: str,
    height: int = 520,
    returned_objects: Iterable[str] = (),
) -> dict:
    """Draw `m` in the page with streamlit-folium's component (the width of the page).

    Parameters
    ----------
    returned_objects : what the page reads back (see `RETURNABLE`). The default,
        nothing, means panning and clicking never rerun the script.

    Returns
    -------
    dict
        The requested values (empty by default).
    """
    return _draw(component_args(m), key, height, returned_objects)


def show_cached_map(cache_key: Hashable, build: Callable[[], folium.Map], *, key: str, height: int = 520,
                    returned_objects: Iterable[str] = ()) -> dict:
    """:func:`show_map` of a map that depends on `cache_key` alone: built and rendered once per process.

    Rendering a town's map (folium's templates, the GeoJSON of its units) was about two
    fifths of the server's time for an Overview view. With `cache_key` naming everything the
    map shows (workspace version, town, filters, the unit picked, the public's reports...),
    the rendered map is kept (``st.cache_resource``, shared by sessions) and only drawn again.
    """
    return _draw(_rendered(cache_key, build), key, height, returned_objects)


def _render_once(cache_key: Hashable, _build: Callable[[], folium.Map]) -> dict:
    return component_args(_build())


@functools.cache
def _rendered_cache() -> Callable[[Hashable, Callable[[], folium.Map]], dict]:
    """:func:`_render_once` under ``st.cache_resource`` (made on first use: the builders need no Streamlit)."""
    import streamlit as st

    return st.cache_resource(max_entries=256, show_spinner=False)(_render_once)


def _rendered(cache_key: Hashable, build: Callable[[], folium.Map]) -> dict:
    return _rendered_cache()(cache_key, build)


def frame_key(frame: pd.DataFrame) -> str:
    """A short fingerprint of a small frame's contents (geometry included), for a map's cache key."""
    import hashlib

    plain = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).astype("string")
    if isinstance(frame, gpd.GeoDataFrame) and "geometry" in frame:
        plain["geometry"] = frame.geometry.to_wkb(hex=True)
    digest = hashlib.sha1(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
    return f"{len(frame)}:{digest.hexdigest()}"
