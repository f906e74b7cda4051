"""A survey without positions, saved for a chosen centre, counts on every page that needs no map."""

from __future__ import annotations

import pandas as pd
import pytest
from apptest import run_page

from agora.loaders import load_units


@pytest.fixture
def unplaced(workspace):
    table = pd.DataFrame({
        "name": ["Crumbs", "Empty", "Books & Co", "Greggs", "Ye Olde Shoppe", "Cafe Uno"],
        "use": ["bakery", "vacant", "books", "bakery", "gift", "cafe"],
        "postcode": ["HX7 8AD"] * 6,
        "survey_date": ["2026-06-01"] * 6,
    })
    centre = workspace.read("centres")["centre_id"].iloc[0]
    result = load_units(table, filename="walk.csv", require_geometry=False, defaults={"centre_id": centre})
    workspace.save(result, source="walk.csv", replace=True)
    return centre


@pytest.mark.parametrize("page", ["overview", "vacancy", "clone_town", "profile"])
def test_pages_run_with_units_that_have_no_position(unplaced, page):
    at = run_page(page, town=unplaced)
    assert not at.exception, at.exception


def test_the_vacancy_map_says_which_units_have_no_position(unplaced):
    at = run_page("vacancy", town=unplaced)
    captions = " ".join(c.value for c in at.caption)
    assert "have no position and are not on the map" in captions
