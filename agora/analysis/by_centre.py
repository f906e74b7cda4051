"""Per-centre figures for every centre at once.

The per-centre functions (:func:`agora.analysis.surveys.units_on`,
:func:`agora.analysis.vacancy.vacancy_change`, :func:`agora.analysis.clone.diagnose_centre`)
define the figures and are what the pages call for one town. The indicator table, the
derived tables and the commands over a whole workspace need them for thousands of
centres: the functions here compute the same figures for every centre together, with
grouped operations instead of a loop over centres. Tests check that they agree with the
per-centre functions centre by centre.

No streamlit here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from . import surveys
from .surveys import _UNDATED, UPDATE_SHARE, _centre_key, _stated, _text, with_keys
from .vacancy import MIN_DATED_SHARE, SURVEY_GAP_DAYS


# --------------------------------------------------------------------------- survey rounds
def survey_rounds(units: pd.DataFrame, *, share: float = UPDATE_SHARE) -> pd.DataFrame:
    """:func:`agora.analysis.surveys.survey_rounds` of every centre together (the same table)."""
    data = with_keys(units)
    cols = ["centre_id", "survey_date", "covered", "known_before", "coverage", "coverage_rule"]
    if data.empty:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({"c": _text(data, "centre_id").fillna("").to_numpy(),
                          "day": data["survey_date"].fillna(_UNDATED).to_numpy(),
                          "key": data["unit_key"].to_numpy(), "stated": _stated(data).to_numpy()})
    grouped = frame.groupby(["c", "day"], sort=True)
    rounds = grouped["key"].nunique(dropna=False).rename("covered").reset_index()
    said = pd.crosstab([frame["c"], frame["day"]], frame["stated"]).reindex(
        columns=["full", "update"], fill_value=0) if frame["stated"].notna().any() else None
    if said is not None:
        said = said.reindex(pd.MultiIndex.from_frame(rounds[["c", "day"]]), fill_value=0)
        n_full, n_update = said["full"].to_numpy(), said["update"].to_numpy()
    else:
        n_full = n_update = np.zeros(len(rounds), dtype=int)
    stated = np.where(n_full + n_update > 0, np.where(n_full >= n_update, "full", "update"), None)
    rounds["r"] = rounds.groupby("c", sort=False).cumcount().to_numpy()
    n = len(rounds)
    coverage = np.empty(n, dtype=object)
    known = np.zeros(n, dtype=int)
    rule = np.empty(n, dtype=object)
    covered = rounds["covered"].to_numpy()
    r = rounds["r"].to_numpy()
    first = r == 0
    coverage[first] = np.where(stated[first] == None, "full", stated[first])  # noqa: E711
    # each row's round number within its centre
    row_round = frame.merge(rounds[["c", "day", "r"]], on=["c", "day"], how="left")["r"].to_numpy()
    centre_codes, centre_names = pd.factorize(rounds["c"])
    row_centre = pd.Index(centre_names).get_indexer(frame["c"])
    # the round each centre's known units are counted from: its last full survey so far (else its first)
    base = np.zeros(len(centre_names), dtype=int)
    for j in range(1, int(r.max()) + 1 if n else 1):
        now = np.flatnonzero(r == j)
        cids = centre_codes[now]
        start = base[row_centre]
        has_j = np.zeros(len(centre_names), dtype=bool)
        has_j[cids] = True
        rows = has_j[row_centre] & (row_round >= start) & (row_round <= j - 1)
        sizes = pd.Series(frame["key"].to_numpy()[rows]).groupby(row_centre[rows]).nunique(dropna=False)
        known[now] = sizes.reindex(cids).to_numpy()
        for i in now:
            if stated[i] is not None:
                coverage[i] = stated[i]
            else:
                ratio = covered[i] / known[i]
                coverage[i] = "update" if ratio < share else "full"
                update = coverage[i] == "update"
                rule[i] = (f"detected: {covered[i]:,} units, {ratio:.0%} of the {known[i]:,} known before "
                           f"({'under' if update else 'at least'} {share:.0%}: "
                           f"{'an update' if update else 'a full survey'})")
        full_now = now[coverage[now] == "full"]
        base[centre_codes[full_now]] = j
    for i in range(n):
        if stated[i] is not None:
            rule[i] = f"stated in the data ({coverage[i]})"
        elif r[i] == 0:
            rule[i] = "first survey of the centre: full"
    day = rounds["day"]
    out = pd.DataFrame({"centre_id": rounds["c"].mask(rounds["c"] == ""),
                        "survey_date": day.mask(day == _UNDATED),
                        "covered": covered, "known_before": known, "coverage": coverage, "coverage_rule": rule})
    out["centre_id"] = out["centre_id"].astype("string")
    out["survey_date"] = pd.to_datetime(out["survey_date"]).astype("datetime64[ms]")
    return out[cols]


def units_on(units: pd.DataFrame, dates: pd.Series | None = None, *,
             rounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`agora.analysis.surveys.units_on` of every centre together, each on its own date.

    Parameters
    ----------
    dates : Series, optional
        Centre id -> date (NaT: the undated survey); centres left out are not counted.
        Default: each centre's latest survey, as ``units_on(units)``.
    rounds : DataFrame, optional
        :func:`survey_rounds` of `units`.

    Returns
    -------
    DataFrame
        The rows ``units_on`` gives, centre by centre, in the same order.
    """
    data = with_keys(units)
    if data.empty:
        return data.assign(last_seen=data.get("survey_date"), as_of=data.get("survey_date"))
    rounds = survey_rounds(data) if rounds is None else rounds
    rc = rounds["centre_id"].fillna("").to_numpy(dtype=object)
    rday = rounds["survey_date"].fillna(_UNDATED)
    if dates is None:
        target = rday.groupby(rc, sort=False).transform("max")
    else:
        wanted = {("" if pd.isna(k) else str(k)): (_UNDATED if pd.isna(v) else pd.Timestamp(v))
                  for k, v in dates.items()}
        target = pd.Series([wanted.get(c, pd.NaT) for c in rc], index=rounds.index, dtype="datetime64[ns]")
    upto = rounds[(rday <= target).to_numpy()].assign(day=rday, target=target)
    if upto.empty:
        return data.iloc[0:0].assign(last_seen=pd.NaT, as_of=pd.NaT)
    upto_c = upto["centre_id"].fillna("")
    g = upto.groupby(upto_c.to_numpy(), sort=False)
    full_day = upto["day"].where(upto["coverage"] == "full").groupby(upto_c.to_numpy(), sort=False).max()
    start = full_day.fillna(g["day"].min())
    as_of = g["survey_date"].last()  # the undated survey sorts first: the last dated one, if any
    last_target = g["target"].first()
    centre = _centre_key(data)
    day = data["survey_date"].fillna(_UNDATED)
    lo = centre.map(start)
    hi = centre.map(last_target)
    mask = (lo.notna() & (day >= lo) & (day <= hi)).to_numpy()
    rows = data[mask].assign(_day=day[mask], _c=centre[mask])
    rows = rows.sort_values(["_c", "_day"], kind="stable")
    rows = rows[~rows.duplicated(["_c", "unit_key"], keep="last")]
    cov = pd.Series(upto["coverage"].to_numpy(), index=pd.MultiIndex.from_arrays([upto_c.to_numpy(), upto["day"]]))
    looked = cov.reindex(pd.MultiIndex.from_arrays([rows["_c"].to_numpy(), rows["_day"].to_numpy()])).to_numpy()
    rows = rows.assign(last_seen=rows["survey_date"], as_of=rows["_c"].map(as_of).astype("datetime64[ms]").to_numpy(),
                       coverage=pd.array(looked, dtype="string")).drop(columns=["_day", "_c"])
    return rows.sort_index()


# --------------------------------------------------------------------------- survey dates of each centre
def survey_dates(units: pd.DataFrame, *, gap_days: int = SURVEY_GAP_DAYS,
                 min_dated_share: float = MIN_DATED_SHARE) -> pd.Series:
    """:func:`agora.analysis.vacancy.survey_dates` of each centre's units on their own (NaT: undated).

    Survey rounds of one centre do not depend on the dates of another: the figures of a
    centre (:func:`agora.analysis.vacancy.vacancy_change` or
    :func:`agora.analysis.clone.latest_survey` on its units) read these.
    """
    out = pd.Series(pd.NaT, index=units.index, dtype="datetime64[ms]")
    if "observed_on" not in units or units.empty:
        return out
    centre = _centre_key(units).to_numpy()
    day = pd.to_datetime(units["observed_on"], errors="coerce").dt.normalize()
    dated = day.notna().to_numpy()
    share = pd.Series(dated).groupby(centre).mean()
    if "unit_id" in units:
        seen = units.loc[dated, ["unit_id", "observed_on"]].assign(_c=centre[dated])
        twice = seen.groupby(["_c", "unit_id"])["observed_on"].nunique().gt(1).groupby(level=0).any()
    else:
        twice = pd.Series(dtype=bool)
    twice = twice.reindex(share.index, fill_value=False)
    ok = ~((share < min_dated_share) & ~twice) & (share > 0)
    days = pd.DataFrame({"c": centre[dated], "d": day[dated].to_numpy()}).drop_duplicates().sort_values(["c", "d"])
    days = days[days["c"].isin(ok.index[ok])]
    gap = days["d"].diff() > pd.Timedelta(days=gap_days)
    new = gap.to_numpy() | (days["c"].to_numpy() != np.r_[None, days["c"].to_numpy()[:-1]])
    days["first"] = days["d"].where(new).ffill()
    lookup = pd.Series(days["first"].to_numpy(), index=pd.MultiIndex.from_arrays([days["c"], days["d"]]))
    found = lookup.reindex(pd.MultiIndex.from_arrays([centre, day.to_numpy()])).to_numpy()
    return pd.Series(pd.to_datetime(found), index=units.index).astype("datetime64[ms]")


def _prepared(units: pd.DataFrame) -> pd.DataFrame:
    """What :func:`agora.analysis.vacancy.prepare` gives each centre's units on their own, for counting units.

    ``survey_date`` (:func:`survey_dates`), ``unit_key`` and ``match_rule``, one row per unit and
    survey (the last observed); the descriptive columns ``prepare`` adds are left out.
    """
    out = units.assign(survey_date=survey_dates(units))
    if "unit_id" in out and "unit_key" not in out:
        out = out.join(surveys.match_units(out))
    if "observed_on" in out:
        out = out.sort_values("observed_on", kind="stable", na_position="first")
    if "unit_key" in out:
        centre = _centre_key(out)
        out = out[~pd.DataFrame({"c": centre, "k": out["unit_key"], "d": out["survey_date"]}).duplicated(keep="last")]
    return out.sort_index()


def _rates(state: pd.DataFrame) -> pd.Series:
    """Vacancy rate per centre of a set of units (:func:`agora.analysis.vacancy.vacancy_table`)."""
    status = state["status"].astype("string").fillna("unknown")
    centre = _centre_key(state)
    occupied = status.eq("occupied").groupby(centre.to_numpy()).sum()
    vacant = status.eq("vacant").groupby(centre.to_numpy()).sum()
    known = occupied + vacant
    return (vacant / known.where(known > 0)).astype(float)


def vacancy_change(units: pd.DataFrame) -> pd.Series:
    """Each centre's change in vacancy rate between its own last two dated surveys, in points.

    The figure of ``vacancy_change(<the centre's units>, by=("centre_id",))``
    (:func:`agora.analysis.vacancy.vacancy_change`) for every centre at once; centres with
    fewer than two dated surveys are left out.
    """
    placed = units[_centre_key(units).ne("").to_numpy()] if len(units) else units
    if placed.empty:
        return pd.Series(dtype=float, name="change_points")
    data = _prepared(placed)
    centre = _centre_key(data)
    dated = pd.DataFrame({"c": centre, "d": data["survey_date"]}).dropna().drop_duplicates()
    dated = dated.sort_values(["c", "d"])
    last = dated.groupby("c")["d"].nth(-1)
    before = dated.groupby("c")["d"].nth(-2)
    after = pd.Series(last.to_numpy(), index=dated.loc[last.index, "c"].to_numpy())
    before = pd.Series(before.to_numpy(), index=dated.loc[before.index, "c"].to_numpy())
    after = after.reindex(before.index)
    if before.empty:
        return pd.Series(dtype=float, name="change_points")
    rounds = survey_rounds(data)
    rate_before = _rates(units_on(data, before, rounds=rounds)).reindex(before.index)
    rate_after = _rates(units_on(data, after, rounds=rounds)).reindex(before.index)
    return ((rate_after - rate_before) * 100).rename("change_points")


def share_independent(units: pd.DataFrame) -> pd.Series:
    """:func:`agora.analysis.headline.share_independent` of each centre's units (NaN where it gives None)."""
    centre = units["centre_id"].astype("string")
    known = units["ownership"].isin(["independent", "chain", "symbol_group"]) & (units["status"] == "occupied")
    known = known.fillna(False).to_numpy(dtype=bool)
    independent = pd.Series((units["ownership"] == "independent").fillna(False).to_numpy(dtype=bool)[known])
    counted = independent.groupby(centre.to_numpy()[known]).agg(["sum", "size"])
    shares = (counted["sum"] / counted["size"]).astype(float)
    every = pd.Index(centre.dropna().unique(), dtype="string", name="centre_id")
    return shares.set_axis(shares.index.astype("string")).reindex(every).rename("share_independent")


def latest_survey(units: pd.DataFrame, survey_date: pd.Series | None = None) -> pd.DataFrame:
    """:func:`agora.analysis.vacancy.latest_survey` of every centre together (the same rows).

    `survey_date`: the survey rounds of a larger table (:func:`agora.analysis.vacancy.survey_dates`)
    whose rows of some centres `units` are; these centres' rows of the larger table's latest survey.
    """
    from .vacancy import prepare

    return units_on(prepare(units, survey_date=survey_date))


# --------------------------------------------------------------------------- clone scores
#: Figures of :func:`clone_scores` (the fields of :func:`agora.analysis.clone.diagnose_centre`'s summary).
CLONE_COLUMNS = ["survey_date", "n_units", "n_eligible", "n_scored", "independents", "chains", "types",
                 "nef2005_score", "nef2005_class", "nef2010_index", "nef2010_class", "shannon", "simpson"]


def clone_latest(units: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`agora.analysis.clone.latest_survey` of each centre's units on their own, for every centre.

    Returns the rows (in the order of `units`) and each centre's survey day (ISO; missing
    for a centre without survey rounds, whose every unit is kept).
    """
    centre = _centre_key(units)
    if "observed_on" not in units:
        return units, pd.Series(dtype="object")
    rounds = survey_dates(units)
    dated = rounds.notna().groupby(centre.to_numpy()).any()
    keep_all = ~centre.map(dated).fillna(False).to_numpy(dtype=bool)
    with_dates = units[~keep_all]
    if len(with_dates):
        known = units_on(with_dates.assign(survey_date=rounds[~keep_all]))
        known = known.drop(columns=[c for c in known.columns if c not in units.columns])
    else:
        known = with_dates
    out = pd.concat([known, units[keep_all]]).sort_index() if keep_all.any() else known
    days = rounds.groupby(centre.to_numpy()).max().dropna()
    return out, days.map(lambda d: d.date().isoformat())


def clone_scores(units: pd.DataFrame, settings=None, *, names: dict | None = None) -> pd.DataFrame:
    """The clone-town diagnosis of every centre: :func:`agora.analysis.clone.diagnose_centre`'s summary for each.

    Each centre is diagnosed on its own units (its latest survey, its heart, the units
    nearest the heart, the sensitivity to other hearts and the bootstrap, drawn from a
    generator seeded per centre), as the Clone town page does. Centres whose units are not
    all points in Great Britain, or whose types come from the survey's own words, are
    diagnosed by :func:`~agora.analysis.clone.diagnose_centre` itself.

    Parameters
    ----------
    units : DataFrame or GeoDataFrame
        Units with ownership decided, in centres by ``centre_id`` (units in no centre are left out).
    settings : CloneSettings, optional
    names : dict, optional
        Centre id -> name (the ``centre`` column; default the id).

    Returns
    -------
    DataFrame
        Indexed by centre id: :data:`agora.analysis.clone.SUMMARY_COLUMNS` (but ``centre_id``).
    """
    from dataclasses import replace

    import shapely
    from scipy.spatial import cKDTree

    from . import clone
    from ..loaders.coords import BNG_CRS, BRITISH_ISLES

    settings = settings or clone.CloneSettings()
    names = names or {}
    columns = [c for c in clone.SUMMARY_COLUMNS if c != "centre_id"]
    placed = units[_centre_key(units).ne("").to_numpy()] if len(units) else units
    if placed.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], dtype="string", name="centre_id"))
    latest, days = clone_latest(placed)  # every column given: units are matched across surveys by address too
    latest = clone._slim(latest)
    centre = _centre_key(latest)
    table = clone.unit_roles(latest, replace(settings, types_from="category"))
    fallback: set[str] = set()
    if settings.types_from != "category":
        eligible = table["eligible"].to_numpy()
        src = _text(table, "ownership_source").eq("surveyed").fillna(False).to_numpy()
        words = clone.normalise_values(_text(table, "source_category")).notna().to_numpy()
        frame = pd.DataFrame({"c": centre.to_numpy(), "e": eligible, "s": src | ~eligible,
                              "w": np.where(eligible, words, np.nan)})
        g = frame.groupby("c")
        survey_mode = g["e"].any() & g["s"].all() & (g["w"].mean() >= 0.9)
        fallback |= set(survey_mode.index[survey_mode]) if settings.types_from == "auto" else set(g.groups)
    # points in Great Britain: measured in British National Grid, as area_crs decides
    xy = np.full((len(latest), 2), np.nan)
    lon = lat = np.full(len(latest), np.nan)
    if not (isinstance(latest, gpd.GeoDataFrame) and latest.geometry.name in latest and latest.crs is not None):
        fallback |= set(centre.unique())
    else:
        geom = latest.geometry
        point = (geom.notna() & ~geom.is_empty & (geom.geom_type == "Point")).to_numpy()
        fallback |= set(centre[~point].unique())
        shown = geom.to_crs(4326)
        lon = np.where(point, shown.x.where(point, np.nan), np.nan)
        lat = np.where(point, shown.y.where(point, np.nan), np.nan)
        box = pd.DataFrame({"c": centre.to_numpy(), "x": lon, "y": lat}).groupby("c").agg(
            x0=("x", "min"), y0=("y", "min"), x1=("x", "max"), y1=("y", "max"))
        inside = (box["x0"] >= BRITISH_ISLES[0]) & (box["x1"] <= BRITISH_ISLES[2]) & (
            box["y0"] >= BRITISH_ISLES[1]) & (box["y1"] <= BRITISH_ISLES[3])
        fallback |= set(box.index[~inside])
        if point.any():
            xy[point] = shapely.get_coordinates(geom[point].to_crs(BNG_CRS).to_numpy())
    owner = table["owner_class"].astype("string")
    indep = owner.eq("independent").fillna(False).to_numpy()
    chain = owner.eq("chain").fillna(False).to_numpy()
    symbol = _text(table, "ownership").eq("symbol_group").fillna(False).to_numpy()
    type_codes, _ = pd.factorize(table["type_counted"])
    from_codes, from_names = pd.factorize(table["type_from"])
    role_codes, role_names = pd.factorize(table["role"])
    eligible = table["eligible"].to_numpy()
    status = _text(table, "status")
    occupied = status.eq("occupied").fillna(False).to_numpy()
    vacant = status.eq("vacant").fillna(False).to_numpy()
    codes, centre_ids = pd.factorize(centre, sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(centre_ids) + 1))
    role_index = {r: i for i, r in enumerate(role_names)}
    name_index = {r: i for i, r in enumerate(from_names)}

    def summarise(rows_c: np.ndarray, scored: np.ndarray) -> dict:
        i, c = int(indep[scored].sum()), int(chain[scored].sum())
        sg = int(symbol[scored].sum())
        n = i + c
        t_codes = type_codes[scored]
        known_types = t_codes[t_codes >= 0]
        counts = np.bincount(known_types)[np.bincount(known_types) > 0] if len(known_types) else np.array([], int)
        t = int(len(counts))
        score = clone.nef2005_score(t, i, c)
        index = clone.nef2010_index(t, i, n, weights=settings.weights, max_types=settings.max_types)
        occ, vac = int(occupied[rows_c].sum()), int(vacant[rows_c].sum())
        roles = role_codes[rows_c]
        kinds = sorted(from_names[k] for k in np.unique(from_codes[scored]) if k >= 0)
        return {
            "n_units": int(len(rows_c)), "n_eligible": int(eligible[rows_c].sum()), "n_scored": n,
            "independents": i, "chains": c, "symbol_groups": sg, "types": t,
            "untyped_scored": int((t_codes < 0).sum()), "types_from": "+".join(kinds) if kinds else "none",
            "types_from_names": int((from_codes[scored] == name_index.get("name", -2)).sum()),
            "nef2005_score": score, "nef2005_class": clone.nef2005_class(score),
            "nef2010_index": index, "nef2010_class": clone.nef2010_class(index), "richness": t,
            "shannon": clone.shannon(counts), "simpson": clone.simpson(counts),
            "share_independent": float(i / n) if n else float("nan"),
            "share_chain": float((c - (sg if settings.symbol_groups_as_chains else 0)) / n) if n else float("nan"),
            "share_symbol_group": float(sg / n) if n else float("nan"),
            "share_vacant": float(vac / (occ + vac)) if occ + vac else float("nan"), "vacant": vac,
            "excluded": int((roles == role_index.get("excluded use", -2)).sum()),
            "ownership_unknown": int((roles == role_index.get("ownership unknown", -2)).sum()),
            "use_unknown": int((roles == role_index.get("use unknown", -2)).sum()),
        }

    rows = {}
    for j, cid in enumerate(centre_ids):
        if cid in fallback:
            continue
        rng = np.random.default_rng(settings.seed)
        rows_c = order[bounds[j]:bounds[j + 1]]
        elig = rows_c[eligible[rows_c]]
        far = best = None
        notes = []
        if len(elig):
            pts = xy[elig]
            k = min(settings.sample_size, len(pts))
            dist, _ = cKDTree(pts).query(pts, k=k)
            best = elig[int(np.argmin(dist.reshape(len(pts), -1)[:, -1]))]
            far = np.hypot(pts[:, 0] - xy[best, 0], pts[:, 1] - xy[best, 1])
            rank = np.argsort(far, kind="stable")
            ranked, far = elig[rank], far[rank]
        else:
            ranked = elig
        chosen = ranked[: settings.sample_size] if settings.method == "nef50" else ranked
        below = len(chosen) < settings.minimum
        if below and len(chosen):
            notes.append(f"only {len(chosen)} units can be scored: nef never scored fewer than {settings.minimum}")
        summary = summarise(rows_c, chosen)
        summary.update(centre=names.get(cid) or cid, method=settings.method, survey_date=days.get(cid),
                       below_minimum=bool(below),
                       heart_lon=float(lon[best]) if best is not None else None,
                       heart_lat=float(lat[best]) if best is not None else None,
                       radius_m=float(far[: len(chosen)].max()) if len(chosen) else None,
                       notes="; ".join(notes))
        summary["nef2005_other_method"] = None
        if len(elig):
            other = ranked if settings.method == "nef50" else ranked[: settings.sample_size]
            summary["nef2005_other_method"] = summarise(rows_c, other)["nef2005_score"]
        if len(elig) > settings.minimum and settings.hearts:
            scores = clone.heart_walk_scores(xy[elig], indep[elig], type_codes[elig], settings, rng)
            lo, med, hi = np.percentile(scores, [0, 50, 100])
            # the share of walks with the centre's class among walks with a class (clone.nef2005_class of each)
            finite = np.isfinite(scores)
            low, high = clone.NEF2005_THRESHOLDS
            band = np.where(scores < low, 0, np.where(scores <= high, 1, 2))
            cls = summary["nef2005_class"]
            same = int((finite & (band == clone.CLASSES.index(cls))).sum()) if cls else 0
            summary["heart_low"], summary["heart_high"] = float(lo), float(hi)
            summary["heart_same_class"] = float(same / int(finite.sum())) if same else 0.0
        if settings.bootstrap and len(chosen) >= 2:
            pick = rng.integers(0, len(chosen), size=(settings.bootstrap, len(chosen)))
            boot, _ = clone._batch_scores(indep[chosen][pick], type_codes[chosen][pick], settings)
            lo, hi = np.percentile(boot, [2.5, 97.5])
            summary["bootstrap_low"], summary["bootstrap_high"] = float(lo), float(hi)
        summary.update(clone.certainty(summary))
        rows[cid] = summary
    # the centres the grouped path does not cover: diagnosed one by one
    key = _centre_key(placed)
    for cid in sorted(fallback):
        summary = clone.diagnose_centre(placed[(key == cid).to_numpy()], settings, centre_id=cid,
                                        name=names.get(cid) or cid).summary
        rows[cid] = summary
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns)
    out.index = pd.Index(out.index, dtype="string", name="centre_id")
    return out.sort_index()


# --------------------------------------------------------------------------- footfall
def footfall_figures(counts, sites: pd.DataFrame, *, weeks: int = 4, today=None) -> pd.DataFrame:
    """Each centre's footfall change of its last complete weeks, and its monthly signature.

    The figures of :func:`agora.analysis.footfall.recent_change` (``change_pct``) and
    :func:`agora.analysis.footfall.monthly_signature` (``signature``) for every centre
    with counts, from one DuckDB connection and grouped queries instead of two scans of
    the counts per centre.

    Returns
    -------
    DataFrame
        Indexed by centre id: ``footfall_yoy`` (per cent, rounded to 2 decimals as
        ``recent_change`` does) and ``footfall_signature``.
    """
    from datetime import timedelta

    from . import footfall

    out = pd.DataFrame({"footfall_yoy": pd.Series(dtype=float), "footfall_signature": pd.Series(dtype=object)})
    out.index = pd.Index([], dtype="string", name="centre_id")
    if sites is None or sites.empty or "centre_id" not in sites or not sites["centre_id"].notna().any():
        return out
    # only the sites of a centre are read (the others' days are not counted)
    placed = sites["site_id"][sites["centre_id"].notna()].dropna().astype(str).unique().tolist()
    con = footfall.connect(counts, sites, site_ids=placed)
    try:
        con.execute("CREATE TEMP TABLE d AS SELECT centre_id, site_id, day, count FROM daily "
                    "WHERE count IS NOT NULL AND centre_id IS NOT NULL")
        last = footfall._df(con, "SELECT centre_id, MAX(day) AS last FROM d GROUP BY centre_id")
        if last.empty:
            return out
        windows = []
        for cid, day in zip(last["centre_id"], last["last"]):
            ref = pd.Timestamp(today).date() if today is not None else pd.Timestamp(day).date() + timedelta(days=1)
            start, end = footfall.complete_weeks(ref, weeks)
            windows.append((cid, start, end, start - timedelta(days=footfall.YOY_DAYS),
                            end - timedelta(days=footfall.YOY_DAYS)))
        win = pd.DataFrame(windows, columns=["centre_id", "s", "e", "ps", "pe"])  # noqa: F841 - read by DuckDB
        for col in ("s", "e", "ps", "pe"):
            win[col] = pd.to_datetime(win[col])
        con.register("win", win)
        change = footfall._df(con, f"""
            WITH cur AS (SELECT d.* FROM d JOIN win w USING (centre_id)
                         WHERE d.day BETWEEN CAST(w.s AS DATE) AND CAST(w.e AS DATE)),
                 prev AS (SELECT d.* FROM d JOIN win w USING (centre_id)
                          WHERE d.day BETWEEN CAST(w.ps AS DATE) AND CAST(w.pe AS DATE))
            SELECT cur.centre_id, SUM(cur.count) AS total, SUM(prev.count) AS previous, COUNT(*) AS pairs
            FROM cur JOIN prev ON prev.site_id = cur.site_id AND prev.day + {footfall.YOY_DAYS} = cur.day
            GROUP BY cur.centre_id""")
        months = footfall._df(con, """
            SELECT centre_id, year(day) AS year, month(day) AS month, COUNT(DISTINCT day) AS days,
                   SUM(count) / COUNT(*) AS mean_per_site_day
            FROM d GROUP BY ALL ORDER BY centre_id, year, month""")
    finally:
        con.close()
    centres = pd.Index(sorted(last["centre_id"].astype(str)), dtype="string", name="centre_id")
    out = out.reindex(centres)
    for cid, total, previous, pairs in change.itertuples(index=False):
        if pairs and previous:
            out.loc[cid, "footfall_yoy"] = round(float(100 * (total / previous - 1)), 2)
    if len(months):
        length = pd.to_datetime(dict(year=months["year"], month=months["month"], day=1)).dt.days_in_month
        months["coverage"] = months["days"] / length
        good = months[months["coverage"] >= 2 / 3].groupby(["centre_id", "year"])["month"].nunique()
        full = good[good == 12].reset_index().groupby("centre_id")["year"].max()
        chosen = months.merge(full.rename("full").reset_index(), on="centre_id")
        chosen = chosen[chosen["year"] == chosen["full"]]
        for cid, table in chosen.groupby("centre_id", sort=False):
            values = table["mean_per_site_day"].reset_index(drop=True)
            out.loc[cid, "footfall_signature"] = footfall.classify_signature((values / values.mean()).tolist())[0]
    return out
