"""Place rows that have a postcode but no coordinates, from a postcode lookup file.

The lookup is any table with a postcode column and latitude/longitude columns, such as
an extract of the ONS Postcode Directory (``pcds``, ``lat``, ``long``) or a CSV of
``postcode,lat,lon``. Postcodes are compared without spaces or case.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..layers import DISPLAY_CRS
from .columns import COORD_ALIASES, normalise
from .report import LoadError, LoadReport

#: Names of postcode columns (compared after :func:`agora.loaders.columns.normalise`).
POSTCODE_NAMES = ("postcode", "post_code", "postal_code", "postcodes", "addr:postcode", "pcd", "pcds", "pcd7",
                  "pcd8", "pcd2", "zip")


def postcode_key(values: pd.Series) -> pd.Series:
    """Postcodes as lookup keys: upper case, no spaces."""
    return values.astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)


def postcode_column(columns: list[str]) -> str | None:
    """The column of `columns` holding postcodes, if any."""
    wanted = {normalise(n) for n in POSTCODE_NAMES}
    return next((c for c in columns if normalise(c) in wanted), None)


def read_lookup(source, filename: str | None = None) -> pd.DataFrame:
    """A postcode lookup as a table of ``key``, ``lat``, ``lon`` (one row per postcode).

    Raises
    ------
    LoadError
        When the file has no postcode column or no latitude/longitude columns.
    """
    from .read import read_source

    if isinstance(source, pd.DataFrame):
        table, name = source, filename or "postcode lookup"
    else:
        table, _ = read_source(source, filename)
        name = table.attrs.get("name") or filename or str(source)
    columns = [c for c in table.columns if c != "_row"]
    pc = postcode_column(columns)
    norm = {normalise(c): c for c in columns}
    lat = next((norm[normalise(a)] for a in COORD_ALIASES["lat"] if normalise(a) in norm), None)
    lon = next((norm[normalise(a)] for a in COORD_ALIASES["lon"] if normalise(a) in norm), None)
    if pc is None or lat is None or lon is None:
        raise LoadError(f"{name}: a postcode lookup needs postcode, lat and lon columns; found {', '.join(map(str, columns))}.")
    out = pd.DataFrame({"key": postcode_key(table[pc]),
                        "lat": pd.to_numeric(table[lat], errors="coerce"),
                        "lon": pd.to_numeric(table[lon], errors="coerce")}).dropna()
    return out.drop_duplicates("key")


def place_by_postcode(table: pd.DataFrame, lookup: pd.DataFrame, report: LoadReport, *,
                      keep_unplaced: bool) -> gpd.GeoDataFrame:
    """Points for the rows of `table` from their postcode.

    Rows whose postcode is not in `lookup` are rejected, or kept without a position when
    `keep_unplaced` is true.

    Raises
    ------
    LoadError
        When `table` has no postcode column.
    """
    columns = [c for c in table.columns if c != "_row"]
    pc = postcode_column(columns)
    if pc is None:
        raise LoadError(f"{report.file}: no coordinates and no postcode column to place the rows by; "
                        f"found {', '.join(map(str, columns))}.")
    found = postcode_key(table[pc]).to_frame("key").merge(lookup, on="key", how="left")
    found.index = table.index
    placed = found["lat"].notna()
    report.columns[pc] = "postcode (placed by the lookup)"
    report.notes.append(f"{int(placed.sum())} of {len(table)} rows placed by their postcode")
    if not keep_unplaced:
        report.reject(table.loc[~placed, "_row"], "postcode not in the postcode lookup")
        table, found, placed = table.loc[placed], found.loc[placed], placed[placed]
    elif (~placed).any():
        report.notes.append(f"{int((~placed).sum())} rows have no position (postcode not in the lookup); "
                            "kept for the figures that need no map")
    geometry = [gpd.points_from_xy([x], [y])[0] if ok else None
                for x, y, ok in zip(found["lon"], found["lat"], placed)]
    report.crs = DISPLAY_CRS
    return gpd.GeoDataFrame(table, geometry=geometry, crs=DISPLAY_CRS)
