"""Reference figures: where a centre's figures stand against the median centre.

From the indicator table (:func:`agora.analysis.indicators.indicator_table`, one row
per centre) the median and the interquartile range (the middle half) of each numeric
indicator, over three groups of centres:

- ``all``: every centre compared with;
- ``size``: the centres of the same size band (:mod:`agora.analysis.bands`);
- ``region``: the centres of the same region (the ``region`` of the centres layer;
  centres known only from area tables have none and join the first two groups only).

Rules
    The centres compared with are :func:`agora.analysis.compare.comparison_set`'s:
    the fictional demo towns are left out while the workspace holds centres of its own,
    unless asked for; the centre itself is always kept and counts in every group it
    belongs to. Each statistic is over the centres of the group that have a value
    (``n``); missing values are never counted as 0. Quartiles are interpolated linearly
    between values (pandas' default). A group of fewer than :data:`MIN_CENTRES` centres
    gives no reference (a median of one centre is the centre itself). A centre whose
    size or region is not known has no ``size`` or ``region`` reference.

The national town-centre vacancy series comes from the CDRC tables when the workspace
holds them (:func:`national_vacancy`): per year, the premise-weighted vacancy rate of
the town centres surveyed and the median of their rates.

Both are computed when read: the indicator table has one row per centre and the area
tables one row per centre and year, so a median over them takes milliseconds (see
``bench/bench_reference.py``), and there is nothing more to store or to keep in step.

>>> import pandas as pd
>>> t = pd.DataFrame({"centre_id": ["a", "b", "c"], "size_band": ["s", "s", "m"],
...                   "vacancy_rate": [0.1, 0.2, 0.4]})
>>> r = references(t, "a")
>>> float(r.loc[("all", "vacancy_rate"), "median"]), int(r.loc[("size", "vacancy_rate"), "n"])
(0.2, 2)
>>> sentence(r, "vacancy_rate", 0.1)
'10.0%; median of 3 centres 20.0% (middle half 15.0% to 30.0%); of 2 s centres 15.0%'

No streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .bands import NO_BAND
from .compare import comparison_set
from .indicators import INDICATORS, format_value

#: The comparison groups, in the order they are offered.
GROUPS = ("all", "size", "region")
#: How each group is offered to people.
GROUP_LABELS = {"all": "All centres", "size": "Same size", "region": "Same region"}
#: Fewest centres (with a value) a reference is drawn from.
MIN_CENTRES = 2
#: The headline figures of the Overview, as indicators of the table.
HEADLINE = ("units", "vacancy_rate", "vacancy_change", "share_independent", "footfall_yoy", "assets_total")
COLUMNS = ["group", "among", "indicator", "n", "median", "q1", "q3"]


def summarise(values: pd.DataFrame) -> pd.DataFrame:
    """Median, quartiles and count of each column of `values` (NaN left out).

    Quartiles interpolate linearly, as :meth:`pandas.Series.quantile` does.

    Returns
    -------
    DataFrame
        Indexed by column: ``n``, ``median``, ``q1``, ``q3``.
    """
    return _summarise(_matrix(values), list(values.columns))


def _matrix(values: pd.DataFrame) -> np.ndarray:
    """`values` as a float matrix (NaN for missing or unreadable)."""
    if not len(values.columns):
        return np.empty((len(values), 0))
    return np.column_stack([pd.to_numeric(values[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
                            for c in values.columns])


def _summarise(array: np.ndarray, columns: list[str]) -> pd.DataFrame:
    n = np.isfinite(array).sum(axis=0)
    q = np.full((3, array.shape[1]), np.nan)
    some = n > 0
    if some.any():
        q[:, some] = np.nanquantile(array[:, some], [0.25, 0.5, 0.75], axis=0)
    return pd.DataFrame({"n": n.astype(int), "median": q[1], "q1": q[0], "q3": q[2]},
                        index=pd.Index(columns, name="indicator"))


def numeric_indicators(table: pd.DataFrame) -> list[str]:
    """The numeric indicators of the registry that `table` holds, in registry order."""
    return [i for i, spec in INDICATORS.items() if spec.kind == "number" and i in table]


def regions_of(centres: pd.DataFrame | None) -> pd.Series:
    """Each centre's region from the centres layer (``centre_id`` -> region; empty when unknown)."""
    if centres is None or centres.empty or "region" not in centres:
        return pd.Series(dtype="string")
    region = centres["region"].astype("string").str.strip().replace("", pd.NA)
    out = pd.Series(region.to_numpy(), index=centres["centre_id"].astype("string").to_numpy(), dtype="string")
    return out[out.notna() & ~out.index.duplicated()]


def references(table: pd.DataFrame, centre_id: str, centres: pd.DataFrame | None = None, *,
               include_demo: bool | None = None, indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """The reference figures for one centre: median and quartiles of each indicator in each group.

    Parameters
    ----------
    table : DataFrame
        The indicator table (``centre_id``, ``size_band`` and the indicators).
    centre_id : str
        The centre the groups are drawn around (its size band, its region).
    centres : DataFrame, optional
        The centres layer: ``region`` for the region group, ``source`` to tell the demo
        towns (:func:`agora.analysis.compare.comparison_set`).
    include_demo : bool, optional
        As :func:`~agora.analysis.compare.comparison_set`.
    indicators : list of str, optional
        Default: every numeric indicator of the table.

    Returns
    -------
    DataFrame
        Indexed by (``group``, ``indicator``), one row per group and indicator, with
        ``group``, ``among`` (the band or region in words; "" for all), ``indicator``,
        ``n`` (centres of the group with a value), ``median``, ``q1``, ``q3`` (NaN when
        the group has fewer than :data:`MIN_CENTRES` centres, or none).
    """
    centre_id = str(centre_id)
    wanted = [i for i in (indicators or numeric_indicators(table)) if i in table]
    pool = comparison_set(table, centres, include_demo=include_demo, keep=(centre_id,))
    ids = pool["centre_id"].astype("string")
    me = pool[ids == centre_id]
    band = str(me["size_band"].iloc[0]) if len(me) and "size_band" in pool and pd.notna(me["size_band"].iloc[0]) \
        else NO_BAND
    regions = regions_of(centres)
    region = regions.get(centre_id)
    region = None if region is None or pd.isna(region) else str(region)
    groups = {
        "all": ("", pd.Series(True, index=pool.index)),
        "size": (band, pool["size_band"].astype("string").eq(band).fillna(False) if band != NO_BAND and
                 "size_band" in pool else pd.Series(False, index=pool.index)),
        "region": (region or "", ids.map(regions).eq(region).fillna(False) if region
                   else pd.Series(False, index=pool.index)),
    }
    array = _matrix(pool[wanted])
    parts = []
    for group, (among, mask) in groups.items():
        stats = _summarise(array[mask.to_numpy(dtype=bool)], wanted)
        stats.loc[stats["n"] < MIN_CENTRES, ["median", "q1", "q3"]] = np.nan
        parts.append(stats.rename_axis("indicator").reset_index().assign(group=group, among=among))
    out = pd.concat(parts, ignore_index=True)[COLUMNS] if parts else pd.DataFrame(columns=COLUMNS)
    out["n"] = out["n"].astype(int)
    return out.set_index(["group", "indicator"], drop=False)


def reference(refs: pd.DataFrame, indicator: str, group: str = "all") -> dict | None:
    """One reference as a dict (``group``, ``among``, ``indicator``, ``n``, ``median``, ``q1``, ``q3``,
    ``label``), or None when the group gives none."""
    if (group, indicator) not in refs.index:
        return None
    row = refs.loc[(group, indicator)]
    if pd.isna(row["median"]):
        return None
    out = {c: row[c] for c in COLUMNS}
    out["n"] = int(out["n"])
    out["label"] = group_words(group, out["among"], out["n"])
    return out


def group_words(group: str, among: str, n: int) -> str:
    """The group in words: "1,264 centres", "412 medium centres" (the band's name), "5 centres in Wales"."""
    centres = f"{n:,} centre{'s' if n != 1 else ''}"
    if group == "size":
        return f"{n:,} {str(among).split(' (')[0]} centre{'s' if n != 1 else ''}"
    if group == "region":
        return f"{centres} in {among}"
    return centres


def sentence(refs: pd.DataFrame, indicator: str, value=None, group: str = "all") -> str:
    """A figure beside its references, in words, the chosen group first and in full.

    "17.0%; median of 1,264 centres 12.6% (middle half 8.1% to 16.9%); of 412 medium
    centres 13.1%; of 5 centres in Wales 11.9%". The value is left
    out when None; groups without a reference are left out; "" when there is none.
    The text holds user data (region names): escape it before showing it as markdown.
    """
    spec = INDICATORS[indicator]
    bits = []
    order = [group] + [g for g in GROUPS if g != group]
    for g in order:
        ref = reference(refs, indicator, g)
        if ref is None:
            continue
        text = f"of {ref['label']} {format_value(ref['median'], spec.unit)}"
        if not bits:
            text = f"median {text} (middle half {format_value(ref['q1'], spec.unit)} to " \
                   f"{format_value(ref['q3'], spec.unit)})"
        bits.append(text)
    if not bits:
        return ""
    head = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else \
        f"{format_value(value, spec.unit)}; "
    text = head + "; ".join(bits)
    return text[0].upper() + text[1:] if not head else text


def national_vacancy(area: pd.DataFrame | None) -> pd.DataFrame:
    """The national town-centre vacancy series of the CDRC tables, one row per year.

    Town centres only (retail cores lie inside them and are left out).

    Returns
    -------
    DataFrame
        ``year``, ``date`` (1 January of the year, for a time axis), ``centres`` (with
        data), ``premises``, ``vacant``, ``vacancy_rate`` (premise-weighted: vacant
        premises / premises) and ``median_rate`` (the median centre's rate); empty when
        no table is loaded.
    """
    cols = ["year", "date", "centres", "premises", "vacant", "vacancy_rate", "median_rate"]
    if area is None or area.empty or not {"year", "premises", "vacant_share"} <= set(area.columns):
        return pd.DataFrame(columns=cols)
    data = area
    if "level" in data:
        data = data[data["level"].astype("string").fillna("town_centre") == "town_centre"]
    premises = pd.to_numeric(data["premises"], errors="coerce").astype("float64")
    share = pd.to_numeric(data["vacant_share"], errors="coerce").astype("float64")
    known = premises.notna() & share.notna()
    frame = pd.DataFrame({"year": pd.to_numeric(data["year"], errors="coerce"), "premises": premises,
                          "vacant": premises * share, "share": share})[known.to_numpy()]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    out = frame.groupby("year").agg(centres=("share", "size"), premises=("premises", "sum"),
                                    vacant=("vacant", "sum"), median_rate=("share", "median")).reset_index()
    out["year"] = out["year"].astype(int)
    out["vacancy_rate"] = out["vacant"] / out["premises"]
    out["date"] = pd.to_datetime(out["year"].astype(str) + "-01-01")
    out["premises"] = out["premises"].astype(int)
    out["vacant"] = out["vacant"].round().astype(int)
    return out[cols]


def headline_values(head) -> dict[str, float | None]:
    """The Overview's headline figures (:class:`agora.analysis.headline.Headline`) by indicator id,
    to set beside their references (the footfall figure compared is the change on a year ago)."""
    footfall = head.footfall or {}
    return {"units": head.units, "vacancy_rate": head.vacancy_rate, "vacancy_change": head.vacancy_change,
            "share_independent": head.share_independent, "footfall_yoy": footfall.get("change_pct"),
            "assets_total": head.assets}
