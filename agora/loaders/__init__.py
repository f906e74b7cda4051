"""Loaders: any file people have -> a validated GeoDataFrame of a canonical layer.

No streamlit here: everything is usable from a notebook or a batch job. The names below
are imported from their modules when first used, so reading a workspace (which needs
only :mod:`.report` and the like) does not import every reader. (The layer guesser is
:func:`agora.loaders.guess.guess`: a package attribute named like its module would be
replaced by the module when it is imported.)
"""

from __future__ import annotations

import importlib

#: Each public name and the module that defines it.
_WHERE = {
    "as_coverage": "canonical",
    "load": "canonical",
    "load_assets": "canonical",
    "load_centres": "canonical",
    "load_footfall_counts": "canonical",
    "load_footfall_sites": "canonical",
    "load_units": "canonical",
    "find_centres": "centres_found",
    "SUPPORTED": "read",
    "read_source": "read",
    "LoadError": "report",
    "LoadReport": "report",
    "LoadResult": "report",
    "guess_value_map": "values",
    "reuse_value_map": "values",
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
