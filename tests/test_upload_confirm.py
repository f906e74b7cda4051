"""Data page helpers: confirm doubtful guesses, map values, undo the last save."""

from __future__ import annotations

import pandas as pd

from agora.service import DataService
from agora.ui.text import md

from agora.ui import upload


def rates_bytes(rows: int = 3) -> bytes:
    return pd.DataFrame({
        "location_code": [f"L{i}" for i in range(rows)],
        "description": ["Shop and premises"] * rows,
        "occupied": (["True", "False"] * rows)[:rows],
        "lat": [53.74 + i / 1e5 for i in range(rows)], "lon": [-2.01] * rows,
    }).to_csv(index=False).encode()


def test_a_doubtful_guess_asks_for_confirmation():
    found = upload.details(rates_bytes(), "rates.csv")
    assert found.guess.layer == "units" and not found.guess.sure
    assert upload.confirmation_reasons(found, "units")
    # 37,067 rows saved as footfall sites asks too, whatever the guess
    big = upload.Details(found.guess, 37_067, found.columns, True)
    assert any("37,067 rows" in r for r in upload.confirmation_reasons(big, "footfall_sites"))


def test_a_sure_guess_of_a_usual_size_needs_no_confirmation():
    table = pd.DataFrame({"name": ["A"], "shop": ["bakery"], "status": ["open"], "lat": [53.7], "lon": [-2.0]})
    found = upload.details(table.to_csv(index=False).encode(), "survey.csv")
    assert found.guess.sure and upload.confirmation_reasons(found, "units") == []


def test_value_table_shows_each_value_with_its_guess_and_a_saved_map_wins():
    found = upload.details(rates_bytes(), "rates.csv")
    tables = upload.value_rows(found, "units", {})
    status = tables["status"]
    assert dict(zip(status["value in the file"], status["becomes"])) == {"True": "occupied", "False": "vacant"}
    tables = upload.value_rows(found, "units", {}, saved={"occupied": {"True": "vacant"}})
    assert dict(zip(tables["status"]["value in the file"], tables["status"]["becomes"]))["True"] == "vacant"
    edited = {"status": pd.DataFrame({"value in the file": ["True", "False", "?"],
                                      "becomes": ["vacant", "occupied", upload.AS_READ]})}
    assert upload.value_map_from(edited) == {"status": {"True": "vacant", "False": "occupied"}}


def test_survey_without_positions_is_noticed():
    table = pd.DataFrame({"name": ["A"], "use": ["bakery"], "postcode": ["HX7 8AD"]})
    assert not upload.details(table.to_csv(index=False).encode(), "s.csv").has_positions


def test_save_then_undo_removes_exactly_what_was_saved(workspace):
    import streamlit as st

    from agora.loaders import load_units

    before = {layer: [d.dataset_id for d in workspace.datasets(layer)] for layer in ("units", "centres")}
    result = load_units(rates_bytes(), filename="rates.csv")
    saved = upload.save_upload(DataService(workspace.path), result, source="rates.csv", replace=False, centre_name="Rates Town")
    assert [layer for layer, _ in saved] == ["centres", "units"]
    assert st.session_state["agora_last_save"]["items"] == saved

    def page(path, last):
        import streamlit as st

        from agora.service import DataService
        from agora.ui import upload

        if "agora_last_save" not in st.session_state and not st.session_state.get("done"):
            st.session_state["agora_last_save"] = last
            st.session_state["done"] = True
        upload.undo_button(DataService(path))

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(page, args=(str(workspace.path), dict(st.session_state["agora_last_save"])),
                               default_timeout=60)
    at.run()
    button = next(b for b in at.button if b.label.startswith("Undo the last save"))
    button.click().run()
    assert not at.exception
    assert not [b for b in at.button if b.label.startswith("Undo")]
    after = {layer: [d.dataset_id for d in workspace.datasets(layer)] for layer in ("units", "centres")}
    assert after == before


def test_save_with_find_centres_saves_the_centres_then_the_units(workspace):
    import geopandas as gpd

    from conftest import PROJECT

    units = gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet")
    moved = pd.DataFrame(units.drop(columns=["centre_id", "geometry"])).assign(lat=units.geometry.y + 1,
                                                                               lon=units.geometry.x)
    result = workspace.load(moved, "units", filename="city.csv")
    assert result.report.outside_centres == len(moved)
    saved = upload.save_upload(DataService(workspace.path), result, source="city.csv", replace=False, find=True)
    assert [layer for layer, _ in saved] == ["centres", "units"]
    centres = workspace.read("centres")
    found = centres[centres["source"].str.startswith("found in the units")]
    assert len(found) == 6
    mine = pd.read_parquet(workspace.datasets("units")[-1].path)
    assert set(mine["centre_id"]) == set(found["centre_id"])


def test_find_centres_option_lists_the_centres_it_would_save():
    def page(project):
        import geopandas as gpd
        import pandas as pd

        from agora.loaders import load_units
        from agora.ui import upload

        units = gpd.read_parquet(f"{project}/data/demo/units.parquet")
        table = pd.DataFrame(units.drop(columns=["centre_id", "geometry"])).assign(lat=units.geometry.y,
                                                                                   lon=units.geometry.x)
        result = load_units(table, filename="city.csv", centres=gpd.GeoDataFrame(
            {"centre_id": ["far"]}, geometry=gpd.GeoSeries.from_wkt(["POLYGON((0 0,0 1,1 1,0 0))"]), crs=4326))
        upload.find_centres_option(result, key="find")

    from streamlit.testing.v1 import AppTest

    from conftest import PROJECT

    at = AppTest.from_function(page, args=(str(PROJECT),), default_timeout=60)
    at.run()
    at.checkbox(key="find").check().run()
    assert not at.exception
    assert any(c.value.startswith(md("6 centres found: High Street")) for c in at.caption)
