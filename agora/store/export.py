"""Turn any table the app shows into a file to download (CSV, GeoJSON)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` whose text cells cannot run as spreadsheet formulas.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading single quote (OWASP's rule; column names too), so ``=HYPERLINK(...)`` opens as text.
    Numbers stay numbers: only text cells (object and string columns) are changed,
    so ``-3.2`` in a numeric column is written as ``-3.2``.
    """
    out = table.copy()
    out.columns = [_cell(c) if isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        values = out[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
        if risky.any():
            out[col] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    return out


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(table: pd.DataFrame) -> bytes:
    """CSV bytes, safe to open in a spreadsheet (see :func:`neutralise`).

    Point geometry becomes ``lon``/``lat`` columns, other geometry WKT.
    """
    if isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table:
        geom = table.geometry
        out = pd.DataFrame(table.drop(columns=table.geometry.name))
        if len(geom) and (geom.geom_type == "Point").all():
            out["lon"], out["lat"] = geom.x.round(7), geom.y.round(7)
        else:
            out["wkt"] = geom.to_wkt()
        table = out
    # CRLF line ends (RFC 4180) also make the writer quote a cell holding a lone carriage return.
    return neutralise(pd.DataFrame(table)).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def to_geojson(table: gpd.GeoDataFrame) -> bytes:
    """GeoJSON bytes in EPSG:4326 (dates written ISO)."""
    table = table.to_crs("EPSG:4326") if table.crs is not None else table.copy()
    for col in table.columns:
        if col != table.geometry.name and pd.api.types.is_datetime64_any_dtype(table[col]):
            table[col] = table[col].dt.strftime("%Y-%m-%d").astype(object).where(table[col].notna(), None)
    return table.to_json(na="null", show_bbox=False, drop_id=True, to_wgs84=False).encode("utf-8")
