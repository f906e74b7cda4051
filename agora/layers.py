"""The canonical layers: names, columns, types and allowed values.

Every loader returns one of these layers; every analysis function takes them. The
column lists here are the single source of truth (the README's table is made from the
same definitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

DISPLAY_CRS = "EPSG:4326"
BNG_CRS = "EPSG:27700"

OWNERSHIP = ("independent", "chain", "symbol_group", "unknown")
OWNERSHIP_SOURCES = ("surveyed", "osm_brand", "brand_list", "name_recurrence", "user", "inferred")
STATUS = ("occupied", "vacant", "unknown")
#: A units row comes from a full survey of its centre or an update of some units (missing: full).
COVERAGE = ("full", "update")
ASSET_CATEGORIES = (
    "library",
    "community_centre",
    "pub",
    "place_of_worship",
    "market",
    "post_office",
    "health",
    "green_space",
    "toilets",
    "other",
)
ACV_STATUS = ("listed", "nominated", "unsuccessful", "none")
DIRECTIONS = ("in", "out", "total")
INTERVALS = ("hour", "day")


@dataclass(frozen=True)
class Layer:
    """A canonical layer.

    Attributes
    ----------
    name : str
        Identifier used in code and file names (``units``).
    label : str
        Name shown to people (``Units (premises)``).
    columns : dict
        Canonical column -> pandas dtype, in output order (geometry excluded).
    required : tuple
        Columns a row must have a value for, else it is rejected.
    geometry : str or None
        ``"point"``, ``"polygon"``, ``"any"`` or None for a table without geometry.
    cli_name : str
        Name used on the command line (``footfall-sites``).
    """

    name: str
    label: str
    columns: dict[str, str]
    required: tuple[str, ...]
    geometry: str | None
    cli_name: str
    description: str = ""
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)


CENTRES = Layer(
    name="centres",
    label="Centres",
    columns={
        "centre_id": "string",
        "name": "string",
        "population": "Float64",
        "region": "string",
        "typology": "string",
        "source": "string",
    },
    required=("centre_id", "name"),
    geometry="polygon",
    cli_name="centres",
    description="Town-centre boundaries (polygons).",
)

UNITS = Layer(
    name="units",
    label="Units (premises)",
    columns={
        "unit_id": "string",
        "centre_id": "string",
        "name": "string",
        "category": "string",
        "source_category": "string",
        "ownership": "string",
        "ownership_source": "string",
        "brand": "string",
        "brand_wikidata": "string",
        "not_brand": "boolean",
        "status": "string",
        "observed_on": "datetime64[ms]",
        "vacant_since": "datetime64[ms]",
        "street": "string",
        "source": "string",
        "coverage": "string",
    },
    required=("unit_id",),
    geometry="point",
    cli_name="units",
    description="Premises, one row per unit per survey date (points).",
    choices={"ownership": OWNERSHIP, "status": STATUS, "coverage": COVERAGE},
)

FOOTFALL_SITES = Layer(
    name="footfall_sites",
    label="Footfall sites",
    columns={
        "site_id": "string",
        "name": "string",
        "centre_id": "string",
        "source": "string",
    },
    required=("site_id",),
    geometry="point",
    cli_name="footfall-sites",
    description="Footfall counter locations (points).",
)

FOOTFALL_COUNTS = Layer(
    name="footfall_counts",
    label="Footfall counts",
    columns={
        "site_id": "string",
        "timestamp": "datetime64[ms]",
        "interval": "string",
        "count": "Float64",
        "direction": "string",
        "factored": "boolean",
    },
    required=("site_id", "timestamp"),
    geometry=None,
    cli_name="footfall",
    description="Counts per site and hour or day (long form, no geometry).",
    choices={"interval": INTERVALS, "direction": DIRECTIONS},
)

ASSETS = Layer(
    name="assets",
    label="Community assets",
    columns={
        "asset_id": "string",
        "name": "string",
        "category": "string",
        "source_category": "string",
        "acv_status": "string",
        "listed_on": "datetime64[ms]",
        "expires_on": "datetime64[ms]",
        "owner": "string",
        "centre_id": "string",
        "source": "string",
    },
    required=("asset_id",),
    geometry="any",
    cli_name="assets",
    description="Community assets: libraries, pubs, halls, toilets... (points or polygons).",
    choices={"category": ASSET_CATEGORIES, "acv_status": ACV_STATUS},
)

LAYERS: dict[str, Layer] = {
    layer.name: layer for layer in (CENTRES, UNITS, FOOTFALL_SITES, FOOTFALL_COUNTS, ASSETS)
}
CLI_NAMES: dict[str, str] = {layer.cli_name: layer.name for layer in LAYERS.values()}


def get_layer(name: str) -> Layer:
    """Return the layer called `name` (code name or command-line name)."""
    key = CLI_NAMES.get(name, name).replace("-", "_")
    if key not in LAYERS:
        raise KeyError(f"unknown layer {name!r}; one of {', '.join(CLI_NAMES)}")
    return LAYERS[key]


def schema(layer: Layer):
    """The layer as a pandera schema: canonical columns, dtypes, allowed values, required values.

    Other columns are allowed (loaders keep the input's extra columns).
    """
    import pandera.pandas as pa

    columns = {
        col: pa.Column(
            dtype,
            checks=[pa.Check.isin(list(layer.choices[col]))] if col in layer.choices else None,
            nullable=col not in layer.required,
        )
        for col, dtype in layer.columns.items()
    }
    return pa.DataFrameSchema(columns, strict=False, ordered=False, name=layer.name)


def check(table: pd.DataFrame, layer: Layer) -> list[str]:
    """Problems of `table` against the layer's schema (empty when it conforms)."""
    import pandera.pandas as pa

    try:
        schema(layer).validate(pd.DataFrame(table.drop(columns="geometry", errors="ignore")), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return [f"{c}: {k} failed for {v!r}" for c, k, v in
                cases[["column", "check", "failure_case"]].drop_duplicates().head(10).itertuples(index=False)]
    return []


def empty_frame(layer: Layer) -> pd.DataFrame:
    """An empty table with the layer's canonical columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in layer.columns.items()})


#: What :func:`conform` makes of values, by version: a workspace's datasets saved conformed under
#: this version are not stripped again when read (bumped if conform ever changes what it keeps).
CONFORMED = 1


def conform(df: pd.DataFrame, layer: Layer, *, conformed: bool = False) -> pd.DataFrame:
    """Return `df` with every canonical column present, in order, with canonical dtypes.

    Columns that are not canonical are kept after the canonical ones (and the geometry
    column, if any, last).

    `conformed`: `df` holds only values this function gave already (datasets a workspace
    saved conformed, :data:`CONFORMED`): text columns that are text already are kept as
    they are, since stripping them again changes nothing (conform leaves its own output
    as it is) and is most of its time.
    """
    out = df.copy()
    for col, dtype in layer.columns.items():
        if col not in out.columns:
            out[col] = pd.Series(pd.NA, index=out.index, dtype=dtype)
        elif not (conformed and dtype == "string" and out[col].dtype == _TEXT):
            out[col] = _as_dtype(out[col], dtype)
    geom = [c for c in out.columns if c == getattr(out, "_geometry_column_name", None)]
    extra = [c for c in out.columns if c not in layer.columns and c not in geom]
    return out[list(layer.columns) + extra + geom]


def _as_dtype(s: pd.Series, dtype: str) -> pd.Series:
    if dtype.startswith("datetime"):
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s, errors="coerce", dayfirst=True, format="mixed")
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return s.astype(dtype)
    if dtype == "boolean":
        if s.dtype == "boolean":
            return s
        if s.dtype == bool:  # True and False alone: what their text ("true", "false") maps to
            return s.astype("boolean")
        text = s.astype("string").str.strip().str.lower()
        mapped = text.map(
            {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False,
             "n": False, "0": False},
            na_action="ignore",
        )
        return mapped.astype("boolean")
    if dtype == "Float64":
        return pd.to_numeric(s, errors="coerce").astype("Float64")
    if dtype == "string":
        out = strip_text(s)
        empty = out == ""
        return out.mask(empty, pd.NA) if empty.any() else out
    return s.astype(dtype)


#: The dtype of a canonical text column.
_TEXT = pd.StringDtype()


def strip_text(values: pd.Series) -> pd.Series:
    """Text without surrounding white space, except a leading tab or carriage return
    that keeps a formula inert (``"\\t=1+1"`` stays as it is, never ``"=1+1"``)."""
    text = values.astype("string")
    out = text.str.strip()
    changed = (out != text).fillna(False).to_numpy(dtype=bool)
    if not changed.any():  # nothing to strip (the usual case): no pattern to look for
        return out
    before, after = text[changed], out[changed]  # only a value that lost white space can have hidden a formula
    hidden = before.str.match(r"^\s*[\t\r]").fillna(False) & after.str.match(r"^[=+\-@]").fillna(False)
    hidden = hidden.reindex(text.index, fill_value=False)
    return out.where(~hidden, text.str.rstrip())
