"""Have your say: report a unit, nominate an asset, share an idea, rate the place; follow up with a code."""

import pandas as pd
import streamlit as st

from agora.layers import ASSET_CATEGORIES
from agora.store.contributions import PLACE_STANDARD, REPORT_CHANGES, ContributionError, Submission
from agora.ui import contributions as contrib
from agora.ui import maps
from agora.ui.shell import no_data_message, page_shell
from agora.ui.widgets import md_escape

# The honeypot fields are in the page but not shown; people never fill them, robots do.
HIDE_HONEYPOT = "<style>[class*='st-key-hp_'] { display: none !important; }</style>"

ctx = page_shell("Have your say", ":material/campaign:")
st.title("Have your say")
if not contrib.enabled():
    st.info("Contributions are turned off on this copy of Agora.", icon=":material/block:")
    st.stop()
if ctx.town is None:
    no_data_message("centres")
    st.stop()
st.markdown(HIDE_HONEYPOT, unsafe_allow_html=True)
store = contrib.store(ctx)
session = contrib.session_id()
centres, positions, units = contrib.place(ctx)
town_name = md_escape(ctx.town_name)
st.caption(f"Tell the town team about {town_name}: no name or account needed. Everything is read by the town team "
           "before it is shown.")


def send(sub: Submission, form: str) -> None:
    """Store a contribution and say what happened."""
    try:
        receipt = store.submit(sub, centres=centres, unit_ids=positions.keys(), session=session,
                               client=contrib.client_address())
    except ContributionError as exc:
        st.session_state[f"{form}_result"] = ("error", str(exc))
        return
    st.session_state[f"{form}_result"] = ("ok", receipt.code)


def result(form: str) -> None:
    kind, value = st.session_state.pop(f"{form}_result", (None, None))
    if kind == "error":
        st.error(md_escape(value), icon=":material/error:")
    elif kind == "ok":
        st.success(f"Thank you: it is waiting for moderation. Your code is **{value}**: keep it to see the "
                   "status of your contribution or to withdraw it (below).", icon=":material/check_circle:")


def position_inputs(form: str) -> tuple[float, float]:
    """Latitude and longitude: the pin put on the map, or typed in."""
    pin = st.session_state.get("pin")
    if pin and st.session_state.get(f"{form}_pin") != pin:
        st.session_state[f"{form}_pin"] = pin
        st.session_state[f"{form}_lat"], st.session_state[f"{form}_lon"] = pin
    centre = ctx.centre.geometry.representative_point()
    st.session_state.setdefault(f"{form}_lat", round(centre.y, 6))
    st.session_state.setdefault(f"{form}_lon", round(centre.x, 6))
    cols = st.columns(2)
    lat = cols[0].number_input("Latitude", key=f"{form}_lat", format="%.6f", step=0.0001)
    lon = cols[1].number_input("Longitude", key=f"{form}_lon", format="%.6f", step=0.0001)
    return lat, lon


def email_and_honeypot(form: str) -> tuple[str, str]:
    email = st.text_input("Contact email (optional)", key=f"{form}_email",
                          help="Only if the town team may ask you about it. Kept apart, never shown or shared, "
                               "deleted when you ask.")
    trap = st.text_input("Website", key=f"hp_{form}", label_visibility="collapsed")
    return email, trap


# --------------------------------------------------------------------------- one map for every form
boundary = ctx.for_town("centres")
m = maps.base_map(boundary.total_bounds)
maps.add_geojson_layer(m, boundary, "Centre boundary", color="#444444", fill_opacity=0.05, weight=2, legend=False)
if len(units):
    maps.add_geojson_layer(m, units, "Units", color_by="status", colors=maps.STATUS_COLOURS, radius=5,
                           tooltip={"name": "Name", "unit_id": "Unit", "status": "Status"})
contrib.community_reports_layer(ctx, m)
clicked = maps.show_map(m, key="say_map", height=380, returned_objects=["last_clicked", "last_object_clicked"])
st.caption("Click a unit to report it, or anywhere to put a pin for a nomination or an idea.")
spot = clicked.get("last_object_clicked") or clicked.get("last_clicked")
if spot and spot.get("lat") is not None and st.session_state.get("last_spot") != spot:
    st.session_state["last_spot"] = spot
    st.session_state["pin"] = (round(spot["lat"], 6), round(spot["lng"], 6))
    if clicked.get("last_object_clicked") and len(units):
        dist = (units.geometry.x - spot["lng"]) ** 2 + (units.geometry.y - spot["lat"]) ** 2
        st.session_state["report_unit"] = str(units.loc[dist.idxmin(), "unit_id"])

report_tab, nominate_tab, idea_tab, rate_tab, mine_tab = st.tabs(
    ["Report a unit", "Nominate an asset", "Share an idea", "Rate the place", "Your contributions"])

# --------------------------------------------------------------------------- report a unit
with report_tab:
    if units.empty:
        no_data_message("units (premises)")
    else:
        labels = {str(u): f"{n if pd.notna(n) else 'Unnamed'} · {s if pd.notna(s) else ''} ({u})"
                  for u, n, s in zip(units["unit_id"], units["name"], units["street"])}
        st.caption("Click a unit on the map above, or search for it in the list.")
        unit = st.selectbox("Unit", list(labels), format_func=labels.get, key="report_unit", index=None,
                            placeholder="Type a name, street or id")
        with st.form("report_form", clear_on_submit=True):
            change = st.radio("What changed?", list(REPORT_CHANGES), format_func=REPORT_CHANGES.get,
                              key="report_change")
            st.caption("For a new business:")
            cols = st.columns(3)
            name = cols[0].text_input("Business name", key="report_name")
            shop_kind = cols[1].text_input("Kind of shop", key="report_kind")
            ownership = cols[2].selectbox("Independent or chain", ["independent", "chain", "unknown"],
                                          index=2, key="report_ownership")
            text = st.text_area("Anything to add (or what is wrong)", key="report_text", max_chars=1000)
            seen = st.date_input("Date seen (optional)", value=None, key="report_seen",
                                 max_value=pd.Timestamp.today().date())
            email, trap = email_and_honeypot("report")
            if st.form_submit_button("Send report", type="primary"):
                if unit is None:
                    st.session_state["report_result"] = ("error", "Pick the unit the report is about.")
                else:
                    lat, lon = positions[unit]
                    send(Submission("report", ctx.town, text=text, unit_id=unit, change=change, name=name or None,
                                    shop_kind=shop_kind, ownership=ownership, date_seen=seen, lat=lat, lon=lon,
                                    email=email or None, website=trap), "report")
        result("report")

# --------------------------------------------------------------------------- nominate an asset
with nominate_tab:
    st.caption("Click the map above where the place is (or type its position).")
    lat, lon = position_inputs("nominate")
    with st.form("nominate_form", clear_on_submit=True):
        category = st.selectbox("Kind of place", ASSET_CATEGORIES, key="nominate_category",
                                format_func=lambda c: c.replace("_", " ").capitalize())
        name = st.text_input("Name of the place", key="nominate_name", max_chars=120)
        why = st.text_area("Why it matters", key="nominate_text", max_chars=1000)
        acv = st.checkbox("It should be listed as an Asset of Community Value", key="nominate_acv")
        email, trap = email_and_honeypot("nominate")
        if st.form_submit_button("Send nomination", type="primary"):
            send(Submission("nomination", ctx.town, text=why, name=name, category=category, acv=acv, lat=lat, lon=lon,
                            email=email or None, website=trap), "nominate")
    result("nominate")

# --------------------------------------------------------------------------- ideas
with idea_tab:
    vacant = units[units["status"] == "vacant"] if "status" in units else units.iloc[:0]
    ideas = store.query(kind="idea", centre_id=ctx.town, status="approved", newest_first=True, limit=100)
    st.caption("Click the map above where your idea is, or pick a vacant unit.")
    on_unit = st.selectbox("On a vacant unit (optional)", [None, *vacant["unit_id"].astype(str)], key="idea_unit",
                           format_func=lambda u: "—" if u is None else f"{vacant.set_index('unit_id').loc[u, 'name']}"
                                                                      f" ({u})")
    lat, lon = position_inputs("idea")
    with st.form("idea_form", clear_on_submit=True):
        text = st.text_area("What could this place become? (a meanwhile use, an event, an improvement)",
                            key="idea_text", max_chars=1000)
        email, trap = email_and_honeypot("idea")
        if st.form_submit_button("Share idea", type="primary"):
            if on_unit:
                lat, lon = positions[on_unit]
            send(Submission("idea", ctx.town, text=text, lat=lat, lon=lon, unit_id=None, email=email or None,
                            website=trap), "idea")
    result("idea")
    st.subheader("Ideas for this town")
    mine = store.supported(session)
    if not ideas:
        st.caption("No published idea yet.")
    for row in ideas:
        cols = st.columns([6, 1])
        cols[0].markdown(md_escape(row["text"]))
        done = row["id"] in mine
        if cols[1].button(f"+1 · {row['supports']}", key=f"support_{row['id']}", disabled=done,
                          help="You supported this idea" if done else "Support this idea"):
            try:
                store.support(row["id"], session)
            except ContributionError as exc:
                st.error(md_escape(exc))
            st.rerun()

# --------------------------------------------------------------------------- rate the place
with rate_tab:
    st.caption("The Place Standard: for each theme, 1 means there is a lot of room to improve, 7 very little.")
    with st.form("rate_form", clear_on_submit=True):
        ratings, comments = {}, {}
        for key, label in PLACE_STANDARD:
            cols = st.columns([2, 3])
            ratings[key] = cols[0].slider(label, 1, 7, 4, key=f"rate_{key}")
            comments[key] = cols[1].text_input(f"Comment on {label.lower()} (optional)", key=f"rate_note_{key}",
                                               max_chars=300)
        text = st.text_area("Anything else about this place", key="rate_text", max_chars=1000)
        email, trap = email_and_honeypot("rate")
        if st.form_submit_button("Send ratings", type="primary"):
            send(Submission("rating", ctx.town, text=text, ratings=ratings,
                            comments={k: v for k, v in comments.items() if v}, email=email or None, website=trap),
                 "rate")
    result("rate")
    names = dict(zip(ctx.centres["centre_id"], ctx.centres["name"]))
    others = [c for c in names if c != ctx.town]
    compare = st.multiselect("Compare with", others, format_func=names.get, key="rate_compare")
    summary = contrib.ratings_summary(store, [ctx.town, *compare])
    answers = summary.groupby("centre_id")["answers"].max() if len(summary) else pd.Series(dtype=int)
    st.caption(" · ".join(f"{md_escape(names[c])}: {int(answers.get(c, 0))} answer(s)" for c in [ctx.town, *compare]))
    if summary["score"].notna().any():
        st.altair_chart(contrib.compass_chart(summary, names), width="stretch")
        table = summary.pivot(index="theme", columns="centre_id", values="score").rename(columns=names)
        st.dataframe(table.round(1), width="stretch")
    else:
        st.caption("No published ratings yet for these towns.")

# --------------------------------------------------------------------------- your contributions
with mine_tab:
    pending = store.query(session=session, status="pending")
    if pending:
        st.subheader("Waiting for moderation")
        for row in pending:
            said = row["text"] or row["details"].get("name") or REPORT_CHANGES.get(row["details"].get("change"), "")
            st.markdown(f"**{contrib.KIND_LABELS[row['kind']]}** · {md_escape(said)} · _waiting for moderation_")
    st.subheader("Follow up with your code")
    code = st.text_input("Your code", key="code", placeholder="ABCD-1234", max_chars=20)
    if code:
        try:
            status = store.status(code)
        except ContributionError as exc:
            st.error(md_escape(exc))
        else:
            words = {"pending": "waiting for moderation", "approved": "published", "rejected": "not published",
                     "hidden": "no longer shown", "withdrawn": "withdrawn"}
            st.info(f"{contrib.KIND_LABELS[status['kind']]} of {status['created_at']:%d %b %Y}: "
                    f"**{words[status['status']]}**" + (f" ({md_escape(status['reason'])})" if status["reason"] else ""))
            cols = st.columns(2)
            if status["status"] in ("pending", "approved", "hidden") and cols[0].button("Withdraw it", key="withdraw"):
                store.withdraw(code)
                st.rerun()
            if status["contact"] and cols[1].button("Delete my email", key="delete_contact"):
                store.delete_contact(code)
                st.rerun()

# --------------------------------------------------------------------------- what people said
st.divider()
st.subheader(f"What people said about {town_name}")
said = contrib.what_people_said(store, ctx.town)
if said.empty:
    st.caption("Nothing published yet: be the first.")
else:
    st.dataframe(said, hide_index=True, width="stretch",
                 column_config={"said": st.column_config.TextColumn("What was said", width="large")})
