"""Read any supported file into a table, whatever its format.

This is the only module that knows about file formats. It returns a DataFrame (no
geometry: coordinates are still columns) or a GeoDataFrame (vector formats), with a
``_row`` column giving each record's row number as a person would count it in the file.

Hostile and odd files are refused before they can cost much: a file over the size limit
(``AGORA_MAX_UPLOAD_MB``, in MiB: :func:`max_upload_mb`), an archive (zip, Excel
workbook, Parquet) that would unpack to more than that limit or whose members unpack
more than :data:`MAX_RATIO` times their packed size (checked from the archive's
directory before anything is unpacked), an Excel sheet of more than
:data:`EXCEL_MAX_ROWS` rows. Uploads are read from a temporary file on disk, never held
whole in memory twice.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import shutil
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import IO, Iterator, Union

import geopandas as gpd
import pandas as pd
import pyogrio
from pandas._libs.parsers import STR_NA_VALUES
import shapely

from . import osm
from .report import LoadError

Source = Union[str, os.PathLike, IO[bytes], bytes]

#: Largest file accepted, in MiB, unless the AGORA_MAX_UPLOAD_MB variable says otherwise.
DEFAULT_MAX_MB = 200
#: Largest ratio of unpacked to packed size of one archive member (zip bombs reach thousands).
MAX_RATIO = 100
#: Members smaller than this (bytes) are not held to :data:`MAX_RATIO` (a .prj of blanks is harmless).
RATIO_FLOOR = 1 << 20
#: Most members an archive may hold.
MAX_MEMBERS = 1000
#: Most data rows read from an Excel sheet; larger sheets are refused (save them as CSV).
EXCEL_MAX_ROWS = 200_000

TABLE_EXT = {".csv", ".txt", ".tsv"}
EXCEL_EXT = {".xlsx", ".xlsm", ".xls"}
VECTOR_EXT = {".geojson", ".gpkg", ".fgb", ".kml"}
PARQUET_EXT = {".parquet", ".geoparquet"}
JSON_EXT = {".json"}
ZIP_EXT = {".zip"}
OSM_EXT = {".pbf", ".osm"}
SHP_EXT = {".shp"}
SUPPORTED = sorted(TABLE_EXT | EXCEL_EXT | VECTOR_EXT | PARQUET_EXT | JSON_EXT | ZIP_EXT | OSM_EXT | SHP_EXT)

_CHUNK = 1 << 20


class LayerChoiceError(LoadError):
    """A file with several layers and no ``layer_name`` saying which one to load.

    Attributes
    ----------
    layers : list of str
        The file's layer names, in file order.
    """

    def __init__(self, message: str, layers: list[str]) -> None:
        super().__init__(message)
        self.layers = layers


def max_upload_mb() -> float:
    """The size limit in MiB: ``AGORA_MAX_UPLOAD_MB``, else :data:`DEFAULT_MAX_MB`.

    The one place the setting is read: the loaders (:func:`max_bytes`) and the browser's
    upload cap (Streamlit's ``server.maxUploadSize``, passed by ``run.sh``, and each
    file uploader's ``max_upload_size``: :func:`upload_cap_mb`) all use it. Streamlit
    counts that cap in MiB too (``maxUploadSize * 1024 * 1024`` bytes).
    """
    text = os.environ.get("AGORA_MAX_UPLOAD_MB", "").strip()
    try:
        value = float(text) if text else float(DEFAULT_MAX_MB)
    except ValueError as exc:
        raise ValueError(f"AGORA_MAX_UPLOAD_MB must be a number of MiB, not {text!r}") from exc
    if not value > 0:
        raise ValueError(f"AGORA_MAX_UPLOAD_MB must be above 0, not {text!r}")
    return value


def max_bytes() -> int:
    """The configured size limit in bytes."""
    return int(max_upload_mb() * 1024 * 1024)


def upload_cap_mb() -> int:
    """The limit as Streamlit's upload cap wants it: whole MiB (at least 1)."""
    return max(1, math.ceil(max_upload_mb()))


def _mib(n: float) -> str:
    return f"{n / 2**20:.3g} MiB" if n < 10 * 2**20 else f"{n / 2**20:,.0f} MiB"


def read_source(source: Source, filename: str | None = None, *, limit: int | None = None,
                layer_name: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read `source` into a table.

    Parameters
    ----------
    source : path, bytes or binary file object
        The file. Uploaded files (file objects) need `filename` for their format; they
        are copied to a temporary file in chunks (never read whole into memory).
    filename : str, optional
        Name used to detect the format and in messages; defaults to the path's name.
    limit : int, optional
        Largest size accepted in bytes (default :func:`max_bytes`), for the file and
        for what an archive in it unpacks to.
    layer_name : str, optional
        The layer to read from a file holding several (a GeoPackage).

    Returns
    -------
    table : DataFrame or GeoDataFrame
        With a ``_row`` column (row numbers as the file shows them).
    notes : list of str
        What is worth telling about the read (encoding used, coordinates...).

    Raises
    ------
    LoadError
        When the file cannot be read; the message names the file and the problem.
        :class:`LayerChoiceError` when a GeoPackage holds several layers and
        `layer_name` does not pick one.
    """
    name = filename or (Path(source).name if isinstance(source, (str, os.PathLike)) else "upload")
    table, notes = _read(source, name, limit or max_bytes(), layer_name)
    # OSM tags nested in one column (GeoJSON exports, GDAL's other_tags) become columns
    return osm.expand_tags(table, notes), notes


def _read(source: Source, name: str, limit: int, layer_name: str | None) -> tuple[pd.DataFrame, list[str]]:
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise LoadError(f"{name}: unsupported file type {ext or '(no extension)'}; use one of {', '.join(SUPPORTED)}.")
    if ext in SHP_EXT:
        return _read_shapefile(source, name, limit)
    with tempfile.TemporaryDirectory(prefix="agora-read-") as tmp:
        path = _on_disk(source, name, limit, Path(tmp))
        if not _has_content(path):
            raise LoadError(f"{name}: the file is empty.")
        try:
            if ext in TABLE_EXT:
                return _read_csv(path, name, sep="\t" if ext == ".tsv" else None)
            if ext in EXCEL_EXT:
                return _read_excel(path, name, limit), []
            if ext in JSON_EXT | {".geojson"}:
                return _read_json(path, name)
            if ext in VECTOR_EXT:
                return _read_vector(path, name, layer_name)
            if ext in PARQUET_EXT:
                return _read_parquet(path, name, limit)
            if ext in OSM_EXT:
                return osm.read_osm_file(path.read_bytes(), name, fmt=ext.lstrip(".")), [
                    "read as an OpenStreetMap extract"]
            return _read_zip(path, name, limit, Path(tmp))
        except LoadError:
            raise
        except Exception as exc:  # any library's own error becomes one clear message
            raise LoadError(f"{name}: could not be read as {ext} ({_short(exc)}).") from exc


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _too_big(name: str, size: int, limit: int) -> LoadError:
    return LoadError(f"{name}: the file is {_mib(size)}, over the limit of {_mib(limit)} (AGORA_MAX_UPLOAD_MB).")


def _on_disk(source: Source, name: str, limit: int, tmp: Path) -> Path:
    """A path to read `source` from: the file itself, or a copy in `tmp` made chunk by chunk."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise LoadError(f"{name}: no such file.")
        if path.is_dir():
            raise LoadError(f"{name}: is a folder, not a file.")
        if path.stat().st_size > limit:
            raise _too_big(name, path.stat().st_size, limit)
        return path
    copy = tmp / ("upload" + Path(name).suffix.lower())
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > limit:
            raise _too_big(name, len(source), limit)
        copy.write_bytes(source)
        return copy
    size = 0
    with copy.open("wb") as out:
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_big(name, size, limit)
            out.write(chunk)
    return copy


def _has_content(path: Path) -> bool:
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if chunk.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
                return True
    return False


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def detect_encoding(path: Path) -> str:
    """The text encoding of the file at `path`.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16 without one is known by
    its zero bytes; otherwise the whole file is checked, chunk by chunk, as UTF-8, then
    Windows-1252, and Latin-1 takes anything.
    """
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    sample = head[: len(head) - len(head) % 2]
    if sample and sample.count(0) > len(sample) // 4:
        odd = sample[1::2].count(0)
        return "utf-16-le" if odd > sample[0::2].count(0) else "utf-16-be"
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _encoding_note(encoding: str) -> list[str]:
    if encoding in ("utf-8", "utf-8-sig"):
        return []
    if encoding.startswith("utf-"):
        return [f"read as {encoding.upper().replace('-LE', '').replace('-BE', '')} text"]
    return [f"read as {encoding} text (not UTF-8)"]


def _read_text(path: Path) -> tuple[str, str]:
    encoding = detect_encoding(path)
    return path.read_text(encoding=encoding), encoding


def _sniff_separator(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(1 << 16)
    lines = sample.splitlines()
    sample = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the last line may be cut short
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path, name: str, sep: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    encoding = detect_encoding(path)
    sep = sep or _sniff_separator(path, encoding)
    try:
        df = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, skipinitialspace=True, engine="c",
                         on_bad_lines="error")
    except pd.errors.EmptyDataError as exc:
        raise LoadError(f"{name}: the file is empty.") from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        raise LoadError(f"{name}: not a readable CSV table ({_short(exc)}).") from exc
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise LoadError(f"{name}: the file has a header but no data rows.")
    df = df.replace({"": None})
    df.insert(0, "_row", range(2, len(df) + 2))
    return df, _encoding_note(encoding)


def read_csv_chunks(source: str | os.PathLike, filename: str | None = None, *, chunk_rows: int = 200_000,
                    limit: int | None = None, columns: set[str] | None = None, known: dict | None = None,
                    ) -> Iterator[tuple[pd.DataFrame, list[str], float]]:
    """Read a CSV (or TSV) file in chunks of `chunk_rows` rows: the same table as :func:`read_source`, in parts.

    The encoding and the separator are decided as for the whole file (the encoding
    from every byte, the separator from the first 64 KiB); each chunk has the
    ``_row`` numbers of its rows in the file. Memory is bounded by a chunk.

    Parameters
    ----------
    columns : set of str, optional
        Read only these columns (named as the header does, without surrounding spaces).
    known : dict, optional
        What an earlier read of the same, unchanged file found (its encoding, lines, whether
        Arrow reads it: :func:`_plain_chunks`), filled in by this read: a file read twice (its
        chunks, then its ids: :class:`~agora.loaders.chunks.LoadStream`) is scanned once. With
        ``known["keep"]``, a function of the header's names giving the names a later read of a
        few columns will ask for, the check of every line reads those columns too and keeps them
        (``known["kept"]``) for that read, which then reads nothing.

    Yields
    ------
    chunk : DataFrame
        The next rows, with a ``_row`` column.
    notes : list of str
        What :func:`read_source` would note (with the first chunk; empty after).
    done : float
        The share of the file's lines read so far (0 to 1; the lines are counted first).

    Raises
    ------
    LoadError
        As :func:`read_source`: too big, empty, unreadable, a header with no rows.
    """
    path = Path(source)
    name = filename or path.name
    ext = path.suffix.lower() if Path(name).suffix.lower() not in TABLE_EXT else Path(name).suffix.lower()
    if ext not in TABLE_EXT:
        raise LoadError(f"{name}: only CSV and TSV files are read in chunks.")
    path = _on_disk(path, name, limit or max_bytes(), path.parent)
    if not _has_content(path):
        raise LoadError(f"{name}: the file is empty.")
    known = {} if known is None else known
    if "encoding" not in known:
        known["encoding"] = detect_encoding(path)
        known["lines"] = _count_lines(path, known["encoding"])
    encoding, lines = known["encoding"], known["lines"]
    sep = "\t" if ext == ".tsv" else _sniff_separator(path, encoding)
    first = True
    start = 2
    with path.open("rb") as fh:
        try:
            reader = _plain_chunks(path, encoding, sep, chunk_rows, columns, start, known)
            blanks = reader is None  # Arrow's chunks have no empty text left (read as missing already)
            if reader is None:
                reader = pd.read_csv(fh, sep=sep, encoding=encoding, dtype=str, skipinitialspace=True, engine="c",
                                     on_bad_lines="error", chunksize=chunk_rows,
                                     usecols=None if columns is None else (lambda c: str(c).strip() in columns))
            for df in reader:
                df.columns = [str(c).strip() for c in df.columns]
                if first and df.empty:
                    raise LoadError(f"{name}: the file has a header but no data rows.")
                if blanks:
                    df = df.replace({"": None})
                df.insert(0, "_row", range(start, start + len(df)))
                start += len(df)
                yield df, _encoding_note(encoding) if first else [], min((start - 2) / lines, 1.0)
                first = False
        except pd.errors.EmptyDataError as exc:
            raise LoadError(f"{name}: the file is empty.") from exc
        except (pd.errors.ParserError, csv.Error) as exc:
            raise LoadError(f"{name}: not a readable CSV table ({_short(exc)}).") from exc
        except UnicodeDecodeError as exc:
            raise LoadError(f"{name}: could not be read as {ext} ({_short(exc)}).") from exc
    if first:
        raise LoadError(f"{name}: the file has a header but no data rows.")


#: The values pandas reads as missing (its default ``na_values``), which a plain CSV read by Arrow must match.
_NA_TEXT = sorted(STR_NA_VALUES)


def _plain_chunks(path: Path, encoding: str, sep: str, chunk_rows: int, columns: set[str] | None,
                  start: int, known: dict | None = None) -> Iterator[pd.DataFrame] | None:
    """The chunks :func:`read_csv_chunks` reads with pandas, read by Arrow's multithreaded CSV reader
    instead, when the file is plain enough for both to read it the same way; None otherwise.

    Plain: UTF-8 without a byte-order mark; no quote character and no NUL byte anywhere (so a
    line is split at each separator, with nothing to unquote); a header of two or more distinct,
    non-empty names; every line as many fields as the header, or empty (Arrow refuses the file
    otherwise, checked over every line before the first chunk is given). The values are then
    made what pandas makes them (``dtype=str, skipinitialspace=True``): leading spaces
    dropped, pandas' missing-value texts and empty fields missing, as pandas' ``str`` columns
    (Arrow ``large_string``) with the same index. Anything else (blank lines of white space,
    ragged rows, quotes, other encodings) is read by pandas, as before.
    """
    known = {} if known is None else known
    if encoding != "utf-8":
        return None
    if "quote_free" not in known:
        known["quote_free"] = _quote_free(path)
    if not known["quote_free"]:
        return None
    import pyarrow as pa
    import pyarrow.csv as pv

    parse = pv.ParseOptions(delimiter=sep, quote_char=False, escape_char=False, newlines_in_values=False,
                            ignore_empty_lines=True)
    try:
        names = pv.open_csv(path, parse_options=parse, read_options=pv.ReadOptions(block_size=1 << 16)).schema.names
    except (pa.ArrowInvalid, OSError):
        return None
    stripped = [n.strip() for n in names]
    if len(names) < 2 or len(set(stripped)) != len(names) or "" in stripped or set(stripped) & set(_NA_TEXT):
        return None
    wanted = [n for n, s in zip(names, stripped) if columns is None or s in columns]
    if not wanted:
        return None
    convert = pv.ConvertOptions(column_types={n: pa.string() for n in names}, include_columns=wanted,
                                strings_can_be_null=False, null_values=[], quoted_strings_can_be_null=False)
    read = pv.ReadOptions(block_size=1 << 22, use_threads=True)
    try:
        kept = known.pop("kept", None) if columns is not None else None
        if columns is not None and kept is not None and kept[0] == sep and set(wanted) <= set(kept[1].column_names):
            batches = iter(kept[1].select(wanted).to_batches())  # read (and every line checked) by an earlier read
        elif columns is not None:  # a few columns: read whole (which checks every line) in one pass
            batches = iter(pv.read_csv(path, read_options=read, parse_options=parse,
                                       convert_options=convert).to_batches())
        else:  # every line checked (field counts, UTF-8) before a chunk is given: nothing fails half way through
            if known.get("arrow_reads") != sep:
                keep = set(known["keep"](stripped)) if known.get("keep") else set()
                check = [names[0]] + [n for n, s in zip(names[1:], stripped[1:]) if s in keep]
                checked = pv.read_csv(path, read_options=read, parse_options=parse,
                                      convert_options=pv.ConvertOptions(column_types={n: pa.string() for n in check},
                                                                        include_columns=check,
                                                                        strings_can_be_null=False, null_values=[]))
                if keep:  # for the next read of these columns (LoadStream's pass over the ids)
                    known["kept"] = (sep, checked)
            batches = iter(pv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert))
    except (pa.ArrowInvalid, OSError):
        return None
    known["arrow_reads"] = sep  # every line read by Arrow with this separator: the next read need not check
    return _arrow_frames(batches, wanted, chunk_rows, start)


def _arrow_frames(batches: Iterator, names: list[str], chunk_rows: int, start: int) -> Iterator[pd.DataFrame]:
    """`chunk_rows` rows at a time from Arrow record batches, each as pandas reads them (see :func:`_plain_chunks`).

    The next chunk is read and its text made pandas' (Arrow's work, which lets go of the GIL)
    on a thread while the caller works on this one: one chunk ahead, never more.
    """
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    columns = _arrow_columns(batches, names, chunk_rows)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agora-read")
    offset = start - 2
    try:
        ahead = pool.submit(next, columns, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, columns, None)
            rows, data = chunk
            yield pd.DataFrame({name: pd.array(col, dtype=dtype) for name, col in data.items()},
                               index=pd.RangeIndex(offset, offset + rows))
            offset += rows
    finally:
        pool.shutdown(wait=True)  # a chunk being read when the caller stops is read to its end, then dropped


def _arrow_columns(batches: Iterator, names: list[str], chunk_rows: int) -> Iterator[tuple[int, dict]]:
    """(rows, {name: large_string array}) for each `chunk_rows` rows of `batches`, values as pandas reads them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = pa.array(_NA_TEXT, pa.string())

    def columns(table) -> tuple[int, dict]:
        data = {}
        for name in names:
            col = table.column(name).combine_chunks()
            if pc.any(pc.starts_with(col, " ")).as_py():
                col = pc.ascii_ltrim(col, " ")
            gone = pc.is_in(col, value_set=missing)
            if pc.any(gone).as_py():
                col = pc.if_else(gone, pa.scalar(None, pa.string()), col)
            data[name] = col.cast(pa.large_string())
        return table.num_rows, data

    pending: list = []
    held = 0
    done = False
    while not done:
        batch = next(batches, None)
        if batch is None:
            done = True
        else:
            pending.append(batch)
            held += batch.num_rows
        while held >= chunk_rows or (done and held):
            table = pa.Table.from_batches(pending)
            yield columns(table.slice(0, chunk_rows))
            rest = table.slice(chunk_rows)
            pending = rest.to_batches()
            held = rest.num_rows


def _quote_free(path: Path) -> bool:
    """Whether a file holds no double quote and no NUL byte (read in chunks)."""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b'"' in chunk or b"\x00" in chunk:
                return False
    return True


def _count_lines(path: Path, encoding: str) -> int:
    """Data lines of a text file (newlines, less the header's; at least 1), counted in chunks."""
    newline = "\n".encode(encoding)[len("".encode(encoding)):]  # without a byte-order mark
    count, last = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            count += chunk.count(newline)
            last = chunk
    count += not last.endswith(newline)  # a last line without its newline
    return max(count - 1, 1)


# --------------------------------------------------------------------------------------
# Archives
# --------------------------------------------------------------------------------------
def check_archive(archive: zipfile.ZipFile, name: str, limit: int) -> list[zipfile.ZipInfo]:
    """Refuse an archive that would unpack to too much, from its directory alone.

    Parameters
    ----------
    archive : ZipFile
        The archive (a zip, or an Excel workbook).
    name : str
        File name for messages.
    limit : int
        Most bytes its members may unpack to, together.

    Returns
    -------
    list of ZipInfo
        Its file members (folders left out).

    Raises
    ------
    LoadError
        Too many members, more than `limit` bytes unpacked, or a member (of at least
        :data:`RATIO_FLOOR` bytes) unpacking to more than :data:`MAX_RATIO` times its
        packed size. Python's zip reader never unpacks more than a member declares, so
        these checks bound what reading it can cost.
    """
    members = [i for i in archive.infolist() if not i.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise LoadError(f"{name}: the archive holds {len(members):,} files, more than {MAX_MEMBERS:,}.")
    total = sum(i.file_size for i in members)
    if total > limit:
        raise LoadError(f"{name}: unpacked, the archive would be {_mib(total)}, over the limit of {_mib(limit)} "
                        "(AGORA_MAX_UPLOAD_MB).")
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_FLOOR and ratio > MAX_RATIO:
            raise LoadError(
                f"{name}: {Path(info.filename).name} would unpack to {_mib(info.file_size)} from "
                f"{_mib(info.compress_size)} ({ratio:,.0f} times its size; at most {MAX_RATIO}): refused as a "
                "possible zip bomb."
            )
    return members


def _open_zip(path: Path, name: str, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise LoadError(f"{name}: {what}") from exc


def _read_excel(path: Path, name: str, limit: int) -> pd.DataFrame:
    if Path(name).suffix.lower() != ".xls":
        with _open_zip(path, name, "not an Excel workbook (a CSV file with an Excel name?).") as archive:
            check_archive(archive, name, limit)
        rows = _excel_rows(path)
        if rows is not None and rows - 1 > EXCEL_MAX_ROWS:
            raise _too_many_rows(name, rows - 1)
    try:
        df = pd.read_excel(path, dtype=object, nrows=EXCEL_MAX_ROWS + 1)
    except ValueError as exc:
        if "format cannot be determined" in str(exc) or "Excel file format" in str(exc):
            raise LoadError(f"{name}: not an Excel workbook (a CSV file with an Excel name?).") from exc
        raise
    if len(df) > EXCEL_MAX_ROWS:
        raise _too_many_rows(name, None)
    df.columns = [str(c).strip() for c in df.columns]
    df = df.dropna(how="all")
    if df.empty:
        raise LoadError(f"{name}: the first sheet has no data rows.")
    df.insert(0, "_row", df.index + 2)
    return df.reset_index(drop=True)


def _excel_rows(path: Path) -> int | None:
    """Rows of the first sheet as the workbook declares them (streaming mode: nothing else is read)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return workbook.worksheets[0].max_row if workbook.worksheets else None
    finally:
        workbook.close()


def _too_many_rows(name: str, rows: int | None) -> LoadError:
    found = f"{rows:,} rows" if rows else "more rows"
    return LoadError(f"{name}: the first sheet has {found}; an Excel file may have at most {EXCEL_MAX_ROWS:,}. "
                     "Save the sheet as CSV (any size up to the upload limit) and load that.")


def _read_zip(path: Path, name: str, limit: int, tmp: Path) -> tuple[gpd.GeoDataFrame, list[str]]:
    with _open_zip(path, name, "not a valid zip archive.") as archive:
        members = [i for i in check_archive(archive, name, limit) if not i.filename.startswith("__MACOSX")]
        shps = [i for i in members if i.filename.lower().endswith(".shp")]
        if len(shps) != 1:
            found = f"{len(shps)} shapefiles" if shps else "no shapefile"
            raise LoadError(f"{name}: a zip must hold exactly one shapefile (.shp with its .dbf, .shx, .prj); "
                            f"it holds {found}.")
        stem = shps[0].filename[:-4].lower()
        parts = {i.filename[len(stem):].lower(): i for i in members
                 if i.filename.lower().startswith(stem + ".") and "/" not in i.filename[len(stem):]}
        for part in (".dbf", ".shx"):
            if part not in parts:
                raise LoadError(f"{name}: the shapefile {Path(shps[0].filename).name} has no {part} file beside it "
                                "in the zip.")
        folder = tmp / "shapefile"
        folder.mkdir()
        for ext, info in parts.items():  # our own file names: nothing in the zip decides where a file goes
            with archive.open(info) as src, (folder / f"data{ext}").open("wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
    notes = []
    if ".prj" not in parts:
        notes.append("the shapefile has no .prj: its coordinate system is guessed from the coordinates")
    _check_dbf(folder / "data.dbf", f"{name}: {Path(parts['.dbf'].filename).name}")
    gdf = gpd.read_file(folder / "data.shp", engine="pyogrio")
    gdf = _number_rows(gdf, name)
    return _check_crs(gdf, notes), notes


#: First bytes of the dBASE versions shapefile writers use.
_DBF_VERSIONS = {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xE5, 0xF5, 0xFB}
_DBF_TYPES = set(b"CNFLDMBGPYTIOV@+0")


def _check_dbf(path: Path, label: str) -> None:
    """Refuse a shapefile's attribute table whose header does not describe its records.

    A damaged header makes the reader drop every attribute without a word; refusing
    is better than loading rows with no names, uses or ids.
    """
    damaged = LoadError(f"{label}: the attribute table is damaged (its header does not describe its records), so "
                        "every attribute would be lost. Export the shapefile again.")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(32)
        if len(head) < 32 or head[0] not in _DBF_VERSIONS:
            raise damaged
        records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        if header_len < 33 or header_len > size or record_len < 1:
            raise damaged
        fields = fh.read(header_len - 32)
    width, pos = 1, 0  # a record starts with its deletion flag
    while pos < len(fields) and fields[pos] != 0x0D:
        field = fields[pos:pos + 32]
        if len(field) < 32 or field[11] not in _DBF_TYPES or not field[:11].rstrip(b"\x00").strip():
            raise damaged
        width += field[16]
        pos += 32
    if pos >= len(fields) or width != record_len or header_len + records * record_len > size:
        raise damaged


# --------------------------------------------------------------------------------------
# Vector formats
# --------------------------------------------------------------------------------------
def _check_crs(gdf: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """Use degrees when a file declares projected coordinates but holds longitudes and latitudes."""
    if gdf.crs is None or not gdf.crs.is_projected or gdf.geometry.isna().all():
        return gdf
    minx, miny, maxx, maxy = gdf.geometry.total_bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        declared = gdf.crs.to_string()
        notes.append(f"the file declares {declared} but its coordinates are longitude and latitude in degrees "
                     "(all within 180 m of that system's origin): read as EPSG:4326")
        return gdf.set_crs("EPSG:4326", allow_override=True)
    return gdf


def _read_json(path: Path, name: str) -> tuple[pd.DataFrame, list[str]]:
    text, encoding = _read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    notes = _encoding_note(encoding)
    if isinstance(doc, dict) and "elements" in doc:
        return _read_overpass(doc, name), notes + ["read as OSM Overpass JSON"]
    if isinstance(doc, dict) and doc.get("type") in {"FeatureCollection", "Feature"}:
        gdf = _read_geojson(doc, name)
        return _check_crs(gdf, notes), notes
    if isinstance(doc, list) and doc and all(isinstance(r, dict) for r in doc):
        df = pd.DataFrame(doc)
        df.insert(0, "_row", range(1, len(df) + 1))
        return df, notes + ["read as a JSON list of records"]
    raise LoadError(f"{name}: JSON that is neither GeoJSON, OSM Overpass JSON nor a list of records.")


def _read_geojson(doc: dict, name: str) -> gpd.GeoDataFrame:
    features = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    if not features:
        raise LoadError(f"{name}: the GeoJSON has no features.")
    props, geoms = [], []
    for feature in features:
        props.append(dict(feature.get("properties") or {}))
        geom = feature.get("geometry")
        try:
            geoms.append(shapely.geometry.shape(geom) if geom else None)
        except Exception:  # a malformed geometry is rejected later, row by row
            geoms.append(None)
    df = pd.DataFrame(props)
    df.insert(0, "_row", range(1, len(df) + 1))
    crs = _geojson_crs(doc)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs)


def _geojson_crs(doc: dict) -> str:
    crs_name = ((doc.get("crs") or {}).get("properties") or {}).get("name", "")
    if "27700" in crs_name:
        return "EPSG:27700"
    if "3857" in crs_name or "900913" in crs_name:
        return "EPSG:3857"
    return "EPSG:4326"


def _read_overpass(doc: dict, name: str) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for el in doc.get("elements", []):
        tags = dict(el.get("tags") or {})
        if not tags:
            continue  # untagged nodes are the vertices of ways
        tags["osm_type"], tags["osm_id"] = el.get("type"), el.get("id")
        if "lat" in el and "lon" in el:
            point = shapely.Point(el["lon"], el["lat"])
        elif "center" in el:
            point = shapely.Point(el["center"]["lon"], el["center"]["lat"])
        elif el.get("geometry"):
            coords = [(p["lon"], p["lat"]) for p in el["geometry"] if p]
            point = shapely.LineString(coords).centroid if len(coords) > 1 else shapely.Point(coords[0])
        else:
            point = None
        rows.append(tags)
        geoms.append(point)
    if not rows:
        raise LoadError(f"{name}: the Overpass JSON has no tagged elements.")
    df = pd.DataFrame(rows)
    df.insert(0, "_row", range(1, len(df) + 1))
    return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")


def _read_vector(path: Path, name: str, layer_name: str | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)
    notes: list[str] = []
    layer = None
    if path.suffix.lower() == ".gpkg" or Path(name).suffix.lower() == ".gpkg":
        layers = layer_names(path)
        if layer_name is not None:
            if layer_name not in layers:
                raise LayerChoiceError(f"{name}: no layer {layer_name!r}; the GeoPackage holds "
                                       f"{', '.join(map(repr, layers))}.", layers)
            layer = layer_name
        elif len(layers) > 1:
            raise LayerChoiceError(f"{name}: the GeoPackage holds {len(layers)} layers "
                                   f"({', '.join(map(repr, layers))}); say which one to load.", layers)
        if layer and len(layers) > 1:
            notes.append(f"layer {layer!r} of the {len(layers)} in the GeoPackage")
    gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    return _check_crs(_number_rows(gdf, name), notes), notes


def _read_parquet(path: Path, name: str, limit: int) -> tuple[pd.DataFrame, list[str]]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    _check_parquet(meta, name, limit)
    if b"geo" in (meta.metadata or {}):
        df = gpd.read_parquet(path)
        notes: list[str] = []
        return _check_crs(_number_rows(df, name), notes), notes
    return _number_rows(pd.read_parquet(path), name), []


def _check_parquet(meta, name: str, limit: int) -> None:
    """Refuse a Parquet file (by its footer) that unpacks to more than `limit` or far more than its size."""
    packed = sum(meta.row_group(i).column(j).total_compressed_size
                 for i in range(meta.num_row_groups) for j in range(meta.num_columns))
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > limit:
        raise LoadError(f"{name}: unpacked, the table would be {_mib(unpacked)}, over the limit of {_mib(limit)} "
                        "(AGORA_MAX_UPLOAD_MB).")
    if unpacked >= RATIO_FLOOR and unpacked / max(packed, 1) > MAX_RATIO:
        raise LoadError(f"{name}: the table would unpack to {unpacked / max(packed, 1):,.0f} times its size (at most "
                        f"{MAX_RATIO}): refused as a possible compression bomb.")


def is_geoparquet(source: str | os.PathLike) -> bool:
    """Whether a Parquet file has GeoParquet metadata (a layer with geometry); False when it cannot be read."""
    import pyarrow.parquet as pq

    try:
        return b"geo" in (pq.ParquetFile(source).metadata.metadata or {})
    except Exception:  # noqa: BLE001 - the load itself says what is wrong with the file
        return False


def read_parquet_chunks(source: str | os.PathLike, filename: str | None = None, *, chunk_rows: int = 200_000,
                        limit: int | None = None) -> Iterator[tuple[pd.DataFrame, list[str], float]]:
    """Read a (plain, not Geo-) Parquet file in batches of `chunk_rows` rows: :func:`read_source`'s table, in parts.

    The file is checked from its footer as for a whole read (size limit, compression
    ratio); each part has the ``_row`` numbers of its rows (from 1, as for a whole
    Parquet file). Memory is bounded by a batch.

    Yields
    ------
    chunk : DataFrame
        The next rows, with a ``_row`` column.
    notes : list of str
        Always empty (a Parquet file has no encoding to tell).
    done : float
        The share of the file's rows read so far (0 to 1).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(source)
    name = filename or path.name
    path = _on_disk(path, name, limit or max_bytes(), path.parent)
    try:
        file = pq.ParquetFile(path)
    except Exception as exc:
        raise LoadError(f"{name}: could not be read as .parquet ({_short(exc)}).") from exc
    _check_parquet(file.metadata, name, limit or max_bytes())
    total = file.metadata.num_rows
    if total == 0:
        raise LoadError(f"{name}: the file has no rows.")
    start = 1
    try:
        for batch in file.iter_batches(batch_size=chunk_rows):
            df = pa.Table.from_batches([batch]).to_pandas().reset_index(drop=True)
            df.insert(0, "_row", range(start, start + len(df)))
            start += len(df)
            yield df, [], min((start - 1) / total, 1.0)
    except LoadError:
        raise
    except Exception as exc:  # a damaged row group: the same message as for a whole read
        raise LoadError(f"{name}: could not be read as .parquet ({_short(exc)}).") from exc


def _read_shapefile(source: Source, name: str, limit: int) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A ``.shp`` read from its path, with its ``.dbf`` and ``.shx`` (and ``.prj``) beside it."""
    if not isinstance(source, (str, os.PathLike)):
        raise LoadError(f"{name}: a shapefile comes with its .dbf, .shx and .prj files; put them in one zip "
                        "and load the zip.")
    path = Path(source)
    if not path.exists():
        raise LoadError(f"{name}: no such file.")
    siblings = {p.suffix.lower(): p for p in path.parent.glob(path.stem + ".*")}
    for part in (".dbf", ".shx"):
        if part not in siblings:
            raise LoadError(f"{name}: the shapefile has no {part} file beside it ({path.stem}{part}).")
    size = sum(p.stat().st_size for p in siblings.values())
    if size > limit:
        raise LoadError(f"{name}: the shapefile is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:.3g} MB.")
    notes = [] if ".prj" in siblings else ["the shapefile has no .prj: its coordinate system is guessed from the coordinates"]
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise LoadError(f"{name}: could not be read as a shapefile ({_short(exc)}).") from exc
    return _number_rows(gdf, name), notes


def _number_rows(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.empty:
        raise LoadError(f"{name}: the file has no rows.")
    df = df.reset_index(drop=True)
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


def layer_names(path: str | os.PathLike) -> list[str]:
    """The layer names of a vector file (a GeoPackage's tables), in file order."""
    return [str(row[0]) for row in pyogrio.list_layers(path)]
