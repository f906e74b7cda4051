"""Our list of shop types, and the mapping from the words real files use to it.

The list and the mapping are data, in ``data/taxonomy/``:

- ``shop_types.csv``: ``type_id``, ``label``, ``ldc_class`` (comparison, convenience,
  leisure, service, as the Local Data Company groups premises), ``excluded`` (uses nef's
  survey form leaves out: post offices, banks, surgeries, public buildings, and
  non-retail premises) and a ``description``.
- ``source_values.csv``: ``source`` (``osm``, ``voa`` or ``text``), ``key`` (the OSM key
  for ``osm`` rows), ``value`` and the ``type_id`` it maps to. OSM tag values
  (``shop=butcher``, ``amenity=cafe``), VOA rating-list descriptions
  ("CAFE AND PREMISES") and free-text survey words ("butchers", "chippy").

Values are compared after :func:`normalise_values`: lower case, ``_`` and ``-`` as
spaces, "and premises" dropped, ``&`` as "and". A value is looked up as written, then
in the singular, then without a trailing "shop"/"store", then by its last word
("indian restaurant" -> restaurant). ``a;b`` (OSM lists) takes the first part that
maps. Anything else is left unmapped (<NA>) so that callers can report it: nothing is
guessed silently. ``vacant``, ``empty``, ``disused`` and ``yes`` map to <NA> on purpose:
they say nothing of the use (the loader records vacancy in ``status``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "taxonomy"
LDC_CLASSES = ("comparison", "convenience", "leisure", "service")

#: Values that say nothing about the use (kept <NA>, never reported as unknown words).
NO_USE = frozenset({"vacant", "empty", "disused", "yes", "no", "closed", "unknown", "none", "void", "to let",
                    "shop", "retail", "unit", "premises", "shop and premises", "retail unit"})

#: Preferred OSM key when a bare value is used under several keys.
KEY_ORDER = ("shop", "amenity", "healthcare", "craft", "leisure", "tourism", "office")

_PREMISES = re.compile(r"\s*(?:\band|&)\s+prem(?:ises|s)?\b\.?", re.I)
_SUFFIX = re.compile(r"\s+(?:shop|store|outlet|premises)$")


def normalise_values(values: pd.Series) -> pd.Series:
    """Lower-case `values` and make spellings comparable (``Fast_Food`` -> ``fast food``).

    Each distinct value is normalised once (a column of a million units holds a few
    hundred uses, or a few hundred thousand names).
    """
    text = values.astype("string")
    codes, distinct = pd.factorize(text)
    if len(distinct) == len(text):
        return _normalised(text)
    done = _normalised(pd.Series(distinct, dtype=text.dtype)).array
    return pd.Series(done.take(codes, allow_fill=True), index=values.index, name=values.name)


def _normalised(values: pd.Series) -> pd.Series:
    text = values.str.strip()
    # "and premises" needs "prem" (any case): the values without it are left as they are, unsearched
    said = text.str.contains("prem", case=False, regex=False).fillna(False).to_numpy(dtype=bool)
    if said.any():
        text = text.copy()
        text[said] = text[said].str.replace(_PREMISES, "", regex=True)
    text = text.str.lower()
    text = text.str.replace("&", " and ", regex=False)
    text = text.str.replace(r"[_\-]", " ", regex=True)
    text = text.str.replace(r"[’'`\".()]", "", regex=True)
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    return text.mask(text == "", pd.NA)


def _norm(value: str) -> str:
    return normalise_values(pd.Series([value], dtype="string")).iloc[0]


@lru_cache(maxsize=4)
def _load(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = Path(folder)
    types = pd.read_csv(path / "shop_types.csv", dtype="string")
    types["excluded"] = types["excluded"].str.lower().eq("true").astype(bool)
    bad = sorted(set(types["ldc_class"]) - set(LDC_CLASSES))
    if bad:
        raise ValueError(f"{path / 'shop_types.csv'}: unknown ldc_class {bad}")
    values = pd.read_csv(path / "source_values.csv", dtype="string", keep_default_na=False)
    unknown = sorted(set(values["type_id"]) - set(types["type_id"]))
    if unknown:
        raise ValueError(f"{path / 'source_values.csv'}: type_id not in shop_types.csv: {unknown}")
    values["norm"] = normalise_values(values["value"])
    return types.set_index("type_id", drop=False), values


def shop_types(folder: str | Path = DATA_DIR) -> pd.DataFrame:
    """The shop-type list: ``type_id`` (index and column), ``label``, ``ldc_class``, ``excluded``, ``description``."""
    return _load(str(folder))[0].copy()


def source_values(folder: str | Path = DATA_DIR) -> pd.DataFrame:
    """The mapping table ``source``, ``key``, ``value``, ``type_id`` (plus ``norm``, the compared form)."""
    return _load(str(folder))[1].copy()


@lru_cache(maxsize=4)
def _lookups(folder: str) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    """Bare value -> type, (osm key, value) -> type, and the phrase table used for names."""
    _, values = _load(folder)
    rank = {k: i for i, k in enumerate(KEY_ORDER)}
    osm = values[values["source"] == "osm"].copy()
    osm["rank"] = osm["key"].map(rank).fillna(len(rank))
    osm = osm.sort_values("rank", kind="stable")
    keyed = {(k, v): t for k, v, t in zip(osm["key"], osm["norm"], osm["type_id"])}
    bare: dict[str, str] = {}
    for source in (osm, values[values["source"] == "voa"], values[values["source"] == "text"]):
        for v, t in zip(source["norm"], source["type_id"]):
            bare.setdefault(v, t)
    words = values[values["source"] == "text"]
    phrases = dict(zip(words["norm"], words["type_id"]))
    return bare, keyed, phrases


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _lookup_one(value: str, bare: dict[str, str], keyed: dict[tuple[str, str], str]) -> str | None:
    if "=" in value:
        key, _, rest = value.partition("=")
        key, rest = key.strip(), rest.strip()
        found = keyed.get((key, rest))
        if found:
            return found
        value = rest
    if value in NO_USE or value.startswith("disused"):
        return None
    candidates = [value, _singular(value), _SUFFIX.sub("", value)]
    if " " in value:
        last = value.rsplit(" ", 1)[1]
        candidates += [last, _singular(last)]
    for cand in candidates:
        if cand in bare:
            return bare[cand]
    return None


def _lookup(value: str, folder: str) -> str | None:
    bare, keyed, _ = _lookups(folder)
    for part in re.split(r"\s*[;,/]\s*", value):
        if part:
            found = _lookup_one(part, bare, keyed)
            if found:
                return found
    return None


def categorise(values: pd.Series, folder: str | Path = DATA_DIR) -> pd.Series:
    """Map raw uses (OSM values, VOA descriptions, survey words) to our type ids.

    Parameters
    ----------
    values : Series
        Raw values; ``key=value`` (``office=charity``) is looked up under that key.
    folder : path, optional
        Folder holding ``shop_types.csv`` and ``source_values.csv``.

    Returns
    -------
    Series
        String dtype, same index: the ``type_id``, or <NA> where the value is missing,
        says nothing of the use (``vacant``, ``yes``) or is not in the mapping.

    Examples
    --------
    >>> categorise(pd.Series(["butcher", "CAFE AND PREMISES", "Chinese takeaway", "widgets"])).tolist()
    ['butcher', 'cafe', 'takeaway', <NA>]
    """
    folder = str(folder)
    text = normalise_values(values)
    uniques = text.dropna().unique()
    table = {v: _lookup(v, folder) for v in uniques}
    return text.map(table, na_action="ignore").astype("string")


def is_type_word(values: pd.Series, folder: str | Path = DATA_DIR) -> pd.Series:
    """True where the whole value is a word of the mapping ("Barbers", "Post Office", "Chippy").

    Unlike :func:`categorise`, the last word alone does not count: "Ann's Cafe" is a name,
    "Cafe" is a type word.
    """
    bare, _, _ = _lookups(str(folder))
    text = normalise_values(values)
    distinct = pd.Series(text.dropna().unique(), dtype="string")
    # only a word of the mapping, its plural, or a value ending in a word _SUFFIX takes off can be one
    # (a million units' names hold a few hundred thousand distinct values, nearly all none of these)
    maybe = distinct.isin(_type_word_forms(str(folder))).to_numpy(dtype=bool, copy=True)
    for word in _SUFFIX_WORDS:
        maybe |= distinct.str.endswith(word).fillna(False).to_numpy(dtype=bool)
    table = {v: any(c in bare for c in (v, _singular(v), _SUFFIX.sub("", v))) for v in distinct[maybe]}
    return text.map(table, na_action="ignore").fillna(False).astype(bool)


#: The words :data:`_SUFFIX` takes off the end of a value.
_SUFFIX_WORDS = ("shop", "store", "outlet", "premises")


@lru_cache(maxsize=4)
def _type_word_forms(folder: str) -> frozenset[str]:
    """Every value whose :func:`_singular` can be a word of the mapping: the words, ``+s`` and ``y -> ies``."""
    bare, _, _ = _lookups(folder)
    return frozenset([*bare, *(b + "s" for b in bare), *(b[:-1] + "ies" for b in bare if b.endswith("y"))])


def unmapped(values: pd.Series, folder: str | Path = DATA_DIR) -> pd.Series:
    """Counts of the raw values :func:`categorise` leaves unmapped (those saying nothing of the use excluded)."""
    found = categorise(values, folder)
    text = normalise_values(values)
    miss = found.isna() & text.notna() & ~text.isin(NO_USE) & ~text.str.startswith("disused").fillna(False)
    return text[miss].value_counts()


_WORD = re.compile(r"\w+")


def _first_words(phrases) -> set[str] | None:
    """The words a name must hold for a phrase to match in it as a whole word, with ``s`` or ``es`` after.

    A match starts where a word of the name starts: that word is the phrase's first word (the
    phrase goes on past it), or the phrase with ``s`` or ``es`` or nothing after. None when a
    phrase does not start with a letter or digit (every name is searched).
    """
    out: set[str] = set()
    for phrase in phrases:
        first = _WORD.match(phrase)
        if first is None:
            return None
        out |= {first.group(), first.group() + "s", first.group() + "es"}
    return out


def categorise_names(names: pd.Series, folder: str | Path = DATA_DIR) -> pd.Series:
    """Infer a type from business names that say what they sell ("Valli Opticians").

    The last survey word of our mapping that appears as a whole word in the name wins
    ("Little H Cafe and Bar" -> pub_bar). Names with no such word give <NA>. This is
    an inference: callers should say how many categories came from names.
    """
    _, _, phrases = _lookups(str(folder))
    text = normalise_values(names)
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")(?:s|es)?\b")

    starts = _first_words(phrases)

    def find(name: str) -> str | None:
        if starts is not None and starts.isdisjoint(_WORD.findall(name)):
            return None  # no word of the name can begin a match
        hits = pattern.findall(name)  # the phrase of each match, left to right: the last starts last
        return phrases[hits[-1]] if hits else None

    table = {v: find(v) for v in text.dropna().unique().tolist()}
    return text.map(table, na_action="ignore").astype("string")


def _per_type(column: str, type_ids, folder: str | Path = DATA_DIR):
    types = shop_types(folder)[column]
    if isinstance(type_ids, pd.Series):
        return type_ids.astype("string").map(types.to_dict(), na_action="ignore")
    if type_ids is None or pd.isna(type_ids):
        return None
    return types.get(type_ids)


def _per_type_text(column: str, type_ids, folder: str | Path = DATA_DIR):
    """:func:`_per_type` as text; a Series' distinct ids looked up once."""
    if not isinstance(type_ids, pd.Series):
        return _per_type(column, type_ids, folder)
    codes, distinct = pd.factorize(type_ids.astype("string").array)
    found = _per_type(column, pd.Series(distinct, dtype="string"), folder).astype("string").array
    return pd.Series(found.take(codes, allow_fill=True), index=type_ids.index, name=type_ids.name)


def type_label(type_ids, folder: str | Path = DATA_DIR):
    """Label of a type id (or of each in a Series): ``"butcher" -> "Butcher"``; None/<NA> when unknown."""
    return _per_type_text("label", type_ids, folder)


def ldc_class(type_ids, folder: str | Path = DATA_DIR):
    """LDC-style class (comparison, convenience, leisure, service) of a type id or Series of them."""
    return _per_type_text("ldc_class", type_ids, folder)


def excluded_types(folder: str | Path = DATA_DIR) -> tuple[str, ...]:
    """Type ids nef's survey leaves out (post office, bank, surgery, public service, non-retail)."""
    types = shop_types(folder)
    return tuple(types.loc[types["excluded"], "type_id"])


def is_excluded(type_ids: pd.Series, folder: str | Path = DATA_DIR) -> pd.Series:
    """True where the type is one nef's survey leaves out; False for other and unknown types."""
    return type_ids.astype("string").isin(excluded_types(folder)).fillna(False).astype(bool)


def scored_types(folder: str | Path = DATA_DIR) -> tuple[str, ...]:
    """Type ids that count in clone-town scores (every type not excluded)."""
    types = shop_types(folder)
    return tuple(types.loc[~types["excluded"], "type_id"])
