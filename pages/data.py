"""Data: what is loaded, where it came from, and adding files."""

from pathlib import Path

import streamlit as st

from agora.layers import LAYERS, get_layer
from agora.loaders.read import SUPPORTED, upload_cap_mb
from agora.loaders.area_indicators import ATTRIBUTION, load_cdrc_town_centres
from agora.loaders.report import LoadError
from agora.store import export
from agora.ui import data, upload
from agora.ui import maps
from agora.ui.shell import page_shell, read_only
from agora.ui.text import md

ctx = page_shell("Data", ":material/upload_file:", pick_town=False)
svc = ctx.service

st.title("Data")
editable = not read_only()
st.caption("Every layer the dashboard uses, where it came from" + (", and how to add your own files." if editable else "."))
if editable:
    tab_loaded, tab_add, tab_brands, tab_area = st.tabs(["Loaded layers", "Add a file", "Brand lists", "Area tables"])
else:
    (tab_loaded,) = st.tabs(["Loaded layers"])

with tab_loaded:
    for name, spec in LAYERS.items():
        datasets = svc.datasets(name)
        st.subheader(f"{spec.label}: {sum(ds.rows for ds in datasets):,} rows")
        st.caption(spec.description)
        if not datasets:
            st.info("Nothing loaded for this layer yet.")
            continue
        for ds in datasets:
            report = ds.report
            rejected = report.get("rows_rejected", len(report.get("rejected", [])))
            with st.expander(f"{md(ds.source)} · {ds.rows:,} rows · {rejected} rejected · saved {ds.meta.get('saved_at', '')[:16]}"):
                cols = st.columns(3)
                cols[0].metric("Rows read", f"{report.get('rows_read', ds.rows):,}")
                cols[1].metric("Rows kept", f"{report.get('rows_kept', ds.rows):,}")
                cols[2].metric("Rows rejected", f"{rejected:,}")
                for note in report.get("notes", []):
                    st.markdown(f"- {md(note)}")
                if report.get("rejected"):
                    st.dataframe(report["rejected"], hide_index=True, width="stretch")
                if editable and st.button("Remove this dataset", key=f"del-{name}-{ds.dataset_id}",
                                          icon=":material/delete:"):
                    svc.delete(name, ds.dataset_id)
                    data.clear()
                    st.rerun()
        cols = st.columns(2)
        # files are built only when a button is pressed (a whole layer can be large)
        cols[0].download_button("Download CSV", lambda name=name: export.to_csv(svc.layer(name)), f"{name}.csv",
                                "text/csv", key=f"csv-{name}", icon=":material/download:")
        if spec.geometry:
            cols[1].download_button("Download GeoJSON", lambda name=name: export.to_geojson(svc.layer(name)),
                                    f"{name}.geojson", "application/geo+json", key=f"geojson-{name}",
                                    icon=":material/download:")
    aside = svc.set_aside()
    if aside:
        st.subheader("Set aside")
        st.warning(f"{len(aside)} saved dataset(s) could not be read and are left out of every page; the files are "
                   "kept in the workspace.", icon=":material/warning:")
        st.dataframe(aside, hide_index=True, width="stretch",
                     column_order=["layer", "id", "source", "reason", "set_aside_at"])

if not editable:
    st.stop()

with tab_add:
    st.write(
        "Upload a walk-round survey, an OSM extract, a footfall counter export, an asset register or centre "
        f"boundaries. Formats: {', '.join(SUPPORTED)} (up to {upload_cap_mb()} MiB)."
    )
    upload.undo_button(svc, on_undo=data.clear)
    file = st.file_uploader("File", type=[ext.lstrip(".") for ext in SUPPORTED], max_upload_size=upload_cap_mb())
    if file is not None:
        spilled = upload.spill(file)
        gpkg_layers = upload.layers_in(spilled)
        layer_name = st.selectbox("Which layer of the GeoPackage?", gpkg_layers, index=None,
                                  placeholder="Choose a layer") if len(gpkg_layers) > 1 else None
        sample, guessed, error = upload.inspect(str(spilled), file.name, layer_name)
        found = upload.details(str(spilled), file.name, layer_name)
        if error:
            st.error(md(error), icon=":material/error:")
        else:
            options = upload.layer_options()
            layer = st.selectbox("This file is", options, index=options.index(guessed),
                                 format_func=lambda n: get_layer(n).label,
                                 help="Guessed from the file's columns; change it if it is wrong.")
            upload.guess_caption(found)
            st.markdown("**Columns** — check how the file's columns were recognised, and map any that were not.")
            column_map = upload.column_editor(sample, layer, key=f"map-{file.name}-{layer}")
            value_map = upload.value_editor(found, layer, column_map, [ds.report for ds in svc.datasets(layer)],
                                            key=f"values-{file.name}-{layer}")
            extra = upload.no_position_options(found, layer, ctx.centres, key=f"nopos-{file.name}")
            defaults = dict(extra.get("defaults", {}))
            if layer == "assets":
                category = st.selectbox("Category for rows without one", ["(from the file)", *get_layer("assets").choices["category"]])
                if category != "(from the file)":
                    defaults["category"] = category
            result, error = upload.validate(str(spilled), file.name, layer, tuple(sorted(column_map.items())),
                                            tuple(sorted(defaults.items())), str(svc.path), svc.version(), layer_name,
                                            upload.value_map_key(value_map), extra.get("require_geometry", True),
                                            extra.get("postcodes"))
            if error:
                st.error(md(error), icon=":material/error:")
            else:
                report = result.report
                cols = st.columns(4)
                cols[0].metric("Rows read", f"{report.rows_read:,}")
                cols[1].metric("Rows kept", f"{report.rows_kept:,}")
                cols[2].metric("Rows rejected", f"{report.rows_rejected:,}")
                cols[3].metric("Outside every centre", f"{report.outside_centres:,}")
                st.caption(f"Coordinates: {md(report.crs or 'none')}")
                for note in report.notes:
                    st.markdown(f"- {md(note)}")
                if report.rejected:
                    st.markdown("**Rejected rows** (row numbers as in the file)")
                    st.dataframe(report.rejected_frame(), hide_index=True, width="stretch")
                st.markdown("**Preview**")
                if get_layer(layer).geometry and result.data.geometry.notna().any():
                    preview = maps.base_map(result.data.total_bounds)
                    tooltip = {c: c.replace("_", " ").capitalize() for c in ("name", "category", "status") if c in result.data}
                    maps.add_geojson_layer(preview, result.data, get_layer(layer).label, tooltip=tooltip)
                    maps.show_map(preview, key=f"preview-{file.name}", height=420)
                st.dataframe(result.data.drop(columns="geometry", errors="ignore").head(200), width="stretch")
                replace = st.checkbox("Replace what this layer holds now (the demo included)")
                result = upload.survey_coverage(result, key=f"coverage-{file.name}")
                centre_name = None
                find = upload.find_centres_option(result, key=f"find-{file.name}")
                if report.outside_centres and not find and st.checkbox(
                        f"Draw a new centre around the {report.outside_centres:,} rows outside every centre",
                        value=report.outside_centres == report.rows_kept,
                        help="A boundary 30 m around the outermost of them; you can replace it with a real "
                             "boundary file later."):
                    centre_name = st.text_input("Name of the new centre",
                                                value=Path(file.name).stem.replace("-", " ").replace("_", " ").title())
                confirmed = upload.confirm_box(found, layer, key=f"confirm-{file.name}-{layer}")
                if st.button("Save to the workspace", type="primary", icon=":material/save:", disabled=not confirmed):
                    upload.save_upload(svc, result, source=file.name, replace=replace, centre_name=centre_name,
                                       find=find)
                    data.clear()
                    st.rerun()

with tab_brands:
    st.write(
        "Chains are recognised by OSM brand tags, by Agora's own list of well-known Great Britain chains, and by "
        "any brand list added here: a CSV with a `brand` column and optionally `match_names` (other spellings, "
        "`;`-separated), `osm_key`/`osm_value` or `type_id`, and `ownership` (`chain` or `symbol_group`), such as "
        "a list made from the OpenStreetMap name-suggestion-index."
    )
    for path in svc.brand_lists():
        cols = st.columns([4, 1])
        cols[0].write(md(path.name))
        if cols[1].button("Remove", key=f"del-brands-{path.name}", icon=":material/delete:"):
            svc.delete_brand_list(path.name)
            data.clear()
            st.rerun()
    brand_file = st.file_uploader("Brand list (CSV)", type=["csv"], key="brand_upload",
                                  max_upload_size=upload_cap_mb())
    if brand_file is not None and st.button("Add this brand list", icon=":material/add:"):
        try:
            svc.save_brand_list(brand_file.getvalue(), brand_file.name)
        except ValueError as exc:
            st.error(md(exc), icon=":material/error:")
        else:
            data.clear()
            st.success(f"Added {md(brand_file.name)}: ownership is decided again with it on every page.")

with tab_area:
    st.write(
        "Centre-level figures published for whole town centres, such as the CDRC *Pre and Post Recession Town "
        "Centre Statistics* (2009 and 2014: premises, vacancy and shop mix of every town centre of England and "
        "Wales; columns `TC2004_ID`, `NAME`, `TotalOfPremise`, `*_Prop`). They appear on the Vacancy page of a "
        "matching centre and add their centres to Compare. Retail cores are left out: they lie inside their town "
        f"centres. {ATTRIBUTION}"
    )
    for path in svc.area_table_files():
        cols = st.columns([4, 1])
        cols[0].write(md(path.stem))
        if cols[1].button("Remove", key=f"del-area-{path.name}", icon=":material/delete:"):
            svc.delete_area_table(path.name)
            st.rerun()
    files = st.file_uploader("Tables (CSV; the year in the file name)", type=["csv", "xlsx"],
                             accept_multiple_files=True, key="area_upload", max_upload_size=upload_cap_mb())
    if files and st.button("Add to the workspace", key="area_add", icon=":material/save:"):
        for upload_file in files:
            try:
                table = load_cdrc_town_centres(upload_file.getvalue(), filename=upload_file.name)
            except LoadError as exc:
                st.error(md(exc), icon=":material/error:")
                continue
            svc.save_area_table(table)
            st.success(f"{md(upload_file.name)}: {table.report.rows_kept:,} town centres saved. "
                       + md("; ".join(table.report.notes)) + ".")
