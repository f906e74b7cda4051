"""Altair charts drawn from a spec made once per process.

Turning an Altair chart into the Vega-Lite spec Streamlit sends (building the chart's
channels, validating it against the Vega-Lite schema, serialising its data) was a
quarter to a third of a page's rerun. A chart that depends on a few values (workspace
version, town, the page's options) is drawn with :func:`show_chart`: its spec is made
once per process for those values (``st.cache_resource``, shared by sessions) and only
sent again. The chart shown is the one ``st.altair_chart`` shows (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st


def _vega_lite_spec(chart) -> dict:
    """The Vega-Lite spec ``st.altair_chart`` sends for `chart` (its data as Arrow bytes, named by their hash)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return _convert_altair_to_vega_lite_spec(chart)


@st.cache_resource(show_spinner=False, max_entries=512)
def _spec(cache_key: Hashable, _build: Callable[[], Any]) -> dict:
    return _vega_lite_spec(_build())


def show_chart(cache_key: Hashable, build: Callable[[], Any], **kwargs):
    """``st.altair_chart(build(), **kwargs)`` of a chart that depends on `cache_key` alone.

    `cache_key` must name everything the chart shows (workspace path and version, town,
    options); `build` returns the Altair chart and is called only the first time. Nothing
    `build` reads need be computed when the spec is cached.
    """
    spec = _spec(cache_key, build)
    # each run gets its own top-level dict: Streamlit moves the datasets out of the one it is given
    return st.vega_lite_chart(spec={**spec}, **kwargs)
