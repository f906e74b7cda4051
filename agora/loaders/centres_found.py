"""Find the retail centres in a shop extract that comes without boundaries.

The method follows the idea of the CDRC retail-centre boundaries (Macdonald, Dolega and
Singleton, 2022, *An open source delineation and hierarchical classification of UK
retail agglomerations*, Scientific Data 9, 541): a centre is a dense, contiguous
cluster of retail units. Here, simply and reproducibly:

1. units are measured in metres (British National Grid in Great Britain, else the local
   UTM zone), one point per unit (the latest survey of each ``unit_id``);
2. two units are *linked* when they are at most ``gap_m`` metres apart (150 m by
   default); the clusters are the connected groups of linked units (single linkage,
   i.e. DBSCAN with ``min_samples=1``), found with a k-d tree and a sparse graph (scipy);
3. clusters of at least ``min_units`` units (10 by default) are centres; the others are
   isolated shops and parades, left outside every centre;
4. each centre's boundary is the concave hull of its units (ratio 0.3) widened by
   ``buffer_m`` metres (30 m);
5. a centre is named after the most common street of its units (``street`` or
   ``addr:street``), else the most common place (``addr:place``, ``addr:suburb``,
   ``addr:city``), else "Centre N"; repeated names get a number. Its size is its units.

The CDRC method clusters on an H3 grid of retail density and then joins and trims the
clusters by hand-checked rules; the single-linkage gap used here reproduces its
boundaries' membership to the share reported in the README (Leeds and Liverpool checks).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..layers import CENTRES, DISPLAY_CRS, conform
from .coords import area_crs
from .normalise import slug
from .report import LoadError, LoadReport, LoadResult

GAP_M = 150.0
MIN_UNITS = 10
BUFFER_M = 30.0
RATIO = 0.3
PLACE_COLUMNS = ("addr:place", "addr:suburb", "addr:city", "addr:town", "town", "place")


@dataclass
class FoundCentres:
    """Centres found in a set of units.

    Attributes
    ----------
    centres : GeoDataFrame
        A ``centres`` layer (EPSG:4326) with two more columns: ``units`` (how many units
        it holds) and ``area_km2``; largest first.
    labels : Series
        The ``centre_id`` of each input row (same index), <NA> outside every centre.
    settings : dict
        ``gap_m``, ``min_units``, ``buffer_m``, ``ratio`` used.
    """

    centres: gpd.GeoDataFrame
    labels: pd.Series
    settings: dict

    def summary(self) -> list[dict]:
        """One plain dict per centre: ``centre_id``, ``name``, ``units``, ``area_km2``."""
        return [{"centre_id": r["centre_id"], "name": r["name"], "units": int(r["units"]),
                 "area_km2": round(float(r["area_km2"]), 4)}
                for r in self.centres.drop(columns="geometry").to_dict("records")]


def _latest(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per unit: its latest survey."""
    if "unit_id" not in units or not units["unit_id"].duplicated().any():
        return units
    order = units.sort_values("observed_on", kind="stable") if "observed_on" in units else units
    return order[~order["unit_id"].duplicated(keep="last")]


def clusters(xy: np.ndarray, gap_m: float) -> np.ndarray:
    """Single-linkage cluster label of each point of `xy` (metres): points ``gap_m`` apart or closer join."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=int)
    pairs = cKDTree(xy).query_pairs(r=gap_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else \
        coo_matrix((n, n))
    return connected_components(graph, directed=False)[1]


def _most_common(values: pd.Series) -> str | None:
    words = [str(v).strip() for v in values.dropna() if str(v).strip()]
    return Counter(words).most_common(1)[0][0] if words else None


def _name(members: pd.DataFrame) -> str | None:
    for col in ("street", "addr:street", *PLACE_COLUMNS):
        if col in members:
            found = _most_common(members[col])
            if found:
                return found
    return None


def find_centres(units: gpd.GeoDataFrame, *, gap_m: float = GAP_M, min_units: int = MIN_UNITS,
                 buffer_m: float = BUFFER_M, ratio: float = RATIO,
                 taken: set[str] | frozenset[str] = frozenset()) -> FoundCentres:
    """Retail centres as dense clusters of `units`.

    Parameters
    ----------
    units : GeoDataFrame
        Units (a ``units`` layer, or any points with ``street``/``addr:street``), in any CRS.
    gap_m : float
        Largest distance between neighbouring units of one centre, in metres.
    min_units : int
        Fewest units a centre holds.
    buffer_m, ratio : float
        Margin around the hull, in metres, and the hull's concavity (1 = convex).
    taken : set of str
        Centre ids already in use (new ids get a number when they clash).

    Returns
    -------
    FoundCentres

    Raises
    ------
    LoadError
        When the units have no positions.
    """
    settings = {"gap_m": gap_m, "min_units": min_units, "buffer_m": buffer_m, "ratio": ratio}
    placed = units[units.geometry.notna() & ~units.geometry.is_empty]
    if placed.empty:
        raise LoadError("no unit has a position: centres are found from where units are")
    latest = _latest(placed)
    crs = area_crs(latest)
    points = latest.geometry.to_crs(crs).representative_point()
    xy = shapely.get_coordinates(points.to_numpy())
    label = clusters(xy, gap_m)
    sizes = np.bincount(label)
    rows, geoms, member_of = [], [], {}
    used = set(taken)
    names: Counter = Counter()
    for cluster in sorted(np.flatnonzero(sizes >= min_units), key=lambda c: -sizes[c]):
        inside = label == cluster
        members = latest[inside]
        hull = shapely.concave_hull(shapely.MultiPoint(xy[inside]), ratio=ratio).buffer(buffer_m)
        name = _name(members) or f"Centre {len(rows) + 1}"
        names[name] += 1
        if names[name] > 1:
            name = f"{name} ({names[name]})"
        base = slug(name) or "centre"
        centre_id, n = base, 1
        while centre_id in used:
            n += 1
            centre_id = f"{base}-{n}"
        used.add(centre_id)
        count = int(inside.sum())
        rows.append({"centre_id": centre_id, "name": name, "typology": size_band(count),
                     "source": f"found in the units: {count} units, gaps under {gap_m:g} m",
                     "units": count, "area_km2": hull.area / 1e6})
        geoms.append(hull)
        ids = members["unit_id"] if "unit_id" in members else pd.Series(members.index, index=members.index)
        member_of.update(dict.fromkeys(ids, centre_id))
    table = gpd.GeoDataFrame(rows or None, columns=["centre_id", "name", "typology", "source", "units", "area_km2"],
                             geometry=gpd.GeoSeries(geoms, crs=crs).to_crs(DISPLAY_CRS) if geoms else
                             gpd.GeoSeries([], crs=DISPLAY_CRS), crs=DISPLAY_CRS)
    table = conform(table, CENTRES)
    table["units"] = table["units"].astype("int64")
    table["area_km2"] = table["area_km2"].astype("float64")
    keys = units["unit_id"] if "unit_id" in units else pd.Series(units.index, index=units.index)
    labels = keys.map(member_of).astype("string")
    return FoundCentres(centres=table, labels=labels, settings=settings)


def size_band(units: int) -> str:
    """A centre's size in words, by its units."""
    if units >= 500:
        return "Major centre (500+ units)"
    if units >= 100:
        return "Town or district centre (100-499 units)"
    if units >= 30:
        return "Local centre (30-99 units)"
    return "Small local centre (under 30 units)"


def centres_result(found: FoundCentres, file: str) -> LoadResult:
    """The found centres as a ``centres`` layer ready to save."""
    if found.centres.empty:
        raise LoadError(f"{file}: no centre found: no {found.settings['min_units']} units lie within "
                        f"{found.settings['gap_m']:g} m of each other in a chain")
    report = LoadReport(file=f"centres found in {file}", layer="centres", rows_read=len(found.centres),
                        rows_kept=len(found.centres), crs=DISPLAY_CRS,
                        notes=[f"{len(found.centres)} centres found: clusters of at least "
                               f"{found.settings['min_units']} units with gaps under {found.settings['gap_m']:g} m, "
                               f"outlined {found.settings['buffer_m']:g} m around their concave hull"])
    return LoadResult(data=found.centres.drop(columns=["units", "area_km2"]), report=report)


def assign_found(result: LoadResult, found: FoundCentres) -> LoadResult:
    """`result` (units) with each unit that has no centre given the found centre it lies in."""
    data = result.data.copy()
    labels = found.labels.reindex(data.index)
    need = data["centre_id"].isna() & labels.notna()
    data.loc[need, "centre_id"] = labels[need]
    data["centre_id"] = data["centre_id"].astype("string")
    outside = int(data["centre_id"].isna().sum())
    result.report.outside_centres = outside
    result.report.notes.append(f"{int(need.sum())} units assigned to the centres found; {outside} in no centre")
    return LoadResult(data=data, report=result.report)
