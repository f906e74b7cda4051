"""Turn any table the app shows into a file to download (CSV, GeoJSON)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def to_csv(table: pd.DataFrame) -> bytes:
    """CSV bytes; point geometry becomes ``lon``/``lat`` columns, other geometry WKT."""
    if isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table:
        geom = table.geometry
        out = pd.DataFrame(table.drop(columns=table.geometry.name))
        if len(geom) and (geom.geom_type == "Point").all():
            out["lon"], out["lat"] = geom.x.round(7), geom.y.round(7)
        else:
            out["wkt"] = geom.to_wkt()
        table = out
    return table.to_csv(index=False).encode("utf-8")


def to_geojson(table: gpd.GeoDataFrame) -> bytes:
    """GeoJSON bytes in EPSG:4326 (dates written ISO)."""
    table = table.to_crs("EPSG:4326") if table.crs is not None else table.copy()
    for col in table.columns:
        if col != table.geometry.name and pd.api.types.is_datetime64_any_dtype(table[col]):
            table[col] = table[col].dt.strftime("%Y-%m-%d").astype(object).where(table[col].notna(), None)
    return table.to_json(na="null", show_bbox=False, drop_id=True, to_wgs84=False).encode("utf-8")
