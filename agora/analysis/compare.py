"""Compare centres: standardised distance, "towns like ours", percentiles and size bands.

Everything here works on the indicator table of :mod:`agora.analysis.indicators` (one
row per centre, one column per indicator) and is plain pandas/numpy.

Standardisation
    Each indicator becomes a z-score over the centres that have it: ``(x - mean) / sd``
    (population standard deviation). An indicator with the same value everywhere gives
    z = 0. Missing values stay missing. Counts spanning orders of magnitude (units,
    area: ``scale="log"`` in the registry) are standardised on ``log(1 + x)``, so one
    city centre of 20,000 premises does not squash every other difference in size.

Distance
    Between centres a and b over the chosen indicators i with weights w_i, counting only
    the indicators both have (S)::

        d(a, b) = sqrt( sum_{i in S} w_i (z_ai - z_bi)^2 / sum_{i in S} w_i )

    a weighted root-mean-square difference in standard deviations. d(a, a) = 0 and
    d(a, b) = d(b, a). A pair sharing fewer than `min_shared` indicators (default: half
    of those chosen, at least one) has no distance (NaN) and is never listed as similar.

Percentiles
    The share of the other centres (with a value) whose value is lower, ties counting
    half, as 0..100: the lowest centre is 0, the highest 100. Among all centres and
    among the centres of the same size band. Missing values have no percentile.

Size bands
    By the number of units (premises) in the latest survey: :data:`SIZE_BANDS`.

No streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .bands import NO_BAND, SIZE_BANDS, size_band  # noqa: F401 - part of this module's interface
from .indicators import INDICATORS, get

#: (label, lowest units count) from small to large; a centre is in the last band whose lower bound it reaches.
#: The ``source`` of the demo towns' centres (:data:`agora.demo.SOURCE`).
DEMO_SOURCE = "Demo towns (fictional)"


# --------------------------------------------------------------------------- helpers
def is_demo_centre(centre: Mapping | pd.Series) -> bool:
    """Whether a centre (a row of the centres layer) is one of the fictional demo towns, from its ``source``."""
    source = centre.get("source") if hasattr(centre, "get") else None
    return isinstance(source, str) and source.startswith(DEMO_SOURCE)


def demo_centre_ids(centres: pd.DataFrame | None) -> set[str]:
    """Ids of the demo towns among `centres`."""
    if centres is None or centres.empty or "source" not in centres:
        return set()
    demo = centres["source"].astype("string").str.startswith(DEMO_SOURCE).fillna(False)
    return set(centres.loc[demo.to_numpy(), "centre_id"].astype(str))


def comparison_set(table: pd.DataFrame, centres: pd.DataFrame | None, *, include_demo: bool | None = None,
                   keep: Sequence[str] = ()) -> pd.DataFrame:
    """The centres to compare with: the user's own and reference centres; demo towns only if asked or alone.

    Demo towns join when the workspace has no centre of its own, or when asked.

    Parameters
    ----------
    table : DataFrame
        The indicator table (``centre_id``).
    centres : DataFrame
        The centres layer (its ``source`` tells the demo towns).
    include_demo : bool, optional
        True: keep the demo towns; False: drop them; None (default): keep them only
        when the workspace's centres are all demo towns (reference centres from area
        tables are compared with them then).
    keep : list of str
        Centre ids kept whatever they are (the centre a profile is about).
    """
    demo = demo_centre_ids(centres)
    if not demo or include_demo:
        return table
    own = set(centres["centre_id"].astype(str)) - demo
    if include_demo is None and not own:  # the workspace holds nothing but the demo towns
        return table
    ids = table["centre_id"].astype(str)
    is_demo = ids.isin(demo)
    return table[~is_demo | ids.isin([str(k) for k in keep])].reset_index(drop=True)


def _numeric(table: pd.DataFrame, indicators: Sequence[str]) -> pd.DataFrame:
    """The `indicators` columns as float (NaN for missing), same index."""
    missing = [c for c in indicators if c not in table]
    if missing:
        raise KeyError(f"not in the indicator table: {', '.join(missing)}")
    return pd.DataFrame(
        {c: pd.to_numeric(table[c], errors="coerce").astype("float64") for c in indicators}, index=table.index
    )


def _weights(indicators: Sequence[str], weights: Mapping[str, float] | None) -> np.ndarray:
    w = np.array([float((weights or {}).get(c, 1.0)) for c in indicators], dtype=float)
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("weights must be finite and not negative")
    return w


def default_min_shared(n_indicators: int) -> int:
    """Half the chosen indicators (rounded up), at least one."""
    return max(1, math.ceil(n_indicators / 2))


# --------------------------------------------------------------------------- standardising
def log_scaled(indicators: Sequence[str]) -> list[str]:
    """The indicators of the registry compared on a log scale."""

    return [i for i in indicators if i in INDICATORS and INDICATORS[i].scale == "log"]


def zscores(table: pd.DataFrame, indicators: Sequence[str], *, log: Sequence[str] | None = None) -> pd.DataFrame:
    """Standardise `indicators`: ``(x - mean) / sd`` over the centres that have a value.

    Parameters
    ----------
    log : list of str, optional
        Indicators standardised on ``log(1 + x)`` (default: those the registry marks
        ``scale="log"``; pass ``[]`` for none).

    Returns
    -------
    DataFrame
        Same index, one float column per indicator; NaN where the value is missing;
        0 for every present value of an indicator that does not vary.
    """
    values = _numeric(table, indicators)
    for col in log_scaled(indicators) if log is None else log:
        if col in values:
            values[col] = np.log1p(values[col].clip(lower=0))
    mean = values.mean(skipna=True)
    sd = values.std(ddof=0, skipna=True)
    z = (values - mean) / sd.where(sd > 0)
    flat = sd.fillna(0) == 0
    for col in values.columns[flat.to_numpy()]:
        z[col] = np.where(values[col].notna(), 0.0, np.nan)
    return z


def _pair_terms(z: np.ndarray, row: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Squared differences, the shared mask and the weight shared, of every row of `z` against `row`."""
    diff = z - row[None, :]
    shared = ~np.isnan(diff)
    sq = np.where(shared, diff * diff, 0.0)
    return sq, shared, shared @ w


def distances_from(
    table: pd.DataFrame,
    centre_id: str,
    indicators: Sequence[str],
    weights: Mapping[str, float] | None = None,
    *,
    min_shared: int | None = None,
    id_column: str = "centre_id",
) -> pd.DataFrame:
    """Distance of every centre from one centre.

    Parameters
    ----------
    table : DataFrame
        The indicator table (``centre_id`` and the indicator columns).
    centre_id : str
        The centre to measure from.
    indicators : list of str
        Indicator columns to compare on.
    weights : dict, optional
        Indicator -> weight (default 1 each; 0 leaves one out).
    min_shared : int, optional
        Least number of indicators a pair must both have (default: half, at least 1).

    Returns
    -------
    DataFrame
        `id_column`, ``distance`` (NaN where too few indicators are shared), ``shared``
        (number of indicators compared) and one ``dz_<indicator>`` column per indicator
        (the other centre's z minus this centre's z), in the order of `table`.
    """
    indicators = list(indicators)
    if not indicators:
        raise ValueError("choose at least one indicator to compare on")
    ids = table[id_column].astype("string").to_numpy()
    hit = np.flatnonzero(ids == centre_id)
    if not len(hit):
        raise KeyError(f"no centre {centre_id!r} in the indicator table")
    w = _weights(indicators, weights)
    if not (w > 0).any():
        raise ValueError("at least one weight must be above 0")
    keep = w > 0
    indicators = [c for c, k in zip(indicators, keep) if k]
    w = w[keep]
    min_shared = default_min_shared(len(indicators)) if min_shared is None else int(min_shared)
    z = zscores(table, indicators).to_numpy()
    row = z[hit[0]]
    sq, shared_mask, shared_w = _pair_terms(z, row, w)
    n_shared = shared_mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt((sq @ w) / shared_w)
    dist = np.where((n_shared >= min_shared) & (shared_w > 0), dist, np.nan)
    out = pd.DataFrame({id_column: table[id_column].to_numpy(), "distance": dist, "shared": n_shared})
    for j, col in enumerate(indicators):
        out[f"dz_{col}"] = z[:, j] - row[j]
    out.index = table.index
    return out


def distance_matrix(
    table: pd.DataFrame,
    indicators: Sequence[str],
    weights: Mapping[str, float] | None = None,
    *,
    min_shared: int | None = None,
    id_column: str = "centre_id",
) -> pd.DataFrame:
    """Every pair's distance (see the module docstring), a square frame indexed by centre id.

    Memory grows with the square of the number of centres (1,300 centres: about 14 MB
    per indicator while computing); to list one centre's neighbours use
    :func:`similar_centres`.
    """
    indicators = list(indicators)
    w = _weights(indicators, weights)
    min_shared = default_min_shared(int((w > 0).sum())) if min_shared is None else int(min_shared)
    z = zscores(table, indicators).to_numpy()
    n = len(z)
    total = np.zeros((n, n))
    weight = np.zeros((n, n))
    count = np.zeros((n, n), dtype=int)
    for j in range(z.shape[1]):
        if w[j] == 0:
            continue
        col = z[:, j]
        diff = col[:, None] - col[None, :]
        ok = ~np.isnan(diff)
        total += np.where(ok, w[j] * diff * diff, 0.0)
        weight += ok * w[j]
        count += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(total / weight)
    dist[(count < min_shared) | (weight == 0)] = np.nan
    ids = table[id_column].astype("string").tolist()
    return pd.DataFrame(dist, index=ids, columns=ids)


# --------------------------------------------------------------------------- towns like ours
def explain(dz: Mapping[str, float], labels: Mapping[str, str] | None = None, *, far: float = 1.0) -> str:
    """Say in words why two centres are near: the two indicators they are closest on, and the largest difference.

    Parameters
    ----------
    dz : dict
        Indicator -> the other centre's z minus this centre's z (NaN: not compared).
    labels : dict, optional
        Indicator -> label used in the sentence (lower-cased).
    far : float
        A difference (in standard deviations) above which the largest one is named.

    Examples
    --------
    >>> explain({"vacancy_rate": 0.1, "share_independent": -0.2, "footfall_yoy": 1.6},
    ...         {"vacancy_rate": "Vacancy rate", "share_independent": "Share independent",
    ...          "footfall_yoy": "Footfall YoY"})
    'closest on vacancy rate and share independent; differs most on footfall YoY (higher)'
    """
    labels = labels or {}
    known = {k: float(v) for k, v in dz.items() if v is not None and not pd.isna(v)}
    if not known:
        return "no indicator in common"

    def name(key: str) -> str:
        text = str(labels.get(key, key.replace("_", " ")))
        return text[:1].lower() + text[1:] if not text[:2].isupper() else text

    order = sorted(known, key=lambda k: abs(known[k]))
    near = order[:2]
    parts = ["closest on " + " and ".join(name(k) for k in near)]
    worst = order[-1]
    if abs(known[worst]) > far and worst not in near:
        parts.append(f"differs most on {name(worst)} ({'higher' if known[worst] > 0 else 'lower'})")
    return "; ".join(parts)


def similar_centres(
    table: pd.DataFrame,
    centre_id: str,
    indicators: Sequence[str],
    weights: Mapping[str, float] | None = None,
    *,
    k: int = 5,
    include_self: bool = False,
    min_shared: int | None = None,
    labels: Mapping[str, str] | None = None,
    id_column: str = "centre_id",
    name_column: str = "name",
) -> pd.DataFrame:
    """The `k` centres nearest `centre_id` on standardised `indicators` ("towns like ours").

    Returns
    -------
    DataFrame
        Nearest first: `id_column`, `name_column`, ``distance``, ``shared`` (indicators
        compared), ``why`` (:func:`explain`), then the ``dz_`` columns. Ties are broken
        by centre id. With `include_self`, the centre itself comes first at distance 0.
    """
    dist = distances_from(table, centre_id, indicators, weights, min_shared=min_shared, id_column=id_column)
    if name_column in table:
        dist.insert(1, name_column, table[name_column].astype("string").to_numpy())
    ids = dist[id_column].astype("string")
    if not include_self:
        dist = dist[ids != centre_id]
    dist = dist[dist["distance"].notna()]
    dist = dist.assign(_self=(dist[id_column].astype("string") != centre_id).astype(int))
    dist = dist.sort_values(["_self", "distance", id_column], kind="stable").drop(columns="_self").head(k)
    dz_cols = [c for c in dist.columns if c.startswith("dz_")]
    whys = [explain({c[3:]: r[c] for c in dz_cols}, labels) for _, r in dist.iterrows()]
    dist.insert(dist.columns.get_loc("shared") + 1, "why", whys)
    return dist.reset_index(drop=True)


def similar_by_brands(units: pd.DataFrame, centre_id: str, *, k: int = 5) -> pd.DataFrame:
    """The `k` centres whose brand sets are most like `centre_id`'s (each centre's latest units).

    Thin wrapper over :func:`agora.analysis.similarity.most_similar` (Jaccard on the
    chain brands, then cosine on the category mix).

    Returns
    -------
    DataFrame
        ``centre_id``, ``brand_jaccard``, ``shared_brands``, ``brands_in_common``,
        ``category_cosine``; most similar first. Empty when `centre_id` has no units.
    """
    from . import similarity
    from .surveys import units_on

    cols = ["centre_id", "brand_jaccard", "shared_brands", "brands_in_common", "category_cosine"]
    if units is None or units.empty or "centre_id" not in units or \
            not units["centre_id"].astype("string").eq(centre_id).fillna(False).any():
        return pd.DataFrame(columns=cols)
    # each centre's units known on its latest survey date, as the Clone town page and the indicator table use
    out = similarity.most_similar(units_on(units), centre_id, n=k)
    return out.rename(columns={"centre": "centre_id"})[cols]


def similar_by_brand_tables(brands: pd.DataFrame, mix: pd.DataFrame, centre_id: str, *, k: int = 5,
                            index=None) -> pd.DataFrame:
    """:func:`similar_by_brands` from stored tables (:func:`agora.analysis.similarity.brand_table`,
    :func:`~agora.analysis.similarity.category_long` of every centre's latest survey); `index`: their
    :func:`~agora.analysis.similarity.similarity_index`, when made before."""
    from . import similarity

    cols = ["centre_id", "brand_jaccard", "shared_brands", "brands_in_common", "category_cosine"]
    if not ((brands["centre"] == centre_id).any() or (mix["centre"] == centre_id).any()):
        return pd.DataFrame(columns=cols)
    out = similarity.most_similar_tables(brands, mix, centre_id, n=k, index=index)
    return out.rename(columns={"centre": "centre_id"})[cols]


# --------------------------------------------------------------------------- percentiles and bands
def _percentile(values: pd.Series) -> pd.Series:
    n = values.notna().sum()
    if n < 2:
        return pd.Series(np.nan, index=values.index)
    ranks = values.rank(method="average")
    return (ranks - 1) / (n - 1) * 100


def percentiles(table: pd.DataFrame, indicators: Sequence[str], *, by: str | pd.Series | None = None) -> pd.DataFrame:
    """Percentile (0..100) of each centre on each indicator, among all centres or within groups.

    Parameters
    ----------
    table : DataFrame
        The indicator table.
    indicators : list of str
        Numeric indicator columns.
    by : str or Series, optional
        A column (or Series on the same index) to rank within, e.g. the size band.
        Centres whose group is missing or :data:`NO_BAND` get NaN.

    Returns
    -------
    DataFrame
        Same index, one float column per indicator: the share of the other centres of
        the group with a lower value (ties half); NaN where the value is missing or
        the group holds fewer than two values.
    """
    values = _numeric(table, indicators)
    if by is None:
        return values.apply(_percentile)
    groups = table[by] if isinstance(by, str) else by
    groups = groups.astype("string")
    out = pd.DataFrame(np.nan, index=values.index, columns=values.columns)
    for key, idx in groups.groupby(groups, dropna=True).groups.items():
        if key == NO_BAND:
            continue
        out.loc[idx] = values.loc[idx].apply(_percentile).to_numpy()
    return out


def goodness(percentile: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """Turn percentiles into "better than x % of centres": flipped where higher is worse, NaN where neutral."""
    out = percentile.copy()
    for col in out.columns:
        d = directions.get(col, "neutral")
        if d == "higher_worse":
            out[col] = 100 - out[col]
        elif d != "higher_better":
            out[col] = np.nan
    return out


# --------------------------------------------------------------------------- side by side
def standing_words(values: pd.Series, value: float, label: str, direction: str) -> str:
    """Where `value` stands among `values` (its own included), counted: "lower vacancy rate than 4 of the 6 centres".

    For an indicator where higher is worse, the count is of the centres with a higher
    value ("lower ... than"); otherwise of those with a lower value ("higher ... than").
    Ties are said apart ("; the same as 1"). "" when the value is missing.
    """
    if value is None or pd.isna(value):
        return ""
    known = pd.to_numeric(values, errors="coerce").dropna()
    n = len(known)
    if n < 2:
        return f"the only centre with a {label.lower()}"
    higher, lower = int((known > value).sum()), int((known < value).sum())
    same = n - higher - lower - 1
    word, count = ("lower", higher) if direction == "higher_worse" else ("higher", lower)
    text = f"{word} {label.lower()} than {count} of the {n:,} centres"
    return text + (f"; the same as {same}" if same > 0 else "")



def side_by_side(table: pd.DataFrame, centre_ids: Sequence[str], indicators: Sequence[str]) -> pd.DataFrame:
    """The chosen centres' values on the chosen indicators, one row per centre and indicator.

    Returns
    -------
    DataFrame
        ``centre_id``, ``name``, ``indicator``, ``label``, ``unit``, ``direction``,
        ``value`` (NaN when missing), ``shown`` (formatted), ``percentile`` (among all
        centres), ``band_percentile`` (within the size band), ``better_than`` (share of
        centres it does better than; NaN for neutral indicators), ``median``,
        ``centres`` (number of the centres with a value) and ``standing`` (in words,
        counted: "lower vacancy rate than 4 of the 6 centres"), in the order given.
    """

    indicators = [i for i in indicators if get(i).kind == "number" and i in table]
    pct = percentiles(table, indicators)
    band = percentiles(table, indicators, by="size_band") if "size_band" in table else pct * np.nan
    better = goodness(pct, {i: INDICATORS[i].direction for i in indicators})
    values = _numeric(table, indicators)
    medians = values.median()
    counts = values.notna().sum()
    ids = table["centre_id"].astype("string")
    rows = []
    for cid in centre_ids:
        hit = np.flatnonzero(ids.to_numpy() == cid)
        if not len(hit):
            continue
        i = table.index[hit[0]]
        for ind in indicators:
            spec = INDICATORS[ind]
            rows.append({
                "centre_id": cid, "name": table.at[i, "name"], "indicator": ind, "label": spec.label,
                "unit": spec.unit, "direction": spec.direction, "value": values.at[i, ind],
                "shown": spec.format(values.at[i, ind]), "percentile": pct.at[i, ind],
                "band_percentile": band.at[i, ind], "better_than": better.at[i, ind], "median": medians[ind],
                "centres": int(counts[ind]),
                "standing": standing_words(values[ind], values.at[i, ind], spec.label, spec.direction),
            })
    cols = ["centre_id", "name", "indicator", "label", "unit", "direction", "value", "shown", "percentile",
            "band_percentile", "better_than", "median", "centres", "standing"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- map classes
SCHEMES = {"quantiles": "Quantiles", "naturalbreaks": "NaturalBreaks", "equalinterval": "EqualInterval",
           "fisherjenks": "FisherJenks"}


def classify(values: pd.Series, *, scheme: str = "quantiles", k: int = 5,
             fmt=lambda v: f"{v:.3g}") -> tuple[pd.Series, list[str]]:
    """Put values into `k` classes with mapclassify (for a choropleth's colours and legend).

    Parameters
    ----------
    scheme : str
        One of :data:`SCHEMES` (quantiles, natural breaks, equal interval, Fisher-Jenks).
    fmt : callable
        Formats a class bound for the legend.

    Returns
    -------
    classes : Series
        Class number 0..k-1 per value (<NA> where the value is missing).
    labels : list of str
        ``"lower – upper"`` per class, from the lowest.
    """
    import mapclassify

    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}")
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    present = x.dropna()
    out = pd.Series(pd.NA, index=x.index, dtype="Int64")
    if present.empty:
        return out, []
    distinct = present.nunique()
    k = max(1, min(int(k), distinct))
    if k == 1:
        out[present.index] = 0
        return out, [fmt(present.min()) if present.min() == present.max() else
                     f"{fmt(present.min())} – {fmt(present.max())}"]
    result = getattr(mapclassify, SCHEMES[scheme])(present.to_numpy(), k=k)
    bins = list(result.bins)
    out[present.index] = np.asarray(result.yb, dtype=int)
    lows = [present.min()] + bins[:-1]
    labels = [f"{fmt(lo)} – {fmt(hi)}" for lo, hi in zip(lows, bins)]
    used = sorted(set(out.dropna().astype(int)))
    # mapclassify can return fewer distinct classes than asked (ties): keep labels aligned to numbers
    return out, labels[: max(used) + 1] if used else labels
