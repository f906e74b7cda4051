"""Uploads on the Data page: spilled to disk, small results cached, one validated layer per session."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from agora.ui import upload

UNITS = pd.DataFrame({"name": ["Crumbs", "Mug", "Empty"], "lat": [53.742, 53.743, 53.744],
                      "lon": [-2.011, -2.012, -2.013]})


class Uploaded(io.BytesIO):
    """What ``st.file_uploader`` gives a page."""

    def __init__(self, data: bytes, name: str, file_id: str) -> None:
        super().__init__(data)
        self.name, self.size, self.file_id = name, len(data), file_id


def test_spill_copies_the_upload_once_and_forgets_the_previous(tmp_path, monkeypatch):
    monkeypatch.setattr(upload, "SPILL_DIR", tmp_path / "spilled")
    st.session_state.clear()
    data = UNITS.to_csv(index=False).encode()
    first = upload.spill(Uploaded(data, "units.csv", "a"))
    assert first.read_bytes() == data and first.suffix == ".csv"
    assert upload.spill(Uploaded(data, "units.csv", "a")) == first
    second = upload.spill(Uploaded(data, "other.csv", "b"))
    assert second != first and second.exists() and not first.exists()


def test_only_small_results_are_cached_for_everyone(tmp_path, monkeypatch, workspace):
    monkeypatch.setattr(upload, "SPILL_DIR", tmp_path / "spilled")
    st.session_state.clear()
    data = pd.concat([UNITS] * 10).to_csv(index=False).encode()
    path = str(upload.spill(Uploaded(data, "units.csv", "c")))
    sample, guessed, error = upload.inspect(path, "units.csv")
    assert error is None and guessed == "units" and len(sample) == 5
    args = (path, "units.csv", "units", (), (), str(workspace.path), workspace.signature())
    result, error = upload.validate(*args)
    assert error is None and len(result.data) == 30
    assert upload.validate(*args)[0] is result  # a rerun does not load the file again
    other, _ = upload.validate(path, "units.csv", "assets", (), (("category", "library"),), str(workspace.path),
                               workspace.signature())
    assert other is not result and st.session_state["_agora_validated"][1][0] is other  # one kept at a time
    assert not hasattr(upload.validate, "clear")  # not an st.cache_data function shared by every session
