"""``python -m agora changes``: one object per centre, the same figures as the analysis, public reports."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from agora.analysis import changes
from agora.service import DataService
from conftest import PROJECT
from test_changes import AFTER, BEFORE, expected_by_id, readme_demo_vacancy


def agora(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agora", *args], capture_output=True, text=True, cwd=PROJECT,
                          timeout=300)


def test_json_per_centre_against_the_raw_rows(workspace):
    done = agora("changes", "--workspace", str(workspace.path), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    svc = DataService(workspace.path)
    centres = svc.centres()
    assert [r["centre_id"] for r in rows] == centres["centre_id"].tolist()
    readme = readme_demo_vacancy()
    for r, name in zip(rows, centres["name"]):
        assert (r["from_date"], r["to_date"]) == ("2025-06-14", "2026-06-13")
        want = expected_by_id(svc.town("units", r["centre_id"]), BEFORE, AFTER)
        assert set(r["closed_units"]) == want["closed"] and r["closed"] == len(want["closed"])
        assert set(r["opened_units"]) == want["opened"] and r["opened"] == len(want["opened"])
        assert r["vacancy_change_pts"] == round((want["rate_after"] - want["rate_before"]) * 100, 2)
        assert (f"{r['vacancy_before']:.1%}", f"{r['vacancy_after']:.1%}") == readme[name]
        assert r["reports"] is None  # no contributions store in the workspace: none made by reading
    assert not (workspace.path / "contributions.sqlite").exists()
    castle = rows[0]
    assert castle["centre_id"] == "castlebridge" and (castle["closed"], castle["opened"]) == (27, 16)
    assert castle["paragraph"].startswith("Since June 2025 (14 June 2025 to 13 June 2026), 27 shops closed")
    assert castle["footfall"]["weeks"] == 51


def test_one_town_by_name_dates_and_errors(workspace):
    done = agora("changes", "--workspace", str(workspace.path), "--town", "Wendlow", "--from", "2025-06-14",
                 "--to", "2026-06-13", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    same = changes.town_changes(DataService(workspace.path).town("units", "wendlow"), centre_id="wendlow")
    assert (row["closed"], row["opened"], row["occupier_changes"]) == (len(same.closed), len(same.opened),
                                                                       len(same.occupier_changes))
    text = agora("changes", "--workspace", str(workspace.path), "--town", "wendlow")
    assert text.returncode == 0 and text.stdout.startswith("Wendlow (wendlow)\n  Since June 2025")
    assert "opened: wendlow-" in text.stdout
    wrong = agora("changes", "--workspace", str(workspace.path), "--town", "Atlantis")
    assert wrong.returncode == 2 and "no centre 'Atlantis'" in wrong.stderr
    early = agora("changes", "--workspace", str(workspace.path), "--town", "wendlow", "--from", "2020-01-01")
    assert early.returncode == 2 and "no survey on or before 2020-01-01" in early.stderr
    bad = agora("changes", "--workspace", str(workspace.path), "--from", "June")
    assert bad.returncode == 2 and "--from 'June'" in bad.stderr


def test_public_reports_in_the_period(workspace):
    from agora.store.contributions import ContributionStore, Submission

    svc = DataService(workspace.path)
    store = ContributionStore.open(workspace=workspace.path)
    unit = svc.town("units", "wendlow").iloc[0]
    receipt = store.submit(Submission("report", "wendlow", unit_id=unit["unit_id"], change="vacant",
                                      text="Shut last week"),
                           centres=svc.centres(), unit_ids=set(svc.town("units", "wendlow")["unit_id"]),
                           session="s1")
    store.submit(Submission("idea", "wendlow", text="Benches", lat=unit.geometry.y, lon=unit.geometry.x),
                 centres=svc.centres(), session="s2")  # left pending: not counted
    store.add_moderator("ann", "a long enough password")
    store.approve(receipt.id, "ann")
    today = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    done = agora("changes", "--workspace", str(workspace.path), "--town", "wendlow", "--to", f"{today:%Y-%m-%d}",
                 "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert row["from_date"] == "2026-06-13" and row["reports"] == 1
    assert row["lists"]["public_reports"][0]["change"] == "now vacant"
    assert "The public reported 1 change in the period." in row["paragraph"]
