"""Loaders: any file people have -> a validated GeoDataFrame of a canonical layer.

No streamlit here: everything is usable from a notebook or a batch job.
"""

from .canonical import (
    as_coverage,
    load,
    load_assets,
    load_centres,
    load_footfall_counts,
    load_footfall_sites,
    load_units,
)
from .centres_found import find_centres
from .guess import guess
from .read import SUPPORTED, read_source
from .report import LoadError, LoadReport, LoadResult
from .values import guess_value_map, reuse_value_map

__all__ = [
    "as_coverage",
    "load",
    "load_assets",
    "load_centres",
    "load_footfall_counts",
    "load_footfall_sites",
    "load_units",
    "read_source",
    "find_centres",
    "guess",
    "guess_value_map",
    "reuse_value_map",
    "SUPPORTED",
    "LoadError",
    "LoadReport",
    "LoadResult",
]
