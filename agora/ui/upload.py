"""Uploading a file on the Data page: read, map columns and values, validate, confirm doubtful
guesses, find centres, save and undo the last save.

An upload is copied to a temporary file on disk (:func:`spill`) and read from there, so
the loaders stream it rather than hold more copies in memory. Only small results are
cached for everyone (the first rows, the guessed layer, distinct values of short
columns); the validated layer is kept for this session alone, one at a time
(:func:`validate`), and goes with the session.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..layers import LAYERS, get_layer
from ..loaders import LoadError, LoadResult, as_coverage, read_source
from ..loaders.centres_found import assign_found, centres_result, find_centres
from ..loaders.columns import COORD_ALIASES, match_columns
from ..loaders.guess import LayerGuess, guess, guess_layer, rows_unusual
from ..loaders.read import layer_names
from ..loaders.values import ACCEPTED, guess_value_map, reuse_value_map
from ..service import DataService
from .data import service
from .widgets import md_escape

KEEP = "(keep as is)"
IGNORE = "ignore"
#: Where uploads are spilled; files older than :data:`SPILL_MAX_AGE` seconds are removed.
SPILL_DIR = Path(tempfile.gettempdir()) / "agora-uploads"
SPILL_MAX_AGE = 24 * 3600
_CHUNK = 1 << 20


def spill(file) -> Path:
    """Copy an uploaded file (a Streamlit ``UploadedFile``) to a temporary file, chunk by chunk.

    The same upload gives the same path; this session's previous upload is removed.
    """
    SPILL_DIR.mkdir(exist_ok=True)
    key = hashlib.sha256(f"{file.file_id}|{file.name}|{file.size}".encode()).hexdigest()[:32]
    path = SPILL_DIR / f"{key}{Path(file.name).suffix.lower()}"
    if not path.exists():
        _forget_old()
        tmp = path.with_suffix(".part")
        file.seek(0)
        with tmp.open("wb") as out:
            while chunk := file.read(_CHUNK):
                out.write(chunk)
        tmp.replace(path)
    previous = st.session_state.get("_agora_spilled")
    if previous and previous != str(path):
        Path(previous).unlink(missing_ok=True)
        st.session_state.pop("_agora_validated", None)
    st.session_state["_agora_spilled"] = str(path)
    return path


def _forget_old() -> None:
    cutoff = time.time() - SPILL_MAX_AGE
    for old in SPILL_DIR.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


def layers_in(path: Path) -> list[str]:
    """The layers of a GeoPackage (empty for other formats)."""
    return layer_names(path) if path.suffix == ".gpkg" else []


@st.cache_data(show_spinner="Reading the file…", max_entries=16)
def inspect(path: str, filename: str, layer_name: str | None = None,
            ) -> tuple[pd.DataFrame | None, str | None, str | None]:
    """Read a spilled upload: (first rows for the column editor, guessed layer, error message)."""
    try:
        table, _ = read_source(path, filename, layer_name=layer_name)
    except LoadError as exc:
        return None, None, str(exc)
    sample = pd.DataFrame(table.drop(columns=[table.geometry.name]) if hasattr(table, "geometry") else table).head(5)
    return sample.astype("string"), guess_layer(table), None


def validate(path: str, filename: str, layer: str, column_map: tuple, defaults: tuple,
             ws_path: str, version: int, layer_name: str | None = None, value_map: tuple = (),
             require_geometry: bool = True, postcodes: bytes | None = None) -> tuple[LoadResult | None, str | None]:
    """Load a spilled upload as `layer` against the saved centres; (result, None) or (None, error message).

    `value_map` is ``((column, ((from, to), ...)), ...)``; `postcodes` the bytes of a
    postcode lookup CSV. The result is kept in this session only, one at a time, so
    reruns of the page do not load the file again; a new upload or other options replace it.
    """
    key = (path, filename, layer, column_map, defaults, ws_path, version, layer_name, value_map, require_geometry,
           postcodes)
    kept = st.session_state.get("_agora_validated")
    if kept is not None and kept[0] == key:
        return kept[1]
    st.session_state.pop("_agora_validated", None)  # free the old result before loading the new one
    bar = ProgressBar("Validating…")
    try:
        options = {"value_map": {col: dict(pairs) for col, pairs in value_map},
                   "require_geometry": require_geometry, "filename": filename, "column_map": dict(column_map),
                   "defaults": dict(defaults), "layer_name": layer_name}
        if postcodes:
            options["postcodes"] = read_source(postcodes, "postcodes.csv")[0]
        # units and footfall counts are read in chunks (agora.loaders.chunks), the bar following them
        outcome = service().load_stream(path, layer, progress=bar, **options).collect(), None
    except LoadError as exc:
        outcome = None, str(exc)
    finally:
        bar.done()
    st.session_state["_agora_validated"] = (key, outcome)
    return outcome


class ProgressBar:
    """A progress bar (``st.progress``) to pass as ``progress(done, message)`` to the loaders and the data service.

    The message, which names the file, is escaped; the bar never goes back; :meth:`done` removes it.
    """

    def __init__(self, text: str) -> None:
        self.shown = 0.0
        self.bar = st.progress(0.0, text=md_escape(text))

    def __call__(self, done: float, message: str) -> None:
        self.shown = max(self.shown, min(max(done, 0.0), 1.0))
        self.bar.progress(self.shown, text=md_escape(message))

    def done(self) -> None:
        self.bar.empty()


# --------------------------------------------------------------------------------------
# What the file looks like: the guess, its size, the values of mappable columns
# --------------------------------------------------------------------------------------
@dataclass
class Details:
    """What the Data page needs to know about an upload beyond its first rows."""

    guess: LayerGuess
    rows: int
    columns: list[str]
    has_positions: bool
    distinct: dict[str, list[str]] = field(default_factory=dict)


@st.cache_data(show_spinner=False, max_entries=8)
def details(path: str, filename: str, layer_name: str | None = None) -> Details | None:
    """The layer guess (with its confidence and reason), row count and distinct values of short columns."""
    try:
        table, _ = read_source(path, filename, layer_name=layer_name)
    except LoadError:
        return None
    columns = [c for c in table.columns if c != "_row" and c != getattr(table, "_geometry_column_name", None)]
    roles = match_columns(columns, "units")
    has_positions = isinstance(table, gpd.GeoDataFrame) or bool(set(roles) & set(COORD_ALIASES))
    distinct = {}
    for col in columns:
        values = table[col].dropna().astype(str).str.strip()
        uniques = values.unique()
        if 0 < len(uniques) <= 40:
            distinct[col] = sorted(uniques.tolist(), key=lambda v: -int((values == v).sum()))
    return Details(guess(table), len(table), columns, has_positions, distinct)


def confirmation_reasons(found: Details, layer: str) -> list[str]:
    """Why saving `layer` should be confirmed: a doubtful guess kept, or a row count unusual for it."""
    reasons = []
    if layer == found.guess.layer and not found.guess.sure:
        reasons.append(f"the guess is not sure ({found.guess.confidence:.0%}): {found.guess.reason}")
    unusual = rows_unusual(layer, found.rows)
    if unusual:
        reasons.append(unusual)
    return reasons


def guess_caption(found: Details | None) -> None:
    """Say what the layer guess rests on and how sure it is."""
    if found is not None:
        label = get_layer(found.guess.layer).label
        st.caption(md_escape(f"Guessed as {label} ({found.guess.confidence:.0%} sure): {found.guess.reason}."))


def confirm_box(found: Details | None, layer: str, key: str) -> bool:
    """A checkbox a person ticks when the layer is doubtful; True when saving may go ahead."""
    if found is None:
        return True
    reasons = confirmation_reasons(found, layer)
    if not reasons:
        return True
    st.warning(md_escape("Check before saving: " + "; ".join(reasons) + "."), icon=":material/help:")
    return st.checkbox(f"Yes, this file is {get_layer(layer).label.lower()}", key=key)


# --------------------------------------------------------------------------------------
# Value mapping
# --------------------------------------------------------------------------------------
AS_READ = "(as read)"


def value_rows(found: Details, layer: str, column_map: dict[str, str],
               saved: dict[str, dict[str, str]] | None = None) -> dict[str, pd.DataFrame]:
    """For each mappable column of `layer` the file has: its distinct values beside the value each
    will become (the loaders' guess, or a map saved with an earlier file of the same columns)."""
    spec = get_layer(layer)
    chosen = match_columns(found.columns, spec.name, column_map)
    out = {}
    for canonical in ACCEPTED:
        if canonical not in spec.columns or canonical not in chosen:
            continue
        col = chosen[canonical]
        values = found.distinct.get(col)
        if not values:
            continue
        guessed = {**guess_value_map(canonical, values, col), **(saved or {}).get(col, {})}
        out[canonical] = pd.DataFrame({"value in the file": values,
                                       "becomes": [guessed.get(v, AS_READ) for v in values]})
    return out


def value_map_from(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """The value map chosen in the editors (rows left "(as read)" are left to the loaders)."""
    return {canonical: {r["value in the file"]: r["becomes"] for r in table.to_dict("records")
                        if r["becomes"] and r["becomes"] != AS_READ}
            for canonical, table in tables.items()}


def value_editor(found: Details | None, layer: str, column_map: dict[str, str], saved_reports: list[dict],
                 key: str) -> dict[str, dict[str, str]]:
    """Editable tables of the file's values of its status, ownership, direction or ACV status column
    beside the accepted values; returns the value map chosen."""
    if found is None:
        return {}
    saved = reuse_value_map(saved_reports, found.columns)
    tables = value_rows(found, layer, column_map, saved)
    edited = {}
    for canonical, table in tables.items():
        st.markdown(f"**Values of `{canonical}`** — accepted: {', '.join(ACCEPTED[canonical])}"
                    + (" (filled in from an earlier file with the same columns)" if saved else ""))
        edited[canonical] = st.data_editor(
            table, key=f"{key}-{canonical}", hide_index=True, width="stretch", disabled=["value in the file"],
            column_config={"becomes": st.column_config.SelectboxColumn(
                "becomes", options=[AS_READ, *ACCEPTED[canonical]], required=True)},
        )
    return value_map_from(edited)


def value_map_key(value_map: dict[str, dict[str, str]]) -> tuple:
    """A value map as a hashable cache key for :func:`validate`."""
    return tuple(sorted((col, tuple(sorted(pairs.items()))) for col, pairs in value_map.items()))


# --------------------------------------------------------------------------------------
# Surveys without positions
# --------------------------------------------------------------------------------------
def no_position_options(found: Details | None, layer: str, centres: pd.DataFrame, key: str) -> dict:
    """For a units file without coordinates: the centre its rows belong to and an optional postcode lookup.

    Returns the extra options for :func:`validate` (``defaults``, ``require_geometry``, ``postcodes``).
    """
    if found is None or found.has_positions or layer != "units":
        return {}
    st.info("This file has no coordinates. Its units can still count in every figure that needs no map "
            "(vacancy, clone town, diversity) for a centre you choose; a postcode lookup places them on the map.",
            icon=":material/info:")
    names = dict(zip(centres["centre_id"].astype(str), centres["name"].astype(str))) if len(centres) else {}
    if not names:
        return {}
    centre = st.selectbox("Centre these units belong to", list(names), format_func=lambda c: names[c],
                          key=f"{key}-centre")
    lookup = st.file_uploader("Postcode lookup (optional): a CSV of postcode, lat, lon, such as an extract of "
                              "the ONS Postcode Directory", type=["csv"], key=f"{key}-postcodes")
    return {"defaults": {"centre_id": centre}, "require_geometry": False,
            "postcodes": lookup.getvalue() if lookup is not None else None}


# --------------------------------------------------------------------------------------
# Finding centres, saving and undoing
# --------------------------------------------------------------------------------------
def find_centres_option(result: LoadResult, key: str) -> bool:
    """Offer to find the centres among the rows of a units file that fall in no centre."""
    data = result.data
    if result.report.layer != "units" or not result.report.outside_centres or not isinstance(data, gpd.GeoDataFrame):
        return False
    wanted = st.checkbox(f"Find centres in this file (dense clusters of at least 10 of its "
                         f"{result.report.outside_centres:,} units outside every centre, gaps under 150 m)",
                         key=key, help="Each centre is named after its most common street; see the README for the "
                                       "method. The centres are saved first, then the units assigned to them.")
    if not wanted:
        return False
    found = find_centres(data[data["centre_id"].isna()])
    if found.centres.empty:
        st.warning("No centre found: no 10 of these units lie within 150 m of each other in a chain.",
                   icon=":material/warning:")
        return False
    rows = found.summary()
    st.caption(md_escape(f"{len(rows)} centres found: " + ", ".join(f"{r['name']} ({r['units']} units)"
                                                                     for r in rows[:8])
                         + (" …" if len(rows) > 8 else "")))
    return True


def save_upload(ws: DataService, result: LoadResult, *, source: str, replace: bool, centre_name: str | None = None,
                find: bool = False) -> list[tuple[str, str]]:
    """Save an upload (with centres found or drawn around it); returns ``(layer, dataset_id)`` of each save.

    The list is also kept in the session so that :func:`undo_button` can remove it.
    """
    saved: list[tuple[str, str]] = []
    if find:
        outside = result.data[result.data["centre_id"].isna()]
        found = find_centres(outside, taken=set(ws.centres()["centre_id"].dropna()))
        centres = ws.save(centres_result(found, result.report.file), source=f"centres found in {source}")
        saved.append(("centres", centres.dataset_id))
        result = assign_found(result, found)
    elif centre_name:
        before = {d.dataset_id for d in ws.datasets("centres")}
        result = ws.draw_centre(result, centre_name)
        saved += [("centres", d.dataset_id) for d in ws.datasets("centres") if d.dataset_id not in before]
    bar = ProgressBar(f"Saving {source}…")
    try:
        dataset = ws.save(result, source=source, replace=replace, progress=bar)
    finally:
        bar.done()
    saved.append((result.report.layer, dataset.dataset_id))
    st.session_state["agora_last_save"] = {"items": saved, "source": source, "replaced": replace,
                                           "rows": len(result.data), "layer": result.report.layer}
    return saved


def undo_button(ws: DataService, on_undo=None) -> None:
    """A button removing the datasets of the last save in one click."""
    last = st.session_state.get("agora_last_save")
    if not last:
        return
    st.success(md_escape(f"Saved {last['rows']:,} rows of {last['source']} as {get_layer(last['layer']).label.lower()}"
                         + (f" (and {len(last['items']) - 1} centre dataset)" if len(last["items"]) > 1 else "")
                         + "."), icon=":material/check:")
    what = ", ".join(f"{get_layer(layer).label.lower()}" for layer, _ in last["items"])
    note = " (what it replaced is not brought back)" if last.get("replaced") else ""
    if st.button(f"Undo the last save: {md_escape(last['source'])} ({what}){note}", icon=":material/undo:",
                 key="undo-last-save"):
        for layer, dataset_id in last["items"]:
            ws.workspace.delete(layer, dataset_id)
        ws.refresh()  # the derived tables once, for everything removed
        st.session_state.pop("agora_last_save", None)
        if on_undo is not None:
            on_undo()
        st.rerun()


def column_editor(sample: pd.DataFrame, layer: str, key: str) -> dict[str, str]:
    """An editable table of input column -> canonical column; returns the map a person chose."""
    columns = [c for c in sample.columns if c != "_row"]
    auto = {col: target for target, col in match_columns(columns, layer).items()}
    targets = [KEEP, IGNORE, *get_layer(layer).columns, *COORD_ALIASES, "hour"]
    table = pd.DataFrame({
        "column": columns,
        "example": [next((v for v in sample[c] if pd.notna(v)), "") for c in columns],
        "maps to": [auto.get(c, KEEP) for c in columns],
    })
    edited = st.data_editor(
        table, key=key, hide_index=True, width="stretch", disabled=["column", "example"],
        column_config={"maps to": st.column_config.SelectboxColumn("maps to", options=targets, required=True)},
    )
    return {r["column"]: r["maps to"] for _, r in edited.iterrows() if r["maps to"] != auto.get(r["column"], KEEP)
            and r["maps to"] != KEEP}


def layer_options() -> list[str]:
    """Layer names in the order people think of them."""
    return list(LAYERS)


COVERAGE_CHOICES = {
    "Detect it": None,
    "A full survey of the centre": "full",
    "An update of the units it covers": "update",
}


def survey_coverage(result: LoadResult, key: str) -> LoadResult:
    """For units: ask whether the file is a full survey or an update of some units; return it marked so.

    "Detect it" leaves the rows unmarked: a survey covering fewer than 60% of the units
    known before it counts as an update (:mod:`agora.analysis.surveys`).
    """
    if result.report.layer != "units":
        return result
    choice = st.radio("This file is", list(COVERAGE_CHOICES), key=key, horizontal=True,
                      help="An update changes only the units it covers; the other units keep their last known state. "
                           "Detected: fewer than 60% of the units known before means an update.")
    coverage = COVERAGE_CHOICES[choice]
    return result if coverage is None else as_coverage(result, coverage)
