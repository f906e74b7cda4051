"""The derived tables after a change of a few centres, working out again only those centres.

A town team's re-survey adds a units dataset of one centre to a workspace of thousands; a
counter's export adds a week of footfall counts. :func:`update` brings the build before up
to date for such a change:

- :func:`add_units`: units datasets added (after the others) or removed. The centres
  their rows are in are worked out again from the added rows, the rows of those centres in
  the other datasets (read with a filter on ``centre_id``) and the stored tables' rows of
  those centres. The units table is spliced as Arrow: the other centres' rows are copied,
  never read into pandas. It applies when nothing else changed (centres, footfall,
  assets, brand lists, area tables); when the units in centres are all dated (and the
  survey rounds of the days seen before do not move) or none is; when no unit id of those
  centres is found in another centre; when no name found outside them crosses the
  ``name_recurrence`` threshold; when a removed dataset had no row in no centre; and when
  they are not a quarter of the centres or more.
- :func:`change_counts`: footfall-count datasets added or removed, nothing else changed.
  The centres of the sites those counts are of have their figures worked out again (each
  centre's footfall figures read its own counts); the other tables are linked.

Otherwise :func:`update` returns None, having written nothing, and the caller builds whole.
The tables are those a whole build (:func:`agora.service.derived.build`) makes of the same
datasets, which the tests check table by table (``names``, a look-up table of name facts,
may list its rows in another order and keep names no longer used; the units' GeoParquet
bounding box may be wider than its points, as the specification allows).
"""

from __future__ import annotations

import bisect
import io
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..analysis import similarity
from ..analysis.by_centre import latest_survey
from ..analysis.indicators import indicator_table
from ..analysis.ownership import (FACT_COLUMNS, RECURRING_IN, brands_signature, classify_ownership, fact_keys,
                                  fact_rows, load_brands, name_centre_counts, name_facts_and_rows)
from ..analysis.vacancy import survey_dates
from ..layers import CONFORMED, conform, get_layer
from ..store.indicators import read_indicators
from ..store.workspace import Workspace, as_parquet, read_dataset, write_dataset
from . import derived

#: What a build was made from, written beside its tables.
SOURCES = "sources.json"
#: Layers whose datasets must be those of the build before.
SAME_LAYERS = ("centres", "footfall_sites", "assets", "footfall_counts")
#: Tables a units update leaves as they were (linked from the build before).
UNCHANGED = ("centres", "footfall_sites", "assets", "count_sites")


def sources(ws: Workspace, manifest: dict, area_rows: int) -> dict:
    """What a build of `manifest` reads: each layer's dataset ids, the brand lists' signature, the area rows,
    and the centres each units dataset's rows are in (``units_centres``: a dataset removed later is no longer
    there to read)."""
    return {"layers": {name: [ds.dataset_id for ds in ws.datasets(name, manifest)]
                       for name in (*derived.TOWN_LAYERS, "footfall_counts")},
            "brands": brands_signature(load_brands(*ws.brand_lists())), "area_rows": int(area_rows),
            "units_centres": {ds.dataset_id: _dataset_centres(ds.path) for ds in ws.datasets("units", manifest)}}


def _dataset_centres(path: Path) -> dict:
    """The centres a saved units dataset's rows are in, and whether some are in none (read from its ids alone)."""
    try:
        ids = pq.read_table(path, columns=["centre_id"])["centre_id"]
    except (OSError, KeyError, pa.ArrowInvalid):
        return {"centres": [], "unplaced": True}
    return {"centres": sorted(pc.unique(ids).drop_null().cast(pa.string()).to_pylist()), "unplaced": ids.null_count > 0}


def write_sources(folder: Path, made_from: dict) -> None:
    """Write :func:`sources` beside a build's tables."""
    (folder / SOURCES).write_text(json.dumps(made_from))


def units_changed(before: dict, now: dict) -> tuple[list[str], list[str]] | None:
    """The units datasets `now` adds (after the others) and removes, when nothing else differs (else None)."""
    old, new = before.get("layers", {}), now["layers"]
    if any(old.get(name) != new[name] for name in SAME_LAYERS) or before.get("brands") != now["brands"] \
            or before.get("area_rows") != now["area_rows"]:
        return None
    was, units = old.get("units"), new["units"]
    if was is None or was == units:
        return None
    kept = [u for u in units if u in was]
    if units[:len(kept)] != kept:
        return None
    return units[len(kept):], [u for u in was if u not in units]


@dataclass
class Update:
    """What an update reads: the workspace and its manifest, the build before (`before`) and what it was made
    from, what the new build is made from (`now`), the area tables; the new build's folder (`out`)."""

    ws: Workspace
    manifest: dict
    before: Path
    out: Path
    made_from: dict
    now: dict
    area: pd.DataFrame


def update(ws: Workspace, manifest: dict, before: Path, out: Path) -> dict[str, float] | None:
    """Write to `out` the derived tables of `manifest` from the build before in `before`, when the change
    is units added or removed (:func:`add_units`) or footfall counts added or removed (:func:`change_counts`)
    alone.

    Returns the seconds each step took, or None (nothing written: build whole).
    """
    try:
        made_from = json.loads((before / SOURCES).read_text())
    except (OSError, ValueError):
        return None
    area = read_indicators(ws.path)
    now = sources(ws, manifest, len(area))
    job = Update(ws, manifest, before, out, made_from, now, area)
    counts = counts_changed(made_from, now)
    if counts is not None:
        return change_counts(job, *counts)
    units = units_changed(made_from, now)
    return add_units(job, *units) if units is not None else None



def counts_changed(before: dict, now: dict) -> tuple[list[str], list[str]] | None:
    """The footfall-count datasets `now` adds and removes, when nothing else differs (else None)."""
    old, new = before.get("layers", {}), now["layers"]
    if any(old.get(name) != new[name] for name in derived.TOWN_LAYERS) or before.get("brands") != now["brands"] \
            or before.get("area_rows") != now["area_rows"]:
        return None
    was, counts = old.get("footfall_counts"), new["footfall_counts"]
    if was is None or was == counts:
        return None
    return [c for c in counts if c not in was], [c for c in was if c not in counts]


def change_counts(job: Update, added: list[str], removed: list[str]) -> dict[str, float] | None:
    """Write the derived tables after footfall-count datasets were added or removed alone.

    Only the centres of the sites those counts are of are worked out again (their
    footfall figures, read from their own counts); every other table is linked from the
    build before. Returns the seconds each step took.
    """
    timings = lap = derived.Laps()
    ws, manifest, before, out, area = job.ws, job.manifest, job.before, job.out, job.area
    known = pd.read_parquet(before / "count_sites.parquet")
    count_sites = derived.count_sites(ws, manifest, known)
    sites_of = set(count_sites.loc[count_sites["dataset"].isin(added), "site_id"].astype(str)) | \
        set(known.loc[known["dataset"].isin(removed), "site_id"].astype(str))
    whole = {name: read_dataset(before / f"{name}.parquet", True) for name in ("centres", "footfall_sites", "assets")}
    sites = whole["footfall_sites"]
    touched = sorted(sites.loc[sites["site_id"].astype(str).isin(sites_of).to_numpy(), "centre_id"].dropna()
                     .astype(str).unique()) if len(sites) else []
    units = _centre_rows(before / "units.parquet", touched)
    state = pq.read_table(before / "latest.parquet")
    state = state.filter(pc.is_in(state["centre"], value_set=pa.array(touched, pa.string()))).to_pandas()
    first = pd.Series(units.index.to_numpy(), index=units["centre_id"].astype(str).to_numpy())
    first = first.groupby(level=0).min()
    at = first.reindex(state["centre"].astype(str)).to_numpy() + state["row"].to_numpy(dtype=np.int64)
    latest = units.loc[at].copy()
    latest["survey_date"] = pd.to_datetime(state["survey_date"]).astype("datetime64[ms]").to_numpy()
    latest["shop_type"] = pd.array(state["shop_type"].to_numpy(dtype=object), dtype="string")
    latest = latest.sort_index(kind="stable")
    lap("read")

    town = {name: table[table["centre_id"].astype("string").isin(touched).fillna(False).to_numpy()]
            for name, table in whole.items()}
    prints = derived.fingerprints({**town, "units": units}, count_sites).rename_axis("centre_id").reset_index()
    fingerprints = _replace(before / "fingerprints.parquet", prints, "centre_id", touched)
    if fingerprints is None:
        return None
    centre_list = pd.Index(sorted(pc.unique(pq.read_table(before / "latest.parquet", columns=["centre"])["centre"])
                                  .drop_null().to_pylist()), name="centre")
    clone = similarity.clone_ness_from_sums(pd.read_parquet(before / "clone_sums.parquet"), centre_list)
    indicators = _indicators(job, whole, units, latest, clone, touched, timings)
    lap("indicators")
    _write(fingerprints, out / "fingerprints.parquet")
    for name, frame in (("count_sites", count_sites), ("indicators", indicators)):
        write_dataset(frame, out / f"{name}.parquet")
    for path in before.glob("*.parquet"):
        if not (out / path.name).exists():
            _link(path, out / path.name)
    write_sources(out, job.now)
    lap("write")
    timings.update({"touched_centres": float(len(touched)), "area_rows": len(area)})
    return timings


def add_units(job: Update, added: list[str], removed: list[str]) -> dict[str, float] | None:
    """Write the derived tables after units datasets were added (after the others) or removed alone.

    Returns the seconds each step took, or None when the result could differ from a whole
    build: nothing is written then.
    """
    timings = lap = derived.Laps()
    ws, manifest, before, out, area, now = job.ws, job.manifest, job.before, job.out, job.area, job.now
    datasets = ws.datasets("units", manifest)
    if not (before / "name_centres.parquet").exists():
        return None
    gone = [job.made_from.get("units_centres", {}).get(ds) for ds in removed]
    if any(info is None or info["unplaced"] for info in gone):
        return None  # rows of a removed dataset in no centre: the rows in none are not known apart
    conformed = all(ds.meta.get("conformed") == CONFORMED for ds in datasets)  # as Workspace.read conforms them
    spec = get_layer("units")
    centres = ws.read("centres", manifest)
    if not datasets:
        return None
    # the added datasets' rows (none when datasets were only removed: the columns alone, from a file's schema)
    new_rows = _concat([read_dataset(ds.path, True) for ds in datasets if ds.dataset_id in added] or
                       [_from_arrow(pq.ParquetFile(datasets[0].path).schema_arrow.empty_table())])
    new_rows = derived.place(conform(new_rows, spec, conformed=conformed), centres)
    touched = sorted(set(new_rows["centre_id"].dropna().astype(str)) | {c for info in gone for c in info["centres"]})
    units_before = pq.read_table(before / "units.parquet")
    names_before = pq.read_table(before / "names.parquet")
    brands = load_brands(*ws.brand_lists())
    # twice at most: a name the change takes across the chain threshold of the recurrence rule changes the
    # ownership of its units in other centres too, which are then worked out again with these
    for _ in range(2):
        if not touched or len(touched) > max(1, len(centres) // 4):
            return None  # rows in no centre alone, or much of the workspace: built whole
        # these centres' rows of the datasets before, and rows in no centre (placing may put them in one)
        old_rows = _concat([_rows_of(ds.path, touched) for ds in datasets if ds.dataset_id not in added])
        old_rows = derived.place(conform(old_rows, spec, conformed=conformed), centres)
        old_rows = old_rows[old_rows["centre_id"].isin(touched).fillna(False).to_numpy()]
        if set(units_before.column_names) != set(old_rows.columns) | set(new_rows.columns):
            return None  # a column the datasets before did not have: the whole table changes shape
        rows = pd.concat([old_rows, new_rows], ignore_index=True)[units_before.column_names]
        rows = gpd.GeoDataFrame(rows, geometry="geometry", crs=centres.crs)
        mine_before = units_before.filter(pc.is_in(units_before["centre_id"], value_set=pa.array(touched, pa.string())))
        mine_before = mine_before.select([c for c in ("centre_id", "name", "unit_id") if c in units_before.column_names])
        mine_before = mine_before.to_pandas()
        if _shares_unit_ids(units_before, touched, pd.concat([rows, mine_before])) or \
                _mixed_dates(units_before, rows):
            return None
        # ownership: the names not seen before matched, the centres each name is in counted anew
        seen = names_before.filter(pc.is_in(names_before["name"], value_set=pa.array(
            fact_keys(rows)["name"].unique().astype(str)))).to_pandas()
        facts, fact_row = name_facts_and_rows(rows, brands, seen[FACT_COLUMNS])
        fact_row = fact_rows(rows, facts) if fact_row is None else fact_row
        counts, crossed = _name_centres(pq.read_table(before / "name_centres.parquet"), rows, mine_before,
                                        names_before, facts, fact_row)
        if not crossed:
            break
        touched = sorted(set(touched) | _centres_with(units_before, names_before, crossed))
    else:
        return None
    lap("read")
    in_centre = rows["centre_id"].notna().to_numpy()
    rows = classify_ownership(rows, brands, facts=facts, rows=fact_row, name_centres=counts[1])
    lap("ownership")

    # the new units table: the rows before, these centres' blocks replaced by their rows now, new rows in no centre
    # last (written while the rest is worked out)
    placed = derived.by_centre(rows[in_centre])
    spliced = _splice(units_before, _as_arrow(placed, units_before.schema), "centre_id", touched)
    if spliced is None:
        return None
    units, firsts = spliced
    if (~in_centre).any():
        units = pa.concat_tables([units, _as_arrow(rows[~in_centre], units_before.schema)])
    units = units.replace_schema_metadata(_geo_metadata(units_before.schema.metadata, _as_arrow(rows, None)))
    sizes = placed["centre_id"].astype(str).value_counts().reindex(touched, fill_value=0).to_numpy()
    # their rows in the whole table, as a whole build numbers them
    placed.index = pd.Index(np.concatenate([np.arange(f, f + n) for f, n in zip(firsts, sizes)]))
    # the units written while the rest is worked out; waited for however the update ends (a table half
    # written into the folder a whole build then uses would be left behind)
    pool = ThreadPoolExecutor(1, thread_name_prefix="agora-delta")
    try:
        writes = [pool.submit(_write, units, out / "units.parquet")]
        lap("units")

        own = derived.row_hashes(placed, "units")
        key = placed["centre_id"].astype(str).to_numpy(dtype=object)
        state = derived.latest_state(placed, key, derived.with_extra_columns(placed, own))
        days_before = pd.read_parquet(before / "survey_days.parquet")
        rounds, days = _rounds(days_before, _days_elsewhere(units_before, touched), placed)
        if rounds is None:
            return None
        latest = latest_survey(placed, survey_date=rounds, columns=[*placed.columns, *derived.LATEST_EXTRA])
        latest = latest.sort_index(kind="stable")
        first = pd.Series(firsts, index=touched)
        cid = latest["centre_id"].astype(str)
        kept_state = pd.DataFrame({"centre": pd.array(cid, dtype="string"),
                                   "row": latest.index.to_numpy() - first.reindex(cid).to_numpy(),
                                   "survey_date": latest["survey_date"].to_numpy(),
                                   "shop_type": latest["shop_type"].astype("string").to_numpy()})
        arrow: dict[str, pa.Table] = {}
        for name, fresh in (("latest", kept_state), ("latest_centres", state)):
            arrow[name] = _replace(before / f"{name}.parquet", fresh, "centre", touched)
        lap("latest")
        for name, table_of, by in (("brands", similarity.brand_table, "brand_key"),
                                   ("mix", similarity.category_long, "category")):
            fresh = table_of(latest).sort_values(["centre", by], kind="stable")
            arrow[name] = _replace(before / f"{name}.parquet", fresh, "centre", touched)
        if any(table is None for table in arrow.values()):
            return None
        centre_list = pd.Index(sorted(pc.unique(arrow["latest"]["centre"]).drop_null().to_pylist()), name="centre")
        brands_table = arrow["brands"].to_pandas()
        sums = similarity.update_clone_sums(pd.read_parquet(before / "clone_sums.parquet"),
                                            _only(pq.read_table(before / "brands.parquet"), "centre", touched),
                                            brands_table, centre_list, changed=touched)
        clone = similarity.clone_ness_from_sums(sums, centre_list)
        lap("brands")
        whole = {name: read_dataset(before / f"{name}.parquet", True) for name in ("centres", "footfall_sites", "assets")}
        # the touched centres' fingerprints, and that of the rows in no centre ("") when rows in no centre were added
        keys, units_of, own_of = touched, placed, own
        if (~in_centre).any():
            nowhere = pd.concat([_from_arrow(units_before.slice(len(units_before) - units_before["centre_id"].null_count)),
                                 rows[~in_centre]])
            keys, units_of = ["", *touched], pd.concat([placed, nowhere])
            own_of = np.concatenate([own, derived.row_hashes(nowhere, "units")])
        town = {name: table[table["centre_id"].astype("string").fillna("").isin(keys).to_numpy()]
                for name, table in whole.items()}
        prints = derived.fingerprints({**town, "units": units_of}, pd.read_parquet(before / "count_sites.parquet"),
                                      {"units": own_of}).rename_axis("centre_id").reset_index()
        arrow["fingerprints"] = _replace(before / "fingerprints.parquet", prints, "centre_id", keys)
        if arrow["fingerprints"] is None:
            return None
        lap("fingerprints")
        indicators = _indicators(job, whole, placed, latest, clone, touched, timings)
        lap("indicators")

        fresh_facts = facts.merge(seen[["name", "brand", "category"]].drop_duplicates().assign(_seen=True), how="left",
                                  on=["name", "brand", "category"])
        fresh_facts = facts[fresh_facts["_seen"].isna().to_numpy()].assign(signature=now["brands"])
        arrow["names"] = pa.concat_tables([names_before, _as_arrow(fresh_facts, names_before.schema)])
        arrow["name_centres"] = counts[0]
        for name, table in arrow.items():
            writes.append(pool.submit(_write, table, out / f"{name}.parquet"))
        for name, frame in (("clone_sums", sums), ("survey_days", days), ("indicators", indicators)):
            write_dataset(frame, out / f"{name}.parquet")
        for name in UNCHANGED:
            _link(before / f"{name}.parquet", out / f"{name}.parquet")
        write_sources(out, now)
        for done in writes:
            done.result()
        lap("write")
    finally:
        pool.shutdown(wait=True)
    timings.update({"touched_centres": float(len(touched)), "area_rows": len(area)})
    return timings


def _indicators(job: Update, whole: dict[str, pd.DataFrame], units: pd.DataFrame, latest: pd.DataFrame,
                clone: pd.Series, touched: list[str], timings: dict[str, float]) -> pd.DataFrame:
    """The indicator table of the build before with the touched centres' figures worked out again (from their
    units and latest survey; `whole`: the centres, footfall sites and assets; `clone`: every centre's
    clone-ness); the seconds of each group added to `timings`."""
    table = indicator_table({**whole, "units": units, "footfall_counts": job.ws.files("footfall_counts", job.manifest),
                             "latest_units": latest, "clone_ness": clone},
                            area=job.area, previous=pd.read_parquet(job.before / "indicators.parquet"), changed=touched)
    timings.update({f"indicators.{k}": round(v, 3) for k, v in table.attrs.pop("timings", {}).items()})
    return table


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


def _shares_unit_ids(units_before: pa.Table, touched: list[str], rows: pd.DataFrame) -> bool:
    """A unit id of these centres' rows (before or now) is found in another centre too."""
    if "unit_id" not in rows or rows["unit_id"].isna().all():
        return False
    ids = pa.array(rows["unit_id"].dropna().astype(str).unique())
    elsewhere = pc.and_(pc.is_in(units_before.column("unit_id"), value_set=ids),
                        pc.invert(pc.is_in(units_before.column("centre_id"), value_set=pa.array(touched, pa.string()))))
    return bool(pc.any(pc.fill_null(elsewhere, False)).as_py())


def _mixed_dates(units_before: pa.Table, rows: pd.DataFrame) -> bool:
    """Some units in a centre have an observation date and some not: the share of them decides whether the
    dates are survey rounds (:func:`agora.analysis.vacancy.survey_dates`), a figure of the whole workspace."""
    day = pd.to_datetime(rows.loc[rows["centre_id"].notna().to_numpy(), "observed_on"], errors="coerce")
    placed = len(units_before) - units_before["centre_id"].null_count  # rows in no centre come last
    missing = units_before["observed_on"].slice(0, placed).null_count
    every_dated = missing == 0 and not day.isna().any()
    none_dated = missing == placed and day.isna().all()
    return not (every_dated or none_dated)


def _name_centres(before: pa.Table, rows: pd.DataFrame, mine_before: pd.DataFrame, names: pa.Table,
                  facts: pd.DataFrame, fact_row: np.ndarray) -> tuple[tuple[pa.Table, pd.Series], list[str]]:
    """The centres each name key is in, now: the count before, these centres' rows before out, their rows now in.

    `mine_before`: the touched centres' units of the build before (``centre_id``, ``name``), whose
    name keys are looked up in its name facts `names` (a name's key and whether it is a type word
    follow from the name alone). Returns the whole table (as the build writes it) and the counts
    of the keys of `rows`, and the keys that cross the recurrence threshold while found in other
    centres too (whose units then change).
    """
    old = _centres_per_key(mine_before, names)
    now = name_centre_counts(rows, facts, fact_row)
    keys = old.index.union(now.index)
    mine = before.filter(pc.is_in(before["name_key"], value_set=pa.array(keys.astype(str))))
    was = pd.Series(mine["centres"].to_numpy(), index=pd.Index(mine["name_key"].to_pylist(), dtype="string"))
    was = was.reindex(keys, fill_value=0)
    elsewhere = was - old.reindex(keys, fill_value=0)
    counts = elsewhere + now.reindex(keys, fill_value=0)
    crossed = keys[(((was >= RECURRING_IN) != (counts >= RECURRING_IN)) & (elsewhere > 0)).to_numpy()]
    counts = counts[counts > 0].astype("int64").rename("centres")
    counts = counts.set_axis(counts.index.astype("string").rename("name_key"))
    rest = before.filter(pc.invert(pc.is_in(before["name_key"], value_set=pa.array(keys.astype(str)))))
    table = pa.concat_tables([rest, _as_arrow(counts.reset_index(), before.schema)]).sort_by("name_key")
    return (table, counts), list(crossed)


def _centres_with(units_before: pa.Table, names: pa.Table, keys: list[str]) -> set[str]:
    """The centres of the build before with a unit whose name has one of these name keys."""
    named = names.filter(pc.is_in(names["name_key"], value_set=pa.array(keys, pa.string())))["name"]
    hit = pc.fill_null(pc.is_in(units_before["name"], value_set=pc.unique(named)), False)
    return set(pc.unique(units_before["centre_id"].filter(hit)).drop_null().to_pylist())


def _centres_per_key(units: pd.DataFrame, names: pa.Table) -> pd.Series:
    """:func:`agora.analysis.ownership.name_centre_counts` of `units` (``centre_id``, ``name``), their name keys
    looked up by name in name facts made before."""
    name = fact_keys(units)["name"].to_numpy(dtype=object)
    known = names.filter(pc.is_in(names["name"], value_set=pa.array(pd.unique(name).astype(str), pa.string())))
    known = known.select(["name", "name_key", "generic"]).to_pandas().drop_duplicates("name").set_index("name")
    pairs = pd.DataFrame({"name_key": known["name_key"].reindex(name).to_numpy(),
                          "generic": known["generic"].reindex(name).to_numpy(),
                          "centre_id": units["centre_id"].astype("string").to_numpy()})
    pairs = pairs[pairs["name_key"].notna() & pairs["centre_id"].notna() & (pairs["generic"] == False)]  # noqa: E712
    counts = pairs.drop_duplicates(["name_key", "centre_id"])["name_key"].astype("string").value_counts()
    return counts.rename("centres").rename_axis("name_key").astype("int64")


def _rows_of(path: Path, touched: list[str]) -> gpd.GeoDataFrame:
    """The rows of one dataset in the touched centres or in none (read whole as Arrow, filtered, then converted)."""
    table = pq.read_table(path)
    ids = table["centre_id"]
    table = table.filter(pc.or_(pc.is_in(ids, value_set=pa.array(touched, pa.string())), pc.is_null(ids)))
    return _from_arrow(table)


def _centre_rows(path: Path, touched: list[str]) -> gpd.GeoDataFrame:
    """The touched centres' rows of a derived table sorted by centre, indexed by their row in the whole table.

    Only the row groups whose ``centre_id`` statistics may hold one of them are read.
    """
    file = pq.ParquetFile(path)
    meta = file.metadata
    column = next(j for j in range(meta.num_columns) if meta.row_group(0).column(j).path_in_schema == "centre_id") \
        if meta.num_row_groups else None
    groups, rows, at = [], [], 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        stats = group.column(column).statistics
        if stats is None or not stats.has_min_max or any(stats.min <= c <= stats.max for c in touched):
            groups.append(i)
            rows.append(np.arange(at, at + group.num_rows))
        at += group.num_rows
    table = file.read_row_groups(groups) if groups else file.schema_arrow.empty_table()
    keep = pc.fill_null(pc.is_in(table["centre_id"], value_set=pa.array(touched, pa.string())), False)
    frame = _from_arrow(table.filter(keep))
    frame.index = pd.Index(np.concatenate(rows)[keep.to_numpy(zero_copy_only=False)] if rows else [], dtype="int64")
    return frame


def _from_arrow(table: pa.Table) -> gpd.GeoDataFrame:
    """A (Geo)Parquet table as :func:`agora.store.workspace.read_dataset` reads it."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return read_dataset(io.BytesIO(buffer.getvalue()), b"geo" in (table.schema.metadata or {}))


def _as_arrow(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    """`frame` as :func:`agora.store.workspace.write_dataset` writes it (cast to `schema` when given)."""
    buffer = io.BytesIO()
    as_parquet(frame.reset_index(drop=True), buffer)
    table = pq.read_table(io.BytesIO(buffer.getvalue()))
    if schema is None:
        return table
    return table.select(schema.names).cast(schema)


class _Sorted:
    """A sorted Arrow text column (missing values last) searched by bisection, its values read as looked at."""

    def __init__(self, ids: pa.ChunkedArray) -> None:
        ids = ids.combine_chunks()
        self.values = ids.slice(0, len(ids) - ids.null_count)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> str:
        return self.values[i].as_py()

    def is_sorted(self) -> bool:
        n = len(self.values)
        return n < 2 or pc.all(pc.greater_equal(self.values.slice(1), self.values.slice(0, n - 1))).as_py()

    def block(self, value: str) -> tuple[int, int]:
        """The first row of `value` and the row after its last."""
        return bisect.bisect_left(self, value), bisect.bisect_right(self, value)


def _splice(before: pa.Table, fresh: pa.Table, by: str, touched: list[str]) -> tuple[pa.Table, list[int]] | None:
    """`before` (sorted by `by`, missing last) with its rows of the touched centres replaced by `fresh`'s.

    `fresh` is sorted as `before` is. Returns the table and each touched centre's first row
    in it; None when `before` is not sorted.
    """
    ids = _Sorted(before[by])
    if not ids.is_sorted():
        return None
    fresh_ids = fresh[by].to_numpy(zero_copy_only=False)
    pieces, firsts, at, rows = [], [], 0, 0
    for centre in touched:
        first, end = ids.block(centre)
        pieces.append(before.slice(at, first - at))
        rows += first - at
        firsts.append(rows)
        where = np.flatnonzero(fresh_ids == centre)
        if len(where):
            pieces.append(fresh.slice(int(where[0]), len(where)))
            rows += len(where)
        at = end
    pieces.append(before.slice(at))
    return pa.concat_tables(pieces), firsts


def _replace(path: Path, fresh: pd.DataFrame, by: str, touched: list[str]) -> pa.Table | None:
    """A table of the build before (sorted by `by`) with its rows of the touched centres replaced by `fresh`."""
    before = pq.read_table(path)
    spliced = _splice(before, _as_arrow(fresh, before.schema), by, touched)
    return spliced[0] if spliced is not None else None


def _only(table: pa.Table, by: str, touched: list[str]) -> pd.DataFrame:
    """The touched centres' rows of a table (its `by` column), as pandas."""
    return table.filter(pc.is_in(table[by], value_set=pa.array(touched, pa.string()))).to_pandas()


def _geo_metadata(metadata: Mapping[bytes, bytes], fresh: pa.Table) -> dict:
    """The GeoParquet metadata of the table before, its bounding box and geometry types widened to `fresh`'s."""
    geo = json.loads(metadata[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    if len(fresh):
        other = json.loads(fresh.schema.metadata[b"geo"])["columns"][geo["primary_column"]]
        if other.get("bbox") and column.get("bbox"):
            a, b = column["bbox"], other["bbox"]
            column["bbox"] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
        column["geometry_types"] = sorted(set(column.get("geometry_types", [])) | set(other.get("geometry_types", [])))
    return {**metadata, b"geo": json.dumps(geo).encode()}


def _link(source: Path, target: Path) -> None:
    """`target` the same file as `source` (a hard link; a copy where the disk has none)."""
    try:
        target.hardlink_to(source)
    except OSError:
        shutil.copyfile(source, target)


def _write(table: pa.Table, path: Path) -> None:
    """Write a derived table as :func:`agora.store.workspace.write_dataset` does (row groups, flushed to disk)."""
    pq.write_table(table, path, row_group_size=derived.ROW_GROUP if "centre_id" in table.column_names else None)
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _days_elsewhere(units_before: pa.Table, touched: list[str]) -> pd.Series:
    """The observation days of the units of the build before in a centre other than the touched ones."""
    ids = units_before["centre_id"]
    elsewhere = pc.and_(pc.is_valid(ids), pc.invert(pc.is_in(ids, value_set=pa.array(touched, pa.string()))))
    days = pc.unique(pc.floor_temporal(units_before["observed_on"].filter(elsewhere), unit="day"))
    return pd.Series(days.to_pandas()).astype("datetime64[ms]")


def _rounds(days_before: pd.DataFrame, elsewhere: pd.Series, placed: pd.DataFrame,
            ) -> tuple[pd.Series | None, pd.DataFrame]:
    """The survey round of each of `placed`'s rows, and every day's round (the days of `placed` and `elsewhere`);
    None when a day seen before moves to another round."""
    day = pd.to_datetime(placed["observed_on"], errors="coerce").dt.normalize().astype("datetime64[ms]")
    every = pd.Series(pd.concat([elsewhere, day], ignore_index=True).dropna().unique())
    every = every.sort_values(ignore_index=True).astype("datetime64[ms]")
    rounds = survey_dates(pd.DataFrame({"observed_on": every}))
    days = pd.DataFrame({"day": every.to_numpy(), "survey_date": rounds.to_numpy()})
    both = days_before.merge(days, on="day", suffixes=("_old", ""))
    if not (pd.to_datetime(both["survey_date_old"]).astype("datetime64[ms]") == both["survey_date"]).all():
        return None, days
    of_day = pd.Series(days["survey_date"].to_numpy(), index=days["day"].to_numpy())
    return pd.Series(of_day.reindex(day.to_numpy()).to_numpy(), index=placed.index).astype("datetime64[ms]"), days
