"""The workspace: demo seeding, saving, reading back, deleting, exports."""

from __future__ import annotations

import json

import pandas as pd

from agora.layers import LAYERS
from agora.loaders import load_units
from agora.store import export
from agora.store.workspace import Workspace


def test_new_workspace_holds_the_demo(workspace):
    for name in LAYERS:
        datasets = workspace.datasets(name)
        assert len(datasets) == 1 and datasets[0].meta["demo"] is True
    assert workspace.read("centres")["centre_id"].nunique() >= 4


def test_save_read_delete_round_trip(tmp_path):
    ws = Workspace(tmp_path / "ws", seed_demo=False)
    df = pd.DataFrame({"name": ["A", "B"], "lat": [53.7, 53.71], "lon": [-2.0, -2.01]})
    result = load_units(df.to_csv(index=False).encode(), filename="mine.csv")
    before = ws.signature()
    ds = ws.save(result)
    assert ws.signature() != before
    units = ws.read("units")
    assert units["name"].tolist() == ["A", "B"] and units.crs.to_epsg() == 4326
    assert ds.meta["report"]["rows_kept"] == 2
    # Still there for a new process (a new Workspace on the same folder).
    assert len(Workspace(tmp_path / "ws").read("units")) == 2
    ws.delete("units", ds.dataset_id)
    assert ws.read("units").empty


def test_exports(workspace):
    units = workspace.read("units").head(5)
    csv = pd.read_csv(pd.io.common.BytesIO(export.to_csv(units)))
    assert {"lon", "lat", "name"} <= set(csv.columns) and len(csv) == 5
    doc = json.loads(export.to_geojson(units))
    assert len(doc["features"]) == 5


def test_brand_lists_saved_checked_and_part_of_the_signature(tmp_path):
    import pytest

    ws = Workspace(tmp_path / "ws", seed_demo=False)
    before = ws.signature()
    path = ws.save_brand_list(b"brand,match_names\nZebedee Shoes,Zebedees\n", "My Brands.csv")
    assert path.name == "my-brands.csv" and ws.brand_lists() == [path]
    assert ws.signature() != before
    with pytest.raises(ValueError, match="bad.csv: a brand list needs a 'brand' column"):
        ws.save_brand_list(b"name\nX\n", "bad.csv")
    assert ws.brand_lists() == [path]


def test_a_saved_brand_list_changes_ownership_in_the_app(workspace):
    from agora.ui import data

    data.clear()
    units = data.layers(workspace)["units"]
    inferred = units[(units["ownership_source"] == "inferred") & units["category"].notna()].iloc[0]
    assert inferred["ownership"] == "independent"
    workspace.save_brand_list(f"brand,type_id\n{inferred['name']},{inferred['category']}\n".encode(), "local.csv")
    units = data.layers(workspace)["units"]
    again = units[units["unit_id"] == inferred["unit_id"]].iloc[0]
    assert (again["ownership"], again["ownership_source"]) == ("chain", "brand_list")
    data.clear()


def test_workspace_load_assigns_saved_centres(workspace):
    centre = workspace.read("centres").iloc[0]
    spot = centre.geometry.representative_point()
    csv = pd.DataFrame({"name": ["In town", "Far away"], "lat": [spot.y, 51.0], "lon": [spot.x, 0.5]})
    result = workspace.load(csv.to_csv(index=False).encode(), "units", filename="two.csv")
    assert result.data["centre_id"].iloc[0] == centre["centre_id"] and pd.isna(result.data["centre_id"].iloc[1])
    assert result.report.outside_centres == 1
