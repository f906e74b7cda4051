"""Guess which canonical layer a file is, from its columns and geometry."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .columns import match_columns


def guess_layer(table: pd.DataFrame) -> str:
    """The most likely layer for `table` (a result of :func:`agora.loaders.read.read_source`).

    Counts and dates without positions are footfall counts; polygons are centres;
    tables whose columns name counters are footfall sites; asset words make assets;
    anything else with positions is units.
    """
    columns = [c for c in table.columns if c != "_row"]
    counts = match_columns(columns, "footfall_counts")
    if {"count", "timestamp"} <= counts.keys():
        return "footfall_counts"
    if isinstance(table, gpd.GeoDataFrame):
        kinds = set(table.geometry.dropna().geom_type)
        if kinds and kinds <= {"Polygon", "MultiPolygon"}:
            return "centres"
    lower = {c.lower() for c in columns}
    if lower & {"sensor_id", "sensor_description", "location_code", "camera_id", "counter_id"}:
        return "footfall_sites"
    if lower & {"library_name", "library_type", "cultural venue type", "acv_status", "nominating group",
                "nominating_group", "expiry_date", "asset_type"}:
        return "assets"
    return "units"
