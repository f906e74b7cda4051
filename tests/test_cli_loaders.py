"""Command-line options of issue 11: --value, --centres-map/--centres-value, --postcodes,
validate writing nothing, 'centres find' and 'import --find-centres'."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from agora.cli import main
from conftest import PROJECT


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rates_csv(path, flags=("True", "False", "True", "False")):
    pd.DataFrame({
        "rates_code": [f"R{i}" for i in range(len(flags))],
        "description": ["Shop and premises", "Cafe and premises", "Shop and premises", "Offices and premises"],
        "address_street": ["High Street", "High Street", "Bridge Lane", "Bridge Lane"],
        "lat": [53.7414, 53.7415, 53.7416, 53.7417], "lon": [-2.015, -2.0152, -2.0154, -2.0156],
        "occupation_state": list(flags),
    }).to_csv(path, index=False)
    return path


def test_validate_writes_nothing(tmp_path, capsys, monkeypatch):
    ws = tmp_path / "ws"
    monkeypatch.setenv("AGORA_WORKSPACE", str(ws))
    code, out, err = run(capsys, "validate", str(rates_csv(tmp_path / "r.csv")), "--layer", "units", "--json")
    assert code == 0, err
    assert not ws.exists()
    report = json.loads(out)
    assert report["columns"]["rates_code"] == "unit_id" and report["columns"]["address_street"] == "street"


def test_value_option_maps_status_and_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AGORA_WORKSPACE", str(tmp_path / "ws"))
    path = rates_csv(tmp_path / "r.csv")
    code, out, err = run(capsys, "vacancy", str(path), "--json", "--value", "occupation_state:True=vacant",
                         "--value", "status:False=occupied")
    assert code == 0, err
    assert json.loads(out)[0]["vacant"] == 2 and json.loads(out)[0]["occupied"] == 2
    code, out, err = run(capsys, "validate", str(path), "--layer", "units", "--json", "--value", "status:True=closed")
    assert code == 2 and "'closed' is not one of occupied, vacant, unknown" in err


def test_centres_file_takes_its_own_map(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AGORA_WORKSPACE", str(tmp_path / "ws"))
    box = shapely.box(-2.02, 53.74, -2.01, 53.745)
    pd.DataFrame({"zone": ["Z1"], "label_text": ["Hebden Bridge"], "outline": [box.wkt]}).to_csv(
        tmp_path / "c.csv", index=False)
    units = rates_csv(tmp_path / "r.csv")
    code, out, err = run(capsys, "vacancy", str(units), "--centres", str(tmp_path / "c.csv"), "--json",
                         "--centres-map", "zone=centre_id", "--centres-map", "label_text=name",
                         "--centres-map", "outline=wkt")
    assert code == 0, err
    rows = json.loads(out)
    assert rows[0]["centre"] == "Hebden Bridge" and rows[0]["centre_id"] == "Z1" and rows[0]["units"] == 4
    from agora.cli import build_parser

    for command in ("vacancy", "diagnose", "assets"):
        help_text = build_parser()._subparsers._group_actions[0].choices[command].format_help()
        assert "--centres-map" in help_text and "--centres-value" in help_text and "--value" in help_text


def test_every_command_with_map_takes_value():
    from agora.cli import build_parser

    for name, sub in build_parser()._subparsers._group_actions[0].choices.items():
        options = {o for a in sub._actions for o in a.option_strings}
        if "--map" in options:
            assert "--value" in options, name


def test_postcodes_place_a_survey_without_coordinates(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AGORA_WORKSPACE", str(tmp_path / "ws"))
    pd.DataFrame({"name": ["Crumbs", "Empty", "Books"], "use": ["bakery", "vacant", "books"],
                  "postcode": ["HX7 8AD", "hx78ae", "ZZ1 1ZZ"]}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"pcds": ["HX7 8AD", "HX7 8AE"], "lat": [53.7414, 53.7416], "long": [-2.015, -2.016]}).to_csv(
        tmp_path / "pc.csv", index=False)
    code, out, err = run(capsys, "validate", str(tmp_path / "s.csv"), "--layer", "units", "--json",
                         "--postcodes", str(tmp_path / "pc.csv"))
    assert code == 0, err
    report = json.loads(out)
    assert report["rows_kept"] == 2 and report["rejected"] == [{"row": 4, "reason": "postcode not in the postcode lookup"}]


def test_centres_find_json_on_the_demo(capsys):
    code, out, err = run(capsys, "centres", "find", str(PROJECT / "data" / "demo" / "units.parquet"), "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 6 and all({"name", "units", "area_km2"} <= r.keys() for r in rows)
    assert rows[0]["units"] >= rows[-1]["units"] > 100


def test_import_find_centres_saves_centres_then_units(tmp_path, capsys):
    units = gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet")
    # moved a degree north, away from the demo centres the new workspace holds
    table = pd.DataFrame(units.drop(columns=["centre_id", "geometry"])).assign(lat=units.geometry.y + 1,
                                                                               lon=units.geometry.x)
    table.to_csv(tmp_path / "city.csv", index=False)
    ws = tmp_path / "ws"
    code, out, err = run(capsys, "import", str(tmp_path / "city.csv"), "--layer", "units", "--workspace", str(ws),
                         "--replace", "--find-centres", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(report["centres_found"]) == 6
    from agora.store.workspace import Workspace

    space = Workspace(ws, seed_demo=False)
    found = [d for d in space.datasets("centres") if d.source.startswith("centres found")]
    assert len(found) == 1 and found[0].rows == 6
    saved = space.read("units")
    assert saved["centre_id"].notna().all()
    assert set(saved["centre_id"]) == {c["centre_id"] for c in report["centres_found"]}


def test_diagnose_says_why_nothing_is_scored(tmp_path, capsys):
    pd.DataFrame({"name": ["A", "B"], "kind": ["x1", "x2"], "lat": [53.74, 53.741], "lon": [-2.01, -2.011]}).to_csv(
        tmp_path / "u.csv", index=False)
    code, out, err = run(capsys, "diagnose", str(tmp_path / "u.csv"))
    assert code == 0, err
    assert "no unit has a shop type we know (use column: none)" in out


def test_import_reuses_the_values_mapped_for_an_earlier_file_with_the_same_columns(tmp_path, capsys):
    ws = tmp_path / "ws"
    first = rates_csv(tmp_path / "q1.csv", flags=("Maybe", "False", "True", "True"))
    code, out, err = run(capsys, "import", str(first), "--layer", "units", "--workspace", str(ws), "--json",
                         "--value", "status:Maybe=vacant")
    assert code == 0, err
    assert json.loads(out)["value_map"]["status"]["Maybe"] == "vacant"
    second = rates_csv(tmp_path / "q2.csv", flags=("Maybe", "Maybe", "True", "False"))
    code, out, err = run(capsys, "import", str(second), "--layer", "units", "--workspace", str(ws), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["value_map"]["status"]["Maybe"] == "vacant"
    assert any("as for an earlier file" in n for n in report["notes"])


def test_import_imports_its_own_module_alone():
    """`python -m agora import ...` imports the import command's module alone, and not SciPy
    (test_cli: the parser of one command is that command of the whole parser)."""
    import subprocess
    import sys

    code = ("import sys; from agora.cli import build_parser; build_parser('import'); "
            "print(sorted(m for m in sys.modules if m.startswith('agora.commands.')), 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT).stdout
    assert "agora.commands.diagnose" not in out and "agora.commands.import_" in out and out.strip().endswith("False")
