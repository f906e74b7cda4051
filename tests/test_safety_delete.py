"""Deleting a dataset never reaches outside the workspace."""

from __future__ import annotations

import pytest

from agora.cli import main


@pytest.fixture
def outside(workspace):
    """A file beside the workspace, reachable as ``units/../../x`` from it."""
    for name in ("x.parquet", "x.json"):
        (workspace.path.parent / name).write_text("keep me")
    return workspace.path.parent


@pytest.mark.parametrize("target", ["units/../../x", "units/../x", "../units/demo", "units/", "units/nope"])
def test_cli_delete_refuses_unknown_ids(outside, workspace, capsys, target):
    before = len(workspace.datasets("units"))
    assert main(["workspace", "--workspace", str(workspace.path), "--delete", target]) == 2
    assert "error:" in capsys.readouterr().err
    assert (outside / "x.parquet").exists() and (outside / "x.json").exists()
    assert len(workspace.datasets("units")) == before


def test_workspace_delete_refuses_a_path(outside, workspace):
    with pytest.raises(KeyError):
        workspace.delete("units", "../../x")
    assert (outside / "x.parquet").exists()


def test_cli_delete_removes_a_known_dataset(workspace):
    dataset = workspace.datasets("units")[0].dataset_id
    assert main(["workspace", "--workspace", str(workspace.path), "--delete", f"units/{dataset}"]) == 0
    assert not workspace.datasets("units")
