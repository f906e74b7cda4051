"""``python -m agora diagnose``, run as a user runs it."""

from __future__ import annotations

import json

import pandas as pd

from cli import agora

FIELDS = {"centre", "n_scored", "independents", "chains", "types", "nef2005_score", "nef2005_class", "nef2010_index",
          "nef2010_class", "shannon", "simpson", "share_independent"}




def exeter_survey(path):
    kinds = ["butcher", "baker", "clothes", "shoes", "phones", "chemist", "cafe", "pub", "takeaway", "charity shop"]
    pd.DataFrame({
        "Shop name": [f"Shop {i}" for i in range(50)],
        "Type": [kinds[i % 10] for i in range(50)],
        "Independent or chain": ["independent"] + ["chain"] * 49,
    }).to_csv(path, index=False)
    return path


def test_survey_without_coordinates_json(tmp_path):
    done = agora("diagnose", str(exeter_survey(tmp_path / "exeter.csv")), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 1 and FIELDS <= rows[0].keys()
    row = rows[0]
    assert row["centre"] == "exeter" and row["n_scored"] == 50 and row["independents"] == 1 and row["types"] == 10
    assert row["nef2005_score"] == 6.9 and row["nef2005_class"] == "clone town"
    assert row["share_independent"] == 0.02


def test_text_output_and_errors(tmp_path):
    path = exeter_survey(tmp_path / "exeter.csv")
    done = agora("diagnose", str(path))
    assert done.returncode == 0 and "clone town" in done.stdout and "6.9" in done.stdout
    assert "ownership decided by: surveyed 50" in done.stdout
    bad = tmp_path / "brands.csv"
    bad.write_text("shop\nGreggs\n")
    done = agora("diagnose", str(path), "--brands", str(bad))
    assert done.returncode == 2 and done.stderr.startswith("error: brands.csv: a brand list needs a 'brand' column")
    done = agora("diagnose", str(path), "--by", "nowhere")
    assert done.returncode == 2 and "--by 'nowhere': no such column" in done.stderr
    done = agora("diagnose", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_hebden_bridge_with_nsi_brands(realdata):
    done = agora("diagnose", str(realdata / "hebden_bridge_places" / "hebden-places.csv"),
                 "--brands", str(realdata / "nsi_brands" / "nsi_brands_gb.csv"), "--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)[0]
    assert row["n_scored"] == 50 and row["nef2005_class"] == "home town"
    assert row["independents"] + row["chains"] == 50 and row["chains"] <= 13
    every = json.loads(agora("diagnose", str(realdata / "hebden_bridge_places" / "hebden-places.csv"),
                             "--brands", str(realdata / "nsi_brands" / "nsi_brands_gb.csv"),
                             "--method", "all", "--json").stdout)[0]
    assert every["n_scored"] > 150 and every["method"] == "all"


def test_isle_of_man_by_town(realdata):
    folder = realdata / "osm_isle_of_man"
    done = agora("diagnose", str(folder / "shops.geojson"), str(folder / "food-and-drink.geojson"),
                 "--by", "addr:city", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["centre"]: r for r in json.loads(done.stdout)}
    assert {"Douglas", "Ramsey", "Peel", "Port Erin", "Castletown"} <= rows.keys()
    assert rows["Douglas"]["n_scored"] == 50 and rows["Castletown"]["below_minimum"] is True
