"""Chain or independent: the rules in order, brand lists, and real data."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from agora.analysis.ownership import classify_ownership, load_brands, match_brands, name_key, read_brand_list
from agora.loaders import load_units


def units(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"centre_id": ["a"] * n, "status": ["occupied"] * n, "category": [pd.NA] * n, "brand": [pd.NA] * n,
            "brand_wikidata": [pd.NA] * n, "not_brand": [False] * n, "ownership": [pd.NA] * n,
            "ownership_source": [pd.NA] * n}
    base.update(cols)
    return pd.DataFrame(base).astype({c: "string" for c in base if c != "not_brand"})


def test_name_key():
    keys = name_key(pd.Series(["Sainsbury's Local", "M&S Foodhall", "The Co-operative Food", "Café Nero", "Ace Ltd"]))
    assert keys.tolist() == ["sainsburys local", "m and s foodhall", "co operative food", "cafe nero", "ace"]


def test_rules_in_order():
    u = units(
        name=["Corner Stores", "Local Shop", "Greggs", "Spar", "Tesco Express", "Pat's Pies", "Empty", pd.NA],
        category=["convenience", "convenience", "baker", "convenience", "convenience", "baker", pd.NA, "baker"],
        ownership=["chain", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
        ownership_source=["surveyed", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
        brand_wikidata=[pd.NA, pd.NA, pd.NA, "Q610492", pd.NA, pd.NA, pd.NA, pd.NA],
        not_brand=[False, True, False, False, False, False, False, False],
        status=["occupied"] * 6 + ["vacant", "occupied"],
    )
    out = classify_ownership(u)
    assert out["ownership"].tolist() == ["chain", "independent", "chain", "symbol_group", "chain", "independent",
                                         "unknown", "unknown"]
    assert out["ownership_source"].tolist()[:6] == ["surveyed", "osm_brand", "brand_list", "osm_brand", "brand_list",
                                                    "inferred"]
    assert out["ownership_source"].isna().tolist()[6:] == [True, True]
    assert out.loc[4, "brand"] == "Tesco"
    assert u["ownership"].isna().sum() == 7  # the input is not changed


def test_symbol_groups_from_the_list_and_prefixes():
    u = units(name=["Londis", "Nisa Local", "Premier Hair", "Greggs the Bakers", "Next Door Cafe", "One Stop"],
              category=["convenience", "convenience", "hair_beauty", "baker", "cafe", "convenience"])
    out = classify_ownership(u)
    assert out["ownership"].tolist() == ["symbol_group", "symbol_group", "independent", "chain", "independent",
                                         "chain"]


def test_name_recurrence_needs_k_centres_and_skips_type_words():
    names = ["Bob's Pies"] * 3 + ["Ann's Cafe"] * 2 + ["Barbers"] * 3
    centres = ["a", "b", "c", "a", "b", "a", "b", "c"]
    u = units(name=names, centre_id=centres)
    out = classify_ownership(u, k=3)
    assert out["ownership_source"].tolist() == ["name_recurrence"] * 3 + ["inferred"] * 5
    assert classify_ownership(u, k=2)["ownership_source"].tolist()[3:5] == ["name_recurrence"] * 2


def test_user_brand_list_and_key_agreement(tmp_path):
    path = tmp_path / "brands.csv"
    pd.DataFrame({
        "brand": ["Banyan Tree", "Mooch", "Pink"],
        "brand_wikidata": ["Q1", "Q2", "Q3"],
        "name": ["Banyan Tree", "Mooch", "Pink"],
        "osm_key": ["tourism", "shop", "shop"],
        "osm_value": ["hotel", "gift", "clothes"],
        "match_names": ["", "", "thomas pink"],
    }).to_csv(path, index=False)
    table = read_brand_list(path)
    assert set(table["name_key"]) == {"banyan tree", "mooch", "pink", "thomas pink"}
    u = units(name=["Banyan Tree", "Mooch", "Pink Seaweed", "Thomas Pink", "Banyan Tree"],
              category=[pd.NA, pd.NA, "gifts_crafts", "clothing", "entertainment"])
    out = classify_ownership(u, path)
    assert out["ownership"].tolist() == ["independent", "chain", "independent", "chain", "chain"]


def test_bad_brand_list_names_the_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("shop,where\nA,B\n")
    with pytest.raises(ValueError, match="mine.csv: a brand list needs a 'brand' column"):
        load_brands(path)
    with pytest.raises(ValueError, match="nope.csv: brand list not found"):
        load_brands(tmp_path / "nope.csv")


def test_match_brands_returns_same_index():
    names = pd.Series(["Boots", "Nobody"], index=[7, 9])
    found = match_brands(names, pd.Series(["pharmacy", "pharmacy"], index=[7, 9]), load_brands())
    assert list(found.index) == [7, 9] and found.loc[7, "brand"] == "Boots" and pd.isna(found.loc[9, "brand"])


def test_hebden_bridge_with_the_nsi_list(realdata):
    nsi = realdata / "nsi_brands" / "nsi_brands_gb.csv"
    data = load_units(realdata / "hebden_bridge_places" / "hebden-places.csv").data
    out = classify_ownership(data, nsi)
    chains = out[out["ownership"].isin(["chain", "symbol_group"])]
    # Independent count: exact matches of the names against the NSI list (SOURCE.txt: 12 rows), less the hotel
    # brand "Banyan Tree", plus Rohan and the Co-operative Food, which only the project's own list knows.
    brands = pd.read_csv(nsi, dtype=str)
    nsi_names = set(brands["name"].dropna().str.lower()) | set(brands["brand"].dropna().str.lower())
    exact = data[data["name"].str.lower().isin(nsi_names)]["name"].tolist()
    assert len(exact) == 12 and "Banyan Tree" in exact
    expected = sorted([n for n in exact if n != "Banyan Tree"] + ["Rohan", "Co-operative Food"])
    assert sorted(chains["name"].tolist()) == expected
    assert (chains["ownership_source"] == "brand_list").all()
    assert out.loc[out["name"] == "Banyan Tree", "ownership"].item() == "independent"
    assert (out.loc[out["status"] != "occupied", "ownership"] == "unknown").all()


def test_isle_of_man_brand_tags(realdata):
    raw = pd.concat([gpd.read_file(realdata / "osm_isle_of_man" / f) for f in ("shops.geojson", "food-and-drink.geojson")],
                    ignore_index=True)
    data = pd.concat([load_units(realdata / "osm_isle_of_man" / f).data
                      for f in ("shops.geojson", "food-and-drink.geojson")], ignore_index=True)
    out = classify_ownership(data, realdata / "nsi_brands" / "nsi_brands_gb.csv", centre_column="addr:city")
    tagged = out[out["ownership_source"] == "osm_brand"]
    # every feature with brand:wikidata (counted on the raw file) is a chain or symbol group by its tags
    assert (tagged["ownership"] != "independent").sum() == raw["brand:wikidata"].notna().sum()
    spar = out[out["brand"].astype("string").str.lower().eq("spar").fillna(False)]
    assert len(spar) >= 19 and (spar["ownership"] == "symbol_group").all()
    assert (out.loc[out["status"] == "vacant", "ownership"] == "unknown").all()
    assert set(out["ownership"].dropna()) <= {"independent", "chain", "symbol_group", "unknown"}


def test_osm_brand_tag_no_list_knows_is_a_chain():
    u = units(name=["Zebedee Shoes", "Zebedee's"], category=["shoes", "shoes"], brand=["Zebedee Shoes", pd.NA])
    out = classify_ownership(u)
    assert out["ownership"].tolist() == ["chain", "independent"]
    assert out["ownership_source"].tolist() == ["osm_brand", "inferred"]


def test_name_facts_reused_give_the_same_classification():
    from agora.analysis.ownership import brands_signature, name_facts

    names = ["Greggs", "Bob's Pies", "Bob's Pies", "Spar", "Barbers", "Greggs the Bakers", pd.NA, "Tesco Express"]
    u = units(name=names, centre_id=["a", "b", "c", "a", "b", "c", "a", "b"],
              category=["baker", "baker", "baker", "convenience", pd.NA, "baker", "baker", "convenience"],
              brand=[pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, "Costa", pd.NA])
    brands = load_brands()
    plain = classify_ownership(u, brands)
    # facts of the first rows only (an earlier save): the rest are worked out, the result is the same
    known = name_facts(u.iloc[:3], brands)
    assert len(known) == 2  # one row per distinct name, brand and type
    facts = name_facts(u, brands, known)
    assert len(facts) == 7 and set(known["name"]) <= set(facts["name"])
    pd.testing.assert_frame_equal(classify_ownership(u, brands, facts=known), plain)
    pd.testing.assert_frame_equal(classify_ownership(u, brands, facts=facts), plain)
    # what the facts say is what the per-row functions say
    row = facts.set_index(["name", "brand", "category"]).loc[("Tesco Express", "\x00", "convenience")]
    assert row["name_key"] == name_key(pd.Series(["Tesco Express"]))[0]
    assert row["list_brand"] == match_brands(pd.Series(["Tesco Express"]), pd.Series(["convenience"]),
                                             brands)["brand"][0] == "Tesco"
    assert brands_signature(brands) != brands_signature(brands.iloc[1:])


def test_name_key_once_per_distinct_name_gives_each_name_its_own():
    names = pd.Series(["Sainsbury's Local", "The Co-op Ltd", None, "Café Nero", "Sainsbury's Local", "", "  ",
                       "Café Nero", "Boots UK"], index=range(5, 14), dtype="string")
    got = name_key(names)
    assert got.index.equals(names.index) and got.dtype == "string"
    for value, have in zip(names, got):
        alone = name_key(pd.Series([value], dtype="string")).iloc[0]
        assert (pd.isna(alone) and pd.isna(have)) or alone == have, (value, have, alone)
    assert got.tolist()[:2] == ["sainsburys local", "co op"] and got.iloc[3] == "cafe nero"
