"""Load any supported file as one canonical layer, with a validation report.

>>> from agora.loaders import load_units
>>> result = load_units("survey.csv")            # doctest: +SKIP
>>> result.data.head(), result.report.summary()  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd

from ..layers import DISPLAY_CRS, LAYERS, Layer, conform, get_layer, strip_text
from . import footfall
from . import normalise as norm
from .columns import COORD_ALIASES, match_columns
from .coords import assign_centres, clean_geometries, point_columns, points_from_columns
from .read import Source, read_source
from . import osm
from .postcodes import place_by_postcode, read_lookup
from .report import LoadError, LoadReport, LoadResult
from .values import apply_value_maps

Normaliser = Callable[[pd.DataFrame, LoadReport, dict], pd.DataFrame]


def load(
    source: Source | pd.DataFrame,
    layer: str | Layer,
    *,
    filename: str | None = None,
    column_map: dict[str, str] | None = None,
    centres: gpd.GeoDataFrame | None = None,
    defaults: dict[str, str] | None = None,
    require_geometry: bool = True,
    value_map: dict[str, dict[str, str]] | None = None,
    postcodes: Source | pd.DataFrame | None = None,
    layer_name: str | None = None,
) -> LoadResult:
    """Load `source` as the canonical `layer`.

    Parameters
    ----------
    source : path, bytes, file object or DataFrame
        The file (any format of :data:`agora.loaders.read.SUPPORTED`), or a table
        already read (with or without a ``_row`` column).
    layer : str or Layer
        ``centres``, ``units``, ``footfall_sites`` (``footfall-sites``),
        ``footfall_counts`` (``footfall``) or ``assets``.
    filename : str, optional
        Name for messages and format detection (needed for uploads).
    column_map : dict, optional
        Input column -> canonical column or coordinate role (``lat``, ``lon``,
        ``easting``, ``northing``, ``wkt``), for columns the alias table does not know.
    centres : GeoDataFrame, optional
        Centres to assign features without a ``centre_id`` to.
    defaults : dict, optional
        Canonical column -> value for rows that have none (``{"category": "library"}``).
    require_geometry : bool
        When False, a table with no coordinate columns at all (a survey listing names,
        types and ownership) loads with empty geometry instead of failing. Give it a
        centre with ``defaults={"centre_id": ...}``.
    value_map : dict, optional
        ``{column: {from: to}}``: the file's values of a status, ownership, direction or
        ACV status column mapped to accepted ones (``{"status": {"False": "vacant"}}``);
        see :mod:`agora.loaders.values`. Kept in ``report.value_map`` with the guesses used.
    postcodes : path, file or DataFrame, optional
        A postcode lookup (postcode, lat, lon) that places rows with a postcode but no
        coordinates (:mod:`agora.loaders.postcodes`).
    layer_name : str, optional
        Which layer of a GeoPackage holding several to load (without it such a file is
        refused with a :class:`~agora.loaders.read.LayerChoiceError` naming its layers).

    Returns
    -------
    LoadResult
        ``data`` (GeoDataFrame in EPSG:4326, or DataFrame for footfall counts) and
        ``report``.

    Raises
    ------
    LoadError
        When the file as a whole cannot be loaded.

    See Also
    --------
    agora.loaders.chunks.LoadStream : the same load of a large units CSV, in chunks of bounded memory.
    """
    spec = layer if isinstance(layer, Layer) else get_layer(layer)
    if isinstance(source, pd.DataFrame):
        name = filename or "table"
        table = source.copy()
        if "_row" not in table:
            table.insert(0, "_row", range(2, len(table) + 2))
        notes: list[str] = []
        if table.empty:
            raise LoadError(f"{name}: the table has no rows.")
        table = osm.expand_tags(table, notes)
    else:
        name = filename or (Path(source).name if isinstance(source, (str, Path)) else "upload")
        table, notes = read_source(source, name, layer_name=layer_name)
    return load_table(table, notes, name, spec, column_map=column_map, centres=centres, defaults=defaults,
                      require_geometry=require_geometry, value_map=value_map, postcodes=postcodes)


def load_table(
    table: pd.DataFrame,
    notes: list[str],
    name: str,
    spec: Layer,
    *,
    column_map: dict[str, str] | None = None,
    centres: gpd.GeoDataFrame | None = None,
    defaults: dict[str, str] | None = None,
    require_geometry: bool = True,
    value_map: dict[str, dict[str, str]] | None = None,
    postcodes: Source | pd.DataFrame | None = None,
    decisions: dict | None = None,
) -> LoadResult:
    """Normalise and validate a table as read (with its ``_row`` column) as the layer `spec`.

    What :func:`load` does once the file is read; :mod:`agora.loaders.chunks` calls it
    on each chunk of a large file with one shared `decisions` dict (see
    :meth:`LoadReport.decide`). With ``decisions["in_chunks"]`` set, a chunk keeping
    no row is not an error (the whole file is judged once every chunk is loaded).
    """
    report = LoadReport(file=name, layer=spec.name, rows_read=len(table), notes=list(notes),
                        decisions=decisions if decisions is not None else {})
    if spec.name == "footfall_counts":
        table = footfall.reshape(table, report, column_map)
    columns = [c for c in table.columns if c not in ("_row", getattr(table, "_geometry_column_name", None))]
    mapping = match_columns(columns, spec.name, column_map)
    for target, col in mapping.items():
        report.columns[col] = target
    for col in columns:
        report.columns.setdefault(col, "kept")

    geo = isinstance(table, gpd.GeoDataFrame)
    if spec.geometry:
        if not geo and postcodes is not None and not set(mapping) & set(COORD_ALIASES):
            table = place_by_postcode(table, read_lookup(postcodes), report, keep_unplaced=not require_geometry)
        elif geo:
            report.columns[table.geometry.name] = "geometry"
            table = clean_geometries(table, report, spec.geometry)
            table = point_columns(table, mapping)
        elif not require_geometry and not set(mapping) & set(COORD_ALIASES):
            table = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table), index=table.index),
                                     crs=DISPLAY_CRS)
            report.notes.append("no coordinates: rows kept without a position")
        else:
            table = points_from_columns(table, mapping, report)
            if spec.geometry == "polygon":
                table = clean_geometries(table, report, "polygon")
    elif geo:
        table = pd.DataFrame(table.drop(columns=table.geometry.name))

    renames = {col: target for target, col in mapping.items() if target not in COORD_ALIASES and col in table.columns}
    kept = [c for c in table.columns if c not in renames and c != "_row" and c != getattr(table, "_geometry_column_name", None)]
    table = table.rename(columns={c: f"{c}_input" for c in kept if c in spec.columns})
    table = table.rename(columns=renames)
    for col, value in (defaults or {}).items():
        if col not in table:
            table[col] = value
        else:
            table[col] = table[col].where(table[col].notna(), value)
    table = apply_value_maps(table, mapping, value_map, report)

    table = NORMALISERS[spec.name](table, report, {"file_stem": Path(name).stem, "mapping": mapping})
    for col in spec.required:
        if col not in table:
            raise LoadError(f"{name}: no column for {col!r}; found {', '.join(columns)}. Map one by hand.")
        values = table[col]
        empty = values.isna()
        if not pd.api.types.is_datetime64_any_dtype(values):  # a date is never empty text
            empty = empty | (values.astype("string").str.strip() == "")
        report.reject(table.loc[empty, "_row"], f"no value for {col}")
        table = table.loc[~empty]
    if isinstance(table, gpd.GeoDataFrame) and "centre_id" in spec.columns:
        if "centre_id" not in table:
            table["centre_id"] = pd.Series(pd.NA, index=table.index, dtype="string")
        table = assign_centres(table, centres, report)
    if "source" in spec.columns:
        table["source"] = table["source"] if "source" in table else name
    for col, allowed in spec.choices.items():
        if col in table:
            text = table[col].astype("string")
            bad = text.notna() & ~text.isin(allowed)
            for row, value in zip(table.loc[bad, "_row"], text[bad]):
                report.reject([row], f"{col} {value!r} is not one of {', '.join(allowed)}")
            table = table.loc[~bad]
    extras = [c for c in table.columns if c not in spec.columns and c not in ("_row", "geometry")]
    for col in extras:
        table[col] = table[col].astype("string")
    table = conform(table, spec).drop(columns=["_row"]).reset_index(drop=True)
    if spec.geometry and not isinstance(table, gpd.GeoDataFrame):
        table = gpd.GeoDataFrame(table, geometry="geometry", crs=DISPLAY_CRS)
    report.rows_kept = len(table)
    if report.rows_kept == 0 and not report.decisions.get("in_chunks"):
        reasons = report.rejected_frame()["reason"].value_counts().head(3)
        why = "; ".join(f"{r} ({n} rows)" for r, n in reasons.items())
        raise LoadError(f"{name}: no row could be loaded as {spec.label.lower()}: {why or 'no rows'}.")
    return LoadResult(data=table, report=report)


def as_coverage(result: LoadResult, coverage: str) -> LoadResult:
    """Mark every row of a loaded units layer as a ``full`` survey or an ``update`` of the units it covers."""
    if result.report.layer != "units":
        raise LoadError(f"{result.report.file}: only units are saved as a survey or an update")
    if coverage not in ("full", "update"):
        raise LoadError(f"coverage {coverage!r}: full or update")
    data = result.data.copy()
    data["coverage"] = pd.Series(coverage, index=data.index, dtype="string")
    result.report.notes.append(f"saved as {'an update of the units it covers' if coverage == 'update' else 'a full survey'}")
    return LoadResult(data=data, report=result.report)


def made_ids(rows: pd.Series, stem: str) -> pd.Series:
    """Ids for rows with none: ``<file stem>-<row>``."""
    return f"{re.sub(r'[^A-Za-z0-9]+', '-', stem).strip('-').lower() or 'row'}-" + rows.astype(str)


def _ids(table: pd.DataFrame, col: str, stem: str, report: LoadReport) -> pd.DataFrame:
    """Fill missing ids with ``<file stem>-<row>``; report repeated ids and keep the rows apart.

    Units may repeat an id on different dates (one row per unit per survey date). An id
    repeated within one date (a panel whose ids a spreadsheet mangled, 2.88E+11) is
    reported with its rows; when the rows have an address the unit is told apart by id
    and address (``id @ address``, the same in every quarter of a panel), else by its
    order among the rows sharing the id on that date (``id #2``).
    """
    if col not in table:
        table[col] = made_ids(table["_row"], stem)
        return table
    ids = table[col].astype("string").str.strip()
    blank = (ids.isna() | (ids == "")).to_numpy(dtype=bool)
    if blank.any():  # ids made from row numbers only where there is none
        ids = ids.mask(blank, made_ids(table.loc[blank, "_row"], stem))
    if report.decisions.get("ids_apart") and col == "unit_id":
        # a chunk of a file whose every unit id and date were found apart (LoadStream's pass over them)
        table[col] = ids
        return table
    dated = col == "unit_id" and "observed_on" in table
    when = table["observed_on"].astype("string").str.strip().fillna("") if dated else pd.Series("", index=table.index)
    dup = pd.DataFrame({"id": ids, "when": when}).duplicated(keep=False) & ids.notna()
    if dup.any() and col != "site_id":
        rows = table.loc[dup, "_row"].astype(int)
        which = ids[dup].groupby(ids[dup], sort=False).apply(
            lambda g: f"{g.name} (rows {', '.join(str(r) for r in rows[g.index].head(6))}"
                      f"{', ...' if len(g) > 6 else ''})")
        listed = "; ".join(which.head(8)) + (f"; and {len(which) - 8} more ids" if len(which) > 8 else "")
        where = " on the same date" if dated else ""
        address = None
        for name in ("address", "addr:full", "full_address"):
            if name in table:
                address = table[name].astype("string").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
                break
        if address is not None and not pd.DataFrame({"id": ids, "when": when, "a": address})[dup].duplicated(
                keep=False).any() and address[dup].notna().all():
            ids = ids.where(~dup, ids + " @ " + table[name].astype("string").str.strip())
            how = "told apart by id and address (the same unit keeps the same id at every date)"
        else:
            order = pd.DataFrame({"id": ids, "when": when}).groupby(["id", "when"]).cumcount() + 1
            ids = ids.where(~dup, ids + " #" + order.astype(str))
            how = ("told apart by their order on that date (id #2...): check these ids in the source, a spreadsheet "
                   "may have rounded them (2.88E+11)")
        report.notes.append(f"{int(dup.sum())} rows repeat a {col}{where}: {listed}; {how}")
    table[col] = ids
    return table


def _centres(table: pd.DataFrame, report: LoadReport, ctx: dict) -> pd.DataFrame:
    if "centre_id" not in table and "name" in table:
        table["centre_id"] = table["name"].astype("string").str.strip().map(norm.slug, na_action="ignore")
    if "name" not in table and "centre_id" in table:
        table["name"] = table["centre_id"]
    table = _ids(table, "centre_id", ctx["file_stem"], report)
    if "name" in table:
        table["name"] = strip_text(table["name"])
    return table


def _units(table: pd.DataFrame, report: LoadReport, ctx: dict) -> pd.DataFrame:
    table = norm.survey_name_and_street(table, report)
    table = _ids(table, "unit_id", ctx["file_stem"], report)
    table = norm.unit_status(table, report)
    table = norm.unit_ownership(table, report)
    table = norm.unit_categories(table, report)
    if not {"source_category", "category", "name"} & set(table.columns) and "status" not in ctx["mapping"]:
        found = ", ".join(str(c) for c in report.columns) or "no columns"
        raise LoadError(f"{report.file}: no column gives the units' use (shop, amenity, type, use, "
                        f"description...), name or status; found {found}. Map one by hand "
                        "(e.g. --map COLUMN=source_category).")
    if "coverage" in table:
        table["coverage"] = norm.coverage(table["coverage"], report)
    if "observed_on" in table:
        table["observed_on"] = norm.dates(table["observed_on"])
    if "vacant_since" in table:
        table["vacant_since"] = norm.dates(table["vacant_since"])
    return table


def _sites(table: pd.DataFrame, report: LoadReport, ctx: dict) -> pd.DataFrame:
    if "site_id" not in table and "name" in table:
        table["site_id"] = table["name"]
    if "name" not in table and "site_id" in table:
        table["name"] = table["site_id"]
    return _ids(table, "site_id", ctx["file_stem"], report)


def _counts(table: pd.DataFrame, report: LoadReport, ctx: dict) -> pd.DataFrame:
    return footfall.prepare_counts(table, report)


def _assets(table: pd.DataFrame, report: LoadReport, ctx: dict) -> pd.DataFrame:
    table = _ids(table, "asset_id", ctx["file_stem"], report)
    return norm.asset_fields(table, report, ctx["mapping"])


NORMALISERS: dict[str, Normaliser] = {
    "centres": _centres,
    "units": _units,
    "footfall_sites": _sites,
    "footfall_counts": _counts,
    "assets": _assets,
}
assert set(NORMALISERS) == set(LAYERS)


def load_centres(source: Source, **kwargs) -> LoadResult:
    """Load town-centre boundaries; see :func:`load`."""
    return load(source, "centres", **kwargs)


def load_units(source: Source, **kwargs) -> LoadResult:
    """Load premises (survey, OSM extract, register); see :func:`load`."""
    return load(source, "units", **kwargs)


def load_footfall_sites(source: Source, **kwargs) -> LoadResult:
    """Load footfall counter locations; see :func:`load`."""
    return load(source, "footfall_sites", **kwargs)


def load_footfall_counts(source: Source, **kwargs) -> LoadResult:
    """Load footfall counts (long form); see :func:`load`."""
    return load(source, "footfall_counts", **kwargs)


def load_assets(source: Source, **kwargs) -> LoadResult:
    """Load community assets; see :func:`load`."""
    return load(source, "assets", **kwargs)
