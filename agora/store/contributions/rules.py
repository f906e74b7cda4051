"""What a contribution may hold: kinds, choices, length limits, plain text, positions.

Plain Python (no database, no Streamlit): every check raises :class:`ContributionError`
with a message fit to show to the contributor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ...layers import ASSET_CATEGORIES, BNG_CRS

KINDS = ("report", "nomination", "idea", "rating")
STATUSES = ("pending", "approved", "rejected", "hidden", "withdrawn")
REPORT_CHANGES = {
    "vacant": "now vacant",
    "reopened": "reopened",
    "new_business": "a new business",
    "data_wrong": "the data is wrong",
}
#: The unit status a confirmed report stands for (None: no status change).
REPORT_STATUS = {"vacant": "vacant", "reopened": "occupied", "new_business": "occupied", "data_wrong": None}
OWNERSHIP_CHOICES = ("independent", "chain", "unknown")
REJECT_REASONS = ("spam", "offensive", "personal information", "not about this place", "duplicate", "other")
#: The Place Standard's 14 themes (key, label).
PLACE_STANDARD = (
    ("moving_around", "Moving around"),
    ("public_transport", "Public transport"),
    ("traffic_parking", "Traffic and parking"),
    ("streets_spaces", "Streets and spaces"),
    ("natural_space", "Natural space"),
    ("play_recreation", "Play and recreation"),
    ("facilities_services", "Facilities and services"),
    ("work_economy", "Work and local economy"),
    ("housing_community", "Housing and community"),
    ("social_interaction", "Social interaction"),
    ("identity_belonging", "Identity and belonging"),
    ("feeling_safe", "Feeling safe"),
    ("care_maintenance", "Care and maintenance"),
    ("influence_control", "Influence and sense of control"),
)
THEMES = dict(PLACE_STANDARD)
NEAR_M = 500.0
LIMITS = {"text": 1000, "name": 120, "comment": 300, "email": 254, "shop_kind": 80, "reason": 300}

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class ContributionError(ValueError):
    """A contribution that cannot be accepted; the message says why, for the contributor."""


class RateLimited(ContributionError):
    """Too many contributions too fast."""


@dataclass
class Submission:
    """What a contributor sends (fields not used by its kind are ignored).

    Attributes
    ----------
    kind : report | nomination | idea | rating
    centre_id : the town (centre id).
    text : free text: what changed / why it matters / the idea / an overall comment.
    unit_id : the unit reported (reports).
    change : one of :data:`REPORT_CHANGES` (reports).
    lat, lon : the position (nominations, ideas; reports take the unit's).
    name, shop_kind, ownership : a new business's name, kind and ownership; a nominated asset's name.
    category, acv : a nomination's asset category and "should be listed as an ACV".
    date_seen : when the change was seen (reports, optional).
    ratings, comments : theme -> 1..7 and theme -> text (ratings).
    email : optional contact, kept apart.
    website : the honeypot: a field people never see; anything in it means a robot.
    """

    kind: str
    centre_id: str
    text: str = ""
    unit_id: str | None = None
    change: str | None = None
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    shop_kind: str | None = None
    ownership: str | None = None
    category: str | None = None
    acv: bool = False
    date_seen: date | str | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    email: str | None = None
    website: str = ""


def plain_text(value, label: str, limit: int, *, required: bool = False) -> str:
    """`value` as checked plain text: trimmed, no markup, no control characters, within `limit`."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ContributionError(f"{label}: please write something.")
    if len(text) > limit:
        raise ContributionError(f"{label} is too long: {len(text):,} characters, at most {limit:,}.")
    if _TAG.search(text):
        raise ContributionError(f"{label}: please write plain text, without HTML tags.")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise ContributionError(f"{label}: contains control characters; please write plain text.")
    return text


def locate(centres: gpd.GeoDataFrame, lat: float, lon: float, centre_id: str | None = None) -> str:
    """The centre a position belongs to: inside it or within 500 m (measured in EPSG:27700).

    With `centre_id`, the position must be near that centre; otherwise the nearest one.
    """
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ContributionError("The position is not a pair of numbers (latitude, longitude).") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ContributionError("The position is not a latitude and longitude.")
    ids, shapes = _projected(centres)
    if centre_id is not None:
        keep = ids == centre_id
        ids, shapes = ids[keep], shapes[keep]
    if not len(ids):
        raise ContributionError(f"No town with id {centre_id!r}.")
    x, y = _TO_BNG.transform(lon, lat)
    distances = shapely.distance(shapes, shapely.Point(x, y))
    best = int(distances.argmin())
    if distances[best] > NEAR_M:
        where = "this town" if centre_id else "any town"
        raise ContributionError(f"That position is {distances[best] / 1000:.1f} km from {where}; contributions "
                                f"must be in a town centre or within {NEAR_M:.0f} m of one.")
    return str(ids[best])


_TO_BNG = Transformer.from_crs("EPSG:4326", BNG_CRS, always_xy=True)
_PROJECTED: dict[int, tuple] = {}


def _projected(centres: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Centre ids and shapes in EPSG:27700 as arrays, kept for the same frame."""
    hit = _PROJECTED.get(id(centres))
    if hit is not None and hit[0] is centres:
        return hit[1]
    if len(_PROJECTED) > 16:
        _PROJECTED.clear()
    ids = centres["centre_id"].astype(str).to_numpy(dtype=object)
    shapes = centres.geometry.to_crs(BNG_CRS).to_numpy()
    _PROJECTED[id(centres)] = (centres, (ids, shapes))
    return ids, shapes


def centre_ids(centres: gpd.GeoDataFrame) -> set[str]:
    return set(_projected(centres)[0])


UnitIds = Callable[[str], Collection[str]] | Collection[str]


def unit_exists(unit_ids: UnitIds | None, centre_id: str, unit_id: str) -> None:
    """Raise unless `unit_id` is one of the town's units (`unit_ids`: a set, or centre id -> ids)."""
    if unit_ids is None:
        raise ContributionError("Units cannot be checked here; no unit list was given.")
    known = unit_ids(centre_id) if callable(unit_ids) else unit_ids
    if str(unit_id) not in {str(u) for u in known}:
        raise ContributionError(f"No unit {unit_id!r} in this town; pick one from the list or the map.")


def check(sub: Submission, centres: gpd.GeoDataFrame, unit_ids: UnitIds | None = None) -> dict:
    """Check `sub` and return the row fields to store (``details`` as a dict).

    Raises
    ------
    ContributionError
        With a message for the contributor.
    """
    if sub.website:
        raise ContributionError("This form was filled in by a robot, it seems; nothing was saved.")
    if sub.kind not in KINDS:
        raise ContributionError(f"Unknown kind {sub.kind!r}; one of {', '.join(KINDS)}.")
    if centres is None or sub.centre_id not in centre_ids(centres):
        raise ContributionError(f"No town with id {sub.centre_id!r}.")
    details: dict = {}
    row = {"kind": sub.kind, "centre_id": sub.centre_id, "unit_id": None, "lat": None, "lon": None}
    text_label = {"report": "What changed", "nomination": "Why it matters", "idea": "Your idea",
                  "rating": "Your comment"}[sub.kind]
    row["text"] = plain_text(sub.text, text_label, LIMITS["text"], required=sub.kind == "idea")
    if sub.lat is not None and sub.lon is not None:
        locate(centres, sub.lat, sub.lon, sub.centre_id)
        row["lat"], row["lon"] = round(float(sub.lat), 7), round(float(sub.lon), 7)
    if sub.kind == "report":
        if not sub.unit_id:
            raise ContributionError("Pick the unit the report is about.")
        unit_exists(unit_ids, sub.centre_id, sub.unit_id)
        row["unit_id"] = str(sub.unit_id)
        if sub.change not in REPORT_CHANGES:
            raise ContributionError(f"Say what changed: one of {', '.join(REPORT_CHANGES.values())}.")
        details["change"] = sub.change
        if sub.change == "new_business":
            details["name"] = plain_text(sub.name, "Business name", LIMITS["name"], required=True)
            details["shop_kind"] = plain_text(sub.shop_kind, "Kind of shop", LIMITS["shop_kind"])
            if sub.ownership and sub.ownership not in OWNERSHIP_CHOICES:
                raise ContributionError(f"Independent or chain: one of {', '.join(OWNERSHIP_CHOICES)}.")
            details["ownership"] = sub.ownership or "unknown"
        if sub.change == "data_wrong" and not row["text"]:
            raise ContributionError("What changed: please say what is wrong.")
        if sub.date_seen:
            try:
                seen = date.fromisoformat(str(sub.date_seen)[:10])
            except ValueError:
                raise ContributionError("Date seen: write it as YYYY-MM-DD.") from None
            if seen > date.today():
                raise ContributionError("Date seen is in the future.")
            details["date_seen"] = seen.isoformat()
    elif sub.kind == "nomination":
        if sub.category not in ASSET_CATEGORIES:
            raise ContributionError(f"Category: one of {', '.join(ASSET_CATEGORIES)}.")
        details["category"] = sub.category
        details["name"] = plain_text(sub.name, "Name of the place", LIMITS["name"], required=True)
        details["acv"] = bool(sub.acv)
        if not row["text"]:
            raise ContributionError("Why it matters: please write a few words.")
    if sub.kind in ("nomination", "idea") and row["lat"] is None:
        raise ContributionError("Put a pin on the map: where is it?")
    if sub.kind == "rating":
        unknown = set(sub.ratings) - set(THEMES)
        if unknown:
            raise ContributionError(f"Unknown theme(s): {', '.join(sorted(unknown))}.")
        if set(sub.ratings) != set(THEMES):
            raise ContributionError("Rate all 14 themes, from 1 (lots of room to improve) to 7 (very little).")
        ratings = {}
        for key, value in sub.ratings.items():
            try:
                score = int(value)
            except (TypeError, ValueError):
                score = 0
            if not 1 <= score <= 7 or str(value).strip() not in {str(score), f"{score}.0"}:
                raise ContributionError(f"{THEMES[key]}: a score from 1 to 7.")
            ratings[key] = score
        details["ratings"] = ratings
        comments = {}
        for key, value in (sub.comments or {}).items():
            if key not in THEMES:
                raise ContributionError(f"Unknown theme {key!r}.")
            note = plain_text(value, f"Comment on {THEMES[key]}", LIMITS["comment"])
            if note:
                comments[key] = note
        details["comments"] = comments
    if sub.email:
        email = sub.email.strip()
        if len(email) > LIMITS["email"] or not _EMAIL.match(email):
            raise ContributionError("Contact email: that does not look like an email address.")
        row["email"] = email
    row["details"] = details
    return row
