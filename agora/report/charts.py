"""Altair charts for comparing centres and for the town profile (no streamlit here).

The same chart objects are drawn in the app (``st.altair_chart``) and written into the
standalone profile as inline SVG (:func:`to_svg`, rendered locally by vl-convert: no
script and no CDN in the file).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely.geometry

from .. import palettes
from ..analysis.indicators import get

#: ColorBrewer sequential palettes (light to dark), 3 to 7 classes.
_SEQUENTIAL = {
    "greens": ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"],
    "reds": ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"],
    "blues": ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
}
#: Percentile colours from worst to best (ColorBrewer RdYlBu, 5 classes: colour-blind safe).
GOODNESS_COLOURS = palettes.GOODNESS_COLOURS
HIGHLIGHT = "#d62728"
OTHERS = "#9e9e9e"
CLASS_COLOURS = {"clone town": GOODNESS_COLOURS[0], "border town": GOODNESS_COLOURS[1],
                 "home town": GOODNESS_COLOURS[4]}
STATUS_COLOURS = palettes.STATUS_COLOURS


def palette(direction: str, k: int) -> list[str]:
    """`k` colours from light to dark: greens where higher is better, reds where worse, blues when neutral."""
    name = {"higher_better": "greens", "higher_worse": "reds"}.get(direction, "blues")
    colours = _SEQUENTIAL[name]
    if k <= 1:
        return [colours[4]]
    idx = np.round(np.linspace(1, len(colours) - 1, k)).astype(int)
    return [colours[i] for i in idx]


def goodness_colour(better_than: float) -> str | None:
    """Background colour for a "better than x % of centres" value (None when missing)."""
    if better_than is None or pd.isna(better_than):
        return None
    return GOODNESS_COLOURS[min(int(better_than // 20), 4)]


def _axis_format(unit: str) -> str:
    return {"share": ".0%", "points": "+.1f", "percent": "+.1f", "units": ",.0f", "count": ",.0f",
            "ha": ",.1f"}.get(unit, ".3~g")


# --------------------------------------------------------------------------- compare
def scatter(table: pd.DataFrame, x: str, y: str, selected: Sequence[str] = (), *, width: int | str = "container",
            height: int = 420, references: tuple[Mapping | None, Mapping | None] = (None, None)) -> alt.LayerChart:
    """Every centre on two indicators; the `selected` centres highlighted and named.

    `references`: the reference figures (:func:`agora.analysis.reference.reference`) of
    `x` and `y`, drawn as the median's dashed rule and the middle half's band on each axis.
    """
    xi, yi = get(x), get(y)
    cols = list(dict.fromkeys(["centre_id", "name", "size_band", x, y]
                              + [c for c in ("nef2005_class",) if c in table]))
    data = table[cols].copy()
    data = data[data[x].notna() & data[y].notna()]
    data["selected"] = data["centre_id"].astype("string").isin(list(selected)).fillna(False).astype(bool)
    data["x_shown"] = data[x].map(xi.format)
    data["y_shown"] = data[y].map(yi.format)
    data = data.rename(columns={x: "x", y: "y"})
    for col in data.columns:
        if str(data[col].dtype) in ("string", "str") or data[col].dtype == object:
            data[col] = data[col].astype(object).where(data[col].notna(), None)
    tooltip = [alt.Tooltip("name:N", title="Centre"), alt.Tooltip("x_shown:N", title=xi.label),
               alt.Tooltip("y_shown:N", title=yi.label), alt.Tooltip("size_band:N", title="Size")]
    if "nef2005_class" in data:
        tooltip.append(alt.Tooltip("nef2005_class:N", title="nef 2005 class"))
    base = alt.Chart(data).encode(
        x=alt.X("x:Q", title=xi.label, axis=alt.Axis(format=_axis_format(xi.unit)), scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=yi.label, axis=alt.Axis(format=_axis_format(yi.unit)), scale=alt.Scale(zero=False)),
        tooltip=tooltip,
    )
    others = base.transform_filter("!datum.selected").mark_circle(size=28, opacity=0.45, color=OTHERS)
    chosen = base.transform_filter("datum.selected").mark_circle(size=140, opacity=1, color=HIGHLIGHT,
                                                                 stroke="white", strokeWidth=1)
    names = base.transform_filter("datum.selected").mark_text(align="left", dx=8, dy=-6, fontWeight="bold").encode(
        text="name:N")
    refs = [*reference_layers(references[0], axis="x", title=xi.label),
            *reference_layers(references[1], axis="y", title=yi.label)]
    return alt.layer(*refs, others, chosen, names).properties(width=width, height=height)


def percentile_profile(long: pd.DataFrame, *, width: int | str = "container") -> alt.Chart:
    """Where each chosen centre stands on each indicator: "better than x % of centres" (0..100).

    `long` is :func:`agora.analysis.compare.side_by_side`; neutral indicators are
    placed by their plain percentile (higher value -> further right).
    """
    data = long.copy()
    data["position"] = data["better_than"].where(data["better_than"].notna(), data["percentile"])
    data["reading"] = np.where(data["better_than"].notna(), "better than this share of centres",
                               "higher than this share of centres (neither better nor worse)")
    data = data[data["position"].notna()]
    order = list(dict.fromkeys(data["label"]))
    return alt.Chart(data).mark_point(filled=True, size=110).encode(
        x=alt.X("position:Q", title="Better than … % of centres (neutral: higher than)",
                scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("label:N", title=None, sort=order),
        color=alt.Color("name:N", title="Centre", sort=list(dict.fromkeys(data["name"]))),
        shape=alt.Shape("name:N", title="Centre", sort=list(dict.fromkeys(data["name"]))),
        tooltip=[alt.Tooltip("name:N", title="Centre"), alt.Tooltip("label:N", title="Indicator"),
                 alt.Tooltip("shown:N", title="Value"), alt.Tooltip("position:Q", title="Percentile", format=".0f"),
                 alt.Tooltip("reading:N", title="Reading")],
    ).properties(width=width, height=max(120, 34 * len(order)))


def indicator_bars(long: pd.DataFrame, *, columns: int = 4, panel_width: int = 150) -> alt.FacetChart:
    """Small multiples: one panel per indicator, one bar per chosen centre, the median of all centres as a line.

    `columns` panels of `panel_width` pixels a row; the centres' colour legend sits below
    (two panels of 100 px and the legend fit a phone's 390 px).
    """
    data = long[long["value"].notna()].copy()
    order = list(dict.fromkeys(data["label"]))
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("name:N", title=None, axis=None, sort=list(dict.fromkeys(data["name"]))),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("name:N", title="Centre", sort=list(dict.fromkeys(data["name"]))),
        tooltip=[alt.Tooltip("name:N", title="Centre"), alt.Tooltip("label:N", title="Indicator"),
                 alt.Tooltip("shown:N", title="Value"), alt.Tooltip("median:Q", title="Median of all centres",
                                                                    format=".3~g")],
    )
    median = alt.Chart().mark_rule(color="#333", strokeDash=[4, 3]).encode(y="median:Q")
    return alt.layer(bars, median, data=data).properties(width=panel_width, height=140).facet(
        facet=alt.Facet("label:N", title=None, sort=order), columns=columns,
    ).resolve_scale(y="independent").configure_legend(orient="bottom")


def shop_mix(table: pd.DataFrame, centre_ids: Sequence[str]) -> alt.Chart | None:
    """Stacked bars of each chosen centre's shop mix (LDC classes) and vacancy; None when nobody has it."""
    parts = {"comparison_share": "comparison", "convenience_share": "convenience", "leisure_share": "leisure",
             "service_share": "service", "vacancy_rate": "vacant"}
    have = [c for c in parts if c in table]
    rows = table[table["centre_id"].astype("string").isin(list(centre_ids)).fillna(False)]
    long = rows.melt(id_vars=["name"], value_vars=have, var_name="part", value_name="share").dropna(subset=["share"])
    if long.empty:
        return None
    long["part"] = long["part"].map(parts)
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("name:N", title=None),
        x=alt.X("share:Q", title="Share of units", axis=alt.Axis(format="%"), stack="normalize"),
        color=alt.Color("part:N", title="Use", sort=list(parts.values()),
                        scale=alt.Scale(domain=list(parts.values()),
                                        range=[palettes.SHOP_MIX_COLOURS[p] for p in parts.values()])),
        order=alt.Order("part_order:Q"),
        tooltip=[alt.Tooltip("name:N", title="Centre"), alt.Tooltip("part:N", title="Use"),
                 alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).transform_calculate(
        part_order="indexof(['comparison','convenience','leisure','service','vacant'], datum.part)"
    ).properties(width="container", height=70 + 36 * long["name"].nunique())


# --------------------------------------------------------------------------- reference figures
REFERENCE_COLOURS = palettes.REFERENCE_COLOURS


def reference_layers(ref: Mapping | None, *, axis: str = "y", title: str | None = None) -> list[alt.Chart]:
    """A reference figure drawn on a chart: the middle half of centres as a band, the median as a dashed rule.

    Parameters
    ----------
    ref : dict or None
        :func:`agora.analysis.reference.reference` (``indicator``, ``median``, ``q1``,
        ``q3``, ``label``); None draws nothing.
    axis : str
        ``y``: a horizontal rule across the chart (a single current figure over time);
        ``x``: a vertical one.
    title : str, optional
        The chart's title of that axis (default: the indicator's label); the same title
        on every layer keeps one axis title.

    Returns
    -------
    list of Chart
        Band, rule and a direct label ("median of 1,264 centres 12.6%"), to layer on a
        chart whose `axis` is in the indicator's own units.
    """
    if ref is None:
        return []
    spec = get(ref["indicator"])
    data = pd.DataFrame([{"median": float(ref["median"]), "q1": float(ref["q1"]), "q3": float(ref["q3"]),
                          "text": f"median of {ref['label']}: {spec.format(ref['median'])}",
                          "middle": f"{spec.format(ref['q1'])} to {spec.format(ref['q3'])}",
                          "group": f"{ref['label']}"}])
    other = "x" if axis == "y" else "y"
    tooltip = [alt.Tooltip("text:N", title="Reference"), alt.Tooltip("middle:N", title="Middle half of centres")]
    enc = alt.X if axis == "x" else alt.Y
    # the chart's own axis title: layers with other titles would give "q1, q3, median, ..."
    title = spec.label if title is None else title
    at_median = enc("median:Q", title=title)
    base = alt.Chart(data)
    band = base.mark_rect(color=REFERENCE_COLOURS["band"], opacity=0.22).encode(
        **{axis: enc("q1:Q", title=title), f"{axis}2": "q3:Q"}, tooltip=tooltip)
    rule = base.mark_rule(color=REFERENCE_COLOURS["median"], strokeDash=[6, 4], strokeWidth=1.5).encode(
        **{axis: at_median}, tooltip=tooltip)
    label = base.mark_text(align="left", baseline="bottom" if axis == "y" else "top", dx=4, dy=-3 if axis == "y"
                           else 4, color=REFERENCE_COLOURS["median"], fontSize=11).encode(
        **{axis: at_median, other: alt.value(4)}, text="text:N")
    return [band, rule, label]


def reference_domain(values: Sequence[float], ref: Mapping | None) -> list[float]:
    """The lowest and highest of `values` and of the reference's quartiles (so the band fits on the axis)."""
    pool = [float(v) for v in values if v is not None and not pd.isna(v)]
    if ref is not None:
        pool += [float(ref["q1"]), float(ref["q3"]), float(ref["median"])]
    return [min(pool), max(pool)] if pool else [0.0, 1.0]


def national_vacancy_layers(series: pd.DataFrame, *, x_title: str = "Survey",
                            y_title: str = "Vacancy rate") -> list[alt.Chart]:
    """The CDRC national town-centre vacancy series as a line with points and a direct label (x ``date:T``).

    `x_title`, `y_title`: the axis titles of the chart it is layered on.
    """
    if series is None or series.empty:
        return []
    data = series[["year", "date", "vacancy_rate", "centres", "premises"]].copy()
    data["date"] = pd.to_datetime(data["date"])
    data["text"] = "town centres, England and Wales (CDRC)"
    tooltip = [alt.Tooltip("year:O", title="Year"), alt.Tooltip("vacancy_rate:Q", title="National vacancy",
                                                                format=".1%"),
               alt.Tooltip("centres:Q", title="Town centres", format=","),
               alt.Tooltip("premises:Q", title="Premises", format=",")]
    colour = REFERENCE_COLOURS["national"]
    line = alt.Chart(data).mark_line(color=colour, strokeDash=[2, 2], point=alt.OverlayMarkDef(
        color=colour, shape="square", size=50)).encode(x=alt.X("date:T", title=x_title),
                                                       y=alt.Y("vacancy_rate:Q", title=y_title), tooltip=tooltip)
    # dark text (AA contrast) beside the last purple square
    label = alt.Chart(data.tail(1)).mark_text(align="left", dx=6, dy=10, color=REFERENCE_COLOURS["median"],
                                              fontSize=11).encode(
        x=alt.X("date:T", title=x_title), y=alt.Y("vacancy_rate:Q", title=y_title), text="text:N")
    return [line, label]


# --------------------------------------------------------------------------- profile
def vacancy_over_time(by_survey: pd.DataFrame, *, width: int | str = "container",
                      reference: Mapping | None = None) -> alt.Chart | alt.LayerChart:
    """Vacancy rate per survey date (``survey_date``, ``vacancy_rate``, ``vacant``, ``units``).

    `reference` (:func:`agora.analysis.reference.reference` of ``vacancy_rate``): the
    median centre's rate as a dashed rule across the chart and the middle half as a band.
    """
    data = by_survey[by_survey["survey_date"].notna()].copy()
    data["survey"] = pd.to_datetime(data["survey_date"]).dt.strftime("%Y-%m-%d")
    rates = pd.to_numeric(data["vacancy_rate"], errors="coerce").tolist()
    top = reference_domain(rates, reference)[1] if len(data) or reference else 0.0
    top = 0.1 if not np.isfinite(top) or top <= 0 else float(np.ceil(top * 1.1 / 0.05) * 0.05)
    layers = reference_layers(reference, title="Vacancy rate")
    line = (alt.Chart() if layers else alt.Chart(data)).mark_line(point=True, clip=True).encode(
        x=alt.X("survey:O", title="Survey"),
        # an explicit domain from 0 to above the highest rate: the line always lies inside the axis
        y=alt.Y("vacancy_rate:Q", title="Vacancy rate", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, top], nice=False)),
        tooltip=[alt.Tooltip("survey:O", title="Survey"), alt.Tooltip("vacancy_rate:Q", title="Vacancy", format=".1%"),
                 alt.Tooltip("vacant:Q", title="Vacant units"), alt.Tooltip("units:Q", title="Units")],
    )
    # the town's figures are the layered chart's own data (a table of the chart shows them)
    return alt.layer(*layers, line, data=data).properties(width=width, height=220) if layers \
        else line.properties(width=width, height=220)


def types_by_ownership(types: pd.DataFrame, *, width: int | str = "container") -> alt.Chart:
    """Scored units per shop type split by ownership (a long table ``type``, ``ownership``, ``units``)."""
    order = types.groupby("type")["units"].sum().sort_values(ascending=False).index.tolist()
    return alt.Chart(types).mark_bar().encode(
        y=alt.Y("type:N", title=None, sort=order),
        x=alt.X("units:Q", title="Units scored"),
        color=alt.Color("ownership:N", title="Ownership",
                        scale=alt.Scale(domain=["independent", "chain", "symbol_group"],
                                        range=[palettes.OWNERSHIP_COLOURS[o] for o in
                                               ("independent", "chain", "symbol_group")])),
        tooltip=[alt.Tooltip("type:N", title="Type"), alt.Tooltip("ownership:N", title="Ownership"),
                 alt.Tooltip("units:Q", title="Units")],
    ).properties(width=width, height=max(120, 16 * len(order)))


def weekly_footfall(weeks: pd.DataFrame, *, width: int | str = "container") -> alt.Chart:
    """Weekly footfall (``week``, ``count``)."""
    data = weeks.copy()
    data["week"] = pd.to_datetime(data["week"])
    return alt.Chart(data).mark_line().encode(
        x=alt.X("week:T", title="Week"),
        y=alt.Y("count:Q", title="Footfall per week", axis=alt.Axis(format="~s")),
        tooltip=[alt.Tooltip("week:T", title="Week of"), alt.Tooltip("count:Q", title="Count", format=",.0f")],
    ).properties(width=width, height=200)


def static_map(boundary: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None = None, *,
               width: int | str = "container", height: int = 420) -> alt.LayerChart:
    """A map without tiles (for print and offline files): the boundary and the units coloured by status.

    As wide as the page by default (``"container"``; :func:`to_svg` writes a scalable SVG for files).
    """
    layers = []
    if boundary is not None and len(boundary):
        shapes = boundary.to_crs("EPSG:4326").geometry
        features = [{"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(g)}
                    for g in shapes if g is not None and not g.is_empty]
        # inline GeoJSON (not a GeoDataFrame: Streamlit sends chart data as Arrow, which has no geometry type)
        data = alt.InlineData(values={"type": "FeatureCollection", "features": features},
                              format=alt.DataFormat(type="json", property="features"))
        layers.append(alt.Chart(data).mark_geoshape(fill="#f2f2f2", stroke="#444", strokeWidth=1.5,
                                                        aria=False))  # the outline: decoration
    if units is not None and len(units):
        u = units.to_crs("EPSG:4326")
        u = u[u.geometry.notna() & ~u.geometry.is_empty & (u.geom_type == "Point")]
        pts = pd.DataFrame({"lon": u.geometry.x.round(6).to_numpy(), "lat": u.geometry.y.round(6).to_numpy(),
                            "status": u["status"].astype("string").fillna("unknown").to_numpy(dtype=object)})
        layers.append(alt.Chart(pts).mark_circle(size=22, opacity=0.85).encode(
            longitude="lon:Q", latitude="lat:Q",
            color=alt.Color("status:N", title="Status", legend=alt.Legend(orient="bottom"),  # fits a phone
                            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))),
        ))
    if not layers:
        layers.append(alt.Chart(pd.DataFrame({"x": []})).mark_point())
    return alt.layer(*layers).project(type="mercator").properties(
        width=width, height=height, description="Map of the centre's boundary with its units coloured by status")


def _fixed_width(spec, width: int):
    """`spec` with every ``"container"`` width replaced by `width` pixels (a file has no container)."""
    if isinstance(spec, dict):
        return {k: (width if k == "width" and v == "container" else _fixed_width(v, width)) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_fixed_width(v, width) for v in spec]
    return spec


def to_svg(chart: alt.TopLevelMixin, *, width: int = 720, fluid: bool = False) -> str:
    """The chart as an SVG document, rendered locally (no browser, no network); container widths become `width`.

    With `fluid`, the SVG keeps its ``viewBox`` and is drawn 100% wide: it scales to the
    page (a phone, a printed A4) instead of keeping `width` pixels.
    """
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(_fixed_width(chart.to_dict(), width))
    return fluid_svg(svg) if fluid else svg


_SVG_SIZE = re.compile(r'^(<svg\b[^>]*?)\swidth="[^"]*"\s+height="[^"]*"')


def fluid_svg(svg: str) -> str:
    """`svg` drawn at the width of its container: ``width="100%"``, no fixed height, ``viewBox`` kept."""
    if "viewBox=" not in svg[: svg.find(">") + 1]:
        raise ValueError("the SVG has no viewBox to scale by")
    return _SVG_SIZE.sub(r'\1 width="100%" style="height:auto;max-width:100%"', svg, count=1)
