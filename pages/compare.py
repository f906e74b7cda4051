"""Compare: every centre's indicators side by side, rankings, and towns like ours."""

import pandas as pd
import streamlit as st

from agora.analysis import compare, reference
from agora.analysis.indicators import DEFAULT_COMPARE, INDICATORS, definitions, numeric_ids
from agora.loaders.area_indicators import ATTRIBUTION
from agora.report import charts
from agora.store import export
from agora.ui import compare as ui
from agora.ui import data, maps
from agora.ui.widgets import md_escape
from agora.ui.text import md
from agora.ui.shell import no_data_message, page_shell, reference_group

ctx = page_shell("Compare", ":material/compare_arrows:", pick_town=False)
include_demo = None
if ui.demo_is_optional(ctx.service):
    include_demo = st.sidebar.checkbox("Include the demo towns", key="demo", bind="query-params",
                                       help="The fictional demo towns are left out of comparisons, percentiles and "
                                            "\"towns like\" while the workspace holds centres of its own.")

table = ui.table(ctx.service, include_demo=include_demo)
if table.empty:
    st.title("Compare centres")
    no_data_message("centres")
    st.stop()

labels = {k: v.label for k, v in INDICATORS.items()}
ids, names = ui.table_names(ctx.service, include_demo=include_demo)
numeric = numeric_ids(table)
n_area = int((table["level"] != "workspace").sum())

st.title("Compare centres")
st.caption(f"{len(table):,} centres: {len(table) - n_area:,} with unit-level data"
           + (f", {n_area:,} from area-level tables (CDRC)" if n_area else "")
           + ". Pick indicators and centres; the link in the address bar reproduces this comparison.")


def name_of(centre_id: str) -> str:
    return names.get(centre_id, centre_id)


default_ind = [i for i in ("units", *DEFAULT_COMPARE, "footfall_yoy") if i in numeric] or numeric[:4]
focus_default = ctx.town if ctx.town in names else ids[0]
top = st.columns([3, 3])
with top[0]:
    chosen_ind = ui.url_multiselect("Indicators", numeric, default_ind, key="ind", format_func=labels.get,
                                    help="Shown in the table, compared side by side and used for \"towns like "
                                         "this\".")
with top[1]:
    chosen = ui.url_multiselect("Centres to compare", ids, [focus_default], key="centres", format_func=name_of,
                                help="Highlighted in the scatter and shown side by side.")
if not chosen_ind:
    st.info("Pick at least one indicator.", icon=":material/tune:")
    st.stop()

# Only the open tab runs (and a map is drawn while its tab is visible, so Leaflet can size it).
tab_table, tab_map, tab_scatter, tab_side, tab_like, tab_defs = st.tabs(
    ["Table", "Map", "Scatter", "Side by side", "Towns like this", "Definitions"], key="view", bind="query-params")

# --------------------------------------------------------------------------- table
with tab_table:
    if tab_table.open:
        within = st.toggle("Percentiles within each size band", key="band", bind="query-params",
                           help="Colour each centre against centres of similar size (by units) instead of all "
                                f"centres. Bands: {', '.join(b for b, _ in compare.SIZE_BANDS)}.")
        choice = ui.table_controls(ctx.service, include_demo=include_demo, chosen=chosen, indicators=chosen_ind,
                                   rows=len(table))
        ui.show_table(ctx.service, include_demo=include_demo, chosen=chosen, indicators=chosen_ind,
                      within_band=within, choice=choice)
        paged = len(table) > ui.PAGE_ROWS
        st.caption(("The centres picked above first, then a page of the centres found, sorted as chosen (the sort "
                    "and the search cover every centre); a column heading sorts the rows shown. " if paged else
                    "Click a column heading to sort. ")
                   + "Colours: how a centre does against "
                   + ("centres of its size band" if within else "all centres")
                   + ", from red (worse than most) to blue (better than most); neutral indicators are not coloured. "
                   "Empty cells (–): no data for that centre, never counted as zero.")
        full = table.drop(columns=[c for c in ("n_scored",) if c in table])
        dl = st.columns(3)
        dl[0].download_button("Table (CSV)", lambda: export.to_csv(full), "agora-centres.csv", "text/csv",
                              icon=":material/download:", key="dl_csv")
        geo = ui.table_geo(ctx.service, include_demo=include_demo)
        if len(geo):
            dl[1].download_button("With boundaries (GeoJSON)", lambda: export.to_geojson(geo), "agora-centres.geojson",
                                  "application/geo+json", icon=":material/download:", key="dl_geojson")
            dl[2].download_button("With boundaries (GeoPackage)", lambda: ui.to_geopackage(geo), "agora-centres.gpkg",
                                  "application/geopackage+sqlite3", icon=":material/download:", key="dl_gpkg")
        if n_area:
            st.caption(f"{n_area:,} centres come from area tables without boundaries: they are in the CSV only. "
                       + ATTRIBUTION)

# --------------------------------------------------------------------------- map
with tab_map:
    if tab_map.open:
        mappable = [i for i in chosen_ind if i in numeric] or numeric
        c1, c2, c3 = st.columns(3)
        shown_ind = ui.url_selectbox("Indicator", mappable, mappable[0], key="map", container=c1,
                                     format_func=labels.get)
        scheme = ui.url_selectbox("Classes", list(compare.SCHEMES), "quantiles", key="scheme", container=c2,
                                  format_func=lambda s: s.replace("naturalbreaks", "natural breaks")
                                  .replace("equalinterval", "equal interval").replace("fisherjenks", "Fisher-Jenks"))
        k = c3.slider("Number of classes", 3, 7, 5, key="classes", bind="query-params")
        spec = INDICATORS[shown_ind]
        located = ui.geo_table(table, ctx.centres, polygons=False)
        if located.empty:
            st.info("No centre has a boundary to map: the area tables give figures only.", icon=":material/map:")
        else:
            # points sized by units stay visible at any zoom and stay fast for thousands of centres
            as_points = len(located) > 200 or not st.toggle("Show boundaries instead of points", key="boundaries",
                                                            bind="query-params")
            geo = located if as_points else ui.geo_table(table, ctx.centres, polygons=True)
            geo = geo.copy()
            classes, class_labels = compare.classify(geo[shown_ind], scheme=scheme, k=k,
                                                     fmt=lambda v: spec.format(v).replace(" pts", "")
                                                     .replace(" ha", ""))
            colours = charts.palette(spec.direction, max(1, len(class_labels)))
            geo["class"] = classes.map(lambda c: class_labels[int(c)] if pd.notna(c) else "no data")
            geo["value"] = geo[shown_ind].map(spec.format)
            geo["units_shown"] = geo["units"].map(INDICATORS["units"].format)
            geo["nef_class"] = geo["nef2005_class"].fillna("–") if "nef2005_class" in geo else "–"
            palette = {**dict(zip(class_labels, colours)), "no data": charts.OTHERS}

            def centres_map():
                m = maps.base_map(geo.total_bounds)
                maps.add_geojson_layer(
                    m, geo, spec.label, color_by="class", colors=palette, radius_by="units" if as_points else None,
                    radius_range=(5, 22), fill_opacity=0.8 if as_points else 0.65, weight=1,
                    stroke="#333333" if not as_points else None,
                    tooltip={"name": "Centre", "value": spec.label, "units_shown": "Units",
                             "nef_class": "nef 2005 class"},
                    legend=f"{spec.label} ({scheme})",
                )
                maps.add_labels(m, geo, "name", highlight=chosen, key="centre_id", name="Centre names")
                return m

            # thousands of centres: rendered once per choice, drawn for every planner
            maps.show_cached_map(("compare", str(ctx.service.path), ctx.service.version(), include_demo, shown_ind,
                                  scheme, k, as_points, tuple(chosen)), centres_map, key="compare_map", height=520)
            st.caption(f"{len(geo):,} centres with a boundary"
                       + (", drawn as points sized by units" if as_points else "")
                       + f". Colours: {k} classes by {scheme}. The centres picked above are ringed and named"
                       + ("; every centre is named." if len(geo) <= maps.LABEL_ALL_MAX else ".") + " "
                       + spec.definition)
            with st.expander("The map as a table"):
                st.dataframe(pd.DataFrame(geo[["name", "value", "class", "units_shown"]]), hide_index=True,
                             column_config={"name": "Centre", "value": spec.label, "class": "Class",
                                            "units_shown": "Units"})

# --------------------------------------------------------------------------- scatter
with tab_scatter:
    if tab_scatter.open:
        axes = [i for i in chosen_ind if i in numeric] or numeric
        c1, c2 = st.columns(2)
        x = ui.url_selectbox("Across", axes, axes[0], key="x", container=c1, format_func=labels.get)
        y = ui.url_selectbox("Up", axes, axes[min(1, len(axes) - 1)], key="y", container=c2, format_func=labels.get)
        group = reference_group()
        around = chosen[0] if chosen else focus_default  # the size band and region of the first centre picked
        refs = data.references(around, ctx.service, include_demo=include_demo)
        ref_x, ref_y = (reference.reference(refs, i, group) for i in (x, y))
        both = table[x].notna() & table[y].notna()
        if not both.any():
            st.info("No centre has both indicators.", icon=":material/scatter_plot:")
        else:
            st.altair_chart(charts.scatter(table, x, y, chosen, references=(ref_x, ref_y)), width="stretch")
            st.caption(f"{int(both.sum()):,} centres with both figures; the centres picked above in red."
                       + (f" Dashed lines and grey bands: the median and the middle half of "
                          f"{md(ref_x['label'] if ref_x else ref_y['label'])}"
                          + (f" (around {md(name_of(around))})" if group != "all" else "") + "."
                          if ref_x or ref_y else ""))
            with st.expander("The scatter as a table"):
                st.dataframe(table.loc[both, ["name", x, y]], hide_index=True,
                             column_config={"name": "Centre", x: labels[x], y: labels[y]})

# --------------------------------------------------------------------------- side by side
with tab_side:
    if tab_side.open:
        if len(chosen) < 2:
            st.info("Pick two or more centres above to see them side by side.", icon=":material/view_column:")
        if chosen:
            long = compare.side_by_side(table, chosen, chosen_ind)
            cols = st.columns(len(chosen)) if len(chosen) <= 4 else None
            for i, cid in enumerate(chosen):
                row = table[table["centre_id"] == cid].iloc[0]
                box = cols[i] if cols else st.container()
                with box.container(border=True):
                    st.markdown(f"**{md_escape(row['name'])}**")
                    cls = row.get("nef2005_class")
                    st.caption(md(row['size_band']) + (f" · {md(cls)}" if isinstance(cls, str) else "")
                               + (f" · data {row['data_date']}" if isinstance(row.get("data_date"), str) else ""))
                    for ind in chosen_ind[:6]:
                        st.metric(labels[ind], INDICATORS[ind].format(row.get(ind)))
                    st.markdown(f"[Town profile]({ui.profile_link(cid)})")
            if len(long) and long["value"].notna().any():
                st.subheader("Where they stand")
                st.altair_chart(charts.percentile_profile(long), width="stretch")
                st.subheader("Indicator by indicator")
                # small multiples cannot follow the container's width: two narrow panels a row fit a phone
                st.altair_chart(charts.indicator_bars(long, columns=2, panel_width=100))
                mix = charts.shop_mix(table, chosen)
                if mix is not None:
                    st.subheader("Shop mix and vacancy")
                    st.altair_chart(mix, width="stretch")
                with st.expander("Side by side as a table"):
                    wide = long.pivot_table(index="label", columns="name", values="shown", aggfunc="first", sort=False)
                    st.dataframe(wide)
                    st.download_button("Download (CSV)", lambda: export.to_csv(long), "agora-side-by-side.csv", "text/csv",
                                       key="dl_side")

# --------------------------------------------------------------------------- towns like this
with tab_like:
    if tab_like.open:
        c1, c2 = st.columns([3, 1])
        focus = ui.url_selectbox("Towns like", ids, focus_default, key="town", container=c1, format_func=name_of)
        k_near = c2.number_input("How many", 1, 25, 5, key="k", bind="query-params")
        if focus in set(ctx.centres["centre_id"]):
            st.session_state["selected_town"] = focus
        st.markdown("**Weights** (0 leaves an indicator out)")
        wcols = st.columns(min(4, len(chosen_ind)))
        weights = {}
        for i, ind in enumerate(chosen_ind):
            weights[ind] = wcols[i % len(wcols)].slider(labels[ind], 0.0, 3.0, 1.0, 0.5, key=f"w_{ind}",
                                                        bind="query-params")
        active = [i for i in chosen_ind if weights[i] > 0]
        if not active:
            st.info("Give at least one indicator a weight above 0.")
        else:
            near = compare.similar_centres(table, focus, active, weights, k=int(k_near), labels=labels)
            need = compare.default_min_shared(len(active))
            if near.empty:
                st.info(f"No other centre shares at least {need} of these indicators with {md(name_of(focus))}.")
            else:
                st.markdown(f"The {len(near)} centres nearest **{md_escape(name_of(focus))}** on "
                            + ", ".join(f"{labels[i]} (weight {weights[i]:g})" for i in active) + ".")
                shown_near = near[["name", "distance", "shared", "why"]].copy()
                shown_near["profile"] = near["centre_id"].map(ui.profile_link)
                st.dataframe(shown_near, hide_index=True, placeholder="–", column_config={
                    "name": "Centre",
                    "distance": st.column_config.NumberColumn(
                        "Distance", format="%.2f", help="Weighted root-mean-square difference in standard deviations"),
                    "shared": st.column_config.NumberColumn("Indicators compared"),
                    "why": "Why", "profile": st.column_config.LinkColumn("Profile", display_text="open")})
                st.caption(f"Distance: each indicator standardised over all {len(table):,} centres (z-score), then the "
                           "weighted root-mean-square difference over the indicators both centres have; pairs sharing "
                           f"fewer than {need} are left out.")
                st.download_button("Download (CSV)", lambda: export.to_csv(near), f"towns-like-{focus}.csv", "text/csv",
                                   key="dl_like")
            brands = compare.similar_by_brand_tables(*data.brands(ctx.service), focus, k=int(k_near),
                                                     index=data.similarity_index(ctx.service))
            if len(brands):
                st.markdown("**Most alike by brands** (chains in common, Jaccard)")
                brands.insert(0, "name", brands["centre_id"].map(name_of))
                st.dataframe(brands.drop(columns="centre_id"), hide_index=True, column_config={
                    "name": "Centre", "brand_jaccard": st.column_config.NumberColumn("Brand similarity", format="%.2f"),
                    "shared_brands": "Shared chains", "brands_in_common": "Chains in common",
                    "category_cosine": st.column_config.NumberColumn("Shop-mix similarity", format="%.2f")})

# --------------------------------------------------------------------------- definitions
with tab_defs:
    if tab_defs.open:
        defs = definitions()
        defs = defs[defs["id"].isin(table.columns)]
        st.dataframe(defs, hide_index=True, column_config={"id": "Column", "label": "Indicator", "group": "Group",
                                                           "unit": "Unit", "direction": "Direction", "kind": "Kind",
                                                           "definition": "Definition"})
        timings = table.attrs.get("timings", {})
        if timings:
            st.caption("Computed in " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()) + ".")

st.caption("Centres known only from area-level tables (the CDRC town-centre statistics) join this comparison "
           "once the tables are added on the [Data](data) page.")
