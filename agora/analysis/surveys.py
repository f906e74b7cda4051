"""Surveys over time: full surveys and updates, units carried forward, unit history.

A *survey* is the set of unit rows of one centre observed together (a survey round of
:func:`agora.analysis.vacancy.survey_dates`). It has a date and a coverage:

``full``
    every unit of the centre was surveyed: the units known on that date are exactly
    the units it saw;
``update``
    some units were surveyed again (a street re-walked, twenty shops checked): those
    units take their new state, every other unit keeps its last known state, with the
    date it was last seen.

Coverage is read from the units' ``coverage`` column when the data state it (``full``
or ``update``; missing means full). When a survey does not say, it is *detected*: a
survey covering fewer than :data:`UPDATE_SHARE` of the units known just before it is
an update, else a full survey; the first survey of a centre is full. The rule used is
reported with every survey (:func:`survey_rounds`).

Units are matched across surveys by ``unit_id``, else by address (an ``address``
column, or house number and street), else by position and name (same normalised name
within :data:`MATCH_METRES` metres); the rule that matched each row is in
``match_rule`` and summed up by :func:`match_summary`.

Units known on a date
    Each unit's last state on or before the date, counting from the centre's last full
    survey on or before it (a full survey drops units it did not see), with
    ``last_seen`` (the survey that last saw it) — :func:`units_on`.

Unit history
    Each row's last known use, occupier and ownership from the unit's earlier rows
    (any survey or source) — :func:`unit_history` — so a vacant unit says what it was.

No streamlit here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COVERAGE = ("full", "update")
#: A survey covering fewer than this share of the units known before it is an update.
UPDATE_SHARE = 0.6
#: Two rows with the same name this close (metres) are the same unit.
MATCH_METRES = 15.0
MATCH_RULES = ("id", "address", "position+name", "new")
_UNDATED = pd.Timestamp("1677-09-22")  # sorts an undated survey before every dated one


def _text(table: pd.DataFrame, col: str) -> pd.Series:
    if col not in table:
        return pd.Series(pd.NA, index=table.index, dtype="string")
    out = table[col].astype("string").str.strip()
    return out.mask(out == "", pd.NA)


def _norm(values: pd.Series) -> pd.Series:
    return values.astype("string").str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def _address(table: pd.DataFrame) -> pd.Series:
    """A normalised address per row (``address``, else house number + street), <NA> when unknown."""
    for col in ("address", "addr:full", "full_address"):
        if col in table:
            return _norm(_text(table, col)).mask(lambda s: s == "")
    number = _text(table, "addr:housenumber")
    if "housenumber" in table:
        number = number.fillna(_text(table, "housenumber"))
    street = _text(table, "street")
    return _norm(number + " " + street).mask(lambda s: s == "")


def _xy(table: pd.DataFrame) -> np.ndarray:
    """Approximate metres (equirectangular) of each row's point; NaN without one."""
    out = np.full((len(table), 2), np.nan)
    geom = table.geometry if hasattr(table, "geometry") and "geometry" in table else None
    if geom is None:
        return out
    ok = (geom.notna() & ~geom.is_empty & (geom.geom_type == "Point")).to_numpy()
    if ok.any():
        x, y = geom[ok].x.to_numpy(), geom[ok].y.to_numpy()
        out[ok, 0] = x * 111_320 * np.cos(np.radians(y))
        out[ok, 1] = y * 110_574
    return out


def _rounds(units: pd.DataFrame) -> pd.Series:
    from .vacancy import survey_dates

    if "survey_date" in units:
        return pd.to_datetime(units["survey_date"])
    return survey_dates(units)


def _centre_key(units: pd.DataFrame) -> pd.Series:
    return _text(units, "centre_id").fillna("")


# --------------------------------------------------------------------------- matching
def match_units(units: pd.DataFrame, *, metres: float = MATCH_METRES) -> pd.DataFrame:
    """The unit each row belongs to across surveys: ``unit_key`` and ``match_rule``.

    Rows of a centre's first survey start units (rule ``id``). A row of a later survey
    joins a unit seen before by ``unit_id``; else by address; else by the same
    normalised name within `metres` of it; else it starts a new unit (``new``).

    Returns
    -------
    DataFrame
        Indexed like `units`: ``unit_key`` (string) and ``match_rule``.
    """
    key = _text(units, "unit_id")
    if key.isna().any():  # a row without an id: its row label
        key = key.fillna(pd.Series(units.index.astype(str), index=units.index, dtype="string"))
    rule = pd.Series("id", index=units.index, dtype="string")
    if units.empty:
        return pd.DataFrame({"unit_key": key, "match_rule": rule})
    rounds = _rounds(units).fillna(_UNDATED)
    centre = _centre_key(units)
    days = rounds.to_numpy()
    # A centre where every id is first seen in its first survey needs no matching: each row
    # keeps its id (rule "id"). Only the other centres go through the rules below.
    # (Centres and ids as numbers: neither is ever missing here.)
    centre_no = pd.factorize(centre.array)[0]
    pair = centre_no.astype(np.int64) * (len(units) + 1) + pd.factorize(key.array)[0]
    day = pd.Series(days)
    first_day = day.groupby(centre_no, sort=False).transform("min").to_numpy()
    first_seen = day.groupby(pair, sort=False).transform("min").to_numpy()
    slow = np.isin(centre_no, np.unique(centre_no[first_seen != first_day]))
    if not slow.any():
        return pd.DataFrame({"unit_key": key, "match_rule": rule})
    raw = key.to_numpy(dtype=object).copy()
    keys = raw.copy()
    rules = np.array(["id"] * len(units), dtype=object)
    where = np.flatnonzero(slow)
    some = units.iloc[where]
    addr = np.full(len(units), None, dtype=object)
    addr[where] = _address(some).to_numpy(dtype=object)
    names = np.full(len(units), None, dtype=object)
    names[where] = _norm(_text(some, "name")).to_numpy(dtype=object)
    xy = np.full((len(units), 2), np.nan)
    xy[where] = _xy(some)
    for _, order in pd.Series(where).groupby(centre.to_numpy()[where], sort=False):
        order = order.to_numpy()
        known_ids: dict = {}
        by_address: dict = {}
        named_keys: list = []
        named_xy = np.empty((0, 2))
        named_names = np.array([], dtype=object)
        for day in np.unique(days[order]):
            now = order[days[order] == day]
            seen = np.array([r in known_ids for r in raw[now]], dtype=bool) if known_ids else np.zeros(len(now), bool)
            for i in now[seen]:
                keys[i] = known_ids[raw[i]]
            unknown = now[~seen] if known_ids else now[:0]
            for i in unknown:
                found, how = None, "new"
                a = addr[i]
                if not pd.isna(a) and a in by_address:
                    found, how = by_address[a], "address"
                elif not pd.isna(names[i]) and not np.isnan(xy[i, 0]) and len(named_keys):
                    same = np.flatnonzero(named_names == names[i])
                    if len(same):
                        dist = np.hypot(named_xy[same, 0] - xy[i, 0], named_xy[same, 1] - xy[i, 1])
                        best = int(np.argmin(dist))
                        if dist[best] <= metres:
                            found, how = named_keys[same[best]], "position+name"
                if found is not None:
                    keys[i] = found
                rules[i] = how
            for i in now:
                known_ids.setdefault(raw[i], keys[i])
            for i in now:
                if not pd.isna(addr[i]):
                    by_address.setdefault(addr[i], keys[i])
            has = now[~pd.isna(names[now]) & ~np.isnan(xy[now, 0])]
            if len(has):
                named_keys.extend(keys[has])
                named_xy = np.vstack([named_xy, xy[has]])
                named_names = np.concatenate([named_names, names[has]])
    key = pd.Series(keys, index=units.index, dtype="string")
    rule = pd.Series(rules, index=units.index, dtype="string")
    return pd.DataFrame({"unit_key": key, "match_rule": rule})


def match_summary(units: pd.DataFrame) -> dict:
    """How rows of later surveys were matched to units seen before.

    Returns
    -------
    dict
        ``counts`` (rule -> rows of surveys after a centre's first) and ``text``, e.g.
        "units matched across surveys by id (250), by address (12); 3 new units".
    """
    data = units if "match_rule" in units else units.join(match_units(units))
    rounds = _rounds(data).fillna(_UNDATED)
    first = rounds.groupby(_centre_key(data).to_numpy()).transform("min")
    later = data[(rounds > first).to_numpy()]
    counts = {r: int((later["match_rule"] == r).sum()) for r in MATCH_RULES}
    if not len(later):
        return {"counts": counts, "text": "one survey per centre: nothing to match"}
    parts = [f"by {r.replace('+', ' and ')} ({counts[r]:,})" for r in MATCH_RULES[:3] if counts[r]]
    text = "units matched across surveys " + (", ".join(parts) if parts else "by nothing")
    if counts["new"]:
        text += f"; {counts['new']:,} new unit{'s' if counts['new'] != 1 else ''}"
    return {"counts": counts, "text": text}


# --------------------------------------------------------------------------- preparing
def last_rows(table: pd.DataFrame, order: pd.DataFrame, keys: list[str], *, na_position: str = "last",
              ) -> pd.DataFrame:
    """The rows of `table` sorted by the columns of `order` that are not `keys` (stable; none: as they
    are), keeping the last of each `keys` (``duplicated(keep="last")``), then sorted by index again.

    `order` holds those columns, one row per row of `table` (in its order). Only the rows kept
    are copied, once, when the index of `table` is unique and increasing (as a layer's is);
    else the table is sorted, filtered and sorted back.

    >>> t = pd.DataFrame({"v": [1, 2, 3, 4]})
    >>> last_rows(t, pd.DataFrame({"d": [2, 1, 3, 1], "k": ["a", "a", "b", "a"]}), ["k"])["v"].tolist()
    [1, 3]
    """
    by = [c for c in order.columns if c not in keys]
    if not (table.index.is_unique and table.index.is_monotonic_increasing):
        data = table.assign(**{f"_last_{c}": order[c].to_numpy() for c in order.columns})
        if by:
            data = data.sort_values([f"_last_{c}" for c in by], kind="stable", na_position=na_position)
        data = data[~data.duplicated([f"_last_{c}" for c in keys], keep="last")]
        return data.drop(columns=[f"_last_{c}" for c in order.columns]).sort_index()
    small = order.reset_index(drop=True)
    ranked = small.sort_values(by, kind="stable", na_position=na_position).index.to_numpy() if by \
        else np.arange(len(small))
    kept = ranked[~small.iloc[ranked][keys].duplicated(keep="last").to_numpy()]
    return table.iloc[np.sort(kept)]


def with_keys(units: pd.DataFrame) -> pd.DataFrame:
    """`units` with ``survey_date``, ``unit_key`` and ``match_rule`` (unchanged when already there)."""
    out = units
    if "survey_date" not in out:
        out = out.assign(survey_date=_rounds(out))
    if "unit_key" not in out:
        out = out.join(match_units(out))
    return out


def _stated(units: pd.DataFrame) -> pd.Series:
    text = _text(units, "coverage").str.lower()
    return text.where(text.isin(COVERAGE))


def survey_rounds(units: pd.DataFrame, *, share: float = UPDATE_SHARE) -> pd.DataFrame:
    """Every survey of every centre with its coverage and the rule that decided it.

    Parameters
    ----------
    units : DataFrame
        Units layer (all surveys).
    share : float
        Detection threshold: a survey covering fewer than this share of the units
        known before it is an update.

    Returns
    -------
    DataFrame
        ``centre_id``, ``survey_date`` (NaT: undated), ``covered`` (units it saw),
        ``known_before`` (units known just before it), ``coverage`` (full, update),
        ``coverage_rule`` (how it was decided), oldest first within each centre.
    """
    data = with_keys(units)
    cols = ["centre_id", "survey_date", "covered", "known_before", "coverage", "coverage_rule"]
    if data.empty:
        return pd.DataFrame(columns=cols)
    stated = _stated(data)
    frame = pd.DataFrame({"centre_id": _text(data, "centre_id"), "day": data["survey_date"].fillna(_UNDATED),
                          "key": data["unit_key"], "stated": stated})
    rows = []
    for cid, group in frame.groupby(frame["centre_id"].fillna(""), sort=True):
        known: set = set()
        for day, part in group.groupby("day", sort=True):
            keys = set(part["key"])
            said = part["stated"].dropna()
            if len(said):
                coverage = said.mode().iloc[0]
                rule = f"stated in the data ({coverage})"
            elif not known:
                coverage, rule = "full", "first survey of the centre: full"
            else:
                ratio = len(keys) / len(known)
                coverage = "update" if ratio < share else "full"
                rule = (f"detected: {len(keys):,} units, {ratio:.0%} of the {len(known):,} known before "
                        f"({'under' if coverage == 'update' else 'at least'} {share:.0%}: "
                        f"{'an update' if coverage == 'update' else 'a full survey'})")
            rows.append({"centre_id": cid or pd.NA, "survey_date": pd.NaT if day == _UNDATED else day,
                         "covered": len(keys), "known_before": len(known), "coverage": coverage,
                         "coverage_rule": rule})
            known = keys if coverage == "full" else known | keys
    out = pd.DataFrame(rows, columns=cols)
    out["centre_id"] = out["centre_id"].astype("string")
    out["survey_date"] = pd.to_datetime(out["survey_date"]).astype("datetime64[ms]")
    return out


def units_on(units: pd.DataFrame, date=None, *, rounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """The units known on `date` in each centre: each unit's last row on or before it.

    Counting starts at the centre's last full survey on or before `date` (a full survey
    drops the units it did not see); updates after it change only the units they saw.

    Parameters
    ----------
    date : date-like, optional
        Default: each centre's latest survey. NaT or "undated": the undated survey.
    rounds : DataFrame, optional
        :func:`survey_rounds` of `units` (computed when not given).

    Returns
    -------
    DataFrame
        One row per unit (the row that last saw it) with ``last_seen`` (its survey
        date), ``as_of`` (the date asked for, or the centre's latest) and
        ``coverage`` (of the survey that last saw it).
    """
    data = with_keys(units)
    if data.empty:
        return data.assign(last_seen=data.get("survey_date"), as_of=data.get("survey_date"))
    rounds = survey_rounds(data) if rounds is None else rounds
    centre = _centre_key(data)
    day = data["survey_date"].fillna(_UNDATED)
    parts = []
    for cid, group in rounds.groupby(rounds["centre_id"].fillna(""), sort=False):
        group = group.assign(day=group["survey_date"].fillna(_UNDATED))
        if date is None:
            target = group["day"].max()
        elif isinstance(date, str) and date == "undated" or (not isinstance(date, str) and pd.isna(date)):
            target = _UNDATED
        else:
            target = pd.Timestamp(date)
        upto = group[group["day"] <= target]
        if upto.empty:
            continue
        fulls = upto[upto["coverage"] == "full"]
        start = fulls["day"].max() if len(fulls) else upto["day"].min()
        mask = (centre == cid).to_numpy() & (day >= start).to_numpy() & (day <= target).to_numpy()
        rows = data[mask].assign(_day=day[mask])
        rows = rows.sort_values("_day", kind="stable")
        rows = rows[~rows["unit_key"].duplicated(keep="last")]
        cov = dict(zip(upto["day"], upto["coverage"]))
        rows = rows.assign(last_seen=rows["survey_date"], as_of=upto["survey_date"].iloc[-1],
                           coverage=rows["_day"].map(cov).astype("string")).drop(columns="_day")
        parts.append(rows)
    if not parts:
        return data.iloc[0:0].assign(last_seen=pd.NaT, as_of=pd.NaT)
    out = pd.concat(parts)
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ms]")  # an undated centre's NaT too
    return out.sort_index()


# --------------------------------------------------------------------------- vacancy over time
def vacancy_over_time(units: pd.DataFrame, centres: pd.DataFrame | None = None) -> pd.DataFrame:
    """Vacancy per centre and survey date, units carried forward.

    Returns
    -------
    DataFrame
        ``centre_id``, ``centre`` (name), ``date`` (NaT: undated), ``coverage``,
        ``coverage_rule``, ``units`` (units known on that date), ``occupied``,
        ``vacant``, ``unknown``, ``vacancy_rate`` (vacant / (occupied + vacant) of the
        units known), ``covered`` (units surveyed on that date), ``describes`` (what the
        figure covers, :func:`coverage_sentence`).
    """
    data = with_keys(units)
    rounds = survey_rounds(data)
    names = {}
    if centres is not None and len(centres):
        names = dict(zip(centres["centre_id"].astype("string"), centres["name"].astype("string")))
    rows = []
    for rec in rounds.itertuples(index=False):
        cid = "" if pd.isna(rec.centre_id) else rec.centre_id
        mine = data[(_centre_key(data) == cid).to_numpy()]
        state = units_on(mine, "undated" if pd.isna(rec.survey_date) else rec.survey_date,
                         rounds=rounds[rounds["centre_id"].fillna("") == cid])
        counts = _status_counts(state) if len(state) else None
        rows.append({
            "centre_id": rec.centre_id, "centre": names.get(cid, cid or pd.NA), "date": rec.survey_date,
            "coverage": rec.coverage, "coverage_rule": rec.coverage_rule,
            "units": int(counts["units"]) if counts is not None else 0,
            "occupied": int(counts["occupied"]) if counts is not None else 0,
            "vacant": int(counts["vacant"]) if counts is not None else 0,
            "unknown": int(counts["unknown"]) if counts is not None else 0,
            "vacancy_rate": float(counts["vacancy_rate"]) if counts is not None else np.nan,
            "covered": int(rec.covered),
            "describes": coverage_sentence(rounds[rounds["centre_id"].fillna("") == cid], rec.survey_date,
                                           units=int(counts["units"]) if counts is not None else None),
        })
    cols = ["centre_id", "centre", "date", "coverage", "coverage_rule", "units", "occupied", "vacant", "unknown",
            "vacancy_rate", "covered", "describes"]
    return pd.DataFrame(rows, columns=cols)


def _status_counts(state: pd.DataFrame) -> dict:
    """Units, occupied, vacant, unknown and the vacancy rate of a set of units (as :func:`vacancy.vacancy_table`)."""
    status = _text(state, "status").fillna("unknown")
    occupied, vacant = int((status == "occupied").sum()), int((status == "vacant").sum())
    known = occupied + vacant
    return {"units": len(state), "occupied": occupied, "vacant": vacant, "unknown": len(state) - known,
            "vacancy_rate": vacant / known if known else np.nan}


def _day_text(day) -> str:
    if day is None or pd.isna(day):
        return "an undated survey"
    d = pd.Timestamp(day)
    return f"{d.day} {d:%B %Y}"


def coverage_sentence(rounds: pd.DataFrame, date=None, *, units: int | None = None) -> str:
    """What a vacancy figure of one centre on `date` covers, in words.

    E.g. "survey of 13 June 2026, 230 units; 20 updated on 20 November 2026": the last
    full survey on or before `date`, and each update after it up to `date`.

    Parameters
    ----------
    rounds : DataFrame
        :func:`survey_rounds` of one centre.
    date : date-like, optional
        Default the latest survey.
    units : int, optional
        Units known on `date` (default: those the full survey saw).
    """
    if rounds is None or rounds.empty:
        return "no survey"
    day = rounds["survey_date"].fillna(_UNDATED)
    target = day.max() if date is None else (_UNDATED if pd.isna(date) else pd.Timestamp(date))
    upto = rounds[(day <= target).to_numpy()]
    if upto.empty:
        return "no survey on or before that date"
    fulls = upto[upto["coverage"] == "full"]
    base = fulls.iloc[-1] if len(fulls) else upto.iloc[0]
    base_day = base["survey_date"]
    later = upto[(upto["survey_date"].fillna(_UNDATED) > (_UNDATED if pd.isna(base_day) else base_day)).to_numpy()]
    first = "undated survey" if pd.isna(base_day) else f"survey of {_day_text(base_day)}"
    text = f"{first}, {int(base['covered']):,} units"
    for rec in later.itertuples(index=False):
        text += f"; {int(rec.covered):,} updated on {_day_text(rec.survey_date)}"
    if units is not None and len(later):
        text += f" ({units:,} units known)"
    return text


# --------------------------------------------------------------------------- history
_HISTORY = {"category": "last_use", "name": "last_name", "ownership": "last_ownership"}


def unit_history(units: pd.DataFrame) -> pd.DataFrame:
    """Each row's last known use, occupier and ownership from the unit's earlier rows.

    A unit's earlier rows are those of the same ``unit_key`` (:func:`match_units`) seen
    on an earlier survey date, or on the same date from another source. Only rows where
    the unit was occupied (or its status unknown but named) give a last use.

    Returns
    -------
    DataFrame
        Indexed like `units`: ``last_use`` (category id), ``last_name``,
        ``last_ownership`` and ``last_occupied_on`` (survey date of the row they came
        from; NaT when undated or unknown).
    """
    data = with_keys(units)
    out = pd.DataFrame(index=data.index)
    for col in _HISTORY.values():
        out[col] = pd.Series(pd.NA, index=data.index, dtype="string")
    out["last_occupied_on"] = pd.Series(pd.NaT, index=data.index, dtype="datetime64[ms]")
    if data.empty:
        return out
    status = _text(data, "status").fillna("unknown")
    name = _text(data, "name")
    gives = (status == "occupied") | ((status == "unknown") & name.notna())
    key = data["unit_key"].astype("string")
    if key.notna().all() and out.index.is_unique:
        return _history_by_codes(data, out, key, gives.to_numpy(dtype=bool))
    if key.notna().all():  # units as numbers in the order of their keys: the same groups and order, faster
        key = pd.Series(pd.factorize(key.array, sort=True)[0], index=key.index)
    frame = pd.DataFrame({"key": key, "day": data["survey_date"].fillna(_UNDATED),
                          "gives": gives.to_numpy()}, index=data.index)
    for src in _HISTORY:
        frame[src] = _text(data, src).where(gives)
    frame["seen"] = data["survey_date"].where(gives)
    frame = frame.sort_values(["key", "day"], kind="stable")
    # a value from an earlier row of the same unit: forward fill within the unit, shifted by one row
    group = frame.groupby("key", sort=False)
    unique = out.index.is_unique
    for src, dst in [*_HISTORY.items(), ("seen", "last_occupied_on")]:
        filled = group[src].ffill()
        previous = filled.groupby(frame["key"], sort=False).shift(1)
        # the row itself counts too when it gives (an occupied unit's own use is its last use)
        value = frame[src].where(frame["gives"], previous) if dst != "last_occupied_on" else \
            frame["seen"].where(frame["gives"], previous)
        if unique:  # back in the order of `units`
            out[dst] = pd.Series(value.to_numpy(), index=frame.index).reindex(out.index).astype(out[dst].dtype)
        else:
            out.loc[frame.index, dst] = value.to_numpy()
    out["last_occupied_on"] = pd.to_datetime(out["last_occupied_on"]).astype("datetime64[ms]")
    for col in _HISTORY.values():
        out[col] = out[col].astype("string")
    return out


def _text_codes(table: pd.DataFrame, col: str) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """:func:`_text` of a column as codes (-1: missing) and the values they stand for (each value stripped once)."""
    values = table[col]
    if not isinstance(values.dtype, pd.StringDtype):
        values = _text(table, col)
    codes, uniques = pd.factorize(values.array)
    text = pd.Series(uniques).astype("string").str.strip()
    text = text.mask(text == "", pd.NA)
    codes = np.where(codes >= 0, codes, len(text))  # missing: the value after the last, <NA>
    return codes, pd.array(np.r_[text.to_numpy(dtype=object), [pd.NA]], dtype="string")


def _last_given(order: np.ndarray, first: np.ndarray, valid: np.ndarray, gives: np.ndarray) -> np.ndarray:
    """Each row's own row where it gives, else the last earlier row of its unit with a value (`valid`); -1: none.

    Earlier in `order` (rows by unit, then day); `first`: the first sorted position of each
    sorted row's unit.
    """
    n = len(order)
    at = np.where(valid[order], np.arange(n), -1)
    last = np.maximum.accumulate(at) if n else at
    before = np.r_[-1, last[:-1]] if n else at
    before = np.where(before >= first, before, -1)
    pick = np.where(gives[order], np.arange(n), before)
    out = np.empty(n, dtype=np.int64)
    out[order] = np.where(pick >= 0, order[np.maximum(pick, 0)], -1)
    return out


def _history_by_codes(data: pd.DataFrame, out: pd.DataFrame, key: pd.Series, gives: np.ndarray) -> pd.DataFrame:
    """:func:`unit_history` where every row has a unit key and the index is unique: rows ordered by unit and
    day once, the last values found as positions (the same as filling forward within each unit)."""
    unit, _ = pd.factorize(key.array)
    day = data["survey_date"].fillna(_UNDATED).to_numpy().view(np.int64)
    order = np.lexsort((day, unit))  # stable: rows of a unit and day stay in their order
    sorted_unit = unit[order]
    starts = np.r_[True, sorted_unit[1:] != sorted_unit[:-1]] if len(order) else np.zeros(0, dtype=bool)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0)) if len(order) else order
    for src, dst in _HISTORY.items():
        if src not in data:
            continue
        codes, values = _text_codes(data, src)
        got = _last_given(order, first, ~np.asarray(values.isna())[codes] & gives, gives)
        taken = np.where(got >= 0, codes[np.maximum(got, 0)], len(values) - 1)
        out[dst] = pd.Series(values.take(taken), index=out.index, dtype="string")
    seen = pd.to_datetime(data["survey_date"]).astype("datetime64[ms]").to_numpy()
    got = _last_given(order, first, ~np.isnat(seen) & gives, gives)
    found = np.where(got >= 0, seen[np.maximum(got, 0)], np.datetime64("NaT", "ms"))
    out["last_occupied_on"] = pd.Series(found, index=out.index, dtype="datetime64[ms]")
    return out


def openings_closures(units: pd.DataFrame, *, by: str = "type") -> pd.DataFrame:
    """Openings, closures and net change per centre and survey, by shop type.

    A unit *opens* when it is occupied on a survey date and was vacant (or not known)
    on the survey before; it *closes* when it was occupied and is now vacant. Units are
    carried forward (:func:`units_on`), so an update counts only the units it saw.
    Closed units are counted under their last known use.

    Parameters
    ----------
    by : str
        ``type`` (shop type label), or ``none`` (one row per centre and survey).

    Returns
    -------
    DataFrame
        ``centre_id``, ``date``, ``date_before``, ``shop_type`` (when `by` is type),
        ``openings``, ``closures``, ``net`` (openings minus closures).
    """
    from .taxonomy import type_label
    from .vacancy import UNKNOWN_TYPE

    data = with_keys(units)
    data = data.join(unit_history(data)) if "last_use" not in data else data
    rounds = survey_rounds(data)
    rows = []
    for cid, group in rounds.groupby(rounds["centre_id"].fillna(""), sort=False):
        dated = group[group["survey_date"].notna()].reset_index(drop=True)
        mine = data[(_centre_key(data) == cid).to_numpy()]
        previous, previous_day = None, None
        for rec in dated.itertuples(index=False):
            state = units_on(mine, rec.survey_date, rounds=group).set_index("unit_key")
            if previous is not None:
                was = previous["status"].astype("string").reindex(state.index)
                now = state["status"].astype("string")
                opened = (now == "occupied") & (was != "occupied").fillna(True)
                closed = (now == "vacant") & (was == "occupied").fillna(False)
                use = state["category"].astype("string").where(opened, state["last_use"].astype("string"))
                label = type_label(use).astype("string").fillna(use).fillna(UNKNOWN_TYPE)
                table = pd.DataFrame({"shop_type": label, "openings": opened.astype(int),
                                      "closures": closed.astype(int)})
                table = table[(table["openings"] + table["closures"]) > 0]
                if by == "type":
                    counts = table.groupby("shop_type")[["openings", "closures"]].sum().reset_index()
                else:
                    counts = pd.DataFrame([{"openings": int(table["openings"].sum()),
                                            "closures": int(table["closures"].sum())}])
                for r in counts.to_dict("records"):
                    rows.append({"centre_id": cid or pd.NA, "date": rec.survey_date, "date_before": previous_day, **r})
            previous, previous_day = state, rec.survey_date
    cols = ["centre_id", "date", "date_before"] + (["shop_type"] if by == "type" else []) + ["openings", "closures"]
    out = pd.DataFrame(rows, columns=cols)
    out["net"] = (out["openings"] - out["closures"]).astype(int)
    for col in ("openings", "closures"):
        out[col] = out[col].astype(int)
    sort = ["centre_id", "date"] + (["net", "shop_type"] if by == "type" else [])
    return out.sort_values(sort, kind="stable").reset_index(drop=True)

