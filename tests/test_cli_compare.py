"""``python -m agora compare``: the indicator table, towns like one, profiles, clear errors."""

from __future__ import annotations

import json

import pytest

from cli import agora




def test_table_json_one_object_per_centre(workspace):
    done = agora("compare", "--workspace", str(workspace.path), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    centres = workspace.read("centres")
    assert sorted(r["centre_id"] for r in rows) == sorted(centres["centre_id"])
    assert sorted(r["centre"] for r in rows) == sorted(centres["name"])
    first = rows[0]
    assert list(first)[:2] == ["centre", "centre_id"]
    for key in ("units", "vacancy_rate", "vacancy_change", "share_independent", "nef2005_score", "nef2005_class",
                "nef2010_index", "shannon", "clone_ness", "footfall_yoy", "footfall_signature", "area_ha"):
        assert key in first
    assert all(0 <= r["vacancy_rate"] <= 1 for r in rows)
    assert {r["nef2005_class"] for r in rows} <= {"clone town", "border town", "home town"}


def test_table_text_and_chosen_indicators(workspace):
    done = agora("compare", "--workspace", str(workspace.path), "--indicators", "vacancy_rate,units")
    assert done.returncode == 0, done.stderr
    assert "Vacancy rate" in done.stdout and "Units" in done.stdout and "nef 2005" not in done.stdout
    for name in workspace.read("centres")["name"]:
        assert name in done.stdout


def test_similar_nearest_first_without_itself(workspace):
    centres = workspace.read("centres")
    name, cid = centres["name"].iloc[0], centres["centre_id"].iloc[0]
    done = agora("compare", "--workspace", str(workspace.path), "--similar", name, "--k", "3", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 3
    assert all({"centre", "distance"} <= set(r) for r in rows)
    assert cid not in {r["centre_id"] for r in rows}
    distances = [r["distance"] for r in rows]
    assert distances == sorted(distances) and distances[0] > 0
    # by id, the same answer
    by_id = json.loads(agora("compare", "--workspace", str(workspace.path), "--similar", cid, "--k", "3",
                             "--json").stdout)
    assert by_id == rows


def test_similar_symmetric_distance(workspace):
    centres = workspace.read("centres")["centre_id"].tolist()
    a = centres[0]
    rows = json.loads(agora("compare", "--workspace", str(workspace.path), "--similar", a, "--k", "10",
                            "--json").stdout)
    b = rows[-1]["centre_id"]
    back = json.loads(agora("compare", "--workspace", str(workspace.path), "--similar", b, "--k", "10",
                            "--json").stdout)
    there = rows[-1]["distance"]
    assert {r["centre_id"]: r["distance"] for r in back}[a] == pytest.approx(there)


def test_similar_by_brands_and_weights(workspace):
    cid = workspace.read("centres")["centre_id"].iloc[0]
    done = agora("compare", "--workspace", str(workspace.path), "--similar", cid, "--by", "brands", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and all(0 <= r["similarity"] <= 1 for r in rows)
    done = agora("compare", "--workspace", str(workspace.path), "--similar", cid, "--indicators",
                 "vacancy_rate,share_independent", "--weights", "vacancy_rate=0", "--json")
    assert done.returncode == 0, done.stderr
    assert all("vacancy rate" not in r["why"] for r in json.loads(done.stdout))


def test_errors_are_one_clear_line(workspace):
    done = agora("compare", "--workspace", str(workspace.path), "--similar", "Atlantis")
    assert done.returncode == 2
    assert "no centre 'Atlantis'" in done.stderr and "Traceback" not in done.stderr
    done = agora("compare", "--workspace", str(workspace.path), "--indicators", "happiness")
    assert done.returncode == 2 and "unknown happiness" in done.stderr
    done = agora("compare", "--workspace", str(workspace.path), "--area", "/no/such/folder")
    assert done.returncode == 2 and "/no/such/folder" in done.stderr


def test_profile_file(workspace, tmp_path):
    centres = workspace.read("centres")
    cid, name = centres["centre_id"].iloc[1], centres["name"].iloc[1]
    out = tmp_path / "p.html"
    done = agora("compare", "--workspace", str(workspace.path), "--profile", cid, "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["file"] == str(out)
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and f"<h1>{name}</h1>" in text


def test_cdrc_centres_join(workspace, realdata):
    folder = realdata / "cdrc_town_centre_vacancy"
    done = agora("compare", "--workspace", str(workspace.path), "--area", str(folder), "--json",
                 "--indicators", "units,vacancy_rate")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    n_demo = len(workspace.read("centres"))
    assert len(rows) == 1289 + n_demo
    exeter = next(r for r in rows if r["centre_id"] == "TC0456")
    assert exeter["centre"] == "Exeter" and exeter["units"] == 720 and exeter["level"] == "town_centre"
    assert set(exeter) == {"centre", "centre_id", "level", "size_band", "data_date", "units", "vacancy_rate"}
    unsurveyed = [r for r in rows if r["level"] == "town_centre" and r["units"] is None]
    assert len(unsurveyed) == 25 and all(r["vacancy_rate"] is None for r in unsurveyed)
    near = json.loads(agora("compare", "--workspace", str(workspace.path), "--area", str(folder), "--similar",
                            "TC0456", "--k", "5", "--json").stdout)
    assert len(near) == 5 and all(r["centre_id"].startswith("TC") for r in near)
