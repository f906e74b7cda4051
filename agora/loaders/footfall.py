"""Footfall counter exports in the shapes councils and counting firms publish.

Four shapes load as the canonical ``footfall_counts`` layer (long form, one count per
site, time and direction):

* **long**, hourly or daily: one row per site and hour (``date, hour, location_code,
  in_count``: Leeds) or per site and day (``date, location_code, daily_in_count``);
* **wide**: ``Date, Hour`` then one column per sensor, headed by the sensor's name
  (City of Melbourne); the columns are melted to long form and the header becomes
  the ``site_id``;
* **in/out**: separate in and out columns (the Springboard-style feed: ``Date``
  dd/mm/yyyy, ``Hour``, ``LocationName``, ``InCount``, ``OutCount``, BRC week and
  year), turned into one row per direction.

Rules, whatever the shape:

* dates are ISO (yyyy-mm-dd) or day first (dd/mm/yyyy), as UK exports write them;
* a count that is empty, negative (``-1`` is the usual "no data" code) or not a number
  (``undefined``) is missing: the row is kept with no count, never a zero;
* the same site, time, interval and direction twice is a duplicate: identical rows
  are dropped, and of rows that differ the last in the file is kept (a revised file
  appended after a monthly one); either way the dropped rows are listed as rejected
  and counted in ``LoadReport.duplicate_rows``;
* rows with no site id take the site's name when the file has one (a sensor missing
  from the lookup the file was joined with still loads).

Site locations come from a separate file (:func:`join_sites`), matched to the counts
by site id or, failing that, by name.
"""

from __future__ import annotations

import re
from functools import partial

import numpy as np
import pandas as pd

from .columns import COORD_ALIASES, match_columns, normalise
from .report import LoadReport, LoadResult

#: Normalised names of an "in" column and an "out" column (in/out feeds).
IN_NAMES = {"incount", "incounts", "countin", "in", "ins", "entries", "entry", "enter", "entering",
            "hourlyincount", "dailyincount", "footfallin", "peoplein"}
OUT_NAMES = {"outcount", "outcounts", "countout", "out", "outs", "exits", "exit", "leave", "exiting",
             "hourlyoutcount", "dailyoutcount", "footfallout", "peopleout"}

#: Normalised names that are never a sensor column of a wide table.
CALENDAR_NAMES = {"day", "weekday", "dayofweek", "dow", "dayname", "month", "monthname", "year", "week",
                  "weekno", "weeknumber", "brcweek", "brcyear", "brcmonth", "brcweekno", "mdate",
                  "time", "date", "hour", "period", "interval", "quarter", "holiday", "bankholiday", "id"}

#: Column names taken for coordinates, never for sensors, in a wide table.
COORD_NAMES = {"lat", "latitude", "lon", "lng", "long", "longitude", "easting", "northing", "x", "y", "wkt",
               "geometry"}

#: Text that means "no reading" in a count cell.
MISSING_WORDS = {"", "undefined", "na", "n/a", "nan", "null", "none", "-", "--", "no data", "nodata", "x"}

#: Columns that name a site (normalised), used when a row has no site id.
SITE_NAME_COLUMNS = ("name", "sitename", "locationname", "sensordescription", "sitedescription",
                     "sensorname", "location", "description", "camera", "cameraname")


# --------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------
def reshape(table: pd.DataFrame, report: LoadReport, column_map: dict[str, str] | None = None) -> pd.DataFrame:
    """Turn a wide or an in/out table into the long form the loader maps.

    Parameters
    ----------
    table : DataFrame
        The table as read, with its ``_row`` column.
    report : LoadReport
        Gets a note saying which shape was found.
    column_map : dict, optional
        The person's own column map; a column they map is never reshaped away.

    Returns
    -------
    DataFrame
        Long form: ``site_id`` and ``count`` columns (and ``direction`` for in/out
        feeds) replace the sensor or in/out columns; ``_row`` is the file row each
        count came from. A long table is returned unchanged.
    """
    columns = [c for c in table.columns if c != "_row"]
    user = {k for k, v in (column_map or {}).items() if v and v != "ignore"}
    inout = _in_out_columns(columns, user)
    if inout:
        return _melt_in_out(table, *inout, report)
    mapping = match_columns(columns, "footfall_counts", column_map)
    if "count" in mapping or "site_id" in mapping or "timestamp" not in mapping:
        return table
    # coordinate aliases are loose ("North", "East" are sensor names too): only plain names count
    taken = {col for target, col in mapping.items()
             if target not in COORD_ALIASES or normalise(col) in COORD_NAMES}
    candidates = [c for c in columns if c not in taken and c not in user]
    sensors = report.decide("sensor_columns", lambda: _sensor_columns(table, candidates))
    if len(sensors) < 2:
        return table
    return _melt_wide(table, sensors, report)


def _in_out_columns(columns: list[str], user: set[str]) -> tuple[str, str] | None:
    ins = [c for c in columns if normalise(c) in IN_NAMES and c not in user]
    outs = [c for c in columns if normalise(c) in OUT_NAMES and c not in user]
    if len(ins) == 1 and len(outs) == 1:
        return ins[0], outs[0]
    return None


def _melt_in_out(table: pd.DataFrame, col_in: str, col_out: str, report: LoadReport) -> pd.DataFrame:
    base = table.drop(columns=[col_in, col_out])
    for clash in ("count", "direction"):
        if clash in base:
            base = base.rename(columns={clash: f"{clash}_input"})
    parts = []
    for col, direction in ((col_in, "in"), (col_out, "out")):
        part = base.copy()
        part["count"] = table[col].to_numpy()
        part["direction"] = direction
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).sort_values("_row", kind="stable").reset_index(drop=True)
    report.notes.append(f"in and out counts ({col_in!r}, {col_out!r}) loaded as one row per direction")
    return out


def _looks_numeric(values: pd.Series) -> bool:
    text = values.dropna().astype("string").str.strip()
    text = text[~text.str.lower().isin(MISSING_WORDS)]
    if text.empty:
        return True  # a sensor with no reading at all (Melbourne's "undefined" column)
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    return bool(numbers.notna().mean() >= 0.9)


def _sensor_columns(table: pd.DataFrame, candidates: list[str]) -> list[str]:
    candidates = [c for c in candidates if normalise(c) not in CALENDAR_NAMES and not normalise(c).startswith("brc")]
    sample = table.head(2000)
    return [c for c in candidates if _looks_numeric(sample[c])]


def _melt_wide(table: pd.DataFrame, sensors: list[str], report: LoadReport) -> pd.DataFrame:
    keep = [c for c in table.columns if c not in sensors]
    rename = {c: f"{c}_input" for c in keep if c in ("site_id", "count")}
    base = table[keep].rename(columns=rename)
    n = len(table)
    values = table[sensors].astype("string").to_numpy().reshape(-1)  # row by row, sensor by sensor
    out = base.loc[base.index.repeat(len(sensors))].reset_index(drop=True)
    out["site_id"] = pd.array(np.tile(np.asarray(sensors, dtype=object), n), dtype="string")
    out["count"] = pd.array(values, dtype="string")
    report.tally("wide_rows", {"rows": len(out)}, partial(_wide_note, len(sensors)))
    return out


def _wide_note(sensors: int, n: dict[str, int]) -> list[str]:
    return [f"wide table: {sensors} sensor columns turned into {n['rows']:,} rows (one per sensor and row); "
            "the column headers are the site ids"]


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------
def parse_timestamps(values: pd.Series) -> pd.Series:
    """Parse dates or date-times written ISO or day first, each distinct text once.

    Counter exports repeat each date 24 times per site, so parsing the distinct values
    and spreading them back is much faster than parsing every row.
    """
    from .normalise import dates

    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string").str.strip()
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = dates(pd.Series(uniques, dtype="string")).to_numpy(dtype="datetime64[ns]")
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = codes >= 0
    out[ok] = parsed[codes[ok]]
    return pd.Series(out, index=values.index)


#: Earliest year a footfall count may carry (electronic counters date from the 1990s).
FIRST_YEAR = 1980


def implausible_dates(table: pd.DataFrame, written: pd.Series, report: LoadReport) -> pd.DataFrame:
    """Reject rows dated before :data:`FIRST_YEAR` or after next year (0001, 9999...), with row and reason.

    The year is taken as written (four digits) as well as parsed, so a year the date
    parser cannot hold (0001, 9999) is caught rather than wrapped round to another century.
    """
    last = pd.Timestamp.now().year + 1
    if pd.api.types.is_datetime64_any_dtype(written):
        year = written.dt.year
    else:  # each distinct text once (a date is written on every row of its day)
        codes, uniques = pd.factorize(written.astype("string"), use_na_sentinel=True)
        found = pd.to_numeric(pd.Series(uniques, dtype="string").str.extract(r"(?<!\d)(\d{4})(?!\d)", expand=False),
                              errors="coerce").to_numpy(dtype=float)
        year = pd.Series(np.where(codes >= 0, found[np.maximum(codes, 0)] if len(found) else np.nan, np.nan),
                         index=written.index)
    year = year.where(year.notna(), table["timestamp"].dt.year)
    bad = year.notna() & ~year.between(FIRST_YEAR, last)
    if bad.any():
        for row, text in zip(table.loc[bad, "_row"], written[bad].astype("string")):
            report.reject([row], f"date {text} is outside {FIRST_YEAR}-{last}")
        table = table.loc[~bad].copy()
    return table


def fill_site_ids(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Give rows without a site id their site's name, when the file has a name column."""
    by_norm = {normalise(c): c for c in table.columns if c not in ("site_id", "_row")}
    name_col = next((by_norm[n] for n in SITE_NAME_COLUMNS if n in by_norm), None)
    if name_col is None:
        return table
    names = table[name_col].astype("string").str.strip()
    if "site_id" not in table:
        table["site_id"] = names
        report.notes.append(f"no site id column: the site name in {name_col!r} is used as the site id")
        return table
    ids = table["site_id"].astype("string").str.strip()
    blank = (ids.isna() | (ids == "")) & names.notna() & (names != "")
    if blank.any():
        table["site_id"] = ids.where(~blank, names)
        report.tally("site_ids_from_names", {str(k): int(v) for k, v in names[blank].value_counts(sort=False).items()},
                     partial(_named_note, name_col))
    return table


def _named_note(name_col: str, counts: dict[str, int]) -> list[str]:
    which = ", ".join(sorted(counts)[:5])
    return [f"{sum(counts.values()):,} rows have no site id: their {name_col!r} is used instead ({which})"]


def resolve_duplicates(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Drop repeated readings of one site, time, interval and direction.

    Identical repeats are dropped; when the repeats differ, the last row in the file is
    kept. Dropped rows are listed as rejected (naming the row kept) and counted in
    ``report.duplicate_rows``.
    """
    key = duplicate_key(table)
    dup = table.duplicated(key, keep=False)
    if not dup.any():
        return table
    group = table.loc[dup, key + ["_row", "count"]]
    # file order: by row, and copies made from one row (in/out, wide) in the order made
    group = group.assign(_pos=np.arange(len(group))).sort_values(["_row", "_pos"], kind="stable")
    by = group.groupby(key, dropna=False, sort=False)
    gid = by.ngroup().to_numpy()
    last = (by.cumcount(ascending=False) == 0).to_numpy()
    kept_row = pd.Series(group["_row"].to_numpy()[last], index=gid[last]).reindex(gid).to_numpy()
    value = group["count"].astype("Float64")
    kept_value = pd.Series(value.to_numpy()[last], index=gid[last], dtype="Float64").reindex(gid)
    kept_value.index = value.index
    same = ((value == kept_value).fillna(False) | (value.isna() & kept_value.isna())).to_numpy(dtype=bool)
    dropped = ~last
    # one entry per file row (a wide or in/out row holds several readings)
    per_row = pd.DataFrame({"row": group["_row"].to_numpy()[dropped], "kept": kept_row[dropped],
                            "same": same[dropped]}).groupby("row", sort=True).agg(kept=("kept", "first"),
                                                                                 same=("same", "all"))
    for row, keep, is_same in per_row.itertuples():
        reason = (f"duplicate of row {int(keep)} (same count): dropped" if is_same
                  else f"superseded by row {int(keep)} (a later row with another count)")
        report.rejected.append({"row": int(row), "reason": reason})
    n_rows, n_read = len(per_row), int(dropped.sum())
    report.duplicate_rows += n_rows
    report.tally("duplicates", {"rows": n_rows, "readings": n_read, "differ": int((~per_row["same"]).sum())},
                 _duplicates_note)
    return table.drop(index=group.index[dropped])


def _duplicates_note(n: dict[str, int]) -> list[str]:
    text = f"{n['rows']:,} duplicate rows (the same site, time and direction again) dropped"
    if n["readings"] != n["rows"]:
        text += f" ({n['readings']:,} readings)"
    if n["differ"]:
        text += f"; {n['differ']:,} of them had another count: the last row in the file was kept"
    return [text]


def duplicate_key(table: pd.DataFrame) -> list[str]:
    """The columns that make two readings the same reading (site, time, interval, direction)."""
    return [c for c in ("site_id", "timestamp", "interval", "direction") if c in table]


def key_hashes(table: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's reading key (:func:`duplicate_key`): equal keys, equal hashes."""
    return pd.util.hash_pandas_object(table[duplicate_key(table)], index=False).to_numpy()


def repeats(hashes: list[np.ndarray]) -> bool:
    """Whether any hash occurs twice over the arrays (chunks whose own repeats are already resolved)."""
    if len(hashes) < 2:
        return False
    every = np.sort(np.concatenate(hashes))
    return bool((every[1:] == every[:-1]).any())


def prepare_counts(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Everything the counts loader does after column mapping, in order.

    Fast date parsing, site ids from names where missing, the shared value rules of
    :func:`agora.loaders.normalise.footfall_counts`, then duplicates.
    """
    from .normalise import footfall_counts

    if "timestamp" in table:
        written = table["timestamp"]
        table["timestamp"] = parse_timestamps(written)
        table = implausible_dates(table, written, report)
    table = fill_site_ids(table, report)
    table = footfall_counts(table, report)
    table = table.drop(columns=["hour"], errors="ignore")  # now part of the timestamp
    if "site_id" in table:
        table["site_id"] = table["site_id"].astype("string").str.strip()
    table["direction"] = direction_words(table["direction"])
    table = resolve_duplicates(table, report)
    keys = report.decisions.get("reading_keys")
    if keys is not None:  # a file loaded in chunks: repeats across chunks are looked for at the end
        keys.append(key_hashes(table))
    return table


DIRECTION_WORDS = {
    "in": "in", "inbound": "in", "entering": "in", "entry": "in", "enter": "in", "incount": "in",
    "out": "out", "outbound": "out", "exiting": "out", "exit": "out", "leaving": "out", "outcount": "out",
    "total": "total", "both": "total", "both ways": "total", "both directions": "total", "all": "total",
    "sum": "total", "two way": "total", "two-way": "total",
}


def direction_words(values: pd.Series) -> pd.Series:
    """Counting directions as ``in``, ``out`` or ``total`` (other words are kept, and rejected by the loader)."""
    codes, uniques = pd.factorize(values.astype("string").str.strip().str.lower(), use_na_sentinel=True)
    text = pd.Series(uniques, dtype="string")  # each distinct word once
    words = text.map(DIRECTION_WORDS, na_action="ignore").fillna(text).astype("string")
    return pd.Series(words.array.take(codes, allow_fill=True), index=values.index)


# --------------------------------------------------------------------------------------
# Site locations
# --------------------------------------------------------------------------------------
def _key(values: pd.Series) -> pd.Series:
    return values.astype("string").str.lower().str.replace(r"[^a-z0-9]+", "", regex=True)


def join_sites(counts: pd.DataFrame, sites: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Match the counts' sites to a site-location layer, by id or else by name.

    Parameters
    ----------
    counts : DataFrame
        ``footfall_counts`` layer.
    sites : GeoDataFrame
        ``footfall_sites`` layer (``site_id``, ``name``, point geometry).

    Returns
    -------
    counts : DataFrame
        The counts with ``site_id`` replaced by the site layer's id where the match
        was by name (wide files are headed by names).
    sites : GeoDataFrame
        The sites that have counts, plus one row without geometry for each counted
        site the location file does not know.
    notes : list of str
        How the match went, naming the sites not found.
    """
    counts, links = _link(counts, sites)
    missing = [sid for sid, how in links.items() if how is None]
    used = set(counts["site_id"].dropna().unique())
    site_ids = sites["site_id"].astype("string")
    out = sites.loc[site_ids.isin(used).to_numpy()].copy()
    if missing:
        extra = pd.DataFrame({"site_id": pd.array(missing, dtype="string"), "name": pd.array(missing, dtype="string")})
        out = pd.concat([out, extra], ignore_index=True)
        if hasattr(sites, "crs"):
            import geopandas as gpd

            out = gpd.GeoDataFrame(out, geometry="geometry", crs=sites.crs)
    return counts, out.reset_index(drop=True), _link_notes(_site_rows(sites), _link_facts(links, used, site_ids))


def _link(counts: pd.DataFrame, sites: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """The counts with ids matched by name replaced; ``{counted id: site id matched by name, or None when not
    found}`` for the counted ids that are not site ids."""
    ids = pd.Series(counts["site_id"].dropna().unique(), dtype="string")
    site_ids = sites["site_id"].astype("string")
    by_id = set(site_ids)
    by_id_key = dict(zip(_key(site_ids), site_ids))
    by_name = dict(zip(_key(sites["name"].astype("string")), site_ids)) if "name" in sites else {}
    links: dict[str, str | None] = {}
    for sid, key in zip(ids, _key(ids)):
        if sid not in by_id:
            links[sid] = by_id_key.get(key) or by_name.get(key)
    translate = {sid: target for sid, target in links.items() if target is not None}
    if translate:
        counts = counts.copy()
        counts["site_id"] = counts["site_id"].replace(translate)
    return counts, links


def _link_facts(links: dict[str, str | None], used: set, site_ids: pd.Series) -> list[str]:
    """What a match found, as a tally's list (``name``/``missing``/``used`` and the id), joined over chunks."""
    return ([f"name\x00{sid}" for sid, target in links.items() if target is not None]
            + [f"missing\x00{sid}" for sid, target in links.items() if target is None]
            + [f"used\x00{sid}" for sid in site_ids[site_ids.isin(used)].unique()])


def _site_rows(sites: pd.DataFrame) -> tuple[int, dict[str, int]]:
    """The location file's rows, and its rows per site id."""
    ids = sites["site_id"].astype("string")
    return len(sites), {str(k): int(v) for k, v in ids.value_counts().items()}


def _link_notes(rows: tuple[int, dict[str, int]], facts: list[str]) -> list[str]:
    kinds: dict[str, list[str]] = {"name": [], "missing": [], "used": []}
    for fact in facts:
        kind, sid = fact.split("\x00", 1)
        kinds[kind].append(sid)
    notes = []
    if kinds["name"]:
        notes.append(f"{len(kinds['name'])} sites matched to the location file by name")
    missing = kinds["missing"]
    if missing:
        shown = ", ".join(sorted(missing)[:8]) + (" ..." if len(missing) > 8 else "")
        notes.append(f"{len(missing)} counted sites are not in the location file (no position): {shown}")
    n_sites, per_id = rows
    unused = n_sites - sum(per_id.get(sid, 0) for sid in kinds["used"])
    if unused:
        notes.append(f"{unused} sites in the location file have no counts")
    return notes


def sites_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """A site table (``site_id``, ``name``) from the counts alone, for files with no location file."""
    name_col = next((c for c in counts.columns if normalise(c) in SITE_NAME_COLUMNS[1:]), None)
    cols = ["site_id"] + ([name_col] if name_col else [])
    out = counts[cols].dropna(subset=["site_id"]).drop_duplicates("site_id")
    out = out.rename(columns={name_col: "name"}) if name_col else out.assign(name=out["site_id"])
    return out.reset_index(drop=True)


def describe_shape(report: LoadReport) -> str:
    """``wide``, ``in/out`` or ``long``: the shape the loader found (from its notes)."""
    text = " ".join(report.notes)
    if re.search(r"wide table", text):
        return "wide"
    if re.search(r"in and out counts", text):
        return "in/out"
    return "long"


def link_to_sites(result: LoadResult, sites: pd.DataFrame) -> LoadResult:
    """Give loaded counts the ids of already-saved sites (matched by id, else by name).

    Wide exports are headed by site names, while a location file has ids: without this
    the counts would not line up with their sites on the map. The report's notes say how
    the match went (counted over every chunk of a file loaded in chunks). Counts are
    returned unchanged when there are no sites.
    """
    if sites is None or sites.empty or result.data.empty:
        return result
    counts, links = _link(result.data, sites)
    site_ids = sites["site_id"].astype("string")
    facts = _link_facts(links, set(counts["site_id"].dropna().unique()), site_ids)
    result.report.tally("sites_linked", facts, partial(_saved_sites_notes, _site_rows(sites)))
    return LoadResult(data=counts, report=result.report)


def _saved_sites_notes(rows: tuple[int, dict[str, int]], facts: list[str]) -> list[str]:
    return [f"sites already loaded: {note}" for note in _link_notes(rows, facts)]
