"""Size bands of centres, by their number of units (premises).

>>> import pandas as pd
>>> size_band(pd.Series([12, 80, None])).tolist()
['small (under 50 units)', 'medium (50-199 units)', 'size not known']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SIZE_BANDS: tuple[tuple[str, int], ...] = (
    ("small (under 50 units)", 0),
    ("medium (50-199 units)", 50),
    ("large (200-499 units)", 200),
    ("very large (500+ units)", 500),
)
NO_BAND = "size not known"


def size_band(units: pd.Series, bands: Sequence[tuple[str, int]] = SIZE_BANDS) -> pd.Series:
    """The size band of each centre from its number of units (premises); :data:`NO_BAND` when unknown."""
    values = pd.to_numeric(units, errors="coerce").astype("float64")
    labels = [b[0] for b in bands]
    edges = [float(b[1]) for b in bands] + [np.inf]
    band = pd.cut(values, bins=edges, labels=labels, right=False)
    out = band.astype("string").fillna(NO_BAND)
    return pd.Series(pd.Categorical(out, categories=labels + [NO_BAND], ordered=True), index=units.index)
