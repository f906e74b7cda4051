"""The derived build: each centre's latest survey kept between builds equals one worked out afresh."""

from __future__ import annotations

import pandas as pd
import pytest

from agora.service import derived


def _units(dated: bool) -> pd.DataFrame:
    rows = []
    for centre in ("a", "b", "c"):
        for day in ("2025-01-10", "2025-09-10"):
            for i in range(4):
                # undated: a few check dates on units seen once (one snapshot, every survey round missing)
                rows.append({"unit_id": f"{centre}{i}" if dated else f"{centre}{i}-{day}", "centre_id": centre,
                             "name": f"Shop {centre}{i}", "category": "cafe",
                             "status": "vacant" if (i + len(day)) % 3 == 0 else "occupied",
                             "observed_on": pd.Timestamp(day) if dated or i == 0 else pd.NaT})
    return pd.DataFrame(rows).astype({"unit_id": "string", "centre_id": "string", "name": "string",
                                      "status": "string", "category": "string"})


def _fresh(units: pd.DataFrame) -> pd.DataFrame:
    return derived.latest_units(units)[0]


@pytest.mark.parametrize("dated", [True, False])
def test_latest_surveys_kept_from_the_build_before_equal_them_worked_out_afresh(dated):
    units = _units(dated)
    _, state = derived.latest_units(units)
    state.pop("reused"), state.pop("again")
    changed = units.copy()
    changed.loc[changed["unit_id"].str.startswith("b1"), "status"] = "vacant"  # one centre's rows change
    latest, after = derived.latest_units(changed, state)
    assert after["reused"] == 2 and after["again"] == ["b"]
    pd.testing.assert_frame_equal(latest, _fresh(changed))
    # a survey of another centre that moves a round's start: nothing is kept
    if dated:
        earlier = pd.concat([changed, changed[changed["centre_id"] == "c"].head(1).assign(
            observed_on=pd.Timestamp("2025-01-01"))], ignore_index=True)
        latest, after = derived.latest_units(earlier, state)
        assert after["reused"] == 0
        pd.testing.assert_frame_equal(latest, _fresh(earlier))


def test_latest_state_works_out_again_centres_sharing_a_unit_id_or_with_a_unit_without_one():
    units = pd.DataFrame({"unit_id": ["x", "a1", "x", "b1", "c1", None, "d1", "d2", "d1"],
                          "centre_id": ["a", "a", "b", "b", "c", "c", "d", "d", "d"],
                          "name": "Shop", "status": "occupied"}).astype("string")
    key = units["centre_id"].to_numpy(dtype=object)
    state = derived.latest_state(units, key)
    assert state["centre"].tolist() == ["a", "b", "c", "d"]
    assert state["again"].tolist() == [True, True, True, False]  # d sees its own unit twice: not shared


def test_centre_rows_read_only_their_row_groups_and_keep_their_place(tmp_path):
    """delta._centre_rows: a centre's rows of a table sorted by centre, numbered as in the whole table."""
    import geopandas as gpd

    from agora.service.delta import _centre_rows
    from agora.store.workspace import write_dataset

    ids = sorted([f"c{i % 9}" for i in range(100)]) + [None] * 5
    table = gpd.GeoDataFrame({"centre_id": pd.array(ids, dtype="string"), "n": range(105)},
                             geometry=gpd.points_from_xy(range(105), range(105)), crs=4326)
    write_dataset(table, tmp_path / "units.parquet", row_group_size=7)
    for touched in (["c0"], ["c3", "c8"], ["c4", "zz"], []):
        got = _centre_rows(tmp_path / "units.parquet", touched)
        want = table[table["centre_id"].isin(touched).fillna(False)]
        assert got.index.tolist() == want.index.tolist() and got["n"].tolist() == want["n"].tolist()
