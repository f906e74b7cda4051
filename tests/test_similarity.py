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


def _brand_sets(rng: np.random.Generator, n: int, brands: int = 40) -> pd.DataFrame:
    rows = [(f"c{i:03d}", f"b{b:02d}") for i in range(n)
            for b in rng.choice(brands, size=int(rng.integers(0, 15)), replace=False)]
    return pd.DataFrame(rows, columns=["centre", "brand_key"]).astype("string")


def test_clone_sums_after_a_change_equal_sums_computed_afresh():
    from agora.analysis.similarity import clone_ness_from_sums, clone_sums, update_clone_sums

    rng = np.random.default_rng(7)
    before = _brand_sets(rng, 120)
    centres = pd.Index(sorted(set(before["centre"]) | {"c998"}), dtype="string", name="centre")
    sums = clone_sums(before, centres)
    # the plain definition: mean Jaccard with every other centre
    sets = {c: set(before.loc[before["centre"] == c, "brand_key"]) for c in centres}
    plain = [np.mean([len(sets[a] & sets[b]) / len(sets[a] | sets[b]) if sets[a] | sets[b] else 0.0
                      for b in centres if b != a]) for a in centres]
    np.testing.assert_allclose(clone_ness_from_sums(sums, centres).to_numpy(), plain, rtol=1e-12)
    # one centre re-surveyed, one gone, one new, one that lost every chain
    after = before[~before["centre"].isin(["c003", "c010", "c020"])]
    extra = pd.DataFrame({"centre": ["c003"] * 3 + ["c999"] * 2, "brand_key": ["b01", "b02", "b77", "b01", "b05"]})
    after = pd.concat([after, extra.astype("string")], ignore_index=True)
    now = pd.Index(sorted((set(centres) - {"c010"}) | {"c999"}), dtype="string", name="centre")
    updated = update_clone_sums(sums, before, after, now)
    fresh = clone_sums(after, now)
    pd.testing.assert_frame_equal(updated, fresh, check_exact=True)
    assert (clone_ness_from_sums(updated, now).to_numpy() == clone_ness_from_sums(fresh, now).to_numpy()).all()
    # nothing changed: the same sums
    pd.testing.assert_frame_equal(update_clone_sums(fresh, after, after, now), fresh, check_exact=True)


def _most_similar_before(brands: pd.DataFrame, mix: pd.DataFrame, centre: str, *, n: int, centres: pd.Index):
    """most_similar_tables as it was before the matrices were made once (every matrix built per call)."""
    from agora.analysis.similarity import _incidence

    i = centres.get_loc(centre)
    m = _incidence(brands, centres, "brand_key")
    inter = (m @ m[i].T).toarray().ravel()
    size = np.asarray(m.sum(axis=1)).ravel()
    union = size + size[i] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, inter / union, np.nan)
    c = _incidence(mix, centres, "category", weight="units")
    dot = (c @ c[i].T).toarray().ravel()
    norm = np.sqrt(np.asarray(c.multiply(c).sum(axis=1)).ravel())
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = dot / (norm * norm[i])
    cos[~np.isfinite(cos)] = np.nan
    mine = brands[brands["centre"] == centre].set_index("brand_key")["brand"]
    others = brands[(brands["centre"] != centre) & brands["brand_key"].isin(mine.index)]
    shared = others.groupby("centre")["brand_key"].agg(lambda s: "; ".join(sorted(mine[k] for k in s)))
    out = pd.DataFrame({"centre": centres, "brand_jaccard": jac, "category_cosine": cos})
    out = out[out["centre"] != centre]
    out["brands_in_common"] = out["centre"].map(shared).fillna("")
    out["shared_brands"] = out["centre"].map(others.groupby("centre").size()).fillna(0).astype(int)
    out = out.sort_values(["brand_jaccard", "category_cosine"], ascending=False, na_position="last")
    return out[["centre", "brand_jaccard", "shared_brands", "brands_in_common", "category_cosine"]].head(n) \
        .reset_index(drop=True)


def test_the_similarity_index_made_once_gives_the_figures_of_the_matrices_made_per_call():
    from agora.analysis.similarity import category_long, most_similar_tables, similarity_index

    rng = np.random.default_rng(3)
    n_units = 4000
    chains = [f"Chain {i}" for i in range(60)]
    units = pd.DataFrame({
        "centre_id": [f"c{i:03d}" for i in rng.integers(0, 150, n_units)],
        "name": np.where(rng.random(n_units) < 0.5, np.array(chains)[rng.integers(0, 60, n_units)],
                         [f"Shop {i}" for i in range(n_units)]),
        "category": np.array(["baker", "cafe", "pharmacy", "florist", "bank"])[rng.integers(0, 5, n_units)],
        "status": np.where(rng.random(n_units) < 0.1, "vacant", "occupied")})
    units["ownership"] = np.where(units["name"].str.startswith("Chain"), "chain", "independent")
    units.loc[units.sample(200, random_state=1).index, "ownership"] = "symbol_group"
    units = pd.concat([units, pd.DataFrame({"centre_id": ["lonely"], "name": ["Kim's"], "category": ["florist"],
                                            "status": ["occupied"], "ownership": ["independent"]})])
    brands, mix = brand_table(units), category_long(units)
    centres = pd.Index(sorted(set(brands["centre"].dropna()) | set(mix["centre"].dropna())), name="centre")
    assert centres[-1] == "lonely" and len(centres) > 100  # a centre without any chain
    # as made when data is saved ("string") and as read back from Parquet ("str")
    for table in (brands, brands.astype({"centre": "str", "brand_key": "str", "brand": "str"})):
        index = similarity_index(table, mix, centres)
        for centre in list(centres[:12]) + [centres[-1]]:
            for n in (10, 500):
                expected = _most_similar_before(table, mix, centre, n=n, centres=centres)
                got = most_similar_tables(table, mix, centre, n=n, centres=centres, index=index)
                pd.testing.assert_frame_equal(got, expected, check_exact=True)
                assert got["shared_brands"].sum() > 0 or centre == "lonely"
    pd.testing.assert_frame_equal(most_similar_tables(brands, mix, "c007", n=10),
                                  _most_similar_before(brands, mix, "c007", n=10, centres=centres), check_exact=True)
    with pytest.raises(KeyError, match="no centre 'z'"):
        index.most_similar("z")
