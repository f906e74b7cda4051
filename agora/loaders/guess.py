"""Guess which canonical layer a file is, from its columns and geometry, and say how sure the guess is."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .columns import match_columns, normalise

#: A guess below this confidence asks a person to confirm before saving.
CONFIRM_BELOW = 0.6
#: Most rows a file of each layer usually has; more asks for confirmation (a city's
#: 37,067 rates records are not footfall counter sites).
TYPICAL_MAX_ROWS = {"centres": 5_000, "footfall_sites": 2_000, "assets": 100_000, "units": 500_000}

SITE_WORDS = {"sensorid", "sensordescription", "locationcode", "cameraid", "counterid", "sensorname"}
ASSET_WORDS = {"libraryname", "librarytype", "culturalvenuetype", "acvstatus", "nominatinggroup", "expirydate",
               "assettype", "dateofexpiry", "nominatedby"}
#: Unit columns that say a table is about premises.
UNIT_SIGNS = ("source_category", "status", "ownership", "brand", "brand_wikidata", "street", "observed_on",
              "vacant_since")


@dataclass(frozen=True)
class LayerGuess:
    """The layer a file most likely is.

    Attributes
    ----------
    layer : str
        Canonical layer name.
    confidence : float
        From 0 (a blind guess) to 1.
    reason : str
        What the guess rests on, in words.
    """

    layer: str
    confidence: float
    reason: str

    @property
    def sure(self) -> bool:
        """True when the guess needs no confirmation on its own."""
        return self.confidence >= CONFIRM_BELOW


def _wkt_polygons(table: pd.DataFrame, columns: list[str]) -> str | None:
    """The column holding WKT polygons, if any."""
    for col in columns:
        values = table[col].dropna().astype(str).str.strip().str.upper().head(50)
        if not values.empty and values.str.match(r"^(SRID=\d+;)?\s*(MULTI)?POLYGON").mean() > 0.8:
            return col
    return None


def guess(table: pd.DataFrame) -> LayerGuess:
    """The most likely layer for `table` (a result of :func:`agora.loaders.read.read_source`).

    Counts and dates without positions are footfall counts; polygons (geometry or WKT
    text) are centres; counter words make footfall sites unless the table also has the
    columns of premises (use, status, ownership...), asset words make assets; anything
    else with positions is units, sure in proportion to the premises columns it has.
    """
    columns = [c for c in table.columns if c != "_row" and c != getattr(table, "_geometry_column_name", None)]
    counts = match_columns(columns, "footfall_counts")
    if {"count", "timestamp"} <= counts.keys():
        return LayerGuess("footfall_counts", 0.9, f"counts ({counts['count']!r}) and dates ({counts['timestamp']!r})")
    if isinstance(table, gpd.GeoDataFrame):
        kinds = set(table.geometry.dropna().geom_type)
        if kinds and kinds <= {"Polygon", "MultiPolygon"}:
            return LayerGuess("centres", 0.9, "every geometry is a polygon (area boundaries)")
    else:
        wkt = _wkt_polygons(table, columns)
        if wkt:
            return LayerGuess("centres", 0.85, f"the {wkt!r} column holds polygons (WKT): area boundaries")
    norm = {normalise(c): c for c in columns}
    units = match_columns(columns, "units")
    signs = [units[c] for c in UNIT_SIGNS if c in units]
    site_words = [norm[w] for w in SITE_WORDS if w in norm]
    if site_words:
        if signs:
            return LayerGuess("units", 0.4, f"counter-site words ({', '.join(site_words)}) but also premises columns "
                                            f"({', '.join(signs)}): units or footfall sites?")
        return LayerGuess("footfall_sites", 0.8, f"counter-site columns ({', '.join(site_words)})")
    asset_words = [norm[w] for w in ASSET_WORDS if w in norm]
    if asset_words:
        return LayerGuess("assets", 0.8, f"asset-register columns ({', '.join(asset_words)})")
    if len(signs) >= 2:
        return LayerGuess("units", 0.85, f"premises columns ({', '.join(signs)})")
    if signs:
        return LayerGuess("units", 0.65, f"one premises column ({signs[0]})")
    return LayerGuess("units", 0.3, "no column says what the rows are; taken as units because nothing else fits")


def guess_layer(table: pd.DataFrame) -> str:
    """The most likely layer's name (see :func:`guess`)."""
    return guess(table).layer


def rows_unusual(layer: str, rows: int) -> str | None:
    """Why `rows` rows is unusual for `layer`, or None when it is not."""
    limit = TYPICAL_MAX_ROWS.get(layer)
    if limit and rows > limit:
        return f"{rows:,} rows is far more than a file of {layer.replace('_', ' ')} usually holds (up to {limit:,})"
    return None
