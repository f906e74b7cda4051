"""The Overview's "What changed" section: the paragraph, the lists, their downloads, the two dates.

The figures are :func:`agora.analysis.changes.town_changes` of the town's units and
footfall, cached per town, workspace version and pair of dates (as the headline figures
in :mod:`agora.ui.data`); the public's approved reports are read from the contributions
store on each run (they change without a new workspace version). Every text from the
data reaches markdown through :func:`agora.ui.text.md`; downloads go through
:func:`agora.store.export.to_csv` (formula cells neutralised).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import streamlit as st

from ..analysis import changes
from ..service import DataService
from . import data
from .text import md
from .widgets import download_csv

#: Column labels of the lists.
LABELS = {"unit_id": "Unit", "name": "Name", "kind": "Kind", "ownership": "Ownership", "street": "Street",
          "name_before": "Was", "name_after": "Now", "kind_before": "Kind before", "kind_after": "Kind now",
          "ownership_before": "Ownership before", "ownership_after": "Ownership now", "how": "How",
          "status": "Status", "on": "On", "change": "Reported", "said": "Said"}


@st.cache_resource(show_spinner=False, max_entries=64)
def _changes(path: str, version: int, town: str, name: str, before: str | None, after: str | None) -> changes.Changes:
    # the units prepared once per town (agora.analysis.changes prepares what is not: the same figures)
    units, sites = data.town_view("prepared_units", town), data.town("footfall_sites", town)
    counts = data.town("footfall_counts", town) if len(sites) else None
    return changes.town_changes(units, centre_id=town, name=name, before=before, after=after, counts=counts,
                                sites=sites)


def town_changes(centre_id: str, name: str, before: str | None = None, after: str | None = None,
                 svc: DataService | None = None) -> changes.Changes:
    """What changed in a centre between two dates (default its last two surveys), cached per town and version."""
    svc = svc or data.service()
    return _changes(str(svc.path), svc.version(), centre_id, name, before, after)


def surveys(centre_id: str, svc: DataService | None = None) -> list[pd.Timestamp]:
    """The dated surveys of a centre, oldest first: :func:`town_changes`' ``surveys``, without comparing any."""
    from ..analysis import vacancy

    units = data.town_view("prepared_units", centre_id, svc)
    return [d for d in vacancy.survey_list(units) if not pd.isna(d)] if len(units) else []


def approved_reports(svc: DataService, centre_id: str, before, after) -> list[dict] | None:
    """The centre's approved contributions made between two dates; None when contributions are off."""
    from . import contributions as contrib

    if not contrib.enabled():
        return None
    return contrib.store_of(svc).query(centre_id=centre_id, status="approved",
                                                       since=pd.Timestamp(before).date(),
                                                       until=pd.Timestamp(after).date())


def with_reports(result: changes.Changes, svc: DataService) -> changes.Changes:
    """`result` with the public's approved contributions of the period (unchanged when contributions are off)."""
    if not result.compared:
        return result
    rows = approved_reports(svc, result.centre_id, result.from_date, result.to_date)
    if rows is None:
        return result
    return dataclasses.replace(result, reports=changes.public_reports(rows, result.from_date, result.to_date))


@st.cache_resource(show_spinner=False, max_entries=128)
def _shown(path: str, version: int, town: str, name: str, since: str, until: str, group: str,
           reports: str | None) -> tuple[changes.Changes, dict[str, pd.DataFrame]]:
    """What the section shows for a choice of surveys and reference group, with the public's reports
    (JSON, a hashable key): computed once per choice, shared by every visitor."""
    result = _changes(path, version, town, name, since, until)
    if reports is not None and result.compared:
        result = dataclasses.replace(result, reports=changes.public_reports(json.loads(reports), result.from_date,
                                                                          result.to_date))
    result = changes.set_against(result, data.references(town), group)
    return result, result.tables()


def _iso(day) -> str:
    return pd.Timestamp(day).date().isoformat()


def section(ctx, group: str = "all") -> changes.Changes | None:
    """Draw the "What changed" section for the shell's town; returns what it showed (None: not drawn).

    Over the last two surveys, the vacancy change is set beside the median centre's of
    `group` (:func:`agora.analysis.changes.set_against`)."""
    st.subheader("What changed")
    keys = [_iso(d) for d in surveys(ctx.town, ctx.service)]
    if len(keys) < 2:
        default = town_changes(ctx.town, ctx.town_name, svc=ctx.service)
        st.info(md(default.paragraph), icon=":material/info:")
        return default
    cols = st.columns(2)
    # Options are the URL values themselves (ISO dates), so a shared link reads ?changes_from=2025-06-14.
    since = cols[0].selectbox("From survey", keys[:-1], index=len(keys) - 2, key="changes_from",
                              bind="query-params")
    later = [k for k in keys if k > since]
    until = cols[1].selectbox("To survey", later, index=len(later) - 1, key="changes_to", bind="query-params")
    rows = approved_reports(ctx.service, ctx.town, since, until)
    reports = None if rows is None else json.dumps(rows, default=str, sort_keys=True)
    result, tables = _shown(str(ctx.service.path), ctx.service.version(), ctx.town, ctx.town_name, since, until,
                            group, reports)
    st.markdown(md(result.paragraph))
    for note in result.notes:
        st.caption(md(note))
    figures = st.columns(4)
    figures[0].metric("Closed", f"{len(result.closed):,}", help="Occupied on the first date, vacant on the second.")
    figures[1].metric("Opened", f"{len(result.opened):,}", help="Vacant on the first date, occupied on the second.")
    figures[2].metric("Changed occupier", f"{len(result.occupier_changes):,}",
                      help="Occupied on both dates under another name.")
    figures[3].metric("Vacancy change", "–" if result.vacancy_change_pts is None
                      else f"{result.vacancy_change_pts:+.1f} pts",
                      help="Vacancy rate on the second date minus the first, in percentage points (the rates "
                           "the Vacancy page shows for those surveys).")
    tabs = st.tabs([f"{title} ({len(table):,})" for title, table in tables.items()])
    stem = f"{ctx.town}-{since}-to-{until}"
    for tab, (title, table) in zip(tabs, tables.items()):
        with tab:
            if table.empty:
                st.caption("None.")
                continue
            st.dataframe(table, hide_index=True, width="stretch",
                         column_config={c: LABELS.get(c, c) for c in table.columns})
            slug = title.lower().replace(" ", "-")
            download_csv(table, f"{stem}-{slug}.csv", key=f"dl_changes_{slug}", label=f"Download {title.lower()} (CSV)")
    st.caption("Units are matched across surveys by id, else address, else name and position, and carried forward "
               "over partial updates. Chains include symbol-group stores (Spar, Londis...).")
    return result
