"""Turn coordinates or geometries into valid EPSG:4326 geometry, row by row.

Detects British National Grid against degrees, and latitude and longitude given the
wrong way round; rejects rows with no, unreadable or impossible coordinates.
"""

from __future__ import annotations

import gc
import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..layers import BNG_CRS, DISPLAY_CRS
from .report import LoadError, LoadReport

#: Longitude and latitude bounds of Great Britain, Ireland and the Isle of Man.
BRITISH_ISLES = (-11.0, 49.0, 2.5, 61.5)
#: Bounds of British National Grid coordinates (metres).
BNG_BOUNDS = (-10_000.0, -10_000.0, 800_000.0, 1_300_000.0)


def _numbers(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.strip().str.replace(",", "", regex=False)
    quick = _decimal_numbers(text)
    return quick if quick is not None else pd.to_numeric(text, errors="coerce")


#: Plain decimals (``-2.015``): what Arrow and pandas both read as the correctly rounded double.
_DECIMAL = r"^-?[0-9]+\.[0-9]+$"


def _short_decimals(values):
    """Arrow's cast of every value to a double when all of them are short decimals, one at least with a
    point (pandas reads such a column as floats, each the correctly rounded double); else None.

    Short decimals: Arrow reads them (digits, a point, a sign), 15 characters at most (so at
    most 15 digits), no exponent, none infinite or not a number (pandas reads ``nan`` as
    missing).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    longest = pc.max(pc.binary_length(values)).as_py()
    if longest is None or longest > 15:
        return None
    try:
        numbers = pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if (_may_hold(values, (b"e", b"E"))
            or not pc.any(pc.match_substring(values, ".")).as_py()
            or not pc.all(pc.is_finite(numbers)).as_py()):
        return None
    return numbers


def _may_hold(values, texts: tuple[bytes, ...]) -> bool:
    """Whether any of `texts` may be in an Arrow text array: its bytes looked at at once (a null's bytes too,
    so a yes may be wrong; a no never is)."""
    import pyarrow as pa

    data = values.buffers()[2]
    if data is None or not len(values):
        return False
    wide = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64 if wide else np.int32)
    raw = memoryview(data)[offsets[values.offset]:offsets[values.offset + len(values)]].tobytes()
    return any(text in raw for text in texts)


def _decimal_numbers(text: pd.Series) -> pd.Series | None:
    """``pd.to_numeric(text, errors="coerce")`` for a column of mostly plain decimals, with Arrow.

    A plain decimal of at most 15 digits (``-?d+.d+``, 16 characters) is read by pandas
    as the correctly rounded double (fast_float; before it, 15 digits made an exact
    integer divided once by an exact power of ten) and by Arrow's cast the same way; every
    other value is read by pandas itself. None (read the column with pandas) when no value
    is a plain decimal, or the others alone would not be read as floats (integers only:
    pandas' result for the column as a whole, ``-0`` among them, is then its own to give).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(text.array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    numbers = _short_decimals(values)
    if numbers is not None:  # the usual column: every value read at once
        return pd.Series(pd.arrays.FloatingArray(numbers.to_numpy(zero_copy_only=False),
                                                 numbers.is_null().to_numpy(zero_copy_only=False)),
                         index=text.index, name=text.name)
    plain = pc.fill_null(pc.and_(pc.match_substring_regex(values, _DECIMAL),
                                 pc.less_equal(pc.binary_length(values), 16)), False)
    if not pc.any(plain).as_py():
        return None
    quick = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    out = np.empty(len(text), dtype="float64")
    missing = np.zeros(len(text), dtype=bool)
    out[quick] = pc.cast(pc.filter(values, plain), pa.float64()).to_numpy(zero_copy_only=False)
    if not quick.all():
        rest = pd.to_numeric(text[~quick], errors="coerce")
        if rest.dtype != "Float64":
            return None
        out[~quick] = rest.to_numpy(dtype="float64", na_value=np.nan)
        missing[~quick] = rest.isna().to_numpy()
    return pd.Series(pd.arrays.FloatingArray(out, missing), index=text.index, name=text.name)


def _inside(x: pd.Series, y: pd.Series, bounds: tuple[float, float, float, float]) -> pd.Series:
    return x.between(bounds[0], bounds[2]) & y.between(bounds[1], bounds[3])


def points_from_columns(df: pd.DataFrame, cols: dict[str, str], report: LoadReport) -> gpd.GeoDataFrame:
    """Build point geometry from coordinate columns.

    Parameters
    ----------
    df : DataFrame
        The table, with a ``_row`` column.
    cols : dict
        Coordinate role (``lat``, ``lon``, ``easting``, ``northing``, ``wkt``) -> column.
    report : LoadReport
        Receives the CRS detected, the swap flag and rejected rows.
    """
    if "wkt" in cols and not ({"lat", "lon"} <= cols.keys() or {"easting", "northing"} <= cols.keys()):
        geoms = shapely.from_wkt(df[cols["wkt"]].astype("string").fillna("").to_numpy(dtype=object), on_invalid="ignore")
        gdf = gpd.GeoDataFrame(df.drop(columns=[cols["wkt"]]), geometry=list(geoms))
        guess_crs(gdf, report)
        return clean_geometries(gdf, report)
    if {"easting", "northing"} <= cols.keys():
        x, y, crs = _numbers(df[cols["easting"]]), _numbers(df[cols["northing"]]), BNG_CRS
    elif {"lat", "lon"} <= cols.keys():
        x, y = _numbers(df[cols["lon"]]), _numbers(df[cols["lat"]])
        crs = DISPLAY_CRS
    else:
        raise LoadError(
            f"{report.file}: no usable coordinates: found no latitude/longitude, easting/northing or "
            "geometry columns. Map the coordinate columns by hand."
        )
    missing = x.isna() | y.isna()
    report.tally("rows_without_coordinates", {"chunks": 1, "empty": int(missing.all())}, _no_note)
    if missing.all() and not report.decisions.get("in_chunks"):
        raise LoadError(f"{report.file}: no usable coordinates: every row's coordinates are empty or not numbers.")
    ok = ~missing
    if crs == DISPLAY_CRS and ok.any():  # a chunk with no coordinates leaves the decision to the next
        crs, swap = report.decide("coordinates", lambda: _degrees_or_metres(x, y, ok))
        if crs == BNG_CRS:
            report.notes.append("coordinates are metres in British National Grid, not degrees")
        elif swap:
            x, y = y, x
            report.swapped_lat_lon = True
            report.notes.append("latitude and longitude were given the wrong way round; they have been swapped")
        if crs == DISPLAY_CRS:
            x, y = _turn_odd_rows(x, y, ok, df["_row"], report)
    report.crs = crs
    rows = df["_row"]
    report.reject(rows[missing], "no coordinates (empty or not a number)")
    if crs == DISPLAY_CRS:
        bad = ok & ~_inside(x, y, (-180, -90, 180, 90))
        for row, xv, yv in zip(rows[bad], x[bad], y[bad]):
            report.reject([row], f"coordinates outside the Earth (latitude {yv:g}, longitude {xv:g})")
    else:
        bad = ok & ~_inside(x, y, BNG_BOUNDS)
        for row, xv, yv in zip(rows[bad], x[bad], y[bad]):
            report.reject([row], f"easting/northing outside Great Britain ({xv:g}, {yv:g})")
    null_island = ok & ~bad & (x == 0) & (y == 0)
    report.reject(rows[null_island], "coordinates are 0, 0 (a missing position written as zeros)")
    keep = ok & ~bad & ~null_island
    used = [cols[k] for k in ("lat", "lon", "easting", "northing") if k in cols]
    if keep.all():  # every row kept (the usual chunk): no copy of the rows
        gdf = gpd.GeoDataFrame(df.drop(columns=used), geometry=_points(x, y), crs=crs)
    else:
        gdf = gpd.GeoDataFrame(df.loc[keep].drop(columns=used), geometry=_points(x[keep], y[keep]), crs=crs)
    return gdf.to_crs(DISPLAY_CRS) if crs != DISPLAY_CRS else gdf


def _turn_odd_rows(x: pd.Series, y: pd.Series, ok: pd.Series, rows: pd.Series,
                   report: LoadReport) -> tuple[pd.Series, pd.Series]:
    """Longitudes and latitudes with the rows given the other way round from the rest swapped back.

    In a file whose rows are mostly in the British Isles (judged from most rows, once), a row
    outside them that would be inside with its latitude and longitude swapped is swapped, and
    the report names it (a single row typed the wrong way round, not a place abroad).
    """
    if not report.decide("british_isles", lambda: bool(_inside(x, y, BRITISH_ISLES)[ok].mean() > 0.5)):
        return x, y
    turned = ok & ~_inside(x, y, BRITISH_ISLES) & _inside(y, x, BRITISH_ISLES)
    report.tally("rows_turned", rows[turned].astype(int).tolist(), _turned_note)
    if not turned.any():
        return x, y
    return x.where(~turned, y), y.where(~turned, x)


def _turned_note(rows: list[int]) -> list[str]:
    if not rows:
        return []
    shown = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10:,} more" if len(rows) > 10 else "")
    return [f"latitude and longitude were the wrong way round in {'row' if len(rows) == 1 else 'rows'} {shown} "
            "(the other rows are in the British Isles); swapped"]


def _points(x: pd.Series, y: pd.Series) -> gpd.array.GeometryArray:
    """``gpd.points_from_xy(x, y)``, with Python's cycle collector paused while the points are made.

    Each point is a new object the collector tracks: a chunk's 200,000 of them set off
    hundreds of collections, which took twice as long as making the points. Points hold no
    reference cycles; the collector runs again as soon as they are made. One thread at a time
    (two loads at once on the app server): the collector is left as it was found.
    """
    with _COLLECTOR:
        paused = gc.isenabled()
        gc.disable()
        try:
            return gpd.points_from_xy(x, y)
        finally:
            if paused:
                gc.enable()


_COLLECTOR = threading.Lock()


def _degrees_or_metres(x: pd.Series, y: pd.Series, ok: pd.Series) -> tuple[str, bool]:
    """(CRS, swapped) of "latitude" and "longitude" columns, judged from most rows with coordinates:
    British National Grid metres, or degrees given the right or the wrong way round."""
    in_degrees = _inside(x, y, (-180, -90, 180, 90))
    in_bng = _inside(x, y, BNG_BOUNDS) & ~in_degrees
    if in_bng[ok].mean() > 0.5:
        return BNG_CRS, False
    swapped_ok = _inside(y, x, (-180, -90, 180, 90))
    plain_uk = _inside(x, y, BRITISH_ISLES)[ok].mean()
    swapped_uk = _inside(y, x, BRITISH_ISLES)[ok].mean()
    swap = (in_degrees[ok].mean() < 0.5 and swapped_ok[ok].mean() > 0.5) or (swapped_uk > 0.5 and plain_uk < 0.1)
    return DISPLAY_CRS, bool(swap)


def guess_crs(gdf: gpd.GeoDataFrame, report: LoadReport) -> None:
    """Set a CRS on `gdf` when it has none, from the range of its coordinates."""
    if gdf.crs is not None:
        epsg = gdf.crs.to_epsg()
        report.crs = f"EPSG:{epsg}" if epsg else gdf.crs.to_string()
        return
    valid = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if valid.empty:
        gdf.set_crs(DISPLAY_CRS, inplace=True)
        report.crs = DISPLAY_CRS
        return
    minx, miny, maxx, maxy = valid.total_bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        crs = DISPLAY_CRS
    elif minx >= BNG_BOUNDS[0] and maxx <= BNG_BOUNDS[2] and miny >= BNG_BOUNDS[1] and maxy <= BNG_BOUNDS[3]:
        crs = BNG_CRS
        report.notes.append("no coordinate system given; the coordinates look like British National Grid")
    else:
        raise LoadError(
            f"{report.file}: the coordinate system is not stated and the coordinates are neither degrees nor "
            "British National Grid metres."
        )
    gdf.set_crs(crs, inplace=True)
    report.crs = crs


def clean_geometries(gdf: gpd.GeoDataFrame, report: LoadReport, kind: str | None = None) -> gpd.GeoDataFrame:
    """Reject rows with no geometry, repair invalid ones, and reproject to EPSG:4326.

    Parameters
    ----------
    kind : {"point", "polygon", "any", None}
        What the layer needs. Points are taken from other geometries by their
        representative point; closed LineString outlines become polygons.
    """
    guess_crs(gdf, report)
    geom = gdf.geometry
    rows = gdf["_row"]
    missing = geom.isna() | geom.is_empty
    report.reject(rows[missing], "no geometry")
    gdf = gdf.loc[~missing].copy()
    geom = gdf.geometry
    if kind == "polygon":
        lines = geom.geom_type.isin(["LineString", "LinearRing"]) & geom.is_closed
        if lines.any():
            gdf.loc[lines, gdf.geometry.name] = [shapely.Polygon(g.coords) for g in geom[lines]]
        geom = gdf.geometry
        not_poly = ~geom.geom_type.isin(["Polygon", "MultiPolygon"])
        for row, gt in zip(gdf["_row"][not_poly], geom[not_poly].geom_type):
            report.reject([row], f"a centre needs a polygon boundary, not a {gt}")
        gdf = gdf.loc[~not_poly].copy()
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        repaired = shapely.make_valid(gdf.geometry[invalid].to_numpy())
        gdf.loc[invalid, gdf.geometry.name] = repaired
        report.notes.append(f"{int(invalid.sum())} invalid geometries repaired (make_valid)")
    if kind == "point":
        not_point = gdf.geometry.geom_type != "Point"
        if not_point.any():
            gdf.loc[not_point, gdf.geometry.name] = gdf.geometry[not_point].representative_point()
            report.notes.append(f"{int(not_point.sum())} outlines reduced to a point inside them")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(DISPLAY_CRS)
    bounds = gdf.geometry.bounds
    outside = ~(bounds["minx"].ge(-180) & bounds["maxx"].le(180) & bounds["miny"].ge(-90) & bounds["maxy"].le(90))
    report.reject(gdf["_row"][outside], "coordinates outside the Earth")
    return gdf.loc[~outside]


def point_columns(gdf: gpd.GeoDataFrame, cols: dict[str, str]) -> gpd.GeoDataFrame:
    """Drop coordinate columns of a vector file once its geometry is used."""
    used = [cols[k] for k in ("lat", "lon", "easting", "northing", "wkt") if k in cols and cols[k] in gdf.columns]
    return gdf.drop(columns=[c for c in used if c != gdf.geometry.name])


def assign_centres(gdf: gpd.GeoDataFrame, centres: gpd.GeoDataFrame | None, report: LoadReport) -> gpd.GeoDataFrame:
    """Fill a missing ``centre_id`` from the centre polygon that contains each feature.

    Features outside every centre keep no ``centre_id`` and are counted in the report.
    """
    if centres is None or centres.empty or gdf.empty:
        return gdf
    need = gdf["centre_id"].isna() if "centre_id" in gdf else pd.Series(True, index=gdf.index)
    if not need.any():
        return gdf
    probe = inside_points(gdf.geometry[need])
    if centres.crs is not None and centres.crs == gdf.crs and gdf.index.is_unique:
        first = _first_containing(probe, centres)
    else:
        probe = gpd.GeoDataFrame(geometry=probe, crs=gdf.crs)
        joined = gpd.sjoin(probe, centres[["centre_id", "geometry"]].to_crs(gdf.crs), how="left", predicate="within")
        first = joined[~joined.index.duplicated(keep="first")]["centre_id"]
    gdf = gdf.copy()
    if need.all() and "centre_id" in gdf and gdf["centre_id"].dtype == pd.StringDtype():
        gdf["centre_id"] = first.reindex(gdf.index).astype("string")  # no row had a centre: set at once
    else:
        gdf.loc[need, "centre_id"] = first.reindex(gdf.index[need]).astype("string")
    report.outside_centres = int(gdf["centre_id"].isna().sum())
    report.tally("outside_centres", {"rows": report.outside_centres}, _outside_note)
    return gdf


def _first_containing(points: gpd.GeoSeries, centres: gpd.GeoDataFrame) -> pd.Series:
    """The ``centre_id`` of the first centre (in `centres`' order) containing each point, by the index of `points`.

    What ``sjoin(points, centres, how="left", predicate="within")`` keeps as each point's first match
    (the same GEOS predicate: a prepared centre contains the point), with the spatial index of the
    centres built once for every chunk of a load (geopandas keeps it with `centres`' geometry),
    rather than one of the points built for each chunk.
    """
    polygons = centres.geometry.values
    tree = polygons.sindex  # kept with the array: built once for the centres a stream loads against
    point_idx, centre_idx = tree.query(points.values, sort=False)  # bounding boxes
    shapes = np.asarray(polygons)
    shapely.prepare(shapes)  # as sjoin's "contains" query does (a no-op when prepared already)
    hit = shapely.contains(shapes[centre_idx], np.asarray(points.values)[point_idx])
    first = np.full(len(points), len(shapes), dtype=np.int64)
    np.minimum.at(first, point_idx[hit], centre_idx[hit])
    names = np.append(centres["centre_id"].to_numpy(dtype=object), pd.NA)  # the last: in no centre
    return pd.Series(names[first], index=points.index, dtype="object")


def inside_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """A point inside each geometry (``representative_point``), without asking GEOS for the points a
    point layer already is (a point's representative point is itself)."""
    kinds = shapely.get_type_id(np.asarray(geoms.values))
    if (kinds == 0).all():
        return geoms
    out = geoms.copy()
    other = kinds != 0
    out[other] = geoms[other].representative_point()
    return out


def _outside_note(n: dict[str, int]) -> list[str]:
    if not n["rows"]:
        return []
    return [f"{n['rows']:,} {'row falls' if n['rows'] == 1 else 'rows fall'} outside every centre; kept with no centre"]


def _no_note(n: dict[str, int]) -> list[str]:
    return []


def area_crs(gdf: gpd.GeoDataFrame):
    """The CRS to measure in: British National Grid in Great Britain, else local UTM (rows without a
    position are left out of the decision)."""
    placed = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty] if not gdf.empty else gdf
    if placed.empty:  # nothing placed (a survey without positions): measure in British National Grid
        return BNG_CRS
    gdf = placed
    minx, miny, maxx, maxy = gdf.to_crs(DISPLAY_CRS).total_bounds
    if minx >= BRITISH_ISLES[0] and maxx <= BRITISH_ISLES[2] and miny >= BRITISH_ISLES[1] and maxy <= BRITISH_ISLES[3]:
        return BNG_CRS
    return gdf.estimate_utm_crs()

