"""What changed in a town between two surveys: closures, openings, occupiers, vacancy, footfall.

For one centre's units between two dates (default: the centre's last two surveys), each
unit is taken as known on each date — carried forward over updates and matched across
surveys by :mod:`agora.analysis.surveys` (unit id, else address, else name and
position) — and compared:

closed
    occupied on the first date, vacant on the second;
opened
    vacant on the first date, occupied on the second;
changed occupier
    occupied on both dates under another name (names compared in lower case, letters and
    digits only);
new units, units gone
    known on one date only (a full survey that no longer sees a unit drops it).

An *arrival* is an occupier present on the second date that was not there on the first
(a unit opened, a new occupier, or a new unit found occupied); a *departure* the other
way round. Chains arrived and left are the arrivals and departures whose ownership is
``chain`` or ``symbol_group`` (symbol-group stores counted with the chains, as the
clone-town scores do by default); independents those whose ownership is ``independent``.

The vacancy rates are :func:`agora.analysis.vacancy.vacancy_change` of the same units
and dates: the figures every page and command shows. Footfall is
:func:`agora.analysis.footfall.recent_change` over the complete weeks between the two
dates against the same weeks 364 days earlier. Public reports are the contributions the
caller passes in (this module reads no database).

The paragraph (:attr:`Changes.paragraph`) is written from the lists themselves, so its
numbers are theirs.

No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
import pandas as pd

from . import surveys, vacancy

#: Ownership values counted as chains (symbol groups with them) and as independents.
CHAIN_OWNERSHIP = ("chain", "symbol_group")
INDEPENDENT_OWNERSHIP = ("independent",)
#: Columns of the unit lists.
UNIT_COLUMNS = ["unit_id", "name", "kind", "ownership", "street"]
CHANGE_COLUMNS = ["unit_id", "name_before", "name_after", "kind_before", "kind_after", "ownership_before",
                  "ownership_after", "street"]
MOVE_COLUMNS = ["unit_id", "name", "kind", "ownership", "street", "how"]
REPORT_COLUMNS = ["on", "kind", "unit_id", "change", "said"]


@dataclass
class Changes:
    """What changed in one centre between two dates.

    Attributes
    ----------
    centre_id, name : str
    from_date, to_date : Timestamp or None
        The two dates compared (None: fewer than two surveys).
    surveys : list of Timestamp
        The centre's dated surveys, oldest first.
    units_before, units_after, vacant_before, vacant_after : int
        Units known and vacant on each date.
    rate_before, rate_after : float or None
        Vacancy rate on each date (:func:`agora.analysis.vacancy.vacancy_change`).
    closed, opened : DataFrame
        :data:`UNIT_COLUMNS`; closed units under their last occupier.
    occupier_changes : DataFrame
        :data:`CHANGE_COLUMNS`.
    new_units, gone_units : DataFrame
        :data:`UNIT_COLUMNS` plus ``status``.
    arrivals, departures : DataFrame
        :data:`MOVE_COLUMNS` (``how``: opened, new occupier, new unit; closed, occupier
        changed, unit gone).
    footfall : dict or None
        :func:`agora.analysis.footfall.recent_change` over the period (None: no footfall).
    footfall_note : str
        What the footfall figure compares, or why there is none.
    reports : DataFrame or None
        :data:`REPORT_COLUMNS`, the public's approved contributions in the period (None:
        contributions not available).
    notes : list of str
    """

    centre_id: str
    name: str
    from_date: pd.Timestamp | None
    to_date: pd.Timestamp | None
    surveys: list = field(default_factory=list)
    units_before: int = 0
    units_after: int = 0
    vacant_before: int = 0
    vacant_after: int = 0
    rate_before: float | None = None
    rate_after: float | None = None
    closed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNIT_COLUMNS))
    opened: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNIT_COLUMNS))
    occupier_changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    new_units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNIT_COLUMNS + ["status"]))
    gone_units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNIT_COLUMNS + ["status"]))
    arrivals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MOVE_COLUMNS))
    departures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MOVE_COLUMNS))
    footfall: dict | None = None
    footfall_note: str = "No footfall counts for this town."
    reports: pd.DataFrame | None = None
    notes: list = field(default_factory=list)
    vacancy_reference: dict | None = None

    # derived lists ---------------------------------------------------------------
    @property
    def compared(self) -> bool:
        """True when two dates were compared."""
        return self.from_date is not None and self.to_date is not None

    @property
    def vacancy_change_pts(self) -> float | None:
        """Vacancy rate after minus before, in percentage points."""
        if self.rate_before is None or self.rate_after is None:
            return None
        return (self.rate_after - self.rate_before) * 100

    def _owned(self, table: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
        return table[table["ownership"].astype("string").isin(kinds).fillna(False).to_numpy()].reset_index(drop=True)

    @property
    def chains_arrived(self) -> pd.DataFrame:
        """Arrivals owned by chains (symbol groups included)."""
        return self._owned(self.arrivals, CHAIN_OWNERSHIP)

    @property
    def chains_left(self) -> pd.DataFrame:
        """Departures owned by chains (symbol groups included)."""
        return self._owned(self.departures, CHAIN_OWNERSHIP)

    @property
    def independents_arrived(self) -> pd.DataFrame:
        """Arrivals that are independents."""
        return self._owned(self.arrivals, INDEPENDENT_OWNERSHIP)

    @property
    def independents_left(self) -> pd.DataFrame:
        """Departures that were independents."""
        return self._owned(self.departures, INDEPENDENT_OWNERSHIP)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every list by its title, in the order they are shown."""
        out = {"Closed": self.closed, "Opened": self.opened, "Changed occupier": self.occupier_changes,
               "Chains arrived": self.chains_arrived, "Chains left": self.chains_left,
               "Independents arrived": self.independents_arrived, "Independents left": self.independents_left,
               "New units": self.new_units, "Units gone": self.gone_units}
        if self.reports is not None:
            out["Public reports"] = self.reports
        return out

    # words -------------------------------------------------------------------------
    @property
    def paragraph(self) -> str:
        """The change in plain words, every number counted from the lists."""
        if not self.compared:
            return self.notes[0] if self.notes else "Fewer than two surveys: nothing to compare yet."
        closed, opened = len(self.closed), len(self.opened)
        text = (f"Since {_month(self.from_date)} ({_day(self.from_date)} to {_day(self.to_date)}), "
                f"{_count(closed, 'shop')} closed and {opened:,} opened")
        if self.rate_before is not None and self.rate_after is not None:
            before, after = f"{self.rate_before:.1%}", f"{self.rate_after:.1%}"
            if before == after:
                text += f"; vacancy stayed at {after}"
            else:
                text += f"; vacancy {'rose' if self.rate_after > self.rate_before else 'fell'} from {before} to {after}"
            ref, pts = self.vacancy_reference, self.vacancy_change_pts
            if ref is not None and pts is not None:
                text += f" ({pts:+.1f} pts, against {ref['median']:+.1f} for the median of {ref['label']})"
        text += "."
        moved = len(self.occupier_changes)
        if moved:
            text += f" {_count(moved, 'unit')} changed occupier."
        text += (f" Chains: {len(self.chains_arrived):,} arrived, {len(self.chains_left):,} left; "
                 f"independents: {len(self.independents_arrived):,} arrived, {len(self.independents_left):,} left.")
        if len(self.new_units) or len(self.gone_units):
            text += f" {_count(len(self.new_units), 'new unit')}, {_count(len(self.gone_units), 'unit')} gone."
        text += " " + self.footfall_note
        if self.reports is not None:
            n = len(self.reports)
            text += f" The public reported {_count(n, 'change')} in the period." if n else \
                " The public reported nothing in the period."
        return text

    def to_dict(self) -> dict:
        """Plain JSON-ready values: counts, unit ids, the lists as records, the paragraph."""
        def records(table: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in r.items()} for r in table.to_dict("records")]

        out = {
            "centre_id": self.centre_id, "name": self.name,
            "from_date": _iso(self.from_date), "to_date": _iso(self.to_date),
            "surveys": [_iso(d) for d in self.surveys],
            "closed": len(self.closed) if self.compared else None,
            "opened": len(self.opened) if self.compared else None,
            "occupier_changes": len(self.occupier_changes) if self.compared else None,
            "chains_arrived": len(self.chains_arrived) if self.compared else None,
            "chains_left": len(self.chains_left) if self.compared else None,
            "independents_arrived": len(self.independents_arrived) if self.compared else None,
            "independents_left": len(self.independents_left) if self.compared else None,
            "new_units": len(self.new_units) if self.compared else None,
            "units_gone": len(self.gone_units) if self.compared else None,
            "units_before": self.units_before, "units_after": self.units_after,
            "vacant_before": self.vacant_before, "vacant_after": self.vacant_after,
            "vacancy_before": _round(self.rate_before, 4), "vacancy_after": _round(self.rate_after, 4),
            "vacancy_change_pts": _round(self.vacancy_change_pts, 2),
            "vacancy_change_median": None if self.vacancy_reference is None else
            _round(self.vacancy_reference["median"], 2),
            "vacancy_change_median_of": None if self.vacancy_reference is None else self.vacancy_reference["label"],
            "closed_units": self.closed["unit_id"].astype(str).tolist(),
            "opened_units": self.opened["unit_id"].astype(str).tolist(),
            "footfall": self.footfall, "footfall_note": self.footfall_note,
            "reports": None if self.reports is None else len(self.reports),
            "paragraph": self.paragraph,
            "lists": {_key(title): records(table) for title, table in self.tables().items()},
            "notes": list(self.notes),
        }
        return out


def set_against(found: Changes, refs: pd.DataFrame, group: str = "all") -> Changes:
    """`found` with the median centre's vacancy change beside its own, for the paragraph.

    Only when `found` compares the town's last two surveys: the period the indicator
    table's ``vacancy_change`` covers for every centre. The median is that of `group`
    (``all``, ``size``, ``region``; the next group when it gives none), from
    :func:`agora.analysis.reference.references`.
    """
    from .reference import GROUPS, reference

    last_two = [pd.Timestamp(d) for d in found.surveys[-2:]]
    if not found.compared or len(last_two) < 2 or [pd.Timestamp(found.from_date), pd.Timestamp(found.to_date)] \
            != last_two:
        return found
    for g in [group] + [x for x in GROUPS if x != group]:
        ref = reference(refs, "vacancy_change", g)
        if ref is not None:
            return replace(found, vacancy_reference=ref)
    return found


# --------------------------------------------------------------------------- helpers
def _iso(day) -> str | None:
    return None if day is None or pd.isna(day) else pd.Timestamp(day).date().isoformat()


def _day(day) -> str:
    d = pd.Timestamp(day)
    return f"{d.day} {d:%B %Y}"


def _month(day) -> str:
    return f"{pd.Timestamp(day):%B %Y}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _round(value, digits: int):
    return None if value is None or pd.isna(value) else round(float(value), digits)


def _key(title: str) -> str:
    return title.lower().replace(" ", "_")


def _plain(value):
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text(table: pd.DataFrame, col: str) -> pd.Series:
    if col not in table:
        return pd.Series(pd.NA, index=table.index, dtype="string")
    out = table[col].astype("string").str.strip()
    return out.mask(out == "", pd.NA)


def _same_name(a: pd.Series, b: pd.Series) -> pd.Series:
    """True where two names are the same occupier (lower case, letters and digits), or either is missing."""
    def norm(s):
        return s.astype("string").str.lower().str.replace(r"[^a-z0-9]+", "", regex=True)

    x, y = norm(a), norm(b)
    return (x == y).fillna(True) | x.isna() | y.isna() | (x == "") | (y == "")


def _units(state: pd.DataFrame, *, name: pd.Series | None = None) -> pd.DataFrame:
    out = pd.DataFrame({
        "unit_id": _text(state, "unit_id").fillna(state.index.to_series().astype("string")),
        "name": _text(state, "name") if name is None else name,
        "kind": _text(state, "shop_type"),
        "ownership": _text(state, "ownership"),
        "street": _text(state, "street"),
    }, index=state.index)
    return out


def _pick(dates: list[pd.Timestamp], before, after) -> tuple:
    """The two dates compared: those given, else the last survey and the survey before the second date."""
    after = pd.Timestamp(after) if after is not None else (dates[-1] if dates else None)
    if after is None:
        return None, None
    if before is None:
        earlier = [d for d in dates if d < after]
        if not earlier:
            return None, None
        before = earlier[-1]
    return pd.Timestamp(before), after


# --------------------------------------------------------------------------- footfall
def footfall_over(counts, sites: pd.DataFrame | None, centre_id: str | None, before, after) -> tuple[dict | None, str]:
    """Footfall over the complete weeks between two dates against the same weeks a year before.

    The weeks are the complete Monday-to-Sunday weeks from `before` to `after`
    (:func:`agora.analysis.footfall.recent_change`, like for like on site-days counted in
    both years).

    Returns
    -------
    (dict or None, str)
        The figure (None when there is none) and a sentence saying what it compares, or
        why there is none.
    """
    from .footfall import recent_change

    if counts is None or (hasattr(counts, "__len__") and len(counts) == 0) or sites is None or not len(sites):
        return None, "No footfall counts for this town."
    start, end = pd.Timestamp(before).date(), pd.Timestamp(after).date()
    last_sunday = end - timedelta(days=end.isoweekday() % 7)
    first_monday = start + timedelta(days=(7 - start.weekday()) % 7)
    weeks = ((last_sunday - first_monday).days + 1) // 7
    if weeks < 1:
        return None, "No complete week between the two dates to compare footfall over."
    figure = recent_change(counts, sites, centre_id, weeks=weeks, today=last_sunday + timedelta(days=1))
    if figure is None:
        return None, ("Footfall: no site counted both in the period and in the same weeks a year before, "
                      "so no year-on-year figure.")
    change = figure["change_pct"]
    span = f"{_count(weeks, 'complete week')} from {_day(figure['start'])} to {_day(figure['end'])}"
    if change is None:
        return figure, f"Footfall over the {span}: no count a year before to compare with."
    way = "up" if change > 0 else "down" if change < 0 else "unchanged,"
    text = (f"Footfall over the {span} was {way} {abs(change):.1f}% on the same weeks a year before "
            f"({figure['site_days']:,} site-days counted in both years")
    if figure["unmatched_site_days"]:
        text += f"; {figure['unmatched_site_days']:,} without a count a year before left out"
    return figure, text + ")."


# --------------------------------------------------------------------------- reports
def public_reports(rows: list[dict] | None, before, after) -> pd.DataFrame | None:
    """The approved contributions made after `before` and up to `after` (the end of that day).

    Parameters
    ----------
    rows : list of dict or None
        Contributions as :meth:`agora.store.contributions.ContributionStore.query` returns
        them (``kind``, ``status``, ``created_at``, ``unit_id``, ``text``, ``details``);
        None when contributions are not available.

    Returns
    -------
    DataFrame or None
        :data:`REPORT_COLUMNS`, oldest first.
    """
    if rows is None:
        return None
    from ..store.contributions.rules import REPORT_CHANGES  # what a unit report's ``details.change`` means

    start = pd.Timestamp(before).tz_localize(None)
    end = pd.Timestamp(after).tz_localize(None) + pd.Timedelta(days=1)
    out = []
    for r in rows:
        if r.get("status", "approved") != "approved" or r.get("created_at") is None:
            continue
        when = pd.Timestamp(r["created_at"])
        when = when.tz_convert(None) if when.tzinfo is not None else when
        if not (start < when < end):
            continue
        details = r.get("details") or {}
        said = r.get("text") or details.get("name") or ""
        out.append({"on": when.date().isoformat(), "kind": r.get("kind"), "unit_id": r.get("unit_id"),
                    "change": REPORT_CHANGES.get(details.get("change")), "said": said})
    return pd.DataFrame(out, columns=REPORT_COLUMNS)


# --------------------------------------------------------------------------- the comparison
def town_changes(
    units: pd.DataFrame,
    *,
    centre_id: str | None = None,
    name: str | None = None,
    before=None,
    after=None,
    counts=None,
    sites: pd.DataFrame | None = None,
    reports: list[dict] | None = None,
) -> Changes:
    """What changed in one centre between two dates.

    Parameters
    ----------
    units : DataFrame
        The centre's units, every survey (classified: ``ownership``).
    centre_id, name : str, optional
        The centre (default: the units' ``centre_id``).
    before, after : date-like, optional
        The dates compared (default: the centre's last two surveys; `after` alone: the
        survey before it).
    counts, sites : optional
        Footfall counts (DataFrame, Arrow table or Parquet paths) and sites of the centre.
    reports : list of dict, optional
        The centre's approved contributions (:func:`public_reports`); None when there is
        no contributions store.

    Returns
    -------
    Changes
    """
    if centre_id is None:
        ids = _text(units, "centre_id").dropna().unique()
        centre_id = str(ids[0]) if len(ids) else ""
    name = name or centre_id
    out = Changes(centre_id=centre_id, name=name, from_date=None, to_date=None)
    if units is None or units.empty:
        out.notes.append("No units loaded for this town: nothing to compare.")
        return out
    data = vacancy.prepare(units)
    out.surveys = [d for d in vacancy.survey_list(data) if not pd.isna(d)]
    before, after = _pick(out.surveys, before, after)
    if before is None:
        out.notes.append("One survey only: what changed needs two surveys or more.")
        return out
    if before >= after:
        raise ValueError(f"the first date ({_iso(before)}) must be before the second ({_iso(after)})")
    if not out.surveys or before < out.surveys[0]:
        raise ValueError(f"no survey on or before {_iso(before)} (the first is "
                         f"{_iso(out.surveys[0]) if out.surveys else 'undated'})")
    out.from_date, out.to_date = before, after

    # the vacancy figures every page shows for these dates
    moved = vacancy.vacancy_change(data, before, after, by=())
    if len(moved):
        r = moved.iloc[0]
        out.units_before, out.units_after = int(r["units_before"]), int(r["units_after"])
        out.vacant_before, out.vacant_after = int(r["vacant_before"]), int(r["vacant_after"])
        out.rate_before = None if pd.isna(r["rate_before"]) else float(r["rate_before"])
        out.rate_after = None if pd.isna(r["rate_after"]) else float(r["rate_after"])

    # the units known on each date, matched across surveys
    rounds = surveys.survey_rounds(data)
    b = surveys.units_on(data, before, rounds=rounds).set_index("unit_key")
    a = surveys.units_on(data, after, rounds=rounds).set_index("unit_key")
    both = b.index.intersection(a.index)
    sb, sa = _text(b, "status").reindex(both), _text(a, "status").reindex(both)
    closed = both[((sb == "occupied") & (sa == "vacant")).fillna(False).to_numpy()]
    opened = both[((sb == "vacant") & (sa == "occupied")).fillna(False).to_numpy()]
    stayed = both[((sb == "occupied") & (sa == "occupied")).fillna(False).to_numpy()]
    other = ~_same_name(_text(b, "name").reindex(stayed), _text(a, "name").reindex(stayed))
    changed = stayed[other.to_numpy()]
    new = a.index.difference(b.index, sort=False)
    gone = b.index.difference(a.index, sort=False)

    ub, ua = _units(b), _units(a)
    out.closed = ub.loc[closed].assign(unit_id=ua.loc[closed, "unit_id"]).reset_index(drop=True)
    out.opened = ua.loc[opened].reset_index(drop=True)
    out.occupier_changes = pd.DataFrame({
        "unit_id": ua.loc[changed, "unit_id"], "name_before": ub.loc[changed, "name"],
        "name_after": ua.loc[changed, "name"], "kind_before": ub.loc[changed, "kind"],
        "kind_after": ua.loc[changed, "kind"], "ownership_before": ub.loc[changed, "ownership"],
        "ownership_after": ua.loc[changed, "ownership"], "street": ua.loc[changed, "street"],
    }, columns=CHANGE_COLUMNS).reset_index(drop=True)
    out.new_units = ua.loc[new].assign(status=_text(a, "status").reindex(new)).reset_index(drop=True)
    out.gone_units = ub.loc[gone].assign(status=_text(b, "status").reindex(gone)).reset_index(drop=True)

    new_occupied = new[(_text(a, "status").reindex(new) == "occupied").fillna(False).to_numpy()]
    gone_occupied = gone[(_text(b, "status").reindex(gone) == "occupied").fillna(False).to_numpy()]
    out.arrivals = pd.concat([ua.loc[opened].assign(how="opened"), ua.loc[changed].assign(how="new occupier"),
                              ua.loc[new_occupied].assign(how="new unit")])[MOVE_COLUMNS].reset_index(drop=True)
    out.departures = pd.concat([
        ub.loc[closed].assign(how="closed"), ub.loc[changed].assign(how="occupier changed"),
        ub.loc[gone_occupied].assign(how="unit gone")])[MOVE_COLUMNS].reset_index(drop=True)
    for table in (out.closed, out.opened, out.occupier_changes, out.arrivals, out.departures):
        table.sort_values("unit_id", inplace=True, kind="stable")
        table.reset_index(drop=True, inplace=True)

    if b["survey_date"].max() < before or a["survey_date"].max() < after:
        out.notes.append("A date chosen is not a survey date: the units known on it are those of the survey before.")
    out.footfall, out.footfall_note = footfall_over(counts, sites, centre_id if sites is not None else None,
                                                    before, after)
    out.reports = public_reports(reports, before, after)
    return out
