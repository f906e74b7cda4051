"""The validate, import and workspace commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

from cli import agora as run_cli
from conftest import PROJECT


def agora(*args: str, env_workspace=None) -> subprocess.CompletedProcess:
    """The command line in this process (``tests/cli.py``), with ``AGORA_WORKSPACE`` set when given."""
    return run_cli(*args, env=None if env_workspace is None else {"AGORA_WORKSPACE": str(env_workspace)})


def test_python_m_agora_runs_as_a_program(tmp_path):
    """One real ``python -m agora`` process: the module entry point and its exit status."""
    done = subprocess.run([sys.executable, "-m", "agora", "workspace", "--json"], capture_output=True, text=True,
                          cwd=PROJECT, env={**os.environ, "AGORA_WORKSPACE": str(tmp_path / "ws")}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), (list, dict))
    bad = subprocess.run([sys.executable, "-m", "agora", "no-such-command"], capture_output=True, text=True,
                         cwd=PROJECT, timeout=120)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def write_units(path, rows=None):
    df = pd.DataFrame(rows or {
        "name": ["Crumbs", "Empty", "<img src=x onerror=alert(1)>", "Bad"],
        "shop": ["bakery", "vacant", "gift", "books"],
        "lat": ["53.7414", "53.7415", "53.7416", "200"],
        "lon": ["-2.0150", "-2.0152", "-2.0154", "-2.0"],
    })
    df.to_csv(path, index=False)
    return path


def test_parser_of_one_command_is_that_command_of_the_whole_parser():
    """Running a command registers its module alone: its options and help are those of the whole parser."""
    from agora.cli import build_parser

    whole = build_parser()._subparsers._group_actions[0].choices
    for name, sub in whole.items():
        alone = build_parser(name)._subparsers._group_actions[0].choices
        assert list(alone) == [name]
        assert alone[name].format_help() == sub.format_help()
    assert list(build_parser("no-such-command")._subparsers._group_actions[0].choices) == list(whole)


def test_validate_json_report(tmp_path):
    path = write_units(tmp_path / "survey.csv")
    done = agora("validate", str(path), "--layer", "units", "--json", env_workspace=tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows_read"] == 4 and report["rows_kept"] == 3 and report["rows_rejected"] == 1
    assert report["rejected"] == [{"row": 5, "reason": "coordinates outside the Earth (latitude 200, longitude -2)"}]
    assert report["crs"] == "EPSG:4326" and report["swapped_lat_lon"] is False
    assert report["columns"]["lat"] == "lat" and report["columns"]["shop"] == "source_category"


def test_validate_text_report_and_bad_file(tmp_path):
    path = write_units(tmp_path / "survey.csv")
    done = agora("validate", str(path), "--layer", "units", env_workspace=tmp_path / "ws")
    assert "4 rows read, 3 kept, 1 rejected" in done.stdout and "rejected row 5" in done.stdout
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    done = agora("validate", str(empty), "--layer", "units", env_workspace=tmp_path / "ws")
    assert done.returncode == 2 and done.stderr.strip() == "error: empty.csv: the file is empty."
    assert "Traceback" not in done.stderr


def test_import_saves_into_workspace(tmp_path):
    ws = tmp_path / "ws"
    path = write_units(tmp_path / "survey.csv")
    done = agora("import", str(path), "--layer", "units", "--json", env_workspace=ws)
    assert done.returncode == 0, done.stderr
    saved = json.loads(done.stdout)["dataset"]
    listing = json.loads(agora("workspace", "--json", env_workspace=ws).stdout)
    units = [d for d in listing["datasets"] if d["layer"] == "units"]
    assert saved in {d["dataset"] for d in units}
    assert any(d["rows"] == 3 and d["source"] == "survey.csv" for d in units)


def test_column_map_option(tmp_path):
    path = tmp_path / "odd.csv"
    pd.DataFrame({"Premises": ["Hall"], "N": [53.74], "E": [-2.01]}).to_csv(path, index=False)
    done = agora("validate", str(path), "--layer", "assets", "--json", "--map", "N=lat", "--map", "E=lon",
                 "--map", "Premises=name", "--set", "category=community_centre", env_workspace=tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_kept"] == 1


def test_real_hebden_validate(realdata, tmp_path):
    done = agora("validate", str(realdata / "hebden_bridge_places" / "hebden-places.csv"), "--layer", "units",
                 "--json", env_workspace=tmp_path / "ws")
    report = json.loads(done.stdout)
    assert report["swapped_lat_lon"] is True and report["rows_kept"] == 215


def test_imported_counts_take_the_ids_of_saved_sites(tmp_path):
    ws = tmp_path / "ws"
    sites = tmp_path / "sites.csv"
    pd.DataFrame({"sensor_id": ["7"], "sensor_description": ["Town Hall (West)"], "latitude": [53.74],
                  "longitude": [-2.01]}).to_csv(sites, index=False)
    assert agora("import", str(sites), "--layer", "footfall-sites", env_workspace=ws).returncode == 0
    wide = tmp_path / "wide.csv"
    pd.DataFrame({"Date": ["01/01/2019", "01/01/2019"], "Hour": [0, 1], "Town Hall (West)": [3025, -1],
                  "Princes Bridge": [531, 3854]}).to_csv(wide, index=False)
    done = agora("import", str(wide), "--layer", "footfall", "--json", env_workspace=ws)
    assert done.returncode == 0, done.stderr
    assert any("matched to the location file by name" in n for n in json.loads(done.stdout)["notes"])
    from agora.store.workspace import Workspace

    counts = Workspace(ws).read("footfall_counts")
    mine = counts[counts["site_id"].isin(["7", "Princes Bridge", "Town Hall (West)"])]  # the rest is the demo
    assert sorted(mine["site_id"].unique()) == ["7", "Princes Bridge"]  # the second has no saved site
    assert len(mine) == 4 and mine["count"].isna().sum() == 1  # -1 is missing, not zero


def test_import_draws_a_new_centre_around_units_outside_every_centre(tmp_path):
    ws = tmp_path / "ws"
    path = write_units(tmp_path / "survey.csv")
    done = agora("import", str(path), "--layer", "units", "--new-centre", "Hebden Bridge", "--json",
                 env_workspace=ws)
    assert done.returncode == 0, done.stderr
    from agora.store.workspace import Workspace

    workspace = Workspace(ws)
    centres = workspace.read("centres")
    centre = centres[centres["centre_id"] == "hebden-bridge"].iloc[0]
    units = workspace.read("units")
    mine = units[units["centre_id"] == "hebden-bridge"]
    assert len(mine) == 3 and mine.within(centre.geometry).all()
    again = agora("import", str(path), "--layer", "units", "--new-centre", "Hebden Bridge", env_workspace=ws)
    assert again.returncode == 2 and "every row is in a centre already" in again.stderr
