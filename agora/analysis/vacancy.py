"""Vacancy: rates by centre, street, shop type and survey; change; long-term vacant units.

The vacancy rate is ``vacant / (occupied + vacant)``: units whose status is unknown are
left out of the rate and counted on their own, so a survey with many "???" units says
so instead of looking healthier or worse than it is.

Survey dates
    A survey is the set of units observed together. Dates of ``observed_on`` are grouped
    into survey rounds: sorted distinct days, a new round starting when the gap to the
    previous day exceeds :data:`SURVEY_GAP_DAYS` (a walk-round over several days is one
    survey); a round is labelled by its first day. Units without a date form one survey
    of their own (date NaT). When fewer than :data:`MIN_DATED_SHARE` of the units carry a
    date and no unit is seen on two dates, the dates are per-unit check dates (OSM
    ``check_date``), not survey rounds, and the whole file is one undated snapshot.

Surveys over time
    A survey is a full survey of a centre or an update of some of its units; the units
    known on a date are each unit's last state on or before it
    (:mod:`agora.analysis.surveys`). The latest figures of a centre
    (:func:`latest_survey`, :func:`vacancy_change`) count the units known on its latest
    survey date, so an update of twenty units changes twenty units, not the town.

Shop type of a vacant unit
    Its last known use: a ``category`` the survey gave it, else an OSM lifecycle tag
    (``was:shop``, ``disused:amenity``...) or a ``previous_use``-style column, else a
    shop type read from its former name ("Empty (was Lloyds Bank)" -> bank), else the
    use, occupier and ownership of the unit's earlier rows, any survey or source
    (:func:`agora.analysis.surveys.unit_history`). Vacant units whose former use is not
    known are grouped as :data:`UNKNOWN_TYPE`.

Long-term vacant
    Vacant for :data:`LONG_TERM_MONTHS` months or more on the date it was observed (or
    ``as_of`` for undated units), counted from ``vacant_since`` or from the first of the
    consecutive surveys in which the unit was vacant, whichever is earlier.

No streamlit here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .taxonomy import categorise, categorise_names, type_label

SURVEY_GAP_DAYS = 31
MIN_DATED_SHARE = 0.5
LONG_TERM_MONTHS = 12

#: Label of units outside every centre.
OUTSIDE = "(outside centres)"
#: Shop type of units (or former units) whose use is not known.
UNKNOWN_TYPE = "(use not known)"
NO_STREET = "(no street)"

COUNT_COLUMNS = ["units", "occupied", "vacant", "unknown", "vacancy_rate"]

_WAS_TEXT = re.compile(r"\(\s*(?:was|formerly|previously|ex)\b[:\s]*([^)]+?)\s*\)|\b(?:was|formerly)\s*:?\s+(.+)$", re.I)
_USE_COLUMN = re.compile(r"^(?:was|disused|former|previous|prev|last)(?:[:_ ]?(?:shop|amenity|use|category|type|craft|office))?$", re.I)
_NAME_COLUMN = re.compile(r"^(?:old_name|disused:name|was:name|(?:former|previous|last)[_ ]?(?:name|occupier|tenant))$", re.I)
_VACANT_NAME = re.compile(r"^\s*(?:\?+|empty|vacant|void|to let|closed|disused|unoccupied|available|unknown)\b", re.I)


# --------------------------------------------------------------------------- preparation
def survey_dates(
    units: pd.DataFrame, *, gap_days: int = SURVEY_GAP_DAYS, min_dated_share: float = MIN_DATED_SHARE
) -> pd.Series:
    """The survey round of each unit row, as the first day of the round (NaT: undated).

    Parameters
    ----------
    units : DataFrame
        Units layer (``unit_id``, ``observed_on``).
    gap_days : int
        A gap of more than this many days between observation days starts a new survey.
    min_dated_share : float
        Below this share of dated rows (and with no unit seen twice), the file is one
        undated snapshot.
    """
    if "observed_on" not in units or units.empty:
        return pd.Series(pd.NaT, index=units.index, dtype="datetime64[ms]")
    day = pd.to_datetime(units["observed_on"], errors="coerce").dt.normalize()
    dated = day.notna()
    if not dated.any():
        return pd.Series(pd.NaT, index=units.index, dtype="datetime64[ms]")
    if dated.mean() < min_dated_share:  # few rows dated: one snapshot unless a unit was seen twice
        seen_twice = "unit_id" in units and bool(
            (units.loc[dated].groupby("unit_id")["observed_on"].nunique() > 1).any())
        if not seen_twice:
            return pd.Series(pd.NaT, index=units.index, dtype="datetime64[ms]")
    days = sorted(pd.Timestamp(d) for d in day[dated].unique())
    starts: dict[pd.Timestamp, pd.Timestamp] = {}
    first = days[0]
    for prev, d in zip([None] + days[:-1], days):
        if prev is not None and (d - prev) > pd.Timedelta(days=gap_days):
            first = d
        starts[d] = first
    return pd.to_datetime(day.map(starts, na_action="ignore")).astype("datetime64[ms]")


def former_use(units: pd.DataFrame) -> pd.DataFrame:
    """The last known use of each unit: ``former_use`` (raw), ``former_name``, ``former_type`` (type id).

    Filled for every row that has the information (meaningful for vacant units).
    """
    idx = units.index
    use = pd.Series(pd.NA, index=idx, dtype="string")
    for col in units.columns:
        if _USE_COLUMN.match(str(col)):
            values = units[col].astype("string").str.strip()
            values = values.mask(values.str.lower().isin(["yes", "no", ""]).fillna(False))
            use = use.fillna(values)
    name = units["name"].astype("string") if "name" in units else pd.Series(pd.NA, index=idx, dtype="string")
    # only names that can match are searched: with "(", "was" or "formerly" in any case, or not plain ASCII
    lower = name.str.lower()
    maybe = (name.str.contains("(", regex=False) | lower.str.contains("was", regex=False)
             | lower.str.contains("formerly", regex=False) | ~name.str.isascii()).fillna(False).to_numpy(dtype=bool)
    was = name[maybe].str.extract(_WAS_TEXT).reindex(idx)
    former_name = was[0].fillna(was[1]).astype("string").str.strip() if len(was.columns) == 2 else name.where(False)
    for col in units.columns:
        if _NAME_COLUMN.match(str(col)):
            former_name = former_name.fillna(units[col].astype("string").str.strip())
    if "status" in units:
        # the name still shown on an empty unit is its former occupant's
        vacant_named = ((units["status"] == "vacant").fillna(False) & name.notna()).to_numpy(dtype=bool, copy=True)
        vacant_named[vacant_named] = ~name[vacant_named].str.match(_VACANT_NAME).fillna(False).to_numpy(dtype=bool)
        vacant_named = pd.Series(vacant_named, index=idx)
        former_name = former_name.fillna(name.where(vacant_named))
    former_type = categorise(use) if use.notna().any() else pd.Series(pd.NA, index=idx, dtype="string")
    if former_name.notna().any():
        former_type = former_type.fillna(categorise_names(former_name))
    return pd.DataFrame({"former_use": use, "former_name": former_name, "former_type": former_type.astype("string")},
                        index=idx)


def centre_labels(units: pd.DataFrame, centres: pd.DataFrame | None = None, *, unassigned: str = OUTSIDE) -> pd.Series:
    """The ``centre`` column :func:`prepare` gives `units`: the centre's name (its id without `centres`),
    `unassigned` for units in no centre."""
    names = {}
    if centres is not None and len(centres):
        names = dict(zip(centres["centre_id"].astype("string"), centres["name"].astype("string")))
    cid = units["centre_id"].astype("string") if "centre_id" in units else \
        pd.Series(pd.NA, index=units.index, dtype="string")
    codes, distinct = pd.factorize(cid.array)  # each distinct id named once
    named = pd.array([names.get(c, c) for c in distinct], dtype="string")
    return pd.Series(named.take(codes, allow_fill=True), index=cid.index, name=cid.name).fillna(unassigned)


def prepare(
    units: pd.DataFrame,
    centres: pd.DataFrame | None = None,
    *,
    unassigned: str = OUTSIDE,
    gap_days: int = SURVEY_GAP_DAYS,
    survey_date: pd.Series | None = None,
) -> pd.DataFrame:
    """Add the columns the vacancy tables group by.

    Adds ``centre`` (centre name; `unassigned` for units in no centre), ``survey_date``,
    ``street_label``, ``unit_key`` and ``match_rule`` (the unit across surveys,
    :func:`agora.analysis.surveys.match_units`), ``former_use``, ``former_name``,
    ``former_type``, ``former_ownership`` and ``shop_type`` (label of the unit's type; for
    vacant units of their last known use). Keeps the last observation of a unit within
    one survey. Calling it again is harmless.

    `survey_date`, when given, is :func:`survey_dates` of a larger table these units are
    rows of (indexed like `units`): the rows of some centres prepared as in the whole.
    """
    from . import surveys

    if "survey_date" in units and "shop_type" in units:
        return units
    out = units.copy()
    cid = out["centre_id"].astype("string") if "centre_id" in out else pd.Series(pd.NA, index=out.index, dtype="string")
    out["centre"] = centre_labels(out, centres, unassigned=unassigned)
    out["survey_date"] = survey_dates(out, gap_days=gap_days) if survey_date is None else \
        survey_date.reindex(out.index).astype("datetime64[ms]")
    street = out["street"].astype("string").str.strip() if "street" in out else pd.Series(pd.NA, index=out.index, dtype="string")
    out["street_label"] = street.mask(street == "").fillna(NO_STREET)
    out = out.join(former_use(out))
    if "unit_id" in out:
        if "unit_key" not in out:
            out = out.join(surveys.match_units(out))
        history = surveys.unit_history(out)
        vacant_row = (out["status"] == "vacant").fillna(False) if "status" in out else False
        out["former_name"] = out["former_name"].fillna(history["last_name"].where(vacant_row))
        out["former_type"] = out["former_type"].fillna(history["last_use"].where(vacant_row))
        out["former_ownership"] = history["last_ownership"].where(vacant_row)
    out["shop_type"] = shop_type_column(out, out["former_type"])
    return last_observations(out, cid)


#: Columns :func:`prepare` adds.
PREPARED = ("centre", "survey_date", "street_label", "former_use", "former_name", "former_type", "unit_key",
            "match_rule", "former_ownership", "shop_type")


def shop_type_column(units: pd.DataFrame, former_type: pd.Series) -> pd.Series:
    """The ``shop_type`` :func:`prepare` gives rows: the label of their type, for vacant units of their
    ``former_type`` when they have none (:data:`UNKNOWN_TYPE` when not known)."""
    category = units["category"].astype("string") if "category" in units else \
        pd.Series(pd.NA, index=units.index, dtype="string")
    vacant = (units["status"] == "vacant").fillna(False)
    type_id = category.where(~vacant, category.fillna(former_type))
    label = type_label(type_id)
    return label.astype("string").fillna(type_id).fillna(UNKNOWN_TYPE)


def last_observations(units: pd.DataFrame, cid: pd.Series | np.ndarray, *,
                      unit: np.ndarray | None = None) -> pd.DataFrame:
    """One row per unit and survey of :func:`prepare`'s rows: its last observation (sorted by index).

    Units of two centres may share an id (two councils' files): `cid` is each row's centre id,
    or each row's centre as a number. `unit`: each row's ``unit_key`` as a number
    (``pd.factorize``), when worked out already.
    """
    from . import surveys

    if "unit_key" in units:
        # centres and unit keys as numbers (missing: one number of their own, as duplicated() has it)
        centre = cid if isinstance(cid, np.ndarray) else pd.factorize(cid.fillna("").array)[0]
        unit = pd.factorize(units["unit_key"].array)[0] if unit is None else unit
        # (centre, unit, survey) as one number: each part counted from 0 (missing: -1, a value of its own)
        pair = pd.factorize(centre.astype(np.int64) * (int(unit.max(initial=-1)) + 2) + (unit.astype(np.int64) + 1))[0]
        survey = pd.factorize(units["survey_date"].array)[0].astype(np.int64)
        order = pd.DataFrame({"_key": pair.astype(np.int64) * (int(survey.max(initial=-1)) + 2) + (survey + 1)})
        if "observed_on" in units:
            order.insert(0, "observed_on", units["observed_on"].array)
        return surveys.last_rows(units, order, ["_key"], na_position="first")
    if "observed_on" in units:
        units = units.sort_values("observed_on", kind="stable", na_position="first")
    return units.sort_index()


# --------------------------------------------------------------------------- rates
def vacancy_table(units: pd.DataFrame, by: list[str] | tuple[str, ...] = ("centre",), **kwargs) -> pd.DataFrame:
    """Units, occupied, vacant, unknown and the vacancy rate per group.

    Parameters
    ----------
    units : DataFrame
        Units layer (prepared or not; see :func:`prepare`).
    by : list of str
        Columns to group by: ``centre``, ``centre_id``, ``survey_date``,
        ``street_label``, ``shop_type``... (empty: one row for everything).
    **kwargs
        Passed to :func:`prepare` (``centres``, ``unassigned``).

    Returns
    -------
    DataFrame
        `by` columns, then ``units``, ``occupied``, ``vacant``, ``unknown`` (counts) and
        ``vacancy_rate`` = vacant / (occupied + vacant) (NaN when no unit's status is known).
    """
    data = prepare(units, **kwargs)
    by = list(by)
    status = data["status"].astype("string").fillna("unknown")
    status = status.where(status.isin(["occupied", "vacant"]), "unknown")
    flags = pd.DataFrame({s: (status == s).astype(int) for s in ("occupied", "vacant", "unknown")}, index=data.index)
    if by:
        grouped = flags.join(data[by]).groupby(by, dropna=False, sort=True)
        table = grouped[["occupied", "vacant", "unknown"]].sum().reset_index()
    else:
        table = flags.sum().to_frame().T
    table.insert(len(by), "units", table[["occupied", "vacant", "unknown"]].sum(axis=1))
    known = table["occupied"] + table["vacant"]
    table["vacancy_rate"] = (table["vacant"] / known.where(known > 0)).astype(float)
    for col in ("units", "occupied", "vacant", "unknown"):
        table[col] = table[col].astype(int)
    return table[by + COUNT_COLUMNS]


def by_centre(units: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Vacancy per centre and survey date."""
    return vacancy_table(units, ["centre", "survey_date"], **kwargs)


def by_street(units: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Vacancy per centre, survey date and street, highest rate first."""
    table = vacancy_table(units, ["centre", "survey_date", "street_label"], **kwargs).rename(columns={"street_label": "street"})
    return table.sort_values(["centre", "survey_date", "vacancy_rate", "vacant"], ascending=[True, True, False, False],
                             na_position="last", kind="stable").reset_index(drop=True)


def by_type(units: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Vacancy per centre, survey date and shop type (vacant units by their last known use)."""
    table = vacancy_table(units, ["centre", "survey_date", "shop_type"], **kwargs)
    return table.sort_values(["centre", "survey_date", "vacant", "units"], ascending=[True, True, False, False],
                             kind="stable").reset_index(drop=True)


def survey_list(units: pd.DataFrame, **kwargs) -> list[pd.Timestamp]:
    """The survey dates in the data, oldest first (NaT, the undated survey, first when present)."""
    dates = prepare(units, **kwargs)["survey_date"]
    out = sorted(dates.dropna().unique())
    return ([pd.NaT] if dates.isna().any() else []) + [pd.Timestamp(d) for d in out]


def _pick_pair(dates: list, before, after) -> tuple:
    dated = [d for d in dates if not pd.isna(d)]
    if before is None or after is None:
        if len(dated) < 2:
            return None, None
        before = dated[-2] if before is None else pd.Timestamp(before)
        after = dated[-1] if after is None else pd.Timestamp(after)
    return pd.Timestamp(before), pd.Timestamp(after)


def vacancy_change(
    units: pd.DataFrame, before=None, after=None, *, by: tuple[str, ...] = ("centre",), **kwargs
) -> pd.DataFrame:
    """The change in vacancy rate between two survey dates, per group.

    Parameters
    ----------
    before, after : date-like, optional
        Survey dates (default: the last two dated surveys).
    by : tuple of str
        Grouping (default per centre).

    Returns
    -------
    DataFrame
        `by`, ``date_before``, ``date_after``, ``units_before``, ``vacant_before``,
        ``rate_before``, ``units_after``, ``vacant_after``, ``rate_after``,
        ``change_points`` (percentage points, after minus before). Empty when the data
        has fewer than two survey dates.
    """
    data = prepare(units, **kwargs)
    before, after = _pick_pair(survey_list(data), before, after)
    cols = list(by) + ["date_before", "date_after", "units_before", "vacant_before", "rate_before", "units_after",
                       "vacant_after", "rate_after", "change_points"]
    if before is None:
        return pd.DataFrame(columns=cols)
    from .surveys import units_on

    b = vacancy_table(units_on(data, before), list(by))
    a = vacancy_table(units_on(data, after), list(by))
    if by:
        b, a = b.set_index(list(by)), a.set_index(list(by))
    else:  # one row each: everything together
        b, a = b.reset_index(drop=True), a.reset_index(drop=True)
    out = b[["units", "vacant", "vacancy_rate"]].add_suffix("_before").join(
        a[["units", "vacant", "vacancy_rate"]].add_suffix("_after"), how="outer")
    out = out.rename(columns={"vacancy_rate_before": "rate_before", "vacancy_rate_after": "rate_after"}).reset_index()
    out["date_before"], out["date_after"] = before, after
    out["change_points"] = (out["rate_after"] - out["rate_before"]) * 100
    return out[cols]


# --------------------------------------------------------------------------- units
def vacancy_durations(units: pd.DataFrame, *, as_of=None, months: int = LONG_TERM_MONTHS, **kwargs) -> pd.DataFrame:
    """Every vacant unit row with how long it has been vacant.

    Returns
    -------
    DataFrame
        The vacant rows with ``vacant_from`` (the earlier of ``vacant_since`` and the
        first of the consecutive surveys that found it vacant), ``vacant_from_source``
        (``vacant_since``, ``surveys`` or <NA>), ``reference_date`` (when it was seen
        vacant: ``observed_on``, else `as_of`), ``months_vacant`` and ``long_term``.
    """
    data = prepare(units, **kwargs)
    as_of = pd.Timestamp.today().normalize() if as_of is None else pd.Timestamp(as_of)
    data = data.copy()
    status = data["status"].astype("string").fillna("unknown")
    # first survey of each unit's current run of vacant observations (unknown or occupied break a run)
    run_start = pd.Series(pd.NaT, index=data.index, dtype="datetime64[ms]")
    ident = "unit_key" if "unit_key" in data else "unit_id"
    dated = data[data["survey_date"].notna()].sort_values([ident, "survey_date"], kind="stable")
    if len(dated):
        vac = (status[dated.index] == "vacant").to_numpy()
        uid = dated[ident].astype("string").to_numpy()
        new_unit = np.r_[True, uid[1:] != uid[:-1]]
        prev_vac = np.r_[False, vac[:-1]]
        run = np.cumsum(new_unit | ~prev_vac | ~vac)
        starts = dated["survey_date"].groupby(run).transform("min")
        run_start[dated.index[vac]] = starts[vac].to_numpy()
    since = pd.to_datetime(data["vacant_since"], errors="coerce") if "vacant_since" in data else pd.Series(pd.NaT, index=data.index)
    from_surveys = run_start.where(run_start.notna())
    use_surveys = from_surveys.notna() & (since.isna() | (from_surveys < since))
    data["vacant_from"] = since.where(~use_surveys, from_surveys).astype("datetime64[ms]")
    source = pd.Series(pd.NA, index=data.index, dtype="string")
    source[since.notna()] = "vacant_since"
    source[use_surveys] = "surveys"
    data["vacant_from_source"] = source
    observed = pd.to_datetime(data["observed_on"], errors="coerce") if "observed_on" in data else pd.Series(pd.NaT, index=data.index)
    data["reference_date"] = observed.fillna(as_of).astype("datetime64[ms]")
    vacant = data[status == "vacant"].copy()
    span = vacant["reference_date"] - vacant["vacant_from"]
    vacant["months_vacant"] = (span.dt.days / 30.4375).round(1).astype("Float64")
    limit = vacant["vacant_from"] + pd.DateOffset(months=months)
    vacant["long_term"] = (limit <= vacant["reference_date"]).fillna(False).astype(bool)
    return vacant


def latest_survey(units: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The units each centre knows on its latest survey date, carried forward over updates.

    Each unit's last row on or before the centre's latest survey, counted from its last
    full survey (:func:`agora.analysis.surveys.units_on`), with ``last_seen``.
    """
    from .surveys import units_on

    return units_on(prepare(units, **kwargs))


def long_term_vacant(units: pd.DataFrame, *, as_of=None, months: int = LONG_TERM_MONTHS, latest: bool = True,
                     **kwargs) -> pd.DataFrame:
    """Units vacant `months` months or more (in each centre's latest survey when `latest`), longest first."""
    data = prepare(units, **kwargs)
    table = vacancy_durations(data, as_of=as_of, months=months)
    if latest:
        table = table[table.index.isin(latest_survey(data).index)]
    table = table[table["long_term"]]
    return table.sort_values("months_vacant", ascending=False, kind="stable")


def status_changes(units: pd.DataFrame, before=None, after=None, *, only_changed: bool = True, **kwargs) -> pd.DataFrame:
    """Units whose status changed between two surveys (units matched across surveys, carried forward).

    Parameters
    ----------
    before, after : date-like, optional
        Survey dates (default: the last two dated surveys).
    only_changed : bool
        Keep only the units whose status differs (else every unit seen in both).

    Returns
    -------
    DataFrame
        ``unit_id``, ``centre``, ``street``, ``name_before``, ``name_after``,
        ``status_before``, ``status_after``, ``change`` ("became vacant", "reoccupied",
        or "<before> -> <after>"). Empty when there are fewer than two surveys.
    """
    data = prepare(units, **kwargs)
    before, after = _pick_pair(survey_list(data), before, after)
    cols = ["unit_id", "centre", "street", "name_before", "name_after", "status_before", "status_after", "change"]
    if before is None:
        return pd.DataFrame(columns=cols)
    from .surveys import units_on

    keep = ["unit_key", "centre", "street_label", "name", "status"]
    b = units_on(data, before)[keep].set_index("unit_key")
    a = units_on(data, after)
    a = a.loc[a["survey_date"] == after, keep + ["unit_id"]].set_index("unit_key")  # the units the later survey saw
    both = b.join(a, lsuffix="_before", rsuffix="_after", how="inner").reset_index(drop=True)
    both = both.rename(columns={"centre_after": "centre", "street_label_after": "street"})
    if only_changed:
        both = both[both["status_before"].astype("string") != both["status_after"].astype("string")]
    labels = {("occupied", "vacant"): "became vacant", ("vacant", "occupied"): "reoccupied"}
    both["change"] = [labels.get((x, y), f"{x} -> {y}") for x, y in zip(both["status_before"], both["status_after"])]
    return both[cols].reset_index(drop=True)
