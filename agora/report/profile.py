"""A town profile: one centre's figures, charts, diagnosis and neighbours on one page.

:func:`build_profile` gathers everything (plain data and Altair charts) from the
indicator table and the layers; the Profile page draws it with Streamlit and
:func:`to_html` writes it as one standalone HTML file that opens offline: charts and
the map are inline SVG rendered here (no script, no CDN, no remote image), every text
from the data is escaped, and a print stylesheet lays it out for paper.

No streamlit here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import altair as alt
import pandas as pd

from ..analysis import compare, reference
from ..analysis.changes import Changes, set_against, town_changes
from ..analysis.indicators import INDICATORS, numeric_ids, similarity_defaults
from . import charts

#: Indicators leading the profile, in order.
HEADLINE = ("units", "vacancy_rate", "vacancy_change", "share_independent", "nef2005_score", "nef2010_index",
            "shannon", "clone_ness", "footfall_yoy", "assets_total", "area_ha")
#: Further indicators placed on the "where it stands" chart.
STANDING = ("comparison_share", "convenience_share", "leisure_share", "service_share")
CDRC_ATTRIBUTION = "Data from the Local Data Company; Data analysis by the ESRC Consumer Data Research Centre."


@dataclass
class Profile:
    """Everything a town profile shows.

    Attributes
    ----------
    centre_id, name : str
    level : str
        ``workspace`` (unit-level data) or the area table's level (``town_centre``).
    size_band, data_date : str
    classes : dict
        ``nef2005_class``, ``nef2010_class``, ``footfall_signature`` (None when unknown).
    figures : DataFrame
        Every indicator the centre has: :func:`agora.analysis.compare.side_by_side`
        columns plus ``definition``.
    diagnosis : str or None
        The clone-town diagnosis in words.
    chains : DataFrame
        Chains among the scored units (brand, units, ownership).
    similar : DataFrame
        Nearest centres on standardised indicators (``name``, ``distance``, ``why``).
    similar_on : list of str
        The indicators `similar` compared on.
    similar_brands : DataFrame
        Centres sharing the most brands.
    charts : dict
        Title -> Altair chart.
    map : Altair chart or None
        Static map of the boundary and units.
    sources : list of dict
        ``layer``, ``source``, ``rows``, ``saved_at``.
    changes : Changes or None
        What changed between the last two surveys (:func:`agora.analysis.changes.town_changes`).
    notes : list of str
    references : DataFrame
        Median and middle half of each indicator over all centres, the same size band
        and region (:func:`agora.analysis.reference.references`); `figures` carries
        them in words (``reference``) with `reference_group` first.
    reference_group : str
        ``all``, ``size`` or ``region``: the group drawn on the charts.
    """

    centre_id: str
    name: str
    level: str
    size_band: str
    data_date: str | None
    classes: dict
    figures: pd.DataFrame
    diagnosis: str | None = None
    chains: pd.DataFrame = field(default_factory=pd.DataFrame)
    similar: pd.DataFrame = field(default_factory=pd.DataFrame)
    similar_on: list = field(default_factory=list)
    similar_brands: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdict: str | None = None
    charts: dict = field(default_factory=dict)
    map: alt.TopLevelMixin | None = None
    sources: list = field(default_factory=list)
    changes: Changes | None = None
    notes: list = field(default_factory=list)
    references: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference_group: str = "all"
    generated: str = field(default_factory=lambda: datetime.now().strftime("%Y-%m-%d %H:%M"))

    def figure(self, indicator: str) -> pd.Series | None:
        """The row of `figures` for one indicator (None when the centre lacks it)."""
        hit = self.figures[self.figures["indicator"] == indicator]
        return hit.iloc[0] if len(hit) else None


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def build_profile(
    table: pd.DataFrame,
    layers: Mapping[str, pd.DataFrame],
    centre_id: str,
    *,
    similar_on: Sequence[str] | None = None,
    k: int = 5,
    sources: Sequence[dict] = (),
    clone_options: Mapping | None = None,
    brands: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    centres: pd.DataFrame | None = None,
    reference_group: str = "all",
    similarity_index=None,
) -> Profile:
    """Gather one centre's profile.

    Parameters
    ----------
    table : DataFrame
        The indicator table (:func:`agora.analysis.indicators.indicator_table`).
    layers : dict
        The canonical layers (units classified by ownership).
    centre_id : str
        The centre.
    similar_on : list of str, optional
        Indicators for "towns like this" (default:
        :func:`agora.analysis.indicators.similarity_defaults` of those it has).
    k : int
        How many similar centres.
    sources : list of dict
        The datasets behind the figures (``layer``, ``source``, ``rows``, ``saved_at``).
    clone_options : dict, optional
        :class:`agora.analysis.clone.CloneSettings` fields for the diagnosis.
    brands : (DataFrame, DataFrame), optional
        Stored brand and shop-mix tables of every centre
        (:func:`agora.analysis.similarity.brand_table`, :func:`~agora.analysis.similarity.category_long`):
        then `layers` need hold only this centre's rows.
    similarity_index : SimilarityIndex, optional
        :func:`agora.analysis.similarity.similarity_index` of `brands`, when made before (the same figures).
    centres : DataFrame, optional
        Every centre (``region``, ``source``): for the references of the same region and
        the demo-town rule (:func:`agora.analysis.reference.references`).
    reference_group : str
        The group of centres set against the figures first and drawn on the charts.
    """
    ids = table["centre_id"].astype("string")
    hit = table[ids == centre_id]
    if hit.empty:
        raise KeyError(f"no centre {centre_id!r} in the indicator table")
    row = hit.iloc[0]
    present = [i for i in numeric_ids(table) if pd.notna(row.get(i))]
    figures = compare.side_by_side(table, [centre_id], present)
    figures["definition"] = figures["indicator"].map(lambda i: INDICATORS[i].definition)
    # `table` is the comparison set already (demo towns kept or left out by the caller)
    refs = reference.references(table, centre_id, centres, include_demo=True, indicators=present)
    figures["reference"] = figures["indicator"].map(lambda i: reference.sentence(refs, i, None, reference_group))
    classes = {c: _text(row.get(c)) for c in ("nef2005_class", "nef2010_class", "footfall_signature")}
    profile = Profile(
        centre_id=centre_id, name=str(row["name"]), level=str(row.get("level") or ""),
        size_band=str(row.get("size_band") or compare.NO_BAND), data_date=_text(row.get("data_date")),
        classes=classes, figures=figures, sources=list(sources), references=refs,
        reference_group=reference_group,
    )
    if str(row.get("sources") or "").find("CDRC") >= 0:
        profile.sources.append({"layer": "area table", "source": str(row["sources"]), "rows": None,
                                "saved_at": None, "attribution": CDRC_ATTRIBUTION})

    # towns like this
    wanted = [i for i in similar_on if i in present] if similar_on else similarity_defaults(present)
    if wanted:
        near = compare.similar_centres(table, centre_id, wanted, k=k, labels={i: INDICATORS[i].label for i in wanted})
        profile.similar = near[["centre_id", "name", "distance", "shared", "why"]]
        profile.similar_on = wanted
    standing = figures[figures["indicator"].isin(HEADLINE + STANDING)]
    if len(table) > 1 and len(standing):
        profile.charts["Where it stands among all centres"] = charts.percentile_profile(standing)

    _unit_views(profile, layers, centre_id, clone_options or {}, k, brands, similarity_index)
    return profile


def _unit_views(profile: Profile, layers: Mapping[str, pd.DataFrame], centre_id: str, clone_options: Mapping,
                k: int, brands: tuple[pd.DataFrame, pd.DataFrame] | None = None, index=None) -> None:
    """Add what the unit-level data show: map, vacancy over time, diagnosis, footfall."""
    from ..analysis import clone, footfall, surveys, vacancy

    centres = layers.get("centres")
    units = layers.get("units")
    boundary = centres[centres["centre_id"].astype("string") == centre_id] if centres is not None and len(centres) \
        else None
    mine = units[units["centre_id"].astype("string") == centre_id] if units is not None and len(units) else None
    if mine is not None and len(mine):
        latest = vacancy.latest_survey(mine)
        profile.map = charts.static_map(boundary, latest)
        over_time = surveys.vacancy_over_time(mine).rename(columns={"date": "survey_date"})
        if over_time["survey_date"].notna().sum() >= 2:
            profile.charts["Vacancy rate at each survey"] = charts.vacancy_over_time(
                over_time, reference=reference.reference(profile.references, "vacancy_rate", profile.reference_group))
        if "ownership" in latest:
            # the Clone town page's settings (bootstrap and other walk starts): the same verdict
            result = clone.diagnose_centre(latest, clone.CloneSettings(**clone_options), centre_id=centre_id,
                                           name=profile.name)
            profile.diagnosis = clone.explain(result.summary)
            profile.verdict = result.summary.get("verdict")
            types = result.types
            if len(types):
                long = types.drop(columns="units").melt(id_vars=["label"],
                                                         value_vars=["independent", "chain", "symbol_group"],
                                  var_name="ownership", value_name="units").rename(columns={"label": "type"})
                long = long[long["units"] > 0]
                if len(long):
                    profile.charts["Shop types scored, by ownership"] = charts.types_by_ownership(long)
            profile.chains = result.chains
        try:
            if brands is None:
                brands = compare.similar_by_brands(units, centre_id, k=k)
            else:
                brands = compare.similar_by_brand_tables(*brands, centre_id, k=k, index=index)
        except KeyError:
            brands = pd.DataFrame()
        if len(brands):
            names = dict(zip(centres["centre_id"].astype("string"), centres["name"].astype("string"))) \
                if centres is not None and len(centres) else {}
            brands.insert(1, "name", brands["centre_id"].map(lambda c: names.get(c, c)))
            profile.similar_brands = brands
    elif boundary is not None and len(boundary):
        profile.map = charts.static_map(boundary)
    sites, counts = layers.get("footfall_sites"), layers.get("footfall_counts")
    has_counts = sites is not None and counts is not None and len(sites) and len(counts) and \
        (sites["centre_id"].astype("string") == centre_id).any()
    if mine is not None and len(mine):  # the same figures as the Overview's "What changed"
        profile.changes = set_against(
            town_changes(mine, centre_id=centre_id, name=profile.name, counts=counts if has_counts else None,
                         sites=sites if has_counts else None), profile.references, profile.reference_group)
    if has_counts:
        weeks = footfall.weekly_totals(counts, sites, by="centre", centre_id=centre_id)
        weeks = weeks[weeks["complete"].astype(bool)] if "complete" in weeks else weeks
        if len(weeks):
            profile.charts["Footfall per week (complete weeks)"] = charts.weekly_footfall(weeks)
    if profile.level != "workspace":
        profile.notes.append("Known only from area-level tables: no unit-level data, so no map, diagnosis or "
                             "footfall.")


# --------------------------------------------------------------------------- HTML
PRINT_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0 auto;
       max-width: 1000px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 28px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
.meta { color: #555; margin-bottom: 16px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.figure { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; break-inside: avoid; }
.figure .label { color: #555; font-size: 12px; } .figure .value { font-size: 22px; font-weight: 600; }
.figure .pct { color: #555; font-size: 12px; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; color: #fff; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; }
.chart { break-inside: avoid; margin: 8px 0 16px; } .chart svg { max-width: 100%; height: auto; }
.note { color: #555; font-size: 12px; }
.changes .list { margin: 4px 0; } .changes .kind { color: #555; }
.print-only { display: none; }
@page { size: A4; margin: 11mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 8.5pt; line-height: 1.3; }
  h1 { font-size: 16pt; } h2 { font-size: 10.5pt; margin: 8px 0 3px; break-after: avoid; }
  .meta { margin-bottom: 4px; } p { margin: 3px 0; }
  .figures { grid-template-columns: repeat(7, 1fr); gap: 4px; }
  .figure { padding: 2px 5px; border-radius: 3px; }
  .figure .label, .figure .pct { font-size: 7pt; } .figure .value { font-size: 11pt; }
  .figure .pct { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
  table { font-size: 7.5pt; margin: 2px 0; } th, td { padding: 1px 4px; }
  .note { font-size: 7pt; }
  .changes .list { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
                   margin: 1px 0; }
  .map .chart svg { max-height: 72mm; width: auto; }
  .chart { margin: 2px 0 4px; }
  .page-two { break-before: page; }
  .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 0 10px; }
  .charts .chart svg { max-height: 72mm; width: auto; max-width: 100%; }
  .screen-only { display: none; } .print-only { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(value) -> str:
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


def _table_html(frame: pd.DataFrame, columns: Mapping[str, str], formats: Mapping[str, callable] | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{_e(label)}</th>" for label in columns.values())
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for col in columns:
            value = r.get(col)
            shown = formats[col](value) if col in formats and not pd.isna(value) else value
            cells.append(f"<td>{_e(shown)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _pct(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.0f}"


def percentile_words(row: pd.Series) -> str:
    """Where the figure stands, counted: "lower vacancy rate than 4 of the 6 centres"; "" if unknown.

    The same words as Compare (:func:`agora.analysis.compare.standing_words`).
    """
    words = row.get("standing")
    return "" if words is None or (not isinstance(words, str) and pd.isna(words)) else str(words)


def to_html(profile: Profile) -> str:
    """The profile as one standalone HTML document (inline SVG charts, print layout, nothing fetched)."""
    parts = [f"<h1>{_e(profile.name)}</h1>"]
    meta = [f"Centre id {_e(profile.centre_id)}", f"size: {_e(profile.size_band)}"]
    if profile.data_date:
        meta.append(f"latest data: {_e(profile.data_date)}")
    meta.append(f"profile made {_e(profile.generated)}")
    parts.append(f'<div class="meta">{" · ".join(meta)}</div>')
    cls = profile.classes.get("nef2005_class")
    if cls:
        colour = charts.CLASS_COLOURS.get(cls, "#555")
        parts.append(f'<p><span class="badge" style="background:{colour}">{_e(cls)}</span> by the nef 2005 score'
                     + (f": {_e(profile.verdict)}" if profile.verdict else "") + "</p>")

    parts.append("<h2>Headline figures</h2><div class=\"figures\">")
    for ind in HEADLINE:
        fig = profile.figure(ind)
        if fig is None:
            continue
        parts.append(f'<div class="figure"><div class="label">{_e(fig["label"])}</div>'
                     f'<div class="value">{_e(fig["shown"])}</div><div class="pct">{_e(percentile_words(fig))}</div>'
                     f'<div class="pct">{_e(fig.get("reference") or "")}</div></div>')
    for key, label in (("nef2010_class", "nef 2010 class"), ("footfall_signature", "Footfall signature")):
        if profile.classes.get(key):
            parts.append(f'<div class="figure"><div class="label">{_e(label)}</div>'
                         f'<div class="value">{_e(profile.classes[key])}</div></div>')
    parts.append("</div>")

    if profile.changes is not None:
        parts.append(changes_html(profile.changes))
    if profile.map is not None:
        parts.append('<section class="map"><h2>Map</h2>')
        parts.append(f'<div class="chart">{charts.to_svg(profile.map, fluid=True)}</div>')
        parts.append('<p class="note">Centre boundary and units coloured by status (latest survey). No base map.</p>'
                     "</section>")
    parts.append('<div class="page-two">')  # printed, the second A4 page starts here
    if profile.diagnosis:
        parts.append(f"<h2>Clone-town diagnosis</h2><p>{_e(profile.diagnosis)}</p>")
        if len(profile.chains):
            chains = profile.chains.head(25)
            parts.append('<div class="screen-only">'
                         + _table_html(chains, {"brand": "Chain", "units": "Units", "ownership": "Ownership"})
                         + "</div>")
    parts.append('<div class="charts">')
    for title, chart in profile.charts.items():
        parts.append(f'<section class="chart-block"><h2>{_e(title)}</h2>'
                     f'<div class="chart">{charts.to_svg(chart)}</div></section>')
    parts.append("</div>")

    parts.append("<h2>Towns like this</h2>")
    if len(profile.similar):
        on = ", ".join(INDICATORS[i].label for i in profile.similar_on)
        parts.append(f'<p class="note">Nearest on standardised {_e(on)} (distance in standard deviations).</p>')
        parts.append(_table_html(profile.similar, {"name": "Centre", "distance": "Distance", "why": "Why"},
                                 {"distance": lambda v: f"{v:.2f}"}))
    else:
        parts.append("<p>No other centre shares enough indicators with this one.</p>")
    if len(profile.similar_brands):
        parts.append('<div class="screen-only"><p><strong>Most alike by brands</strong></p>')
        parts.append(_table_html(profile.similar_brands, {"name": "Centre", "brand_jaccard": "Brands in common "
                                 "(Jaccard)", "brands_in_common": "Shared brands"},
                                 {"brand_jaccard": lambda v: f"{v:.2f}"}) + "</div>")

    parts.append('<section class="screen-only"><h2>Every indicator</h2>')
    parts.append(_table_html(profile.figures, {"label": "Indicator", "shown": "Value", "percentile": "Percentile",
                                               "band_percentile": "Percentile in size band",
                                               "reference": "Against other centres", "definition": "Definition"},
                             {"percentile": _pct, "band_percentile": _pct}))
    parts.append('<p class="note">Percentile: the share of the other centres with a lower value (0 lowest, 100 '
                 "highest).</p></section>")
    parts.append('<p class="note print-only">Printed on two pages: the chains, the centres most alike by brands '
                 "and every indicator are in the HTML file.</p>")

    parts.append("<h2>Data sources and dates</h2><ul>")
    for src in profile.sources:
        parts.append(f"<li>{_e(source_line(src))}</li>")
    parts.append("</ul>")
    for note in profile.notes:
        parts.append(f'<p class="note">{_e(note)}</p>')
    parts.append('<p class="note">Made with Agora, an open-source high-street dashboard.</p>')
    parts.append("</div>")
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(profile.name)} · town profile</title><style>{PRINT_CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


#: The most units a "What changed" list names in the profile (the rest are counted).
LIST_LIMIT = 30


def _names(table: pd.DataFrame, limit: int = LIST_LIMIT) -> str:
    """Units as "name (kind)" in one line, escaped; the ones past `limit` counted."""
    items = []
    for r in table.head(limit).to_dict("records"):
        if "name_before" in r:
            name = f"{_e(r['name_before'])} → {_e(r['name_after'])}"
        else:
            name = _e(r.get("name")) or _e(r.get("unit_id"))
        kind = r.get("kind") if "kind" in r else r.get("kind_after")
        items.append(name + (f" <span class=\"kind\">({_e(kind)})</span>" if _e(kind) else ""))
    more = len(table) - limit
    return ", ".join(items) + (f" and {more:,} more" if more > 0 else "")


def changes_html(changes: Changes) -> str:
    """The "What changed" section: the paragraph, the counts, the units named (escaped HTML)."""
    parts = ['<section class="changes"><h2>What changed</h2>', f"<p>{_e(changes.paragraph)}</p>"]
    if not changes.compared:
        return "".join(parts) + "</section>"
    counts = [("Closed", len(changes.closed)), ("Opened", len(changes.opened)),
              ("Changed occupier", len(changes.occupier_changes)), ("Chains arrived", len(changes.chains_arrived)),
              ("Chains left", len(changes.chains_left)), ("Independents arrived", len(changes.independents_arrived)),
              ("Independents left", len(changes.independents_left))]
    shift = changes.vacancy_change_pts
    counts.append(("Vacancy change", "–" if shift is None else f"{shift:+.1f} pts"))
    head = "".join(f"<th>{_e(label)}</th>" for label, _ in counts)
    cells = "".join(f"<td>{_e(f'{v:,}' if isinstance(v, int) else v)}</td>" for _, v in counts)
    parts.append(f'<table class="counts"><thead><tr>{head}</tr></thead><tbody><tr>{cells}</tr></tbody></table>')
    for title, table in changes.tables().items():
        if title in ("New units", "Units gone", "Public reports") and table.empty:
            continue
        if title == "Public reports":
            listed = "; ".join(f"{_e(r['on'])}: {_e(r['change'] or r['kind'])}" + (f" ({_e(r['said'])})" if r["said"]
                               else "") for r in table.head(LIST_LIMIT).to_dict("records"))
        else:
            listed = _names(table) if len(table) else "none"
        parts.append(f'<p class="list"><strong>{_e(title)} ({len(table):,}):</strong> {listed}</p>')
    return "".join(parts) + "</section>"


def source_line(src: dict) -> str:
    """One data source in words: layer, source, rows, date loaded, attribution (plain text)."""
    bits = [f"{src.get('layer')}: {src.get('source')}"]
    if src.get("rows") is not None:
        bits.append(f"{int(src['rows']):,} rows")
    if src.get("saved_at"):
        bits.append(f"loaded {str(src['saved_at'])[:10]}")
    if src.get("attribution"):
        bits.append(str(src["attribution"]))
    return " · ".join(bits)
