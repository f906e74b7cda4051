"""Load a large units or footfall counts file in chunks: the same rows and report as :func:`~agora.loaders.load`,
in bounded memory.

>>> from agora.loaders.chunks import LoadStream
>>> stream = LoadStream("national_units.csv", "units", centres=centres)   # doctest: +SKIP
>>> for part in stream:                                                # doctest: +SKIP
...     write(part.data)                                                   # each chunk's loaded rows
>>> stream.report.summary()                                            # doctest: +SKIP

A units CSV/TSV is read :data:`CHUNK_ROWS` rows at a time (:func:`agora.loaders.read.read_csv_chunks`);
footfall counts from a CSV/TSV the same way, or from a Parquet file in batches of as many rows
(:func:`agora.loaders.read.read_parquet_chunks`), each chunk given the ids of the saved sites
(``sites=``, :func:`agora.loaders.footfall.link_to_sites`). Each chunk goes through the very
functions a whole-file load uses (:func:`agora.loaders.canonical.load_table`); the chunks'
reports add up to the whole file's (:func:`agora.loaders.report.merge_reports`): rows read,
kept and rejected (with their row numbers in the file), rows outside every centre, duplicate
readings, value maps, and notes made from counts, which are counted over every chunk.

What needs the whole file, and how each is handled:

* **encoding** is checked over every byte before the first chunk (as for a whole file);
  the **separator** is sniffed from the first 64 KiB (as for a whole file);
* **column mapping** depends on the header only: the same for every chunk;
* **decisions from most rows** (coordinates in metres or degrees, latitude and
  longitude swapped; names that are addresses; a category column of broad land-use
  classes; whether the status column holds values; a ``type`` column of OSM element
  types; hourly or daily counts; the sensor columns of a wide counts table) are taken
  from the **first chunk** (the first with coordinates, for coordinates; the first with
  a date, for counts) and followed by every other
  (:meth:`~agora.loaders.report.LoadReport.decide`). A file whose first :data:`CHUNK_ROWS`
  rows differ in kind from the rest is loaded as its first rows say; a whole-file load
  would decide from all rows;
* **repeated unit ids** are found by a cheap pass over the id and date columns alone (read
  by the reader's check of every line, looked at on a thread while the first chunks load:
  no chunk is given before the pass is done); a file that repeats an id is loaded whole
  (telling the rows apart needs them all), as is a file whose first chunk has OSM tag-set columns
  (``other_tags``) or OSM element types beside ids (made into ids such as ``way/101``
  from two columns), a load placing rows by postcode, a GeoParquet file, and every layer
  but units and footfall counts (:func:`why_whole`);
* **repeated footfall readings** (the same site, time, interval and direction) within a
  chunk are resolved there as in a whole file; one repeated in another chunk is found
  after the last chunk (a 64-bit hash of each reading's key is kept, 8 bytes a row), and
  then the file is loaded whole (:class:`Restart`: the last row in the file must win);
* a chunk keeping no row is no error; the file is refused, with the whole-file
  message, when no chunk keeps a row or every chunk has no coordinates.

Progress is told through ``progress(done, message)``, ``done`` the share of the file's
lines (or Parquet rows) read (0 to 1, never decreasing; a CSV's lines are counted first).
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import geopandas as gpd
import pandas as pd

from ..layers import Layer, get_layer
from . import osm
from .canonical import load, load_table
from .columns import match_columns
from .footfall import link_to_sites, repeats
from .read import PARQUET_EXT, TABLE_EXT, is_geoparquet, read_csv_chunks, read_parquet_chunks
from .report import LoadError, LoadResult, merge_reports

#: Rows read at a time (about 100 MB of memory for a units file of a dozen columns).
CHUNK_ROWS = 200_000

Progress = Callable[[float, str], None]


#: The layers read in chunks, and the file types each is read in chunks from.
CHUNKED = {"units": TABLE_EXT, "footfall_counts": TABLE_EXT | PARQUET_EXT}


class Restart(Exception):
    """Iterating a :class:`LoadStream` found, after its last chunk, that the file must be loaded whole.

    The chunks given so far are to be thrown away (:attr:`LoadStream.whole` says why);
    iterating the stream again gives the whole file as one chunk. Footfall counts raise
    it when the same reading (site, time, interval, direction) is in two chunks.
    """


def why_whole(source, spec: Layer, options: dict) -> str | None:
    """Why `source` is loaded whole rather than in chunks (None: it can be chunked)."""
    if spec.name not in CHUNKED:
        return f"{spec.label.lower()} are loaded whole"
    if not isinstance(source, (str, os.PathLike)):
        return "only files on disk are read in chunks"
    name = options.get("filename") or Path(source).name
    ext = Path(name).suffix.lower()
    if ext not in CHUNKED[spec.name]:
        return ("only CSV, TSV and Parquet files are read in chunks" if spec.name == "footfall_counts"
                else "only CSV and TSV files are read in chunks")
    if ext in PARQUET_EXT and is_geoparquet(source):
        return "a GeoParquet file is loaded whole"
    if options.get("postcodes") is not None:
        return "rows placed by postcode are loaded whole"
    return None


class LoadStream:
    """A units or footfall counts file loaded chunk by chunk; iterate for each chunk's :class:`LoadResult`.

    Parameters
    ----------
    source : path
        The file (a CSV or TSV is read in chunks, and for footfall counts a Parquet
        file; anything else is loaded whole and comes as one chunk: :func:`why_whole`).
    layer : str or Layer
        The layer to load it as.
    chunk_rows : int, optional
        Rows per chunk (default :data:`CHUNK_ROWS`).
    progress : callable, optional
        ``progress(done, message)`` after each chunk, ``done`` from 0 to 1.
    sites : DataFrame, optional
        Footfall counts: the saved sites, whose ids the counts take (matched by id or name).
    **options
        As :func:`agora.loaders.load` (``filename``, ``column_map``, ``centres``...).

    Attributes
    ----------
    report : LoadReport
        The whole file's report, once every chunk has been read.
    whole : str or None
        Why the file was loaded whole (None when it was read in chunks).
    coverage : str or None
        ``full`` or ``update``: every chunk is marked so (:func:`agora.loaders.as_coverage`).
    notes : list of str
        Notes added to the whole file's report after the loaders' own.

    Raises
    ------
    Restart
        From iterating, after the last chunk, when footfall counts repeat a reading in two
        chunks: throw the chunks away and iterate again for the whole file (as
        :meth:`collect` and :func:`agora.store.workspace.write_chunks` do).
    """

    def __init__(self, source, layer: str | Layer, *, chunk_rows: int | None = None,
                 progress: Progress | None = None, sites: pd.DataFrame | None = None, **options) -> None:
        self.source = source
        self.spec = layer if isinstance(layer, Layer) else get_layer(layer)
        self.sites = sites
        self.chunk_rows = chunk_rows or CHUNK_ROWS
        self.progress = progress
        self.options = options
        self.name = options.get("filename") or (Path(source).name if isinstance(source, (str, os.PathLike))
                                                 else "upload")
        self.whole = why_whole(source, self.spec, options)
        self.coverage: str | None = None
        self.notes: list[str] = []
        self._report = None
        self._repeats: bool | None = None
        self._pending: Iterator[LoadResult | None] | None = None
        self._known: dict = {}  # what reading the file found, for its next read (read_csv_chunks)
        if self.spec.name == "units":
            self._known["keep"] = self._id_columns  # read with the first read's check of every line

    @property
    def report(self):
        if self._report is None:
            raise RuntimeError("the report is known once every chunk has been read")
        return self._report

    def __iter__(self) -> Iterator[LoadResult]:
        self._report = None
        if self._pending is not None:  # the first chunk, loaded by head(), and the chunks after it
            parts, self._pending = self._pending, None
        elif self.whole is None:
            parts = self._chunks()
        else:
            parts = iter(())
        reports = []
        for result in parts:
            if result is None:  # the file has to be loaded whole after all
                reports = []
                break
            reports.append(result.report)
            yield self._marked(result)
        else:
            if reports:
                keys = reports[0].decisions.pop("reading_keys", None)
                if keys is not None and repeats(keys):
                    self.whole = "the same reading (site, time and direction) is in two chunks"
                    raise Restart(self.whole)
                self._report = self._finish(reports)
                return
        self._known.pop("kept", None)  # columns kept for a pass over the ids that is not made
        self._tell(0.0, f"{self.name}: reading the whole file ({self.whole})")
        result = self._linked(load(self.source, self.spec, **self.options))
        result.report.notes.extend(self.notes)
        if self.coverage is not None:
            from . import as_coverage

            result = as_coverage(result, self.coverage)
        self._report = result.report
        self._tell(1.0, f"{self.name}: {result.report.rows_read:,} rows read")
        yield result

    def head(self) -> LoadResult:
        """The first chunk, loaded on its own (its columns, value map...): the whole file when it is not
        read in chunks (then :attr:`whole` says why)."""
        progress, self.progress = self.progress, None  # told when the file is loaded for good
        try:
            if self.whole is None:
                parts = self._chunks()
                first = next(parts, None)
                if first is not None:  # iterating goes on from there (the first chunk is not loaded twice)
                    self._pending = itertools.chain([first], parts)
                    return first
            self._known.pop("kept", None)
            return self._linked(load(self.source, self.spec, **self.options))
        finally:
            self.progress = progress

    def collect(self) -> LoadResult:
        """Every chunk in one :class:`LoadResult` (what :func:`agora.loaders.load` returns)."""
        try:
            parts = [result.data for result in self]
        except Restart:
            parts = [result.data for result in self]
        data = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if isinstance(parts[0], gpd.GeoDataFrame):
            data = gpd.GeoDataFrame(data, geometry="geometry", crs=parts[0].crs)
        return LoadResult(data=data, report=self.report)

    # --------------------------------------------------------------------------
    def _linked(self, result: LoadResult) -> LoadResult:
        """Footfall counts given the ids of the saved sites (:func:`~agora.loaders.footfall.link_to_sites`)."""
        if self.spec.name == "footfall_counts" and self.sites is not None:
            return link_to_sites(result, self.sites)
        return result

    def _tell(self, done: float, message: str) -> None:
        if self.progress is not None:
            self.progress(done, message)

    def _marked(self, result: LoadResult) -> LoadResult:
        """A chunk marked with the coverage (said once, in the whole file's report)."""
        if self.coverage is None:
            return result
        data = result.data.copy()
        data["coverage"] = pd.Series(self.coverage, index=data.index, dtype="string")
        return LoadResult(data=data, report=result.report)

    def _chunks(self) -> Iterator[LoadResult | None]:
        """Each chunk loaded; None (once) when the file must be loaded whole after all."""
        decisions: dict = {"in_chunks": True}
        counts = self.spec.name == "footfall_counts"
        if counts:
            decisions["reading_keys"] = []  # each chunk's readings, to find one repeated in another chunk
        options = {k: v for k, v in self.options.items() if k not in ("filename", "layer_name")}
        renamed: dict[str, str] | None = None
        repeats: Future | None = None
        rows = 0
        if Path(self.name).suffix.lower() in PARQUET_EXT:
            self._tell(0.0, f"{self.name}: reading")
            chunks = read_parquet_chunks(self.source, self.name, chunk_rows=self.chunk_rows)
        else:
            self._tell(0.0, f"{self.name}: checking the encoding")
            chunks = read_csv_chunks(self.source, self.name, chunk_rows=self.chunk_rows, known=self._known)
        held: list[tuple[LoadResult, float]] = []  # loaded while the pass over the ids runs, not yet given
        chunks = iter(chunks)
        while True:
            try:
                item = next(chunks, None)
                if item is None:
                    break
                table, notes, done = item
                if renamed is None:  # the first chunk
                    if any(str(c).lower() in osm.TAG_COLUMNS for c in table.columns):
                        self.whole = "tag sets spread into columns differ from chunk to chunk"
                        yield None
                        return
                    before = list(table.columns)
                    table = osm.rename_element_type(table, notes)  # an OSM element type column, judged from this chunk
                    if len(table.columns) != len(before) or ("osm_id" in table.columns and "osm_id" not in before):
                        # ids joined with their element type (way/1) from two columns: more than a rename
                        self.whole = "OSM element types and ids are joined from two columns"
                        yield None
                        return
                    renamed = dict(zip(before, table.columns))
                    # the pass over the ids runs beside the first chunks' load (mostly Arrow's work, without the
                    # GIL); no chunk is given before the pass has found no repeated id
                    repeats = None if counts else self._repeats_beside(table, options)
                else:
                    table = table.rename(columns=renamed)
                result = self._linked(load_table(table, notes, self.name, self.spec, decisions=decisions, **options))
            except Exception:
                if repeats is not None and repeats.result():  # the pass's own error first, as when it ran before
                    self.whole = "the file repeats unit ids"
                    yield None
                    return
                for part, at in held:  # what was loaded before the error is given before it, as it was
                    rows += part.report.rows_read
                    self._tell(at, f"{self.name}: {rows:,} rows read")
                    yield part
                raise
            held.append((result, done))
            if repeats is not None:
                if not repeats.done() and len(held) < 2:
                    continue  # the next chunk is loaded while the pass goes on (one chunk held at most)
                if repeats.result():
                    self.whole = "the file repeats unit ids"
                    yield None
                    return
                repeats = None
                if not {"unit_id", "observed_on"} & set(options.get("defaults") or {}):
                    decisions["ids_apart"] = True  # the next chunks need not look for repeated ids
            for part, at in held:
                rows += part.report.rows_read
                self._tell(at, f"{self.name}: {rows:,} rows read")
                yield part
            held = []
        if repeats is not None and repeats.result():  # a file of fewer chunks than the pass took
            self.whole = "the file repeats unit ids"
            yield None
            return
        for part, at in held:
            rows += part.report.rows_read
            self._tell(at, f"{self.name}: {rows:,} rows read")
            yield part

    def _id_columns(self, names: list[str]) -> list[str]:
        """The id and date columns of a header's `names`: what :meth:`_find_repeats` reads."""
        mapping = match_columns(names, self.spec.name, self.options.get("column_map"))
        return [c for c in (mapping.get("unit_id"), mapping.get("observed_on")) if c is not None]

    def _repeats_beside(self, head: pd.DataFrame, options: dict) -> Future:
        """:meth:`_repeats_ids` on a thread of its own: its future (True when an id repeats)."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agora-ids")
        try:
            return pool.submit(self._repeats_ids, head, options)
        finally:
            pool.shutdown(wait=False)  # the thread ends with the pass

    def _repeats_ids(self, head: pd.DataFrame, options: dict) -> bool:
        """Whether any unit id repeats on one date in the file (a pass over those two columns alone)."""
        if self._repeats is None:
            self._repeats = self._find_repeats(head, options)
        return self._repeats

    def _find_repeats(self, head: pd.DataFrame, options: dict) -> bool:
        columns = [c for c in head.columns if c != "_row"]
        mapping = match_columns(columns, self.spec.name, options.get("column_map"))
        id_col, date_col = mapping.get("unit_id"), mapping.get("observed_on")
        if id_col is None:
            return False  # ids made from row numbers never repeat
        from .canonical import made_ids

        seen: list[pd.DataFrame] = []
        stem = Path(self.name).stem
        wanted = {id_col} | ({date_col} if date_col else set())
        for table, _, _ in read_csv_chunks(self.source, self.name, chunk_rows=max(self.chunk_rows, 500_000),
                                           columns=wanted, known=self._known):
            ids = table[id_col].astype("string").str.strip()
            blank = (ids.isna() | (ids == "")).to_numpy(dtype=bool)
            if blank.any():  # ids made from row numbers only where there is none
                ids = ids.mask(blank, made_ids(table.loc[blank, "_row"], stem))
            when = (table[date_col].astype("string").str.strip().fillna("") if date_col in table
                    else pd.Series("", index=table.index, dtype="string"))
            seen.append(pd.DataFrame({"id": ids, "when": when}))
        # the two columns of every row (text, not a chunk's loaded rows), looked at once, in C
        return bool(seen) and bool(pd.concat(seen, ignore_index=True).duplicated().any())

    def _finish(self, reports: list) -> object:
        report = merge_reports(reports)
        empty = report.tallies.get("rows_without_coordinates")
        if empty is not None and empty.data["empty"] == empty.data["chunks"]:
            raise LoadError(f"{report.file}: no usable coordinates: every row's coordinates are empty or not numbers.")
        if report.rows_kept == 0:
            reasons = report.rejected_frame()["reason"].value_counts().head(3)
            why = "; ".join(f"{r} ({n} rows)" for r, n in reasons.items())
            raise LoadError(f"{report.file}: no row could be loaded as {self.spec.label.lower()}: {why or 'no rows'}.")
        report.decisions.pop("in_chunks", None)
        report.decisions.pop("ids_apart", None)
        report.notes.extend(self.notes)
        if self.coverage is not None:
            report.notes.append(f"saved as {'an update of the units it covers' if self.coverage == 'update' else 'a full survey'}")
        self._tell(1.0, f"{self.name}: {report.rows_read:,} rows read, {report.rows_kept:,} kept")
        return report
