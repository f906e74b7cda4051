"""What a loader tells about the file it read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import geopandas as gpd
import pandas as pd


class LoadError(Exception):
    """A file that cannot be loaded at all: the message names the file and the problem."""


@dataclass
class Tally:
    """The counts behind some notes of a report (:meth:`LoadReport.tally`)."""

    data: dict | list
    render: Callable[[Any], list[str]]
    at: int
    size: int = 0

    def __deepcopy__(self, memo: dict) -> "Tally":  # asdict copies fields; the render function is shared
        return Tally(dict(self.data) if isinstance(self.data, dict) else list(self.data), self.render, self.at,
                     self.size)


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
    decisions : dict
        What was decided from the file as a whole (:meth:`decide`): a file loaded in
        chunks decides from its first chunk and gives the same answer to every other.
        Not saved.
    tallies : dict
        The counts behind notes made with :meth:`tally`, so the reports of a file's
        chunks add up to the report of the whole file (:func:`merge_reports`). Not saved.
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
    decisions: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    tallies: dict[str, Tally] = field(default_factory=dict, repr=False, compare=False)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def reject(self, rows: pd.Series | list[int], reason: str) -> None:
        """Record `rows` (file row numbers) as rejected for `reason`."""
        for row in list(rows):
            self.rejected.append({"row": int(row), "reason": reason})

    def decide(self, key: str, choose: Callable[[], Any]) -> Any:
        """The decision `key` already taken for this file, else ``choose()`` (then kept).

        A decision that looks at every row (are most names addresses? are the
        coordinates metres?) is taken once; the chunks of a file loaded in chunks share
        one ``decisions`` dict, so they all follow the first chunk's.
        """
        if key not in self.decisions:
            self.decisions[key] = choose()
        return self.decisions[key]

    def tally(self, key: str, data: dict | list, render: Callable[[Any], list[str]]) -> None:
        """Add the notes ``render(data)`` says, keeping `data` so that chunks add up.

        Parameters
        ----------
        key : str
            What is counted (one tally per key and load).
        data : dict or list
            Counts (``{value: n}``, added up over chunks, in order of first appearance),
            or values in file order (joined over chunks without repeats).
        render : callable
            The notes for `data` (none, one or several); called again on the chunks' sum.
        """
        self.tallies[key] = Tally(data, render, len(self.notes))
        self.notes.extend(render(data))
        self.tallies[key].size = len(self.notes) - self.tallies[key].at

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values."""
        out = asdict(self)
        out.pop("decisions", None)
        out.pop("tallies", None)
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


def merge_reports(reports: list[LoadReport]) -> LoadReport:
    """The report of a whole file from the reports of its chunks, in file order.

    Counts are added up, rejected rows listed by row, the first chunk's coordinate
    system, column mapping and decisions kept, value maps joined. Notes keep the
    order they have in every chunk; a note made from counts (:meth:`LoadReport.tally`)
    is made again from the chunks' summed counts, so it reads as it would for the
    whole file; notes repeated by several chunks are said once.
    """
    if not reports:
        raise ValueError("no reports to merge")
    first = reports[0]
    out = LoadReport(file=first.file, layer=first.layer, crs=first.crs, swapped_lat_lon=first.swapped_lat_lon,
                     columns=dict(first.columns), decisions=first.decisions)
    order: list[tuple[str, str]] = []
    tallies: dict[str, Tally] = {}
    for report in reports:
        out.rows_read += report.rows_read
        out.rows_kept += report.rows_kept
        out.rejected.extend(report.rejected)
        out.outside_centres += report.outside_centres
        out.duplicate_rows += report.duplicate_rows
        for column, pairs in report.value_map.items():
            merged = out.value_map.setdefault(column, {})
            for raw, target in pairs.items():
                merged.setdefault(raw, target)
        for key, tally in report.tallies.items():
            if key not in tallies:
                tallies[key] = Tally(tally.data.__class__(), tally.render, 0)
            tallies[key].data = _add(tallies[key].data, tally.data)
        order = _merge_order(order, _items(report))
    out.rejected.sort(key=lambda r: r["row"])
    for kind, item in order:
        if kind == "note":
            out.notes.append(item)
        else:
            out.tally(item, tallies[item].data, tallies[item].render)
    return out


def _items(report: LoadReport) -> list[tuple[str, str]]:
    """The report's notes as ``("note", text)`` and ``("tally", key)`` items, in order."""
    starts: dict[int, list[str]] = {}
    covered: set[int] = set()
    for key, tally in report.tallies.items():  # in the order they were made
        starts.setdefault(tally.at, []).append(key)
        covered.update(range(tally.at, tally.at + tally.size))
    items = []
    for i in range(len(report.notes) + 1):
        items += [("tally", key) for key in starts.get(i, [])]
        if i < len(report.notes) and i not in covered:
            items.append(("note", report.notes[i]))
    return items


def _merge_order(done: list, more: list) -> list:
    """`done` with the items of `more` it lacks, each put after the item before it in `more`."""
    out = list(done)
    seen = set(out)
    after = -1
    for item in more:
        if item in seen:
            after = out.index(item)
            continue
        out.insert(after + 1, item)
        seen.add(item)
        after += 1
    return out


def _add(total: dict | list, more: dict | list) -> dict | list:
    if isinstance(total, dict):
        out = dict(total)
        for key, n in more.items():
            out[key] = out.get(key, 0) + n
        return out
    return list(dict.fromkeys([*total, *more]))
