"""Read any supported file into a table, whatever its format.

This is the only module that knows about file formats. It returns a DataFrame (no
geometry: coordinates are still columns) or a GeoDataFrame (vector formats), with a
``_row`` column giving each record's row number as a person would count it in the file.
"""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import IO, Union

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from . import osm
from .report import LoadError

Source = Union[str, os.PathLike, IO[bytes], bytes]

#: Largest file accepted, in bytes; override with the AGORA_MAX_UPLOAD_MB variable.
DEFAULT_MAX_MB = 200

TABLE_EXT = {".csv", ".txt", ".tsv"}
EXCEL_EXT = {".xlsx", ".xlsm", ".xls"}
VECTOR_EXT = {".geojson", ".gpkg", ".fgb", ".kml"}
PARQUET_EXT = {".parquet", ".geoparquet"}
JSON_EXT = {".json"}
ZIP_EXT = {".zip"}
OSM_EXT = {".pbf", ".osm"}
SHP_EXT = {".shp"}
SUPPORTED = sorted(TABLE_EXT | EXCEL_EXT | VECTOR_EXT | PARQUET_EXT | JSON_EXT | ZIP_EXT | OSM_EXT | SHP_EXT)

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def max_bytes() -> int:
    """The configured size limit in bytes."""
    return int(float(os.environ.get("AGORA_MAX_UPLOAD_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


def read_source(source: Source, filename: str | None = None, *, limit: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read `source` into a table.

    Parameters
    ----------
    source : path, bytes or binary file object
        The file. Uploaded files (file objects) need `filename` for their format.
    filename : str, optional
        Name used to detect the format and in messages; defaults to the path's name.
    limit : int, optional
        Largest size accepted in bytes (default :func:`max_bytes`).

    Returns
    -------
    table : DataFrame or GeoDataFrame
        With a ``_row`` column (row numbers as the file shows them).
    notes : list of str
        What is worth telling about the read (encoding used, layer chosen...).

    Raises
    ------
    LoadError
        When the file cannot be read; the message names the file and the problem.
    """
    name = filename or (Path(source).name if isinstance(source, (str, os.PathLike)) else "upload")
    table, notes = _read(source, name, limit or max_bytes())
    return osm.expand_tags(table, notes), notes


def _read(source: Source, name: str, limit: int) -> tuple[pd.DataFrame, list[str]]:
    ext = Path(name).suffix.lower()
    if ext in SHP_EXT:
        return _read_shapefile(source, name, limit)
    data = _as_bytes(source, name, limit)
    if not data.strip():
        raise LoadError(f"{name}: the file is empty.")
    try:
        if ext in TABLE_EXT:
            return _read_csv(data, name, sep="\t" if ext == ".tsv" else None)
        if ext in EXCEL_EXT:
            return _read_excel(data, name), []
        if ext in JSON_EXT | {".geojson"}:
            return _read_json(data, name)
        if ext in VECTOR_EXT:
            return _read_vector(data, name)
        if ext in PARQUET_EXT:
            return _read_parquet(data, name), []
        if ext in ZIP_EXT:
            return _read_zip(data, name)
        if ext in OSM_EXT:
            return osm.read_osm_file(data, name, fmt=ext.lstrip(".")), ["read as an OpenStreetMap extract"]
    except LoadError:
        raise
    except Exception as exc:  # any library's own error becomes one clear message
        raise LoadError(f"{name}: could not be read as {ext or 'a known format'} ({_short(exc)}).") from exc
    raise LoadError(f"{name}: unsupported file type {ext or '(no extension)'}; use one of {', '.join(SUPPORTED)}.")


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _as_bytes(source: Source, name: str, limit: int) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise LoadError(f"{name}: no such file.")
        if path.is_dir():
            raise LoadError(f"{name}: is a folder, not a file.")
        if path.stat().st_size > limit:
            raise LoadError(f"{name}: the file is {path.stat().st_size / 2**20:.1f} MB, over the limit of {limit / 2**20:.3g} MB.")
        data = path.read_bytes()
    else:
        data = source.read()
    if len(data) > limit:
        raise LoadError(f"{name}: the file is {len(data) / 2**20:.1f} MB, over the limit of {limit / 2**20:.3g} MB.")
    return data


def _decode(data: bytes) -> tuple[str, str]:
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace"), "latin-1"


def _read_csv(data: bytes, name: str, sep: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    text, enc = _decode(data)
    notes = [] if enc == "utf-8-sig" else [f"read as {enc} text (not UTF-8)"]
    try:
        # the C parser: several times faster than the sniffing Python one on large files
        df = pd.read_csv(io.StringIO(text), sep=sep or sniff_separator(text), engine="c", dtype=str,
                         skipinitialspace=True, low_memory=False)
    except pd.errors.EmptyDataError as exc:
        raise LoadError(f"{name}: the file is empty.") from exc
    except (pd.errors.ParserError, csv_error()) as exc:
        raise LoadError(f"{name}: not a readable CSV table ({_short(exc)}).") from exc
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise LoadError(f"{name}: the file has a header but no data rows.")
    df = df.replace({"": None})
    df.insert(0, "_row", range(2, len(df) + 2))
    return df, notes


def sniff_separator(text: str) -> str:
    """The column separator of a delimited text (comma, semicolon, tab or bar), from its first lines."""
    import csv

    head = "\n".join(text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def csv_error() -> type[Exception]:
    import csv

    return csv.Error


def _read_excel(data: bytes, name: str) -> pd.DataFrame:
    try:
        df = pd.read_excel(io.BytesIO(data), dtype=object)
    except (ValueError, zipfile.BadZipFile) as exc:
        if "format cannot be determined" in str(exc) or isinstance(exc, zipfile.BadZipFile):
            raise LoadError(f"{name}: not an Excel workbook (a CSV file with an Excel name?).") from exc
        raise
    df.columns = [str(c).strip() for c in df.columns]
    df = df.dropna(how="all")
    if df.empty:
        raise LoadError(f"{name}: the first sheet has no data rows.")
    df.insert(0, "_row", df.index + 2)
    return df.reset_index(drop=True)


def _read_json(data: bytes, name: str) -> tuple[pd.DataFrame, list[str]]:
    try:
        doc = json.loads(_decode(data)[0])
    except json.JSONDecodeError as exc:
        raise LoadError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    if isinstance(doc, dict) and "elements" in doc:
        return _read_overpass(doc, name), ["read as OSM Overpass JSON"]
    if isinstance(doc, dict) and doc.get("type") in {"FeatureCollection", "Feature"}:
        return _read_geojson(doc, name), []
    if isinstance(doc, list) and doc and all(isinstance(r, dict) for r in doc):
        df = pd.DataFrame(doc)
        df.insert(0, "_row", range(1, len(df) + 1))
        return df, ["read as a JSON list of records"]
    raise LoadError(f"{name}: JSON that is neither GeoJSON, OSM Overpass JSON nor a list of records.")


def _read_geojson(doc: dict, name: str) -> gpd.GeoDataFrame:
    features = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    if not features:
        raise LoadError(f"{name}: the GeoJSON has no features.")
    props, geoms = [], []
    for feature in features:
        props.append(dict(feature.get("properties") or {}))
        geom = feature.get("geometry")
        try:
            geoms.append(shapely.geometry.shape(geom) if geom else None)
        except Exception:  # a malformed geometry is rejected later, row by row
            geoms.append(None)
    df = pd.DataFrame(props)
    df.insert(0, "_row", range(1, len(df) + 1))
    crs = _geojson_crs(doc)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs)


def _geojson_crs(doc: dict) -> str:
    crs_name = ((doc.get("crs") or {}).get("properties") or {}).get("name", "")
    if "27700" in crs_name:
        return "EPSG:27700"
    if "3857" in crs_name or "900913" in crs_name:
        return "EPSG:3857"
    return "EPSG:4326"


def _read_overpass(doc: dict, name: str) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for el in doc.get("elements", []):
        tags = dict(el.get("tags") or {})
        if not tags:
            continue  # untagged nodes are the vertices of ways
        tags["osm_type"], tags["osm_id"] = el.get("type"), el.get("id")
        if "lat" in el and "lon" in el:
            point = shapely.Point(el["lon"], el["lat"])
        elif "center" in el:
            point = shapely.Point(el["center"]["lon"], el["center"]["lat"])
        elif el.get("geometry"):
            coords = [(p["lon"], p["lat"]) for p in el["geometry"] if p]
            point = shapely.LineString(coords).centroid if len(coords) > 1 else shapely.Point(coords[0])
        else:
            point = None
        rows.append(tags)
        geoms.append(point)
    if not rows:
        raise LoadError(f"{name}: the Overpass JSON has no tagged elements.")
    df = pd.DataFrame(rows)
    df.insert(0, "_row", range(1, len(df) + 1))
    return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")


def _read_vector(data: bytes, name: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    ext = Path(name).suffix.lower()
    warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)
    layers = pyogrio.list_layers(io.BytesIO(data)) if ext == ".gpkg" else None
    notes = []
    layer = None
    if layers is not None and len(layers) > 1:
        layer = layers[0][0]
        notes.append(f"{len(layers)} layers in the file; read the first, {layer!r}")
    gdf = gpd.read_file(io.BytesIO(data), layer=layer) if layer else gpd.read_file(io.BytesIO(data))
    return _number_rows(gdf, name), notes


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    meta = pq.read_schema(io.BytesIO(data)).metadata or {}
    if b"geo" in meta:
        df = gpd.read_parquet(io.BytesIO(data))
    else:
        df = pd.read_parquet(io.BytesIO(data))
    return _number_rows(df, name)


def _read_zip(data: bytes, name: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LoadError(f"{name}: not a valid zip archive.") from exc
    members = [m for m in archive.namelist() if not m.startswith("__MACOSX") and not m.endswith("/")]
    shps = [m for m in members if m.lower().endswith(".shp")]
    if len(shps) != 1:
        found = f"{len(shps)} shapefiles" if shps else "no shapefile"
        raise LoadError(f"{name}: a zip must hold exactly one shapefile (.shp with its .dbf, .shx, .prj); it holds {found}.")
    stem = shps[0][:-4]
    for part in (".dbf", ".shx"):
        if not any(m.lower() == (stem + part).lower() for m in members):
            raise LoadError(f"{name}: the shapefile {Path(shps[0]).name} has no {part} file beside it in the zip.")
    notes = []
    if not any(m.lower() == (stem + ".prj").lower() for m in members):
        notes.append("the shapefile has no .prj: its coordinate system is guessed from the coordinates")
    gdf = gpd.read_file(io.BytesIO(data), engine="pyogrio")
    return _number_rows(gdf, name), notes


def _read_shapefile(source: Source, name: str, limit: int) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A ``.shp`` read from its path, with its ``.dbf`` and ``.shx`` (and ``.prj``) beside it."""
    if not isinstance(source, (str, os.PathLike)):
        raise LoadError(f"{name}: a shapefile comes with its .dbf, .shx and .prj files; put them in one zip "
                        "and load the zip.")
    path = Path(source)
    if not path.exists():
        raise LoadError(f"{name}: no such file.")
    siblings = {p.suffix.lower(): p for p in path.parent.glob(path.stem + ".*")}
    for part in (".dbf", ".shx"):
        if part not in siblings:
            raise LoadError(f"{name}: the shapefile has no {part} file beside it ({path.stem}{part}).")
    size = sum(p.stat().st_size for p in siblings.values())
    if size > limit:
        raise LoadError(f"{name}: the shapefile is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:.3g} MB.")
    notes = [] if ".prj" in siblings else ["the shapefile has no .prj: its coordinate system is guessed from the coordinates"]
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise LoadError(f"{name}: could not be read as a shapefile ({_short(exc)}).") from exc
    return _number_rows(gdf, name), notes


def _number_rows(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.empty:
        raise LoadError(f"{name}: the file has no rows.")
    df = df.reset_index(drop=True)
    df.insert(0, "_row", range(1, len(df) + 1))
    return df
