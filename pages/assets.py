"""Community assets: what the town has, how much of the high street is within reach, which listings lapse soon."""

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from agora.analysis import assets as analysis
from agora.layers import ASSET_CATEGORIES
from agora.loaders.coords import area_crs
from agora.store import export
from agora.ui import contributions as contrib
from agora.ui import data, maps
from agora.ui.widgets import download_csv, plain
from agora.ui.text import md
from agora.ui.shell import no_data_message, page_options, page_shell

REACH = analysis.REACH_M
EXPIRY_HIGHLIGHT = "background-color: #fff3cd"

ctx = page_shell("Community assets", ":material/diversity_3:")
if ctx.town is None:
    st.title("Community assets")
    no_data_message("centres")
    st.stop()

st.title(f"Community assets in {md(ctx.town_name)}")
assets = ctx.for_town("assets")
if assets.empty:
    no_data_message("community assets")
    st.stop()


def label(category: str) -> str:
    return str(category).replace("_", " ").capitalize()


present = [c for c in ASSET_CATEGORIES if c in set(assets["category"].dropna())]
with page_options():
    shown = st.multiselect("Categories", present, default=present, key="categories", bind="query-params")
    reach = st.toggle(f"Show the {REACH} m reach", key="reach", bind="query-params",
                      help=f"Circles of {REACH} m (straight line) around the assets shown.")
    as_of = st.date_input("Listings expiring from", value=pd.Timestamp.today().date(), key="as_of",
                          help=f"Listings of Assets of Community Value that end within {analysis.EXPIRY_MONTHS} "
                               "months of this date are highlighted.")

units = ctx.for_town("units")
boundary = ctx.for_town("centres")
# coverage counts every asset, also those just outside the boundary
table = data.asset_summary(ctx.town, ctx.service)
table = table[table["centre_id"] == ctx.town].drop(columns=["centre_id", "centre"])
soon = analysis.expiring(assets, as_of=as_of)
listed = assets["acv_status"].eq("listed").fillna(False)

cols = st.columns(4)
cols[0].metric("Assets", f"{len(assets):,}")
cols[1].metric("Categories", f"{len(present)}")
cols[2].metric("Listed as ACV", f"{int(listed.sum()):,}", help="Assets of Community Value on the council's list.")
cols[3].metric(f"Listings ending within {analysis.EXPIRY_MONTHS} months", f"{len(soon):,}",
               help="When a listing lapses the community loses its right to bid if the asset is sold.")
if len(soon):
    names = ", ".join(md(n) for n in soon["name"].astype("string").fillna("(no name)").head(5))
    st.warning(f"{len(soon)} listing(s) end within {analysis.EXPIRY_MONTHS} months: {names}"
               + (" …" if len(soon) > 5 else ""), icon=":material/event_busy:")

# --------------------------------------------------------------------------- map
st.subheader("Where they are")
on_map = assets[assets["category"].isin(shown)]
m = maps.base_map(boundary.total_bounds if len(boundary) else assets.total_bounds)
maps.add_geojson_layer(m, boundary, "Centre boundary", color="#444444", fill_opacity=0.05, weight=2,
                       tooltip={"name": "Centre"}, legend=False)
if reach and len(on_map):
    crs = area_crs(on_map)
    circles = gpd.GeoDataFrame(on_map[["name", "category"]],
                               geometry=on_map.geometry.to_crs(crs).buffer(REACH), crs=crs).to_crs("EPSG:4326")
    maps.add_geojson_layer(m, circles, f"{REACH} m reach", color_by="category", colors=maps.ASSET_COLOURS,
                           fill_opacity=0.08, weight=1, tooltip={"name": "Within reach of", "category": "Category"},
                           legend=False)
if len(units):
    maps.add_geojson_layer(m, units.drop_duplicates("unit_id", keep="last"), "Units", color="#9e9e9e", radius=3,
                           fill_opacity=0.5, tooltip={"name": "Unit"}, legend=False, show=reach)
if len(on_map):
    maps.add_geojson_layer(m, on_map, "Community assets", color_by="category", colors=maps.ASSET_COLOURS, radius=7,
                           weight=2, labels={c: label(c) for c in ASSET_CATEGORIES},
                           tooltip={"name": "Asset", "category": "Category", "acv_status": "ACV",
                                    "expires_on": "Listing ends"})
nominated = contrib.community_nominations(contrib.store(ctx), ctx.town) if contrib.enabled() else None
if nominated is not None and len(nominated):
    maps.add_geojson_layer(m, nominated, "Nominated by the community", color_by="category", colors=maps.ASSET_COLOURS,
                           radius=8, weight=3, stroke="#000000", legend=False,
                           tooltip={"name": "Asset", "category": "Category", "source": "Source", "why": "Why"})
maps.show_map(m, key="assets_map", height=480)
st.caption(f"Colour shows the category. Turn on the {REACH} m reach in the options to see which units are "
           "within a short walk. Switch layers with the control at the top right.")

# --------------------------------------------------------------------------- counts and coverage
st.subheader(f"Counts and {REACH} m coverage")
col = f"coverage_{REACH}m"
if units.empty:
    st.caption("Coverage needs the units (premises) of the town: add them on the Data page.")
else:
    chart_data = plain(table[table[col].notna()]).assign(label=lambda t: t["category"].map(label))
    bars = alt.Chart(chart_data).mark_bar().encode(
        x=alt.X(f"{col}:Q", title=f"Share of units within {REACH} m", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("label:N", sort="-x", title=None),
        color=alt.Color("category:N", scale=alt.Scale(domain=list(maps.ASSET_COLOURS),
                                                      range=list(maps.ASSET_COLOURS.values())), legend=None),
        tooltip=[alt.Tooltip("label:N", title="Category"), "count",
                 alt.Tooltip(f"{col}:Q", format=".0%", title="Coverage")],
    )
    st.altair_chart(bars, width="stretch")
    st.caption(f"Share of the town's {int(table['units'].max())} units within {REACH} m (straight line) of at least "
               "one asset of the category, measured in metres on a projected grid; assets just outside the "
               "boundary count.")
st.dataframe(plain(table), hide_index=True, column_config={
    col: st.column_config.NumberColumn(f"Coverage {REACH} m", format="percent"),
    "per_km2": st.column_config.NumberColumn("Per km²", format="%.1f"),
    "area_km2": st.column_config.NumberColumn("Centre area km²", format="%.3f"),
})
download_csv(table, f"{ctx.town}-assets-by-category.csv", "dl_counts")

# --------------------------------------------------------------------------- register
st.subheader("Register")
register = plain(assets)
register["expiring_soon"] = register["asset_id"].isin(soon["asset_id"])
register = register.merge(soon[["asset_id", "days_left"]].astype({"days_left": float}), on="asset_id", how="left")
first = ["name", "category", "acv_status", "expiring_soon", "days_left", "nominated_by", "nominated_on", "decided_on",
         "listed_on", "expires_on", "owner", "address", "description", "source_category", "asset_id", "source"]
register = register[[c for c in first if c in register.columns]]
register = register.sort_values(["expiring_soon", "expires_on", "name"], ascending=[False, True, True],
                                na_position="last", kind="stable")
styled = register.style.apply(
    lambda row: [EXPIRY_HIGHLIGHT if row["expiring_soon"] else ""] * len(row), axis=1)
st.dataframe(styled, hide_index=True, column_config={
    "expiring_soon": st.column_config.CheckboxColumn("Ends within 12 months"),
    "days_left": st.column_config.NumberColumn("Days left", format="%d"),
    "listed_on": st.column_config.DateColumn("Listed on"),
    "expires_on": st.column_config.DateColumn("Listing ends"),
})
st.caption("Highlighted: listings that end within 12 months. Assets of Community Value are listed for five years.")
if nominated is not None and len(nominated):
    st.markdown("**Nominated by the community** (published after moderation)")
    st.dataframe(plain(nominated[["name", "category", "acv_status", "why", "source"]]), hide_index=True)
download_csv(register, f"{ctx.town}-asset-register.csv", "dl_register")
st.download_button("Download GeoJSON", lambda: export.to_geojson(on_map.assign(
    listed_on=on_map["listed_on"].dt.strftime("%Y-%m-%d"), expires_on=on_map["expires_on"].dt.strftime("%Y-%m-%d"))),
    f"{ctx.town}-assets.geojson", "application/geo+json", key="dl_geojson")
