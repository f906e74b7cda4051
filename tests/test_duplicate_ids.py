"""Ids repeated within one survey date: a clear report, and panels matched by id and address."""

from __future__ import annotations

import pandas as pd

from agora.analysis import vacancy
from agora.loaders import load_units

PANEL = """unit_id,address,name,status,observed_on,lat,lon
2.88E+11,1 High Street,Boots,occupied,2025-01-01,53.80,-1.550
2.88E+11,3 High Street,,vacant,2025-01-01,53.80,-1.551
100,5 High Street,Greggs,occupied,2025-01-01,53.80,-1.552
2.88E+11,1 High Street,Boots,occupied,2026-04-01,53.80,-1.550
2.88E+11,3 High Street,,vacant,2026-04-01,53.80,-1.551
100,5 High Street,Greggs,occupied,2026-04-01,53.80,-1.552
"""


def test_panel_ids_repeated_within_a_date_are_matched_by_id_and_address(tmp_path):
    path = tmp_path / "rates-panel.csv"
    path.write_text(PANEL)
    result = load_units(path)
    ids = result.data["unit_id"].tolist()
    assert ids[:3] == ["2.88E+11 @ 1 High Street", "2.88E+11 @ 3 High Street", "100"]
    assert ids[3:] == ids[:3]  # the same unit has the same id in both quarters (was: id#row, a new unit each quarter)
    (note,) = [n for n in result.report.notes if "repeat" in n]
    assert note.startswith("4 rows repeat a unit_id on the same date: 2.88E+11 (rows 2, 3, 5, 6)")
    assert "made unique" not in " ".join(result.report.notes)
    long_term = vacancy.long_term_vacant(result.data, as_of="2026-04-01")
    assert long_term["unit_id"].tolist() == ["2.88E+11 @ 3 High Street"]  # vacant for 15 months across quarters


def test_repeated_ids_without_address_are_reported_with_their_rows(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("unit_id,name,status,observed_on\nA1,Boots,occupied,2025-01-01\nA1,Greggs,occupied,2025-01-01\n"
                    "B2,Costa,occupied,2025-01-01\nA1,Boots,occupied,2026-01-01\nA1,Greggs,vacant,2026-01-01\n")
    result = load_units(path, require_geometry=False)
    assert result.data["unit_id"].tolist() == ["A1 #1", "A1 #2", "B2", "A1 #1", "A1 #2"]
    (note,) = [n for n in result.report.notes if "repeat" in n]
    assert "A1 (rows 2, 3, 5, 6)" in note and "order on that date" in note
    assert pd.Series(result.data["unit_id"]).nunique() == 3
