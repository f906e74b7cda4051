"""Overview: one town's headline figures and map."""

import pandas as pd
import streamlit as st

from agora.analysis import reference, surveys
from agora.store import export
from agora.ui import changes as changes_ui
from agora.ui import contributions as contrib
from agora.ui import data, maps, maptools
from agora.ui.shell import no_data_message, page_options, page_shell, reference_group
from agora.ui.text import md
from agora.ui.widgets import pct, vacancy_delta

ctx = page_shell("Overview", ":material/map:")
if ctx.town is None:
    st.title("Agora")
    no_data_message("centres")
    st.stop()

units = ctx.for_town("units")
sites = ctx.for_town("footfall_sites")
assets = ctx.for_town("assets")
head = data.headline(ctx.town, ctx.service)  # the same figures as Compare and the profile

st.title(md(ctx.town_name))
centre = ctx.centre
facts = [str(centre[c]) for c in ("typology", "region") if pd.notna(centre.get(c))]
if head.survey_date is not None:
    facts.append(surveys.coverage_sentence(data.town_view("survey_rounds", ctx.town, ctx.service)))  # what the figures cover
st.caption(" · ".join(md(f) for f in facts))
with page_options():
    group = reference_group()


cols = st.columns(5)
cols[0].metric("Units", f"{head.units:,}", help="Premises in the latest survey.")
cols[1].metric(
    "Vacancy rate", pct(head.vacancy_rate),
    **vacancy_delta(head.vacancy_change),
    help="Vacant / (occupied + vacant); units of unknown status are left out. Change since the survey before.",
)
cols[2].metric("Independent", pct(head.share_independent),
               help="Independents among occupied units whose ownership is known.")
footfall = head.footfall
cols[3].metric(
    "Footfall, last 4 weeks",
    "–" if not footfall else f"{footfall['total']:,.0f}",
    delta=None if not footfall or footfall["change_pct"] is None else f"{footfall['change_pct']:+.1f}% on a year ago",
    help="The last four complete weeks (site-days counted in both years), against the same weeks 364 days earlier.",
)
cols[4].metric("Community assets", f"{head.assets:,}")
# each figure beside the median centre of the chosen group, then the other groups (agora.analysis.reference)
refs = data.references(ctx.town, ctx.service)
values = reference.headline_values(head)
for col, shown in zip(cols, (("units",), ("vacancy_rate", "vacancy_change"), ("share_independent",),
                             ("footfall_yoy",), ("assets_total",))):
    lines = [reference.sentence(refs, ind, values[ind], group) for ind in shown]
    lines = [("Change " if ind == "vacancy_change" else "On a year ago " if ind == "footfall_yoy" else "") + text
             for ind, text in zip(shown, lines) if text]
    if lines:
        col.caption("  \n".join(md(line) for line in lines))

latest = data.town_view("latest_units", ctx.town, ctx.service)
tools = maptools.unit_tools(latest, key="overview", long_term=lambda: maptools.long_term_flags(latest, units),
                            labels=data.town_view("latest_unit_labels", ctx.town, ctx.service)) \
    if len(latest) else None
boundary = ctx.for_town("centres")
reports = contrib.town_reports(ctx)


def town_map():
    m = maps.base_map(boundary.total_bounds if len(boundary) else latest.total_bounds)
    maps.add_geojson_layer(m, boundary, "Centre boundary", color="#444444", fill_opacity=0.05, weight=2, legend=False)
    if tools is not None and len(tools.shown):
        maps.add_geojson_layer(
            m, tools.shown, "Units", color_by="status", colors=maps.STATUS_COLOURS,
            stroke_by="ownership", stroke_colors=maps.OWNERSHIP_COLOURS, weight=2, radius=4,
            tooltip={"name": "Name", "shop_type": "Type", "status": "Status", "ownership": "Ownership",
                     "street": "Street", "unit_id": "Id"},
        )
    if len(sites):
        maps.add_geojson_layer(m, sites, "Footfall sites", color="#1f78b4", radius=9,
                               tooltip={"name": "Footfall site", "site_id": "Id"})
    if len(assets):
        maps.add_geojson_layer(m, assets, "Community assets", color_by="category", colors=maps.ASSET_COLOURS,
                               labels={c: c.replace("_", " ").capitalize() for c in maps.ASSET_COLOURS},
                               radius=7, tooltip={"name": "Asset", "category": "Category", "acv_status": "ACV"})
    contrib.add_reports_layer(m, reports)
    if tools is not None:
        tools.focus(m)
    return m


# the map is a function of these alone: rendered once, drawn for every visitor
maps.show_cached_map(("overview", str(ctx.service.path), ctx.service.version(), ctx.town,
                      tools.chosen if tools is not None else None, tools.picked if tools is not None else None,
                      maps.frame_key(reports)),
                     town_map, key="overview_map", height=560)
st.caption((tools.caption + " " if tools is not None else "")
           + "Units: fill shows status, ring shows ownership. Switch layers with the control at the top right. "
           "Shop data may include © OpenStreetMap contributors (ODbL).")

# Drawn only while open (opening it reruns the page): a closed table was still sent and drawn
# by the browser on every view.
units_box = st.expander("Units as a table", key="overview_units", on_change="rerun")
with units_box:
    if units_box.open:
        if tools is not None:
            st.caption("The units on the map. Click a row to find it on the map.")
            tools.table(tools.shown.drop(columns="geometry"), hide_index=True, width="stretch")
        # Files are built only when a button is pressed, not on every rerun.
        st.download_button("Download units (CSV)", lambda: export.to_csv(latest), f"{ctx.town}-units.csv", "text/csv")
        st.download_button("Download units (GeoJSON)", lambda: export.to_geojson(latest),
                           f"{ctx.town}-units.geojson", "application/geo+json")

changes_ui.section(ctx, group)  # what changed between two surveys (default the last two)
