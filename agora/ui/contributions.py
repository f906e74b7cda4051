"""What the pages need from the contributions store: the store, the session, the place, and
approved contributions as map layers, lists and the Place Standard compass.

Contributed text is plain text: it reaches the maps through `maps.add_geojson_layer`
(escaped there) and Markdown through `md_escape`.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..store.contributions import PLACE_STANDARD, REPORT_CHANGES, ContributionStore
from ..store.contributions.db import database_url
from ..store.contributions.rules import REPORT_STATUS

if TYPE_CHECKING:
    import altair as alt

REPORT_COLOURS = {"vacant": "#d95f02", "occupied": "#1b9e77", "data wrong": "#7570b3"}
KIND_LABELS = {"report": "Unit report", "nomination": "Asset nomination", "idea": "Idea", "rating": "Place rating"}


def enabled() -> bool:
    """False when ``AGORA_CONTRIBUTIONS=off`` (or 0/false/no)."""
    return os.environ.get("AGORA_CONTRIBUTIONS", "").strip().lower() not in {"off", "0", "false", "no"}


def store(ctx) -> ContributionStore:
    """The contributions store of the app (``AGORA_DATABASE_URL`` or the workspace's SQLite file)."""
    return store_of(ctx.service)


def store_of(svc) -> ContributionStore:
    """The contributions store beside a data service's workspace (opened once per process)."""
    return _store(database_url(svc.path))


@st.cache_resource(show_spinner=False)
def _store(url: str) -> ContributionStore:
    return ContributionStore.open(url)


def session_id() -> str:
    """An id for this browser session (pending items, supports, rate limits)."""
    if "contrib_session" not in st.session_state:
        st.session_state["contrib_session"] = uuid.uuid4().hex
    return st.session_state["contrib_session"]


def client_address() -> str | None:
    """The visitor's address, for the per-address rate limit.

    Behind a reverse proxy every request comes from the proxy: with ``AGORA_BEHIND_PROXY=1``
    the last ``X-Forwarded-For`` entry (the address the proxy saw) is used instead.
    """
    try:
        if os.environ.get("AGORA_BEHIND_PROXY", "").strip().lower() in {"1", "true", "yes"}:
            forwarded = st.context.headers.get("X-Forwarded-For", "")
            if forwarded.strip():
                return forwarded.split(",")[-1].strip()
        return st.context.ip_address
    except Exception:  # no request context (tests)
        return None


def place(ctx) -> tuple[gpd.GeoDataFrame, dict[str, tuple[float, float]], gpd.GeoDataFrame]:
    """All centres, the selected town's unit positions (id -> (lat, lon)) and its latest units.

    The one place the contribution pages take workspace layers (from the shell's context).
    """
    units = ctx.for_town("units")
    units = units[units.geometry.notna()]
    if "observed_on" in units:
        units = units.sort_values("observed_on", na_position="first")
    latest = units.drop_duplicates("unit_id", keep="last")
    positions = {str(u): (g.y, g.x) for u, g in zip(latest["unit_id"], latest.geometry)}
    return ctx.centres, positions, latest


def _points(rows: list[dict], columns: dict) -> gpd.GeoDataFrame:
    table = pd.DataFrame([{k: f(r) for k, f in columns.items()} for r in rows], columns=list(columns))
    geometry = gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows]) if rows else []
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")


def _day(value) -> str:
    return "" if value is None else f"{pd.Timestamp(value):%d %b %Y}"


def community_reports(store: ContributionStore, centre_id: str) -> gpd.GeoDataFrame:
    """Approved unit reports of a town as points: what was reported, when, and when confirmed."""
    rows = [r for r in store.query(kind="report", centre_id=centre_id, status="approved") if r["lat"] is not None]

    def reported(r):
        status = REPORT_STATUS.get(r["details"].get("change"))
        return status or "data wrong"

    return _points(rows, {
        "id": lambda r: r["id"],
        "unit_id": lambda r: r["unit_id"],
        "reported": reported,
        "change": lambda r: REPORT_CHANGES.get(r["details"].get("change"), ""),
        "name": lambda r: r["details"].get("name", ""),
        "text": lambda r: r["text"],
        "note": lambda r: f"reported by the community on {_day(r['details'].get('date_seen') or r['created_at'])}, "
                          f"confirmed by the town team on {_day(r['moderated_at'])}",
    })


def add_reports_layer(m, reports: gpd.GeoDataFrame, *, show: bool = True) -> None:
    """The approved community reports as their own switchable map layer."""
    if len(reports):
        from . import maps  # folium: only where a map is built

        maps.add_geojson_layer(m, reports, "Community reports", color_by="reported", colors=REPORT_COLOURS,
                               radius=9, weight=3, fill_opacity=0.3, show=show,
                               tooltip={"change": "Reported", "name": "Name", "text": "Said", "note": "When"},
                               legend="Community reports")


def town_reports(ctx) -> gpd.GeoDataFrame:
    """The town's approved community reports (:func:`community_reports`; none when contributions are off).

    Held per town and the store's last change (:meth:`ContributionStore.last_change`): a rerun asks the
    store only whether anything changed.
    """
    if not enabled() or ctx.town is None:
        return _points([], {"id": None})
    url = database_url(ctx.service.path)
    return _town_reports(url, ctx.town, _store(url).last_change()).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=256, ttl=3600)
def _town_reports(url: str, centre_id: str, change: int) -> gpd.GeoDataFrame:
    return community_reports(_store(url), centre_id)


def community_reports_layer(ctx, m) -> gpd.GeoDataFrame:
    """Add the town's approved community reports to map `m` (nothing when contributions are off)."""
    reports = town_reports(ctx)
    add_reports_layer(m, reports)
    return reports


def community_nominations(store: ContributionStore, centre_id: str) -> gpd.GeoDataFrame:
    """Approved asset nominations of a town, in the assets layer's shape, marked as the community's."""
    rows = store.query(kind="nomination", centre_id=centre_id, status="approved")
    return _points(rows, {
        "asset_id": lambda r: f"community-{r['id']}",
        "name": lambda r: r["details"].get("name", ""),
        "category": lambda r: r["details"].get("category", "other"),
        "acv_status": lambda r: "nominated" if r["details"].get("acv") else "none",
        "why": lambda r: r["text"],
        "source": lambda r: "nominated by the community",
        "centre_id": lambda r: r["centre_id"],
    })


def what_people_said(store: ContributionStore, centre_id: str, limit: int = 50) -> pd.DataFrame:
    """The town's approved contributions, newest first: kind, what was said, supports, date."""
    rows = store.query(centre_id=centre_id, status="approved", limit=limit, newest_first=True)
    out = []
    for r in rows:
        d = r["details"]
        if r["kind"] == "report":
            said = f"Unit {r['unit_id']}: {REPORT_CHANGES.get(d.get('change'), '')}"
            said += f" ({d['name']})" if d.get("name") else ""
            said += f". {r['text']}" if r["text"] else ""
        elif r["kind"] == "nomination":
            said = f"{d.get('name', '')}: {r['text']}"
        elif r["kind"] == "rating":
            said = r["text"] or "; ".join(f"{dict(PLACE_STANDARD)[k]}: {v}" for k, v in d.get("comments", {}).items())
            if not said:
                continue
        else:
            said = r["text"]
        out.append({"kind": KIND_LABELS[r["kind"]], "said": said, "supports": r["supports"] if r["kind"] == "idea"
                    else None, "on": r["created_at"].date()})
    return pd.DataFrame(out, columns=["kind", "said", "supports", "on"])


def ratings_summary(store: ContributionStore, centre_ids: list[str]) -> pd.DataFrame:
    """Mean score per Place Standard theme and town, with the number of answers."""
    out = []
    for centre_id in centre_ids:
        rows = store.query(kind="rating", centre_id=centre_id, status="approved")
        for key, label in PLACE_STANDARD:
            scores = [r["details"]["ratings"][key] for r in rows if key in r["details"].get("ratings", {})]
            out.append({"centre_id": centre_id, "theme": label, "order": len(out) % len(PLACE_STANDARD),
                        "score": sum(scores) / len(scores) if scores else None, "answers": len(rows)})
    return pd.DataFrame(out, columns=["centre_id", "theme", "order", "score", "answers"])


def compass_chart(summary: pd.DataFrame, names: dict[str, str]) -> alt.Chart:
    """The Place Standard compass: one spoke per theme, its length the mean score (1-7), a town per colour."""
    import altair as alt

    data = summary.dropna(subset=["score"]).assign(town=lambda t: t["centre_id"].map(names))
    base = alt.Chart(data).encode(
        theta=alt.Theta("theme:N", sort=alt.SortField("order"), stack=True),
        radius=alt.Radius("score:Q", scale=alt.Scale(type="linear", domain=[0, 7], zero=True, rangeMin=10)),
        tooltip=["town:N", "theme:N", alt.Tooltip("score:Q", format=".1f"), "answers:Q"],
    )
    if data["town"].nunique() > 1:
        return base.mark_arc(fillOpacity=0.35, stroke="#333", strokeWidth=0.5).encode(
            color=alt.Color("town:N", title="Town"), theta=alt.Theta("theme:N", sort=alt.SortField("order"),
                                                                     stack=False)
        ).properties(height=420)
    return (base.mark_arc(stroke="#fff", color="#4e79a7") +
            base.mark_text(radiusOffset=18, fontSize=10).encode(text="theme:N")).properties(height=460)
