"""Chain or independent: decide each unit's ownership, and record the rule that decided.

Rules, in order (the first that applies wins; ``ownership_source`` names it):

1. ``surveyed`` / ``user``: what the survey recorded, or a person's correction, is kept.
2. ``osm_brand``: OSM ``not:brand:wikidata`` or ``nobrand=yes`` (the ``not_brand``
   column) -> independent; ``brand:wikidata`` -> chain.
3. ``brand_list``: the unit's brand or name matches a brand list (the project's own list
   of well-known Great Britain chains, ``data/brands/gb_chains.csv``, plus any list the
   user gives) -> chain; then an OSM ``brand`` tag that no list knows (``osm_brand``)
   -> chain, since OSM mappers tag brands only on branches of chains.
4. ``name_recurrence``: the same normalised name in at least `k` centres of the loaded
   data -> chain.
5. ``inferred``: any other named, occupied unit -> independent.

Symbol groups (Spar, Londis, Premier, Nisa, Costcutter, Budgens, Mace, Best-one,
Day-Today, Lifestyle Express, Centra, Go Local: independent shopkeepers trading under a
wholesaler's fascia) are their own class, ``symbol_group``, whichever rule found them.
One Stop and McColl's are counted as chains: their shops are mostly company-owned.

Vacant units, units whose use is unknown and units with neither a name nor a brand get
``unknown`` (no rule can say who trades there), unless a survey recorded their ownership
or OSM tags say it.

A name matches a brand when, after :func:`name_key`, it equals one of the brand's names
and the two agree on the kind of shop: the same LDC class (comparison, convenience,
leisure, service) when both types are known; when the unit's type is unknown, only
brands of shops, amenities, offices and crafts count (so a shop called "Banyan Tree" is
not taken for the hotel brand). A name that *starts with* a brand name ("Greggs the
Bakers") matches only when the unit's type is known and is the brand's type, and the
brand comes from a curated list (with our type ids) or has a name of two words or more.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .taxonomy import categorise, is_type_word, ldc_class

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "brands"
OWN_LIST = DATA_DIR / "gb_chains.csv"

#: Keys of brand-list entries that may match a unit of unknown type.
RETAIL_KEYS = frozenset({"shop", "amenity", "office", "healthcare", "craft", ""})
#: Longest brand name, in words, tried as the start of a longer name.
MAX_PREFIX_WORDS = 4

BRAND_COLUMNS = ["brand", "name_key", "type_id", "ldc_class", "osm_key", "ownership", "brand_wikidata", "prefix_ok",
                 "list"]

_LEADING = re.compile(r"^(?:the)\s+")
_TRAILING = re.compile(r"\s+(?:ltd|limited|plc|uk|llp)$")


def name_key(values: pd.Series) -> pd.Series:
    """Normalised names for matching: ``"Sainsbury's Local"`` -> ``"sainsburys local"``.

    Accents dropped, lower case, ``&`` as "and", apostrophes removed, other punctuation
    as spaces, a leading "the" and a trailing "Ltd"/"Limited"/"plc"/"UK" dropped.
    """
    text = values.astype("string")
    codes, distinct = pd.factorize(text)
    if len(distinct) < len(text):  # each distinct name once
        done = name_key(pd.Series(distinct, dtype=text.dtype)).array
        return pd.Series(done.take(codes, allow_fill=True), index=text.index)
    # plain ASCII names (nearly all) with vectorised string operations, the others one by one
    ascii_ = text.str.isascii().fillna(True).to_numpy(dtype=bool)
    keys = np.empty(len(text), dtype=object)
    keys[ascii_] = _ascii_keys(text[ascii_]).to_numpy(dtype=object)
    if not ascii_.all():
        keys[~ascii_] = _python_keys(text[~ascii_]).to_numpy(dtype=object)
    out = pd.Series(pd.array(keys, dtype="string"), index=text.index)
    return out.mask(out == "", pd.NA)


def _python_keys(text: pd.Series) -> pd.Series:
    table = {v: _key(v) for v in text.dropna().unique()}
    return text.map(table, na_action="ignore")


def _ascii_keys(text: pd.Series) -> pd.Series:
    """:func:`_key` of ASCII text (which Unicode normalisation leaves as it is), column-wise."""
    out = text.str.lower().str.replace("&", " and ", regex=False).str.replace("+", " and ", regex=False)
    out = out.str.replace(r"['`]", "", regex=True).str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    return out.str.replace(r"^the\s+", "", regex=True).str.replace(r"\s+(?:ltd|limited|plc|uk|llp)$", "", regex=True)


def _key(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = _LEADING.sub("", text)
    return _TRAILING.sub("", text)


def read_brand_list(path: str | Path) -> pd.DataFrame:
    """Read a brand list CSV as a table of names to match.

    The file needs a ``brand`` column; it may have ``match_names`` (other spellings,
    ``;``-separated), ``name``, ``display_name``, ``brand_wikidata``, ``type_id`` (our
    shop type) or ``osm_key``/``osm_value`` (as in lists made from the OSM
    name-suggestion-index), and ``ownership`` (``chain`` or ``symbol_group``).

    Returns
    -------
    DataFrame
        One row per name to match: ``brand``, ``name_key``, ``type_id``, ``ldc_class``,
        ``osm_key``, ``ownership``, ``brand_wikidata``, ``list`` (the file name).

    Raises
    ------
    ValueError
        When the file cannot be read or has no ``brand`` column (the message names the file).
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path.name}: cannot read the brand list ({exc})") from exc
    table.columns = [c.strip().lower() for c in table.columns]
    if "brand" not in table:
        raise ValueError(f"{path.name}: a brand list needs a 'brand' column; found {', '.join(table.columns)}")
    table = table.replace("", pd.NA)
    table = table[table["brand"].notna()].reset_index(drop=True)
    if "type_id" in table:
        type_id = table["type_id"]
        osm_key = pd.Series("", index=table.index, dtype="string")
    elif {"osm_key", "osm_value"} <= set(table.columns):
        tag = table["osm_key"].fillna("") + "=" + table["osm_value"].fillna("")
        if "primary_tag" in table:
            tag = table["primary_tag"].fillna(tag)
        type_id = categorise(tag)
        osm_key = table["osm_key"].fillna("")
    else:
        type_id = pd.Series(pd.NA, index=table.index, dtype="string")
        osm_key = pd.Series("", index=table.index, dtype="string")
    ownership = table["ownership"].str.lower() if "ownership" in table else pd.Series("chain", index=table.index)
    ownership = ownership.where(ownership.isin(["chain", "symbol_group"]), "chain")
    base = pd.DataFrame({
        "brand": table["brand"].str.strip(),
        "type_id": type_id.astype("string"),
        "osm_key": osm_key.astype("string"),
        "ownership": ownership.astype("string"),
        "brand_wikidata": table["brand_wikidata"] if "brand_wikidata" in table else pd.NA,
    })
    names = [table["brand"]]
    for col in ("name", "display_name"):
        if col in table:
            names.append(table[col])
    if "match_names" in table:
        split = table["match_names"].str.split(";").explode()
        names.append(split)
    long = pd.concat([pd.DataFrame({"row": n.index, "name": n.astype("string").str.strip()}) for n in names])
    long = long[long["name"].notna() & (long["name"] != "")]
    long["name_key"] = name_key(long["name"])
    out = base.loc[long["row"]].reset_index(drop=True)
    out["name_key"] = long["name_key"].to_numpy()
    out["ldc_class"] = ldc_class(out["type_id"])
    out["list"] = path.name
    # A name may start with a brand of a curated list (with our type ids), or with a
    # brand name of two words or more from any list; single words ("Castle") only exactly.
    curated = "type_id" in table
    out["prefix_ok"] = curated | out["name_key"].str.contains(" ", regex=False).fillna(False)
    out = out[out["name_key"].notna()].drop_duplicates(["name_key", "brand", "type_id", "osm_key"])
    return out[BRAND_COLUMNS].astype({"brand_wikidata": "string"}).reset_index(drop=True)


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float) -> pd.DataFrame:
    return read_brand_list(path)


def load_brands(*paths: str | Path | None, own: bool = True) -> pd.DataFrame:
    """The project's brand list plus any extra lists, cached on path and modification time.

    Parameters
    ----------
    *paths : path
        Extra brand list CSVs (see :func:`read_brand_list`); None is skipped.
    own : bool
        Include the project's own list of well-known Great Britain chains.
    """
    files = ([OWN_LIST] if own else []) + [Path(p) for p in paths if p]
    tables = []
    for f in files:
        if not f.is_file():
            raise ValueError(f"{f.name}: brand list not found ({f})")
        tables.append(_cached(str(f.resolve()), f.stat().st_mtime))
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in BRAND_COLUMNS})
    return pd.concat(tables, ignore_index=True)


def symbol_group_keys(brands: pd.DataFrame) -> frozenset[str]:
    """Name keys of symbol groups in a brand table (from its ``ownership`` column)."""
    return frozenset(brands.loc[brands["ownership"] == "symbol_group", "name_key"].dropna())


def symbol_group_wikidata(brands: pd.DataFrame) -> frozenset[str]:
    """Wikidata ids of brands whose names are symbol groups in any of the lists."""
    keys = symbol_group_keys(brands)
    qids = brands.loc[brands["name_key"].isin(keys), "brand_wikidata"].dropna()
    return frozenset(qids)


def match_brands(names: pd.Series, categories: pd.Series, brands: pd.DataFrame,
                 keys: pd.Series | None = None) -> pd.DataFrame:
    """Match unit names (or brand tags) against a brand table.

    Parameters
    ----------
    names : Series
        Names or brand tags, one per unit.
    categories : Series
        The units' shop types (our ids; <NA> when unknown), same index.
    brands : DataFrame
        From :func:`load_brands`.
    keys : Series, optional
        :func:`name_key` of `names`, when worked out already.

    Returns
    -------
    DataFrame
        Same index, columns ``brand``, ``ownership`` (chain or symbol_group) and
        ``match`` (``exact`` or ``prefix``); <NA> where nothing matched.
    """
    out = pd.DataFrame({"brand": pd.Series(pd.NA, index=names.index, dtype="string"),
                        "ownership": pd.Series(pd.NA, index=names.index, dtype="string"),
                        "match": pd.Series(pd.NA, index=names.index, dtype="string")})
    if brands.empty or names.notna().sum() == 0:
        return out
    keys = name_key(names) if keys is None else keys
    units = pd.DataFrame({"i": np.arange(len(names)), "name_key": keys.to_numpy(),
                          "type_id": categories.astype("string").to_numpy()})
    units["ldc_class"] = ldc_class(units["type_id"])
    units = units[units["name_key"].notna()]
    table = brands[["brand", "name_key", "type_id", "ldc_class", "osm_key", "ownership", "prefix_ok"]].rename(
        columns={"type_id": "b_type", "ldc_class": "b_class"})

    exact = units.merge(table, on="name_key", how="inner")
    known = exact["ldc_class"].notna()
    agree = (known & (exact["ldc_class"] == exact["b_class"]).fillna(False)) | (
        ~known & exact["b_type"].notna() & exact["osm_key"].fillna("").isin(RETAIL_KEYS))
    exact = exact[agree].assign(match="exact", words=0)

    rest = units[units["type_id"].notna() & ~units["i"].isin(exact["i"])]
    # a name's prefix can be a brand's key only when its first word is the first word of one
    first_words = set(table["name_key"].astype("string").str.replace(r"(?s) .*", "", regex=True).dropna())
    rest = rest[rest["name_key"].astype("string").str.replace(r"(?s) .*", "", regex=True)
                .isin(first_words).fillna(False).to_numpy(dtype=bool)]
    words = rest["name_key"].str.split(" ")
    prefixes = []
    for n in range(1, MAX_PREFIX_WORDS + 1):
        has = words.str.len() > n
        if not has.any():
            break
        prefixes.append(pd.DataFrame({"i": rest.loc[has, "i"], "ldc_class": rest.loc[has, "ldc_class"],
                                      "type_id": rest.loc[has, "type_id"],
                                      "name_key": words[has].str[:n].str.join(" "), "words": n}))
    if prefixes:
        pre = pd.concat(prefixes).merge(table[table["prefix_ok"]], on="name_key", how="inner")
        pre = pre[(pre["type_id"] == pre["b_type"]).fillna(False)].assign(match="prefix")
    else:
        pre = exact.iloc[0:0]
    hits = pd.concat([exact, pre], ignore_index=True)
    if hits.empty:
        return out
    hits["same_type"] = (hits["type_id"] == hits["b_type"]).fillna(False)
    hits = hits.sort_values(["i", "same_type", "words"], ascending=[True, False, False], kind="stable")
    best = hits.drop_duplicates("i")
    pos = best["i"].to_numpy()
    for col in ("brand", "ownership", "match"):
        values = out[col].to_numpy(dtype=object)
        values[pos] = best[col].to_numpy(dtype=object)
        out[col] = pd.array(values, dtype="string")
    return out


#: Rule ``name_recurrence``: a name found in at least this many centres is a chain (:func:`classify_ownership`'s `k`).
RECURRING_IN = 3

#: Columns of :func:`name_facts`: the key (name, brand, shop type as given) and what the rules read of it.
FACT_COLUMNS = ["name", "brand", "category", "name_key", "brand_key", "generic", "list_brand", "list_ownership"]
_MISSING = "\x00"  # stands for a missing value in the keys of :func:`name_facts`


def brands_signature(brands: pd.DataFrame) -> str:
    """A hash of a brand table (:func:`load_brands`): name facts made with another table are not reused."""
    return str(int(pd.util.hash_pandas_object(brands[BRAND_COLUMNS], index=False).sum()) % 2**63)


def fact_keys(units: pd.DataFrame) -> pd.DataFrame:
    """Each unit's key of :func:`name_facts`: name, brand and shop type as given (missing: ``"\\x00"``)."""

    def col(name: str) -> pd.Series:
        values = units[name].astype("string") if name in units else pd.Series(pd.NA, index=units.index, dtype="string")
        return values.fillna(_MISSING)

    return pd.DataFrame({"name": col("name"), "brand": col("brand"), "category": col("category")}).reset_index(drop=True)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct `values`, sorted (``np.unique``'s result, by sorting: numpy 2's ``np.unique`` hashes,
    about 20 times slower on a million distinct numbers).

    >>> _distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def _key_numbers(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct rows of `keys` (numbered as first seen), and each number's first row.

    The rows of ``keys.drop_duplicates()`` in order, told apart by numbers rather than by hashing
    rows of text (a million units' keys).
    """
    number = np.zeros(len(keys), dtype=np.int64)
    for column in keys.columns:
        codes, seen = pd.factorize(keys[column].array)
        number = pd.factorize(number * (len(seen) + 1) + codes)[0].astype(np.int64)
    first = np.unique(number, return_index=True)[1]
    return number, first


def name_facts(units: pd.DataFrame, brands: pd.DataFrame, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the rules read of each distinct (name, brand, shop type) of `units`, each worked out once.

    ``name_key`` and ``brand_key`` (:func:`name_key` of the name, and of the brand or
    else the name), ``generic`` (the name is a type word, :func:`agora.analysis.taxonomy.is_type_word`),
    and ``list_brand``/``list_ownership`` (the brand-list match of the brand, else of the
    name, :func:`match_brands`). Missing values in the key columns are ``"\\x00"``.

    Parameters
    ----------
    brands : DataFrame
        From :func:`load_brands`.
    known : DataFrame, optional
        Facts made earlier *with the same brand table*: those keys are not worked out again.

    Returns
    -------
    DataFrame
        :data:`FACT_COLUMNS`, one row per distinct key of `units`.
    """
    return name_facts_and_rows(units, brands, known)[0]


def name_facts_and_rows(units: pd.DataFrame, brands: pd.DataFrame, known: pd.DataFrame | None = None,
                        ) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`name_facts`, and each unit's row of them (None when it must be looked up).

    For :func:`classify_ownership`'s `rows`: the keys are told apart once.
    """
    keys = fact_keys(units)
    number, first = _key_numbers(keys)
    keys = keys.iloc[first].reset_index(drop=True)  # drop_duplicates' rows, without hashing text
    place = np.arange(len(keys))  # each distinct key's row of the facts
    reused = None
    if known is not None and len(known):
        reused = keys.merge(known[FACT_COLUMNS], how="inner")
        seen = (keys.merge(reused[["name", "brand", "category"]], how="left", indicator=True)["_merge"] == "both"
                ).to_numpy()
        # the facts: the known keys first (in the order of the keys), then the others
        if len(seen) == len(keys) and len(reused) == seen.sum() and all(
                (reused[c].to_numpy(dtype=object) == keys.loc[seen, c].to_numpy(dtype=object)).all()
                for c in ("name", "brand", "category")):
            place[seen], place[~seen] = np.arange(seen.sum()), seen.sum() + np.arange((~seen).sum())
        else:
            place = None  # known keys given twice: each unit's row is looked up
        keys = keys[~seen].reset_index(drop=True)
    out = keys.copy()
    if len(keys):
        name = keys["name"].mask(keys["name"] == _MISSING)
        brand = keys["brand"].mask(keys["brand"] == _MISSING)
        category = keys["category"].mask(keys["category"] == _MISSING)
        out["name_key"] = name_key(name)
        named = brand.isna().to_numpy()
        brand_key = out["name_key"].copy()  # the name's where there is no brand
        brand_key[~named] = name_key(brand[~named])
        out["brand_key"] = brand_key
        out["generic"] = is_type_word(name).to_numpy(dtype=bool)
        found = match_brands(brand, category, brands, brand_key.where(~named)).fillna(
            match_brands(name, category, brands, out["name_key"]))
        out["list_brand"] = found["brand"].astype("string")
        out["list_ownership"] = found["ownership"].astype("string")
    else:
        out = pd.DataFrame({c: pd.Series(dtype="bool" if c == "generic" else "string") for c in FACT_COLUMNS})
    if reused is not None and len(reused):
        out = pd.concat([reused, out[FACT_COLUMNS]], ignore_index=True)
    out = out[FACT_COLUMNS].astype({c: "string" for c in FACT_COLUMNS if c != "generic"} | {"generic": bool})
    return out, (place[number] if place is not None else None)


def classify_ownership(
    units: pd.DataFrame,
    brands: pd.DataFrame | str | Path | None = None,
    *,
    k: int = RECURRING_IN,
    centre_column: str = "centre_id",
    own_list: bool = True,
    facts: pd.DataFrame | None = None,
    rows: np.ndarray | None = None,
    name_centres: pd.Series | None = None,
) -> pd.DataFrame:
    """Fill ``ownership`` and ``ownership_source`` of every unit by the rules of this module.

    Parameters
    ----------
    units : GeoDataFrame or DataFrame
        Units layer (canonical columns; ``not_brand`` from OSM tags when loaded from OSM).
    brands : DataFrame or path, optional
        An extra brand list (path to a CSV, or a table from :func:`load_brands`, which
        then replaces the project's list). The project's own list is always used when
        a path or None is given and `own_list` is true.
    k : int
        A name found in at least `k` centres is a chain (rule ``name_recurrence``).
    centre_column : str
        Column that says which centre a unit is in.
    own_list : bool
        Use the project's own brand list.
    facts : DataFrame, optional
        :func:`name_facts` of these units' names made with the same brand table
        (each distinct name is then not worked out again; missing ones are added).
    rows : ndarray, optional
        Each unit's row of `facts` (:func:`name_facts_and_rows`), when known.
    name_centres : Series, optional
        The centres each name key is found in, counted over more units than these
        (:func:`name_centre_counts` of a whole workspace): rule ``name_recurrence`` reads
        them instead of counting over `units`.

    Returns
    -------
    Same type as `units`
        A copy with ``ownership``, ``ownership_source`` and, for units matched to a
        list, ``brand`` filled. Rows recorded as ``surveyed`` or ``user`` are unchanged.
    """
    if isinstance(brands, pd.DataFrame):
        table = brands
    else:
        table = load_brands(brands, own=own_list)
    out = units.copy()
    n = len(out)
    idx = out.index

    def col(name: str, dtype: str = "string") -> pd.Series:
        if name in out:
            return out[name].astype(dtype)
        return pd.Series(pd.NA, index=idx, dtype=dtype)

    given_source = col("ownership_source")
    given = col("ownership")
    keep = given_source.isin(["surveyed", "user"]).fillna(False) & given.notna()
    ownership = np.where(keep, given.fillna("").to_numpy(dtype=object), None).astype(object)
    source = np.where(keep, given_source.fillna("").to_numpy(dtype=object), None).astype(object)
    todo = ~keep.to_numpy()

    name, brand = col("name"), col("brand")
    status = col("status")
    wikidata = col("brand_wikidata")
    not_brand = col("not_brand", "boolean").fillna(False).to_numpy(dtype=bool)
    sg_keys = symbol_group_keys(table)
    sg_qids = symbol_group_wikidata(table)
    # what the rules read of a name, worked out once per distinct name, brand and shop type
    row = np.asarray(rows, dtype=np.int64) if facts is not None and rows is not None and len(rows) == n else None
    if row is not None:
        facts = facts.reset_index(drop=True)
    else:
        keys = fact_keys(out)
        # each distinct key once, in the order name_facts keeps them (first seen): a unit's key is found once
        number, first = _key_numbers(keys)
        distinct = keys.iloc[first].reset_index(drop=True)
        if facts is not None:  # facts of every name given: used as they are
            facts = facts.reset_index(drop=True)
            found = distinct.merge(facts.reset_index()[["name", "brand", "category", "index"]], how="left")["index"]
            if len(found) == len(distinct) and found.notna().all():
                row = found.to_numpy(dtype=np.int64)[number]
        if row is None and facts is None:
            row = number  # the facts' rows are the distinct keys in order
            facts = name_facts(distinct, table)
        elif row is None:
            facts = name_facts(distinct, table, facts)
            found = distinct.merge(facts.reset_index()[["name", "brand", "category", "index"]], how="left")["index"]
            row = found.to_numpy()[number]

    # what the rules read of each unit's facts: looked up in the facts (one row per key), then taken by row
    symbol_key = facts["brand_key"].astype("string").isin(sg_keys).to_numpy(dtype=bool)[row]
    is_symbol = symbol_key | wikidata.isin(sg_qids).fillna(False).to_numpy(dtype=bool)

    unknown = (status.isin(["vacant", "unknown"]).fillna(False) | (name.isna() & brand.isna())).to_numpy(dtype=bool, copy=True)
    unknown &= ~not_brand & wikidata.isna().to_numpy()
    set_unknown = todo & unknown
    ownership[set_unknown] = "unknown"
    todo &= ~unknown

    hit = todo & not_brand
    ownership[hit], source[hit] = "independent", "osm_brand"
    todo &= ~hit

    hit = todo & wikidata.notna().to_numpy()
    ownership[hit] = np.where(is_symbol[hit], "symbol_group", "chain")
    source[hit] = "osm_brand"
    todo &= ~hit

    filled_brand = brand.to_numpy(dtype=object).copy()
    if todo.any():
        list_brand = facts["list_brand"].to_numpy(dtype=object)
        list_ownership = facts["list_ownership"].to_numpy(dtype=object)
        mpos = np.flatnonzero(todo & ~pd.isna(list_brand)[row])
        ownership[mpos] = list_ownership[row[mpos]]
        source[mpos] = "brand_list"
        empty_brand = pd.isna(filled_brand[mpos])
        filled_brand[mpos[empty_brand]] = list_brand[row[mpos]][empty_brand]
        todo[mpos] = False

    hit = todo & brand.notna().to_numpy()
    ownership[hit] = np.where(is_symbol[hit], "symbol_group", "chain")
    source[hit] = "osm_brand"
    todo &= ~hit

    if todo.any() and centre_column in out:
        # name keys and centres as numbers (a unit's key number from its row of the facts): the centres
        # each key is found in, counted without hashing a million names again
        key_no, valid, in_centres, key_names = _centre_counts(out[centre_column], facts, row)
        if name_centres is not None:
            in_centres = name_centres.reindex(key_names).fillna(0).to_numpy(dtype=np.int64)
        recurring = np.zeros(n, dtype=bool)
        recurring[valid] = in_centres[key_no[valid]] >= k
        hit = todo & recurring
        ownership[hit] = np.where(is_symbol[hit], "symbol_group", "chain")
        source[hit] = "name_recurrence"
        no_brand = hit & pd.isna(filled_brand)
        filled_brand[no_brand] = name.to_numpy(dtype=object)[no_brand]
        todo &= ~hit

    ownership[todo], source[todo] = "independent", "inferred"
    out["ownership"] = pd.array(ownership, dtype="string")
    out["ownership_source"] = pd.array(source, dtype="string")
    out["brand"] = pd.array(filled_brand, dtype="string")
    assert len(out) == n
    return out


def _centre_counts(centre: pd.Series, facts: pd.DataFrame, row: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Each unit's name key number, whether it counts (a centre, a name, not generic), and each key's centres.

    The centres each key is found in are counted from numbers, without hashing a million names again.
    """
    key_codes, key_names = pd.factorize(facts["name_key"].array)
    key_no = key_codes[row]
    centre_no, centres = pd.factorize(centre.astype("string").array)
    valid = (key_no >= 0) & (centre_no >= 0) & ~facts["generic"].astype(bool).to_numpy()[row]
    pairs = _distinct(key_no[valid].astype(np.int64) * (len(centres) + 1) + centre_no[valid])
    in_centres = np.bincount(pairs // (len(centres) + 1), minlength=len(key_names))
    return key_no, valid, in_centres, pd.Index(key_names)


def fact_rows(units: pd.DataFrame, facts: pd.DataFrame) -> np.ndarray:
    """Each unit's row of `facts` (:func:`name_facts` covering every name of `units`)."""
    keys = fact_keys(units)
    number, first = _key_numbers(keys)
    distinct = keys.iloc[first].reset_index(drop=True)
    found = distinct.merge(facts.reset_index(drop=True).reset_index()[["name", "brand", "category", "index"]],
                           how="left")["index"]
    return found.to_numpy(dtype=np.int64)[number]


def name_centre_counts(units: pd.DataFrame, facts: pd.DataFrame, rows: np.ndarray | None = None,
                       centre_column: str = "centre_id") -> pd.Series:
    """How many centres each name key is found in (type words left out): what rule ``name_recurrence`` counts.

    `facts`: :func:`name_facts` covering the names of `units`; `rows`: each unit's row of
    them, when known. Returns the counts above zero, indexed by ``name_key`` and sorted.
    """
    if units.empty or centre_column not in units:
        return pd.Series(dtype="int64", name="centres", index=pd.Index([], dtype="string", name="name_key"))
    facts = facts.reset_index(drop=True)
    row = fact_rows(units, facts) if rows is None else np.asarray(rows, dtype=np.int64)
    _, _, in_centres, key_names = _centre_counts(units[centre_column], facts, row)
    counts = pd.Series(in_centres, index=key_names.astype("string").rename("name_key"), name="centres")
    return counts[counts > 0].sort_index()


def ownership_summary(units: pd.DataFrame) -> pd.DataFrame:
    """Counts of units by ``ownership`` and ``ownership_source`` (the rules that decided)."""
    return (units.groupby(["ownership", "ownership_source"], dropna=False).size()
            .rename("units").reset_index())
