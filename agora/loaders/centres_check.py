"""Check found centres against known boundaries: how many units land in the same centre."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..layers import BNG_CRS


def units_inside(boundaries: gpd.GeoDataFrame, counts: pd.Series, seed: int = 0) -> gpd.GeoDataFrame:
    """Points placed at random inside each boundary, `counts` of them per boundary (same index).

    Returns a GeoDataFrame (British National Grid) with ``unit_id`` and ``true_centre`` (the boundary's index).
    """
    rng = np.random.default_rng(seed)
    projected = boundaries.to_crs(BNG_CRS)
    xs, ys, owners = [], [], []
    for idx, geom in projected.geometry.items():
        n = int(counts.loc[idx])
        minx, miny, maxx, maxy = geom.bounds
        got = 0
        prepared = shapely.prepared.prep(geom)
        while got < n:
            x = rng.uniform(minx, maxx, size=4 * n)
            y = rng.uniform(miny, maxy, size=4 * n)
            ok = [prepared.contains(shapely.Point(a, b)) for a, b in zip(x, y)]
            x, y = x[ok][: n - got], y[ok][: n - got]
            xs.extend(x)
            ys.extend(y)
            owners.extend([idx] * len(x))
            got += len(x)
    return gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(len(xs))], "true_centre": owners},
                            geometry=gpd.points_from_xy(xs, ys), crs=BNG_CRS)


def overlap(true: pd.Series, found: pd.Series) -> dict[str, float]:
    """Agreement of two assignments of the same units to centres.

    Each found centre is matched to the true centre holding most of its units.

    Returns
    -------
    dict
        ``same_centre``: share of the true centres' units assigned to the found centre
        matched to their own centre; ``in_a_centre``: share of those units in any found
        centre; ``centres_found``: share of true centres that some found centre is matched to.
    """
    table = pd.DataFrame({"true": true.astype("string"), "found": found.astype("string")})
    truth = table[table["true"].notna()]
    match = truth.dropna(subset=["found"]).groupby("found")["true"].agg(lambda s: s.value_counts().index[0])
    same = truth["found"].map(match).eq(truth["true"]).fillna(False)
    return {"same_centre": float(same.mean()), "in_a_centre": float(truth["found"].notna().mean()),
            "centres_found": float(truth["true"].isin(set(match)).groupby(truth["true"]).any().mean())}
