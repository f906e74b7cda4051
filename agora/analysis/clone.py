"""Clone-town diagnosis: nef's scores, diversity measures, sampling and its sensitivity.

nef (new economics foundation) surveyed about 50 shops from the heart of each high street
and scored them:

- **nef 2005 / RGS score** ``(5*T + 50*I + 5*C) / N``: T distinct shop types, I
  independents, C chains, N = I + C. Below 25 clone town, 25 to 35 border town, above 35
  home town.
- **nef 2010 index** (reconstructed; nef did not publish the formula):
  ``70*I/N + 30*min(T, 26)/26``, weights configurable. Below 50 clone, 50 to 65 border,
  above 65 home. It reproduces Cambridge 2010 (57 shops, 1 independent, 9 types: 11.6).

Units scored: occupied units whose use is not one nef's form leaves out (post offices,
banks, surgeries, public buildings, offices: see :mod:`agora.analysis.taxonomy`) and
whose ownership is known (see :mod:`agora.analysis.ownership`). Sampling is nef's walk
(the 50 scored units nearest a chosen heart of the high street; never fewer than 40) or
every unit of the centre; every unit carries the role it played, so each number can be
traced to the units behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..layers import DISPLAY_CRS
from ..loaders.coords import area_crs
from .vacancy import survey_dates
from .taxonomy import categorise_names, is_excluded, ldc_class, normalise_values, shop_types, type_label

CLASSES = ("clone town", "border town", "home town")
NEF2005_THRESHOLDS = (25.0, 35.0)
NEF2010_THRESHOLDS = (50.0, 65.0)
METHODS = ("nef50", "all")

CLASS_WORDS = {
    "clone town": "Chains dominate and the range of shops is narrow: the high street could be almost anywhere.",
    "border town": "A mix: the street keeps some local character, but chains hold a large share.",
    "home town": "Mostly independent shops of many kinds: the high street is recognisably its own place.",
}

ROLES = ("scored", "not in sample", "vacant", "use unknown", "excluded use", "ownership unknown")


@dataclass(frozen=True)
class CloneSettings:
    """How a centre is scored.

    Attributes
    ----------
    method : str
        ``nef50`` (the `sample_size` scored units nearest the heart) or ``all``.
    sample_size, minimum : int
        nef surveyed 50 shops, never fewer than 40.
    symbol_groups_as_chains : bool
        Count symbol-group stores (Spar, Londis...) as chains in nef scores (nef did).
    weights : tuple of float
        nef 2010 index weights on the independent share and on the type count.
    max_types : int
        Types that give the full type score in the nef 2010 index (nef's list had 26).
    types_from : str
        ``auto``, ``category`` (our taxonomy) or ``survey`` (the surveyor's own words,
        ``source_category``). ``auto`` uses the survey's words when every scored unit's
        ownership was surveyed and (nearly) all have a recorded type.
    names_for_types : bool
        Infer the type of units with none from their names ("... Butchers").
    bootstrap : int
        Resamples for the bootstrap interval (0 to skip).
    hearts : int
        Other hearts tried for the sensitivity of nef's walk (0 to skip).
    seed : int
        Random seed (resampling is reproducible).
    """

    method: str = "nef50"
    sample_size: int = 50
    minimum: int = 40
    symbol_groups_as_chains: bool = True
    weights: tuple[float, float] = (70.0, 30.0)
    max_types: int = 26
    types_from: str = "auto"
    names_for_types: bool = True
    bootstrap: int = 1000
    hearts: int = 300
    seed: int = 0

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {self.method!r}")
        if self.types_from not in ("auto", "category", "survey"):
            raise ValueError(f"types_from must be auto, category or survey, not {self.types_from!r}")
        if self.minimum > self.sample_size:
            raise ValueError("minimum cannot exceed sample_size")


# --- the published formulas ---------------------------------------------------------

def nef2005_score(types: float, independents: float, chains: float) -> float:
    """nef 2005 / RGS score ``(5*T + 50*I + 5*C) / (I + C)``; NaN when nothing is scored.

    >>> nef2005_score(10, 1, 49)   # Exeter 2005
    6.9
    """
    n = independents + chains
    if n <= 0:
        return float("nan")
    return (5 * types + 50 * independents + 5 * chains) / n


def nef2005_class(score: float) -> str | None:
    """``clone town`` below 25, ``border town`` 25 to 35, ``home town`` above 35."""
    return _band(score, NEF2005_THRESHOLDS)


def nef2010_index(types: float, independents: float, n: float, *, weights: tuple[float, float] = (70.0, 30.0),
                  max_types: int = 26) -> float:
    """nef 2010 index, reconstructed: ``w1*I/N + w2*min(T, max_types)/max_types``.

    >>> round(nef2010_index(9, 1, 57), 1)   # Cambridge 2010
    11.6
    """
    if n <= 0:
        return float("nan")
    return weights[0] * independents / n + weights[1] * min(types, max_types) / max_types


def nef2010_class(index: float) -> str | None:
    """``clone town`` below 50, ``border town`` 50 to 65, ``home town`` above 65."""
    return _band(index, NEF2010_THRESHOLDS)


def _band(value: float, thresholds: tuple[float, float]) -> str | None:
    if value is None or not np.isfinite(value):
        return None
    if value < thresholds[0]:
        return CLASSES[0]
    return CLASSES[1] if value <= thresholds[1] else CLASSES[2]


# --- diversity -------------------------------------------------------------------------

def shannon(counts) -> float:
    """Shannon diversity ``-sum(p ln p)`` of category counts (0 for one category; NaN for none).

    The counts are summed in ascending order, so their order does not change the last digit.
    """
    c = np.sort(np.asarray(counts, dtype=float))
    c = c[c > 0]
    if c.size == 0:
        return float("nan")
    p = c / c.sum()
    return float(-(p * np.log(p)).sum() + 0.0)


def simpson(counts) -> float:
    """Simpson diversity ``1 - sum(p^2)`` (Gini-Simpson: the chance two units differ in type); counts in any order."""
    c = np.sort(np.asarray(counts, dtype=float))
    c = c[c > 0]
    if c.size == 0:
        return float("nan")
    p = c / c.sum()
    return float(1.0 - (p**2).sum())


# --- preparing units ----------------------------------------------------------------

def _string(units: pd.DataFrame, col: str) -> pd.Series:
    if col in units:
        return units[col].astype("string")
    return pd.Series(pd.NA, index=units.index, dtype="string")


def unit_roles(units: pd.DataFrame, settings: CloneSettings = CloneSettings()) -> pd.DataFrame:
    """Each unit's type as counted, its ownership class for scoring, and its role.

    Adds ``type_counted`` (our type id, or the surveyor's word), ``type_from``
    (``category``, ``survey``, ``name`` or <NA>), ``owner_class`` (``independent`` or
    ``chain``; symbol groups as chains when the settings say so, else left out),
    ``eligible`` (bool) and ``role`` (``vacant``, ``use unknown``, ``excluded use``,
    ``ownership unknown``, or ``eligible`` until sampled).
    """
    out = units.copy()
    status = _string(out, "status")
    category = _string(out, "category")
    from_name = pd.Series(pd.NA, index=out.index, dtype="string")
    if settings.names_for_types:
        need = category.isna() & _string(out, "name").notna()
        if need.any():
            from_name[need] = categorise_names(_string(out, "name")[need])
    our_type = category.fillna(from_name)
    ownership = _string(out, "ownership")

    owner = ownership.where(ownership.isin(["independent", "chain"]))
    if settings.symbol_groups_as_chains:
        owner = owner.mask(ownership.eq("symbol_group").fillna(False), "chain")
    excluded = is_excluded(our_type)
    # the last rule that holds wins (set in this order); made text once
    roles = np.zeros(len(out), dtype=np.int64)
    roles[owner.isna().to_numpy(dtype=bool)] = 1
    roles[excluded.to_numpy(dtype=bool)] = 2
    roles[~status.eq("occupied").fillna(False).to_numpy(dtype=bool)] = 3
    roles[status.eq("vacant").fillna(False).to_numpy(dtype=bool)] = 4
    words = pd.array(["eligible", "ownership unknown", "excluded use", "use unknown", "vacant"], dtype="string")
    role = pd.Series(words.take(roles), index=out.index)

    survey_words = normalise_values(_string(out, "source_category"))
    mode = settings.types_from
    if mode == "auto":
        eligible = role == "eligible"
        surveyed = _string(out, "ownership_source")[eligible].eq("surveyed").fillna(False)
        mode = "survey" if eligible.any() and surveyed.all() and survey_words[eligible].notna().mean() >= 0.9 else "category"
    if mode == "survey":
        out["type_counted"] = survey_words
        out["type_from"] = pd.Series(np.where(survey_words.notna(), "survey", None), index=out.index, dtype="string")
    else:
        out["type_counted"] = our_type
        src = np.where(category.notna(), "category", np.where(from_name.notna(), "name", None))
        out["type_from"] = pd.Series(src, index=out.index, dtype="string")
    out["type_id"] = our_type
    out["owner_class"] = owner
    out["eligible"] = (role == "eligible").to_numpy()
    out["role"] = role
    return out


#: Columns diagnosis reads (the rest of a wide OSM table is left behind: copying it is slow).
USED_COLUMNS = ("unit_id", "centre_id", "name", "category", "source_category", "ownership", "ownership_source",
                "brand", "brand_wikidata", "status", "street", "observed_on")


def _slim(units: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    keep = [c for c in (*USED_COLUMNS, *extra) if c in units.columns]
    if isinstance(units, gpd.GeoDataFrame) and units.geometry.name in units:
        keep.append(units.geometry.name)
    return units[list(dict.fromkeys(keep))]


# --- sampling -----------------------------------------------------------------------

def _has_points(units: pd.DataFrame) -> bool:
    if not isinstance(units, gpd.GeoDataFrame) or units.geometry.name not in units or units.crs is None:
        return False
    geom = units.geometry
    return bool(len(geom)) and bool((geom.notna() & ~geom.is_empty).all())


def _xy(units: gpd.GeoDataFrame, crs) -> np.ndarray:
    pts = units.geometry.to_crs(crs)
    pts = pts.where(pts.geom_type == "Point", pts.representative_point())
    return shapely.get_coordinates(pts.to_numpy())


def find_heart(units: gpd.GeoDataFrame, size: int = 50) -> shapely.Point | None:
    """The heart of the high street: the unit whose `size` nearest units lie closest together.

    Returns the point (EPSG:4326) of the unit with the smallest distance to its
    `size`-th nearest neighbour among `units`; None without point geometry.
    """
    from scipy.spatial import cKDTree

    if not _has_points(units) or units.empty:
        return None
    crs = area_crs(units)
    xy = _xy(units, crs)
    k = min(size, len(xy))
    dist, _ = cKDTree(xy).query(xy, k=k)
    spread = dist.reshape(len(xy), -1)[:, -1]
    best = int(np.argmin(spread))
    return units.geometry.to_crs(DISPLAY_CRS).iloc[best].representative_point()


def _as_point(heart) -> shapely.Point | None:
    if heart is None:
        return None
    if isinstance(heart, shapely.Geometry):
        return heart if isinstance(heart, shapely.Point) else heart.representative_point()
    lon, lat = heart
    return shapely.Point(float(lon), float(lat))


# --- vectorised scoring of many samples ---------------------------------------------

def heart_walk_scores(xy: np.ndarray, independent: np.ndarray, codes: np.ndarray, settings,
                      rng: np.random.Generator) -> np.ndarray:
    """nef scores of the walks from other hearts: up to ``settings.hearts`` eligible units (drawn
    with `rng`), each walk the ``settings.sample_size`` units nearest to it.

    `xy`, `independent` and `codes` are the eligible units' positions (metres), independence
    flags and shop-type codes.
    """
    from scipy.spatial import cKDTree

    k = min(settings.sample_size, len(xy))
    starts = np.arange(len(xy))
    if len(starts) > settings.hearts:
        starts = np.sort(rng.choice(starts, settings.hearts, replace=False))
    _, near = cKDTree(xy).query(xy[starts], k=k)
    near = near.reshape(len(starts), -1)
    scores, _ = _batch_scores(independent[near], codes[near], settings)
    return scores


def _batch_scores(indep: np.ndarray, codes: np.ndarray, settings: CloneSettings) -> tuple[np.ndarray, np.ndarray]:
    """nef 2005 scores and nef 2010 indexes of samples given as rows of unit flags and type codes."""
    n = indep.shape[1]
    i = indep.sum(axis=1)
    c = n - i
    s = np.sort(np.where(codes < 0, -1, codes), axis=1)
    distinct = (np.diff(s, axis=1) != 0).sum(axis=1) + 1 - (s < 0).any(axis=1)
    t = distinct
    with np.errstate(invalid="ignore", divide="ignore"):
        nef05 = (5 * t + 50 * i + 5 * c) / n
        nef10 = settings.weights[0] * i / n + settings.weights[1] * np.minimum(t, settings.max_types) / settings.max_types
    return nef05, nef10


# --- one centre ---------------------------------------------------------------------

@dataclass
class CentreDiagnosis:
    """Everything the Clone town page shows for one centre.

    Attributes
    ----------
    summary : dict
        The figures (see :func:`diagnose` for the fields).
    units : DataFrame
        Every unit of the centre with ``role`` (scored, not in sample, vacant, use
        unknown, excluded use, ownership unknown), ``rank`` and ``distance_m`` from the
        heart, ``type_counted``, ``owner_class``.
    types : DataFrame
        Scored units per type and ownership class.
    chains : DataFrame
        Chains and symbol groups among the scored units: brand, units, ownership, rule.
    sensitivity : DataFrame
        How the nef 2005 score moves with the sampling choice.
    """

    centre_id: str
    name: str
    settings: CloneSettings
    summary: dict
    units: pd.DataFrame
    types: pd.DataFrame
    chains: pd.DataFrame
    sensitivity: pd.DataFrame
    heart_scores: np.ndarray = field(default_factory=lambda: np.array([]))
    bootstrap_scores: np.ndarray = field(default_factory=lambda: np.array([]))


def diagnose_centre(
    units: pd.DataFrame,
    settings: CloneSettings = CloneSettings(),
    *,
    heart=None,
    centre_id: str = "all",
    name: str | None = None,
) -> CentreDiagnosis:
    """Diagnose one centre from its units (already classified by ownership).

    Parameters
    ----------
    units : DataFrame or GeoDataFrame
        The centre's units. Without point geometry, nef's walk cannot be made: every
        scored unit is taken, in the order of the survey.
    settings : CloneSettings
    heart : Point or (lon, lat), optional
        Where nef's walk starts; by default :func:`find_heart` of the eligible units.
    centre_id, name : str
        Identify the centre in the results.
    """
    rng = np.random.default_rng(settings.seed)
    units, survey_date = latest_survey(units)
    table = units if "role" in units else unit_roles(_slim(units), settings)
    table = table.reset_index(drop=True)
    elig = table.index[table["eligible"]]
    points = _has_points(table)
    notes: list[str] = []

    table["distance_m"] = np.nan
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    heart_point = None
    xy = None
    if points and len(elig):
        crs = area_crs(table)
        heart_point = _as_point(heart) or find_heart(table.loc[elig], settings.sample_size)
        xy_all = _xy(table, crs)
        hx, hy = shapely.get_coordinates(
            gpd.GeoSeries([heart_point], crs=DISPLAY_CRS).to_crs(crs).to_numpy())[0]
        table["distance_m"] = np.hypot(xy_all[:, 0] - hx, xy_all[:, 1] - hy)
        xy = xy_all[elig]
        order = elig[np.argsort(table.loc[elig, "distance_m"].to_numpy(), kind="stable")]
    else:
        order = elig
        if settings.method == "nef50" and len(elig):
            notes.append("no coordinates: every eligible unit is scored, as surveyed")
    table.loc[order, "rank"] = np.arange(1, len(order) + 1)

    if settings.method == "nef50" and points:
        chosen = order[: settings.sample_size]
    else:
        chosen = order
    below_minimum = len(chosen) < settings.minimum
    if below_minimum and len(chosen):
        notes.append(f"only {len(chosen)} units can be scored: nef never scored fewer than {settings.minimum}")
    role = table["role"].copy()
    role[table["eligible"]] = "not in sample"
    role[chosen] = "scored"
    table["role"] = role

    scored = table.loc[chosen]
    summary = _summarise(table, scored, settings)
    summary.update(centre_id=centre_id, centre=name or centre_id, method=settings.method, survey_date=survey_date,
                   below_minimum=bool(below_minimum),
                   heart_lon=heart_point.x if heart_point is not None else None,
                   heart_lat=heart_point.y if heart_point is not None else None,
                   radius_m=float(scored["distance_m"].max()) if points and len(scored) else None,
                   notes="; ".join(notes))

    # Sensitivity: the other method, other hearts, and resampling the scored units.
    codes_all, _ = pd.factorize(table["type_counted"])
    indep_all = (table["owner_class"] == "independent").fillna(False).to_numpy()
    rows = [{"sampling": _method_label(settings, points), "units": summary["n_scored"],
             "nef2005_score": summary["nef2005_score"], "nef2005_class": summary["nef2005_class"]}]
    summary["nef2005_other_method"] = None
    if points and len(elig):
        other_settings = replace(settings, method="all" if settings.method == "nef50" else "nef50")
        other_chosen = order if settings.method == "nef50" else order[: settings.sample_size]
        other = _summarise(table, table.loc[other_chosen], settings)
        rows.append({"sampling": _method_label(other_settings, points), "units": other["n_scored"],
                     "nef2005_score": other["nef2005_score"], "nef2005_class": other["nef2005_class"]})
        summary["nef2005_other_method"] = other["nef2005_score"]

    heart_scores = np.array([])
    if points and len(elig) > settings.minimum and settings.hearts:
        heart_scores = heart_walk_scores(xy, indep_all[elig], codes_all[elig], settings, rng)
        k = min(settings.sample_size, len(elig))  # units in each walk; one walk per score
        lo, med, hi = np.percentile(heart_scores, [0, 50, 100])
        classes = pd.Series([nef2005_class(s) for s in heart_scores]).value_counts(normalize=True)
        rows.append({"sampling": f"nef's walk started at each of {len(heart_scores)} units: lowest",
                     "units": k, "nef2005_score": lo, "nef2005_class": nef2005_class(lo)})
        rows.append({"sampling": "... median", "units": k, "nef2005_score": med, "nef2005_class": nef2005_class(med)})
        rows.append({"sampling": "... highest", "units": k, "nef2005_score": hi, "nef2005_class": nef2005_class(hi)})
        summary["heart_low"], summary["heart_high"] = float(lo), float(hi)
        summary["heart_same_class"] = float(classes.get(summary["nef2005_class"], 0.0))

    boot = np.array([])
    if settings.bootstrap and len(chosen) >= 2:
        pick = rng.integers(0, len(chosen), size=(settings.bootstrap, len(chosen)))
        boot, _ = _batch_scores(indep_all[chosen][pick], codes_all[chosen][pick], settings)
        lo, hi = np.percentile(boot, [2.5, 97.5])
        summary["bootstrap_low"], summary["bootstrap_high"] = float(lo), float(hi)
        label = f"bootstrap of the scored units ({settings.bootstrap} resamples), 95% interval"
        rows.append({"sampling": f"{label}: lower end", "units": len(chosen), "nef2005_score": float(lo),
                     "nef2005_class": nef2005_class(lo)})
        rows.append({"sampling": f"{label}: upper end", "units": len(chosen), "nef2005_score": float(hi),
                     "nef2005_class": nef2005_class(hi)})
    sensitivity = pd.DataFrame(rows)
    summary.update(certainty(summary))

    return CentreDiagnosis(
        centre_id=centre_id, name=name or centre_id, settings=settings, summary=summary, units=table,
        types=_types_table(scored), chains=_chains_table(scored), sensitivity=sensitivity,
        heart_scores=heart_scores, bootstrap_scores=boot,
    )


def latest_survey(units: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The units known on the latest survey date (carried forward over updates), and that day (ISO).

    Survey rounds are found by :func:`agora.analysis.vacancy.survey_dates` (observation
    days close together form one round; scattered OSM ``check_date`` values are no
    survey, and every unit is then kept, with no date).
    """
    if "observed_on" not in units or units["observed_on"].isna().all():
        return units, None
    rounds = survey_dates(units)
    if rounds.isna().all():
        return units, None
    from .surveys import units_on

    # the units known on the latest date: an update of some units leaves the others as last seen
    known = units_on(units.assign(survey_date=rounds))
    added = [c for c in known.columns if c not in units.columns]
    return known.drop(columns=added), rounds.max().date().isoformat()


def _method_label(settings: CloneSettings, points: bool) -> str:
    if settings.method == "all" or not points:
        return "every eligible unit of the centre"
    return f"nef's walk: the {settings.sample_size} units nearest the heart"


def _summarise(table: pd.DataFrame, scored: pd.DataFrame, settings: CloneSettings) -> dict:
    indep = int((scored["owner_class"] == "independent").sum())
    chains = int((scored["owner_class"] == "chain").sum())
    symbol = int((_string(scored, "ownership") == "symbol_group").sum())
    n = indep + chains
    counts = scored["type_counted"].value_counts()
    t = int(len(counts))
    score = nef2005_score(t, indep, chains)
    index = nef2010_index(t, indep, n, weights=settings.weights, max_types=settings.max_types)
    status = _string(table, "status")
    occupied, vacant = int(status.eq("occupied").sum()), int(status.eq("vacant").sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (lambda x: float(x / n) if n else float("nan"))  # noqa: E731
        return {
            "n_units": int(len(table)),
            "n_eligible": int(table["eligible"].sum()),
            "n_scored": n,
            "independents": indep,
            "chains": chains,
            "symbol_groups": symbol,
            "types": t,
            "untyped_scored": int(scored["type_counted"].isna().sum()),
            "types_from": _types_from(scored),
            "types_from_names": int((scored["type_from"] == "name").sum()),
            "nef2005_score": score,
            "nef2005_class": nef2005_class(score),
            "nef2010_index": index,
            "nef2010_class": nef2010_class(index),
            "richness": t,
            "shannon": shannon(counts.to_numpy()),
            "simpson": simpson(counts.to_numpy()),
            "share_independent": share(indep),
            "share_chain": share(chains - (symbol if settings.symbol_groups_as_chains else 0)),
            "share_symbol_group": share(symbol),
            "share_vacant": float(vacant / (occupied + vacant)) if occupied + vacant else float("nan"),
            "vacant": vacant,
            "excluded": int((table["role"] == "excluded use").sum()),
            "ownership_unknown": int((table["role"] == "ownership unknown").sum()),
            "use_unknown": int((table["role"] == "use unknown").sum()),
        }


def _types_from(scored: pd.DataFrame) -> str:
    kinds = scored["type_from"].dropna().unique().tolist()
    if not kinds:
        return "none"
    return "+".join(sorted(kinds))


def _types_table(scored: pd.DataFrame) -> pd.DataFrame:
    if scored.empty:
        return pd.DataFrame(columns=["type", "label", "ldc_class", "independent", "chain", "symbol_group", "units"])
    own = _string(scored, "ownership").where(lambda s: s.isin(["independent", "chain", "symbol_group"]))
    t = pd.crosstab(scored["type_counted"].fillna("(type unknown)"), own.fillna("unknown"))
    for c in ("independent", "chain", "symbol_group"):
        if c not in t:
            t[c] = 0
    t = t[["independent", "chain", "symbol_group"]].astype(int)
    t["units"] = t.sum(axis=1)
    t = t.sort_values(["units", "independent"], ascending=False).reset_index(names="type")
    known = t["type"].isin(shop_types().index)
    label = type_label(t["type"].where(known))
    t.insert(1, "label", label.fillna(t["type"].str.capitalize()))
    t.insert(2, "ldc_class", ldc_class(t["type"].where(known)))
    return t


def _chains_table(scored: pd.DataFrame) -> pd.DataFrame:
    own = _string(scored, "ownership")
    chains = scored[own.isin(["chain", "symbol_group"]).fillna(False)]
    cols = ["brand", "units", "ownership", "rule", "names"]
    if chains.empty:
        return pd.DataFrame(columns=cols)
    brand = _string(chains, "brand").fillna(_string(chains, "name")).fillna("(no name)")
    frame = pd.DataFrame({"brand": brand, "ownership": _string(chains, "ownership"),
                          "rule": _string(chains, "ownership_source"), "name": _string(chains, "name").fillna("")})
    out = frame.groupby("brand").agg(
        units=("ownership", "size"), ownership=("ownership", "first"),
        rule=("rule", lambda s: ", ".join(sorted(set(s.dropna())))),
        names=("name", lambda s: "; ".join(sorted(set(s) - {""}))),
    ).reset_index()
    return out.sort_values(["units", "brand"], ascending=[False, True])[cols].reset_index(drop=True)


# --- every centre ---------------------------------------------------------------------

SUMMARY_COLUMNS = [
    "centre_id", "centre", "method", "survey_date", "n_units", "n_eligible", "n_scored", "independents", "chains", "symbol_groups",
    "types", "nef2005_score", "nef2005_class", "nef2010_index", "nef2010_class", "richness", "shannon", "simpson",
    "share_independent", "share_chain", "share_symbol_group", "share_vacant", "vacant", "excluded",
    "ownership_unknown", "use_unknown", "untyped_scored", "types_from", "types_from_names", "below_minimum",
    "nef2005_other_method", "heart_low", "heart_high", "heart_same_class", "bootstrap_low", "bootstrap_high",
    "nef2005_low", "nef2005_high", "class_agreement", "classes_agree", "verdict_certainty", "verdict",
    "heart_lon", "heart_lat", "radius_m", "notes",
]


def centre_groups(
    units: pd.DataFrame, centres: pd.DataFrame | None = None, *, by: str = "centre_id"
) -> dict[str, tuple[str, pd.DataFrame]]:
    """Split units into centres: ``centre_id -> (name, units)``.

    Units are grouped by the `by` column (``centre_id`` by default; any column such as
    ``addr:city`` will do). Units without a ``centre_id`` are placed in the `centres`
    polygon that contains them. When no unit has a group, all units form one centre
    called "All units". Units left without a group are not diagnosed.
    """
    units = units.copy()
    key, names = group_keys(units, centres, by=by)
    if key.isna().all():
        return {"all": ("All units", units)}
    out = {}
    for cid, group in units.groupby(key, sort=True):
        out[str(cid)] = (names.get(cid) or str(cid), group)
    return out


def group_keys(units: pd.DataFrame, centres: pd.DataFrame | None = None, *,
               by: str = "centre_id") -> tuple[pd.Series, dict[str, str]]:
    """The centre of each unit as :func:`centre_groups` decides it (<NA>: none), and centre names by id."""
    key = units[by].astype("string") if by in units else pd.Series(pd.NA, index=units.index, dtype="string")
    names: dict[str, str] = {}
    if centres is not None and len(centres):
        cid = centres["centre_id"].astype("string")
        names = dict(zip(cid, centres["name"].astype("string").fillna(cid) if "name" in centres else cid))
        if by == "centre_id" and key.isna().any() and _has_points(units) and isinstance(centres, gpd.GeoDataFrame):
            need = key.isna()
            probe = gpd.GeoDataFrame(geometry=units.geometry[need].representative_point(), crs=units.crs)
            joined = gpd.sjoin(probe, centres[["centre_id", "geometry"]].to_crs(units.crs), how="left",
                               predicate="within")
            first = joined[~joined.index.duplicated(keep="first")]["centre_id"]
            key = key.copy()
            key[need] = first.reindex(units.index[need]).astype("string")
    return key, names


def diagnose(
    units: pd.DataFrame,
    centres: pd.DataFrame | None = None,
    *,
    by: str = "centre_id",
    settings: CloneSettings | None = None,
    hearts: dict | None = None,
    **options,
) -> pd.DataFrame:
    """Diagnose every centre: one row per centre.

    Parameters
    ----------
    units : DataFrame or GeoDataFrame
        Units with ``ownership`` decided (:func:`agora.analysis.ownership.classify_ownership`).
    centres : GeoDataFrame, optional
        Centre polygons: names, and a centre for units that have none.
    by : str
        Column that groups units into centres.
    settings : CloneSettings, optional
        Scoring options; keyword `options` override single fields (``method="all"``).
    hearts : dict, optional
        ``centre_id -> Point or (lon, lat)``: where nef's walk starts in each centre.

    Returns
    -------
    DataFrame
        Columns :data:`SUMMARY_COLUMNS`: ``centre``, ``n_scored``, ``independents``,
        ``chains``, ``types``, ``nef2005_score``/``_class``, ``nef2010_index``/``_class``,
        ``richness``, ``shannon``, ``simpson``, shares, counts of units left out and why,
        the spread of the score over other hearts and the bootstrap interval.
    """
    settings = replace(settings or CloneSettings(), **options)
    slim = _slim(units, (by,))
    if by == "centre_id" and not hearts:
        # every centre at once (agora.analysis.by_centre), when each unit's centre is its centre_id
        from .by_centre import clone_scores

        key, names = group_keys(slim, centres, by=by)
        own = slim["centre_id"].astype("string").fillna("") if "centre_id" in slim else None
        if key.isna().all():
            slim, names = slim.assign(centre_id="all"), {"all": "All units"}
        if key.isna().all() or (own is not None and (key.fillna("") == own).all()):
            table = clone_scores(slim, settings, names=names)
            return table.reset_index().reindex(columns=SUMMARY_COLUMNS)
    rows = []
    # Roles (and whether types come from the survey's words) are decided per centre, as the page does.
    for cid, (name, group) in centre_groups(slim, centres, by=by).items():
        result = diagnose_centre(group, settings, heart=(hearts or {}).get(cid), centre_id=cid, name=name)
        rows.append(result.summary)
    if not rows:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)


#: Share of other walk starts below which a class is "not enough to tell".
AGREEMENT_MIN = 0.5


def certainty(summary: dict) -> dict:
    """The verdict with its certainty, from the score, its bootstrap interval, other walk starts and nef 2010.

    Rules (``low``-``high``: the 95% bootstrap interval of the nef 2005 score;
    ``agreement``: share of walks started at other units that give the same class):

    * no unit scored -> no verdict;
    * the interval inside one class and agreement at least :data:`AGREEMENT_MIN` (or
      not measured) -> the class, plainly ("Clone town");
    * the interval crossing into the next class only, agreement at least
      :data:`AGREEMENT_MIN` -> "Clone town — close to the border: 57% of other walks agree";
    * the interval spanning three classes, or spanning two with fewer units scored than
      nef's minimum, or fewer than :data:`AGREEMENT_MIN` of other walks agreeing -> the
      classes in play, "not enough units to tell" ("border town or clone town: not
      enough units to tell");
    * when the reconstructed nef 2010 index gives another class, the verdict says so.

    Returns
    -------
    dict
        ``nef2005_low``, ``nef2005_high`` (the interval; None without bootstrap),
        ``class_agreement`` (None when not measured), ``classes_agree`` (nef 2005 and
        2010 give the same class), ``verdict_certainty`` (``clear``, ``near the
        border``, ``not enough units``) and ``verdict`` (the sentence).
    """
    cls = summary.get("nef2005_class")
    low, high = summary.get("bootstrap_low"), summary.get("bootstrap_high")
    low = None if low is None or pd.isna(low) else float(low)
    high = None if high is None or pd.isna(high) else float(high)
    agreement = summary.get("heart_same_class")
    agreement = None if agreement is None or pd.isna(agreement) else float(agreement)
    cls2010 = summary.get("nef2010_class")
    out = {"nef2005_low": low, "nef2005_high": high, "class_agreement": agreement,
           "classes_agree": None if not cls or not cls2010 else cls == cls2010}
    if not cls:
        return {**out, "verdict_certainty": None, "verdict": "No verdict: no unit could be scored."}
    spanned = [c for c in CLASSES if low is not None and high is not None
               and nef2005_class(low) is not None and CLASSES.index(nef2005_class(low)) <= CLASSES.index(c)
               <= CLASSES.index(nef2005_class(high))]
    agree_text = "" if agreement is None else f": {agreement:.0%} of other walks agree"
    few = bool(summary.get("below_minimum")) and len(spanned) >= 2
    if len(spanned) >= 3 or few or (agreement is not None and agreement < AGREEMENT_MIN):
        shown = spanned if len(spanned) >= 3 else [cls] + [c for c in spanned if c != cls]
        named = f"{shown[0]}, {shown[1]} or {shown[2]}" if len(shown) == 3 else " or ".join(shown)
        text, level = f"{named}: not enough units to tell", "not enough units"
        if agreement is not None and len(spanned) < 3:
            text += f" (only {agreement:.0%} of other walks agree)"
        text = text[0].upper() + text[1:]
    elif len(spanned) == 2:
        text, level = f"{cls.capitalize()} — close to the border{agree_text}", "near the border"
    else:
        text, level = cls.capitalize() + ("" if agreement is None else f"{agree_text}".replace(": ", " — ", 1)), "clear"
    if cls2010 and cls2010 != cls:
        text += f"; the nef 2010 index says {cls2010}"
    return {**out, "verdict_certainty": level, "verdict": text}


def explain(summary: dict) -> str:
    """The diagnosis in plain words, for a public meeting."""
    cls = summary.get("nef2005_class")
    if not cls:
        return "No unit could be scored: the centre needs occupied shops with a known owner."
    n, i, c, t = summary["n_scored"], summary["independents"], summary["chains"], summary["types"]
    return (f"{summary['centre']} scores {summary['nef2005_score']:.1f} on nef's scale: a {cls}. "
            f"Of {n} shops scored, {i} are independent and {c} belong to chains, across {t} kinds of shop. "
            + CLASS_WORDS[cls])
