"""Clone verdicts say how sure they are: interval, other walk starts, nef 2005 against 2010."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from agora.analysis import clone
from agora.analysis.ownership import classify_ownership
from cli import agora as run_cli
from conftest import PROJECT


def test_verdict_rules():
    base = {"nef2005_class": "clone town", "nef2010_class": "clone town"}
    near = clone.certainty({**base, "bootstrap_low": 17.2, "bootstrap_high": 28.4, "heart_same_class": 0.57})
    assert near["verdict"] == "Clone town — close to the border: 57% of other walks agree"
    assert (near["nef2005_low"], near["nef2005_high"], near["class_agreement"]) == (17.2, 28.4, 0.57)
    unsure = clone.certainty({**base, "bootstrap_low": 17.2, "bootstrap_high": 28.4, "heart_same_class": 0.4})
    assert unsure["verdict"].startswith("Clone town or border town: not enough units to tell")
    wide = clone.certainty({"nef2005_class": "home town", "nef2010_class": "border town", "bootstrap_low": 23.5,
                            "bootstrap_high": 44.7})
    assert wide["verdict"] == ("Clone town, border town or home town: not enough units to tell; "
                               "the nef 2010 index says border town")
    clear = clone.certainty({**base, "bootstrap_low": 10.0, "bootstrap_high": 20.0, "heart_same_class": 0.97})
    assert clear["verdict"] == "Clone town — 97% of other walks agree" and clear["verdict_certainty"] == "clear"


def test_a_twenty_shop_street_is_not_called_home_town_plainly():
    pts = [shapely.Point(-1.6 + i * 0.0003, 53.0) for i in range(20)]
    cats = ["clothes", "cafe", "bakery", "books", "florist", "butcher", "hairdresser", "pharmacy", "toys", "gift"]
    units = gpd.GeoDataFrame({"unit_id": [f"s{i}" for i in range(20)], "centre_id": "street",
                              "name": [f"Shop {i}" if i % 3 else f"Costa {i}" for i in range(20)],
                              "category": [cats[i % 10] for i in range(20)],
                              "ownership": ["chain" if i % 3 == 0 else "independent" for i in range(20)],
                              "status": "occupied"}, geometry=pts, crs="EPSG:4326")
    s = clone.diagnose_centre(units, clone.CloneSettings(), centre_id="street").summary
    assert s["nef2005_class"] == "home town"
    assert s["verdict_certainty"] == "not enough units" and "not enough units to tell" in s["verdict"]


def test_sensitivity_table_gives_each_end_of_the_interval_its_class():
    units = gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet")
    units = classify_ownership(units[units["centre_id"] == "castlebridge"])
    result = clone.diagnose_centre(units, clone.CloneSettings(), centre_id="castlebridge")
    ends = result.sensitivity[result.sensitivity["sampling"].str.contains("95% interval")]
    assert len(ends) == 2 and set(ends["nef2005_class"]) <= set(clone.CLASSES)  # was "to 28.4"
    assert ends["nef2005_score"].tolist() == pytest.approx([result.summary["nef2005_low"],
                                                            result.summary["nef2005_high"]])
    assert result.summary["verdict"].lower().startswith(result.summary["nef2005_class"].split()[0])


def test_diagnose_json_has_the_interval_agreement_and_verdict():
    done = run_cli("diagnose", str(PROJECT / "data" / "demo" / "units.parquet"), "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["centre_id"]: r for r in json.loads(done.stdout)}
    row = rows["castlebridge"]
    assert row["nef2005_low"] <= row["nef2005_score"] <= row["nef2005_high"]
    assert 0 <= row["class_agreement"] <= 1 and row["verdict"]
    assert pd.notna(row["classes_agree"])
