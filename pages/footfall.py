"""Footfall: how busy the town is, how that compares with a year ago, and when people come."""

import geopandas as gpd
import pandas as pd
import streamlit as st

from agora.analysis import footfall as ff
from agora.analysis import reference
from agora.analysis.indicators import INDICATORS, RECENT_WEEKS
from agora.report import charts
from agora.ui import data, maps
from agora.ui.charts import show_chart
from agora.ui.footfall import figures
from agora.ui.widgets import download_csv
from agora.ui.text import md
from agora.ui.shell import no_data_message, page_options, page_shell, reference_group

PERIODS = {"4w": "Last 4 weeks", "13w": "Last 13 weeks", "52w": "Last 52 weeks", "all": "All dates"}
SERIES = {"week": "Weekly", "day": "Daily"}
ALL = "all"
FLAG_LABELS = {"gap": "Gaps", "zero_run": "Zero runs", "partial_day": "Partial days", "outlier": "Outliers",
               "no_data": "No data"}
SIGNATURE_TEXT = {
    "comparison": "a shopping destination: steady most of the year, a peak before Christmas",
    "speciality": "a place people visit: busier in summer and again before Christmas",
    "multifunctional": "an everyday centre: much the same footfall all year",
    "holiday": "a visitor town: busiest in summer, quiet in winter",
}

ctx = page_shell("Footfall", ":material/directions_walk:")
if ctx.town is None:
    st.title("Footfall")
    no_data_message("centres")
    st.stop()

st.title(f"Footfall in {md(ctx.town_name)}")


def table_and_download(table: pd.DataFrame, title: str, name: str) -> None:
    with st.expander(f"{title} as a table"):
        st.dataframe(table, hide_index=True)
        download_csv(table, f"{ctx.town}-footfall-{name}.csv", f"dl_{name}")


sites = ctx.for_town("footfall_sites")
files = tuple(ctx.service.footfall_files())
counts_here = ctx.for_town("footfall_counts")
if sites.empty or not files or counts_here.empty:
    no_data_message("footfall counts" if len(sites) else "footfall sites")
    st.caption("Footfall needs the counts (a counter export: long, daily, wide with one column per sensor, or "
               "in/out) and the sites' positions with their centre, both added on the **Data** page.")
    st.stop()

names = dict(zip(sites["site_id"], sites["name"].fillna(sites["site_id"])))
site_ids = sorted(set(counts_here["site_id"].dropna()))


def from_url(key: str, options: list[str], default: str) -> None:
    """Seed a widget's state from ``?key=`` (a shared link), or keep what the person chose."""
    if st.session_state.get(key) not in options:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in options else default


site_options = [ALL, *site_ids]
from_url("site", site_options, ALL)
from_url("period", list(PERIODS), "52w")
from_url("series", list(SERIES), "week")
with page_options():
    # the URL holds ids (?site=...&period=13w&series=day); the widgets show names
    site = st.selectbox("Site", site_options, key="site",
                        format_func=lambda s: "All sites" if s == ALL else str(names.get(s, s)))
    period = st.selectbox("Period", list(PERIODS), key="period", format_func=PERIODS.get)
    freq = st.radio("Time series", list(SERIES), key="series", format_func=SERIES.get, horizontal=True)
    group = reference_group()
st.query_params.update(site=site, period=period, series=freq)

chosen = tuple(site_ids) if site == ALL else (site,)
version = ctx.service.version()
fig = figures(files, version, tuple(site_ids), chosen, period, freq)  # cached (read-only)
# what the charts show is a function of these alone (the reference group apart): drawn from cached specs
chart_key = ("footfall", files, version, ctx.town, chosen, period, freq)
if fig["summary"]["last_date"] is None:
    st.warning("Every count for this choice is missing: there is nothing to show.", icon=":material/warning:")
    st.stop()

where = "all sites" if site == ALL else md(names.get(site, site))
st.caption(f"{PERIODS[period]} of the data, {fig['start']:%d %b %Y} to {fig['end']:%d %b %Y} · {where} · "
           f"{fig['summary']['site_count']} site(s) counted in all")

# --------------------------------------------------------------------------- headline
change = fig["change"]
period_total = fig["period_summary"]
cols = st.columns(4)
cols[0].metric(
    INDICATORS["footfall_yoy"].label,
    "–" if not change or change["change_pct"] is None else f"{change['change_pct']:+.1f}%",
    help=INDICATORS["footfall_yoy"].definition + " The same figure as the Overview and Compare.",
)
cols[1].metric(f"Footfall, last {RECENT_WEEKS} weeks", "–" if not change else f"{change['total']:,.0f}",
               help="Like for like: site-days counted in both years.")
cols[2].metric(f"Footfall, {fig['start']:%d %b %Y} to {fig['end']:%d %b %Y}",
               "–" if period_total["total"] is None else f"{period_total['total']:,.0f}",
               help="Every count in the period chosen in the sidebar.")
busiest = period_total["busiest_day"]
cols[3].metric(f"Busiest day ({pd.Timestamp(busiest):%a %d %b %Y})" if busiest else "Busiest day",
               "–" if period_total["busiest_day_total"] is None else f"{period_total['busiest_day_total']:,.0f}",
               help="The day with the most footfall in the period, all chosen sites together.")
refs = data.references(ctx.town, ctx.service)
ref_yoy = reference.reference(refs, "footfall_yoy", group)
if site == ALL and change and change["change_pct"] is not None:  # the town's figure, as the indicator table has it
    said = reference.sentence(refs, "footfall_yoy", change["change_pct"], group)
    if said:
        cols[0].caption(md(said))
if not change:
    st.caption("No year-on-year figure: the same weeks a year before have no counts for these sites.")
elif change["unmatched_site_days"]:
    st.caption(f"{change['unmatched_site_days']} recent site-days had no count a year before and are left out "
               "of the comparison.")

# --------------------------------------------------------------------------- map
st.subheader("Where people are counted")
site_totals = fig["site_totals"]
placed = sites.merge(site_totals, on="site_id", how="left")
placed["selected"] = placed["site_id"].isin(chosen).map({True: "shown", False: "other"})
placed["label"] = placed["name"].fillna(placed["site_id"])


def site_map():
    with_position = placed[placed.geometry.notna() & ~placed.geometry.is_empty]
    boundary = ctx.for_town("centres")
    extent = pd.concat([boundary.geometry, with_position.geometry]) if len(with_position) else boundary.geometry
    m = maps.base_map(gpd.GeoSeries(extent, crs="EPSG:4326").total_bounds)
    maps.add_geojson_layer(m, boundary, "Centre boundary", color="#444444", fill_opacity=0.05, weight=2,
                           tooltip={"name": "Centre"}, legend=False)
    if len(with_position):
        maps.add_geojson_layer(
            m, with_position, "Footfall sites", color_by="selected", colors={"shown": "#1f78b4", "other": "#a6cee3"},
            radius_by="mean_per_day", radius_range=(5, 22), weight=2,
            tooltip={"label": "Site", "site_id": "Id", "mean_per_day": "People a day (last 4 weeks)"},
            labels={"shown": "in the figures", "other": "other sites"}, legend="Sites",
        )
    return m


# the map is a function of these alone: rendered once, drawn for every visitor
maps.show_cached_map(("footfall", files, version, ctx.town, chosen), site_map, key="footfall_map", height=420)
st.caption(f"Circle size: mean daily footfall over the four complete weeks {site_totals.attrs.get('start', '')} "
           f"to {site_totals.attrs.get('end', '')}.")
site_table = pd.DataFrame(placed.drop(columns="geometry"))[["site_id", "label", "count", "days", "mean_per_day"]]
table_and_download(site_table.rename(columns={"label": "name", "count": "footfall_last_4_weeks"}), "Sites", "sites")

# --------------------------------------------------------------------------- time series
st.subheader("Over time")
series = fig["series"]
if series.empty:
    st.info("Not enough counts in this period for a time series.", icon=":material/info:")
else:
    measure = series["measure"].iloc[0]
    long = pd.concat([
        series[["period", "value"]].assign(series="This year"),
        series[["period", "value_last_year"]].rename(columns={"value_last_year": "value"}).assign(series="A year before"),
    ], ignore_index=True).dropna(subset=["value"])
    y_title = "Footfall" if measure == "total" else "Mean footfall per reporting site"

    def series_chart():
        import altair as alt

        return alt.Chart(long).mark_line(point=freq == "week").encode(
            x=alt.X("period:T", title="Week starting" if freq == "week" else "Day"),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=["This year", "A year before"],
                                                                    range=["#1f78b4", "#b0b0b0"])),
            strokeDash=alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=["This year", "A year before"],
                                                                               range=[[1, 0], [4, 3]])),
            tooltip=[alt.Tooltip("period:T", title="Period"), "series:N", alt.Tooltip("value:Q", format=",.0f")],
        )

    show_chart((*chart_key, "series"), series_chart, width="stretch")
    notes = ["The year before is drawn 364 days back (same weekday)."]
    if measure != "total":
        notes.append("The number of sites reporting changes over this period, so the chart shows the mean per "
                     "reporting site (each day's total over the sites counted that day), not the total.")
    if freq == "week":
        notes.append("Weeks run Monday to Sunday; incomplete weeks are left out.")
    st.caption(" ".join(notes))
    table_and_download(series.drop(columns=["complete"]), "Time series", "series")
    moved = series[["period", "value", "value_last_year"]].copy()
    moved["change_pct"] = (moved["value"] / moved["value_last_year"].where(moved["value_last_year"] > 0) - 1) * 100
    moved = moved.dropna(subset=["change_pct"])
    if len(moved):
        st.subheader("Change on a year ago")

        def change_chart():
            import altair as alt

            bars = alt.Chart(moved).mark_bar(color="#1f78b4").encode(
                x=alt.X("period:T", title="Week starting" if freq == "week" else "Day"),
                y=alt.Y("change_pct:Q", title="Change on a year ago (%)"),
                tooltip=[alt.Tooltip("period:T", title="Period"),
                         alt.Tooltip("change_pct:Q", format="+.1f", title="Change (%)")],
            )
            return alt.layer(*charts.reference_layers(ref_yoy, title="Change on a year ago (%)"), bars)

        show_chart((*chart_key, "change", group), change_chart, width="stretch")
        note = "Each period against the same days 364 days before."
        if ref_yoy:
            note += (f" Dashed line: the median change of {md(ref_yoy['label'])} over their last {RECENT_WEEKS} "
                     "complete weeks; grey band: the middle half of them (a figure of now, drawn across the chart).")
        st.caption(note)
        table_and_download(moved, "Change on a year ago", "change")

# --------------------------------------------------------------------------- profile
left, right = st.columns([3, 2])
with left:
    st.subheader("When in the week")
    profile = fig["profile"]
    if profile.empty:
        st.caption("The weekday-by-hour profile needs hourly counts; these are daily.")
    else:

        def heat_chart():
            import altair as alt

            return alt.Chart(profile).mark_rect().encode(
                x=alt.X("hour:O", title="Hour starting", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("weekday_name:N", title=None, sort=list(ff.WEEKDAYS)),
                color=alt.Color("mean:Q", title="People per hour", scale=alt.Scale(scheme="blues")),
                tooltip=["weekday_name:N", "hour:O", alt.Tooltip("mean:Q", format=",.0f", title="Mean per site")],
            )

        show_chart((*chart_key, "profile"), heat_chart, width="stretch")
        st.caption("Mean count per site for each hour of each weekday over the period.")
        table_and_download(profile, "Weekday-by-hour profile", "profile")
with right:
    st.subheader("Parts of the day")
    parts = fig["parts"]
    if parts.empty:
        st.caption("Day parts need hourly counts.")
    else:

        def parts_chart():
            import altair as alt

            return alt.Chart(parts).mark_bar(color="#1f78b4").encode(
                x=alt.X("share:Q", title="Share of footfall", axis=alt.Axis(format="%")),
                y=alt.Y("part:N", sort=list(ff.DAY_PARTS), title=None),
                tooltip=["part:N", "hours:N", alt.Tooltip("share:Q", format=".1%"),
                         alt.Tooltip("mean_per_site_day:Q", format=",.0f", title="Per site a day")],
            )

        show_chart((*chart_key, "parts"), parts_chart, width="stretch")
        st.caption("Morning 06:00-11:59, afternoon 12:00-16:59, evening 17:00-21:59, night 22:00-05:59.")
        table_and_download(parts, "Day parts", "parts")

# --------------------------------------------------------------------------- signature
st.subheader("Footfall signature")
sig = fig["signature"]
if sig["signature"] is None:
    st.info(f"No signature yet: it {md(sig['reason'])}.", icon=":material/info:")
else:
    st.markdown(f"**{sig['signature'].capitalize()}** ({sig['year']}): {SIGNATURE_TEXT[sig['signature']]}.")

    def signature_chart():
        import altair as alt

        line = alt.Chart(sig["months"]).mark_line(point=True).encode(
            x=alt.X("month_name:N", sort=list(ff.MONTHS), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("index:Q", title="Month / year average", scale=alt.Scale(zero=False)),
            tooltip=["month_name:N", alt.Tooltip("index:Q", format=".2f"),
                     alt.Tooltip("mean_per_site_day:Q", format=",.0f", title="Per site a day")],
        )
        rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[3, 3], color="#888").encode(y="y:Q")
        return line + rule

    show_chart((*chart_key, "signature"), signature_chart, width="stretch")
    st.caption(f"Rule: {md(sig['reason'])}. After the Institute of Place Management's four footfall signatures "
               "(comparison, speciality, multifunctional, holiday); the rule is written out in "
               "`agora.analysis.footfall.classify_signature`.")
    table_and_download(sig["months"], "Monthly index", "signature")

# --------------------------------------------------------------------------- quality
st.subheader("Data quality")
flags = fig["flags"]
counts_by_kind = flags["kind"].value_counts()
cols = st.columns(len(FLAG_LABELS))
for col, (kind, text) in zip(cols, FLAG_LABELS.items()):
    col.metric(text, f"{int(counts_by_kind.get(kind, 0)):,}")
by_site = fig["by_site"]
missing = int(by_site["missing_days"].fillna(0).sum())
st.caption(f"In the period: {missing:,} site-days with no count (kept missing, never zero). Gaps: days with no "
           "count inside a site's range; zero runs: 6 or more hours in a row counted 0 outside the night, or days "
           "counted 0; outliers: a day 2.5 times above or below the median of the same weekday over four weeks "
           "either side.")
if len(flags):
    shown_flags = flags.assign(site=flags["site_id"].map(lambda s: names.get(s, s)),
                               kind=flags["kind"].map(FLAG_LABELS))
    st.dataframe(shown_flags[["site", "site_id", "kind", "start", "end", "length", "unit", "detail"]],
                 hide_index=True)
    download_csv(shown_flags, f"{ctx.town}-footfall-quality-flags.csv", "dl_flags")
else:
    st.caption("Nothing flagged in this period.")
table_and_download(by_site, "Per-site summary", "by-site")
