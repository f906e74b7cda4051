"""Vacancy: how many units stand empty, where, of what kind, for how long, and how it moved."""

import pandas as pd
import streamlit as st

from agora.analysis import reference, vacancy
from agora.loaders.area_indicators import ATTRIBUTION, match_centres
from agora.store import export
from agora.ui import contributions as contrib
from agora.report import charts
from agora.ui import data as ui_data
from agora.ui import maps, maptools
from agora.ui import vacancy as ui
from agora.ui.charts import show_chart
from agora.ui.data import area_tables
from agora.ui.widgets import download_csv, md_escape, pct, plain, vacancy_delta
from agora.ui.shell import no_data_message, page_options, page_shell, reference_group
from agora.ui.text import md

LONG_TERM_COLOURS = {"long-term vacant": "#b30000", "vacant": "#fc8d59"}
DEFINITION = ("Vacancy rate = vacant / (occupied + vacant). Units whose status is unknown are left out of the rate "
              f"and counted apart. Long-term: vacant {vacancy.LONG_TERM_MONTHS} months or more, from the date it "
              "became vacant or from consecutive surveys.")

ctx = page_shell("Vacancy", ":material/door_open:")
if ctx.town is None:
    st.title("Vacancy")
    no_data_message("centres")
    st.stop()

st.title(f"Vacancy in {md(ctx.town_name)}")


def survey_label(key: str) -> str:
    return "Undated survey" if key == "undated" else f"{pd.Timestamp(key):%d %b %Y}"


def dates_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """Dates written ISO (yyyy-mm-dd), for GeoJSON."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").astype("string")
    return out


def area_figures() -> None:
    """Published centre-level figures (CDRC / Local Data Company) for this town, and a way to add them."""
    st.subheader("Area-level figures")
    table = area_tables()
    ours = ctx.for_town("centres")
    matched = match_centres(table, ours) if len(table) else table
    if len(matched):
        shown = plain(matched)[["year", "centre_id", "name", "premises", "vacant", "vacant_share", "comparison_share",
                                "convenience_share", "leisure_share", "services_share", "matched_by"]]
        latest = shown.sort_values("year").iloc[-1]
        first = shown.sort_values("year").iloc[0]
        change = None if len(shown) < 2 else (latest["vacant_share"] - first["vacant_share"]) * 100
        st.metric(f"Vacancy {int(latest['year'])} (published, {md(latest['name'])})", pct(latest["vacant_share"]),
                  **vacancy_delta(change, since=str(int(first["year"]))))
        st.dataframe(shown, hide_index=True, column_config={
            c: st.column_config.NumberColumn(format="percent") for c in shown.columns if c.endswith("_share")})
        download_csv(shown, f"{ctx.town}-area-vacancy.csv", "dl_area")
        st.caption(f"Shares of Local Data Company premises in the centre as DCLG drew it in 2004; a different "
                   f"boundary, date and method from a walk-round survey. {ATTRIBUTION}")
    else:
        st.caption("No published area-level figures for this centre. Add the CDRC town-centre tables on the "
                   "[Data](data) page; they are matched by centre id (TC0600) or by name.")


units = ctx.for_town("units")
if units.empty:
    no_data_message("units (premises)")
    area_figures()
    st.stop()

town = ui.town_figures(ctx.town, ctx.service)  # every survey's figures, cached per town and version
keys = town["keys"]

PREVIOUS, NO_COMPARISON = "survey before", "no comparison"
with page_options():
    # Options are the URL values themselves (ISO dates), so a shared link reads ?survey=2025-06-14.
    chosen = st.selectbox("Survey", keys, index=len(keys) - 1, key="survey", bind="query-params")
    earlier = [k for k in keys if k != chosen and k != "undated" and (chosen == "undated" or k < chosen)]
    compare = st.selectbox("Compare with", [PREVIOUS, *reversed(earlier), NO_COMPARISON], key="compare",
                           bind="query-params")
    group = reference_group()
before = None
if compare == PREVIOUS and chosen != "undated" and earlier:
    before = earlier[-1]
elif compare in earlier:
    before = compare
# the chosen survey's tables, cached per town, version and the two surveys: a rerun only draws
survey = ui.survey_figures(ctx.town, chosen, before, ctx.service)
current, overall, durations, change = survey["current"], survey["overall"], survey["durations"], survey["change"]
covers = survey["covers"]
st.caption(md_escape(covers[0].upper() + covers[1:]) + (f" · compared with {survey_label(before)}" if before else ""))
updates = town["updates"]
if len(updates):
    st.caption("Updates change only the units they cover; the others keep their last known state. "
               + "; ".join(md_escape(r) for r in updates["coverage_rule"]))
cols = st.columns(4)
cols[0].metric("Vacancy rate", pct(overall["vacancy_rate"]),
               **vacancy_delta(change), help=DEFINITION)
cols[1].metric("Vacant units", f"{int(overall['vacant']):,}")
cols[2].metric("Long-term vacant", f"{int(durations['long_term'].sum()):,}",
               help=f"Vacant {vacancy.LONG_TERM_MONTHS} months or more.")
cols[3].metric("Status unknown", f"{int(overall['unknown']):,}", help="Left out of the rate.")
refs = ui_data.references(ctx.town, ctx.service)
ref_rate = reference.reference(refs, "vacancy_rate", group)
said = reference.sentence(refs, "vacancy_rate", overall["vacancy_rate"], group)
if said:
    cols[0].caption(md(said))
st.caption(DEFINITION)

# --------------------------------------------------------------------------- map
st.subheader("Where the empty units are")
vacant = survey["vacant"]
flags = survey["long_term_flags"]  # as the headline counts
tools = maptools.unit_tools(current, key="vacancy", long_term=flags, labels=survey["labels"])
vacant_shown = vacant[vacant.index.isin(tools.shown.index)]
others = tools.shown[tools.shown["status"] != "vacant"]
boundary = ctx.for_town("centres")
reports = contrib.town_reports(ctx)


def vacancy_map():
    m = maps.base_map(boundary.total_bounds if len(boundary) else current.total_bounds)
    maps.add_geojson_layer(m, boundary, "Centre boundary", color="#444444", fill_opacity=0.05, weight=2,
                           tooltip={"name": "Centre"}, legend=False)
    if len(others):
        maps.add_geojson_layer(m, others, "Other units", color_by="status", colors=maps.STATUS_COLOURS, radius=4,
                               fill_opacity=0.5, tooltip={"name": "Name", "shop_type": "Type", "status": "Status",
                                                          "unit_id": "Id"})
    if len(vacant_shown):
        maps.add_geojson_layer(m, vacant_shown, "Vacant units", color_by="vacancy", colors=LONG_TERM_COLOURS,
                               radius=7, weight=2,
                               tooltip={"former_name": "Was", "street_label": "Street", "shop_type": "Last use",
                                        "vacant_from": "Vacant since", "months_vacant": "Months vacant",
                                        "unit_id": "Id"})
    contrib.add_reports_layer(m, reports)
    tools.focus(m)
    return m


# the map is a function of these alone: rendered once, drawn for every visitor
maps.show_cached_map(("vacancy", str(ctx.service.path), ctx.service.version(), ctx.town, chosen, tools.chosen,
                      tools.picked, maps.frame_key(reports)), vacancy_map, key="vacancy_map", height=480)
st.caption(f"{tools.caption} Dark red: vacant {vacancy.LONG_TERM_MONTHS} months or more. Switch layers with the "
           "control at the top right.")
with st.expander("Vacant units as a table"):
    vacant_table = vacant[["unit_id", "name", "street_label", "shop_type", "former_name", "vacant_from",
                           "months_vacant", "long_term", "geometry"]].rename(columns={"street_label": "street"})
    st.caption("The vacant units on the map. Click a row to find it on the map.")
    tools.table(plain(vacant_table[vacant_table.index.isin(tools.shown.index)]), hide_index=True)
    download_csv(vacant_table, f"{ctx.town}-vacant-units.csv", "dl_vacant")
    st.download_button("Download GeoJSON", lambda: export.to_geojson(dates_as_text(vacant_table)), f"{ctx.town}-vacant-units.geojson",
                       "application/geo+json", key="dl_vacant_geo")

# --------------------------------------------------------------------------- over time
st.subheader("Rate over the surveys")
series = town["series"]
dated = plain(series[series["survey_date"].notna()])
national = ui_data.national_vacancy(ctx.service)


def rate_chart():
    import altair as alt

    chart = alt.Chart(dated).mark_line(point=True).encode(
        x=alt.X("survey_date:T", title="Survey"),
        y=alt.Y("vacancy_rate:Q", title="Vacancy rate", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("survey_date:T", title="Survey"), alt.Tooltip("vacancy_rate:Q", format=".1%", title="Rate"),
                 "units", "vacant", "unknown", "covered", "coverage"],
    )
    # the median centre now (a rule across the chart) and, once loaded, the CDRC national series over the years
    return alt.layer(*charts.reference_layers(ref_rate, title="Vacancy rate"), *charts.national_vacancy_layers(national),
                     chart)


if len(dated) >= 2 or (len(dated) and len(national)):
    show_chart(("vacancy-rate", str(ctx.service.path), ctx.service.version(), ctx.town, group), rate_chart,
               width="stretch")
    notes = []
    if ref_rate:
        notes.append(f"Dashed line: the median rate of {md(ref_rate['label'])} in their latest data; grey band: the "
                     "middle half of them (a figure of now, drawn across the chart).")
    if len(national):
        notes.append("Purple squares: town centres of England and Wales, vacant premises ÷ premises, from the CDRC "
                     f"tables ({ATTRIBUTION})")
    if notes:
        st.caption(" ".join(notes))
else:
    st.info("One survey only: the rate over time needs two surveys or more.", icon=":material/info:")
if len(national):
    with st.expander("National town-centre vacancy (CDRC) as a table"):
        st.dataframe(plain(national.drop(columns="date")), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="percent")
                                    for c in ("vacancy_rate", "median_rate")})
with st.expander("Rate per survey as a table"):
    st.dataframe(plain(series), hide_index=True, column_config={"vacancy_rate": st.column_config.NumberColumn(format="percent")})
    download_csv(series, f"{ctx.town}-vacancy-by-survey.csv", "dl_series")

# --------------------------------------------------------------------------- by street, by type
left, right = st.columns(2)


def vacancy_bars(top: pd.DataFrame, group: str):
    import altair as alt

    return alt.Chart(top).mark_bar(color=LONG_TERM_COLOURS["vacant"]).encode(
        x=alt.X("vacancy_rate:Q", title="Vacancy rate", axis=alt.Axis(format="%")),
        y=alt.Y(f"{group}:N", sort="-x", title=None),
        tooltip=[group, "units", "vacant", "unknown", alt.Tooltip("vacancy_rate:Q", format=".1%", title="Rate")],
    )


for column, title, group, name in ((left, "By street", "street", "street"), (right, "By type", "shop_type", "type")):
    table = survey["by_street"] if group == "street" else survey["by_type"]
    with column:
        st.subheader(title)
        top = plain(table[table["vacant"] > 0]).sort_values(["vacant", "vacancy_rate"], ascending=False).head(15)
        if len(top):
            show_chart(("vacancy-by", str(ctx.service.path), ctx.service.version(), ctx.town, chosen, group),
                       lambda top=top, group=group: vacancy_bars(top, group), width="stretch")
        else:
            st.caption("No vacant unit in this survey.")
        if group == "shop_type":
            st.caption("Vacant units are counted under their last known use, where the data has it.")
        with st.expander(f"{title} as a table"):
            st.dataframe(plain(table), hide_index=True,
                         column_config={"vacancy_rate": st.column_config.NumberColumn(format="percent")})
            download_csv(table, f"{ctx.town}-vacancy-by-{name}.csv", f"dl_{name}")

# --------------------------------------------------------------------------- long-term, changes
st.subheader("Long-term vacant units")
long_term = survey["long_term"]
if len(long_term):
    table = plain(long_term[["unit_id", "former_name", "street_label", "shop_type", "vacant_from",
                             "months_vacant"]].rename(columns={"street_label": "street", "former_name": "was",
                                                               "shop_type": "last use"}))
    st.dataframe(table, hide_index=True, placeholder="–", column_config={
        "unit_id": "Unit", "was": "Last occupier", "street": "Street", "last use": "Last use",
        "vacant_from": st.column_config.DateColumn("Vacant since", format="D MMM YYYY"),
        "months_vacant": st.column_config.NumberColumn("Months vacant", format="%.0f")})
    download_csv(table, f"{ctx.town}-long-term-vacant.csv", "dl_long")
else:
    st.caption(f"No unit has been vacant {vacancy.LONG_TERM_MONTHS} months or more, as far as the data tells "
               "(it needs a vacant-since date or two surveys).")

st.subheader("Openings and closures per survey")
flows = town["flows"]
if len(flows):
    per_survey = town["per_survey"]
    st.dataframe(plain(per_survey), hide_index=True)
    st.caption("An opening: a unit occupied that was vacant or not known at the survey before; a closure: occupied "
               "then vacant (counted under its last known use). Net change = openings - closures.")
    with st.expander("Openings and closures by type"):
        st.dataframe(plain(flows.drop(columns=["centre_id"])), hide_index=True)
        download_csv(flows, f"{ctx.town}-openings-closures.csv", "dl_flows")
else:
    st.caption("Openings and closures need two surveys or more.")

if before is not None:
    st.subheader(f"Changes since {survey_label(before)}")
    changes = survey["changes"]
    if len(changes):
        st.dataframe(changes, hide_index=True)
        download_csv(changes, f"{ctx.town}-status-changes.csv", "dl_changes")
    else:
        st.caption("No unit seen in both surveys changed status.")
    st.caption(md_escape(town["match_text"]).capitalize() + ".")

area_figures()
