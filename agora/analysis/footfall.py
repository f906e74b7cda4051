"""Footfall: totals, year-on-year change, profiles, signatures and data-quality flags.

Every function takes the ``footfall_counts`` layer as a DataFrame, an Arrow table, or
the path of one or more Parquet files (the workspace stores counts as Parquet), and
aggregates it with DuckDB, so years of hourly counts for hundreds of sites never go
through a pandas loop. ``sites`` (the ``footfall_sites`` layer, or any table with
``site_id`` and ``centre_id``) places sites in centres.

Conventions
-----------
* **Which direction is footfall.** A site counted in both directions would be counted
  twice if in and out were added; for each site the functions use its ``total`` rows
  when it has them, else ``in``, else ``out`` (``direction="auto"``). Pass
  ``direction="in"`` (or ``None`` for every row) to choose otherwise.
* **Missing stays missing.** A day whose readings are all missing has no total (not
  zero) and is not "reported".
* **Weeks** start on Monday (ISO weeks). **Year on year** compares a day with the day
  364 days earlier (52 weeks: same weekday, the retail-calendar convention), and only
  site-days counted in both years ("matched"), so a counter added or broken in one
  year does not show as growth or decline.
* **Changing site counts.** When the number of sites reporting changes over the
  period shown, :func:`trend` uses the mean per reporting site (each day's total over
  the sites reporting that day) instead of the total, and says so in its ``measure``
  column.
* **Day parts** (:data:`DAY_PARTS`): morning 06:00-11:59, afternoon 12:00-16:59,
  evening 17:00-21:59, night 22:00-05:59 (hour starting).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Union

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

Counts = Union[pd.DataFrame, "pa.Table", str, os.PathLike, Iterable[Union[str, os.PathLike]]]

#: Day part -> (first hour, last hour), hour starting; night wraps past midnight.
DAY_PARTS: dict[str, tuple[int, int]] = {
    "morning": (6, 11),
    "afternoon": (12, 16),
    "evening": (17, 21),
    "night": (22, 5),
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SIGNATURES = ("comparison", "speciality", "multifunctional", "holiday")
YOY_DAYS = 364
#: Optional column of daily exports: how many hours the day's total covers (Leeds).
HOURS_COLUMN = "hours_reported"

_DIRECTION_RANK = "CASE direction WHEN 'total' THEN 0 WHEN 'in' THEN 1 WHEN 'out' THEN 2 ELSE 3 END"


# --------------------------------------------------------------------------------------
# The DuckDB view every function starts from
# --------------------------------------------------------------------------------------
def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _parquet_paths(counts) -> list[str] | None:
    if isinstance(counts, (str, os.PathLike)):
        return [str(counts)]
    if isinstance(counts, (list, tuple)) and counts and all(isinstance(p, (str, os.PathLike)) for p in counts):
        return [str(p) for p in counts]
    return None


def connect(
    counts: Counts,
    sites: pd.DataFrame | None = None,
    *,
    centre_id: str | None = None,
    site_ids: Iterable[str] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    direction: str | None = "auto",
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the counts as view ``ff`` and site-days as table ``daily``.

    ``ff`` has ``site_id, centre_id, ts, day, count, interval`` (one direction per site,
    see the module notes); ``daily`` has ``site_id, centre_id, day, count, readings``
    with ``count`` NULL when every reading of the day is missing.

    Every function of this module accepts such a connection in place of `counts`, so
    several figures from one large input read it once::

        db = connect(parquet_files("workspace/footfall_counts"), sites)
        days, yoy = daily_totals(db), yoy_weekly(db, by="site")

    Parameters
    ----------
    counts : DataFrame, Arrow table, Parquet path or list of paths
        The ``footfall_counts`` layer.
    sites : DataFrame, optional
        ``site_id`` -> ``centre_id``.
    centre_id, site_ids : optional
        Keep the sites of one centre (needs `sites`), or these sites.
    start, end : date, optional
        First and last day kept (inclusive).
    direction : {"auto", "in", "out", "total", None}
        Which rows are footfall.
    threads : int, optional
        DuckDB threads (default: every core).
    """
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    paths = _parquet_paths(counts)
    if paths is not None:
        listing = "[" + ", ".join(_sql_text(p) for p in paths) + "]"
        con.execute(f"CREATE VIEW counts_in AS SELECT * FROM read_parquet({listing}, union_by_name = true)")
    else:
        table = counts
        if isinstance(counts, pd.DataFrame):
            table = counts[[c for c in ("site_id", "timestamp", "count", "direction", "interval", HOURS_COLUMN)
                            if c in counts]]
        con.register("counts_in", table)
    cols = {row[0] for row in con.execute("DESCRIBE counts_in").fetchall()}
    missing = {"site_id", "timestamp", "count"} - cols
    if missing:
        raise ValueError(f"footfall counts need columns {', '.join(sorted(missing))}")
    has_dir = "direction" in cols
    interval = "c.interval" if "interval" in cols else "'hour'"
    hours = f"TRY_CAST(c.{HOURS_COLUMN} AS INTEGER)" if HOURS_COLUMN in cols else "CAST(NULL AS INTEGER)"
    joins, where = [], ["c.site_id IS NOT NULL", "c.timestamp IS NOT NULL"]
    if sites is not None and len(sites):
        site_map = pd.DataFrame({
            "site_id": sites["site_id"].astype("string"),
            "centre_id": sites["centre_id"].astype("string") if "centre_id" in sites else pd.Series(pd.NA, index=sites.index, dtype="string"),
        }).drop_duplicates("site_id")
        con.register("sites_in", site_map)
        joins.append("LEFT JOIN sites_in s ON s.site_id = c.site_id")
        centre = "s.centre_id"
    else:
        centre = "CAST(NULL AS VARCHAR)"
    if has_dir and direction == "auto":
        n_dir = _one(con, "SELECT COUNT(DISTINCT direction) FROM counts_in")[0]
        if n_dir > 1:
            con.execute(
                f"CREATE TEMP TABLE pref AS SELECT site_id, arg_min(direction, {_DIRECTION_RANK}) AS direction "
                "FROM counts_in GROUP BY site_id"
            )
            joins.append("JOIN pref p ON p.site_id = c.site_id AND p.direction = c.direction")
    elif has_dir and direction:
        where.append(f"c.direction = {_sql_text(direction)}")
    if centre_id is not None:
        if sites is None:
            raise ValueError("choosing a centre needs the sites table (site_id, centre_id)")
        where.append(f"s.centre_id = {_sql_text(centre_id)}")
    if site_ids is not None:
        ids = pd.DataFrame({"site_id": pd.Series(list(site_ids), dtype="string")})
        con.register("chosen_sites", ids)
        where.append("c.site_id IN (SELECT site_id FROM chosen_sites)")
    if start is not None:
        where.append(f"c.timestamp >= DATE {_sql_text(pd.Timestamp(start).date())}")
    if end is not None:
        where.append(f"c.timestamp < DATE {_sql_text((pd.Timestamp(end) + pd.Timedelta(days=1)).date())}")
    con.execute(
        f"""CREATE VIEW ff AS
        SELECT CAST(c.site_id AS VARCHAR) AS site_id, {centre} AS centre_id, CAST(c.timestamp AS TIMESTAMP) AS ts,
               CAST(c.timestamp AS DATE) AS day, CAST(c.count AS DOUBLE) AS count, {interval} AS interval,
               {hours} AS hours_reported
        FROM counts_in c {' '.join(joins)}
        WHERE {' AND '.join(where)}"""
    )
    # site-days are what most figures start from: computed once per connection
    con.execute(
        """CREATE TEMP TABLE daily AS
        SELECT site_id, any_value(centre_id) AS centre_id, day, SUM(count) AS count, COUNT(count) AS readings
        FROM ff GROUP BY site_id, day"""
    )
    con.execute(f"CREATE TEMP TABLE ff_meta AS SELECT {sites is not None and len(sites) > 0} AS has_sites")
    return con


def _db(counts, sites=None, **filters) -> duckdb.DuckDBPyConnection:
    """`counts` itself when it is a connection made by :func:`connect`, else a new one."""
    if isinstance(counts, duckdb.DuckDBPyConnection):
        if sites is not None or any(v is not None for k, v in filters.items() if k != "direction" and k != "threads"):
            raise ValueError("pass sites and filters to connect(), not with a connection")
        return counts
    return connect(counts, sites, **filters)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """The first row of a query (the result is read to the end, leaving the connection free)."""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else ()


def _df(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    # through Arrow: strings stay Arrow-backed (no Python objects), several times faster than .df()
    out = con.sql(sql).to_arrow_table().to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].astype("datetime64[ms]")
    return out


def _group(by: str | None, con: duckdb.DuckDBPyConnection | None = None) -> tuple[str, str]:
    """(select list, group list) for grouping by site, centre or nothing."""
    if by == "site":
        with_centre = con is None or _one(con, "SELECT has_sites FROM ff_meta")[0]
        return ("site_id, any_value(centre_id) AS centre_id," if with_centre else "site_id,"), "site_id,"
    if by == "centre":
        return "centre_id,", "centre_id,"
    if by is None or by == "all":
        return "", ""
    raise ValueError(f"by must be 'site', 'centre' or None, not {by!r}")


# --------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------
def daily_totals(counts: Counts, sites: pd.DataFrame | None = None, *, by: str | None = "site", **filters) -> pd.DataFrame:
    """Footfall per day, per site (``by="site"``), per centre or for all sites (``None``).

    Returns
    -------
    DataFrame
        ``[site_id, centre_id |  centre_id | ], date, count, sites`` where ``sites`` is
        the number of sites with a count that day (1 or 0 per site). Days whose
        readings are all missing are left out.
    """
    con = _db(counts, sites, **filters)
    select, group = _group(by, con)
    if by == "site":  # the site-days table already is the answer
        return _df(con, f"""
            SELECT {select.replace('any_value(centre_id)', 'centre_id')} CAST(day AS TIMESTAMP) AS date, count, 1 AS sites
            FROM daily WHERE count IS NOT NULL ORDER BY site_id, day""")
    return _df(con, f"""
        SELECT {select} CAST(day AS TIMESTAMP) AS date, SUM(count) AS count, COUNT(*) AS sites
        FROM daily WHERE count IS NOT NULL
        GROUP BY {group} day ORDER BY {group} day""")


def weekly_totals(counts: Counts, sites: pd.DataFrame | None = None, *, by: str | None = "site", **filters) -> pd.DataFrame:
    """Footfall per week (Monday to Sunday), per site, per centre or for all sites.

    Returns
    -------
    DataFrame
        ``week`` (the Monday), ``count``, ``sites`` (sites with a count that week),
        ``site_days`` (site-days with a count) and ``complete`` (every reporting
        site reported all 7 days).
    """
    con = _db(counts, sites, **filters)
    select, group = _group(by, con)
    return _df(con, f"""
        SELECT {select} date_trunc('week', day) AS week, SUM(count) AS count,
               COUNT(DISTINCT site_id) AS sites, COUNT(*) AS site_days,
               COUNT(*) = 7 * COUNT(DISTINCT site_id) AS complete
        FROM daily WHERE count IS NOT NULL
        GROUP BY {group} week ORDER BY {group} week""")


def yoy_weekly(counts: Counts, sites: pd.DataFrame | None = None, *, by: str | None = None, **filters) -> pd.DataFrame:
    """Year-on-year change per week on matched site-days (364 days back).

    Each site-day is paired with the same site 364 days earlier; weeks sum the pairs
    where both days have a count. So the change compares like with like even when
    sites start, stop or break.

    Returns
    -------
    DataFrame
        ``week``, ``count`` (this year), ``count_last_year``, ``change_pct``,
        ``sites`` and ``site_days`` (pairs compared) and ``complete`` (7 days per site).
    """
    con = _db(counts, sites, **filters)
    select, group = _group(by, con)
    return _df(con, f"""
        WITH d AS (SELECT site_id, centre_id, day, count FROM daily WHERE count IS NOT NULL),
        m AS (
            SELECT a.site_id, a.centre_id, a.day, a.count AS cur, b.count AS prev
            FROM d a JOIN d b ON b.site_id = a.site_id AND b.day + {YOY_DAYS} = a.day)
        SELECT {select} date_trunc('week', day) AS week, SUM(cur) AS count, SUM(prev) AS count_last_year,
               CASE WHEN SUM(prev) > 0 THEN 100 * (SUM(cur) / SUM(prev) - 1) END AS change_pct,
               COUNT(DISTINCT site_id) AS sites, COUNT(*) AS site_days,
               COUNT(*) = 7 * COUNT(DISTINCT site_id) AS complete
        FROM m GROUP BY {group} week ORDER BY {group} week""")


def trend(counts: Counts, sites: pd.DataFrame | None = None, *, freq: str = "day", **filters) -> pd.DataFrame:
    """Footfall over time for the sites chosen, with the year before alongside.

    Parameters
    ----------
    freq : {"day", "week"}
        Period of each point (weeks start on Monday).

    Returns
    -------
    DataFrame
        ``period``, ``total``, ``sites`` (reporting), ``site_days``, ``mean_per_site``
        (the sum over the period's days of each day's total over its reporting sites),
        ``value`` (``total`` when the same number of sites reported in every period,
        else ``mean_per_site``), ``measure`` (which of the two), ``days`` (days with
        data in the period), ``complete`` and ``value_last_year`` (``value`` 364 days
        earlier, when there is one).
    """
    if freq not in ("day", "week"):
        raise ValueError("freq must be 'day' or 'week'")
    period = "day" if freq == "day" else "date_trunc('week', day)"
    con = _db(counts, sites, **filters)
    out = _df(con, f"""
        WITH d AS (SELECT day, SUM(count) AS total, COUNT(*) AS sites FROM daily
                   WHERE count IS NOT NULL GROUP BY day),
        s AS (SELECT {period} AS period, COUNT(DISTINCT site_id) AS sites, COUNT(*) AS site_days
              FROM daily WHERE count IS NOT NULL GROUP BY period)
        SELECT {period} AS period, SUM(total) AS total, any_value(s.sites) AS sites,
               any_value(s.site_days) AS site_days, SUM(total / d.sites) AS mean_per_site, COUNT(*) AS days
        FROM d JOIN s ON s.period = {period}
        GROUP BY {period} ORDER BY period""")
    if out.empty:
        return out.assign(value=pd.Series(dtype=float), measure=pd.Series(dtype="string"),
                          complete=pd.Series(dtype=bool), value_last_year=pd.Series(dtype=float))
    steady = out["sites"].min() == out["sites"].max()
    out["value"] = out["total"] if steady else out["mean_per_site"]
    out["measure"] = "total" if steady else "mean per reporting site"
    out["complete"] = out["days"] == (1 if freq == "day" else 7)
    before = out[["period", "value"]].assign(period=out["period"] + pd.Timedelta(days=YOY_DAYS))
    out = out.merge(before.rename(columns={"value": "value_last_year"}), on="period", how="left")
    return out


def summary_by_site(counts: Counts, sites: pd.DataFrame | None = None, **filters) -> pd.DataFrame:
    """One row per site: dates covered, total, days reported and missing, busiest day.

    Returns
    -------
    DataFrame
        ``site_id, first_date, last_date, total, days_reported, missing_days,
        busiest_day, busiest_day_total, missing_values``. ``missing_days`` are days
        between the site's first and last day with a count that have none;
        ``missing_values`` are rows present in the file with no count. A site whose
        every reading is missing has no dates and no total.
    """
    con = _db(counts, sites, **filters)
    out = _df(con, """
        WITH d AS (SELECT site_id, day, SUM(count) AS c, COUNT(count) AS n FROM ff GROUP BY site_id, day),
        miss AS (SELECT site_id, COUNT(*) - COUNT(count) AS missing_values FROM ff GROUP BY site_id)
        SELECT d.site_id, MIN(day) FILTER (WHERE n > 0) AS first_date, MAX(day) FILTER (WHERE n > 0) AS last_date,
               SUM(c) AS total, COUNT(*) FILTER (WHERE n > 0) AS days_reported,
               first(day ORDER BY c DESC, day) FILTER (WHERE n > 0) AS busiest_day,
               MAX(c) AS busiest_day_total, any_value(miss.missing_values) AS missing_values
        FROM d JOIN miss USING (site_id) GROUP BY d.site_id ORDER BY d.site_id""")
    span = (out["last_date"] - out["first_date"]).dt.days + 1
    out.insert(5, "missing_days", (span - out["days_reported"]).astype("Int64"))
    return out


def summary(counts: Counts, sites: pd.DataFrame | None = None, **filters) -> dict:
    """Figures for all sites together: total, dates, busiest day, sites reporting."""
    con = _db(counts, sites, **filters)
    row = _one(con, """
        WITH d AS (SELECT day, SUM(count) AS c FROM daily WHERE count IS NOT NULL GROUP BY day)
        SELECT SUM(c), MIN(day), MAX(day), COUNT(*), first(day ORDER BY c DESC, day), MAX(c) FROM d""")
    n_sites = _one(con, "SELECT COUNT(DISTINCT site_id) FROM ff")[0]
    total, first, last, days, busiest, busiest_total = row
    return {
        "total": _num(total),
        "first_date": first.isoformat() if first else None,
        "last_date": last.isoformat() if last else None,
        "days_reported": int(days or 0),
        "busiest_day": busiest.isoformat() if busiest else None,
        "busiest_day_total": _num(busiest_total),
        "site_count": int(n_sites),
    }


def _num(value) -> int | float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    value = float(value)
    return int(value) if value.is_integer() else value


# --------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------
def weekday_hour_profile(counts: Counts, sites: pd.DataFrame | None = None, **filters) -> pd.DataFrame:
    """Mean hourly count per site for each weekday and hour (hourly counts only).

    Returns
    -------
    DataFrame
        ``weekday`` (0 = Monday), ``weekday_name``, ``hour`` (0-23, hour starting),
        ``mean`` (mean count per site in that hour), ``readings``.
    """
    con = _db(counts, sites, **filters)
    out = _df(con, """
        SELECT isodow(ts) - 1 AS weekday, hour(ts) AS hour, AVG(count) AS mean, COUNT(count) AS readings
        FROM ff WHERE interval = 'hour' AND count IS NOT NULL
        GROUP BY ALL ORDER BY weekday, hour""")
    out.insert(1, "weekday_name", out["weekday"].map(dict(enumerate(WEEKDAYS))))
    return out


def _part_case(column: str = "hour(ts)") -> str:
    cases = []
    for part, (lo, hi) in DAY_PARTS.items():
        cond = f"{column} BETWEEN {lo} AND {hi}" if lo <= hi else f"({column} >= {lo} OR {column} <= {hi})"
        cases.append(f"WHEN {cond} THEN '{part}'")
    return "CASE " + " ".join(cases) + " END"


def day_parts(counts: Counts, sites: pd.DataFrame | None = None, *, by: str | None = None, **filters) -> pd.DataFrame:
    """Footfall by part of the day (see :data:`DAY_PARTS`), hourly counts only.

    Returns
    -------
    DataFrame
        ``part``, ``hours`` (e.g. ``06:00-11:59``), ``count``, ``share`` (of the
        group's total) and ``mean_per_site_day``.
    """
    con = _db(counts, sites, **filters)
    select, group = _group(by, con)
    out = _df(con, f"""
        SELECT {select} {_part_case()} AS part, SUM(count) AS count,
               SUM(count) / COUNT(DISTINCT (site_id, day)) AS mean_per_site_day
        FROM ff WHERE interval = 'hour' AND count IS NOT NULL
        GROUP BY {group} part""")
    if out.empty:
        return out.assign(hours=pd.Series(dtype="string"), share=pd.Series(dtype=float))
    keys = [c for c in ("site_id", "centre_id") if c in out and by in ("site", "centre")][:1]
    totals = out.groupby(keys)["count"].transform("sum") if keys else out["count"].sum()
    out["share"] = out["count"] / totals
    out["hours"] = out["part"].map({p: f"{lo:02d}:00-{hi:02d}:59" for p, (lo, hi) in DAY_PARTS.items()})
    order = {p: i for i, p in enumerate(DAY_PARTS)}
    out = out.sort_values(keys + ["part"], key=lambda s: s.map(order) if s.name == "part" else s)
    return out[keys + ["part", "hours", "count", "share", "mean_per_site_day"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Signature
# --------------------------------------------------------------------------------------
def monthly_index(counts: Counts, sites: pd.DataFrame | None = None, *, year: int | None = None,
                  min_coverage: float = 2 / 3, **filters) -> tuple[int | None, pd.DataFrame]:
    """Each month's mean daily footfall per reporting site, as an index (year mean = 1).

    Parameters
    ----------
    year : int, optional
        Calendar year; default the latest year whose twelve months all have counts
        on at least `min_coverage` of their days.

    Returns
    -------
    year : int or None
        The year used (None when no year is complete enough).
    table : DataFrame
        ``year, month, month_name, days, coverage, mean_per_site_day, index`` for
        every month with data (all years when no year qualifies).
    """
    con = _db(counts, sites, **filters)
    months = _df(con, """
        SELECT year(day) AS year, month(day) AS month, COUNT(DISTINCT day) AS days,
               SUM(count) / COUNT(*) AS mean_per_site_day
        FROM daily WHERE count IS NOT NULL GROUP BY ALL ORDER BY year, month""")
    if months.empty:
        return None, months
    months["month_name"] = months["month"].map(dict(enumerate(MONTHS, start=1)))
    length = pd.to_datetime(dict(year=months["year"], month=months["month"], day=1)).dt.days_in_month
    months["coverage"] = months["days"] / length
    good = months[months["coverage"] >= min_coverage].groupby("year")["month"].nunique()
    full = sorted(good[good == 12].index)
    if year is None:
        year = int(full[-1]) if full else None
    elif year not in full:
        year = None
    if year is None:
        return None, months.assign(index=np.nan)
    table = months[months["year"] == year].copy()
    table["index"] = table["mean_per_site_day"] / table["mean_per_site_day"].mean()
    cols = ["year", "month", "month_name", "days", "coverage", "mean_per_site_day", "index"]
    return year, table[cols].reset_index(drop=True)


def classify_signature(index: pd.Series | dict | list) -> tuple[str, str]:
    """Name the monthly footfall signature of a year from its twelve month indices.

    Method (Institute of Place Management). Mumford, Parker, Ntounis and Dargan,
    "Footfall signatures and volumes: Towards a classification of UK centres",
    Environment and Planning B: Urban Analytics and City Science (2020, online; 2021),
    doi:10.1177/2399808320911412, and their Technical Report 1 (2017), "A clustering
    study to verify four distinct monthly footfall signatures". Each centre's monthly
    footfall is indexed to its annual mean (month / mean of the twelve months) and the
    indexed years are clustered (k-means) into four signatures, which the authors
    describe as:

    * **comparison**: people come predominantly to shop; busiest in the run-up to
      Christmas, a December peak, fairly flat the rest of the year;
    * **holiday**: people come for a holiday or a day out; busiest in July and August,
      footfall drops right down in winter;
    * **speciality**: a hybrid of the two, peaks in the summer *and* in December,
      less pronounced than in pure comparison and holiday centres;
    * **multifunctional** (convenience/community): a flat profile all year.

    The published clusters come with shapes, not thresholds or centroids, so this
    function states its own rule, chosen to reproduce those shapes (``dec`` = December
    index, ``summer`` = mean of July and August, ``winter`` = mean of January and
    February; 1 = the year's mean month):

    1. ``summer >= 1.15``, ``summer > dec`` and ``summer / winter >= 1.5``
       -> **holiday** (a summer peak, and a winter trough);
    2. ``summer >= 1.05`` and ``dec >= 1.05`` -> **speciality** (both peaks);
    3. ``dec >= 1.12`` -> **comparison** (a December peak, no summer peak);
    4. otherwise -> **multifunctional** (no peak of 12% at Christmas nor 5% in summer).

    Parameters
    ----------
    index : twelve values, January first (month mean / the year's mean month)

    Returns
    -------
    (signature, reason)
        The reason gives the rule that decided and the three figures it used.
    """
    values = np.asarray(list(index.values()) if isinstance(index, dict) else list(index), dtype=float)
    if values.shape != (12,) or np.isnan(values).any():
        raise ValueError("a signature needs twelve monthly values")
    dec = values[11]
    summer = values[[6, 7]].mean()
    winter = values[[0, 1]].mean()
    figures = f"December {dec:.2f}, July-August {summer:.2f}, January-February {winter:.2f} (1 = the year's mean)"
    if summer >= 1.15 and summer > dec and summer / winter >= 1.5:
        return "holiday", f"a summer peak and a winter trough: {figures}"
    if summer >= 1.05 and dec >= 1.05:
        return "speciality", f"peaks in summer and in December: {figures}"
    if dec >= 1.12:
        return "comparison", f"a December peak, no summer peak: {figures}"
    return "multifunctional", f"no December peak of 12% nor summer peak of 5%: {figures}"


def monthly_signature(counts: Counts, sites: pd.DataFrame | None = None, *, year: int | None = None,
                      **filters) -> dict:
    """The monthly footfall signature of a full year (see :func:`classify_signature`).

    Returns
    -------
    dict
        ``signature`` (None when no full year), ``year``, ``reason`` and ``months``
        (the table of :func:`monthly_index`).
    """
    used, months = monthly_index(counts, sites, year=year, **filters)
    if used is None:
        covered = int((months["coverage"] >= 2 / 3).sum()) if len(months) else 0
        wanted = f"{year}" if year else "one calendar year"
        return {"signature": None, "year": None, "months": months,
                "reason": f"needs twelve months of counts in {wanted} (each month counted on two days in "
                          f"three or more); the data have {covered} such month{'s' if covered != 1 else ''}, so "
                          "no signature is given"}
    name, reason = classify_signature(months["index"].tolist())
    return {"signature": name, "year": used, "reason": reason, "months": months}


# --------------------------------------------------------------------------------------
# Data quality
# --------------------------------------------------------------------------------------
def quality_flags(
    counts: Counts,
    sites: pd.DataFrame | None = None,
    *,
    min_zero_hours: int = 6,
    outlier_ratio: float = 2.5,
    **filters,
) -> pd.DataFrame:
    """Gaps, zero runs, partial days and outliers, one row per finding.

    Kinds
    -----
    ``no_data``
        A site whose every reading is missing.
    ``gap``
        A run of days with no count between a site's first and last counted day.
    ``partial_day``
        A day with hourly counts for fewer than 23 of its hours (23 spares the
        clock-change day), or a daily count whose ``hours_reported`` column (when the
        export has one) says so.
    ``zero_run``
        Hourly counts of 0 for `min_zero_hours` hours or more in a row, not wholly at
        night (22:00-05:59); or, for daily counts, days counted 0. A counter that is
        switched off often writes zeros instead of nothing.
    ``outlier``
        A day whose total is `outlier_ratio` times or more above, or that many times
        below, the median of the same weekday over the four weeks either side
        (Christmas Day usually is one; the flag says so).

    Returns
    -------
    DataFrame
        ``site_id, kind, start, end, length, unit, detail`` sorted by site and start.
    """
    con = _db(counts, sites, **filters)
    parts = []
    parts.append(_df(con, """
        SELECT site_id, 'no_data' AS kind, MIN(day) AS start, MAX(day) AS "end",
               COUNT(*) AS length, 'days' AS unit, 'every reading is missing' AS detail
        FROM daily GROUP BY site_id HAVING SUM(readings) = 0"""))
    parts.append(_df(con, """
        WITH d AS (SELECT site_id, day, lag(day) OVER (PARTITION BY site_id ORDER BY day) AS prev
                   FROM daily WHERE readings > 0)
        SELECT site_id, 'gap' AS kind, prev + 1 AS start, day - 1 AS "end", day - prev - 1 AS length,
               'days' AS unit, 'no counts' AS detail
        FROM d WHERE day - prev > 1"""))
    parts.append(_df(con, """
        WITH h AS (SELECT site_id, day, COUNT(count) AS n FROM ff WHERE interval = 'hour' GROUP BY site_id, day),
        r AS (SELECT site_id, MIN(day) AS lo, MAX(day) AS hi FROM h WHERE n > 0 GROUP BY site_id)
        SELECT h.site_id, 'partial_day' AS kind, day AS start, day AS "end", 24 - n AS length, 'hours' AS unit,
               'counts for ' || n || ' of 24 hours' AS detail
        FROM h JOIN r USING (site_id) WHERE n > 0 AND n < 23 AND day BETWEEN lo AND hi"""))
    parts.append(_df(con, """
        SELECT site_id, 'partial_day' AS kind, day AS start, day AS "end", 24 - MIN(hours_reported) AS length,
               'hours' AS unit, 'the daily total covers ' || MIN(hours_reported) || ' of 24 hours' AS detail
        FROM ff WHERE interval = 'day' AND hours_reported < 23 GROUP BY site_id, day"""))
    parts.append(_df(con, f"""
        WITH z AS (SELECT site_id, ts, ts - to_hours(CAST(row_number() OVER (PARTITION BY site_id ORDER BY ts) AS BIGINT)) AS grp
                   FROM ff WHERE interval = 'hour' AND count = 0),
        runs AS (SELECT site_id, MIN(ts) AS start, MAX(ts) AS "end", COUNT(*) AS length,
                        bool_and(hour(ts) >= 22 OR hour(ts) <= 5) AS night
                 FROM z GROUP BY site_id, grp)
        SELECT site_id, 'zero_run' AS kind, start, "end", length, 'hours' AS unit,
               length || ' hours in a row counted 0' AS detail
        FROM runs WHERE length >= {int(min_zero_hours)} AND NOT night"""))
    parts.append(_df(con, """
        WITH z AS (SELECT site_id, day, day - CAST(row_number() OVER (PARTITION BY site_id ORDER BY day) AS INTEGER) AS grp
                   FROM (SELECT site_id, day, SUM(count) AS c FROM ff WHERE interval = 'day' GROUP BY site_id, day)
                   WHERE c = 0)
        SELECT site_id, 'zero_run' AS kind, MIN(day) AS start, MAX(day) AS "end", COUNT(*) AS length,
               'days' AS unit, COUNT(*) || ' day(s) counted 0' AS detail
        FROM z GROUP BY site_id, grp"""))
    ratio = float(outlier_ratio)
    parts.append(_df(con, f"""
        WITH d AS (SELECT site_id, day, count FROM daily WHERE count IS NOT NULL),
        m AS (SELECT site_id, day, count,
                     median(count) OVER (PARTITION BY site_id, isodow(day) ORDER BY day
                         RANGE BETWEEN INTERVAL 28 DAYS PRECEDING AND INTERVAL 28 DAYS FOLLOWING) AS usual,
                     COUNT(*) OVER (PARTITION BY site_id, isodow(day) ORDER BY day
                         RANGE BETWEEN INTERVAL 28 DAYS PRECEDING AND INTERVAL 28 DAYS FOLLOWING) AS n
              FROM d)
        SELECT site_id, 'outlier' AS kind, day AS start, day AS "end", 1 AS length, 'days' AS unit,
               printf('%,.0f against a usual %,.0f for the weekday (%.2fx)', count, usual, count / usual) AS detail
        FROM m WHERE n >= 5 AND usual >= 50 AND count > 0
              AND (count >= {ratio} * usual OR count * {ratio} <= usual)"""))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    if out.empty:
        return pd.DataFrame({"site_id": pd.Series(dtype="string"), "kind": pd.Series(dtype="string"),
                             "start": pd.Series(dtype="datetime64[ms]"), "end": pd.Series(dtype="datetime64[ms]"),
                             "length": pd.Series(dtype="int64"), "unit": pd.Series(dtype="string"),
                             "detail": pd.Series(dtype="string")})
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ms]")
    holiday = out["kind"].eq("outlier") & out["start"].dt.strftime("%m-%d").isin(["12-25", "12-26", "01-01"])
    out.loc[holiday, "detail"] = out.loc[holiday, "detail"] + " - a public holiday"
    out["length"] = out["length"].astype("int64")
    return out.sort_values(["site_id", "start", "kind"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Recent change (Overview page)
# --------------------------------------------------------------------------------------
def complete_weeks(today: date, weeks: int) -> tuple[date, date]:
    """First and last day of the `weeks` complete Monday-Sunday weeks before `today`."""
    end = today - timedelta(days=today.isoweekday())  # the last Sunday strictly before today
    start = end - timedelta(days=7 * weeks - 1)
    return start, end


def recent_change(counts: Counts, sites: pd.DataFrame | None, centre_id: str | None, weeks: int = 4,
                  today: date | str | None = None) -> dict | None:
    """Footfall of the last complete weeks against the same weeks a year before.

    Parameters
    ----------
    counts : DataFrame, Arrow table or Parquet path(s)
        ``footfall_counts`` layer.
    sites : DataFrame or None
        ``footfall_sites`` layer (``site_id`` -> ``centre_id``); None to use every site.
    centre_id : str or None
        The centre; None for every site.
    weeks : int
        How many complete Monday-Sunday weeks.
    today : date, optional
        Weeks end before this day. Default: the day after the latest count, so a file
        that stopped in the past still shows its own latest weeks.

    Returns
    -------
    dict or None
        ``start``, ``end`` (ISO dates), ``previous_start``, ``previous_end`` (364 days
        earlier), ``total`` and ``previous_total`` (over site-days counted in both
        periods: like for like), ``change_pct``, ``sites`` (sites compared),
        ``site_days`` (pairs compared) and ``unmatched_site_days`` (recent site-days
        with no count a year before, left out). None when no site-day can be compared.
    """
    filters = {"centre_id": centre_id} if centre_id is not None else {}
    if centre_id is not None and sites is None:
        return None
    con = _db(counts, sites, **filters)
    if today is None:
        last = _one(con, "SELECT MAX(day) FROM daily WHERE count IS NOT NULL")[0]
        if last is None:
            return None
        today = last + timedelta(days=1)
    today = pd.Timestamp(today).date()
    start, end = complete_weeks(today, weeks)
    p_start, p_end = start - timedelta(days=YOY_DAYS), end - timedelta(days=YOY_DAYS)
    row = _one(con, f"""
        WITH d AS (SELECT site_id, day, count FROM daily WHERE count IS NOT NULL),
        cur AS (SELECT * FROM d WHERE day BETWEEN DATE '{start}' AND DATE '{end}'),
        prev AS (SELECT * FROM d WHERE day BETWEEN DATE '{p_start}' AND DATE '{p_end}')
        SELECT SUM(cur.count), SUM(prev.count), COUNT(DISTINCT cur.site_id), COUNT(*),
               (SELECT COUNT(*) FROM cur) - COUNT(*)
        FROM cur JOIN prev ON prev.site_id = cur.site_id AND prev.day + {YOY_DAYS} = cur.day""")
    total, previous, n_sites, pairs, unmatched = row
    if not pairs:
        return None
    change = 100 * (total / previous - 1) if previous else None
    return {
        "centre_id": centre_id,
        "weeks": weeks,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "previous_start": p_start.isoformat(),
        "previous_end": p_end.isoformat(),
        "total": _num(total),
        "previous_total": _num(previous),
        "change_pct": None if change is None else round(float(change), 2),
        "sites": int(n_sites),
        "site_days": int(pairs),
        "unmatched_site_days": int(unmatched),
    }


def recent_site_totals(counts: Counts, sites: pd.DataFrame | None = None, *, weeks: int = 4,
                       today: date | str | None = None, **filters) -> pd.DataFrame:
    """Each site's footfall over the last complete weeks (for sizing sites on a map).

    Returns
    -------
    DataFrame
        ``site_id``, ``count``, ``days`` (days counted), ``mean_per_day``; with the
        period in ``attrs["start"]`` and ``attrs["end"]``.
    """
    con = _db(counts, sites, **filters)
    if today is None:
        last = _one(con, "SELECT MAX(day) FROM daily WHERE count IS NOT NULL")[0]
        if last is None:
            return pd.DataFrame({"site_id": [], "count": [], "days": [], "mean_per_day": []})
        today = last + timedelta(days=1)
    start, end = complete_weeks(pd.Timestamp(today).date(), weeks)
    out = _df(con, f"""
        SELECT site_id, SUM(count) AS count, COUNT(*) AS days, SUM(count) / COUNT(*) AS mean_per_day
        FROM daily WHERE count IS NOT NULL AND day BETWEEN DATE '{start}' AND DATE '{end}'
        GROUP BY site_id ORDER BY site_id""")
    out.attrs.update(start=start.isoformat(), end=end.isoformat())
    return out


def parquet_files(folder: str | os.PathLike) -> list[str]:
    """The Parquet files of a folder (a workspace's ``footfall_counts``), for the functions above."""
    return sorted(str(p) for p in Path(folder).glob("*.parquet"))
