"""Derived facts, computed when data is saved rather than when a page runs.

From the datasets a workspace lists, :func:`build` makes the tables pages read:

- ``centres``, ``units``, ``footfall_sites``, ``assets``: every dataset of the layer
  together; features without a centre placed in the centre polygon that contains them;
  units classified by ownership (with the workspace's brand lists) and by shop type;
  rows sorted by ``centre_id`` and written in row groups, so reading one centre touches
  only its row groups;
- ``indicators``: the indicator table, one row per centre
  (:func:`agora.analysis.indicators.indicator_table`), area tables included;
- ``brands`` and ``mix``: each centre's chain brands and its mix of shop types in its
  latest survey, from which brand similarity between centres is computed
  (:func:`agora.analysis.similarity.most_similar_tables`).

Footfall counts are not copied: DuckDB reads the saved Parquet files (sorted by site).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from ..analysis import similarity
from ..analysis.indicators import indicator_table
from ..analysis.ownership import (FACT_COLUMNS, brands_signature, classify_ownership, load_brands,
                                  name_centre_counts, name_facts_and_rows)
from ..analysis.by_centre import latest_survey
from ..layers import get_layer
from ..loaders.coords import assign_centres
from ..loaders.report import LoadReport
from ..store.indicators import read_indicators
from ..store.workspace import Workspace

#: Layers materialised per centre.
TOWN_LAYERS = ("centres", "units", "footfall_sites", "assets")
#: Rows per Parquet row group of a materialised layer.
ROW_GROUP = 8192


class Laps(dict):
    """Seconds each step took: called with a step's name when it ends (timed from the step before)."""

    def __init__(self) -> None:
        super().__init__()
        self._clock = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self[step] = round(now - self._clock, 3)
        self._clock = now


def place(table: gpd.GeoDataFrame, centres: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give features without a ``centre_id`` the centre whose polygon contains them."""
    if table.empty or centres.empty or "centre_id" not in table or not table["centre_id"].isna().any():
        return table
    return assign_centres(table, centres, LoadReport(file="", layer=""))


def centre_order(table: pd.DataFrame) -> np.ndarray | None:
    """The positions of `table`'s rows sorted by ``centre_id`` (missing last; stable), or None (no such column)."""
    if "centre_id" not in table or table.empty:
        return None
    ids = table["centre_id"]
    if not isinstance(ids.dtype, pd.StringDtype):
        return ids.reset_index(drop=True).sort_values(kind="stable", na_position="last").index.to_numpy()
    # the order of that sort_values, from the ids as numbers in the order of the ids (missing last)
    codes, names = pd.factorize(ids.array, sort=True)
    return np.argsort(np.where(codes >= 0, codes, len(names)), kind="stable")


def by_centre(table: pd.DataFrame, order: np.ndarray | None = None) -> pd.DataFrame:
    """`table` sorted by ``centre_id`` (missing last), so row-group statistics select a centre.

    `order`: :func:`centre_order` of `table`, when worked out already.
    """
    order = centre_order(table) if order is None else order
    if order is None:
        return table.reset_index(drop=True)
    return table.take(order).reset_index(drop=True)


#: Columns of each centre's latest survey the figures read besides the units' own (kept between builds).
LATEST_EXTRA = ["survey_date", "shop_type"]


def _geometry_columns(geometry: gpd.GeoSeries) -> dict[str, np.ndarray]:
    """Columns that tell geometries apart: type and coordinates when every one is a point (or missing), else WKB."""
    import shapely

    shapes = np.asarray(geometry.values, dtype=object)
    kind = shapely.get_type_id(shapes)
    if not np.isin(kind, (-1, 0)).all():
        return {"geometry": geometry.to_wkb(hex=True).to_numpy()}
    x, y = np.full(len(shapes), np.nan), np.full(len(shapes), np.nan)
    point = (kind == 0) & ~shapely.is_empty(shapes)
    if point.any():
        xy = shapely.get_coordinates(shapes[point])
        x[point], y[point] = xy[:, 0], xy[:, 1]
    return {"geometry_type": kind, "geometry_x": x, "geometry_y": y}


def row_hashes(table: pd.DataFrame, name: str) -> np.ndarray:
    """A hash of each row of a layer: its own columns and its geometry."""
    plain = pd.DataFrame(table[[c for c in get_layer(name).columns if c in table and c != "geometry"]])
    if "geometry" in table:
        for col, values in _geometry_columns(table.geometry).items():
            plain[col] = values
    return pd.util.hash_pandas_object(plain, index=False).to_numpy()


def with_extra_columns(units: pd.DataFrame, own: np.ndarray) -> np.ndarray:
    """:func:`row_hashes` of the units' own columns, combined with the columns a file brought besides them."""
    extra = [c for c in units.columns if c not in get_layer("units").columns and c != "geometry"]
    if not extra:
        return own
    frame = pd.DataFrame({"own": own}, index=units.index).join(pd.DataFrame(units[extra]))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _segments(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows grouped by `key`: the stable order, each group's first position in it, and each row's rank in its group."""
    codes, _ = pd.factorize(key)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]]) if len(key) else np.array([], int)
    rank = np.empty(len(key), dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(key)])
    rank[order] = np.arange(len(key)) - np.repeat(starts, sizes)
    return order, starts, rank


def latest_state(placed: pd.DataFrame, key: np.ndarray, hashes: np.ndarray | None = None,
                 segments: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """Per centre (``centre`` = the key each centre's survey is worked out by): what its latest survey reads.

    ``order``: a hash of the centre's rows in their order (:func:`with_extra_columns`); ``again``: its
    latest survey must be worked out again whatever the build before found (a unit id it
    shares with another centre, or a unit without an id, whose key is its row number).
    `segments`: :func:`_segments` of `key`, when worked out already.
    """
    order, starts, rank = _segments(key) if segments is None else segments
    h = with_extra_columns(placed, row_hashes(placed, "units")) if hashes is None else hashes
    weighted = h * (2 * rank.astype(np.uint64) + np.uint64(1))  # wraps modulo 2**64
    total = np.add.reduceat(weighted[order], starts) if len(starts) else np.array([], np.uint64)
    centres = key[order][starts]
    ids = placed["unit_id"].astype("string") if "unit_id" in placed else pd.Series(pd.NA, index=placed.index)
    uid, _ = pd.factorize(ids)
    cid, names = pd.factorize(key)
    if len(key) and (cid >= 0).all():
        # the groups of _segments are the keys as factorize numbers them: a centre's number is its group's
        missing = np.bincount(cid, weights=(uid < 0), minlength=len(names)) > 0
        size = len(names) + 1
        pairs = np.unique(uid[uid >= 0].astype(np.int64) * size + cid[uid >= 0])  # each (unit id, centre) once
        unit, centre = pairs // size, pairs % size
        twice = np.zeros(len(pairs), dtype=bool)  # a unit id in two centres or more
        twice[1:] |= unit[1:] == unit[:-1]
        twice[:-1] |= unit[1:] == unit[:-1]
        shared = np.zeros(len(names), dtype=bool)
        shared[centre[twice]] = True
        return pd.DataFrame({"centre": pd.array(centres, dtype="string"), "order": total.view(np.int64),
                             "again": missing | shared})
    missing = pd.Series(ids.isna().to_numpy()).groupby(key).any()
    pairs = pd.DataFrame({"u": uid, "c": cid}).drop_duplicates()
    pairs = pairs[pairs["u"] >= 0]
    shared = set(names[pairs.loc[pairs["u"].duplicated(keep=False), "c"].unique()])
    again = missing.reindex(centres).to_numpy(dtype=bool) | pd.Index(centres).isin(shared)
    return pd.DataFrame({"centre": pd.array(centres, dtype="string"), "order": total.view(np.int64), "again": again})


def survey_days(placed: pd.DataFrame, rounds: pd.Series) -> pd.DataFrame:
    """Each observation day and the survey round it falls in (:func:`agora.analysis.vacancy.survey_dates`)."""
    if "observed_on" not in placed or placed.empty:
        return pd.DataFrame({"day": pd.Series(dtype="datetime64[ms]"), "survey_date": pd.Series(dtype="datetime64[ms]")})
    day = pd.to_datetime(placed["observed_on"], errors="coerce").dt.normalize().astype("datetime64[ms]")
    frame = pd.DataFrame({"day": day.to_numpy(), "survey_date": rounds.to_numpy()}).dropna(subset=["day"])
    return frame.drop_duplicates("day").sort_values("day").reset_index(drop=True)


def _reusable(state: pd.DataFrame, days: pd.DataFrame, previous: Mapping[str, pd.DataFrame]) -> set[str]:
    """Centres whose latest survey the build before worked out from the same rows and survey rounds."""
    before, old_days = previous.get("latest_centres"), previous.get("survey_days")
    if before is None or old_days is None or previous.get("latest") is None:
        return set()
    both = old_days.merge(days, on="day", suffixes=("_old", ""))
    old_round = pd.to_datetime(both["survey_date_old"]).astype("datetime64[ms]")
    new_round = pd.to_datetime(both["survey_date"]).astype("datetime64[ms]")
    if not ((old_round == new_round) | (old_round.isna() & new_round.isna())).all():
        return set()  # survey rounds moved (a new date joined or split them): every centre again
    both = state.merge(before, on="centre", suffixes=("", "_old"))
    same = (both["order"] == both["order_old"]) & ~both["again"] & ~both["again_old"].astype(bool)
    return set(both.loc[same, "centre"].astype(str))


def latest_units(units: pd.DataFrame, previous: Mapping[str, pd.DataFrame] | None = None,
                 hashes: np.ndarray | None = None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every centre's units in its latest survey (units in no centre left out).

    The units' own columns and :data:`LATEST_EXTRA`, rows as
    :func:`agora.analysis.by_centre.latest_survey` gives them. With the ``latest``,
    ``latest_centres`` and ``survey_days`` tables of the build before, a centre whose rows
    and survey rounds are the same takes its rows from there. `hashes`: :func:`with_extra_columns`
    of `units`, when computed already.

    Returns
    -------
    latest : DataFrame
    state : dict
        ``latest`` (``centre``, ``row``: the row's place among its centre's units, and
        :data:`LATEST_EXTRA`), ``latest_centres`` (:func:`latest_state`), ``survey_days``;
        ``reused``: the number of centres taken from the build before; ``again``: the
        ``centre_id`` of the others (worked out again).
    """
    from ..analysis.surveys import _centre_key
    from ..analysis.vacancy import survey_dates

    placed_rows = units["centre_id"].notna().to_numpy() if "centre_id" in units else np.zeros(len(units), bool)
    placed = units if placed_rows.all() else units[placed_rows]  # every unit in a centre: no copy
    columns = [*placed.columns, *LATEST_EXTRA]
    if placed.empty:
        empty = pd.DataFrame({"centre": pd.Series(dtype="string"), "row": pd.Series(dtype="int64"),
                              "survey_date": pd.Series(dtype="datetime64[ms]"), "shop_type": pd.Series(dtype="string")})
        return placed.assign(survey_date=pd.Series(dtype="datetime64[ms]"), shop_type=pd.Series(dtype="string")), {
            "latest": empty, "latest_centres": latest_state(placed, np.array([], dtype=object)),
            "survey_days": survey_days(placed, pd.Series(dtype="datetime64[ms]")), "reused": 0, "again": []}
    key = _centre_key(placed).to_numpy(dtype=object)
    rounds = survey_dates(placed)
    order, starts, rank = segments = _segments(key)
    state = latest_state(placed, key, hashes[placed_rows] if hashes is not None else None, segments)
    days = survey_days(placed, rounds)
    reuse = _reusable(state, days, previous or {})
    # each centre's rows are kept or not: asked of each centre (the first row of each group), then given its rows
    first_kept = pd.Index(key[order[starts]]).isin(reuse)
    kept_rows = np.empty(len(key), dtype=bool)
    kept_rows[order] = np.repeat(first_kept, np.diff(np.r_[starts, len(key)]))
    parts = []
    if not kept_rows.all():
        parts.append(latest_survey(placed[~kept_rows], survey_date=rounds[~kept_rows], columns=columns))
    if reuse:
        old = previous["latest"]
        old = old[old["centre"].astype(str).isin(reuse)]
        start = pd.Series(starts, index=key[order][starts])
        where = order[start.reindex(old["centre"].astype(str)).to_numpy() + old["row"].to_numpy(dtype=np.int64)]
        # taken in the order of the rows (a take in order is cheaper; the rows are sorted by index below anyway)
        up = np.argsort(where, kind="stable")
        kept = placed.iloc[where[up]]
        kept["survey_date"] = pd.to_datetime(old["survey_date"]).astype("datetime64[ms]").to_numpy()[up]
        kept["shop_type"] = pd.array(old["shop_type"].to_numpy(dtype=object)[up], dtype="string")
        parts.append(kept[columns])
    latest = _in_index_order(*parts) if len(parts) > 1 else parts[0]
    if isinstance(units, gpd.GeoDataFrame):
        latest = gpd.GeoDataFrame(latest, geometry=units.geometry.name, crs=units.crs)
    at = pd.Index(placed.index).get_indexer(latest.index)
    kept_state = pd.DataFrame({"centre": pd.array(key[at], dtype="string"), "row": rank[at],
                               "survey_date": latest["survey_date"].to_numpy(),
                               "shop_type": latest["shop_type"].astype("string").to_numpy()})
    again = sorted(placed["centre_id"][~kept_rows].astype(str).unique())
    return latest, {"latest": kept_state, "latest_centres": state, "survey_days": days, "reused": len(reuse),
                    "again": again}


def _in_index_order(fresh: pd.DataFrame, kept: pd.DataFrame) -> pd.DataFrame:
    """``pd.concat([fresh, kept]).sort_index()``, for `kept` in index order: `fresh`'s rows spliced into it.

    A few centres worked out again among many kept: the kept rows are copied once, not copied and sorted.
    """
    index = kept.index.to_numpy()
    if fresh.empty or kept.empty or not kept.index.is_monotonic_increasing or not kept.index.is_unique:
        return pd.concat([fresh, kept]).sort_index()
    fresh = fresh.sort_index()
    cut = np.searchsorted(index, fresh.index.to_numpy())
    if np.isin(fresh.index.to_numpy(), index).any():
        return pd.concat([fresh, kept]).sort_index()
    bounds = np.flatnonzero(np.r_[True, cut[1:] != cut[:-1]])  # fresh rows that go in at the same place together
    pieces, at = [], 0
    for first, end in zip(bounds, np.r_[bounds[1:], len(cut)]):
        pieces += [kept.iloc[at:cut[first]], fresh.iloc[first:end]]
        at = cut[first]
    pieces.append(kept.iloc[at:])
    return pd.concat([p for p in pieces if len(p)])


def fingerprints(tables: Mapping[str, pd.DataFrame], count_sites: pd.DataFrame,
                 hashes: Mapping[str, np.ndarray] | None = None) -> pd.Series:
    """A hash per centre of everything its figures read (its rows of each layer, its sites' count files).

    Two builds whose fingerprint of a centre agree give that centre the same figures.
    `hashes`: :func:`row_hashes` of some layers, when computed already.
    """
    parts = []
    for name in TOWN_LAYERS:
        table = tables[name]
        if table.empty or "centre_id" not in table:
            continue
        # the layer's own columns: extra columns one file brings would change every row's hash
        rows = (hashes or {}).get(name)
        rows = row_hashes(table, name) if rows is None else rows
        frame = pd.DataFrame({"centre_id": table["centre_id"].astype("string").fillna(""), "h": rows})
        # sums wrap at 2**64; written as whole numbers each (a centre missing from a part must not turn them to floats)
        parts.append((frame.groupby("centre_id")["h"].sum() % np.uint64(2**63)).astype("string").rename(name))
    sites = tables["footfall_sites"]
    if len(count_sites) and len(sites):
        joined = count_sites.merge(pd.DataFrame({"site_id": sites["site_id"].astype("string"),
                                                 "centre_id": sites["centre_id"].astype("string")}), on="site_id")
        if len(joined):
            h = pd.util.hash_pandas_object(joined[["dataset", "site_id"]], index=False).to_numpy()
            parts.append((pd.DataFrame({"centre_id": joined["centre_id"].fillna(""), "h": h})
                          .groupby("centre_id")["h"].sum() % np.uint64(2**63)).astype("string").rename("counts"))
    if not parts:
        return pd.Series(dtype="string", name="fingerprint")
    table = pd.concat(parts, axis=1).astype("string")
    # every part in every build: the first footfall counts or assets of a workspace change only their centres
    table = table.reindex(columns=[*TOWN_LAYERS, "counts"]).fillna("-").sort_index()  # by centre ("": in none)
    return table.agg("|".join, axis=1).rename("fingerprint")


def per_centre(table_of, latest: pd.DataFrame, again: list[str], before: pd.DataFrame | None,
               key: str) -> pd.DataFrame:
    """``table_of(latest)`` (a table by ``centre`` and `key`), from `before` for centres not in `again`.

    Each centre's rows of such a table come from its own latest survey only.
    """
    centre = latest["centre_id"].astype("string")
    if before is None or len(again) == centre.nunique():
        return table_of(latest)
    fresh = table_of(latest[centre.isin(again).fillna(False).to_numpy()])
    same = set(centre.dropna().unique()) - set(again)  # centres that are gone are in neither
    kept = before[before["centre"].astype("string").isin(same).fillna(False).to_numpy()]
    if len(fresh):
        kept = pd.concat([kept.astype(fresh.dtypes.to_dict()), fresh], ignore_index=True)
    return kept.sort_values(["centre", key], kind="stable").reset_index(drop=True)


def clone_ness(brands: pd.DataFrame, centres: pd.Index, previous: Mapping[str, pd.DataFrame],
               ) -> tuple[pd.DataFrame, pd.Series]:
    """Brand clone-ness of every centre and the sums it comes from (:func:`agora.analysis.similarity.clone_sums`).

    With the ``brands`` and ``clone_sums`` of an earlier build, only centres whose brands
    changed are compared with every other (the same sums as computed afresh).
    """
    if previous.get("clone_sums") is not None and previous.get("brands") is not None:
        sums = similarity.update_clone_sums(previous["clone_sums"], previous["brands"], brands, centres)
    else:
        sums = similarity.clone_sums(brands, centres)
    return sums, similarity.clone_ness_from_sums(sums, centres)


def count_sites(ws: Workspace, manifest: dict, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sites each footfall-counts dataset holds: ``dataset``, ``site_id`` (known datasets not read again)."""
    import duckdb

    known = known if known is not None else pd.DataFrame({"dataset": [], "site_id": []}, dtype="string")
    parts = []
    for ds in ws.datasets("footfall_counts", manifest):
        seen = known[known["dataset"] == ds.dataset_id]
        if len(seen):
            parts.append(seen)
            continue
        path = str(ds.path).replace("'", "''")
        ids = duckdb.sql(f"SELECT DISTINCT CAST(site_id AS VARCHAR) AS site_id FROM read_parquet('{path}') "
                             "ORDER BY site_id").df()
        parts.append(pd.DataFrame({"dataset": ds.dataset_id, "site_id": ids["site_id"]}, dtype="string"))
    return pd.concat(parts, ignore_index=True) if parts else known.iloc[:0]


def build(ws: Workspace, manifest: dict | None = None, previous: Mapping[str, pd.DataFrame] | None = None,
          ready: Callable[[str, pd.DataFrame], None] | None = None,
          ) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Every derived table of the workspace as listed in `manifest`.

    Parameters
    ----------
    previous : dict, optional
        The ``indicators``, ``fingerprints``, ``count_sites``, ``names``, ``brands`` and
        ``clone_sums`` tables of an earlier build: only centres whose fingerprint changed
        have their figures computed again, only names not seen before are matched against
        the brand lists (all of them when the brand lists changed), and only centres whose
        brands changed are compared with every other for brand clone-ness.
    ready : callable, optional
        Told ``(name, table)`` as soon as a table is final (the town layers and ``names``),
        before the others are computed: the caller may write it meanwhile.

    Returns
    -------
    tables : dict
        ``centres``, ``units``, ``footfall_sites``, ``assets``, ``indicators``, ``brands``,
        ``mix``, ``clone_sums``, ``fingerprints``, ``count_sites``, ``names`` (:func:`agora.analysis.ownership.name_facts`
        with the brand lists' ``signature``), ``name_centres`` (:func:`agora.analysis.ownership.name_centre_counts`).
    timings : dict
        Seconds each step took.
    """
    manifest = manifest or ws.manifest()
    timings = lap = Laps()
    layers = {name: ws.read(name, manifest) for name in TOWN_LAYERS}
    lap("read")
    centres = layers["centres"]
    for name in ("units", "footfall_sites", "assets"):
        layers[name] = place(layers[name], centres)
    lap("place")
    previous = previous or {}
    tables: dict[str, pd.DataFrame] = {}
    brands = load_brands(*ws.brand_lists())
    signature = brands_signature(brands)
    known = previous.get("names")
    if known is None or "signature" not in known or not (known["signature"] == signature).all():
        known = None  # another brand list: every name is classified again
    facts, rows = name_facts_and_rows(layers["units"], brands, known[FACT_COLUMNS] if known is not None else None)
    tables["names"] = facts.assign(signature=signature)
    counts = name_centre_counts(layers["units"], facts, rows)
    tables["name_centres"] = counts.reset_index()
    if len(layers["units"]):
        layers["units"] = classify_ownership(layers["units"], brands, facts=facts, rows=rows, name_centres=counts)
    lap("ownership")
    # the units' row hashes before they are sorted, then sorted with them: points taken out of order are
    # scattered in memory, and reading their coordinates costs several times more
    order = centre_order(layers["units"])
    hashes = {"units": row_hashes(layers["units"], "units")} if len(layers["units"]) else {}
    if order is not None:
        hashes["units"] = hashes["units"][order]
    lap("hash")
    tables.update({name: by_centre(table, order if name == "units" else None) for name, table in layers.items()})
    lap("sort")
    if ready is not None:
        for name in (*TOWN_LAYERS, "names"):
            ready(name, tables[name])
    units = tables["units"]
    latest, state = latest_units(units, previous, with_extra_columns(units, hashes["units"]) if hashes else None)
    timings["latest_reused"] = float(state.pop("reused"))
    again = state.pop("again")
    tables.update(state)
    lap("latest")
    if len(latest):
        tables["brands"] = per_centre(similarity.brand_table, latest, again, previous.get("brands"), "brand_key")
        tables["mix"] = per_centre(similarity.category_long, latest, again, previous.get("mix"), "category")
    else:
        tables["brands"], tables["mix"] = similarity.brand_table(units), similarity.category_long(units)
    clone = None
    if len(latest):
        tables["clone_sums"], clone = clone_ness(tables["brands"], similarity.centre_index(latest), previous)
    else:
        tables["clone_sums"] = similarity.clone_sums(tables["brands"], similarity.centre_index(tables["brands"], "centre"))
    lap("brands")
    tables["count_sites"] = count_sites(ws, manifest, previous.get("count_sites"))
    prints = fingerprints(tables, tables["count_sites"], hashes)
    tables["fingerprints"] = prints.rename_axis("centre_id").reset_index()
    lap("fingerprints")
    counts = ws.files("footfall_counts", manifest)
    area = read_indicators(ws.path)
    options = {}
    if {"indicators", "fingerprints"} <= set(previous) and previous.get("area_rows") == len(area):
        old = previous["fingerprints"].set_index("centre_id")["fingerprint"]
        both = prints.index.union(old.index)
        # and the centres whose latest survey was worked out again (its survey rounds may have moved)
        changed = sorted({c for c in both if prints.get(c) != old.get(c)} | set(again))
        options = {"previous": previous["indicators"], "changed": changed}
    table = indicator_table({**tables, "footfall_counts": counts, "latest_units": latest, "clone_ness": clone},
                            area=area, **options)
    timings.update({f"indicators.{k}": round(v, 3) for k, v in table.attrs.pop("timings", {}).items()})
    tables["indicators"] = table
    lap("indicators")
    timings["area_rows"] = len(area)
    return tables, timings


def town_rows(tables: Mapping[str, pd.DataFrame], layer: str, centre_id: str) -> pd.DataFrame:
    """One centre's rows of an in-memory derived table."""
    table = tables[layer]
    return table[table["centre_id"] == centre_id].reset_index(drop=True)
