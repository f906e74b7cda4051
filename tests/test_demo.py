"""The demo towns: committed files, their shape, and a deterministic generator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from agora import demo
from agora.layers import ASSET_CATEGORIES, LAYERS, conform

DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
GEOMETRIC = ("centres", "units", "footfall_sites", "assets")


def _read(name: str, folder: Path = DEMO_DIR) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    return gpd.read_parquet(path) if name in GEOMETRIC else pd.read_parquet(path)


@pytest.fixture(scope="module")
def layers() -> dict[str, pd.DataFrame]:
    return {name: _read(name) for name in LAYERS}


@pytest.fixture(scope="module")
def latest(layers) -> pd.DataFrame:
    units = layers["units"]
    return units[units["observed_on"] == units["observed_on"].max()]


def _chain_share(units: pd.DataFrame) -> float:
    occupied = units[units["status"] == "occupied"]
    return float((occupied["brand"].notna() | occupied["ownership"].isin(["chain", "symbol_group"])).mean())


def test_committed_files_have_the_layer_columns(layers):
    for name, table in layers.items():
        spec = LAYERS[name]
        expected = list(spec.columns) + (["geometry"] if spec.geometry else [])
        assert list(table.columns) == expected, name
        conformed = conform(table, spec)
        for col, dtype in spec.columns.items():
            assert str(conformed[col].dtype) == str(pd.Series(dtype=dtype).dtype), (name, col)
        if spec.geometry:
            assert table.crs.to_epsg() == 4326
            assert table.geometry.is_valid.all() and table.geometry.notna().all()
        for col in spec.required:
            assert table[col].notna().all(), (name, col)
        assert (table["source"] == demo.SOURCE).all() if "source" in table else True


def test_files_are_small():
    total = sum(p.stat().st_size for p in DEMO_DIR.glob("*.parquet"))
    assert total < 4_000_000


def test_six_towns_with_150_units_or_more(layers):
    centres, units = layers["centres"], layers["units"]
    assert len(centres) == 6 and centres["centre_id"].is_unique
    assert centres[["population", "region", "typology"]].notna().all().all()
    assert set(centres["typology"]) >= {"Town centre", "District centre", "Market town", "Seaside town"}
    per_town = units.groupby("centre_id")["unit_id"].nunique()
    assert set(per_town.index) == set(centres["centre_id"])
    assert per_town.between(150, 400).all()


def test_towns_are_in_england_and_well_apart(layers):
    centres = layers["centres"].to_crs("EPSG:27700")
    assert centres.geometry.bounds["minx"].min() > 0 and centres.geometry.bounds["maxy"].max() < 660_000
    points = centres.geometry.centroid
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            assert points.iloc[i].distance(points.iloc[j]) > 50_000
    across = centres.geometry.bounds.eval("hypot = ((maxx - minx) ** 2 + (maxy - miny) ** 2) ** 0.5")["hypot"]
    assert across.between(300, 2_000).all()


def test_two_surveys_a_year_apart_with_every_unit_in_both(layers):
    units = layers["units"]
    dates = sorted(units["observed_on"].unique())
    assert [pd.Timestamp(d).date() for d in dates] == list(demo.SURVEY_DATES)
    per_unit = units.groupby("unit_id")["observed_on"].nunique()
    assert (per_unit == 2).all()
    assert not units.duplicated(["unit_id", "observed_on"]).any()


def test_vacancy_is_realistic_and_moves_as_designed(layers):
    units = layers["units"]
    assert set(units["status"]) == {"occupied", "vacant"}
    rate = units.assign(vacant=units["status"] == "vacant").groupby(["centre_id", "observed_on"])["vacant"].mean()
    rate = rate.unstack()
    assert rate.stack().between(0.05, 0.20).all()
    first, last = rate.columns
    assert rate.loc["castlebridge", last] > rate.loc["castlebridge", first] + 0.02
    assert rate.loc["gullhaven", last] > rate.loc["gullhaven", first] + 0.02
    assert rate.loc["wendlow", last] < rate.loc["wendlow", first] - 0.02
    vacant = units[units["status"] == "vacant"]
    assert vacant["vacant_since"].notna().all() and (vacant["vacant_since"] <= vacant["observed_on"]).all()
    months = (vacant["observed_on"] - vacant["vacant_since"]).dt.days / 30.44
    assert (months > 12).sum() >= 20
    assert units.loc[units["status"] == "occupied", "vacant_since"].isna().all()
    # Some units close, some re-let between the surveys.
    wide = units.pivot(index="unit_id", columns="observed_on", values="status")
    assert ((wide[first] == "occupied") & (wide[last] == "vacant")).sum() > 20
    assert ((wide[first] == "vacant") & (wide[last] == "occupied")).sum() > 20


def test_units_are_categorised_by_the_loader(latest):
    occupied = latest[latest["status"] == "occupied"]
    assert occupied["category"].notna().all()
    assert occupied["source_category"].notna().all()
    assert occupied.groupby("centre_id")["category"].nunique().min() >= 25
    assert {"bakery", "butcher", "cafe", "pub", "fast_food", "charity", "hairdresser", "vacant"} <= set(
        latest["source_category"])


def test_chain_share_differs_as_designed(latest):
    share = {town: _chain_share(grp) for town, grp in latest.groupby("centre_id")}
    assert share["castlebridge"] > 0.45
    assert share["wendlow"] < 0.15
    assert share["castlebridge"] > share["wendlow"] + 0.3
    assert share["wendlow"] < share["hollinsford"] < share["castlebridge"]


def test_home_town_ownership_is_surveyed(layers):
    units = layers["units"]
    home = units[units["centre_id"] == "wendlow"]
    occupied = home[home["status"] == "occupied"]
    assert occupied["ownership"].isin(["independent", "chain", "symbol_group"]).all()
    assert (occupied["ownership_source"] == "surveyed").all()
    assert units.loc[units["centre_id"] != "wendlow", "ownership"].isna().all()


def test_chains_carry_brands_and_checked_wikidata_ids(latest):
    chains = latest[latest["brand"].notna()]
    assert (chains["name"] == chains["brand"]).all()
    assert chains["brand_wikidata"].dropna().str.fullmatch(r"Q\d+").all()
    qids = chains.dropna(subset=["brand_wikidata"]).groupby("brand")["brand_wikidata"].nunique()
    assert (qids == 1).all()
    eddlesford = latest[latest["centre_id"] == "eddlesford"]
    assert eddlesford["brand"].isin(["Spar", "Londis", "Premier", "Costcutter", "Nisa Local", "Budgens", "Mace"]).sum() >= 2


def test_independent_names_do_not_repeat_across_towns(layers):
    independent = layers["units"].dropna(subset=["name"])
    independent = independent[independent["brand"].isna()].drop_duplicates(["centre_id", "name"])
    assert not independent["name"].duplicated().any()


def test_units_fall_inside_their_centre(layers):
    units, centres = layers["units"], layers["centres"].set_index("centre_id")
    assert units["centre_id"].notna().all()
    inside = units.geometry.within(gpd.GeoSeries(centres.geometry.loc[units["centre_id"]].values, index=units.index))
    assert inside.all()
    sites = layers["footfall_sites"]
    assert sites.geometry.within(gpd.GeoSeries(centres.geometry.loc[sites["centre_id"]].values,
                                               index=sites.index)).all()


def test_footfall_is_two_years_hourly_with_gaps_and_a_zero_run(layers):
    counts, sites = layers["footfall_counts"], layers["footfall_sites"]
    assert sites.groupby("centre_id").size().between(2, 4).all()
    assert set(counts["site_id"]) == set(sites["site_id"])
    assert (counts["interval"] == "hour").all() and (counts["direction"] == "total").all()
    assert not counts["factored"].any()
    assert counts["timestamp"].min() == pd.Timestamp("2024-11-01 00:00")
    assert counts["timestamp"].max() == pd.Timestamp("2026-10-31 23:00")
    per_site = counts.groupby("site_id").size()
    assert per_site.max() == 730 * 24
    assert (per_site < 730 * 24).sum() >= 3  # some days missing
    assert per_site.min() > 0.98 * 730 * 24
    assert counts["count"].isna().sum() >= 10
    zero = counts.sort_values(["site_id", "timestamp"]).assign(z=lambda d: d["count"].eq(0).fillna(False))
    runs = zero.groupby("site_id")["z"].apply(lambda z: (z != z.shift()).cumsum()[z].value_counts().max())
    assert (runs.fillna(0) >= 24).sum() == 1  # one counter fault


def test_footfall_shapes(layers):
    counts = layers["footfall_counts"].dropna(subset=["count"])
    counts = counts.assign(centre_id=counts["site_id"].str.replace(r"-ff\d+$", "", regex=True))
    daily = counts.groupby(["centre_id", "site_id", counts["timestamp"].dt.normalize()])["count"].sum()
    daily = daily.reset_index().rename(columns={"timestamp": "day"})
    monthly = daily.groupby(["centre_id", daily["day"].dt.month])["count"].mean().unstack()
    for town in ("castlebridge", "hollinsford"):  # comparison: the Christmas peak
        assert monthly.loc[town].idxmax() == 12, town
    for town in ("eddlesford", "larkmead-green"):  # multifunctional: steady all year
        assert monthly.loc[town, 12] < 1.1 * monthly.loc[town].mean(), town
    wendlow = monthly.loc["wendlow"] / monthly.loc["wendlow"].mean()  # speciality: summer and Christmas
    assert wendlow[[7, 8]].mean() > 1.05 and wendlow[12] > 1.05
    assert monthly.loc["gullhaven"].idxmax() in (7, 8)
    assert monthly.loc["gullhaven", 8] > 1.8 * monthly.loc["gullhaven", 1]
    weekday = daily.groupby(daily["day"].dt.day_of_week)["count"].mean()
    assert weekday.idxmax() == 5 and weekday.idxmin() == 6
    hour = counts.groupby(counts["timestamp"].dt.hour)["count"].mean()
    assert hour.idxmax() in (12, 13) and hour.loc[4] < 0.05 * hour.max()
    # Year-on-year trends differ: the clone town falls, the home town grows.
    year = daily.assign(y=(daily["day"] >= "2025-11-01")).groupby(["centre_id", "y"])["count"].mean().unstack()
    change = year[True] / year[False] - 1
    assert change["castlebridge"] < -0.03 and change["wendlow"] > 0.02


def test_assets(layers):
    assets = layers["assets"]
    per_town = assets.groupby("centre_id").size()
    assert len(per_town) == 6 and per_town.between(8, 20).all()
    assert set(assets["category"]) <= set(ASSET_CATEGORIES)
    assert set(assets["category"]) == set(ASSET_CATEGORIES)
    listed = assets[assets["acv_status"] == "listed"]
    assert listed[["listed_on", "expires_on"]].notna().all().all()
    as_of = pd.Timestamp(demo.ASSETS_AS_OF)
    soon = listed["expires_on"].between(as_of, as_of + pd.DateOffset(years=1))
    assert soon.sum() >= 3 and (listed["expires_on"] > as_of + pd.DateOffset(years=1)).sum() >= 3
    assert (assets["acv_status"] == "nominated").any()
    assert assets.geom_type.isin(["Point", "Polygon"]).all() and (assets.geom_type == "Polygon").any()


def test_generator_is_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    demo.write(demo.generate(7, footfall_days=45), a)
    demo.write(demo.generate(7, footfall_days=45), b)
    demo.write(demo.generate(8, footfall_days=45), c)
    for name in LAYERS:
        assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name
    assert (a / "units.parquet").read_bytes() != (c / "units.parquet").read_bytes()


def test_committed_files_are_what_the_generator_makes(tmp_path):
    demo.main(["--out", str(tmp_path)])
    for name in LAYERS:
        fresh, committed = _read(name, tmp_path), _read(name)
        pd.testing.assert_frame_equal(
            fresh, committed, obj=f"{name} (regenerate with: python -m agora.demo)"
        )


def test_generate_reports_no_rejected_rows():
    result = demo.generate(footfall_days=10)
    for name, loaded in result.results.items():
        assert loaded.report.rows_rejected == 0, name
        assert loaded.report.rows_kept == len(loaded.data), name
    assert date(2026, 10, 31) == pd.Timestamp(result.layer("footfall_counts")["timestamp"].max()).date()
