"""Clone town: is the high street a clone town, a border town or a home town, and why."""

import pandas as pd
import streamlit as st

from agora.analysis import clone, reference
from agora.analysis.clone import CloneSettings
from agora.analysis.taxonomy import type_label
from agora.report import charts
from agora.store import export
from agora.ui import data, maps
from agora.ui.charts import show_chart
from agora.ui.clone import AUTO_HEART, diagnosis, similar_centres
from agora.ui.widgets import download_csv, plain
from agora.ui.shell import no_data_message, page_options, page_shell, reference_group
from agora.ui.text import md

CLASS_COLOURS = {"clone town": "red", "border town": "orange", "home town": "green"}
ROLE_COLOURS = {"not in sample": "#bdbdbd", "vacant": maps.STATUS_COLOURS["vacant"], "use unknown": "#9e9e9e",
                "excluded use": "#80b1d3", "ownership unknown": "#636363"}
METHOD_LABELS = {"nef50": "nef's walk: 50 units from the heart", "all": "Every unit in the centre"}
OWNERSHIP_LABELS = {"independent": "Independent", "chain": "Chain", "symbol_group": "Symbol group",
                    "unknown": "Unknown"}

ctx = page_shell("Clone town", ":material/storefront:")
if ctx.town is None:
    st.title("Clone town")
    no_data_message("centres")
    st.stop()

town_units = ctx.for_town("units")
st.title(f"Is {md(ctx.town_name)} a clone town?")
if town_units.empty:
    no_data_message("units (premises)")
    st.stop()

# --------------------------------------------------------------------------- options (in the URL)
with page_options():
    # Options are the URL values themselves, so a shared link reads ?method=all.
    method = st.radio("Units scored", list(METHOD_LABELS), captions=list(METHOD_LABELS.values()), key="method",
                      bind="query-params",
                      help="nef surveyed about 50 shops from the heart of the high street (never fewer than 40).")
    labels = data.town_view("heart_labels", ctx.town, ctx.service)  # unit id -> "name · street" (read-only)
    heart = AUTO_HEART
    if method == "nef50":
        options = [AUTO_HEART, *sorted(labels, key=labels.get)]
        if st.session_state.get("heart") not in options:  # first run, or another town: take the URL's unit id
            wanted = st.query_params.get("heart")
            st.session_state["heart"] = wanted if wanted in options else AUTO_HEART
        heart = st.selectbox("Start the walk at", options, key="heart",
                             format_func=lambda k: "Where units are densest" if k == AUTO_HEART else labels.get(k, k),
                             help="nef started at the heart of the high street. By default, the unit whose 50 "
                                  "nearest units lie closest together.")
    if heart == AUTO_HEART:
        st.query_params.pop("heart", None)
    else:
        st.query_params["heart"] = heart
    group = reference_group()
    with st.expander("Scoring options"):
        symbol = st.checkbox("Count symbol groups as chains", value=True, key="symbol_as_chain",
                             help="Spar, Londis, Premier, Nisa, Costcutter, Budgens...: independent owners under a "
                                  "wholesaler's fascia. nef counted them as chains.")
        w_indep = st.slider("nef 2010 weight on independents", 0, 100, 70, 5, key="w_indep",
                            help="Reconstructed index: the rest of the weight goes to the number of types.")

settings = CloneSettings(method=method, symbol_groups_as_chains=symbol, weights=(float(w_indep), 100.0 - w_indep))

version = ctx.service.version()
path = str(ctx.service.path)
result = diagnosis(ctx.town, ctx.town_name, settings, heart, ctx.service)  # cached (read-only)
s = result.summary
scored = result.units[result.units["role"] == "scored"]


def fmt(value, pattern="{:.1f}") -> str:
    return "–" if value is None or pd.isna(value) else pattern.format(value)


def pct(value) -> str:
    return fmt(value, "{:.0%}")


# --------------------------------------------------------------------------- headline
cls = s["nef2005_class"]
if cls is None:
    st.warning("No unit can be scored: the diagnosis needs occupied shops whose owner (independent or chain) "
               "is known.", icon=":material/warning:")
    st.stop()
st.badge(md(s["verdict"]), color=CLASS_COLOURS[cls] if s["verdict_certainty"] == "clear" else "gray",
         icon=":material/storefront:")
st.markdown(f"#### {md(clone.explain(s))}")
when = f"survey of {pd.Timestamp(s['survey_date']):%d %B %Y}" if s["survey_date"] else "undated data"
st.caption(f"{METHOD_LABELS[method]} · {when}")
if s["below_minimum"]:
    st.warning(f"Only {s['n_scored']} units can be scored here; nef never scored fewer than {settings.minimum}. "
               "Read the class with care.", icon=":material/warning:")

cols = st.columns(6)
cols[0].metric("nef 2005 score", fmt(s["nef2005_score"]), help="Below 25 clone town, 25 to 35 border town, above 35 "
               "home town (nef's Clone Town Britain survey and the RGS fieldwork version).")
cols[1].metric("nef 2010 index*", fmt(s["nef2010_index"]),
               help="Reconstructed (nef did not publish its formula): weights on the independent share and on the "
                    "number of types out of 26. Below 50 clone, above 65 home.")
cols[2].metric("Units scored", s["n_scored"])
refs = data.references(ctx.town, ctx.service)
for col, ind in ((cols[0], "nef2005_score"), (cols[1], "nef2010_index")):
    said = reference.sentence(refs, ind, s[ind], group)
    if said:
        col.caption(md(said))
cols[3].metric("Independents", s["independents"])
cols[4].metric("Chains", s["chains"], help="Symbol-group stores included when the option says so.")
cols[5].metric("Types of shop", s["types"])
st.caption(f"\\* nef 2010 index, reconstructed: {s['nef2010_class']}.")

# --------------------------------------------------------------------------- how it was computed
with st.expander("How it was computed", expanded=True, icon=":material/calculate:"):
    t, i, c, n = s["types"], s["independents"], s["chains"], s["n_scored"]
    w1, w2 = settings.weights
    st.markdown(
        f"- **nef 2005 score** = (5 × types + 50 × independents + 5 × chains) ÷ units scored "
        f"= (5 × {t} + 50 × {i} + 5 × {c}) ÷ {n} = **{fmt(s['nef2005_score'])}**\n"
        f"- **nef 2010 index** (reconstructed) = {w1:g} × independents ÷ units + {w2:g} × min(types, 26) ÷ 26 "
        f"= {w1:g} × {i}/{n} + {w2:g} × {min(t, 26)}/26 = **{fmt(s['nef2010_index'])}**\n"
        f"- Scored: occupied units whose owner is known, leaving out post offices, banks, surgeries and public "
        f"buildings as nef's survey form did. Left out here: {s['vacant']} vacant, {s['use_unknown']} of unknown use, "
        f"{s['excluded']} excluded uses, {s['ownership_unknown']} of unknown ownership"
        + (f", and {s['n_eligible'] - n} further from the heart than the 50th." if method == "nef50" and
           s["n_eligible"] > n else ".")
    )
    if s["types_from_names"]:
        st.caption(f"{s['types_from_names']} scored units had no type in the data; their type was read from their "
                   "name (\"... Butchers\"). Units with no type at all do not add a type.")
    rules = scored["ownership_source"].fillna("not decided").value_counts().rename_axis("rule").reset_index(name="units")
    rules["meaning"] = rules["rule"].map({
        "surveyed": "recorded by the survey", "user": "corrected by a person",
        "osm_brand": "OpenStreetMap brand tags", "brand_list": "name matches a brand list",
        "name_recurrence": "same name in 3 or more centres", "inferred": "no sign of a chain: independent"})
    st.write("How each scored unit's owner was decided:")
    st.dataframe(rules, hide_index=True)

# --------------------------------------------------------------------------- map
st.subheader("The units scored")
has_points = clone._has_points(result.units)


def clone_map():
    shown = result.units.copy()
    shown["type_label"] = type_label(shown["type_id"]).fillna(shown["type_counted"])
    shown["ownership_label"] = shown["ownership"].map(OWNERSHIP_LABELS, na_action="ignore")
    boundary = ctx.for_town("centres")
    m = maps.base_map(boundary.total_bounds if len(boundary) else shown.total_bounds)
    maps.add_geojson_layer(m, boundary, "Centre boundary", color="#444444", fill_opacity=0.05, weight=2,
                           tooltip={"name": "Centre"}, legend=False)
    others = shown[shown["role"] != "scored"]
    if len(others):
        maps.add_geojson_layer(m, others, "Not scored", color_by="role", colors=ROLE_COLOURS, radius=4,
                               fill_opacity=0.6, tooltip={"name": "Name", "type_label": "Type", "role": "Why not"})
    maps.add_geojson_layer(m, shown[shown["role"] == "scored"], "Scored units", color_by="ownership",
                           colors=maps.OWNERSHIP_COLOURS, labels=OWNERSHIP_LABELS, radius=7, weight=1,
                           tooltip={"name": "Name", "type_label": "Type", "ownership_label": "Ownership",
                                    "ownership_source": "Decided by", "rank": "Rank from the heart"})
    if s["heart_lon"] is not None and method == "nef50":
        import geopandas as gpd
        import shapely

        heart_layer = gpd.GeoDataFrame({"name": ["Start of nef's walk"]},
                                       geometry=[shapely.Point(s["heart_lon"], s["heart_lat"])], crs="EPSG:4326")
        maps.add_geojson_layer(m, heart_layer, "Heart", color="#000000", radius=9, weight=3, fill_opacity=0.2,
                               tooltip={"name": "Heart"}, legend=False)
    return m


if has_points:
    # the map is a function of these alone: rendered once, drawn for every visitor
    maps.show_cached_map(("clone", path, version, ctx.town, settings, heart), clone_map, key="clone_map", height=520)
    st.caption("Scored units coloured by ownership; grey and blue dots were not scored (hover to see why). "
               "Shop data may include © OpenStreetMap contributors (ODbL).")
else:
    st.info("These units have no positions: every unit of the survey was scored, as surveyed.", icon=":material/info:")
with st.expander("Units as a table (every unit and its role)"):
    table = result.units[["rank", "unit_id", "name", "type_counted", "type_from", "ownership", "ownership_source",
                          "brand", "role", "distance_m", "street", "geometry"]
                         if has_points else
                         ["rank", "unit_id", "name", "type_counted", "type_from", "ownership", "ownership_source",
                          "brand", "role", "street"]].sort_values(["rank", "role"], na_position="last")
    st.dataframe(plain(table), hide_index=True,
                 column_config={"distance_m": st.column_config.NumberColumn("metres from heart", format="%.0f")})
    download_csv(table, f"{ctx.town}-clone-units.csv", "dl_units")
    if has_points:
        st.download_button("Download GeoJSON", lambda: export.to_geojson(table), f"{ctx.town}-clone-units.geojson",
                           "application/geo+json", key="dl_units_geo")

# --------------------------------------------------------------------------- types by ownership
left, right = st.columns([3, 2])
with left:
    st.subheader("Kinds of shop, by ownership")
    types = result.types

    def type_bars():
        import altair as alt

        long = types.melt(id_vars=["type", "label", "units"], value_vars=["independent", "chain", "symbol_group"],
                          var_name="ownership", value_name="count")
        long = long[long["count"] > 0].assign(ownership=lambda d: d["ownership"].map(OWNERSHIP_LABELS))
        colours = {OWNERSHIP_LABELS[k]: v for k, v in maps.OWNERSHIP_COLOURS.items()}
        return alt.Chart(long).mark_bar().encode(
            x=alt.X("count:Q", title="Units scored"),
            y=alt.Y("label:N", sort="-x", title=None),
            color=alt.Color("ownership:N", title="Ownership",
                            scale=alt.Scale(domain=list(colours), range=list(colours.values()))),
            tooltip=[alt.Tooltip("label:N", title="Type"), "ownership:N", alt.Tooltip("count:Q", title="Units")],
        )

    show_chart(("clone-types", path, version, ctx.town, settings, heart), type_bars, width="stretch")
    with st.expander("Kinds of shop as a table"):
        st.dataframe(types, hide_index=True)
        download_csv(types, f"{ctx.town}-clone-types.csv", "dl_types")
with right:
    st.subheader("Chains present")
    if len(result.chains):
        st.dataframe(result.chains, hide_index=True, column_config={
            "ownership": st.column_config.TextColumn("ownership"), "rule": st.column_config.TextColumn("decided by")})
        download_csv(result.chains, f"{ctx.town}-clone-chains.csv", "dl_chains")
    else:
        st.caption("No chain among the units scored.")

# --------------------------------------------------------------------------- modern measures
st.subheader("Diversity and ownership")
measures = pd.DataFrame([
    ("Richness", s["richness"], "number of kinds of shop among the units scored"),
    ("Shannon diversity", s["shannon"], "-Σ p ln p over the kinds of shop; higher is more varied (0 = one kind)"),
    ("Simpson diversity", s["simpson"], "chance that two units picked at random are of different kinds"),
    ("Share independent", s["share_independent"], "independents ÷ units scored"),
    ("Share chain", s["share_chain"], "chains ÷ units scored (symbol groups apart)"),
    ("Share symbol group", s["share_symbol_group"], "symbol-group stores ÷ units scored"),
    ("Share vacant", s["share_vacant"], "vacant ÷ (occupied + vacant), every unit of the centre"),
], columns=["measure", "value", "meaning"])
cols = st.columns(6)
cols[0].metric("Richness", s["richness"])
cols[1].metric("Shannon", fmt(s["shannon"], "{:.2f}"))
cols[2].metric("Simpson", fmt(s["simpson"], "{:.2f}"))
cols[3].metric("Share independent", pct(s["share_independent"]))
cols[4].metric("Share chain", pct(s["share_chain"]))
cols[5].metric("Share vacant", pct(s["share_vacant"]))
with st.expander("Measures as a table"):
    st.dataframe(measures, hide_index=True)
    download_csv(measures, f"{ctx.town}-clone-measures.csv", "dl_measures")

# --------------------------------------------------------------------------- sensitivity
st.subheader("How much the score depends on the sampling")
sens = result.sensitivity
st.write("nef's scores were criticised for covering one street only. The same centre, scored other ways:")
st.dataframe(sens, hide_index=True, column_config={
    "sampling": st.column_config.TextColumn("units scored"), "units": st.column_config.NumberColumn("how many"),
    "nef2005_score": st.column_config.NumberColumn("nef 2005 score", format="%.1f"),
    "nef2005_class": st.column_config.TextColumn("class")})
download_csv(sens, f"{ctx.town}-clone-sensitivity.csv", "dl_sens")
if len(result.heart_scores):
    share = s.get("heart_same_class")
    st.caption(f"Starting nef's walk at each of {len(result.heart_scores)} units in turn, "
               f"{fmt(share, '{:.0%}')} of the walks give the same class as the chosen start.")
    ref_score = reference.reference(refs, "nef2005_score", group)

    def heart_chart():
        import altair as alt

        hist = pd.DataFrame({"score": result.heart_scores})
        chart = alt.Chart(hist).mark_bar(color="#7570b3").encode(
            x=alt.X("score:Q", bin=alt.Bin(step=2.5), title="nef 2005 score from another start"),
            y=alt.Y("count():Q", title="Starting units"),
        )
        rules_df = pd.DataFrame({"score": [25, 35], "band": ["clone | border", "border | home"]})
        lines = alt.Chart(rules_df).mark_rule(strokeDash=[4, 3], color="#444").encode(x="score:Q", tooltip=["band"])
        return alt.layer(*charts.reference_layers(ref_score, axis="x", title="nef 2005 score from another start"),
                         chart, lines)

    show_chart(("clone-hearts", path, version, ctx.town, settings, heart, group), heart_chart, width="stretch")
    if ref_score:
        st.caption(f"Grey band and dashed line: the middle half and the median nef 2005 score of "
                   f"{md(ref_score['label'])} (each scored on its latest survey, nef's walk from its densest point).")

# --------------------------------------------------------------------------- similar centres
st.subheader("Centres with the same chains")
table, clone_ness, n_centres = similar_centres(ctx.town, ctx.service)
if n_centres < 2 or table.empty:
    st.caption("Load more than one centre to compare brands between centres.")
else:
    names = dict(zip(ctx.centres["centre_id"], ctx.centres["name"]))
    table = table.assign(centre=table["centre"].map(lambda c: names.get(c, c)))
    st.metric("Clone-ness", fmt(clone_ness, "{:.2f}"),
              help="Mean share of brands in common (Jaccard) with every other loaded centre: 0 when no chain of this "
                   "centre is found elsewhere, 1 when every centre has exactly the same chains.")
    st.dataframe(table, hide_index=True, column_config={
        "brand_jaccard": st.column_config.NumberColumn("brands in common (Jaccard)", format="%.2f"),
        "category_cosine": st.column_config.NumberColumn("alike in shop mix (cosine)", format="%.2f")})
    download_csv(table, f"{ctx.town}-similar-centres.csv", "dl_similar")
st.caption("Sources: the units of this workspace; chains from OpenStreetMap brand tags, Agora's brand list and "
           "names found in several centres. nef = new economics foundation, Clone Town Britain (2004, 2005, 2010).")
