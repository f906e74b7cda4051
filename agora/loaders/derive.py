"""Derive a centre boundary from its units, for data that comes without one."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from ..layers import CENTRES, DISPLAY_CRS, conform
from .coords import area_crs
from .normalise import slug
from .report import LoadReport, LoadResult


def centre_around(points: gpd.GeoDataFrame, name: str, *, taken: set[str] | frozenset[str] = frozenset(),
                  buffer_m: float = 30.0, ratio: float = 0.3, source: str | None = None) -> LoadResult:
    """A centre drawn around `points`: their concave hull widened by `buffer_m` metres.

    Parameters
    ----------
    points : GeoDataFrame
        Units (or other features) of one centre, in any CRS.
    name : str
        The centre's name; its id is made from it (``"Hebden Bridge" -> "hebden-bridge"``),
        with a number added when the id is in `taken`.
    buffer_m : float
        Margin around the outermost features, in metres (measured in British National
        Grid, or the local UTM zone outside Great Britain).
    ratio : float
        Concavity of the hull (:func:`shapely.concave_hull`): 1 is the convex hull, lower
        values follow the streets more closely.
    source : str, optional
        Where the centre came from (default: "drawn around <n> units").

    Returns
    -------
    LoadResult
        A ``centres`` layer of one row, and a report saying how it was made.
    """
    geoms = points.geometry[points.geometry.notna() & ~points.geometry.is_empty]
    if geoms.empty:
        raise ValueError("no positions to draw a centre around")
    crs = area_crs(gpd.GeoDataFrame(geometry=geoms))
    projected = geoms.to_crs(crs)
    hull = shapely.concave_hull(shapely.MultiPoint(shapely.get_coordinates(projected.to_numpy())), ratio=ratio)
    outline = hull.buffer(buffer_m)
    base = slug(name) or "centre"
    centre_id, n = base, 1
    while centre_id in taken:
        n += 1
        centre_id = f"{base}-{n}"
    source = source or f"drawn around {len(geoms)} units"
    table = gpd.GeoDataFrame(
        {"centre_id": [centre_id], "name": [name.strip()], "typology": ["Drawn around its units"], "source": [source]},
        geometry=gpd.GeoSeries([outline], crs=crs).to_crs(DISPLAY_CRS), crs=DISPLAY_CRS,
    )
    report = LoadReport(file=source, layer="centres", rows_read=1, rows_kept=1, crs=str(crs),
                        notes=[f"boundary drawn {buffer_m:g} m around the outermost of {len(geoms)} features"])
    return LoadResult(data=conform(table, CENTRES), report=report)


def assign_outside(result: LoadResult, centre_id: str) -> LoadResult:
    """Give the rows of `result` that are in no centre the centre `centre_id`."""
    data = result.data.copy()
    outside = data["centre_id"].isna()
    data["centre_id"] = data["centre_id"].where(~outside, centre_id).astype(pd.StringDtype())
    result.report.notes.append(f"{int(outside.sum())} rows outside every centre given the new centre {centre_id!r}")
    result.report.outside_centres = 0
    return LoadResult(data=data, report=result.report)
