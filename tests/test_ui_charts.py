"""agora.ui.charts: a chart drawn from its cached spec is the chart st.altair_chart draws, built once per key."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _charts() -> None:
    import altair as alt
    import pandas as pd
    import streamlit as st

    from agora.ui.charts import show_chart

    frame = pd.DataFrame({"day": pd.to_datetime(["2025-06-14", "2026-06-13"]), "rate": [0.1, 0.125],
                          "street": ["High St", "<b>Market</b> St"]})

    def chart():
        st.session_state["built"] = st.session_state.get("built", 0) + 1
        line = alt.Chart(frame).mark_line(point=True).encode(
            x=alt.X("day:T", title="Survey"), y=alt.Y("rate:Q", axis=alt.Axis(format="%")), tooltip=["street"])
        rule = alt.Chart(pd.DataFrame({"rate": [0.11]})).mark_rule(strokeDash=[4, 4]).encode(y="rate:Q")
        return alt.layer(rule, line)

    st.altair_chart(chart(), width="stretch")
    show_chart(("test", "a"), chart, width="stretch")
    show_chart(("test", "a"), lambda: 1 / 0, width="stretch")  # the spec is cached: not built again
    show_chart(("test", "b"), chart, width="stretch")


def test_a_cached_chart_is_the_chart_altair_chart_draws_and_is_built_once_per_key():
    at = AppTest.from_function(_charts).run()
    assert not at.exception, at.exception
    drawn = [e.proto for e in at.main if e.type == "vega_lite_chart"]
    assert len(drawn) == 4
    assert drawn[0].spec and len(drawn[0].datasets) == 2
    for other in drawn[1:]:
        assert other == drawn[0]
    assert at.session_state["built"] == 3  # st.altair_chart's, key "a" once, key "b" once
    at.run()  # a rerun builds only the chart given to st.altair_chart
    assert not at.exception, at.exception
    assert at.session_state["built"] == 4
    assert [e.proto for e in at.main if e.type == "vega_lite_chart"][1] == drawn[0]
