"""The workspace: the folder where imported layers are kept between runs.

Each import is a *dataset*: one GeoParquet file (plain Parquet for footfall counts)
under ``<workspace>/<layer>/``. Which datasets make up the workspace, with their
source and validation report, is written in one file, ``manifest.json``; a layer is
all its listed datasets together. The folder is ``$AGORA_WORKSPACE`` when set, else
``workspace/`` in the project folder.

Rules every write keeps (so two people saving at once, or a process killed mid-write,
lose nothing):

- dataset files are written once, under a unique name (time plus a random suffix),
  through a unique temporary file renamed into place, and never changed afterwards;
- every change of the manifest happens under an exclusive lock on ``.lock`` and is
  written to a temporary file that replaces the manifest in one rename;
- replace is write-new-then-swap: the new dataset is written first, then one manifest
  change lists it instead of the old ones, and only then are old files removed. A crash
  leaves the old data or the new, never none.

Readers take no lock: the manifest is replaced atomically and the files it lists are
immutable. A new workspace lists the fictional demo towns of ``data/demo`` (read from
there, not copied). A read-only workspace (the public copy) writes nothing: an empty
one shows the demo towns straight from ``data/demo``.

Nothing here computes derived facts: :mod:`agora.service` does, on top of this.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import geopandas as gpd
import pandas as pd

from ..layers import CONFORMED, DISPLAY_CRS, LAYERS, conform, empty_frame, get_layer
from ..loaders.report import LoadError, LoadReport, LoadResult

if TYPE_CHECKING:
    from ..loaders.chunks import LoadStream

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_DIR = PROJECT_DIR / "data" / "demo"
MANIFEST = "manifest.json"
#: Marker of a dataset read from the project's ``data/demo`` folder.
DEMO_FILE = "@demo"
#: Temporary files older than this are left-overs of a crashed write.
STALE_SECONDS = 600
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")

log = logging.getLogger(__name__)


def default_path() -> Path:
    """``$AGORA_WORKSPACE``, or ``workspace/`` in the project folder."""
    return Path(os.environ.get("AGORA_WORKSPACE") or PROJECT_DIR / "workspace").expanduser()


def read_only_env() -> bool:
    """True when ``AGORA_READ_ONLY`` is 1/true/yes (a public copy)."""
    return os.environ.get("AGORA_READ_ONLY", "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Dataset:
    """One saved import."""

    layer: str
    dataset_id: str
    path: Path
    meta: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.meta.get("source", self.dataset_id)

    @property
    def rows(self) -> int:
        return int(self.meta.get("rows", 0))

    @property
    def report(self) -> dict:
        return self.meta.get("report", {})

    @property
    def demo(self) -> bool:
        return bool(self.meta.get("demo"))


class Workspace:
    """A workspace folder.

    Parameters
    ----------
    path : path, optional
        The folder (default :func:`default_path`).
    seed_demo : bool
        List the demo towns in a workspace that has no manifest yet.
    read_only : bool, optional
        Never write (default: ``$AGORA_READ_ONLY``). An empty read-only workspace shows
        the demo towns.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, seed_demo: bool = True,
                 read_only: bool | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.read_only = read_only_env() if read_only is None else read_only
        self.seed_demo = seed_demo
        if not self.read_only:
            self.path.mkdir(parents=True, exist_ok=True)
            if not (self.path / MANIFEST).exists():
                with self.lock():
                    if not (self.path / MANIFEST).exists():
                        self._write_manifest(self._initial_manifest())

    # manifest ----------------------------------------------------------------
    def manifest(self) -> dict:
        """The manifest as saved (what a read-only or unseeded workspace would show when it has none)."""
        try:
            return json.loads((self.path / MANIFEST).read_text())
        except FileNotFoundError:
            return self._initial_manifest(write=False)

    def version(self) -> int:
        """A number that grows with every change of the workspace (a cache key)."""
        return int(self.manifest().get("version", 0))

    def stamp(self) -> tuple:
        """Identity of the manifest file as it is now (inode, size, time): changes with every save."""
        try:
            st = (self.path / MANIFEST).stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _initial_manifest(self, write: bool = True) -> dict:
        """A first manifest: datasets a workspace of the previous layout holds, else the demo towns."""
        manifest = {"version": 1, "layers": {name: [] for name in LAYERS}, "set_aside": []}
        found = False
        for name in LAYERS:
            folder = self.path / name
            for file in sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []:
                side = file.with_suffix(".json")
                meta = json.loads(side.read_text()) if side.exists() else {}
                manifest["layers"][name].append({"id": file.stem, "file": f"{name}/{file.name}", **meta})
                found = True
        if not found and (self.seed_demo or not write):
            for name in LAYERS:
                if (DEMO_DIR / f"{name}.parquet").exists():
                    rows = len(pd.read_parquet(DEMO_DIR / f"{name}.parquet", columns=[]))
                    manifest["layers"][name].append({
                        "id": "demo", "file": DEMO_FILE, "source": "Demo towns (fictional)", "rows": rows,
                        "saved_at": _now(), "demo": True,
                        "report": {"file": f"{name}.parquet", "layer": name, "rows_read": rows, "rows_kept": rows,
                                   "rows_rejected": 0, "rejected": []}})
        return manifest

    def _write_manifest(self, manifest: dict) -> None:
        tmp = self.path / f".{MANIFEST}.{secrets.token_hex(6)}.tmp"
        tmp.write_text(json.dumps(manifest, indent=1, default=str))
        _fsync(tmp)
        tmp.replace(self.path / MANIFEST)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace's exclusive write lock (blocks until it is free)."""
        if self.read_only:
            raise PermissionError(f"{self.path}: this copy is read-only")
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def changing(self) -> Iterator[dict]:
        """Change the manifest under the lock: yields it, writes it back with a new version."""
        with self.lock():
            manifest = self.manifest()
            yield manifest
            manifest["version"] = int(manifest.get("version", 0)) + 1
            self._write_manifest(manifest)

    # reading -----------------------------------------------------------------
    def file_of(self, entry: dict, layer: str) -> Path:
        """The file of a manifest entry."""
        if entry.get("file") == DEMO_FILE:
            return DEMO_DIR / f"{layer}.parquet"
        return self.path / entry["file"]

    def datasets(self, layer: str, manifest: dict | None = None) -> list[Dataset]:
        """The saved datasets of `layer`, oldest first."""
        name = get_layer(layer).name
        manifest = manifest or self.manifest()
        return [Dataset(name, e["id"], self.file_of(e, name), e) for e in manifest["layers"].get(name, [])]

    def set_aside(self) -> list[dict]:
        """Datasets set aside because they could not be read: ``layer``, ``id``, ``source``, ``reason``."""
        return list(self.manifest().get("set_aside", []))

    def brand_lists(self) -> list[Path]:
        """Extra brand lists saved in ``<workspace>/brands/`` (used with the project's own)."""
        return sorted((self.path / "brands").glob("*.csv"))

    def signature(self) -> tuple:
        """A cache key for everything saved: the manifest version and the brand lists' times."""
        brands = tuple((p.name, p.stat().st_mtime_ns) for p in self.brand_lists())
        return (self.version(), brands)

    def read(self, layer: str, manifest: dict | None = None) -> gpd.GeoDataFrame | pd.DataFrame:
        """All datasets of `layer` as one table (an empty canonical one when there are none).

        A dataset that cannot be read is left out (and logged); :meth:`set_aside_unreadable`
        moves it out of the manifest.
        """
        spec = get_layer(layer)
        parts = []
        datasets = self.datasets(spec.name, manifest)
        for ds in datasets:
            try:
                parts.append(read_dataset(ds.path, spec.geometry is not None))
            except Exception as exc:  # noqa: BLE001 - any unreadable file is left out, never fatal
                log.error("workspace %s: dataset %s/%s cannot be read: %s", self.path, spec.name, ds.dataset_id, exc)
        if not parts:
            frame = empty_frame(spec)
            return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=DISPLAY_CRS)) if spec.geometry else frame
        table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if spec.geometry:
            table = gpd.GeoDataFrame(table, geometry="geometry", crs=DISPLAY_CRS)
        # datasets this workspace saved conformed (and only those) are not conformed again
        return conform(table, spec, conformed=len(parts) == len(datasets) and all(
            ds.meta.get("conformed") == CONFORMED for ds in datasets))

    def files(self, layer: str, manifest: dict | None = None) -> list[str]:
        """Paths of the files of `layer` (for DuckDB)."""
        return [str(ds.path) for ds in self.datasets(layer, manifest) if ds.path.exists()]

    # writing -----------------------------------------------------------------
    def save(self, result: LoadResult | LoadStream, *, source: str | None = None, replace: bool = False,
             extra: dict | None = None, progress: Callable[[float, str], None] | None = None) -> Dataset:
        """Save a loaded layer as a new dataset.

        Parameters
        ----------
        result : LoadResult or LoadStream
            What a loader returned; a :class:`~agora.loaders.chunks.LoadStream` is loaded
            and written chunk by chunk (memory bounded by a chunk), its report listed
            once the last chunk is written.
        source : str, optional
            Where the data came from, shown on the Data page (default: the file name).
        replace : bool
            The new dataset takes the place of the layer's others (swapped in one step).
        extra : dict, optional
            More facts kept with the dataset (e.g. its coverage).
        progress : callable, optional
            ``progress(done, message)`` as the chunks of a stream are written (0 to 1).
        """
        from ..loaders.chunks import LoadStream

        streamed = isinstance(result, LoadStream)
        spec = result.spec if streamed else get_layer(result.report.layer)
        file = result.name if streamed else result.report.file
        folder = self.path / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^a-z0-9]+", "-", Path(file).stem.lower()).strip("-")[:60] or "data"
        dataset_id = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}-{stem}"
        path = folder / f"{dataset_id}.parquet"
        tmp = folder / f".{dataset_id}.{secrets.token_hex(4)}.tmp"
        try:
            if streamed:
                result.progress = progress or result.progress
                rows = write_chunks(result, tmp)
            else:
                data = result.data
                if spec.name == "footfall_counts" and len(data):
                    # sorted by site, so reading one town's sites touches only their row groups
                    data = data.sort_values(COUNT_ORDER, kind="stable")
                elif spec.name in SAVED_CONFORMED:
                    data = _conformed(data, spec)
                write_dataset(data, tmp)
                rows = len(result.data)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        tmp.replace(path)
        report: LoadReport = result.report
        entry = {"id": dataset_id, "file": f"{spec.name}/{path.name}", "source": source or report.file,
                 "rows": rows, "saved_at": _now(), "demo": False, "report": report.to_dict(),
                 **(extra or {})}
        if spec.name in SAVED_CONFORMED:
            entry["conformed"] = CONFORMED  # what read() need not conform again
        with self.changing() as manifest:
            old = manifest["layers"].setdefault(spec.name, [])
            removed = list(old) if replace else []
            manifest["layers"][spec.name] = [entry] if replace else [*old, entry]
        for e in removed:
            self._remove_file(e, spec.name)
        return Dataset(spec.name, dataset_id, path, json.loads(json.dumps(entry, default=str)))

    def delete(self, layer: str, dataset_id: str) -> None:
        """Remove one dataset of `layer`.

        Raises
        ------
        KeyError
            When `layer` or `dataset_id` is not a saved dataset (nothing is touched).
        """
        name = get_layer(layer).name
        if not _ID.match(dataset_id or ""):
            raise KeyError(f"no dataset {dataset_id!r} in layer {name}")
        with self.changing() as manifest:
            entries = manifest["layers"].get(name, [])
            hit = [e for e in entries if e["id"] == dataset_id]
            if not hit:
                raise KeyError(f"no dataset {dataset_id!r} in layer {name}")
            manifest["layers"][name] = [e for e in entries if e["id"] != dataset_id]
        self._remove_file(hit[0], name)

    def _remove_file(self, entry: dict, layer: str) -> None:
        if entry.get("file") != DEMO_FILE:
            path = self.file_of(entry, layer)
            if path.resolve().is_relative_to(self.path.resolve()):
                path.unlink(missing_ok=True)

    def set_aside_unreadable(self) -> list[dict]:
        """Move datasets whose file cannot be read out of the manifest (kept on disk, listed with the reason)."""
        bad = []
        for name in LAYERS:
            for ds in self.datasets(name):
                try:
                    import pyarrow.parquet as pq

                    pq.ParquetFile(ds.path).metadata  # noqa: B018 - reads the footer
                except Exception as exc:  # noqa: BLE001
                    bad.append((name, ds.dataset_id, f"{type(exc).__name__}: {exc}"))
        if bad and not self.read_only:
            with self.changing() as manifest:
                for name, dataset_id, reason in bad:
                    entries = manifest["layers"].get(name, [])
                    for e in [e for e in entries if e["id"] == dataset_id]:
                        entries.remove(e)
                        manifest.setdefault("set_aside", []).append(
                            {"layer": name, "id": dataset_id, "source": e.get("source"), "file": e.get("file"),
                             "reason": reason, "set_aside_at": _now()})
        return [{"layer": n, "id": i, "reason": r} for n, i, r in bad]

    def clean(self) -> list[Path]:
        """Remove left-overs of crashed writes: temporary files and dataset files no manifest lists.

        Only files older than :data:`STALE_SECONDS` are removed, so a write in progress is safe.
        """
        if self.read_only or not self.path.exists():
            return []
        removed = []
        with self.lock():
            listed = {self.file_of(e, name).resolve() for name in LAYERS
                      for e in self.manifest()["layers"].get(name, [])}
            aside = {(self.path / e["file"]).resolve() for e in self.set_aside() if e.get("file")}
            cutoff = time.time() - STALE_SECONDS
            candidates = list(self.path.glob(".*.tmp")) + [p for name in LAYERS for p in
                                                             (self.path / name).glob("*") if p.is_file()]
            for p in candidates:
                stale = p.stat().st_mtime < cutoff
                orphan = p.name.endswith(".tmp") or (p.suffix in {".parquet", ".json"}
                                                       and p.resolve() not in listed | aside)
                if stale and orphan:
                    p.unlink(missing_ok=True)
                    removed.append(p)
        return removed

    def save_file(self, folder: str, name: str, data: bytes) -> Path:
        """Write `data` as ``<workspace>/<folder>/<name>`` atomically (brand lists, area tables)."""
        out = self.path / folder
        out.mkdir(parents=True, exist_ok=True)
        path = out / name
        tmp = out / f".{name}.{secrets.token_hex(4)}.tmp"
        tmp.write_bytes(data)
        with self.changing():
            tmp.replace(path)
        return path

    def remove_file(self, folder: str, name: str) -> None:
        """Remove ``<workspace>/<folder>/<name>`` (a brand list, an area table).

        Raises
        ------
        KeyError
            When there is no such file (names with a path in them never match).
        """
        path = self.path / folder / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise KeyError(f"no file {name!r} in {folder}")
        with self.changing():
            path.unlink()

    def load(self, source, layer: str, **options) -> LoadResult:
        """Load `source` as `layer` in the context of this workspace, ready to save.

        Units, footfall sites and assets without a centre are assigned to the saved
        centres; footfall counts take the ids of the saved sites (matched by id or name).
        Other keyword `options` go to :func:`agora.loaders.load` (``filename``,
        ``column_map``, ``defaults``). Writes nothing.
        """
        from ..loaders import load
        from ..loaders.footfall import link_to_sites

        spec = get_layer(layer)
        centres = self.read("centres") if "centre_id" in spec.columns and spec.name != "centres" else None
        result = load(source, spec, centres=centres, **options)
        if spec.name == "footfall_counts":
            result = link_to_sites(result, self.read("footfall_sites"))
        return result

    def load_stream(self, source, layer: str, **options) -> LoadStream:
        """Like :meth:`load`, for a large file: a :class:`~agora.loaders.chunks.LoadStream` to save chunk by chunk.

        Units and footfall counts are the layers read in chunks (the others, and files
        that need every row at once, come as one chunk); footfall counts take the ids of
        the saved sites chunk by chunk. `options` also take ``chunk_rows`` and
        ``progress``. Writes nothing.
        """
        from ..loaders.chunks import LoadStream

        spec = get_layer(layer)
        centres = self.read("centres") if "centre_id" in spec.columns and spec.name != "centres" else None
        if spec.name == "footfall_counts":
            options["sites"] = self.read("footfall_sites")
        return LoadStream(source, spec, centres=centres, **options)

    def draw_centre(self, result: LoadResult, name: str) -> LoadResult:
        """Save a centre called `name` drawn around the rows of `result` that are in no centre.

        Returns `result` with those rows assigned to the new centre (save it next).

        Raises
        ------
        LoadError
            When `result` has no positions or no row outside every centre.
        """
        from ..loaders.derive import assign_outside, centre_around

        data = result.data
        if "centre_id" not in data or not isinstance(data, gpd.GeoDataFrame):
            raise LoadError(f"{result.report.file}: a new centre needs units, footfall sites or assets with positions")
        outside = data[data["centre_id"].isna()]
        if outside.empty:
            raise LoadError(f"{result.report.file}: every row is in a centre already; there is nothing to draw around")
        centre = centre_around(outside, name, taken=set(self.read("centres")["centre_id"]),
                               source=f"drawn around {len(outside)} rows of {result.report.file}")
        self.save(centre, source=centre.report.file)
        return assign_outside(result, centre.data["centre_id"].iloc[0])


#: Layers whose datasets are saved conformed (:func:`agora.layers.conform`, marked ``conformed`` in the
#: manifest), so that reading them does not conform their text again. Footfall counts are left as
#: loaded: millions of rows, read by DuckDB.
SAVED_CONFORMED = ("centres", "units", "footfall_sites", "assets")


def _conformed(data: pd.DataFrame, spec, *, loaded: bool = False) -> pd.DataFrame:
    """`data` conformed to its layer (a loader's output is already: then the same values), geometry kept.

    `loaded`: `data` is a loader's output as it is (a stream's chunk), whose text columns
    :func:`~agora.layers.conform` gave already: they are not stripped again.
    """
    out = conform(data, spec, conformed=loaded)
    if isinstance(data, gpd.GeoDataFrame) and not isinstance(out, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=data.geometry.name, crs=data.crs)
    return out


def read_dataset(path: Path, geometry: bool, **kwargs) -> pd.DataFrame:
    """Read one saved dataset file (`kwargs` go to pyarrow: ``filters``, ``columns``)."""
    return gpd.read_parquet(path, **kwargs) if geometry else pd.read_parquet(path, **kwargs)


def write_dataset(data: pd.DataFrame, path: Path, *, row_group_size: int | None = None) -> None:
    """Write a layer as GeoParquet (or Parquet when it has no geometry), flushed to disk."""
    as_parquet(data, path, **({"row_group_size": row_group_size} if row_group_size else {}))
    _fsync(path)


def as_parquet(data: pd.DataFrame, target, **options) -> None:
    """Write a layer to a path or a buffer as :func:`write_dataset` does (GeoParquet when it has geometry)."""
    if isinstance(data, gpd.GeoDataFrame):
        data.to_parquet(target, index=False, schema_version="1.0.0", **options)
    else:
        data.to_parquet(target, index=False, **options)


def write_chunks(stream: LoadStream, path: Path) -> int:
    """Write the chunks of `stream` as one (Geo)Parquet file, one after the other; returns the rows written.

    The file holds what :func:`write_dataset` writes for the whole layer: the first
    chunk's schema (later chunks cast to it), and the GeoParquet metadata (bounding
    box, geometry types) of every chunk together, written when the last is. Footfall
    counts are sorted by site and time, as a whole save sorts them: each chunk is sorted
    as it is written, and when the chunks' sites overlap (a file in time order) the
    written file is sorted again on disk (:func:`sort_counts`), in bounded memory. When
    the stream finds after its last chunk that the file must be loaded whole
    (:class:`~agora.loaders.chunks.Restart`), what was written is thrown away and the
    file is written again from the whole load.
    """
    from ..loaders.chunks import Restart

    try:
        return _write_chunks(stream, path)
    except Restart:
        path.unlink(missing_ok=True)
        return _write_chunks(stream, path)


def _write_chunks(stream: LoadStream, path: Path) -> int:
    from concurrent.futures import ThreadPoolExecutor

    counts = stream.spec.name == "footfall_counts"
    runs = path.with_name(path.name[:-len(".tmp")] + ".runs.tmp") if counts else path
    out = _ChunkWriter(runs)
    last: tuple | None = None
    ordered = True
    # each chunk is turned into Arrow and written by one thread while the next chunk is loaded (both let go of
    # the GIL for most of their work: GEOS's WKB, Parquet's encoding); chunks are written in order, one at a time
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agora-write")
    pending = None
    try:
        for part in stream:
            data = part.data
            if stream.spec.name in SAVED_CONFORMED:
                data = _conformed(data, stream.spec, loaded=True)
            if counts and len(data):
                data = data.sort_values(COUNT_ORDER, kind="stable")
                first = tuple(data[c].iloc[0] for c in COUNT_ORDER)
                ordered = ordered and (last is None or last <= first)
                last = tuple(data[c].iloc[-1] for c in COUNT_ORDER)
            if pending is not None:
                pending.result()  # the previous chunk written (or its error raised) before the next is queued
            pending = pool.submit(out.write, data)
        if pending is not None:
            pending.result()
            pending = None
        if out.writer is None:
            raise LoadError(f"{stream.name}: no rows to save")
        out.close()
        if counts:
            if ordered:
                runs.replace(path)
            else:
                if stream.progress is not None:
                    stream.progress(1.0, f"{stream.name}: sorting the counts by site")
                sort_counts(runs, path, batch_rows=stream.chunk_rows)
    finally:
        pool.shutdown(wait=True)  # nothing is left writing when the file is closed, replaced or removed
        if out.writer is not None:
            out.writer.close()
        if runs != path:
            runs.unlink(missing_ok=True)
    _fsync(path)
    return out.rows


class _ChunkWriter:
    """Chunks written one after the other to one (Geo)Parquet file (:func:`write_chunks`): the first chunk's
    schema, and the GeoParquet metadata of every chunk together, written on :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer = None
        self.rows = 0
        self.bounds: list[float] | None = None
        self.kinds: set[str] = set()

    def write(self, data: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq
        from geopandas.io.arrow import _geopandas_to_arrow

        if isinstance(data, gpd.GeoDataFrame):
            points = _point_wkb(data.geometry) if self.writer is not None else None
            if points is not None:  # the first chunk's table (its schema, the file's) is geopandas' own
                table, b, kinds = self._with_points(data, points[0]), points[1], {"Point"}
            else:
                table = _geopandas_to_arrow(data, index=False, schema_version="1.0.0")
                geo = data.geometry[data.geometry.notna() & ~data.geometry.is_empty]
                b = [float(v) for v in geo.total_bounds] if len(geo) else None
                kinds = set(geo.geom_type.unique())
            if b is not None:
                bounds = self.bounds
                self.bounds = b if bounds is None else [min(bounds[0], b[0]), min(bounds[1], b[1]),
                                                        max(bounds[2], b[2]), max(bounds[3], b[3])]
                self.kinds |= kinds
        else:
            table = pa.Table.from_pandas(data, preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        elif table.schema != self.writer.schema:
            table = table.select(self.writer.schema.names).cast(self.writer.schema)
        self.writer.write_table(table)
        self.rows += table.num_rows

    def _with_points(self, data: gpd.GeoDataFrame, wkb) -> object:
        """`data` as the Arrow table geopandas makes of it (its other columns converted alike), with the
        points' WKB (:func:`_point_wkb`) as its geometry column, in the file's field."""
        import pyarrow as pa

        name = data.geometry.name
        attributes = pd.DataFrame(data.copy(deep=False))
        attributes[name] = None  # as geopandas does: an Arrow null column, filled below
        table = pa.Table.from_pandas(attributes, preserve_index=False)
        return table.set_column(table.schema.get_field_index(name), self.writer.schema.field(name), wkb)

    def close(self) -> None:
        geo_meta = (self.writer.schema.metadata or {}).get(b"geo")
        if geo_meta:
            meta = json.loads(geo_meta)
            column = meta["columns"][meta["primary_column"]]
            column["geometry_types"] = sorted(self.kinds)
            if self.bounds is not None:
                column["bbox"] = self.bounds
            else:
                column.pop("bbox", None)
            self.writer.add_key_value_metadata({"geo": json.dumps(meta)})
        self.writer.close()
        self.writer = None


def _point_wkb(geometry: gpd.GeoSeries) -> tuple[object, list[float]] | None:
    """The WKB of a column of two-dimensional points, as ``shapely.to_wkb(..., flavor="iso")`` writes it
    (geopandas' GeoParquet), made from their coordinates at once, and their bounds; None for anything else
    (a missing, empty, three-dimensional or non-finite point, another kind of geometry, a big-endian machine).

    A point's WKB is 21 bytes: the byte order (1, little-endian), the type (1, a point), x and y.
    """
    import sys

    import numpy as np
    import pyarrow as pa
    import shapely

    shapes = np.asarray(geometry.values)
    if sys.byteorder != "little" or not len(shapes) or (shapely.get_type_id(shapes) != 0).any() \
            or shapely.has_z(shapes).any():
        return None
    xy = shapely.get_coordinates(shapes)
    if len(xy) != len(shapes) or not np.isfinite(xy).all():  # an empty point has no coordinates
        return None
    record = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
    out = np.empty(len(xy), dtype=record)
    out["order"], out["kind"], out["x"], out["y"] = 1, 1, xy[:, 0], xy[:, 1]
    offsets = np.arange(0, record.itemsize * (len(xy) + 1), record.itemsize, dtype=np.int32)
    wkb = pa.Array.from_buffers(pa.binary(), len(xy), [None, pa.py_buffer(offsets), pa.py_buffer(out.view(np.uint8))])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return wkb, [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])]


#: The order footfall counts are saved in (so DuckDB reads one town's sites from a few row groups).
COUNT_ORDER = ["site_id", "timestamp"]


def sort_counts(source: Path, path: Path, *, batch_rows: int = 200_000, memory: str = "1GB") -> None:
    """Write the footfall counts of `source` to `path` sorted by site and time, as a stable sort would.

    DuckDB sorts on disk beyond `memory` (in a temporary folder); rows with the same site
    and time keep their order in `source`. The file has `source`'s schema.
    """
    import shutil
    import tempfile

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(source)
    spill = tempfile.mkdtemp(prefix="agora-sort-")
    con = duckdb.connect()
    writer = None
    try:
        con.execute("SET threads = 2")
        con.execute("SET enable_progress_bar = false")  # the caller tells progress (DuckDB's bar would go to stdout)
        con.execute(f"SET memory_limit = '{memory}'")
        con.execute("SET temp_directory = '" + spill.replace("'", "''") + "'")
        order = ", ".join(f'"{c}"' for c in COUNT_ORDER)
        reader = con.sql(f"SELECT * EXCLUDE (file_row_number) FROM read_parquet(?, file_row_number = true) "
                         f"ORDER BY {order}, file_row_number", params=[str(source)]).to_arrow_reader(batch_rows)
        writer = pq.ParquetWriter(path, schema)
        for batch in reader:
            writer.write_table(pa.Table.from_batches([batch]).cast(schema))
    finally:
        if writer is not None:
            writer.close()
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
