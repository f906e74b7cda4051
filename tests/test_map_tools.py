"""Map tools: filters and search labels checked against plain pandas on the demo towns; focus and labels."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from agora.analysis import vacancy
from agora.report import charts
from agora.ui import maps, maptools
from agora.ui.maptools import UnitFilter

EVIL = "`${alert(1)}` <img src=x onerror=alert(2)> {{ 7*7 }}"


@pytest.fixture(scope="module")
def towns(demo_workspace_template):
    """Per demo town: (all its unit rows, its latest survey), as the Overview reads them."""
    from agora.service import DataService

    svc = DataService(demo_workspace_template)
    out = {}
    for cid in svc.centres()["centre_id"]:
        units = svc.town("units", cid)
        out[cid] = (units, vacancy.latest_survey(units))
    return out


def long_term_by_hand(units: pd.DataFrame, months: int = 12) -> set[str]:
    """Unit ids vacant `months`+ months at their latest observation, from the raw rows.

    Vacant from the earlier of ``vacant_since`` and the first observation of the unit's
    unbroken run of vacant observations (the demo towns are surveyed whole, so a unit's
    rows are its surveys).
    """
    out = set()
    for uid, rows in units.assign(day=pd.to_datetime(units["observed_on"])).groupby("unit_id"):
        rows = rows.sort_values("day")
        last = rows.iloc[-1]
        if last["status"] != "vacant":
            continue
        start = last["day"]
        for _, row in rows.iloc[::-1].iterrows():
            if row["status"] != "vacant":
                break
            start = row["day"]
        since = pd.to_datetime(last.get("vacant_since"), errors="coerce")
        if pd.notna(since) and since < start:
            start = since
        if start + pd.DateOffset(months=months) <= last["day"]:
            out.add(uid)
    return out


def test_filters_agree_with_plain_pandas_on_every_demo_town(towns):
    seen_long_term = 0
    for cid, (units, latest) in towns.items():
        flags = maptools.long_term_flags(latest, units)
        ids = latest["unit_id"].astype(str)
        status, owner = latest["status"].astype(str), latest["ownership"].astype(str)

        def shown(**kw):
            return set(ids[maptools.filter_mask(latest, UnitFilter(**kw), flags)])

        assert shown() == set(ids)
        assert shown(status="vacant") == set(ids[status == "vacant"])
        expected_long = long_term_by_hand(units)
        assert shown(status="long_term") == expected_long, cid
        seen_long_term += len(expected_long)
        # the same count as the Vacancy page's headline "Long-term vacant"
        assert len(expected_long) == len(vacancy.long_term_vacant(units))
        assert shown(ownership="chains") == set(ids[owner.isin(["chain", "symbol_group"])])
        assert shown(ownership="independents") == set(ids[owner == "independent"])
        kind = latest["shop_type"].value_counts().index[0]
        assert shown(kinds=(kind,)) == set(ids[latest["shop_type"] == kind])
        both = shown(status="vacant", kinds=(kind,))
        assert both == set(ids[(status == "vacant") & (latest["shop_type"] == kind)])
        assert shown(ownership="chains") | shown(ownership="independents") <= set(ids)
    assert seen_long_term > 0, "the demo towns should have long-term vacant units to test with"


def test_a_unit_is_found_by_name_address_or_id(towns):
    units, latest = next(iter(towns.values()))
    labels = maptools.unit_labels(latest)
    assert labels.index.equals(latest.index) and labels.is_unique
    for i, row in latest.head(50).iterrows():
        label = labels[i]
        assert str(row["unit_id"]) in label
        if pd.notna(row["name"]) and str(row["name"]).strip():
            assert str(row["name"]).strip() in label
        if pd.notna(row["street"]):
            assert str(row["street"]) in label


def test_labels_of_unnamed_and_vacant_units():
    table = pd.DataFrame({"unit_id": ["a", "b", "c", "d"], "name": [None, "", None, None],
                          "former_name": [None, None, "Boots", None], "status": ["occupied", "vacant", "vacant", None],
                          "street": ["High St", None, "Bridge Rd", None], "postcode": [None, "HX7 8AD", None, None]})
    assert maptools.unit_labels(table).tolist() == [
        "Unnamed unit — High St (a)", "Vacant unit — HX7 8AD (b)", "Empty (was Boots) — Bridge Rd (c)",
        "Unnamed unit (d)"]


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": ["u1", "u2"], "name": [EVIL, "Bakery"], "status": ["vacant", "occupied"]},
                            geometry=gpd.points_from_xy([-2.0150, -2.0100], [53.7414, 53.7440]), crs="EPSG:4326")


def test_focus_rings_the_unit_and_fits_the_map_to_it():
    gdf = _units()
    m = maps.base_map(gdf.total_bounds)
    maps.add_geojson_layer(m, gdf, "Units", tooltip={"name": "Name"})
    geom = maptools.focus_geometry(gdf, 0)
    maps.focus_on(m, geom, EVIL, pad_m=50)
    html = m.get_root().render()
    assert '"className": "agora-focus"' in html and "agora-focus-label" in html
    # the last fit (it wins) is a box of about 100 m around the unit
    fits = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    (s, w), (n, e) = fits[-1].bounds
    assert s < 53.7414 < n and w < -2.0150 < e
    assert (n - s) * 111_320 == pytest.approx(100, rel=0.01)
    assert isinstance(list(m._children.values())[-1], maps.folium.LayerControl)
    # the label is a JSON string of escaped text: no markup, no template literal, no Jinja
    assert "<img" not in html and "${alert" not in html and "{{ 7" not in html
    assert "\\u0026#123;\\u0026#123; 7*7" in html  # braces as entities, inside a JSON string
    assert maptools.focus_geometry(gdf, 99) is None and maptools.focus_geometry(gdf, None) is None


def test_labels_name_every_centre_when_few_and_only_the_chosen_when_many():
    rng = np.random.default_rng(1)
    many = gpd.GeoDataFrame({"centre_id": [f"c{i}" for i in range(40)], "name": [f"Town {i}" for i in range(40)]},
                            geometry=gpd.points_from_xy(-2 + rng.random(40), 53 + rng.random(40)), crs="EPSG:4326")
    many.loc[3, "name"] = EVIL
    for table, named in ((many.head(10), 10), (many, 2)):
        m = maps.base_map(table.total_bounds)
        maps.add_labels(m, table, "name", highlight=["c3", "c5"], key="centre_id")
        html = m.get_root().render()
        assert html.count(".bindTooltip(") == named
        assert html.count('"className": "agora-chosen"') == 2
        assert "<img" not in html and "${alert" not in html


def test_layer_control_folds_on_a_narrow_map():
    html = maps.base_map((-2.02, 53.74, -2.01, 53.75)).get_root().render()
    assert f'"collapsed": window.innerWidth < {maps.COLLAPSE_BELOW_PX}' in html


def test_profile_map_fits_the_page_width():
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(-2.02, 53.74, -2.01, 53.75)], crs="EPSG:4326")
    chart = charts.static_map(boundary, _units())
    assert chart.to_dict()["width"] == "container"
    svg = charts.to_svg(chart, fluid=True)
    root = svg[: svg.find(">") + 1]
    assert 'width="100%"' in root and "viewBox=" in root and "height=" not in root.replace("height:auto", "")
    fixed = charts.to_svg(chart)
    assert 'width="100%"' not in fixed[: fixed.find(">")]
