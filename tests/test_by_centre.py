"""Every centre at once gives, centre by centre, what the per-centre functions give."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from agora.analysis import by_centre, surveys, vacancy
from conftest import PROJECT


NAMES = ["Greggs", "Costa", "Boots", "Corner Cafe", "Hair Studio", "Spar", "Tesco Express", "The Bakery"]
TYPES = ["cafe", "baker", "chemist", "hairdresser", "convenience", "clothes", "bank", "charity"]


def synthetic_units(seed: int = 3) -> gpd.GeoDataFrame:
    """Centres surveyed differently: two full surveys, a detected update, a stated update, several
    updates after a full survey, one survey only, an undated snapshot, walk-rounds over several days,
    unit ids repeated across centres, rows seen twice in one survey and units in no centre."""
    rng = np.random.default_rng(seed)
    rows = []

    def survey(cid, day, ids, *, coverage=None, vacant=0.12, x0=0.0):
        for i in ids:
            when = None if day is None else pd.Timestamp(day) + pd.Timedelta(days=int(rng.integers(0, 3)))
            rows.append({"centre_id": cid, "unit_id": f"u{i}", "name": str(rng.choice(NAMES)) + f" {i % 9}"
                         if rng.random() < 0.6 else str(rng.choice(NAMES)), "category": str(rng.choice(TYPES)),
                         "status": rng.choice(["vacant", "occupied", "unknown"], p=[0.95 * vacant, 0.95 * (1 - vacant), 0.05]),
                         "observed_on": when, "coverage": coverage, "lon": -1.5 + x0 + i * 1e-5, "lat": 53.0})

    survey("a", "2024-05-01", range(60))
    survey("a", "2025-05-01", range(5, 62), vacant=0.2)
    survey("b", "2024-06-01", range(80), x0=0.1)
    survey("b", "2025-06-01", range(80), x0=0.1)
    survey("b", "2025-11-20", range(10), vacant=0.9, x0=0.1)          # detected update
    survey("c", "2023-03-01", range(50), x0=0.2)
    survey("c", "2024-03-01", range(40), coverage="update", x0=0.2)  # stated update of most units
    survey("c", "2024-09-01", range(45, 70), x0=0.2)
    survey("c", "2025-01-10", range(3), vacant=1.0, x0=0.2)
    survey("c", "2025-01-10", range(2), vacant=0.0, x0=0.2)          # seen twice in one survey
    survey("d", "2025-02-01", range(30), x0=0.3)                      # one survey only
    survey("e", None, range(25), x0=0.4)                              # undated
    survey("e", "2025-03-01", range(4), x0=0.4)
    survey("f", "2025-04-01", range(70), x0=12.0)                     # outside Great Britain
    survey(None, "2025-03-01", range(15), x0=0.5)                     # in no centre
    table = pd.DataFrame(rows)
    table["observed_on"] = pd.to_datetime(table["observed_on"]).astype("datetime64[ms]")
    table["coverage"] = table["coverage"].astype("string")
    table["centre_id"] = table["centre_id"].astype("string")
    table["category"] = table["category"].astype("string")
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=4326)


@pytest.fixture(scope="module", params=["demo", "synthetic"])
def units(request) -> gpd.GeoDataFrame:
    from agora.analysis.ownership import classify_ownership

    if request.param == "demo":
        return classify_ownership(gpd.read_parquet(PROJECT / "data" / "demo" / "units.parquet"))
    return classify_ownership(synthetic_units())


def test_survey_rounds_and_units_known_on_dates_agree(units):
    data = vacancy.prepare(units)
    rounds = surveys.survey_rounds(data)
    if units["centre_id"].eq("c").any():  # the synthetic centres cover every rule
        assert {"detected", "stated i", "first su"} <= set(rounds["coverage_rule"].str[:8])
        assert rounds["coverage"].eq("update").sum() >= 3 and rounds["survey_date"].isna().any()
    pd.testing.assert_frame_equal(by_centre.survey_rounds(data), rounds, check_exact=True)
    pd.testing.assert_frame_equal(by_centre.latest_survey(units), vacancy.latest_survey(units), check_exact=True)
    # each centre on its own date: its first survey
    first = rounds.dropna(subset=["centre_id"]).groupby("centre_id")["survey_date"].first()
    together = by_centre.units_on(data, first)
    for cid, day in first.items():
        alone = surveys.units_on(data[data["centre_id"] == cid], day)
        pd.testing.assert_frame_equal(together[together["centre_id"] == cid], alone, check_exact=True)


def test_latest_survey_of_some_columns_picks_the_rows_first(units):
    """Only the units' columns with the survey date and shop type: the rows and values of the whole
    vacancy.prepare (the rows picked first, the shop type of vacant units from their former use or history)."""
    columns = [*units.columns, "survey_date", "shop_type"]
    placed = units[units["centre_id"].notna()]
    again = placed.assign(category=placed["category"].mask(placed["status"] == "vacant"),
                          name=placed["name"].mask(placed.index % 3 == 0, "Empty (was Greggs)"))
    for table in (units, again, again.iloc[::-1], again.drop(columns="unit_id")):
        wanted = [*table.columns, "survey_date", "shop_type"]
        whole = by_centre.units_on(vacancy.prepare(table))[wanted]
        pd.testing.assert_frame_equal(by_centre.latest_survey(table, columns=wanted), whole, check_exact=True)
    rounds = vacancy.survey_dates(units)
    some = units["centre_id"].isin(["a", "c"]).to_numpy() | (units.index % 2 == 0)
    whole = by_centre.units_on(vacancy.prepare(units[some], survey_date=rounds[some]))[columns]
    pd.testing.assert_frame_equal(by_centre.latest_survey(units[some], rounds[some], columns=columns), whole,
                                  check_exact=True)


def test_survey_dates_of_each_centre(units):
    together = by_centre.survey_dates(units)
    for _, group in units.groupby(units["centre_id"].astype("string").fillna("")):
        pd.testing.assert_series_equal(together[group.index], vacancy.survey_dates(group), check_names=False)


@pytest.mark.parametrize("ids", [True, False])
def test_vacancy_change_of_each_centre(units, ids):
    units = units if ids else units.drop(columns="unit_id")  # without ids: units matched by address and name
    got = by_centre.vacancy_change(units)
    placed = units[units["centre_id"].notna()]
    expected = {}
    for cid, group in placed.groupby(placed["centre_id"].astype("string")):
        moved = vacancy.vacancy_change(group, by=("centre_id",))
        if len(moved):
            expected[cid] = moved["change_points"].iloc[0]
    assert set(got.index) == set(expected) and len(expected) >= 3
    for cid, value in expected.items():
        assert (pd.isna(value) and pd.isna(got[cid])) or got[cid] == value, cid


@pytest.mark.parametrize("method,resampled", [("nef50", False), ("all", False), ("nef50", True), ("all", True)])
def test_clone_scores_of_each_centre(units, method, resampled):
    from agora.analysis import clone

    settings = clone.CloneSettings(method=method, **({} if resampled else {"bootstrap": 0, "hearts": 0}))
    got = by_centre.clone_scores(units, settings)
    placed = units[units["centre_id"].notna()]
    centres = placed["centre_id"].astype("string").unique()
    assert sorted(got.index) == sorted(centres)
    for cid in centres:
        summary = clone.diagnose_centre(placed[placed["centre_id"] == cid], settings, centre_id=cid).summary
        for col in clone.SUMMARY_COLUMNS[1:]:
            want, have = summary.get(col), got.loc[cid, col]
            assert (pd.isna(want) and pd.isna(have)) or want == have, (cid, col, want, have)
    assert got["n_scored"].gt(0).sum() >= 5
    if resampled:
        assert got["bootstrap_low"].notna().sum() >= 5 and got["heart_low"].notna().sum() >= 1


@pytest.mark.parametrize("today", [None, "2025-03-05"])
def test_footfall_figures_of_each_centre(today):
    from agora.analysis import footfall

    rng = np.random.default_rng(5)
    sites = pd.DataFrame({"site_id": [f"s{i}" for i in range(7)], "centre_id": ["a", "a", "b", "c", "d", None, "e"]})
    hours = pd.date_range("2023-01-01", "2025-02-20", freq="6h")
    frames = []
    for i, site in enumerate(sites["site_id"]):
        span = hours if i != 3 else hours[hours >= "2024-06-01"]  # c: not a full year, nothing a year before
        if i == 6:
            span = hours[hours <= "2023-08-01"]  # e: counts that stopped long ago
        frames.append(pd.DataFrame({"site_id": site, "timestamp": span,
                                    "count": rng.poisson(100 + 40 * (span.month == 12), len(span)).astype(float)}))
    counts = pd.concat(frames, ignore_index=True)
    counts.loc[rng.random(len(counts)) < 0.02, "count"] = np.nan
    got = by_centre.footfall_figures(counts, sites, weeks=4, today=today)
    for cid in ["a", "b", "c", "d", "e"]:
        change = footfall.recent_change(counts, sites, cid, weeks=4, today=today)
        want = None if not change else change["change_pct"]
        have = got["footfall_yoy"].get(cid)
        assert (want is None and pd.isna(have)) or want == have, (cid, want, have)
        sig = footfall.monthly_signature(counts, sites, centre_id=cid)["signature"]
        have = got["footfall_signature"].get(cid)
        assert (sig is None and pd.isna(have)) or sig == have, (cid, sig, have)
    assert got["footfall_yoy"].notna().sum() >= 2 and got["footfall_signature"].notna().sum() >= 2


def test_indicator_table_agrees_with_the_per_centre_functions(workspace):
    """The stored indicator table of the demo towns, centre by centre, against the functions pages call."""
    from agora.analysis import clone, footfall
    from agora.analysis.indicators import RECENT_WEEKS
    from agora.service import DataService

    svc = DataService(workspace.path)
    table = svc.indicators().set_index("centre_id")
    units, sites, files = svc.layer("units"), svc.layer("footfall_sites"), svc.footfall_files()
    settings = clone.CloneSettings(bootstrap=0, hearts=0)
    checked = 0
    for cid in svc.centres()["centre_id"]:
        mine = units[units["centre_id"] == cid]
        summary = clone.diagnose_centre(mine, settings, centre_id=cid).summary
        for col in ("nef2005_score", "nef2010_index", "shannon"):
            assert table.loc[cid, col] == summary[col], (cid, col)
        assert table.loc[cid, "nef2005_class"] == summary["nef2005_class"]
        moved = vacancy.vacancy_change(mine, by=("centre_id",))
        want = moved["change_points"].iloc[0] if len(moved) else np.nan
        assert (pd.isna(want) and pd.isna(table.loc[cid, "vacancy_change"])) or table.loc[cid, "vacancy_change"] == want
        change = footfall.recent_change(files, sites, cid, weeks=RECENT_WEEKS)
        want = change["change_pct"] if change else None
        assert (want is None and pd.isna(table.loc[cid, "footfall_yoy"])) or table.loc[cid, "footfall_yoy"] == want
        sig = footfall.monthly_signature(files, sites, centre_id=cid)["signature"]
        assert (sig is None and pd.isna(table.loc[cid, "footfall_signature"])) or table.loc[cid, "footfall_signature"] == sig
        checked += 1
    assert checked >= 6 and table["footfall_yoy"].notna().any() and table["vacancy_change"].notna().any()


@pytest.mark.parametrize("method", ["nef50", "all"])
def test_diagnose_equals_the_centre_by_centre_loop(units, method):
    """``diagnose`` (the command's table) against diagnose_centre on each group, as it was computed before."""
    from agora.analysis import clone

    settings = clone.CloneSettings(method=method)
    for data in (units, units.assign(centre_id=pd.NA)):  # by centre, and every unit as one centre
        got = clone.diagnose(data, settings=settings)
        slim = clone._slim(data, ("centre_id",))
        rows = [clone.diagnose_centre(group, settings, centre_id=cid, name=name).summary
                for cid, (name, group) in clone.centre_groups(slim, None).items()]
        want = pd.DataFrame(rows).reindex(columns=clone.SUMMARY_COLUMNS)
        assert got["centre_id"].tolist() == want["centre_id"].tolist()
        for col in clone.SUMMARY_COLUMNS:
            for a, b in zip(got[col], want[col]):
                assert (pd.isna(a) and pd.isna(b)) or a == b, (col, a, b)


def test_share_independent_of_each_centre(units):
    from agora.analysis.headline import share_independent

    latest = by_centre.latest_survey(units)
    got = by_centre.share_independent(latest[latest["centre_id"].notna()])
    for cid, group in latest.groupby(latest["centre_id"].astype("string")):
        want = share_independent(group)
        assert (want is None and pd.isna(got[cid])) or got[cid] == want, cid
    assert got.notna().sum() >= 5


@pytest.mark.parametrize("pairwise_max", [10_000, 7])
def test_kth_nearest_is_the_k_d_tree_distance(monkeypatch, pairwise_max):
    """Distances between every pair of a centre give the k-d tree's k-th nearest distance, bit for bit
    (duplicate points, ties on a grid, groups smaller and larger than k; large groups by the tree)."""
    from scipy.spatial import cKDTree

    monkeypatch.setattr(by_centre, "PAIRWISE_MAX", pairwise_max)
    rng = np.random.default_rng(11)
    sizes = np.array([1, 2, 5, 5, 0, 12, 30, 3, 60, 9])
    parts = []
    for g, m in enumerate(sizes):
        pts = rng.uniform(300_000, 300_400, (m, 2))
        if g % 3 == 0 and m > 2:
            pts[1] = pts[0]  # the same address point twice
        if g == 5:
            pts = np.column_stack([np.arange(m) % 4 * 10.0 + 400_000, np.arange(m) // 4 * 10.0 + 200_000])
        parts.append(pts)
    xy = np.vstack(parts)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    for k_max in (1, 4, 50):
        got = by_centre._kth_nearest(xy, starts, sizes, k_max)
        for g, m in enumerate(sizes):
            if m:
                pts = xy[starts[g]:starts[g] + m]
                dist, _ = cKDTree(pts).query(pts, k=min(k_max, m))
                want = dist.reshape(m, -1)[:, -1]
                assert np.array_equal(got[starts[g]:starts[g] + m], want), (g, k_max)


def test_walks_rank_units_as_one_centre_at_a_time():
    """The heart (first unit with the closest k-th neighbour) and the ranking from it, every centre at once,
    against the same taken centre by centre with np.argmin and a stable sort."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(4)
    n = 400
    codes = rng.integers(0, 9, n)
    xy = rng.integers(0, 30, (n, 2)).astype(float) * 5.0  # many ties
    eligible = rng.random(n) < 0.7
    walk = by_centre._walks(xy, codes, eligible, 10, 8)
    for c in range(10):
        elig = np.flatnonzero(eligible & (codes == c))
        part = slice(walk["starts"][c], walk["starts"][c] + walk["sizes"][c])
        assert walk["rows"][part].tolist() == elig.tolist()
        if not len(elig):
            assert walk["best"][c] == -1
            continue
        pts = xy[elig]
        dist, _ = cKDTree(pts).query(pts, k=min(8, len(pts)))
        best = elig[int(np.argmin(dist.reshape(len(pts), -1)[:, -1]))]
        far = np.hypot(pts[:, 0] - xy[best, 0], pts[:, 1] - xy[best, 1])
        rank = np.argsort(far, kind="stable")
        assert walk["best"][c] == best
        assert walk["ranked"][part].tolist() == elig[rank].tolist()
        assert np.array_equal(walk["far"][part], far[rank])
        assert walk["position"][part].tolist() == list(range(len(elig)))


def test_survey_dates_of_each_centre_with_check_dates_and_missing_ids():
    """Centres whose dates are OSM check dates (few dated, no unit seen twice), units without an id,
    and a centre whose only repeat is a unit without an id: each centre as on its own."""
    rows = []
    for i in range(40):  # a: 30 % dated, no unit seen twice: one undated snapshot
        rows.append({"centre_id": "a", "unit_id": f"a{i}", "observed_on": "2024-03-0%d" % (1 + i % 9) if i < 12 else None})
    for i in range(40):  # b: 30 % dated, but a unit seen on two dates: survey rounds
        rows.append({"centre_id": "b", "unit_id": f"b{i % 39}", "observed_on": "2024-05-01" if i < 6 else
                     ("2025-05-01" if i == 39 else None)})
    for i in range(40):  # c: as b, but the repeat has no id
        rows.append({"centre_id": "c", "unit_id": None if i in (0, 39) else f"c{i}",
                     "observed_on": "2024-05-01" if i < 6 else ("2025-05-01" if i == 39 else None)})
    for i in range(20):  # d: dated, some ids missing, two rounds
        rows.append({"centre_id": "d", "unit_id": None if i % 5 == 0 else f"d{i % 10}",
                     "observed_on": "2024-01-10" if i < 10 else "2024-09-10"})
    table = pd.DataFrame(rows)
    table["observed_on"] = pd.to_datetime(table["observed_on"]).astype("datetime64[ms]")
    table["unit_id"] = table["unit_id"].astype("string")
    table["centre_id"] = table["centre_id"].astype("string")
    together = by_centre.survey_dates(table)
    for cid, group in table.groupby("centre_id"):
        alone = vacancy.survey_dates(group)
        pd.testing.assert_series_equal(together[group.index], alone, check_names=False)
    assert together[table["centre_id"] == "a"].isna().all() and together[table["centre_id"] == "b"].notna().any()
    assert together[table["centre_id"] == "c"].isna().all()


def test_vacancy_change_and_clone_scores_from_rounds_worked_out_once(units):
    """The vacancy change and the clone scores given the units' rounds and keys (as the indicator table
    shares them) equal the same worked out by each; a table with its own survey_date ignores them."""
    from agora.analysis import clone

    keyed = by_centre.with_rounds(units)
    assert "survey_date" in keyed and "unit_key" in keyed
    rounds = by_centre.keyed_rounds(keyed)
    alone = by_centre.vacancy_change(units)
    pd.testing.assert_series_equal(by_centre.vacancy_change(units, keyed=keyed), alone, check_exact=True)
    pd.testing.assert_series_equal(by_centre.vacancy_change(units, keyed=keyed, rounds=rounds), alone,
                                   check_exact=True)
    settings = clone.CloneSettings(bootstrap=0, hearts=0)
    alone = by_centre.clone_scores(units, settings)
    pd.testing.assert_frame_equal(by_centre.clone_scores(units, settings, keyed=keyed), alone, check_exact=True)
    pd.testing.assert_frame_equal(by_centre.clone_scores(units, settings, keyed=keyed, rounds=rounds), alone,
                                  check_exact=True)
    assert by_centre._keyed_rows(keyed, keyed, np.ones(len(keyed), dtype=bool)) is None


@pytest.mark.parametrize("method,hearts,pairwise_max", [("all", 300, 1500), ("nef50", 25, 1500), ("all", 30, 60)])
def test_resampling_every_centre_at_once_is_resampling_each(monkeypatch, method, hearts, pairwise_max):
    """The other hearts' spread and the bootstrap interval of many centres at once are, bit for bit, those
    of each centre from its own generator (_resample): centres smaller than nef's minimum, smaller than
    a walk, larger than the hearts drawn, units on a grid (walks ending in a tie, left to the k-d tree),
    centres with more than 32 and more than 64 types, one unit scored, and centres larger than PAIRWISE_MAX."""
    from agora.analysis import clone

    monkeypatch.setattr(by_centre, "PAIRWISE_MAX", pairwise_max)
    monkeypatch.setattr(by_centre, "WALKS_BATCH", 5_000)  # several batches of one size
    monkeypatch.setattr(by_centre, "BOOTSTRAP_BATCH", 2_000)
    rng = np.random.default_rng(8)
    settings = clone.CloneSettings(method=method, hearts=hearts, bootstrap=50, sample_size=20, minimum=15, seed=5)
    sizes = [3, 1, 15, 16, 18, 20, 21, 40, 40, 40, 70, 90, 26, 26, 0, 33]
    codes, xy, types = [], [], []
    for c, m in enumerate(sizes):
        codes += [c] * m
        if c in (8, 9):  # a grid: many units as far from a heart
            xy.append(np.column_stack([np.arange(m) % 5 * 10.0, np.arange(m) // 5 * 10.0]) + 400_000)
        else:
            xy.append(rng.uniform(300_000, 300_300, (m, 2)))
        kinds = np.arange(m) % 40 if c == 10 else np.arange(m) if c == 11 else rng.integers(-1, 9, m)
        types.append(kinds + 100 * c)  # 40 types in centre 10, 90 in centre 11
    codes = np.array(codes)
    xy = np.vstack(xy)
    type_codes = np.concatenate(types)
    type_codes[type_codes % 100 == 99] = -1
    indep = rng.random(len(codes)) < 0.5
    eligible = rng.random(len(codes)) < 0.9
    n_centres = len(sizes)
    walk = by_centre._walks(xy, codes, eligible, n_centres, settings.sample_size)
    every = np.ones(len(walk["ranked"]), dtype=bool)
    chosen = walk["position"] < settings.sample_size if method == "nef50" else every
    chosen[walk["starts"][5]:walk["starts"][5] + walk["sizes"][5]] &= walk["position"][
        walk["starts"][5]:walk["starts"][5] + walk["sizes"][5]] < 1  # one unit scored
    centres = np.arange(n_centres)
    spread, alone = by_centre._resample_many(walk, chosen, xy, indep, type_codes, settings, centres)
    assert 11 in alone and (10 in alone) == (pairwise_max < 70) and {8, 9} & set(alone)  # 90 types; size; a tie
    for j in centres:
        classes = [None, *clone.CLASSES]
        for cls in classes:
            want, got = {"nef2005_class": cls}, {"nef2005_class": cls}
            by_centre._resample(want, j, walk, chosen, xy, indep, type_codes, settings)
            if j in alone:
                continue
            by_centre._spread_into(got, j, spread)
            assert got == want, (j, cls)
    assert spread["heart"].sum() >= 5 and spread["bootstrap"].sum() >= 8


def test_grid_coordinates_are_those_of_to_crs():
    """Points' coordinates transformed directly are, bit for bit, those of the points ``to_crs`` makes
    (degrees, web mercator, the grid itself, and points with a z)."""
    import shapely

    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(-5.5, 1.5, 500), rng.uniform(50.2, 58.5, 500)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    with_z = gpd.GeoSeries(gpd.points_from_xy(lon, lat, rng.uniform(0, 300, 500)), crs=4326)
    for series in (points, points.to_crs(3857), points.to_crs(27700), with_z):
        want = shapely.get_coordinates(series.to_crs(27700).to_numpy())
        assert np.array_equal(by_centre._grid_xy(series, "EPSG:27700"), want)
