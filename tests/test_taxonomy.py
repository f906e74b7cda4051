"""The shop-type list and the mapping of OSM, VOA and survey words to it."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from agora.analysis import taxonomy as tx


def test_type_list_shape():
    types = tx.shop_types()
    assert types["type_id"].is_unique
    assert set(types["ldc_class"]) == set(tx.LDC_CLASSES)
    assert 30 <= len(tx.scored_types()) <= 45
    assert set(tx.excluded_types()) == {"post_office", "bank", "surgery", "public_service", "non_retail"}
    assert set(tx.source_values()["type_id"]) <= set(types["type_id"])
    # every type can be reached from survey words
    assert set(types["type_id"]) == set(tx.source_values().query("source == 'text'")["type_id"])


@pytest.mark.parametrize("value, expected", [
    ("butcher", "butcher"), ("bakery", "baker"), ("fast_food", "takeaway"), ("mobile_phone", "mobile_phone"),
    ("e-cigarette", "newsagent"), ("hairdresser;beauty", "hair_beauty"), ("charity", "charity"),
    ("office=estate_agent", "estate_agent"), ("office=charity", "public_service"), ("amenity=bank", "bank"),
    ("CAFE AND PREMISES", "cafe"), ("Hairdressing Salon & Premises", "hair_beauty"), ("BETTING SHOP", "bookmaker"),
    ("POST OFFICE AND PREMISES", "post_office"), ("Butchers", "butcher"), ("chippy", "takeaway"),
    ("Chinese takeaway", "takeaway"), ("Indian Restaurant", "restaurant"), ("Estate Agents", "estate_agent"),
    ("bookies", "bookmaker"), ("Job Centre", "public_service"), ("GP surgery", "surgery"),
    ("shoe shop", "footwear"), ("Greengrocers", "greengrocer"),
])
def test_categorise_known_values(value, expected):
    assert tx.categorise(pd.Series([value])).iloc[0] == expected


@pytest.mark.parametrize("value", ["vacant", "yes", "shop", "SHOP AND PREMISES", "disused:convenience",
                                   "widgets", "", None])
def test_values_that_say_nothing_stay_missing(value):
    assert pd.isna(tx.categorise(pd.Series([value], dtype="object")).iloc[0])


def test_categorise_keeps_index_and_dtype():
    values = pd.Series(["butcher", None, "unheard of"], index=[10, 20, 30])
    out = tx.categorise(values)
    assert list(out.index) == [10, 20, 30] and out.dtype == "string"
    assert out.iloc[0] == "butcher" and out.isna().tolist() == [False, True, True]


def test_unmapped_reports_unknown_words_not_vacancy():
    counts = tx.unmapped(pd.Series(["vacant", "widgets", "widgets", "butcher", "yes", "quantum lab"]))
    assert counts.to_dict() == {"widgets": 2, "quantum lab": 1}


def test_labels_classes_and_exclusions():
    assert tx.type_label("butcher") == "Butcher"
    assert tx.ldc_class("cafe") == "leisure"
    assert tx.ldc_class(pd.Series(["pharmacy", None, "nonsense"])).tolist()[0] == "convenience"
    assert tx.is_excluded(pd.Series(["bank", "baker", None])).tolist() == [True, False, False]


def test_categorise_names_uses_the_last_type_word():
    names = pd.Series(["David Woodhead Family Butchers", "Little H Cafe and Bar", "Valli Opticians", "Oxfam",
                       "Old Gate Bar and Restaurant", "Square One Coffee Co"])
    assert tx.categorise_names(names).tolist() == ["butcher", "pub_bar", "optician", pd.NA, "restaurant", "cafe"]


def test_categorise_names_searches_only_names_holding_a_first_word():
    """Names are searched only when a word of theirs can start a phrase; the types are those of a search of every name."""
    import re

    names = pd.Series(["The Bakeries", "Bakers and Confectioners Ltd", "Café Nero", "Cafes R Us", "Barbers", "Bar-B-Q",
                       "Art Gallery 7", "Artistic Hair", "Independent 12345", "banks & co", "Premises", None])
    _, _, phrases = tx._lookups(str(tx.DATA_DIR))
    pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")(?:s|es)?\b")
    expected = [phrases[hits[-1]] if (hits := pattern.findall(v)) else pd.NA
                for v in tx.normalise_values(names).fillna("").tolist()]
    assert tx.categorise_names(names).tolist() == expected
    assert sum(isinstance(v, str) for v in expected) >= 6
    assert tx._first_words(["fast food", "cafe"]) == {"fast", "fasts", "fastes", "cafe", "cafes", "cafees"}
    assert tx._first_words(["-x"]) is None


@pytest.mark.parametrize("path, key", [("osm_isle_of_man/shops.geojson", "shop"),
                                       ("osm_norwich/norwich_shop.geojson", "shop"),
                                       ("osm_isle_of_man/food-and-drink.geojson", "amenity")])
def test_real_osm_values_are_almost_all_mapped(realdata, path, key):
    raw = gpd.read_file(realdata / path)
    values = raw[key].dropna().astype(str)
    says_something = values[~values.isin(["vacant", "yes", "no"]) & ~values.str.startswith("disused")]
    mapped = tx.categorise(says_something).notna()
    assert mapped.mean() > 0.98, tx.unmapped(says_something).head(10).to_dict()
    # independent check of a few large groups
    assert (tx.categorise(values[values == "hairdresser"]) == "hair_beauty").all()
    assert tx.categorise(pd.Series(["vacant"] * 3)).isna().all()


def test_is_type_word_only_for_whole_names():
    names = pd.Series(["Barbers", "Post Office", "Ann's Cafe", "Chippy", "Greggs", None])
    assert tx.is_type_word(names).tolist() == [True, True, False, True, False, False]


def test_normalise_values_once_per_distinct_value_gives_each_value_its_own():
    """Values normalised once per distinct value: the same as each value normalised on its own, NA kept."""
    values = pd.Series(["Fast_Food", " fast food ", None, "", "Café & Bar", "Shop and Premises", "x  (y)", "  ",
                        pd.NA, "Fast_Food", "Café & Bar"], index=range(10, 21), name="use", dtype="string")
    got = tx.normalise_values(values)
    assert got.index.equals(values.index) and got.name == "use" and got.dtype == "string"
    for value, have in zip(values, got):
        alone = tx.normalise_values(pd.Series([value], dtype="string")).iloc[0]
        assert (pd.isna(alone) and pd.isna(have)) or alone == have, (value, have, alone)
    assert got.tolist()[:2] == ["fast food", "fast food"] and pd.isna(got.iloc[3]) and got.iloc[5] == "shop"
    assert tx.normalise_values(pd.Series([], dtype="string")).empty


def test_is_type_word_looks_only_at_possible_words_yet_finds_them_all():
    """Values are tried only when they can be a type word (a word of the mapping, a plural, or ending in
    a word the suffix rule takes off): the same answers as trying every value."""
    bare, _, _ = tx._lookups(str(tx.DATA_DIR))
    words = sorted(bare)[:40] + ["Bakeries", "Butchers", "Chemist Shop", "chemist\u00a0 store", "Ann's Cafe",
                                 "Pharmacies", "Barbers Premises", "Cafe & Bar", "Greggs", None, "Newsagents Outlet"]
    values = pd.Series(words, dtype="string")
    got = tx.is_type_word(values)
    text = tx.normalise_values(values)
    want = [False if pd.isna(v) else any(c in bare for c in (v, tx._singular(v), tx._SUFFIX.sub("", v))) for v in text]
    assert got.tolist() == want and sum(want) >= 40
