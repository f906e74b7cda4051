"""Data page: a doubtful rates file must be confirmed, its True/False values mapped, and the save undone."""

from __future__ import annotations

import pandas as pd
from playwright.sync_api import expect

from .conftest import run_app
from .helpers import open_app, screenshot


def test_confirm_map_values_save_and_undo(page, tmp_path, _log_dir, shots):
    from agora.store.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    spot = ws.read("centres").iloc[0].geometry.representative_point()
    rates = tmp_path / "rates.csv"
    pd.DataFrame({
        "location_code": ["L1", "L2", "L3"],
        "description": ["Shop and premises", "Cafe and premises", "Shop and premises"],
        "occupied": ["True", "False", "True"],
        "lat": [spot.y, spot.y + 0.0001, spot.y + 0.0002], "lon": [spot.x] * 3,
    }).to_csv(rates, index=False)
    with run_app(tmp_path / "ws", _log_dir) as url:
        open_app(page, url, "/data")
        page.get_by_role("tab", name="Add a file").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(rates))
        expect(page.get_by_text("sure)").first).to_be_visible(timeout=60_000)  # the guess and its reason
        expect(page.get_by_text("Values of").first).to_be_visible()
        expect(page.get_by_text("Check before saving").first).to_be_visible()
        save = page.get_by_role("button", name="Save to the workspace")
        expect(save).to_be_disabled()
        screenshot(page, shots, "data-upload-confirm")
        page.get_by_text("Yes, this file is units").click()
        expect(save).to_be_enabled(timeout=30_000)
        save.click()
        expect(page.get_by_text("Saved 3 rows").first).to_be_visible(timeout=60_000)
        saved = [d for d in ws.datasets("units") if not d.meta.get("demo")]
        assert len(saved) == 1
        assert saved[0].meta["report"]["value_map"] == {"status": {"True": "occupied", "False": "vacant"}}
        page.get_by_role("button", name="Undo the last save").click()
        expect(page.get_by_role("button", name="Undo the last save")).to_have_count(0, timeout=60_000)
    assert [d for d in ws.datasets("units") if not d.meta.get("demo")] == []
