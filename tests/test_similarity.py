"""Brand and category similarity between centres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from agora.analysis.ownership import classify_ownership
from agora.analysis.similarity import brand_jaccard, brand_table, category_cosine, clone_ness, most_similar
from agora.loaders import load_units


def toy() -> pd.DataFrame:
    rows = [
        ("a", "Greggs", "chain", "baker"), ("a", "Boots", "chain", "pharmacy"), ("a", "Costa", "chain", "cafe"),
        ("b", "Greggs", "chain", "baker"), ("b", "Boots", "chain", "pharmacy"), ("b", "Pat's", "independent", "cafe"),
        ("c", "Jo's", "independent", "cafe"), ("c", "Costa", "chain", "cafe"),
        ("d", "Kim's", "independent", "florist"),
        ("a", "Old Costa", "chain", "cafe"),
    ]
    frame = pd.DataFrame(rows, columns=["centre_id", "name", "ownership", "category"]).assign(status="occupied")
    frame.loc[9, "status"] = "vacant"
    return frame


def test_jaccard_known_values():
    jac = brand_jaccard(toy())
    assert jac.loc["a", "b"] == pytest.approx(2 / 3)  # {greggs, boots, costa} vs {greggs, boots}
    assert jac.loc["a", "c"] == pytest.approx(1 / 3)
    assert jac.loc["b", "c"] == 0
    assert np.isnan(jac.loc["d", "d"])  # no chain in d: nothing to compare
    assert jac.loc["a", "d"] == 0
    assert np.allclose(jac.fillna(-1).to_numpy(), jac.fillna(-1).to_numpy().T)
    assert jac.loc["a", "a"] == 1


def test_category_cosine_known_values():
    cos = category_cosine(toy())
    # a: baker 1, pharmacy 1, cafe 1 (vacant unit left out); c: cafe 2
    assert cos.loc["a", "c"] == pytest.approx(1 / np.sqrt(3))
    assert cos.loc["a", "d"] == 0 and cos.loc["c", "c"] == pytest.approx(1)


def test_clone_ness_and_most_similar():
    cn = clone_ness(toy())
    assert cn["a"] == pytest.approx((2 / 3 + 1 / 3 + 0) / 3)
    assert cn["d"] == 0
    top = most_similar(toy(), "a", n=2)
    assert top["centre"].tolist() == ["b", "c"]
    assert top.loc[0, "shared_brands"] == 2 and top.loc[0, "brands_in_common"] == "Boots; Greggs"
    with pytest.raises(KeyError, match="no centre 'z'"):
        most_similar(toy(), "z")


def test_isle_of_man_brand_sets(realdata):
    folder = realdata / "osm_isle_of_man"
    files = ("shops.geojson", "food-and-drink.geojson")
    units = pd.concat([load_units(folder / f).data for f in files], ignore_index=True)
    units = classify_ownership(units, centre_column="addr:city").rename(columns={"addr:city": "town"})
    jac = brand_jaccard(units, by="town")
    # independent count from the raw tags: brand:wikidata sets of Douglas and Ramsey
    raw = pd.concat([gpd.read_file(folder / f) for f in files], ignore_index=True)
    occupied = raw["shop"].ne("vacant")
    sets = {t: set(raw.loc[occupied & (raw["addr:city"] == t) & raw["brand:wikidata"].notna(), "brand:wikidata"])
            for t in ("Douglas", "Ramsey")}
    tag_jaccard = len(sets["Douglas"] & sets["Ramsey"]) / len(sets["Douglas"] | sets["Ramsey"])
    # our brand sets also hold chains found by brand lists and names, so agree closely, not exactly
    assert abs(jac.loc["Douglas", "Ramsey"] - tag_jaccard) < 0.1
    table = brand_table(units, by="town")
    assert {"Spar", "Tesco Express"} <= set(table.loc[table["centre"] == "Douglas", "brand"])
    top = most_similar(units, "Douglas", by="town", n=3)
    assert len(top) == 3 and top["brand_jaccard"].is_monotonic_decreasing
