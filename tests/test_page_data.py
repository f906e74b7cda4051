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
