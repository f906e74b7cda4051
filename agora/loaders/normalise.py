"""Turn the values real files hold into canonical values, column by column."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..layers import ASSET_CATEGORIES
from .report import LoadReport

VACANT_WORDS = re.compile(r"^\s*(?:empty|vacant|void|to let|closed(?!\s+for\b)|disused|unoccupied|available)\b", re.I)
UNKNOWN_WORDS = re.compile(r"^\s*(?:\?+|unknown\b|not known\b|n/?k\b)", re.I)
#: The words an address ends with (before a full stop and white space).
STREET_WORDS = ("street", "st", "road", "rd", "lane", "gate", "square", "place", "row", "terrace", "parade", "walk",
                "way", "hill", "bridge", "avenue", "close", "court", "yard", "fold", "buildings", "arcade", "market")
ADDRESS = re.compile(
    r"^\s*(\d+[a-z]?(\s*[-&/]\s*\d+[a-z]?)?,?\s+)?[\w' .]+\b(" + "|".join(STREET_WORDS) + r")\.?\s*$",
    re.I,
)
STREET_NUMBER = re.compile(r"^\s*[\d]+[a-z]?(\s*[-&/]\s*\d+[a-z]?)?,?\s+", re.I)


def slug(text: str) -> str:
    """A short id from a name: ``"Hebden Bridge" -> "hebden-bridge"``."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def dates(s: pd.Series) -> pd.Series:
    """Parse dates written ISO (yyyy-mm-dd) or day first (dd/mm/yyyy); unreadable ones become NaT."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    text = s.astype("string").str.strip()
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if len(uniques) * 2 > len(text):  # mostly distinct: read each value
        return _dates(text)
    # a survey's few dates over many rows: each read once (every value is read on its own)
    read = _dates(pd.Series(uniques, dtype="string")).array
    return pd.Series(read.take(codes, allow_fill=True), index=s.index, name=s.name)


def _dates(text: pd.Series) -> pd.Series:
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    rest = out.isna() & text.notna()
    if rest.any():
        out[rest] = pd.to_datetime(text[rest], errors="coerce", dayfirst=True, format="mixed")
    return out


_COVERAGE = {"full": "full", "complete": "full", "whole": "full", "all": "full", "update": "update",
             "updated": "update", "partial": "update", "part": "update", "resurvey": "update"}


def coverage(s: pd.Series, report: LoadReport) -> pd.Series:
    """A survey's coverage as ``full`` or ``update`` (missing stays missing: full, or detected)."""
    text = s.astype("string").str.strip().str.lower()
    out = text.map(_COVERAGE, na_action="ignore").astype("string")
    report.tally("coverage_words", text[out.isna() & text.notna() & (text != "")].unique().tolist(), _coverage_note)
    return out


def _coverage_note(words: list[str]) -> list[str]:
    odd = sorted(words[:5])
    return [f"coverage {', '.join(map(repr, odd))} not understood (full or update): left unset"] if odd else []


def first_words(what: str, then: str) -> Callable[[list[str]], list[str]]:
    """Notes for the first five words of a column not recognised (in file order)."""
    return partial(_first_words, what, then)


def _first_words(what: str, then: str, words: list[str]) -> list[str]:
    return [f"{what} {word!r} not recognised: {then}" for word in words[:5]]


def top_counts(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The `n` largest counts, ties in alphabetical order (the same however the counts were added up)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def value_counts(values: pd.Series) -> dict[str, int]:
    """Counts of the values (a tally's data)."""
    return {str(k): int(v) for k, v in values.value_counts().items()}


def addresses(values: pd.Series) -> pd.Series:
    """Whether each value looks like a street address (``values.str.match(ADDRESS)``; missing stays missing).

    The pattern is tried only on values that could match it: those holding one of the
    :data:`STREET_WORDS` (in any case), and any value with a character beyond ASCII (which
    a case-blind match may read as a letter of those words). A name such as "Superdrug"
    is not looked at twice.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.astype("string")
    array = pa.array(text.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    words = pc.match_substring_regex(pc.utf8_lower(array), "|".join(STREET_WORDS))
    maybe = pc.fill_null(pc.or_(words, pc.invert(pc.string_is_ascii(array))), False)
    maybe = np.asarray(maybe.to_numpy(zero_copy_only=False), dtype=bool)
    out = pd.Series(False, index=text.index, dtype="boolean")
    out[text.isna().to_numpy(dtype=bool)] = pd.NA
    if maybe.any():
        out[maybe] = text[maybe].str.match(ADDRESS).astype("boolean")
    return out


def survey_name_and_street(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Handle walk-round surveys whose ``name`` column holds the address.

    When most names look like street addresses and the file has a free-text column
    (``comments``, ``notes``, ``occupier``...), the text becomes the unit's name and the
    address gives its street.
    """
    if "name" not in table or table.empty:
        return table
    names = table["name"].astype("string")
    looks_like_address = report.decide(
        "names_are_addresses",
        lambda: bool(per_distinct(names, addresses).fillna(False).mean() > 0.6))
    other = next((c for c in table.columns if c.lower() in {"comments", "comment", "notes", "occupier",
                                                            "business", "use_now", "current_use"}), None)
    if looks_like_address and other:
        table = table.rename(columns={"name": "address"})
        table["name"] = table[other]
        report.notes.append(f"the name column holds addresses: unit names taken from {other!r}")
        if "street" not in table:
            table["street"] = table["address"].astype("string").str.replace(STREET_NUMBER, "", regex=True).str.strip()
    elif "street" not in table and looks_like_address:
        table["street"] = names.str.replace(STREET_NUMBER, "", regex=True).str.strip()
    return table


STATUS_WORDS = {
    "occupied": "occupied", "open": "occupied", "trading": "occupied", "in use": "occupied", "yes": "occupied",
    "o": "occupied", "occ": "occupied", "let": "occupied",
    "vacant": "vacant", "empty": "vacant", "void": "vacant", "to let": "vacant", "closed": "vacant",
    "v": "vacant", "vac": "vacant", "unoccupied": "vacant", "disused": "vacant", "no": "vacant",
    "unknown": "unknown", "?": "unknown", "n/k": "unknown", "not known": "unknown",
}


def unit_status(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Set ``status`` to occupied, vacant or unknown.

    From a status column when there is one; otherwise inferred: OSM ``shop=vacant`` or
    ``disused:shop``, and names such as "Empty", "Vacant (was X)" mean vacant; "???"
    means unknown; anything else with a name or a use is occupied.
    """
    given = report.decide("status_given", lambda: bool("status" in table and table["status"].notna().any()))
    if given:
        text = table["status"].astype("string").str.strip().str.lower()
        mapped = per_distinct(text, lambda u: u.map(STATUS_WORDS, na_action="ignore"))
        report.tally("status_words", text[mapped.isna() & text.notna()].unique().tolist(),
                     first_words("status", "counted as unknown"))
        table["status"] = mapped.fillna("unknown")
        return table
    status = pd.Series("occupied", index=table.index, dtype="string")
    name = table["name"].astype("string") if "name" in table else pd.Series(pd.NA, index=table.index, dtype="string")
    cat = table["source_category"].astype("string").str.lower() if "source_category" in table else None
    has_use = name.notna() | (cat.notna() if cat is not None else False)
    status[~has_use] = "unknown"
    status[name.str.match(UNKNOWN_WORDS).fillna(False)] = "unknown"
    vacant = name.str.match(VACANT_WORDS).fillna(False)
    active = pd.Series(False, index=table.index)
    if cat is not None:
        vacant |= cat.isin(["vacant", "empty", "disused"]).fillna(False)
        active = cat.notna() & ~cat.isin(["vacant", "empty", "disused", "no"]).fillna(False)
    for col in ("disused:shop", "disused:amenity", "vacant"):
        if col in table:
            # A live shop=/amenity= tag wins over an old lifecycle tag (a former church now an antiques shop).
            vacant |= table[col].notna() & (table[col].astype("string").str.lower() != "no") & ~active
    status[vacant] = "vacant"
    table["status"] = status
    report.tally("status_inferred", {"vacant": int(vacant.sum()), "unknown": int((status == "unknown").sum())},
                 _status_note)
    return table


def _status_note(n: dict[str, int]) -> list[str]:
    return [f"status inferred from names and uses: {n['vacant']} vacant, {n['unknown']} unknown"]


OWNERSHIP_WORDS = {
    "independent": "independent", "indep": "independent", "ind": "independent", "i": "independent",
    "local": "independent", "chain": "chain", "c": "chain", "multiple": "chain", "national": "chain",
    "regional chain": "chain", "national chain": "chain", "franchise": "chain",
    "symbol": "symbol_group", "symbol group": "symbol_group", "symbol_group": "symbol_group",
    "unknown": "unknown",
}


#: Longer survey wording: "Independent (local)", "National chain", "Symbol group (Spar)"...
OWNERSHIP_PATTERNS = ((r"^indep|^local", "independent"), (r"symbol", "symbol_group"),
                      (r"chain|multiple|national|franchise", "chain"))


def ownership_words(values: pd.Series) -> pd.Series:
    """Surveyed ownership words as ``independent``, ``chain``, ``symbol_group`` or ``unknown`` (else missing)."""
    text = values.astype("string").str.strip().str.lower()
    mapped = text.map(OWNERSHIP_WORDS, na_action="ignore").astype("string")
    for pattern, value in OWNERSHIP_PATTERNS:
        mapped[mapped.isna() & text.str.contains(pattern, regex=True).fillna(False)] = value
    return mapped


def unit_ownership(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Keep what a survey recorded of ownership, and the OSM brand hints for later rules.

    ``ownership`` is set only where the file records it (``ownership_source`` =
    ``surveyed``); the other rules (brand tags, brand lists, names recurring across
    centres) are applied by :func:`agora.analysis.ownership.classify_ownership`.
    """
    if "ownership" in table:
        text = table["ownership"].astype("string").str.strip().str.lower()
        mapped = ownership_words(table["ownership"])
        report.tally("ownership_words", text[mapped.isna() & text.notna()].unique().tolist(),
                     first_words("ownership", "decided by the other rules"))
        table["ownership"] = mapped
        table["ownership_source"] = pd.Series(np.where(mapped.notna(), "surveyed", None), index=table.index,
                                              dtype="string")
    not_brand = pd.Series(False, index=table.index)
    if "nobrand" in table:
        not_brand |= table["nobrand"].astype("string").str.lower().eq("yes").fillna(False)
    if "not:brand:wikidata" in table:
        not_brand |= table["not:brand:wikidata"].notna()
    table["not_brand"] = not_brand
    return table


#: Broad land-use classes of rates and planning files: they say what kind of premises, not what kind of shop.
LAND_USE = frozenset({"retail", "office", "offices", "industrial", "leisure", "residential", "commercial",
                      "community", "warehouse", "storage", "mixed", "mixed use", "other", "education",
                      "health", "hospitality", "retail and leisure", "a1", "a2", "a3", "a4", "a5", "b1", "b2",
                      "b8", "d1", "d2", "e", "f1", "f2", "sui generis"})


def land_use_classes(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Move a ``category`` column of broad land-use classes (Retail, Office, Industrial...) to ``land_use``.

    Such a column is not the kind of shop: it is kept as ``land_use`` and said in the
    report, and the shop type comes from the other columns (or stays unknown).
    """
    if "category" not in table:
        return table
    from ..analysis.taxonomy import shop_types

    text = table["category"].astype("string").str.strip()
    known = text.str.lower().isin(set(shop_types()["type_id"]))
    broad = text.str.lower().str.replace("_", " ").isin(LAND_USE) & ~known
    if report.decide("land_use", lambda: bool(broad.sum() and broad.sum() >= 0.5 * text.notna().sum())):
        table = table.rename(columns={"category": "land_use"})
        report.tally("land_use", value_counts(text[broad]), _land_use_note)
    return table


def _land_use_note(counts: dict[str, int]) -> list[str]:
    return ["the category column holds broad land-use classes ("
            + ", ".join(f"{k} {v}" for k, v in top_counts(counts, 6))
            + "), not kinds of shop: kept as 'land_use'; the shop type is taken from the other columns"]


def unit_categories(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Map ``source_category`` (OSM ``shop=*``, VOA text, survey words) to our taxonomy."""
    from ..analysis.taxonomy import categorise

    if "source_category" not in table:
        for key in ("amenity", "shop", "office", "craft", "leisure"):
            if key in table:
                table["source_category"] = table[key]
                break
    elif "amenity" in table:
        table["source_category"] = table["source_category"].fillna(table["amenity"])
    if "source_category" in table:
        # Other OSM keys fill the gaps as key=value (office=estate_agent), looked up under that key.
        for key in ("office", "craft", "healthcare", "leisure", "tourism"):
            if key in table:
                tagged = key + "=" + table[key].astype("string")
                table["source_category"] = table["source_category"].astype("string").fillna(tagged)
    table = land_use_classes(table, report)
    if "source_category" not in table:
        return table
    given = table["category"] if "category" in table else pd.Series(pd.NA, index=table.index, dtype="string")
    found = per_distinct(table["source_category"], categorise)
    table["category"] = given.astype("string").fillna(found)
    unknown = unmapped_counts(table.loc[table["category"].isna(), "source_category"])
    report.tally("unknown_uses", unknown, _unknown_uses_note)
    return table


def per_distinct(values: pd.Series, each: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``each(values)`` for a function of each value alone, computed once per distinct value and spread back.

    A units file repeats a few hundred uses over a million rows: the text rules of
    :func:`agora.analysis.taxonomy.categorise` run on those few hundred.
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    out = each(pd.Series(uniques, dtype="string"))
    return pd.Series(out.array.take(codes, allow_fill=True), index=values.index)


def unmapped_counts(values: pd.Series) -> dict[str, int]:
    """:func:`agora.analysis.taxonomy.unmapped` as ``{use: rows}``, judging each distinct value once (whether
    a use is unmapped depends on its normalised text alone) and counting its rows."""
    from ..analysis.taxonomy import normalise_values, unmapped

    raw = values.astype("string").value_counts()
    if raw.empty:
        return {}
    distinct = pd.Series(raw.index, dtype="string")
    missed = set(unmapped(distinct).index)
    if not missed:
        return {}
    norm = normalise_values(distinct).to_numpy(dtype=object)
    rows = pd.Series(raw.to_numpy(), index=norm)
    rows = rows[rows.index.isin(missed)]
    return {str(k): int(v) for k, v in rows.groupby(level=0, sort=False).sum().items()}


def _unknown_uses_note(counts: dict[str, int]) -> list[str]:
    if not counts:
        return []
    return [f"{sum(counts.values())} units have a use the shop-type list does not know: "
            + ", ".join(f"{k} ({v})" for k, v in top_counts(counts, 8))]


def footfall_counts(table: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Make ``timestamp``, ``interval``, ``count`` and ``direction`` from a long-form export.

    Negative and non-numeric counts are missing (not zero). The timestamp is the date
    plus the ``hour`` column when there is one.
    """
    if "timestamp" not in table:
        raise_missing(report, "date or timestamp column")
    if "count" not in table:
        raise_missing(report, "count column")
    stamp = dates(table["timestamp"])
    bad = stamp.isna()
    report.reject(table.loc[bad, "_row"], "date not readable")
    table = table.loc[~bad].copy()
    stamp = stamp[~bad]
    if "hour" in table:
        hour = pd.to_numeric(table["hour"].astype("string").str.extract(r"^(\d{1,2})", expand=False), errors="coerce")
        badh = hour.isna() | ~hour.between(0, 23)
        report.reject(table.loc[badh, "_row"], "hour not between 0 and 23")
        table, stamp, hour = table.loc[~badh].copy(), stamp[~badh], hour[~badh]
        table["timestamp"] = stamp.dt.normalize() + pd.to_timedelta(hour, unit="h")
        table["interval"] = table.get("interval", "hour")
    else:
        table["timestamp"] = stamp
        # hourly or daily: decided from the first rows with a date (the first chunk's, in chunks)
        has_time = (report.decide("counts_have_times",
                                  lambda: bool((stamp.dt.hour != 0).any() or (stamp.dt.minute != 0).any()))
                    if len(stamp) else report.decisions.get("counts_have_times", False))
        table["interval"] = table.get("interval", "hour" if has_time else "day")
    given = table["count"]
    if pd.api.types.is_numeric_dtype(given) and not pd.api.types.is_bool_dtype(given):
        count = pd.to_numeric(given)  # numbers already (a Parquet file): nothing to read from text
    else:  # each distinct text once (counts repeat: a few hundred values in a million rows)
        count = per_distinct(given, lambda text: pd.to_numeric(text.str.strip().str.replace(",", "", regex=False),
                                                               errors="coerce"))
    missing = count.isna() | (count < 0)
    if missing.any():
        report.tally("counts_missing", {"rows": int(missing.sum())}, _missing_counts_note)
    table["count"] = count.mask(count < 0)
    if "direction" not in table:
        col = report.columns and next((c for c, t in report.columns.items() if t == "count"), "")
        table["direction"] = "in" if re.search(r"in_?count", str(col), re.I) else "total"
    return table


def _missing_counts_note(n: dict[str, int]) -> list[str]:
    return [f"{n['rows']} counts are missing (empty, negative or not a number); kept as missing, not zero"]


def raise_missing(report: LoadReport, what: str) -> None:
    from .report import LoadError

    found = ", ".join(c for c in report.columns)
    raise LoadError(f"{report.file}: no {what}; found {found}. Map the columns by hand.")


ASSET_WORDS: list[tuple[str, str]] = [
    (r"librar|^(?:lal-?|crl|cl|icl)$", "library"),
    (r"community (?:centre|center|hall)|village hall|social centre|church hall|scout hut|youth (?:centre|club)", "community_centre"),
    (r"\bpubs?\b|public house|\binn\b|^bar$|tavern", "pub"),
    (r"worship|church|chapel|mosque|synagogue|temple|gurdwara|mandir|cathedral|meeting house", "place_of_worship"),
    (r"(?<!super)market", "market"),
    (r"post.?office", "post_office"),
    (r"pharmac|chemist|doctor|\bgp\b|surgery|clinic|health|dentist|hospital|medical", "health"),
    (r"\bpark\b|garden|\bgreen\b|allotment|playground|common|recreation ground|nature reserve", "green_space"),
    (r"toilet|public convenience|\bwc\b|lavator", "toilets"),
]


def asset_category(values: pd.Series) -> pd.Series:
    """Map free-text asset types (and OSM values such as ``community_centre``) to the asset categories of the design."""
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    exact = text.isin(ASSET_CATEGORIES)
    out[exact] = text[exact]
    text = text.str.replace("_", " ", regex=False)
    for pattern, category in ASSET_WORDS:
        hit = out.isna() & text.str.contains(pattern, regex=True).fillna(False)
        out[hit] = category
    return out.where(text.isna() | out.notna(), "other")


ACV_WORDS: list[tuple[str, str]] = [
    (r"unsuccessful|not (?:be )?listed|reject|refus|declin|not accepted|invalid|fail", "unsuccessful"),
    (r"expired|removed|delisted|de-listed|withdrawn|lapsed|\bended\b|^none$|^no$", "none"),
    (r"nominat|pending|under consideration|received|awaiting|in progress|to be decided|review", "nominated"),
    (r"listed|successful|accepted|approved|^yes$|registered", "listed"),
]

#: OSM keys an asset's use may sit under, in the order they are read.
ASSET_KEYS = ("amenity", "leisure", "healthcare", "shop", "office", "tourism", "historic")


def acv_status(values: pd.Series) -> pd.Series:
    """Map an ACV register's decision words ("Listed", "Not listed", "Pending") to the ACV statuses."""
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    for pattern, status in ACV_WORDS:
        hit = out.isna() & text.str.contains(pattern, regex=True).fillna(False)
        out[hit] = status
    return out


def asset_fields(table: pd.DataFrame, report: LoadReport, mapping: dict[str, str]) -> pd.DataFrame:
    """Set ``category`` and ``acv_status`` of assets from the file's own words.

    The category comes from the type column (or OSM ``amenity``/``leisure``/... tags),
    else from the file's name when it names one category ("public_libraries.csv",
    "toilets.csv"). An ACV register's decision gives ``acv_status``; a register with
    listing or expiry dates but no decision column is a list of listed assets. For a
    listed asset without a listing date, its decision date is the listing date.
    """
    if mapping.get("source_category") == "type" and "source_category" in table:  # OSM relation types say nothing
        kind = table["source_category"].astype("string")
        table["source_category"] = kind.mask(kind.str.lower().isin(["multipolygon", "boundary", "site", "route"]))
    for key in ASSET_KEYS:
        if key in table and mapping.get("source_category") != key:
            values = table[key].astype("string").where(~table[key].astype("string").str.lower().isin(["yes", "no"]))
            if "source_category" in table:
                table["source_category"] = table["source_category"].astype("string").fillna(values)
            elif values.notna().any():
                table["source_category"] = values
    stem = Path(report.file).stem.replace("_", " ").replace("-", " ")
    from_name = asset_category(pd.Series([stem], dtype="string")).iloc[0]
    if "category" not in table or table["category"].isna().all():
        if "source_category" in table:
            table["category"] = asset_category(table["source_category"])
        elif "library" in mapping.get("name", "").lower():
            table["category"] = "library"
            report.notes.append("a list of libraries: every row is a library")
        elif from_name != "other":
            table["category"] = from_name
            report.notes.append(f"no asset type column: the file name says every row is {from_name!r}")
        else:
            guess = pd.Series(pd.NA, index=table.index, dtype="string")
            for col in ("description", "name"):
                if col in table:
                    found = asset_category(table[col])
                    guess = guess.fillna(found.mask(found == "other"))
            table["category"] = guess.fillna("other")
            report.notes.append(f"no asset type column: {int(guess.notna().sum())} categories read from descriptions "
                                f"and names, {int(guess.isna().sum())} rows counted as 'other' (choose a category for the file)")
    else:
        table["category"] = asset_category(table["category"]).fillna("other")
    others = table.loc[table["category"].eq("other").fillna(False), "source_category"] if "source_category" in table else None
    if others is not None and len(others):
        top = others.astype("string").str.lower().value_counts().head(6)
        report.notes.append(f"{len(others)} assets of a type outside the asset categories, counted as 'other': "
                            + ", ".join(f"{k} ({v})" for k, v in top.items()))
    for col in ("listed_on", "expires_on", "nominated_on", "decided_on"):
        if col in table:
            table[col] = dates(table[col])
    if "acv_status" in table:
        found = acv_status(table["acv_status"])
        words = table.loc[found.isna() & table["acv_status"].notna(), "acv_status"].astype("string").unique()[:5]
        for word in words:
            report.notes.append(f"ACV decision {word!r} not recognised: status set to 'none'")
        table["acv_status"] = found.fillna("none")
    elif any(c in table for c in ("listed_on", "expires_on")):
        dated = pd.Series(False, index=table.index)
        for col in ("listed_on", "expires_on"):
            if col in table:
                dated |= table[col].notna()
        table["acv_status"] = pd.Series(np.where(dated, "listed", "none"), index=table.index, dtype="string")
        report.notes.append(f"no decision column: {int(dated.sum())} assets with a listing or expiry date taken as listed")
    else:
        table["acv_status"] = "none"
    if "decided_on" in table:
        listed = table["acv_status"].eq("listed").fillna(False)
        given = table["listed_on"] if "listed_on" in table else pd.Series(pd.NaT, index=table.index)
        table["listed_on"] = given.where(given.notna() | ~listed, table["decided_on"])
    return table
