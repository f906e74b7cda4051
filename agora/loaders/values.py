"""Map a file's own values of a column to the values a layer accepts (``False`` -> ``vacant``).

A *value map* is ``{column: {from: to}}``: ``column`` is a canonical column (``status``) or
the file's own column that feeds it (``occupation_state``); ``from`` is a raw value as the
file writes it (compared without case and surrounding spaces); ``to`` is one of the
accepted values of :data:`ACCEPTED`. The loaders apply it before their own word lists,
and guess the maps people nearly always want (:func:`guess_value_map`): ``True``/``False``,
``Y``/``N``, ``1``/``0`` after the column's name (a column called ``vacant`` holding
``True`` means vacant; ``occupied``, ``in_use`` or a plain ``status`` means occupied).
The map used is kept in the load report (``report.value_map``), so the next file with the
same columns can reuse it (:func:`reuse_value_map`).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Iterable

import pandas as pd

from ..layers import ACV_STATUS, DIRECTIONS, OWNERSHIP, STATUS
from .report import LoadError, LoadReport

#: Columns whose values can be mapped, and the values each accepts.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "status": STATUS,
    "ownership": OWNERSHIP,
    "direction": DIRECTIONS,
    "acv_status": ACV_STATUS,
}

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0", "x"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0"})
#: Column names whose "true" means vacant (the others' "true" means occupied).
VACANT_NAME = re.compile(r"vacan|empty|void|disused|unoccupied|closed|to_?let", re.I)
#: Column names whose "true" means a chain (else independent).
CHAIN_NAME = re.compile(r"chain|multiple|national|brand", re.I)


def recognised(column: str, values: pd.Series) -> pd.Series:
    """What the loaders' own word lists make of `values` in `column` (missing where nothing)."""
    from . import normalise as norm
    from .footfall import direction_words

    text = values.astype("string").str.strip().str.lower()
    if column == "status":
        return text.map(norm.STATUS_WORDS, na_action="ignore").astype("string")
    if column == "ownership":
        return norm.ownership_words(values)
    if column == "direction":
        found = direction_words(values)
        return found.where(found.isin(DIRECTIONS))
    if column == "acv_status":
        return norm.acv_status(values)
    raise KeyError(column)


def word_lists() -> dict[str, dict[str, list[str]]]:
    """Every word the loaders recognise without a map: ``{column: {accepted value: [words]}}``.

    ACV decisions are read by pattern; their entries are the regular expressions.
    """
    from . import normalise as norm
    from .footfall import DIRECTION_WORDS

    def invert(words: dict[str, str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for word, value in words.items():
            out.setdefault(value, []).append(word)
        return out

    ownership = invert(norm.OWNERSHIP_WORDS)
    for pattern, value in norm.OWNERSHIP_PATTERNS:
        ownership.setdefault(value, []).append(f"/{pattern}/")
    acv: dict[str, list[str]] = {}
    for pattern, value in norm.ACV_WORDS:
        acv.setdefault(value, []).append(f"/{pattern}/")
    return {"status": invert(norm.STATUS_WORDS), "ownership": ownership, "direction": invert(DIRECTION_WORDS),
            "acv_status": acv}


def _flag_meaning(column: str, input_name: str) -> tuple[str, str] | None:
    """(value for true, value for false) of a yes/no column, judged by its name."""
    if column == "status":
        return ("vacant", "occupied") if VACANT_NAME.search(input_name) else ("occupied", "vacant")
    if column == "ownership":
        return ("chain", "independent") if CHAIN_NAME.search(input_name) else ("independent", "chain")
    if column == "acv_status":
        return ("listed", "none")
    return None


def guess_value_map(column: str, values: Iterable[Any], input_name: str | None = None) -> dict[str, str]:
    """The map the loaders would use for the distinct `values` of `column`.

    Parameters
    ----------
    column : str
        Canonical column (a key of :data:`ACCEPTED`).
    values : iterable
        Raw values as the file writes them.
    input_name : str, optional
        The file's name for the column (``vacant``, ``occupied``...): it decides what
        ``True``/``Y``/``1`` mean.

    Returns
    -------
    dict
        Raw value -> accepted value, for every value a guess was made for; values with
        no guess are left out (the loaders count them as unknown, or reject the row).
    """
    raw = pd.Series([v for v in dict.fromkeys(values) if v is not None and not pd.isna(v)], dtype="object")
    if raw.empty:
        return {}
    text = raw.astype(str).str.strip()
    found = recognised(column, text)
    flags = _flag_meaning(column, input_name or column)
    out: dict[str, str] = {}
    for value, low, hit in zip(text, text.str.lower(), found):
        if flags and low in TRUE_WORDS:
            out[value] = flags[0]
        elif flags and low in FALSE_WORDS:
            out[value] = flags[1]
        elif hit is not None and not pd.isna(hit):
            out[value] = str(hit)
    return out


def clean_value_map(value_map: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]]:
    """`value_map` with its values as stripped text."""
    out: dict[str, dict[str, str]] = {}
    for column, pairs in (value_map or {}).items():
        out[column] = {}
        for raw, target in pairs.items():
            out[column][str(raw).strip()] = str(target).strip()
    return out


def apply_value_maps(table: pd.DataFrame, mapping: dict[str, str], value_map: dict[str, dict[str, str]] | None,
                     report: LoadReport) -> pd.DataFrame:
    """Replace raw values by accepted ones in every mappable column of `table`.

    Parameters
    ----------
    table : DataFrame
        Columns already renamed to canonical names.
    mapping : dict
        Canonical column -> input column (what :func:`agora.loaders.columns.match_columns` chose).
    value_map : dict, optional
        ``{column: {from: to}}`` chosen by a person; ``column`` is canonical or an input
        column name. Wins over the guesses.
    report : LoadReport
        Receives the map used (``value_map``) and a note for each guess.

    Raises
    ------
    LoadError
        When a map names a column the file does not have, or a target the column does not accept.
    """
    given = clean_value_map(value_map)
    by_input = {col: target for target, col in mapping.items()}
    user: dict[str, dict[str, str]] = {}
    for column, pairs in given.items():
        canonical = column if column in ACCEPTED else by_input.get(column, column)
        if canonical not in ACCEPTED:
            raise LoadError(f"{report.file}: values of {column!r} cannot be mapped; map values of "
                            f"{', '.join(ACCEPTED)}.")
        for raw, target in pairs.items():
            if target not in ACCEPTED[canonical]:
                raise LoadError(f"{report.file}: {column}:{raw}={target}: {target!r} is not one of "
                                f"{', '.join(ACCEPTED[canonical])}.")
        user.setdefault(canonical, {}).update(pairs)
    for canonical in ACCEPTED:
        if canonical not in table:
            if canonical in user and canonical != "direction":
                raise LoadError(f"{report.file}: a value map for {canonical!r}, but no column is read as "
                                f"{canonical}; map one with --map COLUMN={canonical}.")
            continue
        values = table[canonical]
        raw = values.astype("string").str.strip()
        distinct = raw.dropna().unique().tolist()
        input_name = mapping.get(canonical, canonical)
        guessed = guess_value_map(canonical, distinct, input_name)
        own = dict(zip(distinct, recognised(canonical, pd.Series(distinct, dtype="string"))))
        # Only the guesses that change what the word lists would do are applied (and said).
        changes = {v: t for v, t in guessed.items() if pd.isna(own.get(v)) or own.get(v) != t}
        lower_user = {k.lower(): v for k, v in user.get(canonical, {}).items()}
        used: dict[str, str] = {}
        for value in distinct:
            if value.lower() in lower_user:
                used[value] = lower_user[value.lower()]
            elif value in changes:
                used[value] = changes[value]
        auto = {v: t for v, t in used.items() if v.lower() not in lower_user}
        report.tally(f"values_guessed:{canonical}", [f"{v}\x00{t}" for v, t in auto.items()],
                     _guess_note(canonical, input_name))
        if used:
            table[canonical] = raw.map(lambda v: used.get(v, v) if isinstance(v, str) else v).astype("string")
            report.value_map[canonical] = dict(used)
    return table


def _guess_note(canonical: str, input_name: str) -> partial:
    return partial(_guess_note_text, canonical, input_name)


def _guess_note_text(canonical: str, input_name: str, pairs: list[str]) -> list[str]:
    if not pairs:
        return []
    return [f"{canonical} values guessed from the column {input_name!r}: "
            + ", ".join(f"{v!r} -> {t}" for v, t in (p.split("\x00", 1) for p in pairs))
            + f" (change with --value {canonical}:FROM=TO)"]


def reuse_value_map(reports: Iterable[dict], columns: Iterable[str]) -> dict[str, dict[str, str]]:
    """The value map of the saved report that best fits a new file's `columns`.

    Parameters
    ----------
    reports : iterable of dict
        Saved load reports (``LoadReport.to_dict()``), oldest first.
    columns : iterable of str
        The new file's columns.

    Returns
    -------
    dict
        ``{column: {from: to}}`` keyed by the new file's own column names, from the most
        recent report whose mapped columns the new file all has (a report read from the
        same set of columns wins); ``{}`` when none fits.
    """
    columns = [c for c in columns if c != "_row"]
    have = set(columns)
    best: tuple[int, int, dict] | None = None
    for order, report in enumerate(reports):
        value_map = report.get("value_map") or {}
        if not value_map:
            continue
        feeds = {target: col for col, target in (report.get("columns") or {}).items()}
        out = {}
        for canonical, pairs in value_map.items():
            col = feeds.get(canonical, canonical)
            if col not in have:
                out = None
                break
            out[col] = dict(pairs)
        if not out:
            continue
        same = int(set(report.get("columns") or {}) - {"geometry"} <= have and
                   have <= set(report.get("columns") or {}) | {"geometry"})
        key = (same, order, out)
        if best is None or key[:2] >= best[:2]:
            best = key
    return best[2] if best else {}


def parse_value_options(items: list[str], flag: str = "--value") -> dict[str, dict[str, str]]:
    """Parse ``COLUMN:FROM=TO`` items into a value map (LoadError on a malformed one)."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        column, sep, rest = item.partition(":")
        if not sep or "=" not in rest or not column.strip():
            raise LoadError(f"{flag} {item!r}: write COLUMN:FROM=TO, e.g. status:False=vacant")
        raw, target = rest.rsplit("=", 1)
        out.setdefault(column.strip(), {})[raw.strip()] = target.strip()
    return out
