"""Contributions as files: CSV (cells that a spreadsheet would run neutralised) and GeoJSON.

Exports never hold contact emails, session ids or client hashes.
"""

from __future__ import annotations

import csv
import io
import json

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("id", "kind", "town", "unit_id", "lat", "lon", "status", "text", "details", "supports", "origin",
           "created_at", "moderated_at", "moderated_by", "reason")


def neutralise(value):
    """Text starting with ``= + - @`` tab or CR gets a leading ``'`` (spreadsheets would run it)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def public_row(row: dict) -> dict:
    """A contribution as plain values (town = centre id; details as JSON text; dates ISO)."""
    out = {k: row.get(k) for k in COLUMNS}
    out["town"] = row.get("centre_id")
    out["details"] = json.dumps(row.get("details") or {}, ensure_ascii=False, sort_keys=True)
    for key in ("created_at", "moderated_at"):
        out[key] = row[key].isoformat(timespec="seconds") if row.get(key) else None
    return out


def to_csv(rows: list[dict]) -> str:
    """CSV text of `rows` (text cells neutralised)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in public_row(row).items()})
    return buf.getvalue()


def to_geojson(rows: list[dict]) -> str:
    """A GeoJSON FeatureCollection of the contributions that have a position."""
    features = []
    for row in rows:
        if row.get("lat") is None or row.get("lon") is None:
            continue
        props = public_row(row)
        props["details"] = row.get("details") or {}
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                         "properties": {k: v for k, v in props.items() if k not in ("lat", "lon")}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, default=str)


AUDIT_COLUMNS = ("id", "at", "actor", "action", "contribution_id", "before", "after", "note")


def audit_csv(rows: list[dict]) -> str:
    """CSV text of audit rows (before/after as JSON; text cells neutralised)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = {k: row.get(k) for k in AUDIT_COLUMNS}
        out["at"] = row["at"].isoformat(timespec="seconds") if row.get("at") else None
        for key in ("before", "after"):
            out[key] = as_json(row.get(key))
        writer.writerow({k: neutralise(v) for k, v in out.items()})
    return buf.getvalue()


def as_json(value) -> str | None:
    """`value` as JSON text (None stays None)."""
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
