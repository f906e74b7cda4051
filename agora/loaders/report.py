"""What a loader tells about the file it read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd


class LoadError(Exception):
    """A file that cannot be loaded at all: the message names the file and the problem."""


@dataclass
class LoadReport:
    """The validation report of one load.

    Attributes
    ----------
    file : str
        Name of the file read.
    layer : str
        Canonical layer it was loaded as.
    rows_read, rows_kept : int
        Data rows in the file, and rows in the loaded layer.
    rejected : list of dict
        One ``{"row": n, "reason": text}`` per rejected row. ``row`` is the row as a
        spreadsheet shows it (the header is row 1, the first data row is row 2) for
        tables, and the feature's position (from 1) for GeoJSON and other vector files.
    crs : str or None
        Coordinate reference system detected in the input (``EPSG:27700``...).
    swapped_lat_lon : bool
        True when latitude and longitude were given the wrong way round and were swapped.
    columns : dict
        How each input column was mapped: a canonical column, ``"geometry"``, or
        ``"kept"`` (carried along unchanged).
    outside_centres : int
        Rows that fall inside no centre polygon (kept, with no ``centre_id``).
    duplicate_rows : int
        Footfall rows dropped as repeats of the same site, time and direction (each is
        also listed in ``rejected``).
    value_map : dict
        ``{column: {from: to}}``: the file's values replaced by accepted ones (chosen by a
        person or guessed), kept so the next file with the same columns can reuse it.
    notes : list of str
        Anything else worth knowing (encoding used, duplicates resolved...).
    """

    file: str
    layer: str
    rows_read: int = 0
    rows_kept: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    crs: str | None = None
    swapped_lat_lon: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    outside_centres: int = 0
    duplicate_rows: int = 0
    value_map: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def reject(self, rows: pd.Series | list[int], reason: str) -> None:
        """Record `rows` (file row numbers) as rejected for `reason`."""
        for row in list(rows):
            self.rejected.append({"row": int(row), "reason": reason})

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values."""
        out = asdict(self)
        out["rows_rejected"] = self.rows_rejected
        out["rejected"] = sorted(self.rejected, key=lambda r: r["row"])
        return out

    def summary(self) -> str:
        """One line for people: what was read and what came of it."""
        text = (
            f"{self.file}: {self.rows_read} rows read, {self.rows_kept} kept, "
            f"{self.rows_rejected} rejected"
        )
        if self.swapped_lat_lon:
            text += "; latitude and longitude were swapped and have been fixed"
        if self.crs:
            text += f"; coordinates in {self.crs}"
        if self.outside_centres:
            text += f"; {self.outside_centres} outside every centre"
        return text

    def rejected_frame(self) -> pd.DataFrame:
        """Rejected rows as a table sorted by row."""
        if not self.rejected:
            return pd.DataFrame({"row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="string")})
        return pd.DataFrame(self.rejected).sort_values("row", kind="stable").reset_index(drop=True)


@dataclass
class LoadResult:
    """A loaded layer and its report."""

    data: gpd.GeoDataFrame | pd.DataFrame
    report: LoadReport
