"""Agora: a place-based high-street data dashboard.

Loaders turn the files town teams and planners have into validated GeoDataFrames of a
few canonical layers (:mod:`agora.layers`); :mod:`agora.analysis` computes indicators
from them; the Streamlit app in ``dashboard.py`` and ``pages/`` shows them.
"""

__version__ = "0.1.0"
