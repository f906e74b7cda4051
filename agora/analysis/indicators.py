"""The indicators: one registry, and one table with a row per centre.

Every page and command that compares centres reads the definitions here: an
:class:`Indicator` has an id (the column of the table), a label, a definition in plain
words, a unit, a direction (is a higher value better or worse?) and the function that
computes it. The functions call the modules that own each measure (vacancy, ownership,
clone, similarity, footfall, assets); nothing is computed twice in two ways.

Two kinds of centre join one table:

- centres of the workspace (the ``centres`` layer, with their units, footfall and
  assets): their indicators come from the unit-level data;
- centres known only from area-level tables (the CDRC town-centre statistics, 1,289
  town centres of England and Wales, :mod:`agora.loaders.area_indicators`): they have
  units (premises), the vacancy rate and its change and the shares of the four LDC
  classes, and nothing else. A workspace centre matched to such a table (by id or name)
  takes from it only what its own data lacks.

Missing stays missing: an indicator a centre has no data for is NaN (or <NA>), never 0.
Retail cores of the CDRC tables (nested in their town centres) are never added as
centres.

No streamlit here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ..layers import ASSET_CATEGORIES
from .bands import SIZE_BANDS, size_band

#: Complete Monday-Sunday weeks of the headline footfall figures (against the same weeks 364 days earlier).
RECENT_WEEKS = 4

HIGHER_BETTER = "higher_better"
HIGHER_WORSE = "higher_worse"
NEUTRAL = "neutral"
DIRECTIONS = (HIGHER_BETTER, HIGHER_WORSE, NEUTRAL)

LDC_CLASSES = ("comparison", "convenience", "leisure", "service")

#: Columns that describe a centre rather than measure it (always first in the table).
ID_COLUMNS = ["centre_id", "name", "level", "size_band", "data_date", "sources"]


@dataclass
class Inputs:
    """What the indicator functions read: the layers and the options.

    Attributes
    ----------
    centres, units, footfall_sites, footfall_counts, assets : DataFrame
        The canonical layers (units classified by ownership).
    area : DataFrame or None
        Area-level rows (:func:`agora.loaders.area_indicators.load_cdrc_folder`).
    options : dict
        ``clone`` (keyword arguments of :class:`agora.analysis.clone.CloneSettings`),
        ``today`` (footfall reference date).
    """

    centres: gpd.GeoDataFrame
    units: pd.DataFrame
    footfall_sites: pd.DataFrame
    footfall_counts: pd.DataFrame
    assets: pd.DataFrame
    area: pd.DataFrame | None = None
    options: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    def latest_units(self) -> pd.DataFrame:
        """Each centre's units in its latest survey (computed once)."""
        if "latest" not in self._cache:
            from .by_centre import latest_survey

            units = self.units
            if units is None or units.empty or "centre_id" not in units:
                self._cache["latest"] = units
            else:
                # grouped by centre id (two centres may share a name)
                placed = units[units["centre_id"].notna()]
                self._cache["latest"] = latest_survey(placed) if len(placed) else placed
        return self._cache["latest"]

    def keyed_units(self) -> pd.DataFrame:
        """The units in a centre with each centre's own survey rounds and units matched across them
        (:func:`agora.analysis.by_centre.with_rounds`; computed once for the vacancy change and the clone scores)."""
        if "keyed" not in self._cache:
            from .by_centre import with_rounds

            self._cache["keyed"] = with_rounds(self.placed_units())
        return self._cache["keyed"]

    def keyed_rounds(self) -> tuple | None:
        """Each keyed unit's numbers and the survey rounds of :meth:`keyed_units`
        (:func:`agora.analysis.by_centre.keyed_rounds`; computed once for the vacancy change and the clone scores)."""
        if "keyed_rounds" not in self._cache:
            from .by_centre import keyed_rounds

            self._cache["keyed_rounds"] = keyed_rounds(self.keyed_units())
        return self._cache["keyed_rounds"]

    def placed_units(self) -> pd.DataFrame:
        """The units in a centre (by ``centre_id``)."""
        if "placed" not in self._cache:
            self._cache["placed"] = self.units[self.units["centre_id"].notna()]
        return self._cache["placed"]

    @classmethod
    def from_layers(cls, layers: Mapping[str, pd.DataFrame], area: pd.DataFrame | None = None, **options) -> "Inputs":
        def get(name: str) -> pd.DataFrame:
            table = layers.get(name)
            return table if table is not None else pd.DataFrame()

        out = cls(get("centres"), get("units"), get("footfall_sites"), get("footfall_counts"), get("assets"),
                  area, dict(options))
        if layers.get("latest_units") is not None:  # computed already by the caller
            out._cache["latest"] = layers["latest_units"]
        if layers.get("clone_ness") is not None:  # the caller's similarity.clone_ness of those latest units
            out._cache["clone_ness"] = layers["clone_ness"]
        return out


Compute = Callable[[Inputs], pd.DataFrame]


@dataclass(frozen=True)
class Indicator:
    """One indicator of the table.

    Attributes
    ----------
    id : str
        Column name in the indicator table.
    label : str
        Short name shown to people.
    definition : str
        What it measures, in plain words (shown as help).
    unit : str
        ``units``, ``share`` (0..1), ``points`` (percentage points), ``percent``,
        ``score``, ``index``, ``count``, ``ha``, ``class``.
    direction : str
        ``higher_better``, ``higher_worse`` or ``neutral``.
    compute : callable
        ``f(inputs) -> DataFrame`` indexed by ``centre_id``: the group of indicators
        computed together (one call fills all of them).
    kind : str
        ``number`` or ``category``.
    group : str
        Heading the indicator is listed under.
    scale : str
        ``log`` for counts spanning orders of magnitude (units, area): compared on
        log(1 + x), so 100 against 200 units is as far apart as 1,000 against 2,000.
    """

    id: str
    label: str
    definition: str
    unit: str
    direction: str
    compute: Compute
    kind: str = "number"
    group: str = ""
    scale: str = "linear"

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"{self.id}: direction must be one of {DIRECTIONS}")

    def format(self, value) -> str:
        """The value as people read it ("12.5%", "+3.1 pts", "48.6"); "–" when missing."""
        return format_value(value, self.unit)


def format_value(value, unit: str) -> str:
    """Format `value` for its `unit` ("–" when missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if unit in ("class", "text") or isinstance(value, str):
        return str(value)
    v = float(value)
    if unit == "share":
        return f"{v:.1%}"
    if unit == "points":
        return f"{v:+.1f} pts"
    if unit == "percent":
        return f"{v:+.1f}%"
    if unit in ("units", "count"):
        return f"{v:,.0f}"
    if unit == "ha":
        return f"{v:,.1f} ha"
    if unit == "index":
        return f"{v:.1f}"
    if unit == "score":
        return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"
    return f"{v:.3g}"


# --------------------------------------------------------------------------- group functions
def _centre_index(inputs: Inputs) -> pd.Index:
    return pd.Index(inputs.centres["centre_id"].astype("string"), name="centre_id") if len(inputs.centres) else \
        pd.Index([], dtype="string", name="centre_id")


def _empty(inputs: Inputs, columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(np.nan, index=_centre_index(inputs), columns=list(columns))


def compute_units_vacancy(inputs: Inputs) -> pd.DataFrame:
    """Units, vacancy rate and its change per centre (:mod:`agora.analysis.vacancy`)."""
    from . import by_centre, vacancy

    cols = ["units", "vacancy_rate", "vacancy_change", "data_date"]
    out = _empty(inputs, cols).astype({"data_date": "object"})
    latest = inputs.latest_units()
    if latest is None or latest.empty:
        return out
    table = vacancy.vacancy_table(latest, by=["centre_id"])
    table = table.set_index(table["centre_id"].astype("string"))
    out = out.reindex(out.index.union(table.index))
    out["units"] = table["units"].astype(float).reindex(out.index)
    out["vacancy_rate"] = table["vacancy_rate"].reindex(out.index)
    dates = latest.groupby(latest["centre_id"].astype("string"))["survey_date"].max()
    out["data_date"] = dates.reindex(out.index).map(lambda d: None if pd.isna(d) else f"{pd.Timestamp(d):%Y-%m-%d}")
    # each centre's own last two surveys (centres are surveyed on different dates): the figure of
    # vacancy.vacancy_change on the centre's units, computed for every centre at once
    moved = by_centre.vacancy_change(inputs.placed_units(), keyed=inputs.keyed_units(),
                                     rounds=inputs.keyed_rounds()).dropna()
    moved.index = moved.index.astype("string")
    out = out.reindex(out.index.union(moved.index))
    out.loc[moved.index, "vacancy_change"] = moved.to_numpy(dtype=float)
    return out


def compute_ownership(inputs: Inputs) -> pd.DataFrame:
    """Share independent per centre (:func:`agora.analysis.headline.share_independent`, every centre at once)."""
    from . import by_centre

    out = _empty(inputs, ["share_independent"])
    latest = inputs.latest_units()
    if latest is None or latest.empty or "ownership" not in latest:
        return out
    shares = by_centre.share_independent(latest)
    out = out.reindex(out.index.union(shares.index))
    out.loc[shares.index, "share_independent"] = shares.to_numpy(dtype=float)
    return out


def compute_ldc_shares(inputs: Inputs) -> pd.DataFrame:
    """Shares of the four LDC classes (comparison, convenience, leisure, service) per centre.

    Share of the units of the latest survey that are occupied with a type of that class,
    over the occupied units with a known class plus the vacant units, as the CDRC tables
    count premises (so the four shares and the vacancy rate add up to 1).
    """
    from .taxonomy import ldc_class

    cols = [f"{c}_share" for c in LDC_CLASSES]
    out = _empty(inputs, cols)
    latest = inputs.latest_units()
    if latest is None or latest.empty or "category" not in latest:
        return out
    status = latest["status"].astype("string")
    cls = ldc_class(latest["category"].astype("string")).astype("string")
    occupied = status.eq("occupied").fillna(False) & cls.notna()
    vacant = status.eq("vacant").fillna(False)
    counted = (occupied | vacant).to_numpy(dtype=bool)
    if not counted.any():
        return out
    counts, centres, classes = _class_counts(latest["centre_id"].astype("string").array[counted],
                                             cls.where(occupied).array[counted])
    total = counts.sum(axis=1)
    # units placed in a centre the centres layer does not hold get a row too
    out = out.reindex(out.index.union(centres))
    for c in LDC_CLASSES:
        share = counts[:, classes.index(c)] / total if c in classes else np.zeros(len(centres))
        out.loc[centres, f"{c}_share"] = share
    return out


def _class_counts(centre_ids, classes) -> tuple[np.ndarray, pd.Index, list]:
    """Rows per centre and class (missing class: ``"_vacant"``), as ``pd.crosstab`` counts them.

    Returns the counts (centre x class), the centre ids (sorted) and the classes (sorted).
    """
    centre, centres = pd.factorize(centre_ids, sort=True)
    kind, kinds = pd.factorize(pd.array(classes, dtype="string").fillna("_vacant"), sort=True)
    placed = centre >= 0  # rows without a centre are not counted
    counts = np.bincount(centre[placed].astype(np.int64) * len(kinds) + kind[placed],
                         minlength=len(centres) * len(kinds))
    return counts.reshape(len(centres), len(kinds)), pd.Index(centres, dtype="string"), list(kinds)


def compute_clone(inputs: Inputs) -> pd.DataFrame:
    """nef 2005 score and class, nef 2010 index and class, Shannon diversity (:mod:`agora.analysis.clone`).

    Each centre is diagnosed on its own (:func:`agora.analysis.clone.diagnose_centre`,
    its latest survey), exactly as the Clone town page does; every centre at once
    (:func:`agora.analysis.by_centre.clone_scores`).
    """
    from . import by_centre, clone

    cols = ["nef2005_score", "nef2005_class", "nef2010_index", "nef2010_class", "shannon", "n_scored"]
    out = _empty(inputs, cols).astype({"nef2005_class": "object", "nef2010_class": "object"})
    units = inputs.units
    if units is None or units.empty or "ownership" not in units or "centre_id" not in units:
        return out
    settings = clone.CloneSettings(**{"bootstrap": 0, "hearts": 0, **inputs.options.get("clone", {})})
    scores = by_centre.clone_scores(inputs.placed_units(), settings, keyed=inputs.keyed_units(),
                                    rounds=inputs.keyed_rounds())
    scores = scores[scores["n_scored"].fillna(0).astype(int) > 0]
    out = out.reindex(out.index.union(scores.index))
    for col in cols:
        out.loc[scores.index, col] = scores[col].to_numpy(dtype=object if col.endswith("_class") else float)
    return out


def compute_brands(inputs: Inputs) -> pd.DataFrame:
    """Brand clone-ness: a centre's mean brand similarity to the other centres (:mod:`agora.analysis.similarity`)."""
    out = _empty(inputs, ["clone_ness"])
    values = inputs._cache.get("clone_ness")  # given by the caller: of every centre, whichever units it gave
    if values is None:
        latest = inputs.latest_units()
        if latest is None or latest.empty or "centre_id" not in latest:
            return out
        from . import similarity

        values = similarity.clone_ness(latest)
    values = values.set_axis(values.index.astype("string"))
    out = out.reindex(out.index.union(values.index))
    out["clone_ness"] = pd.to_numeric(values, errors="coerce").reindex(out.index)
    return out


def compute_footfall(inputs: Inputs) -> pd.DataFrame:
    """Footfall year-on-year change and monthly signature for centres with counts (:mod:`agora.analysis.footfall`).

    The figures of :func:`~agora.analysis.footfall.recent_change` and
    :func:`~agora.analysis.footfall.monthly_signature` per centre, every centre from one
    DuckDB connection (:func:`agora.analysis.by_centre.footfall_figures`).
    """
    from . import by_centre

    out = _empty(inputs, ["footfall_yoy", "footfall_signature"]).astype({"footfall_signature": "object"})
    sites, counts = inputs.footfall_sites, inputs.footfall_counts
    if sites is None or counts is None or sites.empty or len(counts) == 0 or "centre_id" not in sites:
        return out
    figures = by_centre.footfall_figures(counts, sites, weeks=RECENT_WEEKS, today=inputs.options.get("today"))
    out = out.reindex(out.index.union(figures.index))
    out.loc[figures.index, "footfall_yoy"] = figures["footfall_yoy"].to_numpy(dtype=float)
    out.loc[figures.index, "footfall_signature"] = figures["footfall_signature"].to_numpy(dtype=object)
    return out


def compute_assets(inputs: Inputs) -> pd.DataFrame:
    """Assets per category and the share of units within 400 m of each (:mod:`agora.analysis.assets`)."""
    from . import assets as asset_analysis

    cols = ["assets_total"] + [f"assets_{c}" for c in ASSET_CATEGORIES] + [f"coverage_{c}" for c in ASSET_CATEGORIES]
    out = _empty(inputs, cols)
    assets, centres = inputs.assets, inputs.centres
    if assets is None or assets.empty or centres is None or centres.empty:
        return out
    latest = inputs.latest_units()
    units = latest if latest is not None and len(latest) and "geometry" in latest else None
    table = asset_analysis.summary(assets, centres, units)
    table = table[table["centre_id"].notna()]
    table = table.assign(centre_id=table["centre_id"].astype("string"))
    counts = table.pivot_table(index="centre_id", columns="category", values="count", aggfunc="sum")
    total = counts.sum(axis=1)
    out.loc[total.index, "assets_total"] = total.to_numpy(dtype=float)
    for c in ASSET_CATEGORIES:
        # a category the register does not hold anywhere is unknown, not absent
        if c in counts:
            out.loc[counts.index, f"assets_{c}"] = counts[c].to_numpy(dtype=float)
    cov_col = [c for c in table.columns if c.startswith("coverage_")]
    if cov_col:
        cov = table.pivot_table(index="centre_id", columns="category", values=cov_col[0], aggfunc="first",
                                dropna=False)
        for c in ASSET_CATEGORIES:
            if c in cov:
                out.loc[cov.index, f"coverage_{c}"] = pd.to_numeric(cov[c], errors="coerce").to_numpy(dtype=float)
    return out


def compute_area(inputs: Inputs) -> pd.DataFrame:
    """Area of each centre's boundary in hectares (measured in a projected CRS)."""
    from .assets import centre_areas

    out = _empty(inputs, ["area_ha"])
    centres = inputs.centres
    if centres is None or centres.empty or "geometry" not in centres:
        return out
    polys = centres[centres.geometry.notna() & centres.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        return out
    areas = centre_areas(polys) * 100
    out.loc[areas.index, "area_ha"] = areas.to_numpy()
    return out


# --------------------------------------------------------------------------- the registry
#: Groups whose figures compare a centre with every other: always computed over all centres.
GLOBAL_GROUPS = (compute_brands,)


def _asset_label(category: str) -> str:
    return category.replace("_", " ")


def _registry() -> dict[str, Indicator]:
    items = [
        Indicator("units", "Units", "Premises known on the latest survey date: each unit's last state, carried "
                  "forward over updates of some units (area tables: premises surveyed by the Local Data Company).",
                  "units", NEUTRAL, compute_units_vacancy, group="Size", scale="log"),
        Indicator("area_ha", "Area", "Area of the centre's boundary in hectares.", "ha", NEUTRAL, compute_area,
                  group="Size", scale="log"),
        Indicator("vacancy_rate", "Vacancy rate", "Vacant / (occupied + vacant) of the units known on the latest "
                  "survey date (carried forward over updates); units of unknown status left out.", "share",
                  HIGHER_WORSE, compute_units_vacancy, group="Vacancy"),
        Indicator("vacancy_change", "Vacancy change", "Change in the vacancy rate since the survey before, in "
                  "percentage points (area tables: 2009 to 2014).", "points", HIGHER_WORSE, compute_units_vacancy,
                  group="Vacancy"),
        Indicator("share_independent", "Share independent", "Independents among occupied units whose ownership is "
                  "known (symbol-group stores count as not independent).", "share", HIGHER_BETTER, compute_ownership,
                  group="Clone town"),
        Indicator("nef2005_score", "nef 2005 score", "(5 x types + 50 x independents + 5 x chains) / shops scored, "
                  "on nef's 50-shop walk: below 25 clone town, 25 to 35 border town, above 35 home town.", "score",
                  HIGHER_BETTER, compute_clone, group="Clone town"),
        Indicator("nef2005_class", "nef 2005 class", "Clone, border or home town by the nef 2005 score.", "class",
                  HIGHER_BETTER, compute_clone, kind="category", group="Clone town"),
        Indicator("nef2010_index", "nef 2010 index (reconstructed)", "70 x independent share + 30 x types / 26 "
                  "(nef's own formula is not public): below 50 clone, above 65 home.", "index", HIGHER_BETTER,
                  compute_clone, group="Clone town"),
        Indicator("nef2010_class", "nef 2010 class", "Clone, border or home town by the nef 2010 index.", "class",
                  HIGHER_BETTER, compute_clone, kind="category", group="Clone town"),
        Indicator("shannon", "Shannon diversity", "Shannon diversity of the shop types scored (-sum p ln p): higher "
                  "means more kinds of shop, more evenly.", "score", HIGHER_BETTER, compute_clone, group="Clone town"),
        Indicator("clone_ness", "Brand clone-ness", "Mean brand similarity (Jaccard) of the centre to every other "
                  "loaded centre: higher means its chains are the same as everywhere else.", "score", HIGHER_WORSE,
                  compute_brands, group="Clone town"),
        Indicator("footfall_yoy", f"Footfall change, last {RECENT_WEEKS} weeks", f"Footfall of the last "
                  f"{RECENT_WEEKS} complete Monday-Sunday weeks against the same weeks 364 days earlier, site-days "
                  "counted in both years only, in per cent.", "percent", HIGHER_BETTER, compute_footfall,
                  group="Footfall"),
        Indicator("footfall_signature", "Footfall signature", "Shape of the year's footfall: comparison, "
                  "speciality, multifunctional or holiday (needs a full year of counts).", "class", NEUTRAL,
                  compute_footfall, kind="category", group="Footfall"),
    ]
    for c in LDC_CLASSES:
        items.append(Indicator(f"{c}_share", f"Share {c}", f"{c.capitalize()} units (LDC class) as a share of the "
                               "occupied units with a known class plus the vacant units.", "share", NEUTRAL,
                               compute_ldc_shares, group="Shop mix"))
    items.append(Indicator("assets_total", "Community assets", "Community assets in the centre (every category).",
                           "count", HIGHER_BETTER, compute_assets, group="Community assets"))
    for c in ASSET_CATEGORIES:
        items.append(Indicator(f"assets_{c}", f"Assets: {_asset_label(c)}", f"Number of assets of category "
                               f"{_asset_label(c)} in the centre.", "count", HIGHER_BETTER, compute_assets,
                               group="Community assets"))
    for c in ASSET_CATEGORIES:
        items.append(Indicator(f"coverage_{c}", f"Within 400 m: {_asset_label(c)}", f"Share of the centre's units "
                               f"within 400 m (straight line) of a {_asset_label(c)}.", "share", HIGHER_BETTER,
                               compute_assets, group="Community assets"))
    return {i.id: i for i in items}


#: Every indicator, by id, in display order.
INDICATORS: dict[str, Indicator] = _registry()

#: Indicators offered first on the Compare page and used for "towns like ours" by default.
DEFAULT_COMPARE = ("vacancy_rate", "share_independent", "nef2005_score", "shannon")

#: Indicators the area-level tables can give.
AREA_INDICATORS = ("units", "vacancy_rate", "vacancy_change") + tuple(f"{c}_share" for c in LDC_CLASSES)


def similarity_defaults(present: Iterable[str]) -> list[str]:
    """Indicators to find "towns like this" on, from those a centre has: :data:`DEFAULT_COMPARE`, or when it has
    fewer than two of them (a centre known from area tables), the area indicators."""
    present = list(present)
    chosen = [i for i in DEFAULT_COMPARE if i in present]
    if len(chosen) < 2:
        chosen = [i for i in AREA_INDICATORS if i in present] or chosen
    return chosen


def get(indicator_id: str) -> Indicator:
    """The indicator called `indicator_id`."""
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; one of {', '.join(INDICATORS)}") from None


def labels() -> dict[str, str]:
    """Indicator id -> label."""
    return {k: v.label for k, v in INDICATORS.items()}


def directions() -> dict[str, str]:
    """Indicator id -> direction."""
    return {k: v.direction for k, v in INDICATORS.items()}


def numeric_ids(table: pd.DataFrame | None = None) -> list[str]:
    """Ids of the numeric indicators (those present in `table` with at least one value, when given)."""
    ids = [k for k, v in INDICATORS.items() if v.kind == "number"]
    if table is not None:
        ids = [k for k in ids if k in table and table[k].notna().any()]
    return ids


def definitions() -> pd.DataFrame:
    """The registry as a table: ``id``, ``label``, ``group``, ``unit``, ``direction``, ``kind``, ``definition``."""
    return pd.DataFrame([{"id": i.id, "label": i.label, "group": i.group, "unit": i.unit, "direction": i.direction,
                          "kind": i.kind, "definition": i.definition} for i in INDICATORS.values()])


# --------------------------------------------------------------------------- area-level tables
def area_rows(area: pd.DataFrame) -> pd.DataFrame:
    """One row per centre of area-level tables, with the indicators they give.

    Parameters
    ----------
    area : DataFrame
        Rows of :func:`agora.loaders.area_indicators.load_cdrc_folder` (one per centre
        and year). Retail cores (``level == "retail_core"``) are dropped: they lie inside
        their town centres.

    Returns
    -------
    DataFrame
        Indexed by ``centre_id``: ``name``, ``level``, ``data_date`` (the latest year),
        ``sources``, ``units`` (premises in the latest year), ``vacancy_rate``,
        ``vacancy_change`` (points, latest year minus earliest year; NaN with one year
        or an unsurveyed year), ``<class>_share`` and ``name_key``.
    """
    cols = ["name", "level", "data_date", "sources", *AREA_INDICATORS, "name_key"]
    if area is None or area.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], dtype="string", name="centre_id"))
    data = area
    if "level" in data:
        data = data[data["level"].astype("string").fillna("town_centre") != "retail_core"]
    data = data.sort_values(["centre_id", "year"], kind="stable")
    key = data["centre_id"].astype("string")
    latest = data.groupby(key).tail(1).set_index("centre_id")
    first = data.groupby(key).head(1).set_index("centre_id")
    out = pd.DataFrame(index=pd.Index(latest.index.astype("string"), name="centre_id"))
    out["name"] = latest["name"].astype("string").to_numpy()
    out["level"] = latest["level"].astype("string").to_numpy() if "level" in latest else "town_centre"
    out["data_date"] = latest["year"].astype("string").to_numpy()
    years = data.groupby(key)["year"].agg(lambda s: ", ".join(str(int(y)) for y in s))
    out["sources"] = ("CDRC town centre statistics " + years.reindex(out.index)).to_numpy()
    out["units"] = pd.to_numeric(latest["premises"], errors="coerce").astype(float).to_numpy()
    out["vacancy_rate"] = pd.to_numeric(latest["vacant_share"], errors="coerce").astype(float).to_numpy()
    before = pd.to_numeric(first["vacant_share"], errors="coerce").astype(float).reindex(latest.index).to_numpy()
    change = (out["vacancy_rate"].to_numpy() - before) * 100
    same = (latest["year"].to_numpy() == first["year"].reindex(latest.index).to_numpy())
    out["vacancy_change"] = np.where(same, np.nan, change)
    for c in LDC_CLASSES:
        src = "services_share" if c == "service" else f"{c}_share"
        out[f"{c}_share"] = pd.to_numeric(latest[src], errors="coerce").astype(float).to_numpy() if src in latest \
            else np.nan
    out["name_key"] = latest["name_key"].astype("string").to_numpy() if "name_key" in latest else pd.NA
    # an unsurveyed centre has no figures at all (premises NA): its shares stay missing too
    return out[cols]


# --------------------------------------------------------------------------- the table
def groups_for(ids: Iterable[str] | None) -> list[Compute]:
    """The compute functions needed for indicators `ids` (all when None), each once, in registry order."""
    wanted = INDICATORS.values() if ids is None else [get(i) for i in ids]
    seen: list[Compute] = []
    for ind in wanted:
        if ind.compute not in seen:
            seen.append(ind.compute)
    return seen


def indicator_table(
    layers: Mapping[str, pd.DataFrame],
    *,
    area: pd.DataFrame | None = None,
    indicators: Iterable[str] | None = None,
    clone: Mapping | None = None,
    today=None,
    size_bands: Sequence[tuple[str, int]] | None = None,
    previous: pd.DataFrame | None = None,
    changed: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The indicator table: a row per centre, a column per indicator.

    Parameters
    ----------
    layers : dict
        Canonical layers (``centres``, ``units`` with ownership classified,
        ``footfall_sites``, ``footfall_counts``, ``assets``); missing ones count as empty.
        ``latest_units``, when given, is each centre's latest survey of those units
        (:func:`agora.analysis.by_centre.latest_survey`), not computed again; so is
        ``clone_ness`` (:func:`agora.analysis.similarity.clone_ness` of them), when given.
    area : DataFrame, optional
        Area-level rows (CDRC tables, :func:`agora.loaders.area_indicators.load_cdrc_folder`):
        their centres join the table; workspace centres matched to them (by id, else
        name) take the figures their own data lack.
    indicators : list of str, optional
        Compute only these (default all). Columns of the others are left out.
    clone : dict, optional
        Options for the clone scores (:class:`agora.analysis.clone.CloneSettings` fields,
        e.g. ``{"method": "all"}``).
    today : date, optional
        Reference date for footfall's recent weeks (default: the latest count).
    size_bands : list, optional
        Bands for ``size_band`` (default :data:`agora.analysis.compare.SIZE_BANDS`).
    previous, changed : optional
        An earlier table of the same layers and the centres whose data changed since:
        figures of one centre are computed again only for `changed` centres and taken
        from `previous` for the others; figures that compare a centre with every other
        (brand clone-ness) are computed for all.

    Returns
    -------
    DataFrame
        :data:`ID_COLUMNS` (``centre_id``, ``name``, ``level``, ``size_band``,
        ``data_date``, ``sources``), then the indicators in registry order; sorted by
        name. Categorical indicators are strings; numbers are float with NaN for
        missing. ``attrs["timings"]`` holds the seconds each group took.
    """

    options = {"clone": dict(clone or {}), "today": today}
    inputs = Inputs.from_layers(layers, area, **options)
    wanted = list(INDICATORS) if indicators is None else [get(i).id for i in indicators]
    if "units" not in wanted:
        wanted = ["units", *wanted]  # the size band needs it
    timings: dict[str, float] = {}
    base = pd.DataFrame(index=_centre_index(inputs))
    centres = inputs.centres
    if len(centres):
        base["name"] = centres["name"].astype("string").to_numpy()
        base["level"] = "workspace"
        base["sources"] = "workspace"
    incremental = previous is not None and changed is not None and "centre_id" in previous
    if incremental:
        changed = set(map(str, changed))
        sub = _restrict(inputs, changed)
        before = previous[previous["level"].astype("string") == "workspace"].set_index(
            previous["centre_id"].astype("string")[previous["level"].astype("string") == "workspace"])
        timings["changed_centres"] = float(len(changed))
    parts = []
    for func in groups_for(wanted):
        start = time.perf_counter()
        if incremental and func not in GLOBAL_GROUPS:
            part = func(sub)
            kept = before.index.difference(pd.Index(sorted(changed), dtype="string"))
            old = before.loc[kept, [c for c in part.columns if c in before]]
            part = pd.concat([old.reindex(columns=part.columns), part]) if len(old) else part
        else:
            part = func(inputs)
        parts.append(part)
        timings[func.__name__.removeprefix("compute_")] = time.perf_counter() - start
    table = base
    for part in parts:
        extra = part.index.difference(table.index)
        if len(extra):
            table = table.reindex(table.index.append(extra))
        for col in part.columns:
            values = part[col].reindex(table.index)
            if col == "data_date" and col in table:
                table[col] = table[col].fillna(values)
            elif col not in table:
                table[col] = values
    for col in ("name", "level", "sources", "data_date"):
        if col not in table:
            table[col] = pd.Series(pd.NA, index=table.index, dtype="string")
        table[col] = table[col].astype("string")
    # units placed in a centre the centres layer does not hold: named by their id
    table["name"] = table["name"].fillna(pd.Series(table.index, index=table.index, dtype="string"))
    table[["level", "sources"]] = table[["level", "sources"]].fillna("workspace")

    start = time.perf_counter()
    if area is not None and len(area):
        table = _join_area(table, area_rows(area), centres, wanted)
    timings["area"] = time.perf_counter() - start

    table = table.reset_index().rename(columns={"index": "centre_id"})
    table["centre_id"] = table["centre_id"].astype("string")
    table["size_band"] = size_band(table["units"] if "units" in table else pd.Series(np.nan, index=table.index),
                                   size_bands or SIZE_BANDS).astype("string")
    if "data_date" not in table:
        table["data_date"] = pd.NA
    table["data_date"] = table["data_date"].astype("string")
    ind_cols = [i for i in INDICATORS if i in wanted and i in table]
    for col in ind_cols:
        if INDICATORS[col].kind == "number":
            table[col] = pd.to_numeric(table[col], errors="coerce").astype("float64")
        else:
            table[col] = table[col].astype("string")
    extra = [c for c in ("n_scored",) if c in table]
    table = table[ID_COLUMNS + ind_cols + extra]
    table = table.sort_values("name", key=lambda s: s.str.lower(), kind="stable").reset_index(drop=True)
    table.attrs["timings"] = timings
    return table


def _restrict(inputs: Inputs, centre_ids: set[str]) -> Inputs:
    """`inputs` with the centres, units and footfall sites of these centres only.

    Assets are kept whole: a centre's coverage counts assets outside its boundary too.
    """
    def only(table: pd.DataFrame) -> pd.DataFrame:
        if table is None or table.empty or "centre_id" not in table:
            return table
        return table[table["centre_id"].astype("string").isin(centre_ids).fillna(False)]

    out = Inputs(only(inputs.centres), only(inputs.units), only(inputs.footfall_sites), inputs.footfall_counts,
                 inputs.assets, inputs.area, dict(inputs.options))
    if "latest" in inputs._cache:  # these centres' rows of every centre's latest survey, as a full build reads them
        out._cache["latest"] = only(inputs._cache["latest"])
    return out


def _join_area(table: pd.DataFrame, rows: pd.DataFrame, centres: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """Fill workspace centres' gaps from matched area rows, and add the unmatched area centres."""
    from ..loaders.area_indicators import match_centres

    cols = [c for c in AREA_INDICATORS if c in wanted]
    matched_ids: set[str] = set()
    if len(centres) and len(rows):
        probe = rows.reset_index()[["centre_id", "name_key"]]
        hits = match_centres(probe.assign(year=0), centres)
        for our, theirs in zip(hits["our_centre_id"].astype(str), hits["centre_id"].astype(str)):
            if our not in table.index or theirs in matched_ids:
                continue
            matched_ids.add(theirs)
            src = rows.loc[theirs]
            filled = False
            for col in cols:
                if pd.isna(table.at[our, col]) and not pd.isna(src[col]):
                    table.at[our, col] = src[col]
                    filled = True
            if filled:
                table.at[our, "sources"] = f"{table.at[our, 'sources']}; {src['sources']}"
                if pd.isna(table.at[our, "data_date"]):
                    table.at[our, "data_date"] = src["data_date"]
    rest = rows[~rows.index.isin(matched_ids) & ~rows.index.isin(table.index)]
    add = pd.DataFrame(index=rest.index)
    for col in ["name", "level", "sources", "data_date", *cols]:
        add[col] = rest[col]
    return pd.concat([table, add]) if len(add) else table


# --------------------------------------------------------------------------- geometry
def centre_points(table: pd.DataFrame, centres: gpd.GeoDataFrame, *, polygons: bool = False,
                  tolerance_m: float = 10.0) -> gpd.GeoDataFrame:
    """The table's centres that have a boundary, as points (or simplified polygons), EPSG:4326.

    Parameters
    ----------
    polygons : bool
        Simplified boundaries (Douglas-Peucker, `tolerance_m` metres) instead of a point
        inside each (``representative_point``).

    Returns
    -------
    GeoDataFrame
        The rows of `table` whose centre has a geometry, with it.
    """
    from ..loaders.coords import area_crs

    if centres is None or centres.empty or "geometry" not in centres:
        return gpd.GeoDataFrame(table.iloc[0:0], geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    geo = centres[["centre_id", "geometry"]].copy()
    geo = geo[geo.geometry.notna() & ~geo.geometry.is_empty]
    geo["centre_id"] = geo["centre_id"].astype("string")
    if len(geo):
        if polygons:
            if tolerance_m > 0:
                metric = geo.to_crs(area_crs(geo))
                metric["geometry"] = metric.geometry.simplify(tolerance_m, preserve_topology=True)
                geo = metric.to_crs("EPSG:4326")
        else:
            metric = geo.to_crs(area_crs(geo))
            metric["geometry"] = metric.geometry.representative_point()
            geo = metric.to_crs("EPSG:4326")
    merged = table.merge(pd.DataFrame(geo), on="centre_id", how="inner")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
