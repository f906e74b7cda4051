"""The workspace: the folder where imported layers are kept between runs.

Each import is a *dataset*: one GeoParquet file (plain Parquet for footfall counts)
under ``<workspace>/<layer>/`` with a JSON file beside it holding its source and
validation report. A layer is all its datasets together. A new workspace starts with
the fictional demo towns shipped in ``data/demo``.

The folder is ``$AGORA_WORKSPACE`` when set, else ``workspace/`` in the project folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..layers import DISPLAY_CRS, LAYERS, conform, empty_frame, get_layer
from ..loaders.report import LoadError, LoadReport, LoadResult

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_DIR = PROJECT_DIR / "data" / "demo"
#: What a dataset id looks like (never a path).
DATASET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")


def default_path() -> Path:
    """``$AGORA_WORKSPACE``, or ``workspace/`` in the project folder."""
    return Path(os.environ.get("AGORA_WORKSPACE") or PROJECT_DIR / "workspace").expanduser()


@dataclass(frozen=True)
class Dataset:
    """One saved import."""

    layer: str
    dataset_id: str
    path: Path
    meta: dict

    @property
    def source(self) -> str:
        return self.meta.get("source", self.dataset_id)

    @property
    def rows(self) -> int:
        return int(self.meta.get("rows", 0))

    @property
    def report(self) -> dict:
        return self.meta.get("report", {})


class Workspace:
    """A workspace folder.

    Parameters
    ----------
    path : path, optional
        The folder (default :func:`default_path`).
    seed_demo : bool
        Copy the demo towns into a workspace that has no data yet.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, seed_demo: bool = True) -> None:
        self.path = Path(path) if path else default_path()
        self.path.mkdir(parents=True, exist_ok=True)
        if seed_demo and not (self.path / ".seeded").exists():
            self._seed_demo()

    def _seed_demo(self) -> None:
        if DEMO_DIR.exists() and not any(self.datasets(layer) for layer in LAYERS):
            for layer in LAYERS:
                src = DEMO_DIR / f"{layer}.parquet"
                if src.exists():
                    folder = self.path / layer
                    folder.mkdir(exist_ok=True)
                    shutil.copyfile(src, folder / "demo.parquet")
                    rows = len(pd.read_parquet(src, columns=[]))
                    meta = {"source": "Demo towns (fictional)", "rows": rows, "saved_at": _now(), "demo": True,
                            "report": {"file": src.name, "layer": layer, "rows_read": rows, "rows_kept": rows,
                                       "rows_rejected": 0, "rejected": []}}
                    (folder / "demo.json").write_text(json.dumps(meta, indent=1))
        (self.path / ".seeded").write_text(_now())

    # reading -----------------------------------------------------------------
    def datasets(self, layer: str) -> list[Dataset]:
        """The saved datasets of `layer`, oldest first."""
        name = get_layer(layer).name
        folder = self.path / name
        if not folder.exists():
            return []
        out = []
        for file in sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime):
            meta_file = file.with_suffix(".json")
            meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
            out.append(Dataset(name, file.stem, file, meta))
        return out

    def signature(self) -> tuple:
        """Paths and modification times of every saved file: a cache key for the workspace."""
        files = sorted(self.path.glob("*/*.parquet")) + self.brand_lists()
        return tuple((str(p.relative_to(self.path)), p.stat().st_mtime_ns) for p in files)

    def brand_lists(self) -> list[Path]:
        """Extra brand lists saved in ``<workspace>/brands/`` (used with the project's own)."""
        return sorted((self.path / "brands").glob("*.csv"))

    def save_brand_list(self, data: bytes, filename: str) -> Path:
        """Check and save an extra brand list CSV; returns its path.

        Raises
        ------
        ValueError
            When it is not a readable brand list (the message names the file).
        """
        from ..analysis.ownership import read_brand_list

        folder = self.path / "brands"
        folder.mkdir(exist_ok=True)
        stem = re.sub(r"[^a-z0-9]+", "-", Path(filename).stem.lower()).strip("-") or "brands"
        path = folder / f"{stem}.csv"
        tmp = folder / f".{stem}.tmp.csv"
        tmp.write_bytes(data)
        try:
            read_brand_list(tmp)
        except ValueError as exc:
            tmp.unlink()
            raise ValueError(str(exc).replace(tmp.name, filename)) from exc
        tmp.replace(path)
        return path

    def read(self, layer: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """All datasets of `layer` as one table (an empty canonical one when there are none)."""
        spec = get_layer(layer)
        parts = [read_dataset(ds.path, spec.geometry is not None) for ds in self.datasets(spec.name)]
        if not parts:
            frame = empty_frame(spec)
            return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=DISPLAY_CRS)) if spec.geometry else frame
        table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if spec.geometry:
            table = gpd.GeoDataFrame(table, geometry="geometry", crs=DISPLAY_CRS)
        return conform(table, spec)

    # writing -----------------------------------------------------------------
    def save(self, result: LoadResult, *, source: str | None = None, replace: bool = False) -> Dataset:
        """Save a loaded layer as a new dataset.

        Parameters
        ----------
        result : LoadResult
            What a loader returned.
        source : str, optional
            Where the data came from, shown on the Data page (default: the file name).
        replace : bool
            Remove the layer's other datasets first.
        """
        report: LoadReport = result.report
        spec = get_layer(report.layer)
        folder = self.path / spec.name
        folder.mkdir(exist_ok=True)
        if replace:
            for ds in self.datasets(spec.name):
                self.delete(spec.name, ds.dataset_id)
        stem = re.sub(r"[^a-z0-9]+", "-", Path(report.file).stem.lower()).strip("-") or "data"
        dataset_id = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{stem}"
        n = 1
        while (folder / f"{dataset_id}.parquet").exists():
            n += 1
            dataset_id = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{stem}-{n}"
        path = folder / f"{dataset_id}.parquet"
        tmp = path.with_suffix(".tmp")
        write_dataset(result.data, tmp)
        meta = {"source": source or report.file, "rows": len(result.data), "saved_at": _now(), "demo": False,
                "report": report.to_dict()}
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1, default=str))
        tmp.replace(path)
        return Dataset(spec.name, dataset_id, path, meta)

    def load(self, source, layer: str, **options) -> LoadResult:
        """Load `source` as `layer` in the context of this workspace, ready to save.

        Units, footfall sites and assets without a centre are assigned to the saved
        centres; footfall counts take the ids of the saved sites (matched by id or name).
        Other keyword `options` go to :func:`agora.loaders.load` (``filename``,
        ``column_map``, ``defaults``).
        """
        from ..loaders import load
        from ..loaders.footfall import link_to_sites

        spec = get_layer(layer)
        centres = self.read("centres") if "centre_id" in spec.columns and spec.name != "centres" else None
        result = load(source, spec, centres=centres, **options)
        if spec.name == "footfall_counts":
            result = link_to_sites(result, self.read("footfall_sites"))
        return result

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

    def delete(self, layer: str, dataset_id: str) -> None:
        """Remove one dataset of `layer`.

        Raises
        ------
        KeyError
            When `dataset_id` is not a plain dataset id (a path such as ``../../x``).
        """
        if not DATASET_ID.fullmatch(dataset_id or ""):
            raise KeyError(f"not a dataset id: {dataset_id!r}")
        folder = self.path / get_layer(layer).name
        for suffix in (".parquet", ".json"):
            (folder / f"{dataset_id}{suffix}").unlink(missing_ok=True)


def read_dataset(path: Path, geometry: bool) -> pd.DataFrame:
    """Read one saved dataset file."""
    return gpd.read_parquet(path) if geometry else pd.read_parquet(path)


def write_dataset(data: pd.DataFrame, path: Path) -> None:
    """Write a layer as GeoParquet (or Parquet when it has no geometry)."""
    if isinstance(data, gpd.GeoDataFrame):
        data.to_parquet(path, index=False, schema_version="1.0.0")
    else:
        data.to_parquet(path, index=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
