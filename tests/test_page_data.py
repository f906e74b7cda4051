"""Data page: lists every layer with its sources and offers uploads."""

from __future__ import annotations

from apptest import run_page

from agora.layers import LAYERS


def test_data_page_lists_layers(workspace):
    at = run_page("data")
    assert not at.exception, at.exception
    headers = " ".join(h.value for h in at.subheader)
    for layer in LAYERS.values():
        assert layer.label in headers
    assert any("Demo towns (fictional)" in e.label for e in at.expander)


def test_read_only_copy_hides_every_control_that_writes(workspace, monkeypatch):
    monkeypatch.setenv("AGORA_READ_ONLY", "1")
    at = run_page("data")
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Loaded layers"]
    assert not [b for b in at.button if "Remove" in b.label]
    assert any("read-only" in c.value for c in at.sidebar.caption)


def test_editable_copy_offers_uploads_and_removal(workspace):
    at = run_page("data")
    assert [t.label for t in at.tabs] == ["Loaded layers", "Add a file", "Brand lists", "Area tables"]
    assert [b for b in at.button if "Remove" in b.label]
