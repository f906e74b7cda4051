"""Data: what is loaded, where it came from, and adding files."""

from pathlib import Path

import streamlit as st

from agora.layers import LAYERS, get_layer
from agora.loaders.read import SUPPORTED, max_bytes
from agora.loaders.area_indicators import ATTRIBUTION, load_cdrc_town_centres
from agora.loaders.report import LoadError
from agora.store import export, indicators
from agora.ui import data, upload
from agora.ui import maps
from agora.ui.shell import page_shell, read_only

ctx = page_shell("Data", ":material/upload_file:", pick_town=False)
ws = ctx.workspace

st.title("Data")
editable = not read_only()
st.caption("Every layer the dashboard uses, where it came from" + (", and how to add your own files." if editable else "."))
if editable:
    tab_loaded, tab_add, tab_brands, tab_area = st.tabs(["Loaded layers", "Add a file", "Brand lists", "Area tables"])
else:
    (tab_loaded,) = st.tabs(["Loaded layers"])

with tab_loaded:
    for name, spec in LAYERS.items():
        table = ctx.layers[name]
        datasets = ws.datasets(name)
        st.subheader(f"{spec.label}: {len(table):,} rows")
        st.caption(spec.description)
        if not datasets:
            st.info("Nothing loaded for this layer yet.")
            continue
        for ds in datasets:
            report = ds.report
            rejected = report.get("rows_rejected", len(report.get("rejected", [])))
            with st.expander(f"{ds.source} · {ds.rows:,} rows · {rejected} rejected · saved {ds.meta.get('saved_at', '')[:16]}"):
                cols = st.columns(3)
                cols[0].metric("Rows read", f"{report.get('rows_read', ds.rows):,}")
                cols[1].metric("Rows kept", f"{report.get('rows_kept', ds.rows):,}")
                cols[2].metric("Rows rejected", f"{rejected:,}")
                for note in report.get("notes", []):
                    st.write(f"- {note}")
                if report.get("rejected"):
                    st.dataframe(report["rejected"], hide_index=True, width="stretch")
                if editable and st.button("Remove this dataset", key=f"del-{name}-{ds.dataset_id}",
                                          icon=":material/delete:"):
                    ws.delete(name, ds.dataset_id)
                    data.clear()
                    st.rerun()
        cols = st.columns(2)
        cols[0].download_button("Download CSV", lambda table=table: export.to_csv(table), f"{name}.csv", "text/csv",
                                key=f"csv-{name}", icon=":material/download:")
        if spec.geometry:
            cols[1].download_button("Download GeoJSON", lambda table=table: export.to_geojson(table), f"{name}.geojson",
                                    "application/geo+json", key=f"geojson-{name}", icon=":material/download:")

if not editable:
    st.stop()

with tab_add:
    st.write(
        "Upload a walk-round survey, an OSM extract, a footfall counter export, an asset register or centre "
        f"boundaries. Formats: {', '.join(SUPPORTED)} (up to {max_bytes() / 2**20:.0f} MB)."
    )
    file = st.file_uploader("File", type=[ext.lstrip(".") for ext in SUPPORTED])
    if file is not None:
        raw = file.getvalue()
        sample, guessed, error = upload.inspect(raw, file.name)
        if error:
            st.error(error, icon=":material/error:")
        else:
            options = upload.layer_options()
            layer = st.selectbox("This file is", options, index=options.index(guessed),
                                 format_func=lambda n: get_layer(n).label,
                                 help="Guessed from the file's columns; change it if it is wrong.")
            st.markdown("**Columns** — check how the file's columns were recognised, and map any that were not.")
            column_map = upload.column_editor(sample, layer, key=f"map-{file.name}-{layer}")
            defaults = {}
            if layer == "assets":
                category = st.selectbox("Category for rows without one", ["(from the file)", *get_layer("assets").choices["category"]])
                if category != "(from the file)":
                    defaults["category"] = category
            result, error = upload.validate(raw, file.name, layer, tuple(sorted(column_map.items())),
                                            tuple(sorted(defaults.items())), str(ws.path), ws.signature())
            if error:
                st.error(error, icon=":material/error:")
            else:
                report = result.report
                cols = st.columns(4)
                cols[0].metric("Rows read", f"{report.rows_read:,}")
                cols[1].metric("Rows kept", f"{report.rows_kept:,}")
                cols[2].metric("Rows rejected", f"{report.rows_rejected:,}")
                cols[3].metric("Outside every centre", f"{report.outside_centres:,}")
                st.caption(f"Coordinates: {report.crs or 'none'}")
                for note in report.notes:
                    st.write(f"- {note}")
                if report.rejected:
                    st.markdown("**Rejected rows** (row numbers as in the file)")
                    st.dataframe(report.rejected_frame(), hide_index=True, width="stretch")
                st.markdown("**Preview**")
                if get_layer(layer).geometry:
                    preview = maps.base_map(result.data.total_bounds)
                    tooltip = {c: c.replace("_", " ").capitalize() for c in ("name", "category", "status") if c in result.data}
                    maps.add_geojson_layer(preview, result.data, get_layer(layer).label, tooltip=tooltip)
                    maps.show_map(preview, key=f"preview-{file.name}", height=420)
                st.dataframe(result.data.drop(columns="geometry", errors="ignore").head(200), width="stretch")
                replace = st.checkbox("Replace what this layer holds now (the demo included)")
                result = upload.survey_coverage(result, key=f"coverage-{file.name}")
                centre_name = None
                if report.outside_centres and st.checkbox(
                        f"Draw a new centre around the {report.outside_centres:,} rows outside every centre",
                        value=report.outside_centres == report.rows_kept,
                        help="A boundary 30 m around the outermost of them; you can replace it with a real "
                             "boundary file later."):
                    centre_name = st.text_input("Name of the new centre",
                                                value=Path(file.name).stem.replace("-", " ").replace("_", " ").title())
                if st.button("Save to the workspace", type="primary", icon=":material/save:"):
                    if centre_name:
                        result = ws.draw_centre(result, centre_name)
                    ws.save(result, source=file.name, replace=replace)
                    data.clear()
                    st.success(f"Saved {report.rows_kept:,} rows as {get_layer(layer).label.lower()}.")

with tab_brands:
    st.write(
        "Chains are recognised by OSM brand tags, by Agora's own list of well-known Great Britain chains, and by "
        "any brand list added here: a CSV with a `brand` column and optionally `match_names` (other spellings, "
        "`;`-separated), `osm_key`/`osm_value` or `type_id`, and `ownership` (`chain` or `symbol_group`), such as "
        "a list made from the OpenStreetMap name-suggestion-index."
    )
    for path in ws.brand_lists():
        cols = st.columns([4, 1])
        cols[0].write(f"`{path.name}`")
        if cols[1].button("Remove", key=f"del-brands-{path.name}", icon=":material/delete:"):
            path.unlink()
            data.clear()
            st.rerun()
    brand_file = st.file_uploader("Brand list (CSV)", type=["csv"], key="brand_upload")
    if brand_file is not None and st.button("Add this brand list", icon=":material/add:"):
        try:
            ws.save_brand_list(brand_file.getvalue(), brand_file.name)
        except ValueError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            data.clear()
            st.success(f"Added {brand_file.name}: ownership is decided again with it on every page.")

with tab_area:
    st.write(
        "Centre-level figures published for whole town centres, such as the CDRC *Pre and Post Recession Town "
        "Centre Statistics* (2009 and 2014: premises, vacancy and shop mix of every town centre of England and "
        "Wales; columns `TC2004_ID`, `NAME`, `TotalOfPremise`, `*_Prop`). They appear on the Vacancy page of a "
        "matching centre and add their centres to Compare. Retail cores are left out: they lie inside their town "
        f"centres. {ATTRIBUTION}"
    )
    for path in sorted(indicators.folder(ws.path).glob("*.parquet")):
        cols = st.columns([4, 1])
        cols[0].write(f"`{path.stem}`")
        if cols[1].button("Remove", key=f"del-area-{path.name}", icon=":material/delete:"):
            path.unlink()
            st.rerun()
    files = st.file_uploader("Tables (CSV; the year in the file name)", type=["csv", "xlsx"],
                             accept_multiple_files=True, key="area_upload")
    if files and st.button("Add to the workspace", key="area_add", icon=":material/save:"):
        for upload_file in files:
            try:
                table = load_cdrc_town_centres(upload_file.getvalue(), filename=upload_file.name)
            except LoadError as exc:
                st.error(str(exc), icon=":material/error:")
                continue
            indicators.save_indicators(ws.path, table)
            st.success(f"{upload_file.name}: {table.report.rows_kept:,} town centres saved. "
                       + "; ".join(table.report.notes) + ".")
