"""The data service: what pages, commands, benchmarks and the profile read and save.

Nothing else reads the workspace's files. Data flows one way::

    file --loaders--> LoadResult --save()--> dataset (immutable Parquet, listed in the manifest)
                                        \\--> derived tables for that manifest version
                                             (agora.service.derived: centres placed, ownership,
                                             categories, indicator table, brands), sorted by centre
    page --agora.ui.data--> centres(), town(layer, centre), indicators(), footfall_files()

A page's cost follows the town it shows: :meth:`DataService.town` reads one centre's rows
with a filter on ``centre_id`` (Parquet row-group statistics skip the other centres),
footfall is read by DuckDB for the town's sites only, and the indicator table is read,
not computed.

Derived tables live in ``<workspace>/derived/<version>/``, one folder per manifest
version, written to a temporary folder and renamed into place under the workspace lock.
A save builds them before it returns; a reader that finds them missing (a workspace
written by an older version, or a save that crashed) builds them itself, or in a
read-only copy computes them in memory.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import geopandas as gpd
import pandas as pd

from ..layers import DISPLAY_CRS, LAYERS, empty_frame, get_layer
from ..loaders.report import LoadResult
from ..store import indicators as area_store
from ..store.workspace import Dataset, Workspace, read_dataset, write_dataset

if TYPE_CHECKING:  # the loaders are imported by the writing methods, not by pages that only read
    from ..loaders.chunks import LoadStream
from . import delta, derived

log = logging.getLogger(__name__)

#: Derived tables and whether they have geometry.
TABLES = {"centres": True, "units": True, "footfall_sites": True, "assets": True,
          "indicators": False, "brands": False, "mix": False, "clone_sums": False, "fingerprints": False,
          "count_sites": False, "names": False, "name_centres": False, "latest": False, "latest_centres": False,
          "survey_days": False}
#: What a build reuses from the build before (figures of centres whose data did not change).
REUSED = ("indicators", "fingerprints", "count_sites", "names", "brands", "mix", "clone_sums", "latest",
          "latest_centres", "survey_days")
#: Reused tables that builds of older versions did not write (a build without them computes them afresh).
NEWER = ("names", "mix", "clone_sums", "latest", "latest_centres", "survey_days")
DONE = "complete"
#: The share of a save's progress taken by writing the dataset (the derived tables take the rest).
SAVED_AT = 0.8


@dataclass
class TownData:
    """One centre's rows of every layer (footfall counts: the Parquet files to read with DuckDB)."""

    centre_id: str
    centre: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    footfall_sites: gpd.GeoDataFrame
    assets: gpd.GeoDataFrame
    footfall_files: list[str]


class DataService:
    """The workspace seen through its derived tables.

    Parameters
    ----------
    path : path, optional
        The workspace folder (default ``$AGORA_WORKSPACE`` or ``./workspace``).
    read_only : bool, optional
        Never write (default ``$AGORA_READ_ONLY``).
    seed_demo : bool
        A new workspace lists the demo towns.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, read_only: bool | None = None,
                 seed_demo: bool = True) -> None:
        self.workspace = Workspace(path, read_only=read_only, seed_demo=seed_demo)
        self.path = self.workspace.path
        self.read_only = self.workspace.read_only
        self._memory: dict[int, dict[str, pd.DataFrame]] = {}
        self._stamp: tuple | None = None
        if not self.read_only:
            try:
                self.workspace.clean()
                self.workspace.set_aside_unreadable()
            except OSError as exc:  # a workspace on a read-only disk still reads
                log.warning("workspace %s: cannot tidy: %s", self.path, exc)

    # versions ----------------------------------------------------------------
    def version(self) -> int:
        """The workspace's version: grows with every save (a cache key).

        Costs a ``stat`` of the manifest; it is parsed again only when it changed.
        """
        stamp = self.workspace.stamp()
        if self._stamp is None or self._stamp[0] != stamp:
            self._stamp = (stamp, self.workspace.version())
        return self._stamp[1]

    def _folder(self, version: int) -> Path:
        return self.path / "derived" / str(version)

    def _ready(self, version: int | None = None) -> tuple[int, Path | None]:
        """The version and the folder of its derived tables (None: they are in memory)."""
        version = self.version() if version is None else version
        folder = self._folder(version)
        if (folder / DONE).exists():
            return version, folder
        if self.read_only:
            if version not in self._memory:
                self._memory = {version: derived.build(self.workspace)[0]}
            return version, None
        self.refresh()
        return self._ready()

    def refresh(self) -> dict[str, float]:
        """Build the derived tables of the current version, if missing; returns the seconds each step took."""
        with self.workspace.lock():
            manifest = self.workspace.manifest()
            version = int(manifest.get("version", 0))
            folder = self._folder(version)
            if (folder / DONE).exists():
                return {}
            before = self._latest_done(version)
            tmp = self.path / "derived" / f".{version}.{secrets.token_hex(4)}.tmp"
            tmp.mkdir(parents=True)
            try:
                timings = self._update(manifest, before, tmp) if before is not None else None
                if timings is None:
                    _, timings = self._build_and_write(manifest, self._previous(version), tmp)
                    delta.write_sources(tmp, delta.sources(self.workspace, manifest, int(timings.get("area_rows", 0))))
                (tmp / DONE).write_text(f"{version} {timings.get('area_rows', 0)}")
                tmp.rename(folder)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            for old in (self.path / "derived").iterdir():
                keep = old.name.isdigit() and int(old.name) >= version - 1
                if not keep:
                    shutil.rmtree(old, ignore_errors=True)
            return timings

    def _build_and_write(self, manifest: dict, previous: dict, folder: Path,
                         ) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
        """:func:`derived.build` with every table written to `folder`.

        The tables final early (the units above all) are written by a second thread while
        the others are computed: writing Parquet and WKB mostly runs outside the GIL.
        """
        from concurrent.futures import ThreadPoolExecutor

        def write(name: str, table: pd.DataFrame) -> None:
            write_dataset(table, folder / f"{name}.parquet", row_group_size=derived.ROW_GROUP if TABLES[name] else None)

        with ThreadPoolExecutor(1, thread_name_prefix="agora-derived") as pool:
            early = {}
            tables, timings = derived.build(self.workspace, manifest, previous,
                                            ready=lambda name, table: early.update({name: pool.submit(write, name, table)}))
            for name, table in tables.items():
                if name not in early:
                    write(name, table)
            for done in early.values():
                done.result()
        return tables, timings

    def _latest_done(self, version: int) -> Path | None:
        """The folder of the latest complete build before `version` (None when none)."""
        root = self.path / "derived"
        done = sorted((int(p.name) for p in root.iterdir() if p.name.isdigit() and int(p.name) < version
                       and (p / DONE).exists()), reverse=True) if root.exists() else []
        return self._folder(done[0]) if done else None

    def _update(self, manifest: dict, before: Path, folder: Path) -> dict[str, float] | None:
        """:func:`delta.update` (None: build whole); a failure is logged, and the tables built whole."""
        try:
            return delta.update(self.workspace, manifest, before, folder)
        except Exception:  # noqa: BLE001 - the whole build gives the same tables: never worse than building whole
            log.exception("workspace %s: updating the derived tables failed; building them whole", self.path)
            for path in folder.iterdir():
                path.unlink()
            return None

    def _previous(self, version: int) -> dict[str, pd.DataFrame]:
        """The reusable tables of the latest complete build before `version` (empty when none)."""
        folder = self._latest_done(version)
        if folder is None:
            return {}
        try:
            out = {name: pd.read_parquet(folder / f"{name}.parquet") for name in REUSED
                   if name not in NEWER or (folder / f"{name}.parquet").exists()}
            out["area_rows"] = int((folder / DONE).read_text().split()[1])
        except (OSError, ValueError, IndexError):
            return {}
        return out

    def _read(self, name: str, centre_id: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        version, folder = self._ready()
        if folder is None:
            table = self._memory[version][name]
            if centre_id is not None:
                table = derived.town_rows(self._memory[version], name, centre_id)
            return table[columns] if columns else table.copy()
        kwargs = {"columns": columns} if columns else {}
        if centre_id is not None:
            kwargs["filters"] = [("centre_id", "==", centre_id)]
        geometry = TABLES[name] and (not columns or "geometry" in columns)  # no boundary asked for: plain Parquet
        try:
            return read_dataset(folder / f"{name}.parquet", geometry, **kwargs)
        except FileNotFoundError:  # the folder was replaced while we read: read the new one
            return self._read(name, centre_id, columns)

    # reading -----------------------------------------------------------------
    def centres(self) -> gpd.GeoDataFrame:
        """Every centre (id, name, boundary...), sorted by id."""
        return self._geo(self._read("centres"), "centres")

    def centre_names(self) -> pd.DataFrame:
        """Every centre's ``centre_id`` and ``name``, sorted by id (their boundaries not read)."""
        return self._read("centres", columns=["centre_id", "name"])

    def town(self, layer: str, centre_id: str) -> gpd.GeoDataFrame:
        """One centre's rows of `layer` (``centres``, ``units``, ``footfall_sites``, ``assets``).

        Units come classified (ownership with the workspace's brand lists, shop type).
        """
        name = get_layer(layer).name
        if name not in derived.TOWN_LAYERS:
            raise ValueError(f"{layer}: read footfall counts with footfall_files()")
        return self._geo(self._read(name, centre_id), name)

    def town_data(self, centre_id: str) -> TownData:
        """Every layer of one centre."""
        return TownData(centre_id, *(self.town(n, centre_id) for n in derived.TOWN_LAYERS), self.footfall_files())

    def layer(self, layer: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """A whole layer, derived facts included (downloads, commands over every centre).

        Footfall counts are read from the saved files; prefer :meth:`footfall_files`
        with DuckDB for them.
        """
        name = get_layer(layer).name
        if name == "footfall_counts":
            return self.workspace.read(name)
        return self._geo(self._read(name), name)

    def town_counts(self, centre_id: str) -> pd.DataFrame:
        """The footfall counts of one centre's sites, read by DuckDB (row groups of other sites skipped)."""
        sites = self.town("footfall_sites", centre_id)["site_id"].dropna().astype(str).tolist()
        return self.footfall_counts(sites)

    def footfall_counts(self, site_ids: list[str]) -> pd.DataFrame:
        """The footfall counts of these sites (canonical columns), read by DuckDB."""
        import duckdb

        from ..layers import conform

        spec = get_layer("footfall_counts")
        files = self.footfall_files()
        if not files or not site_ids:
            return empty_frame(spec)
        con = duckdb.connect()
        try:
            con.execute("SET threads = 2")
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            ids = ", ".join("'" + i.replace("'", "''") + "'" for i in site_ids)
            table = con.sql(f"SELECT * FROM read_parquet([{listing}], union_by_name = true) "
                            f"WHERE site_id IN ({ids}) ORDER BY site_id, timestamp").to_arrow_table()
        finally:
            con.close()
        frame = table.to_pandas()
        if "timestamp" in frame:
            frame["timestamp"] = pd.to_datetime(frame["timestamp"]).astype("datetime64[ms]")
        return conform(frame, spec)

    def footfall_files(self) -> list[str]:
        """The Parquet files of the footfall counts (sorted by site), for :mod:`agora.analysis.footfall`."""
        return self.workspace.files("footfall_counts")

    def indicators(self) -> pd.DataFrame:
        """The indicator table of every centre (:func:`agora.analysis.indicators.indicator_table`), as stored."""
        return self._read("indicators")

    def brands(self) -> pd.DataFrame:
        """Chain brands per centre in its latest survey (:func:`agora.analysis.similarity.brand_table`)."""
        return self._read("brands")

    def mix(self) -> pd.DataFrame:
        """Occupied units per centre and shop type (:func:`agora.analysis.similarity.category_long`)."""
        return self._read("mix")

    def area_tables(self) -> pd.DataFrame:
        """The area-level tables saved in the workspace (CDRC town-centre statistics)."""
        return area_store.read_indicators(self.path)

    def datasets(self, layer: str) -> list[Dataset]:
        """The saved datasets of `layer`, oldest first."""
        return self.workspace.datasets(layer)

    def set_aside(self) -> list[dict]:
        """Datasets set aside because their file could not be read, with the reason."""
        return self.workspace.set_aside()

    def brand_lists(self) -> list[Path]:
        """Extra brand lists saved in the workspace."""
        return self.workspace.brand_lists()

    def sources(self) -> list[dict]:
        """The datasets behind the figures: ``layer``, ``source``, ``rows``, ``saved_at``, ``demo``."""
        return [{"layer": layer.replace("_", " "), "source": ds.source, "rows": ds.rows,
                 "saved_at": ds.meta.get("saved_at"), "demo": ds.demo}
                for layer in LAYERS for ds in self.datasets(layer)]

    def is_demo(self) -> bool:
        """True when the units or centres shown come from the demo towns."""
        return any(ds.demo for layer in ("centres", "units") for ds in self.datasets(layer))

    # writing -----------------------------------------------------------------
    def load(self, source, layer: str, **options) -> LoadResult:
        """Load a file against the saved centres and sites (:meth:`Workspace.load`); writes nothing."""
        return self.workspace.load(source, layer, **options)

    def load_stream(self, source, layer: str, **options) -> LoadStream:
        """A large file to save chunk by chunk (:meth:`Workspace.load_stream`); writes nothing."""
        return self.workspace.load_stream(source, layer, **options)

    def save(self, result: LoadResult | LoadStream, *, source: str | None = None, replace: bool = False,
             extra: dict | None = None, progress: Callable[[float, str], None] | None = None) -> Dataset:
        """Save a loaded layer (or a stream, chunk by chunk) as a dataset and bring the derived tables up to date.

        `progress` is told ``(done, message)``: the dataset's writing takes it to
        :data:`SAVED_AT`, the derived tables to 1.
        """
        tell = progress or (lambda done, message: None)
        dataset = self.workspace.save(result, source=source, replace=replace, extra=extra,
                                      progress=lambda done, message: tell(done * SAVED_AT, message))
        tell(SAVED_AT, "saved; computing what the pages read (placing, ownership, indicators)")
        self.refresh()
        tell(1.0, "done")
        return dataset

    def draw_centre(self, result: LoadResult, name: str) -> LoadResult:
        """Save a centre drawn around the rows of `result` in no centre (:meth:`Workspace.draw_centre`)."""
        out = self.workspace.draw_centre(result, name)
        self.refresh()
        return out

    def delete(self, layer: str, dataset_id: str) -> None:
        """Remove one dataset and bring the derived tables up to date."""
        self.workspace.delete(layer, dataset_id)
        self.refresh()

    def save_brand_list(self, data: bytes, filename: str) -> Path:
        """Check and save an extra brand list CSV (ownership is then classified again).

        Raises
        ------
        ValueError
            When it is not a readable brand list (the message names the file).
        """
        import re
        import tempfile

        from ..analysis.ownership import read_brand_list

        with tempfile.TemporaryDirectory() as folder:
            probe = Path(folder) / Path(filename).name
            probe.write_bytes(data)
            read_brand_list(probe)
        stem = re.sub(r"[^a-z0-9]+", "-", Path(filename).stem.lower()).strip("-")[:60] or "brands"
        path = self.workspace.save_file("brands", f"{stem}.csv", data)
        self.refresh()
        return path

    def delete_brand_list(self, name: str) -> None:
        """Remove an extra brand list (by file name); ownership is classified again."""
        self.workspace.remove_file("brands", name)
        self.refresh()

    def area_table_files(self) -> list[Path]:
        """The area-level tables saved in the workspace."""
        return sorted(area_store.folder(self.path).glob("*.parquet"))

    def delete_area_table(self, name: str) -> None:
        """Remove a saved area-level table (by file name) and rebuild the indicator table."""
        self.workspace.remove_file(area_store.FOLDER, name)
        self.refresh()

    def save_area_table(self, result: LoadResult) -> Path:
        """Save an area-level table (CDRC town-centre statistics) and rebuild the indicator table."""
        path = area_store.save_indicators(self.workspace, result)
        self.refresh()
        return path

    # helpers -------------------------------------------------------------------
    @staticmethod
    def _geo(table: pd.DataFrame, layer: str) -> gpd.GeoDataFrame | pd.DataFrame:
        spec = get_layer(layer)
        if spec.geometry is None:
            return table
        if isinstance(table, gpd.GeoDataFrame):
            if table.crs is not None and table.crs.srs != DISPLAY_CRS and table.crs.equals(DISPLAY_CRS):
                # GeoParquet gives the CRS as PROJJSON: name it by its code, so that pages can tell it is
                # EPSG:4326 from its text without building a PROJ object in every script thread
                table = table.set_crs(DISPLAY_CRS, allow_override=True)
            return table.reset_index(drop=True)
        if table.empty and "geometry" not in table:
            return gpd.GeoDataFrame(empty_frame(spec), geometry=gpd.GeoSeries([], crs=DISPLAY_CRS))
        return gpd.GeoDataFrame(table, geometry="geometry", crs=DISPLAY_CRS).reset_index(drop=True)
