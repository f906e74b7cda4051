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
from .read import SUPPORTED, read_source
from .report import LoadError, LoadReport, LoadResult

__all__ = [
    "as_coverage",
    "load",
    "load_assets",
    "load_centres",
    "load_footfall_counts",
    "load_footfall_sites",
    "load_units",
    "read_source",
    "SUPPORTED",
    "LoadError",
    "LoadReport",
    "LoadResult",
]
