"""Centre-level indicators published as tables: the CDRC town-centre vacancy statistics.

Where nobody has surveyed the units, the published shares per centre are all there
is. :func:`load_cdrc_town_centres` reads the CDRC "Pre and Post Recession Town Centre
Statistics" tables (Local Data Company premises, 2009 and 2014: ``TC2004_ID``,
``NAME``, ``TotalOfPremise``, ``Comparison_Prop``, ``Convenience_Prop``,
``Leisure_Prop``, ``Services_Prop``, ``Vacant_Prop``; ``NA`` where not surveyed) into
one tidy table, one row per centre and year:

``centre_id``, ``name``, ``year``, ``level`` (``town_centre`` or ``retail_core``),
``premises``, ``vacant`` (premises x share, rounded), ``vacant_share``,
``comparison_share``, ``convenience_share``, ``leisure_share``, ``services_share``,
``name_key`` (the name in :func:`agora.loaders.normalise.slug` form, to join on) and
``source``.

Retail cores (ids ``RC...``, "<Town> Retail Core") lie inside their town centres
(``TC...``): the same premises are counted twice. They are left out unless asked for,
and then flagged in ``level``; never add the two levels together.

Attribution the data requires: "Data from the Local Data Company; Data analysis by the
ESRC Consumer Data Research Centre."

No streamlit here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..layers import strip_text
from .columns import normalise
from .normalise import slug
from .read import Source, read_source
from .report import LoadError, LoadReport, LoadResult

ATTRIBUTION = "Data from the Local Data Company; Data analysis by the ESRC Consumer Data Research Centre."

COLUMNS = {
    "centre_id": "string",
    "name": "string",
    "year": "Int64",
    "level": "string",
    "premises": "Int64",
    "vacant": "Int64",
    "vacant_share": "Float64",
    "comparison_share": "Float64",
    "convenience_share": "Float64",
    "leisure_share": "Float64",
    "services_share": "Float64",
    "name_key": "string",
    "source": "string",
}

#: Input column (after :func:`agora.loaders.columns.normalise`) -> output column.
CDRC_COLUMNS = {
    "tc2004id": "centre_id",
    "name": "name",
    "totalofpremise": "premises",
    "totalofpremises": "premises",
    "comparisonprop": "comparison_share",
    "convenienceprop": "convenience_share",
    "leisureprop": "leisure_share",
    "servicesprop": "services_share",
    "vacantprop": "vacant_share",
}
SHARES = ["vacant_share", "comparison_share", "convenience_share", "leisure_share", "services_share"]
LEVELS = {"TC": "town_centre", "RC": "retail_core"}
_YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)|(?:^|[_\-\s])(\d\d)(?=[_\-\s%.])")


def year_from_name(name: str) -> int | None:
    """The year a file name states: ``tc_2014_...csv`` -> 2014, ``TC_09_%.csv`` -> 2009."""
    m = _YEAR.search(Path(name).stem + ".")
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else 2000 + int(m.group(2))


def load_cdrc_town_centres(
    source: Source,
    *,
    year: int | None = None,
    retail_cores: bool = False,
    filename: str | None = None,
) -> LoadResult:
    """Load one CDRC town-centre statistics table.

    Parameters
    ----------
    source : path, bytes or file object
        The CSV (or Excel) table.
    year : int, optional
        Year of the data; read from the file name when not given.
    retail_cores : bool
        Keep the retail-core rows (``RC...``), flagged ``level = "retail_core"``.
        Default False: town centres only (cores are nested in them).
    filename : str, optional
        Name for messages (needed for uploads).

    Returns
    -------
    LoadResult
        ``data``: the tidy table described in the module docstring (every town centre,
        surveyed or not: ``premises`` and shares are <NA> where the source says NA);
        ``report``: rows read, kept, rejected (with row and reason) and notes.

    Raises
    ------
    LoadError
        When the file is not such a table.
    """
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "upload")
    table, notes = read_source(source, name)
    report = LoadReport(file=name, layer="area_indicators", rows_read=len(table), notes=list(notes))
    mapping = {}
    for col in table.columns:
        target = CDRC_COLUMNS.get(normalise(col))
        if target and target not in mapping.values():
            mapping[col] = target
        report.columns[col] = target or ("kept" if col != "_row" else "row")
    report.columns.pop("_row", None)
    missing = [c for c in ("centre_id", "name", "premises", "vacant_share") if c not in mapping.values()]
    if missing:
        found = ", ".join(c for c in table.columns if c != "_row")
        raise LoadError(f"{name}: not a CDRC town-centre table (needs TC2004_ID, NAME, TotalOfPremise, Vacant_Prop); "
                        f"found {found}.")
    year = year or year_from_name(name)
    if year is None:
        raise LoadError(f"{name}: the year is not in the file name; give it (year=2014 or --year 2014).")
    out = table.rename(columns=mapping)
    out["centre_id"] = out["centre_id"].astype("string").str.strip()
    out["level"] = out["centre_id"].str[:2].str.upper().map(LEVELS)
    bad = out["level"].isna()
    report.reject(out.loc[bad, "_row"], "id is neither a town centre (TC...) nor a retail core (RC...)")
    out = out.loc[~bad]
    cores = out["level"] == "retail_core"
    if cores.any():
        if retail_cores:
            report.notes.append(f"{int(cores.sum())} retail cores kept, flagged level=retail_core: they lie inside "
                                "their town centres, never add them to town-centre figures")
        else:
            report.notes.append(f"{int(cores.sum())} retail cores (RC...) left out: they lie inside their town centres")
            out = out.loc[~cores]
    for col in ["premises"] + SHARES:
        if col not in out:
            out[col] = pd.NA
        text = out[col].astype("string").str.strip()
        values = pd.to_numeric(text.mask(text.str.upper().isin(["NA", "N/A", ""])), errors="coerce")
        unreadable = values.isna() & text.notna() & ~text.str.upper().isin(["NA", "N/A", ""])
        for row, value in zip(out.loc[unreadable, "_row"], text[unreadable]):
            report.notes.append(f"row {row}: {col} {value!r} is not a number; left empty")
        out[col] = values
    shares_bad = pd.concat([~out[c].between(0, 1) & out[c].notna() for c in SHARES], axis=1).any(axis=1)
    report.reject(out.loc[shares_bad, "_row"], "a share outside 0..1")
    out = out.loc[~shares_bad].copy()
    not_surveyed = out["premises"].isna()
    if not_surveyed.any():
        report.notes.append(f"{int(not_surveyed.sum())} centres have no survey (NA): kept with empty figures")
    out["premises"] = out["premises"].round().astype("Int64")
    out["vacant"] = (out["premises"] * out["vacant_share"]).round().astype("Int64")
    out["year"] = year
    out["name"] = strip_text(out["name"])
    out["name_key"] = out["name"].map(slug, na_action="ignore")
    out["source"] = f"CDRC town centre statistics {year} ({name})"
    out = out[list(COLUMNS)].astype(COLUMNS).reset_index(drop=True)
    report.rows_kept = len(out)
    if out.empty:
        raise LoadError(f"{name}: no town-centre row could be read.")
    return LoadResult(data=out, report=report)


def load_cdrc_folder(folder: str | Path, *, retail_cores: bool = False) -> LoadResult:
    """Load every CDRC table (``*.csv`` whose name states a year) in `folder` into one table."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*.csv") if year_from_name(p.name))
    if not files:
        raise LoadError(f"{folder.name}: no CSV table with a year in its name.")
    results = [load_cdrc_town_centres(p, retail_cores=retail_cores) for p in files]
    report = LoadReport(file=folder.name, layer="area_indicators",
                        rows_read=sum(r.report.rows_read for r in results),
                        rows_kept=sum(r.report.rows_kept for r in results))
    for r in results:
        report.rejected += r.report.rejected
        report.notes += [f"{r.report.file}: {n}" for n in r.report.notes]
    data = pd.concat([r.data for r in results], ignore_index=True)
    return LoadResult(data=data.sort_values(["centre_id", "year"], kind="stable").reset_index(drop=True), report=report)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """National figures per year and level: centres with data, premises, vacant, premise-weighted vacancy.

    Returns
    -------
    DataFrame
        ``year``, ``level``, ``centres`` (rows), ``centres_with_data``, ``premises``,
        ``vacant`` (sum of premises x share), ``vacancy_rate`` (vacant / premises).
    """
    data = table.assign(_vac=table["premises"].astype("Float64") * table["vacant_share"])
    out = data.groupby(["year", "level"]).agg(
        centres=("centre_id", "size"),
        centres_with_data=("premises", "count"),
        premises=("premises", "sum"),
        vacant=("_vac", "sum"),
    ).reset_index()
    out["vacancy_rate"] = (out["vacant"] / out["premises"]).astype(float)
    out["vacant"] = out["vacant"].round().astype("Int64")
    return out


def match_centres(indicators: pd.DataFrame, centres: pd.DataFrame) -> pd.DataFrame:
    """The indicator rows for `centres`, matched by ``centre_id`` first, else by name.

    Parameters
    ----------
    indicators : DataFrame
        From :func:`load_cdrc_town_centres` (or :func:`load_cdrc_folder`).
    centres : DataFrame
        With ``centre_id`` and ``name`` (the centres layer).

    Returns
    -------
    DataFrame
        The indicator columns plus ``our_centre_id`` (the centre they matched) and
        ``matched_by`` (``id`` or ``name``).
    """
    ours = centres[["centre_id", "name"]].astype("string")
    by_id = indicators.merge(ours[["centre_id"]].assign(our_centre_id=ours["centre_id"]), on="centre_id")
    by_id["matched_by"] = "id"
    keyed = ours.assign(name_key=ours["name"].map(slug, na_action="ignore"))
    keyed = keyed[~keyed["centre_id"].isin(by_id["our_centre_id"])]
    by_name = indicators.merge(keyed[["centre_id", "name_key"]].rename(columns={"centre_id": "our_centre_id"}),
                               on="name_key")
    by_name["matched_by"] = "name"
    out = pd.concat([by_id, by_name], ignore_index=True)
    return out.sort_values(["our_centre_id", "year"], kind="stable").reset_index(drop=True)
