"""Community assets: counts and density per centre, walking-distance coverage, expiring listings.

Coverage
    The share of a centre's units within :data:`REACH_M` metres (straight line) of at
    least one asset of a category, measured in a projected CRS (British National Grid
    in Great Britain, else the local UTM zone: :func:`agora.loaders.coords.area_crs`).
    Every asset counts, also one just outside the centre's boundary.

Density
    Assets per km2 of the centre's polygon, its area measured in the same way.

Expiring listings
    Assets of Community Value listed (``acv_status == "listed"``) whose listing ends
    within :data:`EXPIRY_MONTHS` months of a date (today by default). A listing runs
    five years; when it lapses the community loses its right to bid.

No streamlit here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..layers import ASSET_CATEGORIES
from ..loaders.coords import area_crs

REACH_M = 400
EXPIRY_MONTHS = 12
#: Label of assets and units outside every centre.
OUTSIDE = "(outside centres)"


def _labels(table: pd.DataFrame, centres: pd.DataFrame | None, unassigned: str) -> pd.Series:
    names = {}
    if centres is not None and len(centres):
        names = dict(zip(centres["centre_id"].astype("string"), centres["name"].astype("string")))
    cid = table["centre_id"].astype("string") if "centre_id" in table else pd.Series(pd.NA, index=table.index, dtype="string")
    return cid.map(lambda c: names.get(c, c), na_action="ignore").astype("string").fillna(unassigned)


def _categories(assets: pd.DataFrame) -> list[str]:
    present = set(assets["category"].dropna().astype(str))
    order = [c for c in ASSET_CATEGORIES if c in present]
    return order + sorted(present - set(order))


def centre_areas(centres: gpd.GeoDataFrame) -> pd.Series:
    """Area of each centre in km2, indexed by ``centre_id`` (measured in a projected CRS)."""
    if centres is None or len(centres) == 0:
        return pd.Series(dtype=float, name="area_km2")
    projected = centres.to_crs(area_crs(centres))
    return pd.Series(projected.geometry.area.to_numpy() / 1e6, index=centres["centre_id"].astype("string"),
                     name="area_km2")


def nearest_distances(units: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, categories: list[str] | None = None) -> pd.DataFrame:
    """Distance in metres from each unit to the nearest asset of each category.

    Returns
    -------
    DataFrame
        Indexed like `units`, one column per category (NaN when the category has no asset).
    """
    categories = categories or _categories(assets)
    out = pd.DataFrame(index=units.index, columns=categories, dtype=float)
    if units.empty or assets.empty:
        return out
    crs = area_crs(units)
    probe = gpd.GeoDataFrame(geometry=units.geometry.to_crs(crs).to_numpy(), index=units.index, crs=crs)
    probe = probe[probe.geometry.notna() & ~probe.geometry.is_empty]
    assets_p = assets.to_crs(crs)
    for category in categories:
        target = assets_p.loc[assets_p["category"] == category, ["geometry"]]
        target = target[target.geometry.notna() & ~target.geometry.is_empty]
        if target.empty or probe.empty:
            continue
        joined = gpd.sjoin_nearest(probe, target, how="left", distance_col="_distance")
        nearest = joined.groupby(level=0)["_distance"].min()
        out.loc[nearest.index, category] = nearest.to_numpy()
    return out


def counts(
    assets: gpd.GeoDataFrame, centres: gpd.GeoDataFrame | None = None, *, unassigned: str = OUTSIDE
) -> pd.DataFrame:
    """Assets per centre and category, with the count per km2 of the centre.

    Returns
    -------
    DataFrame
        ``centre_id``, ``centre``, ``category``, ``count``, ``area_km2``, ``per_km2``
        (both <NA> for assets outside every centre); every category found in `assets`
        appears for every centre (count 0 when it has none).
    """
    data = pd.DataFrame({"centre_id": assets["centre_id"].astype("string") if "centre_id" in assets else pd.NA,
                         "centre": _labels(assets, centres, unassigned),
                         "category": assets["category"].astype("string").fillna("other")})
    groups = data[["centre_id", "centre"]].drop_duplicates()
    if centres is not None and len(centres):
        ours = pd.DataFrame({"centre_id": centres["centre_id"].astype("string"),
                             "centre": centres["name"].astype("string")})
        groups = pd.concat([ours, groups[groups["centre_id"].isna()]], ignore_index=True).drop_duplicates()
    grid = groups.merge(pd.DataFrame({"category": _categories(data)}), how="cross")
    n = data.groupby(["centre_id", "centre", "category"], dropna=False).size().rename("count").reset_index()
    table = grid.merge(n, on=["centre_id", "centre", "category"], how="left")
    table["count"] = table["count"].fillna(0).astype(int)
    areas = centre_areas(centres) if centres is not None else pd.Series(dtype=float)
    table["area_km2"] = table["centre_id"].map(areas).astype("Float64")
    table["per_km2"] = (table["count"] / table["area_km2"]).astype("Float64")
    order = {c: i for i, c in enumerate(_categories(data))}
    table["_outside"] = table["centre_id"].isna()
    table["_order"] = table["category"].map(order)
    table["_name"] = table["centre"].str.lower()
    table = table.sort_values(["_outside", "_name", "_order"], kind="stable")
    return table.drop(columns=["_outside", "_order", "_name"]).reset_index(drop=True)


def coverage(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame | None = None,
    *,
    reach: float = REACH_M,
    unassigned: str = OUTSIDE,
) -> pd.DataFrame:
    """The share of each centre's units within `reach` metres of each category of asset.

    Returns
    -------
    DataFrame
        ``centre_id``, ``centre``, ``category``, ``units`` (units in the centre), ``units_covered``,
        ``coverage`` (share, 0..1; NaN for a centre with no units).
    """
    categories = _categories(assets)
    if units is None or units.empty or not categories:
        return pd.DataFrame(columns=["centre_id", "centre", "category", "units", "units_covered", "coverage"])
    # one row per unit (the latest observation), so repeated surveys do not weigh twice
    latest = units
    if "unit_id" in units and units["unit_id"].duplicated().any():
        order = units.sort_values("observed_on", na_position="first", kind="stable") if "observed_on" in units else units
        latest = order[~order["unit_id"].duplicated(keep="last")]
    dist = nearest_distances(latest, assets, categories)
    within = dist.le(reach) & dist.notna()
    within["centre_id"] = latest["centre_id"].astype("string") if "centre_id" in latest else pd.NA
    within["centre"] = _labels(latest, centres, unassigned)
    long = within.melt(id_vars=["centre_id", "centre"], var_name="category", value_name="covered")
    table = long.groupby(["centre_id", "centre", "category"], sort=False, dropna=False)["covered"].agg(
        units="size", units_covered="sum").reset_index()
    table["units_covered"] = table["units_covered"].astype(int)
    table["coverage"] = (table["units_covered"] / table["units"]).astype(float)
    return table


def summary(
    assets: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    *,
    reach: float = REACH_M,
    unassigned: str = OUTSIDE,
) -> pd.DataFrame:
    """Counts, density and coverage per centre and category in one table.

    Returns
    -------
    DataFrame
        The :func:`counts` columns plus ``units`` and ``coverage_400m`` (named after
        `reach`; <NA> where no units are given or the centre has none).
    """
    table = counts(assets, centres, unassigned=unassigned)
    col = f"coverage_{int(reach)}m"
    if units is not None and len(units):
        cov = coverage(units, assets, centres, reach=reach, unassigned=unassigned)
        cov = cov.astype({"centre_id": "string", "centre": "string", "category": "string"})
        table = table.merge(cov[["centre_id", "centre", "category", "units", "coverage"]],
                            on=["centre_id", "centre", "category"], how="left")
        table = table.rename(columns={"coverage": col})
        table["units"] = table["units"].astype("Int64")
    else:
        table["units"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
        table[col] = np.nan
    table[col] = table[col].astype("Float64")
    return table


def expiring(assets: pd.DataFrame, *, as_of=None, months: int = EXPIRY_MONTHS) -> pd.DataFrame:
    """Listed assets whose listing ends between `as_of` (default today) and `months` months later.

    Returns
    -------
    DataFrame
        Those rows, soonest first, with ``days_left``.
    """
    as_of = pd.Timestamp.today().normalize() if as_of is None else pd.Timestamp(as_of)
    if "expires_on" not in assets or assets.empty:
        return assets.iloc[0:0].assign(days_left=pd.Series(dtype="Int64"))
    ends = pd.to_datetime(assets["expires_on"], errors="coerce")
    listed = assets["acv_status"].astype("string").eq("listed").fillna(False) if "acv_status" in assets else True
    hit = listed & ends.notna() & (ends >= as_of) & (ends <= as_of + pd.DateOffset(months=months))
    out = assets[hit].copy()
    out["days_left"] = (ends[hit] - as_of).dt.days.astype("Int64")
    return out.sort_values("expires_on", kind="stable")
