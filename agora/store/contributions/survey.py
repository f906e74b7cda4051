"""Confirmed unit reports as a survey update: a units dataset with its provenance."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd

from ...loaders.canonical import load
from ...loaders.report import LoadError, LoadResult
from .rules import REPORT_STATUS


def survey_update(reports: list[dict], units: gpd.GeoDataFrame, centres: gpd.GeoDataFrame,
                  *, on: date | None = None) -> LoadResult:
    """A units dataset from approved unit reports, ready for ``Workspace.save``.

    Each report that changes a unit's status gives one row: the unit's latest row with
    the reported status (and a new business's name and ownership), observed on the day
    it was seen (else the day it was confirmed). Reports saying "the data is wrong"
    change nothing and are left out.

    Parameters
    ----------
    reports : approved contributions of kind ``report`` (from ``ContributionStore.query``).
    units : the units layer (the reported units' latest rows are taken from it).
    centres : the centres, to assign the rows.
    on : survey date for reports without a date seen (default: the day it was confirmed).

    Returns
    -------
    LoadResult
        Its report's ``file`` names the contributions (``community-reports-12-15-16``) and a
        note lists them; the rows' ``source`` says ``community report #ID``.
    """
    usable = [r for r in reports if r["kind"] == "report" and r["status"] == "approved"
              and REPORT_STATUS.get(r["details"].get("change"))]
    if not usable:
        raise LoadError("community reports: no approved report that changes a unit's status")
    latest = units.sort_values("observed_on", na_position="first").drop_duplicates("unit_id", keep="last")
    latest = latest.set_index(latest["unit_id"].astype(str))
    rows = []
    for r in usable:
        if r["unit_id"] not in latest.index:
            continue
        base = latest.loc[r["unit_id"]]
        d = r["details"]
        seen = d.get("date_seen") or (on.isoformat() if on else pd.Timestamp(r["moderated_at"]).date().isoformat())
        row = {"unit_id": r["unit_id"], "centre_id": base["centre_id"], "status": REPORT_STATUS[d["change"]],
               "name": base["name"], "category": base["category"], "street": base["street"],
               "ownership": base.get("ownership"), "observed_on": seen,
               "source": f"community report #{r['id']}",
               "latitude": base.geometry.y, "longitude": base.geometry.x}
        if d["change"] == "vacant":
            row["vacant_since"] = seen
        if d["change"] == "new_business":
            row.update(name=d.get("name"), category=d.get("shop_kind") or None, ownership=d.get("ownership"))
        rows.append(row)
    if not rows:
        raise LoadError("community reports: none of the reported units is in the units layer")
    ids = [r["id"] for r in usable]
    name = "community-reports-" + "-".join(str(i) for i in ids[:20]) + ("-more" if len(ids) > 20 else "")
    result = load(pd.DataFrame(rows), "units", filename=f"{name}.csv", centres=centres)
    result.report.notes.append("from community contributions " + ", ".join(f"#{i}" for i in ids))
    return result
