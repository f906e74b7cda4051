"""Per-centre figures for every centre at once.

The per-centre functions (:func:`agora.analysis.surveys.units_on`,
:func:`agora.analysis.vacancy.vacancy_change`, :func:`agora.analysis.clone.diagnose_centre`)
define the figures and are what the pages call for one town. The indicator table, the
derived tables and the commands over a whole workspace need them for thousands of
centres: the functions here compute the same figures for every centre together, with
grouped operations instead of a loop over centres. Tests check that they agree with the
per-centre functions centre by centre.

No streamlit here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from . import surveys, vacancy
from .surveys import _UNDATED, UPDATE_SHARE, _centre_key, _stated, _text, with_keys
from .vacancy import MIN_DATED_SHARE, SURVEY_GAP_DAYS


# --------------------------------------------------------------------------- survey rounds
def _centre_codes(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's centre (``_centre_key``: "" for none) as a number in the order of the keys, and the keys.

    The same numbers as ``pd.factorize(_centre_key(table).to_numpy(), sort=True)``, each distinct id
    cleaned once.
    """
    if "centre_id" not in table or not len(table):
        return pd.factorize(_centre_key(table).to_numpy(dtype=object), sort=True)
    ids = table["centre_id"]
    codes, uniques = pd.factorize((ids if isinstance(ids.dtype, pd.StringDtype) else ids.astype("string")).array)
    text = _centre_key(pd.DataFrame({"centre_id": pd.array(uniques, dtype="string")}))
    names = text.to_numpy(dtype=object)
    if (codes < 0).any():  # a missing id: the last name
        names = np.r_[names, np.array([""], dtype=object)]
        codes = np.where(codes >= 0, codes, len(names) - 1)
    number, keys = pd.factorize(names, sort=True)
    return number[codes], keys


def _row_codes(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's centre as a number and the centre keys (:func:`_centre_codes`), and each row's unit
    (``unit_key``) as a number (a missing key: -1), of units with keys (:func:`agora.analysis.surveys.with_keys`)."""
    centre, names = _centre_codes(data)
    unit, _ = pd.factorize(data["unit_key"].array)
    return centre, names, unit


def survey_rounds(units: pd.DataFrame, *, share: float = UPDATE_SHARE,
                  codes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """:func:`agora.analysis.surveys.survey_rounds` of every centre together (the same table).

    `codes`: :func:`_row_codes` of `units` (with keys), when worked out already.
    """
    data = with_keys(units)
    cols = ["centre_id", "survey_date", "covered", "known_before", "coverage", "coverage_rule"]
    if data.empty:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({"day": data["survey_date"].fillna(_UNDATED).to_numpy(), "stated": _stated(data).array})
    # centres and unit keys as numbers (a missing key is one value of its own, as nunique(dropna=False) has it);
    # centre numbers in the order of their ids, so grouping by them sorts as grouping by the ids does
    row_centre, centre_names, keys = _row_codes(data) if codes is None else codes
    frame["cc"], frame["key"] = row_centre, keys
    grouped = frame.groupby(["cc", "day"], sort=True)
    rounds = grouped["key"].nunique(dropna=False).rename("covered").reset_index()
    row_group = grouped.ngroup().to_numpy()
    rounds.insert(0, "c", centre_names[rounds["cc"].to_numpy()])
    rounds = rounds.drop(columns="cc")
    said = pd.crosstab([pd.Series(centre_names[row_centre], name="c"), frame["day"]], frame["stated"]).reindex(
        columns=["full", "update"], fill_value=0) if frame["stated"].notna().any() else None
    if said is not None:
        said = said.reindex(pd.MultiIndex.from_frame(rounds[["c", "day"]]), fill_value=0)
        n_full, n_update = said["full"].to_numpy(), said["update"].to_numpy()
    else:
        n_full = n_update = np.zeros(len(rounds), dtype=int)
    stated = np.where(n_full + n_update > 0, np.where(n_full >= n_update, "full", "update"), None)
    rounds["r"] = rounds.groupby("c", sort=False).cumcount().to_numpy()
    n = len(rounds)
    coverage = np.empty(n, dtype=object)
    known = np.zeros(n, dtype=int)
    rule = np.empty(n, dtype=object)
    covered = rounds["covered"].to_numpy()
    r = rounds["r"].to_numpy()
    first = r == 0
    coverage[first] = np.where(stated[first] == None, "full", stated[first])  # noqa: E711
    # each row's round number within its centre
    row_round = r[row_group]
    centre_codes = pd.factorize(rounds["c"])[0]
    # the round each centre's known units are counted from: its last full survey so far (else its first)
    base = np.zeros(len(centre_names), dtype=int)
    for j in range(1, int(r.max()) + 1 if n else 1):
        now = np.flatnonzero(r == j)
        cids = centre_codes[now]
        start = base[row_centre]
        has_j = np.zeros(len(centre_names), dtype=bool)
        has_j[cids] = True
        rows = has_j[row_centre] & (row_round >= start) & (row_round <= j - 1)
        sizes = pd.Series(keys[rows]).groupby(row_centre[rows]).nunique(dropna=False)
        known[now] = sizes.reindex(cids).to_numpy()
        for i in now:
            if stated[i] is not None:
                coverage[i] = stated[i]
            else:
                ratio = covered[i] / known[i]
                coverage[i] = "update" if ratio < share else "full"
                update = coverage[i] == "update"
                rule[i] = (f"detected: {covered[i]:,} units, {ratio:.0%} of the {known[i]:,} known before "
                           f"({'under' if update else 'at least'} {share:.0%}: "
                           f"{'an update' if update else 'a full survey'})")
        full_now = now[coverage[now] == "full"]
        base[centre_codes[full_now]] = j
    for i in range(n):
        if stated[i] is not None:
            rule[i] = f"stated in the data ({coverage[i]})"
        elif r[i] == 0:
            rule[i] = "first survey of the centre: full"
    day = rounds["day"]
    out = pd.DataFrame({"centre_id": rounds["c"].mask(rounds["c"] == ""),
                        "survey_date": day.mask(day == _UNDATED),
                        "covered": covered, "known_before": known, "coverage": coverage, "coverage_rule": rule})
    out["centre_id"] = out["centre_id"].astype("string")
    out["survey_date"] = pd.to_datetime(out["survey_date"]).astype("datetime64[ms]")
    return out[cols]


def units_on(units: pd.DataFrame, dates: pd.Series | None = None, *,
             rounds: pd.DataFrame | None = None,
             codes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """:func:`agora.analysis.surveys.units_on` of every centre together, each on its own date.

    Parameters
    ----------
    dates : Series, optional
        Centre id -> date (NaT: the undated survey); centres left out are not counted.
        Default: each centre's latest survey, as ``units_on(units)``.
    rounds : DataFrame, optional
        :func:`survey_rounds` of `units`.
    codes : tuple, optional
        :func:`_row_codes` of `units` (with keys).

    Returns
    -------
    DataFrame
        The rows ``units_on`` gives, centre by centre, in the same order.
    """
    data = with_keys(units)
    if data.empty:
        return data.assign(last_seen=data.get("survey_date"), as_of=data.get("survey_date"))
    codes = _row_codes(data) if codes is None else codes
    rounds = survey_rounds(data, codes=codes) if rounds is None else rounds
    rc = rounds["centre_id"].fillna("").to_numpy(dtype=object)
    rday = rounds["survey_date"].fillna(_UNDATED)
    if dates is None:
        target = rday.groupby(rc, sort=False).transform("max")
    else:
        wanted = {("" if pd.isna(k) else str(k)): (_UNDATED if pd.isna(v) else pd.Timestamp(v))
                  for k, v in dates.items()}
        target = pd.Series([wanted.get(c, pd.NaT) for c in rc], index=rounds.index, dtype="datetime64[ns]")
    upto = rounds[(rday <= target).to_numpy()].assign(day=rday, target=target)
    if upto.empty:
        return data.iloc[0:0].assign(last_seen=pd.NaT, as_of=pd.NaT)
    upto_c = upto["centre_id"].fillna("")
    g = upto.groupby(upto_c.to_numpy(), sort=False)
    full_day = upto["day"].where(upto["coverage"] == "full").groupby(upto_c.to_numpy(), sort=False).max()
    start = full_day.fillna(g["day"].min())
    as_of = g["survey_date"].last()  # the undated survey sorts first: the last dated one, if any
    last_target = g["target"].first()
    # centres and unit keys as numbers: each row's centre's dates taken by position
    centre, names, unit = codes
    day = data["survey_date"].fillna(_UNDATED).to_numpy()
    lo = start.reindex(names).to_numpy()[centre]
    hi = last_target.reindex(names).to_numpy()[centre]
    mask = ~pd.isna(lo) & (day >= lo) & (day <= hi)
    # each unit's last row up to its centre's date (the rows picked first, then copied once)
    where = np.flatnonzero(mask)
    # (centre, unit) as one number: the unit key from 0 (a missing key, -1, one value of its own)
    pair = centre[where].astype(np.int64) * (int(unit.max(initial=-1)) + 2) + (unit[where].astype(np.int64) + 1)
    order = pd.DataFrame({"_day": day[where], "_pair": pair})
    picked = surveys.last_rows(pd.DataFrame({"p": where}, index=data.index[where]), order, ["_pair"])
    picked = picked["p"].to_numpy()
    rows = data.iloc[picked]
    row_c, row_day = centre[picked], day[picked]
    # the coverage of the survey that saw each row: its (centre, day) among the rounds
    upto_no = pd.Index(names).get_indexer(upto_c.to_numpy())
    seen = upto_no >= 0
    days, day_no = np.unique(np.r_[upto["day"].to_numpy()[seen], row_day].astype("datetime64[ns]"), return_inverse=True)
    cov = pd.Series(upto["coverage"].to_numpy()[seen], index=upto_no[seen].astype(np.int64) * len(days) + day_no[:seen.sum()])
    # each row's coverage as the number of its distinct word, made text once
    at = cov.index.get_indexer(row_c.astype(np.int64) * len(days) + day_no[seen.sum():])
    words, kinds = pd.factorize(cov.to_numpy())
    word = np.full(len(at), -1, dtype=np.int64)
    word[at >= 0] = words[at[at >= 0]]
    looked = pd.array(np.asarray(kinds, dtype=object), dtype="string").take(word, allow_fill=True)
    of = pd.Series(as_of.reindex(names).to_numpy()[row_c]).astype("datetime64[ms]").to_numpy()
    return rows.assign(last_seen=rows["survey_date"], as_of=of, coverage=looked)


# --------------------------------------------------------------------------- survey dates of each centre
def survey_dates(units: pd.DataFrame, *, gap_days: int = SURVEY_GAP_DAYS,
                 min_dated_share: float = MIN_DATED_SHARE) -> pd.Series:
    """:func:`agora.analysis.vacancy.survey_dates` of each centre's units on their own (NaT: undated).

    Survey rounds of one centre do not depend on the dates of another: the figures of a
    centre (:func:`agora.analysis.vacancy.vacancy_change` or
    :func:`agora.analysis.clone.latest_survey` on its units) read these.
    """
    out = pd.Series(pd.NaT, index=units.index, dtype="datetime64[ms]")
    if "observed_on" not in units or units.empty:
        return out
    # centres as numbers in the order of their ids (never missing: "" for none)
    centre, names = pd.factorize(_centre_key(units).array, sort=True)
    day = pd.to_datetime(units["observed_on"], errors="coerce").dt.normalize()
    dated = day.notna().to_numpy()
    share = pd.Series(dated).groupby(centre).mean()
    twice = np.zeros(len(names), dtype=bool)  # a unit of the centre seen on two dates
    few = (share < min_dated_share).to_numpy()  # the centres it decides for (few rows dated)
    if "unit_id" in units and few.any():
        ids = pd.factorize(units["unit_id"].array)[0]
        seen = dated & (ids >= 0) & few[centre]  # rows without an id are no unit seen twice
        pair = centre[seen].astype(np.int64) * (len(units) + 1) + ids[seen]
        times = pd.Series(units["observed_on"].array[seen]).groupby(pair).nunique()
        twice[np.unique(times.index.to_numpy()[times.to_numpy() > 1] // (len(units) + 1))] = True
    twice = pd.Series(twice, index=share.index)
    ok = ~((share < min_dated_share) & ~twice) & (share > 0)
    days = pd.DataFrame({"c": centre[dated], "d": day[dated].to_numpy()}).drop_duplicates().sort_values(["c", "d"])
    days = days[days["c"].isin(ok.index[ok])]
    gap = days["d"].diff() > pd.Timedelta(days=gap_days)
    new = gap.to_numpy() | (days["c"].to_numpy() != np.r_[None, days["c"].to_numpy()[:-1]])
    days["first"] = days["d"].where(new).ffill()
    lookup = pd.Series(days["first"].to_numpy(), index=pd.MultiIndex.from_arrays([days["c"], days["d"]]))
    found = lookup.reindex(pd.MultiIndex.from_arrays([centre, day.to_numpy()])).to_numpy()
    return pd.Series(pd.to_datetime(found), index=units.index).astype("datetime64[ms]")


def with_rounds(units: pd.DataFrame) -> pd.DataFrame:
    """`units` with each centre's own survey rounds (``survey_date``, :func:`survey_dates`) and, when they
    have unit ids, the unit of each row across them (``unit_key``, ``match_rule``,
    :func:`agora.analysis.surveys.match_units`): what :func:`vacancy_change` and :func:`clone_scores`
    start from, worked out once when both are computed (their `keyed`)."""
    out = units.assign(survey_date=survey_dates(units))
    if "unit_id" in out and "unit_key" not in out:
        out = out.join(surveys.match_units(out))
    return out


def keyed_rounds(keyed: pd.DataFrame) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], pd.DataFrame] | None:
    """Each row's numbers (:func:`_row_codes`) and the survey rounds (:func:`survey_rounds`) of units with
    their rounds and keys (:func:`with_rounds`); None without unit keys.

    What :func:`vacancy_change` and :func:`clone_scores` both read of every unit, worked out once
    when both are computed (their `rounds`).
    """
    if keyed.empty or "unit_key" not in keyed or "survey_date" not in keyed:
        return None
    codes = _row_codes(keyed)
    return codes, survey_rounds(keyed, codes=codes)


def _keyed_rows(units: pd.DataFrame, keyed: pd.DataFrame | None, rows: np.ndarray) -> pd.DataFrame | None:
    """The `rows` (a mask of `units`) of `keyed` (:func:`with_rounds` of `units`), when it can stand for them."""
    if keyed is None or len(keyed) != len(units) or "survey_date" in units or "unit_key" in units:
        return None
    return keyed if rows.all() else keyed[rows]  # every row: not copied


def _rates(state: pd.DataFrame) -> pd.Series:
    """Vacancy rate per centre of a set of units (:func:`agora.analysis.vacancy.vacancy_table`)."""
    status = state["status"].astype("string")
    centre, names = pd.factorize(_centre_key(state).array, sort=True)
    occupied = np.bincount(centre[status.eq("occupied").fillna(False).to_numpy(dtype=bool)], minlength=len(names))
    vacant = np.bincount(centre[status.eq("vacant").fillna(False).to_numpy(dtype=bool)], minlength=len(names))
    known = occupied + vacant
    rate = np.full(len(names), np.nan)
    np.divide(vacant, known, out=rate, where=known > 0)
    return pd.Series(rate, index=pd.Index(np.asarray(names, dtype=object)))


#: The columns :func:`vacancy_change` reads of units matched across surveys.
_RATE_COLUMNS = ("centre_id", "unit_key", "survey_date", "observed_on", "coverage", "status")


def vacancy_change(units: pd.DataFrame, *, keyed: pd.DataFrame | None = None,
                   rounds: tuple | None = None) -> pd.Series:
    """Each centre's change in vacancy rate between its own last two dated surveys, in points.

    The figure of ``vacancy_change(<the centre's units>, by=("centre_id",))``
    (:func:`agora.analysis.vacancy.vacancy_change`) for every centre at once; centres with
    fewer than two dated surveys are left out. `keyed`: :func:`with_rounds` of `units`, and
    `rounds`: :func:`keyed_rounds` of `keyed`, when worked out already.
    """
    rows = _centre_key(units).ne("").to_numpy() if len(units) else np.zeros(0, dtype=bool)
    placed = units[rows] if len(units) else units
    if placed.empty:
        return pd.Series(dtype=float, name="change_points")
    source = _keyed_rows(units, keyed, rows)
    whole = rounds is not None and source is not None and source is keyed  # every row of `keyed`
    source = with_rounds(placed) if source is None else source
    # one row per unit and survey (vacancy.prepare's rows, its descriptive columns left out), with each row's
    # centre and unit as numbers worked out once (the rows kept are all of them when each unit is seen once
    # a survey: their numbers, and their survey rounds, are those of every row)
    same = False
    if "unit_key" in source:  # only the columns the rates read: the rows kept are copied narrow
        source = source[[c for c in source.columns if c in _RATE_COLUMNS]]
        codes = rounds[0] if whole else _row_codes(source)
        data = vacancy.last_observations(source, codes[0], unit=codes[2])
        same = source.index.is_unique and data.index.equals(source.index)
        codes = codes if same else _row_codes(data)
    else:
        data = with_keys(vacancy.last_observations(source, _centre_codes(source)[0]))
        codes = _row_codes(data)
    # each centre's last two survey days (centre numbers sort as the centre keys)
    dated = pd.DataFrame({"c": codes[0], "d": data["survey_date"].to_numpy()}).dropna().drop_duplicates()
    dated = dated.sort_values(["c", "d"])
    last = dated.groupby("c")["d"].nth(-1)
    before = dated.groupby("c")["d"].nth(-2)
    after = pd.Series(last.to_numpy(), index=codes[1][dated.loc[last.index, "c"].to_numpy()])
    before = pd.Series(before.to_numpy(), index=codes[1][dated.loc[before.index, "c"].to_numpy()])
    after = after.reindex(before.index)
    if before.empty:
        return pd.Series(dtype=float, name="change_points")
    rounds = rounds[1] if whole and same else survey_rounds(data, codes=codes)
    rate_before = _rates(units_on(data, before, rounds=rounds, codes=codes)).reindex(before.index)
    rate_after = _rates(units_on(data, after, rounds=rounds, codes=codes)).reindex(before.index)
    return ((rate_after - rate_before) * 100).rename("change_points")


def share_independent(units: pd.DataFrame) -> pd.Series:
    """:func:`agora.analysis.headline.share_independent` of each centre's units (NaN where it gives None)."""
    centre = units["centre_id"].astype("string")
    known = units["ownership"].isin(["independent", "chain", "symbol_group"]) & (units["status"] == "occupied")
    known = known.fillna(False).to_numpy(dtype=bool)
    independent = pd.Series((units["ownership"] == "independent").fillna(False).to_numpy(dtype=bool)[known])
    counted = independent.groupby(centre.to_numpy()[known]).agg(["sum", "size"])
    shares = (counted["sum"] / counted["size"]).astype(float)
    every = pd.Index(centre.dropna().unique(), dtype="string", name="centre_id")
    return shares.set_axis(shares.index.astype("string")).reindex(every).rename("share_independent")


#: The columns that pick each centre's latest rows (:func:`latest_survey`).
_PICKED_BY = ("centre_id", "observed_on", "survey_date", "unit_key", "coverage")


def latest_survey(units: pd.DataFrame, survey_date: pd.Series | None = None, *,
                  columns: list[str] | None = None) -> pd.DataFrame:
    """:func:`agora.analysis.vacancy.latest_survey` of every centre together (the same rows).

    `survey_date`: the survey rounds of a larger table (:func:`agora.analysis.vacancy.survey_dates`)
    whose rows of some centres `units` are; these centres' rows of the larger table's latest survey.
    `columns`: only these columns are wanted (of `units`, ``survey_date`` and ``shop_type``): the
    rows are picked first and the shop type is worked out for them alone (the same values).
    """
    fast = columns is not None and set(columns) <= {*units.columns, "survey_date", "shop_type"} and \
        "status" in units and units.index.is_unique and not any(c in units for c in vacancy.PREPARED)
    if not fast:
        out = units_on(vacancy.prepare(units, survey_date=survey_date))
        return out if columns is None else out[columns]
    # vacancy.prepare's rows and keys (its descriptive columns left out), then its shop type of the rows kept
    keyed = units.assign(survey_date=vacancy.survey_dates(units) if survey_date is None else
                         survey_date.reindex(units.index).astype("datetime64[ms]"))
    if "unit_id" in keyed:
        keyed = keyed.join(surveys.match_units(keyed))
    cid = units["centre_id"].astype("string") if "centre_id" in units else \
        pd.Series(pd.NA, index=units.index, dtype="string")
    if "unit_key" in keyed:  # the rows picked from the columns that pick them, then copied once
        narrow = keyed[[c for c in keyed.columns if c in _PICKED_BY]]
        picked = units_on(vacancy.last_observations(narrow, cid))
        rows = keyed.loc[picked.index].assign(**{c: picked[c] for c in ("last_seen", "as_of", "coverage")})
    else:
        rows = units_on(vacancy.last_observations(keyed, cid))
    former_type = pd.Series(pd.NA, index=rows.index, dtype="string")
    category = rows["category"].astype("string") if "category" in rows else former_type
    need = ((rows["status"] == "vacant").fillna(False) & category.isna()).to_numpy(dtype=bool)
    if need.any():  # a vacant unit without a type: its former use (vacancy.former_use, else its history)
        at = rows.index[need]
        found = vacancy.former_use(units.loc[at])["former_type"]
        if "unit_id" in keyed:
            mine = keyed[keyed["unit_key"].isin(rows.loc[at, "unit_key"]).to_numpy(dtype=bool)]
            found = found.fillna(surveys.unit_history(mine)["last_use"].reindex(at))
        former_type[at] = found.astype("string")
    return rows.assign(shop_type=vacancy.shop_type_column(rows, former_type))[columns]


# --------------------------------------------------------------------------- clone scores
#: Figures of :func:`clone_scores` (the fields of :func:`agora.analysis.clone.diagnose_centre`'s summary).
CLONE_COLUMNS = ["survey_date", "n_units", "n_eligible", "n_scored", "independents", "chains", "types",
                 "nef2005_score", "nef2005_class", "nef2010_index", "nef2010_class", "shannon", "simpson"]


def clone_latest(units: pd.DataFrame, keyed: pd.DataFrame | None = None, *,
                 rounds: tuple | None = None, columns: list[str] | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`agora.analysis.clone.latest_survey` of each centre's units on their own, for every centre.

    Returns the rows (in the order of `units`) and each centre's survey day (ISO; missing
    for a centre without survey rounds, whose every unit is kept). `keyed`: :func:`with_rounds`
    of `units`, and `rounds`: :func:`keyed_rounds` of `keyed`, when worked out already. `columns`:
    only these of `units` are wanted, when `keyed` has the unit keys (the same rows, copied narrow).
    """
    centre = _centre_key(units)
    if "observed_on" not in units:
        return units, pd.Series(dtype="object")
    keyed = _keyed_rows(units, keyed, np.ones(len(units), dtype=bool))  # every row: `keyed` itself
    if columns is not None and keyed is not None and "unit_key" in keyed:  # units matched already: no other column read
        wanted = {*columns, *_PICKED_BY, "observed_on"}
        units = units[[c for c in units.columns if c in wanted]]
        keyed = keyed[[c for c in keyed.columns if c in wanted]]
    shared = rounds if keyed is not None else None
    dates = survey_dates(units) if keyed is None else keyed["survey_date"]
    # centres as numbers: those with a dated survey, and each one's last survey day
    code, names = pd.factorize(centre.array)
    day = dates.to_numpy()
    has_day = ~pd.isna(day)
    dated = np.zeros(len(names), dtype=bool)
    dated[code[has_day]] = True
    keep_all = ~dated[code]
    with_dates = units[~keep_all] if keep_all.any() else units
    if len(with_dates):
        # the units of each centre matched across its own rounds (per centre: the same on some centres)
        if keyed is None or "unit_key" not in keyed:
            known = units_on(with_dates.assign(survey_date=dates[~keep_all]))
        elif keep_all.any():
            known = units_on(keyed[~keep_all])
        else:  # every row of `keyed`: its rounds, when given
            known = units_on(keyed, **({} if shared is None else {"codes": shared[0], "rounds": shared[1]}))
        known = known.drop(columns=[c for c in known.columns if c not in units.columns])
    else:
        known = with_dates
    out = pd.concat([known, units[keep_all]]).sort_index() if keep_all.any() else known
    last = pd.Series(day[has_day]).groupby(code[has_day]).max()
    days = pd.Series(last.to_numpy(), index=np.asarray(names, dtype=object)[last.index.to_numpy()])
    return out, days.map(lambda d: d.date().isoformat())


#: Eligible units of a centre up to which its units' nearest neighbours are found from the distances
#: between every pair (above it, a k-d tree, as :func:`agora.analysis.clone.find_heart`: the pairs of a
#: larger centre would take too much memory).
PAIRWISE_MAX = 1500
#: Distances worked out at once when centres of one size are taken together.
PAIRWISE_BATCH = 2_000_000
#: The summary fields :func:`agora.analysis.clone.certainty` reads.
_VERDICT_INPUTS = ("nef2005_class", "nef2010_class", "bootstrap_low", "bootstrap_high", "heart_same_class",
                   "below_minimum")


def _kth_nearest(xy: np.ndarray, starts: np.ndarray, sizes: np.ndarray, k_max: int) -> np.ndarray:
    """Each point's distance to its k-th nearest point of its own group, itself included (k: `k_max`,
    or the group's size when smaller): the last column of ``cKDTree(group).query(group, k)``.

    `xy` holds the groups one after the other (group g: ``starts[g]`` for ``sizes[g]`` rows). The
    distances are worked out as the k-d tree does (the square root of the sum of the squared
    differences, x first), so the k-th smallest is the same number.

    >>> pts = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0], [100.0, 0.0]])
    >>> _kth_nearest(pts, np.array([0, 3]), np.array([3, 1]), 2).tolist()
    [5.0, 5.0, 5.0, 0.0]
    """
    from scipy.spatial import cKDTree

    out = np.zeros(len(xy))
    for m in np.unique(sizes[sizes > 0]).tolist():
        groups = np.flatnonzero(sizes == m)
        k = min(k_max, m)
        if m > PAIRWISE_MAX:
            for g in groups.tolist():
                pts = xy[starts[g]:starts[g] + m]
                dist, _ = cKDTree(pts).query(pts, k=k)
                out[starts[g]:starts[g] + m] = dist.reshape(m, -1)[:, -1]
            continue
        step = max(1, PAIRWISE_BATCH // (m * m))
        for lo in range(0, len(groups), step):
            at = starts[groups[lo:lo + step]][:, None] + np.arange(m)
            x, y = xy[at, 0], xy[at, 1]
            dx = x[:, :, None] - x[:, None, :]
            dy = y[:, :, None] - y[:, None, :]
            dx *= dx
            dy *= dy
            dx += dy  # squared distances: the square root of the k-th smallest is the k-th smallest distance
            dx.partition(k - 1, axis=2)
            out[at] = np.sqrt(dx[:, :, k - 1])
    return out


def _first_min(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The position of each group's first smallest value (NaN the smallest, as ``np.argmin``); -1 for an empty group.

    >>> _first_min(np.array([3.0, 1.0, 1.0, 2.0, 5.0]), np.array([0, 3, 3]), np.array([3, 0, 2])).tolist()
    [1, -1, 3]
    """
    out = np.full(len(sizes), -1, dtype=np.int64)
    full = sizes > 0
    if not full.any():
        return out
    key = np.where(np.isnan(values), -np.inf, values)
    group = np.repeat(np.arange(len(sizes)), sizes)
    low = np.full(len(sizes), np.inf)
    low[full] = np.minimum.reduceat(key, starts[full])
    hit = np.flatnonzero(key == low[group])
    found, first = np.unique(group[hit], return_index=True)
    out[found] = hit[first]
    return out


def _walks(xy: np.ndarray, codes: np.ndarray, eligible: np.ndarray, n_centres: int, sample_size: int) -> dict:
    """nef's walk in every centre at once, as :func:`clone_scores` took it centre by centre.

    The heart of each centre is its eligible unit whose `sample_size`-th nearest eligible unit
    is closest (the first such unit in row order); its eligible units are ranked by their
    distance from it (ties in row order).

    Returns
    -------
    dict
        ``rows`` (eligible rows by centre, in row order), ``ranked`` (the same by centre and
        rank), ``far`` (the distance of each of ``ranked``), ``position`` (its rank in its
        centre, from 0), ``sizes`` and ``starts`` (each centre's part of these arrays) and
        ``best`` (each centre's heart row, -1 without an eligible unit).
    """
    rows = np.flatnonzero(eligible)
    rows = rows[np.argsort(codes[rows], kind="stable")]
    at = codes[rows]
    sizes = np.bincount(at, minlength=n_centres)
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    pts = xy[rows]
    spread = _kth_nearest(pts, starts, sizes, sample_size)
    first = _first_min(spread, starts, sizes)
    best = np.where(first >= 0, rows[np.maximum(first, 0)] if len(rows) else -1, -1)
    heart = best[at]
    far = np.hypot(pts[:, 0] - xy[heart, 0], pts[:, 1] - xy[heart, 1]) if len(rows) else np.zeros(0)
    order = np.lexsort((far, at))  # stable: ties keep row order
    return {"rows": rows, "ranked": rows[order], "far": far[order], "position": np.arange(len(rows)) - starts[at[order]],
            "sizes": sizes, "starts": starts, "best": best}


def _scored_figures(rows: np.ndarray, at: np.ndarray, n_centres: int, indep: np.ndarray, chain: np.ndarray,
                    symbol: np.ndarray, type_codes: np.ndarray, from_codes: np.ndarray, from_names: pd.Index,
                    diversity: bool = True) -> dict[str, list]:
    """Counts of each centre's scored units (`rows`, in centre `at`), as lists by centre code.

    ``i``, ``c``, ``sg`` (independents, chains, symbol groups), ``t`` (distinct known types),
    ``untyped``, ``types_from`` and ``from_names`` (types read from names); with `diversity`,
    ``shannon`` and ``simpson`` of the units per type (:func:`agora.analysis.clone.shannon`,
    :func:`~agora.analysis.clone.simpson`, worked out once per distinct set of counts).
    """
    from . import clone

    def count(flags: np.ndarray) -> list[int]:
        return np.bincount(at[flags], minlength=n_centres).tolist()

    out: dict[str, list] = {"i": count(indep[rows]), "c": count(chain[rows]), "sg": count(symbol[rows])}
    t_codes = type_codes[rows]
    known = t_codes >= 0
    out["untyped"] = count(~known)
    width = int(type_codes.max()) + 1 if len(type_codes) else 1
    pairs, per_type = np.unique(at[known].astype(np.int64) * width + t_codes[known], return_counts=True)
    pair_centre = pairs // width
    types = np.bincount(pair_centre, minlength=n_centres)
    out["t"] = types.tolist()
    f_codes = from_codes[rows]
    mask = np.zeros(n_centres, dtype=np.int64)
    for k in range(len(from_names)):
        mask |= (np.bincount(at[f_codes == k], minlength=n_centres) > 0).astype(np.int64) << k
    kinds = {m: "+".join(sorted(from_names[k] for k in range(len(from_names)) if m >> k & 1)) or "none"
             for m in np.unique(mask).tolist()}
    out["types_from"] = [kinds[m] for m in mask.tolist()]
    named = list(from_names).index("name") if "name" in list(from_names) else -2
    out["from_names"] = count(f_codes == named)
    if diversity:
        nan = [float("nan")] * n_centres
        out["shannon"], out["simpson"] = nan, list(nan)
        if len(pairs):
            counts = np.zeros((n_centres, int(types.max())), dtype=np.int64)
            counts[pair_centre, np.arange(len(pairs)) - np.searchsorted(pair_centre, pair_centre)] = per_type
            counts.sort(axis=1)
            distinct, which = np.unique(counts, axis=0, return_inverse=True)
            shannon = [clone.shannon(row) for row in distinct]
            simpson = [clone.simpson(row) for row in distinct]
            which = np.asarray(which).ravel().tolist()
            out["shannon"] = [shannon[w] for w in which]
            out["simpson"] = [simpson[w] for w in which]
    return out


def _resample(summary: dict, j: int, walk: dict, chosen: np.ndarray, xy: np.ndarray, indep: np.ndarray,
              type_codes: np.ndarray, settings) -> None:
    """Add the other hearts' spread and the bootstrap interval of centre `j` to its `summary`
    (:func:`agora.analysis.clone.diagnose_centre`'s, from a generator seeded for the centre)."""
    from . import clone

    rng = np.random.default_rng(settings.seed)
    part = slice(walk["starts"][j], walk["starts"][j] + walk["sizes"][j])
    elig = walk["rows"][part]
    chosen = walk["ranked"][part][chosen[part]]
    if len(elig) > settings.minimum and settings.hearts:
        scores = clone.heart_walk_scores(xy[elig], indep[elig], type_codes[elig], settings, rng)
        lo, med, hi = np.percentile(scores, [0, 50, 100])
        # the share of walks with the centre's class among walks with a class (clone.nef2005_class of each)
        finite = np.isfinite(scores)
        low, high = clone.NEF2005_THRESHOLDS
        band = np.where(scores < low, 0, np.where(scores <= high, 1, 2))
        cls = summary["nef2005_class"]
        same = int((finite & (band == clone.CLASSES.index(cls))).sum()) if cls else 0
        summary["heart_low"], summary["heart_high"] = float(lo), float(hi)
        summary["heart_same_class"] = float(same / int(finite.sum())) if same else 0.0
    if settings.bootstrap and len(chosen) >= 2:
        pick = rng.integers(0, len(chosen), size=(settings.bootstrap, len(chosen)))
        boot, _ = clone._batch_scores(indep[chosen][pick], type_codes[chosen][pick], settings)
        lo, hi = np.percentile(boot, [2.5, 97.5])
        summary["bootstrap_low"], summary["bootstrap_high"] = float(lo), float(hi)


#: Bits in a word of type flags: centres with more types among their eligible units are resampled by :func:`_resample`.
_TYPE_BITS = 64
#: Distances worked out at once for the walks from other hearts of centres of one size.
WALKS_BATCH = 1_000_000
#: Scores worked out at once for the resamples of centres with the same draws.
BOOTSTRAP_BATCH = 250_000


def _type_bits(codes: np.ndarray, at: np.ndarray, n_centres: int) -> tuple[np.ndarray, np.ndarray]:
    """One bit per type of its centre for each unit (0 for no type), and each centre's number of types.

    `codes` are type codes (-1: none) of units in centres `at`; a centre's types are numbered
    from 0 in the order of their codes (bits of types past :data:`_TYPE_BITS` are left 0).
    """
    known = codes >= 0
    width = int(codes.max()) + 1 if len(codes) else 1
    pairs = at[known].astype(np.int64) * width + codes[known]
    distinct, inverse = np.unique(pairs, return_inverse=True)
    owner = distinct // width
    first = np.searchsorted(owner, np.arange(n_centres))
    local = np.asarray(inverse).ravel() - first[at[known]]
    n_types = np.bincount(owner, minlength=n_centres)
    word = np.uint32 if n_types.max(initial=0) <= 32 else np.uint64  # half the memory to go through
    bits = np.zeros(len(codes), dtype=word)
    fits = local < _TYPE_BITS
    bits[np.flatnonzero(known)[fits]] = np.left_shift(word(1), local[fits].astype(word))
    return bits, n_types


def _nef2005_batch(i: np.ndarray, t: np.ndarray, n: int) -> np.ndarray:
    """nef 2005 scores of samples of `n` units with `i` independents and `t` types (as :func:`_batch_scores`)."""
    i = i.astype(np.int64)
    t = t.astype(np.int64)
    c = n - i
    return (5 * t + 50 * i + 5 * c) / n


def _resample_many(walk: dict, chosen: np.ndarray, xy: np.ndarray, indep: np.ndarray, type_codes: np.ndarray,
                   settings, centres: np.ndarray) -> tuple[dict, np.ndarray]:
    """:func:`_resample` of many `centres` (codes) at once: the same numbers, from the same random draws.

    Each centre's generator is seeded with ``settings.seed``, so its draws depend only on how many
    eligible units it has (the other hearts are drawn when there are more than ``settings.hearts``)
    and how many it scores (the bootstrap): centres alike in both make the same draws and are taken
    together. The walk from each other heart is its ``sample_size`` nearest units; a centre where
    another unit is (nearly) as far from one of its hearts as the last unit of that walk (the k-d tree
    of :func:`agora.analysis.clone.heart_walk_scores` decides which is walked), a centre with more than
    :data:`_TYPE_BITS` types and one with more than :data:`PAIRWISE_MAX` eligible units are left to
    :func:`_resample`.

    Returns
    -------
    dict, array
        Arrays by centre code: ``heart`` (measured), ``heart_low``, ``heart_high``, ``heart_finite``
        (walks with a score) and ``heart_band`` (walks with a score in each class, n x 3);
        ``bootstrap`` (measured), ``bootstrap_low``, ``bootstrap_high``. And the codes of the
        `centres` left to :func:`_resample`.
    """
    from . import clone

    sizes, starts, elig_rows = walk["sizes"], walk["starts"], walk["rows"]
    n_centres = len(sizes)
    out = {"heart": np.zeros(n_centres, dtype=bool), "heart_low": np.full(n_centres, np.nan),
           "heart_high": np.full(n_centres, np.nan), "heart_finite": np.zeros(n_centres, dtype=np.int64),
           "heart_band": np.zeros((n_centres, 3), dtype=np.int64),
           "bootstrap": np.zeros(n_centres, dtype=bool), "bootstrap_low": np.full(n_centres, np.nan),
           "bootstrap_high": np.full(n_centres, np.nan)}
    centres = np.asarray(centres, dtype=np.int64)
    centre_of = np.repeat(np.arange(n_centres), sizes)  # the centre of each of walk["rows"] (and of walk["ranked"])
    elig_bits, n_types = _type_bits(type_codes[elig_rows], centre_of, n_centres)
    bits = np.zeros(len(indep), dtype=elig_bits.dtype)
    bits[elig_rows] = elig_bits
    left = np.zeros(n_centres, dtype=bool)
    left[centres[(n_types[centres] > _TYPE_BITS) | (sizes[centres] > PAIRWISE_MAX)]] = True
    todo = centres[~left[centres]]
    walks_drawn = bool(settings.hearts)

    def first_draw(m: int) -> tuple[np.ndarray, np.random.Generator]:
        """The hearts a centre with `m` eligible units starts its other walks from, and its generator after."""
        rng = np.random.default_rng(settings.seed)
        if m > settings.minimum and walks_drawn and m > settings.hearts:
            return np.sort(rng.choice(np.arange(m), settings.hearts, replace=False)), rng
        return np.arange(m), rng

    low, high = clone.NEF2005_THRESHOLDS
    if walks_drawn:  # centres with as many eligible units together
        walked = todo[sizes[todo] > settings.minimum]
        for m in np.unique(sizes[walked]).tolist():
            group = walked[sizes[walked] == m]
            heads, _ = first_draw(m)
            k = min(settings.sample_size, m)
            step = max(1, WALKS_BATCH // (len(heads) * m))
            for lo in range(0, len(group), step):
                js = group[lo:lo + step]
                rows = elig_rows[starts[js][:, None] + np.arange(m)]
                if k < m:
                    x, y = xy[rows, 0], xy[rows, 1]
                    dx = x[:, heads, None] - x[:, None, :]
                    dy = y[:, heads, None] - y[:, None, :]
                    dist = dx * dx + dy * dy  # centre x heart x unit
                    edge = np.sort(dist, axis=2)[:, :, k - 1:k + 1]
                    left[js[(edge[:, :, 1] - edge[:, :, 0] <= 1e-9 * edge[:, :, 1]).any(axis=1)]] = True
                    walks = dist <= edge[:, :, :1]  # the k units nearest each heart (no other as near)
                    i = np.count_nonzero(walks & indep[rows][:, None, :], axis=2)
                    t = np.bitwise_count(np.bitwise_or.reduce(np.where(walks, bits[rows][:, None, :], 0), axis=2))
                else:  # every walk is every eligible unit
                    i = np.repeat(indep[rows].sum(axis=1)[:, None], len(heads), axis=1)
                    t = np.repeat(np.bitwise_count(np.bitwise_or.reduce(bits[rows], axis=1))[:, None], len(heads), axis=1)
                scores = _nef2005_batch(i, t, k)
                spread = np.percentile(scores, [0, 50, 100], axis=1)
                finite = np.isfinite(scores)
                band = np.where(scores < low, 0, np.where(scores <= high, 1, 2))
                out["heart_low"][js], out["heart_high"][js] = spread[0], spread[2]
                out["heart_finite"][js] = finite.sum(axis=1)
                for b in range(3):
                    out["heart_band"][js, b] = (finite & (band == b)).sum(axis=1)
                out["heart"][js] = True
    if settings.bootstrap:  # centres with the same draws together
        scored = np.flatnonzero(chosen)  # positions in walk["ranked"], by centre and rank
        n_chosen = np.bincount(centre_of[scored], minlength=n_centres)
        first = np.r_[0, np.cumsum(n_chosen)[:-1]].astype(np.int64)
        boot = todo[n_chosen[todo] >= 2]
        m0 = sizes[boot] * ((sizes[boot] > settings.minimum) & walks_drawn & (sizes[boot] > settings.hearts))
        for m, n in (np.unique(np.stack([m0, n_chosen[boot]], axis=1), axis=0).tolist() if len(boot) else []):
            group = boot[(m0 == m) & (n_chosen[boot] == n)]
            _, rng = first_draw(m)
            pick = rng.integers(0, n, size=(settings.bootstrap, n))
            count = np.uint8 if n < 256 else np.int64
            step = max(1, BOOTSTRAP_BATCH // settings.bootstrap)
            for lo in range(0, len(group), step):
                js = group[lo:lo + step]
                rows = walk["ranked"][scored[first[js][:, None] + np.arange(n)]]
                # the independents and types of each resample, adding its draws one at a time to every
                # centre's (unit x centre arrays: each draw reads one row whole)
                types_of = np.ascontiguousarray(bits[rows].T)
                independent = np.ascontiguousarray(indep[rows].T).astype(count)
                drawn_types, drawn_indep = types_of[pick[:, 0]], independent[pick[:, 0]]
                for q in range(1, n):
                    drawn_types |= types_of[pick[:, q]]
                    drawn_indep += independent[pick[:, q]]
                scores = _nef2005_batch(drawn_indep.T, np.bitwise_count(drawn_types).T, n)
                interval = np.percentile(scores, [2.5, 97.5], axis=1)
                out["bootstrap_low"][js], out["bootstrap_high"][js] = interval[0], interval[1]
                out["bootstrap"][js] = True
    return out, np.flatnonzero(left)


def _grid_xy(points: gpd.GeoSeries, crs) -> np.ndarray:
    """x and y in `crs` of `points` (point geometries), the numbers ``points.to_crs(crs)`` gives:
    their coordinates transformed as it transforms them, without making new points (points with
    a z, which it transforms in three dimensions, by ``to_crs`` itself)."""
    import shapely
    from pyproj import CRS, Transformer

    data = points.to_numpy()
    target = CRS.from_user_input(crs)
    if points.crs.is_exact_same(target) or shapely.has_z(data).any():
        return shapely.get_coordinates(points.to_crs(target).to_numpy())
    coords = shapely.get_coordinates(data)
    x, y = Transformer.from_crs(points.crs, target, always_xy=True).transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def _spread_into(summary: dict, j: int, spread: dict) -> None:
    """Add centre `j`'s figures of :func:`_resample_many` to its `summary`, as :func:`_resample` does."""
    from . import clone

    if spread["heart"][j]:
        cls = summary["nef2005_class"]
        same = int(spread["heart_band"][j, clone.CLASSES.index(cls)]) if cls else 0
        summary["heart_low"], summary["heart_high"] = float(spread["heart_low"][j]), float(spread["heart_high"][j])
        summary["heart_same_class"] = float(same / int(spread["heart_finite"][j])) if same else 0.0
    if spread["bootstrap"][j]:
        summary["bootstrap_low"] = float(spread["bootstrap_low"][j])
        summary["bootstrap_high"] = float(spread["bootstrap_high"][j])


def clone_scores(units: pd.DataFrame, settings=None, *, names: dict | None = None,
                 keyed: pd.DataFrame | None = None, rounds: tuple | None = None) -> pd.DataFrame:
    """The clone-town diagnosis of every centre: :func:`agora.analysis.clone.diagnose_centre`'s summary for each.

    Each centre is diagnosed on its own units (its latest survey, its heart, the units
    nearest the heart, the sensitivity to other hearts and the bootstrap, drawn from a
    generator seeded per centre), as the Clone town page does. Centres whose units are not
    all points in Great Britain, or whose types come from the survey's own words, are
    diagnosed by :func:`~agora.analysis.clone.diagnose_centre` itself.

    Parameters
    ----------
    units : DataFrame or GeoDataFrame
        Units with ownership decided, in centres by ``centre_id`` (units in no centre are left out).
    settings : CloneSettings, optional
    names : dict, optional
        Centre id -> name (the ``centre`` column; default the id).
    keyed : DataFrame, optional
        :func:`with_rounds` of `units`, when worked out already.
    rounds : tuple, optional
        :func:`keyed_rounds` of `keyed`, when worked out already.

    Returns
    -------
    DataFrame
        Indexed by centre id: :data:`agora.analysis.clone.SUMMARY_COLUMNS` (but ``centre_id``).
    """
    from dataclasses import replace

    from . import clone
    from ..loaders.coords import BNG_CRS, BRITISH_ISLES

    settings = settings or clone.CloneSettings()
    names = names or {}
    columns = [c for c in clone.SUMMARY_COLUMNS if c != "centre_id"]
    rows = _centre_key(units).ne("").to_numpy() if len(units) else np.zeros(0, dtype=bool)
    placed = units[rows] if len(units) else units
    if placed.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], dtype="string", name="centre_id"))
    # every column given: units are matched across surveys by address too
    part = _keyed_rows(units, keyed, rows)
    used = [*clone.USED_COLUMNS, *([placed.geometry.name] if isinstance(placed, gpd.GeoDataFrame) else [])]
    latest, days = clone_latest(placed, part, rounds=rounds if part is not None and part is keyed else None,
                                columns=used)
    latest = clone._slim(latest)
    centre = _centre_key(latest)
    codes, centre_ids = pd.factorize(centre, sort=True)  # centres as numbers, in the order of their ids
    table = clone.unit_roles(latest, replace(settings, types_from="category"))
    fallback: set[str] = set()
    if settings.types_from != "category":
        eligible = table["eligible"].to_numpy()
        src = _text(table, "ownership_source").eq("surveyed").fillna(False).to_numpy()
        words = clone.normalise_values(_text(table, "source_category")).notna().to_numpy()
        frame = pd.DataFrame({"c": codes, "e": eligible, "s": src | ~eligible, "w": np.where(eligible, words, np.nan)})
        g = frame.groupby("c")
        survey_mode = g["e"].any() & g["s"].all() & (g["w"].mean() >= 0.9)
        fallback |= set(centre_ids[survey_mode.index[survey_mode]]) if settings.types_from == "auto" \
            else set(centre_ids)
    # points in Great Britain: measured in British National Grid, as area_crs decides
    xy = np.full((len(latest), 2), np.nan)
    lon = lat = np.full(len(latest), np.nan)
    if not (isinstance(latest, gpd.GeoDataFrame) and latest.geometry.name in latest and latest.crs is not None):
        fallback |= set(centre.unique())
    else:
        geom = latest.geometry
        point = (geom.notna() & ~geom.is_empty & (geom.geom_type == "Point")).to_numpy()
        fallback |= set(centre[~point].unique())
        shown = geom.to_crs(4326)
        lon = np.where(point, shown.x.where(point, np.nan), np.nan)
        lat = np.where(point, shown.y.where(point, np.nan), np.nan)
        box = pd.DataFrame({"c": codes, "x": lon, "y": lat}).groupby("c").agg(
            x0=("x", "min"), y0=("y", "min"), x1=("x", "max"), y1=("y", "max"))
        inside = (box["x0"] >= BRITISH_ISLES[0]) & (box["x1"] <= BRITISH_ISLES[2]) & (
            box["y0"] >= BRITISH_ISLES[1]) & (box["y1"] <= BRITISH_ISLES[3])
        fallback |= set(centre_ids[box.index[~inside]])
        if point.any():
            xy[point] = _grid_xy(geom[point], BNG_CRS)
    owner = table["owner_class"].astype("string")
    indep = owner.eq("independent").fillna(False).to_numpy()
    chain = owner.eq("chain").fillna(False).to_numpy()
    symbol = _text(table, "ownership").eq("symbol_group").fillna(False).to_numpy()
    type_codes, _ = pd.factorize(table["type_counted"])
    from_codes, from_names = pd.factorize(table["type_from"])
    role_codes, role_names = pd.factorize(table["role"])
    eligible = table["eligible"].to_numpy()
    status = _text(table, "status")
    occupied = status.eq("occupied").fillna(False).to_numpy()
    vacant = status.eq("vacant").fillna(False).to_numpy()
    n_centres = len(centre_ids)
    grouped = ~pd.Index(centre_ids).isin(sorted(fallback))
    # each centre's eligible units (in row order) and the same ranked by distance from its heart
    walk = _walks(xy, codes, eligible & grouped[codes], n_centres, settings.sample_size)
    first_s = walk["position"] < settings.sample_size
    every = np.ones(len(walk["ranked"]), dtype=bool)
    chosen_mask, other_mask = (first_s, every) if settings.method == "nef50" else (every, first_s)
    chosen_fig = _scored_figures(walk["ranked"][chosen_mask], codes[walk["ranked"][chosen_mask]], n_centres,
                                 indep, chain, symbol, type_codes, from_codes, from_names)
    other_fig = _scored_figures(walk["ranked"][other_mask], codes[walk["ranked"][other_mask]], n_centres,
                                indep, chain, symbol, type_codes, from_codes, from_names, diversity=False)
    n_units = np.bincount(codes, minlength=n_centres).tolist()
    n_eligible = np.bincount(codes[eligible], minlength=n_centres).tolist()
    occ = np.bincount(codes[occupied], minlength=n_centres).tolist()
    vac = np.bincount(codes[vacant], minlength=n_centres).tolist()
    role_index = {r: i for i, r in enumerate(role_names)}
    role_counts = {field: np.bincount(codes[role_codes == role_index.get(role, -2)], minlength=n_centres).tolist()
                   for field, role in (("excluded", "excluded use"), ("ownership_unknown", "ownership unknown"),
                                       ("use_unknown", "use unknown"))}
    radius = np.full(n_centres, np.nan)
    if chosen_mask.any():
        at = codes[walk["ranked"][chosen_mask]]
        starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
        radius[at[starts]] = np.maximum.reduceat(walk["far"][chosen_mask], starts)
    n_chosen = np.bincount(codes[walk["ranked"][chosen_mask]], minlength=n_centres).tolist()
    n_elig = walk["sizes"].tolist()
    best = walk["best"].tolist()
    radius = radius.tolist()
    lon_l, lat_l = lon.tolist(), lat.tolist()
    days = days.to_dict()
    resampled = bool(settings.hearts or settings.bootstrap)
    if resampled:
        spread, alone = _resample_many(walk, chosen_mask, xy, indep, type_codes, settings, np.flatnonzero(grouped))
        alone = set(alone.tolist())
    verdicts: dict[tuple, dict] = {}
    rows = {}
    id_list = centre_ids.tolist()
    for j in np.flatnonzero(grouped).tolist():
        cid = id_list[j]
        i, c, sg, t = chosen_fig["i"][j], chosen_fig["c"][j], chosen_fig["sg"][j], chosen_fig["t"][j]
        n = i + c
        score = clone.nef2005_score(t, i, c)
        index = clone.nef2010_index(t, i, n, weights=settings.weights, max_types=settings.max_types)
        o, v = occ[j], vac[j]
        summary = {
            "n_units": n_units[j], "n_eligible": n_eligible[j], "n_scored": n,
            "independents": i, "chains": c, "symbol_groups": sg, "types": t,
            "untyped_scored": chosen_fig["untyped"][j], "types_from": chosen_fig["types_from"][j],
            "types_from_names": chosen_fig["from_names"][j],
            "nef2005_score": score, "nef2005_class": clone.nef2005_class(score),
            "nef2010_index": index, "nef2010_class": clone.nef2010_class(index), "richness": t,
            "shannon": chosen_fig["shannon"][j], "simpson": chosen_fig["simpson"][j],
            "share_independent": float(i / n) if n else float("nan"),
            "share_chain": float((c - (sg if settings.symbol_groups_as_chains else 0)) / n) if n else float("nan"),
            "share_symbol_group": float(sg / n) if n else float("nan"),
            "share_vacant": float(v / (o + v)) if o + v else float("nan"), "vacant": v,
            "excluded": role_counts["excluded"][j], "ownership_unknown": role_counts["ownership_unknown"][j],
            "use_unknown": role_counts["use_unknown"][j],
        }
        chosen_n = n_chosen[j]
        below = chosen_n < settings.minimum
        b = best[j]
        summary.update(centre=names.get(cid) or cid, method=settings.method, survey_date=days.get(cid),
                       below_minimum=bool(below),
                       heart_lon=float(lon_l[b]) if b >= 0 else None,
                       heart_lat=float(lat_l[b]) if b >= 0 else None,
                       radius_m=float(radius[j]) if chosen_n else None,
                       notes=(f"only {chosen_n} units can be scored: nef never scored fewer than {settings.minimum}"
                              if below and chosen_n else ""))
        summary["nef2005_other_method"] = None
        if n_elig[j]:
            summary["nef2005_other_method"] = clone.nef2005_score(other_fig["t"][j], other_fig["i"][j],
                                                                  other_fig["c"][j])
        if resampled and j in alone:
            _resample(summary, j, walk, chosen_mask, xy, indep, type_codes, settings)
        elif resampled:
            _spread_into(summary, j, spread)
        key = tuple(summary.get(k) for k in _VERDICT_INPUTS)
        verdict = verdicts.get(key)
        if verdict is None:
            verdict = verdicts[key] = clone.certainty(dict(zip(_VERDICT_INPUTS, key)))
        summary.update(verdict)
        rows[cid] = summary
    # the centres the grouped path does not cover: diagnosed one by one
    key = _centre_key(placed)
    for cid in sorted(fallback):
        summary = clone.diagnose_centre(placed[(key == cid).to_numpy()], settings, centre_id=cid,
                                        name=names.get(cid) or cid).summary
        rows[cid] = summary
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns)
    out.index = pd.Index(out.index, dtype="string", name="centre_id")
    return out.sort_index()


# --------------------------------------------------------------------------- footfall
def footfall_figures(counts, sites: pd.DataFrame, *, weeks: int = 4, today=None) -> pd.DataFrame:
    """Each centre's footfall change of its last complete weeks, and its monthly signature.

    The figures of :func:`agora.analysis.footfall.recent_change` (``change_pct``) and
    :func:`agora.analysis.footfall.monthly_signature` (``signature``) for every centre
    with counts, from one DuckDB connection and grouped queries instead of two scans of
    the counts per centre.

    Returns
    -------
    DataFrame
        Indexed by centre id: ``footfall_yoy`` (per cent, rounded to 2 decimals as
        ``recent_change`` does) and ``footfall_signature``.
    """
    from datetime import timedelta

    from . import footfall

    out = pd.DataFrame({"footfall_yoy": pd.Series(dtype=float), "footfall_signature": pd.Series(dtype=object)})
    out.index = pd.Index([], dtype="string", name="centre_id")
    if sites is None or sites.empty or "centre_id" not in sites or not sites["centre_id"].notna().any():
        return out
    # only the sites of a centre are read (the others' days are not counted)
    placed = sites["site_id"][sites["centre_id"].notna()].dropna().astype(str).unique().tolist()
    con = footfall.connect(counts, sites, site_ids=placed)
    try:
        con.execute("CREATE TEMP TABLE d AS SELECT centre_id, site_id, day, count FROM daily "
                    "WHERE count IS NOT NULL AND centre_id IS NOT NULL")
        last = footfall._df(con, "SELECT centre_id, MAX(day) AS last FROM d GROUP BY centre_id")
        if last.empty:
            return out
        windows = []
        for cid, day in zip(last["centre_id"], last["last"]):
            ref = pd.Timestamp(today).date() if today is not None else pd.Timestamp(day).date() + timedelta(days=1)
            start, end = footfall.complete_weeks(ref, weeks)
            windows.append((cid, start, end, start - timedelta(days=footfall.YOY_DAYS),
                            end - timedelta(days=footfall.YOY_DAYS)))
        win = pd.DataFrame(windows, columns=["centre_id", "s", "e", "ps", "pe"])  # noqa: F841 - read by DuckDB
        for col in ("s", "e", "ps", "pe"):
            win[col] = pd.to_datetime(win[col])
        con.register("win", win)
        change = footfall._df(con, f"""
            WITH cur AS (SELECT d.* FROM d JOIN win w USING (centre_id)
                         WHERE d.day BETWEEN CAST(w.s AS DATE) AND CAST(w.e AS DATE)),
                 prev AS (SELECT d.* FROM d JOIN win w USING (centre_id)
                          WHERE d.day BETWEEN CAST(w.ps AS DATE) AND CAST(w.pe AS DATE))
            SELECT cur.centre_id, SUM(cur.count) AS total, SUM(prev.count) AS previous, COUNT(*) AS pairs
            FROM cur JOIN prev ON prev.site_id = cur.site_id AND prev.day + {footfall.YOY_DAYS} = cur.day
            GROUP BY cur.centre_id""")
        months = footfall._df(con, """
            SELECT centre_id, year(day) AS year, month(day) AS month, COUNT(DISTINCT day) AS days,
                   SUM(count) / COUNT(*) AS mean_per_site_day
            FROM d GROUP BY ALL ORDER BY centre_id, year, month""")
    finally:
        con.close()
    centres = pd.Index(sorted(last["centre_id"].astype(str)), dtype="string", name="centre_id")
    out = out.reindex(centres)
    moved = {cid: round(float(100 * (total / previous - 1)), 2)
             for cid, total, previous, pairs in change.itertuples(index=False) if pairs and previous}
    if moved:
        out["footfall_yoy"] = pd.Series(moved, dtype=float).reindex(centres).to_numpy()
    if len(months):
        length = pd.to_datetime(dict(year=months["year"], month=months["month"], day=1)).dt.days_in_month
        months["coverage"] = months["days"] / length
        good = months[months["coverage"] >= 2 / 3].groupby(["centre_id", "year"])["month"].nunique()
        full = good[good == 12].reset_index().groupby("centre_id")["year"].max()
        chosen = months.merge(full.rename("full").reset_index(), on="centre_id")
        chosen = chosen[chosen["year"] == chosen["full"]].sort_values("centre_id", kind="stable")
        signatures = _signatures(chosen["centre_id"].to_numpy(dtype=object), chosen["mean_per_site_day"].to_numpy())
        if signatures:
            out["footfall_signature"] = pd.Series(signatures, dtype=object).reindex(centres).to_numpy(dtype=object)
    return out


def _signatures(centre: np.ndarray, mean: np.ndarray) -> dict[str, str]:
    """Each centre's :func:`agora.analysis.footfall.classify_signature` of its months' means (rows of a
    centre together, January first), each indexed to their mean."""
    from . import footfall

    if not len(centre):
        return {}
    starts = np.flatnonzero(np.r_[True, centre[1:] != centre[:-1]])
    out = {}
    for start, end in zip(starts.tolist(), np.r_[starts[1:], len(centre)].tolist()):
        values = mean[start:end]
        out[centre[start]] = footfall.classify_signature((values / values.mean()).tolist())[0]
    return out
