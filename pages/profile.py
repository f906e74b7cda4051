"""Town profile: one centre on one page, to print or to download as a file that opens offline."""

import pandas as pd
import streamlit as st

from agora.analysis.indicators import INDICATORS
from agora.report.profile import HEADLINE, percentile_words, source_line
from agora.store import export
from agora.ui import changes as changes_ui
from agora.ui import compare as ui
from agora.ui.widgets import md_escape
from agora.ui.text import md
from agora.ui.shell import no_data_message, page_options, page_shell, reference_group

# Print: drop the app's chrome and widgets, keep the content full width.
PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stDownloadButton"], [data-testid="stSelectbox"], [data-testid="stExpandSidebarButton"],
  .no-print { display: none !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 !important; }
  [data-testid="stVegaLiteChart"], [data-testid="stMetric"], [data-testid="stDataFrame"], [data-testid="stTable"] {
    break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
</style>
"""

ctx = page_shell("Town profile", ":material/description:", pick_town=False)
st.markdown(PRINT_CSS, unsafe_allow_html=True)

table = ui.table(ctx.service, include_demo=True)  # every centre can be profiled
if table.empty:
    st.title("Town profile")
    no_data_message("centres")
    st.stop()

names = dict(zip(table["centre_id"], table["name"]))
ids = table["centre_id"].tolist()
default = ctx.town if ctx.town in names else ids[0]
with page_options():
    town = ui.url_selectbox("Centre", ids, default, key="town", format_func=lambda i: names.get(i, i))
    group = reference_group()
if town in set(ctx.centres["centre_id"]):
    st.session_state["selected_town"] = town
# compared with the user's own and reference centres (demo towns only when there is nothing else)
profile = ui.profile(town, ctx.service, group)

st.title(md(profile.name))
facts = [profile.size_band]
if profile.data_date:
    facts.append(f"latest data {profile.data_date}")
if profile.level != "workspace":
    facts.append("area-level figures only")
st.caption(" · ".join(md_escape(f) for f in facts))
cls = profile.classes.get("nef2005_class")
if cls:
    colour = {"clone town": "red", "border town": "orange", "home town": "green"}.get(cls, "gray")
    st.markdown(f"### :{colour}-badge[{md_escape(cls.capitalize())}] by the nef 2005 score")
    if profile.verdict:
        st.markdown(f"**{md_escape(profile.verdict)}**")

st.download_button("Download this profile (HTML, opens offline)", lambda: ui.profile_html(town, ctx.service, group),
                   f"profile-{town}.html", "text/html", icon=":material/download:", key="dl_profile")
st.caption("To print, use the browser's print command: the page has a print layout.")

st.subheader("Headline figures")
figures = [profile.figure(i) for i in HEADLINE]
figures = [f for f in figures if f is not None]
for start in range(0, len(figures), 4):
    cols = st.columns(4)
    for col, fig in zip(cols, figures[start:start + 4]):
        col.metric(fig["label"], fig["shown"], help=INDICATORS[fig["indicator"]].definition)
        words = percentile_words(fig)
        if words:
            col.caption(md(words))
        if fig.get("reference"):  # the median centre of each group, the chosen group first
            col.caption(md(fig["reference"]))
extra = [(k, v) for k, v in (("nef 2010 class", profile.classes.get("nef2010_class")),
                             ("Footfall signature", profile.classes.get("footfall_signature"))) if v]
if extra:
    cols = st.columns(4)
    for col, (label, value) in zip(cols, extra):
        col.metric(label, value)

if profile.changes is not None:  # the Overview's "What changed", in words
    st.subheader("What changed")
    st.markdown(md(changes_ui.with_reports(profile.changes, ctx.service).paragraph))
    st.caption("The lists of units are on the Overview page and in the downloaded profile.")

if profile.diagnosis:
    st.subheader("Clone-town diagnosis")
    st.write(md_escape(profile.diagnosis))
    if len(profile.chains):
        with st.expander(f"Chains among the units scored ({len(profile.chains)})"):
            st.dataframe(profile.chains, hide_index=True)

if profile.map is not None:
    st.subheader("Map")
    st.altair_chart(profile.map, width="stretch")  # as wide as the page, a phone's too
    st.caption("Centre boundary and units coloured by status, latest survey. The Overview page has the "
               "interactive map.")

for title, chart in profile.charts.items():
    st.subheader(title)
    st.altair_chart(chart, width="stretch")
    if isinstance(chart.data, pd.DataFrame) and len(chart.data):  # the chart's figures, for screen readers too
        with st.expander(f"{title} as a table"):
            st.dataframe(chart.data, hide_index=True)

st.subheader("Towns like this")
if len(profile.similar):
    st.caption("Nearest on standardised " + ", ".join(INDICATORS[i].label for i in profile.similar_on)
               + ". The Compare page lets you choose indicators and weights.")
    st.dataframe(profile.similar.drop(columns="centre_id"), hide_index=True, column_config={
        "name": "Centre", "distance": st.column_config.NumberColumn("Distance", format="%.2f"),
        "shared": "Indicators compared", "why": "Why"})
else:
    st.write("No other centre shares enough indicators with this one.")
if len(profile.similar_brands):
    st.markdown("**Most alike by brands**")
    st.dataframe(profile.similar_brands.drop(columns="centre_id"), hide_index=True, column_config={
        "name": "Centre", "brand_jaccard": st.column_config.NumberColumn("Brand similarity", format="%.2f"),
        "shared_brands": "Shared chains", "brands_in_common": "Chains in common",
        "category_cosine": st.column_config.NumberColumn("Shop-mix similarity", format="%.2f")})

st.subheader("Every indicator")
st.dataframe(profile.figures[["label", "shown", "percentile", "band_percentile", "reference", "definition"]],
             hide_index=True,
             placeholder="–",
             column_config={"label": "Indicator", "shown": "Value",
                            "percentile": st.column_config.NumberColumn("Percentile", format="%.0f",
                                                                        help="Share of the other centres with a "
                                                                             "lower value"),
                            "band_percentile": st.column_config.NumberColumn("In size band", format="%.0f"),
                            "reference": "Against other centres",
                            "definition": "Definition"})
st.download_button("Download the figures (CSV)", lambda: export.to_csv(profile.figures), f"profile-{town}.csv", "text/csv",
                   key="dl_figures")

st.subheader("Data sources and dates")
for src in profile.sources:
    st.markdown("- " + md_escape(source_line(src)))
for note in profile.notes:
    st.caption(md_escape(note))
