"""Moderation: the town team signs in, works through the queue, reads the audit, turns reports into a survey."""

import os
import time

import pandas as pd
import streamlit as st

from agora.loaders.report import LoadError
from agora.store.contributions import KINDS, REJECT_REASONS, REPORT_CHANGES, STATUSES, ContributionError, SignInError
from agora.store.contributions import export
from agora.store.contributions.survey import survey_update
from agora.ui import contributions as contrib
from agora.ui import data, maps
from agora.ui.shell import page_shell, read_only
from agora.ui.widgets import md_escape

PAGE_SIZE = 10
SURVEY_LIMIT = 200
IDLE_MINUTES = float(os.environ.get("AGORA_MODERATION_IDLE_MINUTES", "30"))

ctx = page_shell("Moderation", ":material/gavel:", pick_town=False)
st.title("Moderation")
store = contrib.store(ctx)
names = dict(zip(ctx.centres["centre_id"], ctx.centres["name"]))

# --------------------------------------------------------------------------- signed in?
moderator = st.session_state.get("moderator")
if moderator and time.time() - st.session_state.get("moderator_seen", 0) > IDLE_MINUTES * 60:
    st.session_state.pop("moderator", None)
    moderator = None
    st.info(f"You were signed out after {IDLE_MINUTES:g} minutes without activity.", icon=":material/logout:")
if not moderator:
    st.caption("For the town team. Accounts are made with `python -m agora moderators add NAME`.")
    with st.form("sign_in"):
        name = st.text_input("Name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                st.session_state["moderator"] = store.sign_in(name, password)
                st.session_state["moderator_seen"] = time.time()
                st.rerun()
            except SignInError as exc:
                st.error(md_escape(exc), icon=":material/lock:")
    st.stop()

st.session_state["moderator_seen"] = time.time()
with st.sidebar:
    st.caption(f"Signed in as **{md_escape(moderator)}**")
    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.session_state.pop("moderator", None)
        st.rerun()


def describe(row: dict) -> str:
    d = row["details"]
    parts = [f"**#{row['id']} · {contrib.KIND_LABELS[row['kind']]}** · {md_escape(names.get(row['centre_id'], row['centre_id']))}"
             f" · {row['created_at']:%d %b %Y %H:%M} · {row['status']}"]
    if row["kind"] == "report":
        parts.append(f"Unit `{md_escape(row['unit_id'])}`: {REPORT_CHANGES.get(d.get('change'), '')}"
                     + (f" · seen {d['date_seen']}" if d.get("date_seen") else ""))
    if d.get("name"):
        parts.append(f"Name: {md_escape(d['name'])}" + (f" · {md_escape(d.get('shop_kind'))}" if d.get("shop_kind") else ""))
    if d.get("category"):
        parts.append(f"Category: {d['category']}" + (" · should be listed as an ACV" if d.get("acv") else ""))
    if d.get("ratings"):
        parts.append("Scores: " + ", ".join(f"{v}" for v in d["ratings"].values()))
    if row["text"]:
        parts.append(md_escape(row["text"]))
    if row["origin"] != "public":
        parts.append(f"_{md_escape(row['origin'])}_")
    if row["reason"]:
        parts.append(f"Reason: {md_escape(row['reason'])}")
    return "  \n".join(parts)


def act(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
        st.session_state["moderation_message"] = ("ok", "Done.")
    except ContributionError as exc:
        st.session_state["moderation_message"] = ("error", str(exc))


queue_tab, audit_tab, survey_tab = st.tabs(["Queue", "Audit", "Survey update"])

# --------------------------------------------------------------------------- queue
with queue_tab:
    kind_message = st.session_state.pop("moderation_message", None)
    if kind_message:
        (st.success if kind_message[0] == "ok" else st.error)(md_escape(kind_message[1]))
    cols = st.columns(4)
    kind = cols[0].selectbox("Kind", [None, *KINDS], format_func=lambda k: "All" if k is None else k, key="q_kind")
    town = cols[1].selectbox("Town", [None, *sorted(names, key=lambda c: str(names[c]).lower())], key="q_town",
                             format_func=lambda c: "All" if c is None else names[c])
    status = cols[2].selectbox("Status", STATUSES, key="q_status")
    dates = cols[3].date_input("Sent between", value=(), key="q_dates")
    since, until = (dates[0], dates[-1]) if len(dates) else (None, None)
    filters = dict(kind=kind, centre_id=town, status=status, since=since, until=until)
    total = store.count(**filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = st.number_input(f"Page (of {pages})", 1, pages, 1, key="q_page") if pages > 1 else 1
    rows = store.query(**filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    st.caption(f"{total:,} contribution(s), oldest first; showing {len(rows)}.")
    placed = [r for r in rows if r["lat"] is not None]
    if placed:
        shown = contrib._points(placed, {"id": lambda r: f"#{r['id']}", "kind": lambda r: r["kind"],
                                         "text": lambda r: r["text"]})
        m = maps.base_map(shown.total_bounds)
        maps.add_geojson_layer(m, shown, "Contributions", color="#e15759", radius=7,
                               tooltip={"id": "Id", "kind": "Kind", "text": "Said"}, legend=False)
        maps.show_map(m, key="queue_map", height=320)
    for row in rows:
        with st.container(border=True, key=f"item_{row['id']}"):
            st.markdown(describe(row))
            c = st.columns([1, 2, 1, 1])
            if row["status"] != "approved" and c[0].button("Approve", key=f"approve_{row['id']}", type="primary"):
                act(store.approve, row["id"], moderator)
                st.rerun()
            with c[1].popover("Reject"):
                reason = st.selectbox("Reason", REJECT_REASONS, key=f"reason_{row['id']}")
                note = st.text_input("Note", key=f"note_{row['id']}")
                if st.button("Reject", key=f"reject_{row['id']}"):
                    act(store.reject, row["id"], moderator, reason, note)
                    st.rerun()
            with c[2].popover("Edit"):
                new_text = st.text_area("Text", row["text"], key=f"edit_text_{row['id']}")
                if st.button("Save", key=f"edit_{row['id']}"):
                    act(store.edit, row["id"], moderator, text=new_text)
                    st.rerun()
            if row["status"] == "approved" and c[3].button("Hide", key=f"hide_{row['id']}"):
                act(store.hide, row["id"], moderator)
                st.rerun()

# --------------------------------------------------------------------------- audit
with audit_tab:
    limit = st.selectbox("Rows", [100, 1000, 10000], key="audit_limit")
    trail = store.audit(limit=limit)
    table = pd.DataFrame([{**r, "before": export.as_json(r["before"]), "after": export.as_json(r["after"])}
                          for r in trail], columns=list(export.AUDIT_COLUMNS))
    st.caption(f"{store.audit_count():,} audit row(s) in all; the newest {len(table):,} shown. Rows are only ever "
               "added.")
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("Download the audit (CSV)", lambda: export.audit_csv(store.audit()), "agora-audit.csv",
                       "text/csv", key="dl_audit", icon=":material/download:")

# --------------------------------------------------------------------------- survey update
with survey_tab:
    st.caption("Confirmed reports that a unit is now vacant, reopened or a new business, saved as a units dataset "
               f"(a new survey) that names the contributions it came from. The newest {SURVEY_LIMIT} are listed.")
    survey_town = st.selectbox("Town", sorted(names, key=lambda c: str(names[c]).lower()), key="s_town",
                               format_func=names.get)
    approved = [r for r in store.query(kind="report", centre_id=survey_town, status="approved", newest_first=True,
                                       limit=SURVEY_LIMIT) if r["details"].get("change") != "data_wrong"]
    chosen = st.multiselect("Reports", [r["id"] for r in approved], default=[r["id"] for r in approved],
                            key="s_ids", format_func=lambda i: f"#{i}")
    if read_only():
        st.caption("This is a read-only copy: survey updates are saved on the town team's own copy.")
    elif st.button("Save as a survey update", key="s_save", disabled=not chosen, type="primary"):
        picked = [r for r in approved if r["id"] in chosen]
        try:
            result = survey_update(picked, ctx.for_town_of(survey_town, "units"), ctx.centres)
        except LoadError as exc:
            st.error(md_escape(exc))
        else:
            ids = ", ".join(f"#{i}" for i in chosen)
            dataset = ctx.service.save(result, source=f"community reports {ids}")
            store.record(chosen, moderator, "survey_update", f"saved as units/{dataset.dataset_id}")
            data.clear()
            st.success(f"Saved {len(result.data)} unit(s) as a survey update ({md_escape(dataset.dataset_id)}).")
