"""What changed between two surveys: counts against an independent computation, the paragraph's numbers."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from agora.analysis import changes, headline, surveys, vacancy
from agora.analysis.ownership import classify_ownership, load_brands
from conftest import PROJECT

BEFORE, AFTER = pd.Timestamp("2025-06-14"), pd.Timestamp("2026-06-13")
CHAINS = {"chain", "symbol_group"}


def readme_demo_vacancy() -> dict[str, tuple[str, str]]:
    """Town name -> (vacancy 2025-06, vacancy 2026-06) from the README's demo table."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    table = text.split("## The demo towns", 1)[1].split("##", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines() if line.startswith("| ")]
    return {r[0]: (r[3], r[4]) for r in rows[1:]}


@pytest.fixture(scope="module")
def demo(demo_workspace_template):
    """Every demo town's units, centres and footfall, read through the data service (classified)."""
    from agora.service import DataService

    svc = DataService(demo_workspace_template, read_only=True)
    return svc


def norm(name) -> str:
    return "" if name is None or pd.isna(name) else re.sub(r"[^a-z0-9]+", "", str(name).lower())


def expected_by_id(units: pd.DataFrame, before, after) -> dict:
    """The changes worked out from the raw rows of two full surveys, matched by unit id."""
    day = pd.to_datetime(units["observed_on"]).dt.normalize()
    b = units[day == before].set_index("unit_id")
    a = units[day == after].set_index("unit_id")
    both = b.index.intersection(a.index)
    out = {"closed": set(), "opened": set(), "changed": set(), "chains_arrived": set(), "chains_left": set(),
           "independents_arrived": set(), "independents_left": set()}
    for uid in both:
        sb, sa = b.at[uid, "status"], a.at[uid, "status"]
        arrived = left = False
        if sb == "occupied" and sa == "vacant":
            out["closed"].add(uid)
            left = True
        if sb == "vacant" and sa == "occupied":
            out["opened"].add(uid)
            arrived = True
        if sb == "occupied" and sa == "occupied" and norm(b.at[uid, "name"]) and norm(a.at[uid, "name"]) \
                and norm(b.at[uid, "name"]) != norm(a.at[uid, "name"]):
            out["changed"].add(uid)
            arrived = left = True
        if arrived:
            own = a.at[uid, "ownership"]
            if own in CHAINS or own == "independent":
                out["chains_arrived" if own in CHAINS else "independents_arrived"].add(uid)
        if left:
            own = b.at[uid, "ownership"]
            if own in CHAINS or own == "independent":
                out["chains_left" if own in CHAINS else "independents_left"].add(uid)
    for when, table in (("before", b), ("after", a)):
        occupied, vacant = int((table["status"] == "occupied").sum()), int((table["status"] == "vacant").sum())
        out[f"rate_{when}"] = vacant / (occupied + vacant)
    return out


def check(result: changes.Changes, expected: dict) -> None:
    assert set(result.closed["unit_id"]) == expected["closed"]
    assert set(result.opened["unit_id"]) == expected["opened"]
    assert set(result.occupier_changes["unit_id"]) == expected["changed"]
    for key in ("chains_arrived", "chains_left", "independents_arrived", "independents_left"):
        assert set(getattr(result, key)["unit_id"]) == expected[key], key
    assert result.rate_before == pytest.approx(expected["rate_before"])
    assert result.rate_after == pytest.approx(expected["rate_after"])


def paragraph_numbers(result: changes.Changes) -> None:
    """The paragraph's numbers are the lists' counts and the vacancy figures."""
    text = result.paragraph
    found = re.search(r"([\d,]+) shops? closed and ([\d,]+) opened", text)
    assert found, text
    assert (int(found[1].replace(",", "")), int(found[2].replace(",", ""))) == (len(result.closed), len(result.opened))
    rates = re.search(r"vacancy (?:rose|fell) from ([\d.]+)% to ([\d.]+)%|vacancy stayed at ([\d.]+)%", text)
    assert rates, text
    if rates[3]:
        assert f"{result.rate_after:.1%}" == f"{rates[3]}%" == f"{result.rate_before:.1%}"
    else:
        assert (f"{rates[1]}%", f"{rates[2]}%") == (f"{result.rate_before:.1%}", f"{result.rate_after:.1%}")
    moved = re.search(r"([\d,]+) units? changed occupier", text)
    assert (int(moved[1]) if moved else 0) == len(result.occupier_changes)
    counts = re.search(r"Chains: ([\d,]+) arrived, ([\d,]+) left; independents: ([\d,]+) arrived, ([\d,]+) left",
                       text)
    assert counts, text
    assert [int(c) for c in counts.groups()] == [len(result.chains_arrived), len(result.chains_left),
                                                 len(result.independents_arrived), len(result.independents_left)]


def test_demo_towns_against_the_raw_rows_and_the_readme(demo):
    readme = readme_demo_vacancy()
    centres = demo.centres()
    for cid, name in zip(centres["centre_id"], centres["name"]):
        units = demo.town("units", cid)
        result = changes.town_changes(units, centre_id=cid, name=name)
        assert (result.from_date, result.to_date) == (BEFORE, AFTER)
        check(result, expected_by_id(units, BEFORE, AFTER))
        assert (f"{result.rate_before:.1%}", f"{result.rate_after:.1%}") == readme[name]
        paragraph_numbers(result)
        # the figures the Overview leads with, and the vacancy table per survey
        head = headline.town_headline(units, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
        assert result.rate_after == pytest.approx(head.vacancy_rate)
        assert result.vacancy_change_pts == pytest.approx(head.vacancy_change)
        over = surveys.vacancy_over_time(units).set_index("date")
        assert result.rate_before == pytest.approx(over.at[BEFORE, "vacancy_rate"])
        assert (result.vacant_before, result.vacant_after) == (over.at[BEFORE, "vacant"], over.at[AFTER, "vacant"])
    castle = changes.town_changes(demo.town("units", "castlebridge"), name="Castlebridge")
    assert castle.paragraph.startswith("Since June 2025 (14 June 2025 to 13 June 2026), 27 shops closed and 16 "
                                       "opened; vacancy rose from 13.0% to 17.0%.")


def test_closed_and_opened_units_carry_names_and_kinds(demo):
    units = demo.town("units", "castlebridge")
    result = changes.town_changes(units)
    raw = units.set_index(["unit_id", pd.to_datetime(units["observed_on"]).dt.normalize()])
    for r in result.closed.itertuples():
        assert r.name == raw.loc[(r.unit_id, BEFORE), "name"]  # the occupier that left
        assert isinstance(r.kind, str) and r.kind != vacancy.UNKNOWN_TYPE
    for r in result.opened.itertuples():
        assert r.name == raw.loc[(r.unit_id, AFTER), "name"]
    data = result.to_dict()
    assert data["closed"] == len(data["closed_units"]) == len(data["lists"]["closed"]) == 27
    assert data["vacancy_change_pts"] == pytest.approx(round(result.vacancy_change_pts, 2))
    import json

    json.dumps(data)  # plain values only


def test_footfall_over_the_period_and_a_town_without(demo):
    from agora.analysis.footfall import recent_change

    cid = "castlebridge"
    sites, counts = demo.town("footfall_sites", cid), demo.town_counts(cid)
    result = changes.town_changes(demo.town("units", cid), counts=counts, sites=sites)
    # 14 June 2025 (Saturday) to 13 June 2026 (Saturday): Monday 16 June 2025 to Sunday 7 June 2026
    expected = recent_change(counts, sites, cid, weeks=51, today="2026-06-08")
    assert result.footfall == expected and expected["start"] == "2025-06-16" and expected["end"] == "2026-06-07"
    assert f"{abs(expected['change_pct']):.1f}%" in result.paragraph
    bare = changes.town_changes(demo.town("units", cid))
    assert bare.footfall is None and "No footfall counts for this town." in bare.paragraph


def test_public_reports_in_the_period():
    rows = [
        {"kind": "report", "status": "approved", "created_at": pd.Timestamp("2026-01-10 12:00", tz="UTC"),
         "unit_id": "u1", "text": "Closed at Christmas", "details": {"change": "vacant"}},
        {"kind": "report", "status": "approved", "created_at": pd.Timestamp("2024-01-10", tz="UTC"),
         "unit_id": "u2", "text": "", "details": {"change": "reopened"}},  # before the period
        {"kind": "idea", "status": "pending", "created_at": pd.Timestamp("2026-02-01", tz="UTC"),
         "unit_id": None, "text": "A market", "details": {}},  # not approved
    ]
    table = changes.public_reports(rows, BEFORE, AFTER)
    assert table.to_dict("records") == [{"on": "2026-01-10", "kind": "report", "unit_id": "u1",
                                         "change": "now vacant", "said": "Closed at Christmas"}]
    assert changes.public_reports(None, BEFORE, AFTER) is None


def test_one_survey_and_bad_dates(demo):
    units = demo.town("units", "wendlow")
    one = changes.town_changes(units[pd.to_datetime(units["observed_on"]) == AFTER])
    assert not one.compared and one.to_dict()["closed"] is None and "One survey only" in one.paragraph
    with pytest.raises(ValueError, match="must be before"):
        changes.town_changes(units, before=AFTER, after=BEFORE)
    with pytest.raises(ValueError, match="no survey on or before"):
        changes.town_changes(units, before="2020-01-01", after=AFTER)


# --------------------------------------------------------------------------- a quarterly panel of real units
QUARTERS = [pd.Timestamp(d) for d in ("2025-01-15", "2025-04-15", "2025-07-15", "2025-10-15", "2026-01-15")]


def quarterly_panel(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """The Hebden Bridge survey walked every quarter: full surveys and street updates.

    Q1 full; Q2 an update of Market Street; Q3 full, with new ids for the units whose
    address is a house number (matched by address), one unit gone and one new; Q4 an
    update of Crown Street and Bridge Gate; Q5 full. Returns the rows and, independently,
    the truth per quarter: true unit id -> (status, name).
    """
    base = units.reset_index(drop=True).copy()
    base["centre_id"] = "hebden"
    truth: list[dict] = []
    rows = []
    state = {}

    def flip(table, every, offset):
        table = table.copy()
        for i in range(offset, len(table), every):
            s = table.iloc[i]["status"]
            if s == "occupied":
                table.iloc[i, table.columns.get_loc("status")] = "vacant"
            elif s == "vacant":
                table.iloc[i, table.columns.get_loc("status")] = "occupied"
                table.iloc[i, table.columns.get_loc("name")] = f"New shop {i}"
        return table

    # Q1: full
    q = base.assign(observed_on=QUARTERS[0], true_id=base["unit_id"])
    rows.append(q)
    state = {r.true_id: (r.status, r.name) for r in q.itertuples()}
    truth.append(dict(state))
    # Q2: update of Market Street
    street = base[base["street"] == "Market Street"]
    q = flip(street, 5, 0).assign(observed_on=QUARTERS[1])
    q["true_id"] = q["unit_id"]
    rows.append(q)
    state.update({r.true_id: (r.status, r.name) for r in q.itertuples()})
    truth.append(dict(state))
    # Q3: full; numbered addresses get new ids; the last unit gone, one new
    q = flip(base.iloc[:-1], 7, 3).assign(observed_on=QUARTERS[2])
    q["true_id"] = q["unit_id"]
    unique = ~q["address"].duplicated(keep=False) & q["address"].str.match(r"^\d")
    q.loc[unique, "unit_id"] = [f"q3-{i}" for i in range(int(unique.sum()))]
    new = base.iloc[[0]].assign(unit_id="brand-new", true_id="brand-new", name="Fresh Bakery", status="occupied",
                                address="99 Nowhere Street", observed_on=QUARTERS[2],
                                geometry=[shapely.Point(-2.0150, 53.7420)])
    q = pd.concat([q, new])
    rows.append(q)
    state = {r.true_id: (r.status, r.name) for r in q.itertuples()}
    truth.append(dict(state))
    # Q4: update of Crown Street and Bridge Gate (their Q3 ids)
    part = q[q["street"].isin(["Crown Street", "Bridge Gate"])]
    q4 = flip(part, 3, 1).assign(observed_on=QUARTERS[3])
    rows.append(q4)
    state.update({r.true_id: (r.status, r.name) for r in q4.itertuples()})
    truth.append(dict(state))
    # Q5: full, as Q3's ids
    q5 = flip(q, 4, 2).assign(observed_on=QUARTERS[4])
    rows.append(q5)
    state = {r.true_id: (r.status, r.name) for r in q5.itertuples()}
    truth.append(dict(state))
    panel = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), geometry="geometry", crs=units.crs)
    return panel, truth


def expected_from_truth(truth: list[dict], i: int, j: int) -> dict:
    b, a = truth[i], truth[j]
    both = set(b) & set(a)
    return {
        "closed": {u for u in both if b[u][0] == "occupied" and a[u][0] == "vacant"},
        "opened": {u for u in both if b[u][0] == "vacant" and a[u][0] == "occupied"},
        "changed": {u for u in both if b[u][0] == a[u][0] == "occupied" and norm(b[u][1]) != norm(a[u][1])},
        "new": set(a) - set(b), "gone": set(b) - set(a),
        "rate_before": sum(s == "vacant" for s, _ in b.values()) / sum(s in ("vacant", "occupied") for s, _ in b.values()),
        "rate_after": sum(s == "vacant" for s, _ in a.values()) / sum(s in ("vacant", "occupied") for s, _ in a.values()),
    }


def test_quarterly_panel_of_real_units(realdata):
    from agora.loaders import load_units

    units = load_units(realdata / "hebden_bridge_places" / "hebden-places.geojson").data
    panel, truth = quarterly_panel(units)
    panel = classify_ownership(panel, load_brands())
    true_id = dict(zip(panel["unit_id"], panel["true_id"]))
    rounds = surveys.survey_rounds(panel)
    assert rounds["coverage"].tolist() == ["full", "update", "full", "update", "full"]
    assert surveys.match_summary(panel)["counts"]["address"] > 20  # Q3's new ids matched by address
    pairs = [(None, None, 3, 4), (QUARTERS[0], QUARTERS[4], 0, 4), (QUARTERS[1], QUARTERS[3], 1, 3),
             (QUARTERS[2], QUARTERS[3], 2, 3), (QUARTERS[0], QUARTERS[2], 0, 2)]
    for before, after, i, j in pairs:
        result = changes.town_changes(panel.drop(columns="true_id"), before=before, after=after)
        assert (result.from_date, result.to_date) == (QUARTERS[i], QUARTERS[j])
        want = expected_from_truth(truth, i, j)
        assert {true_id[u] for u in result.closed["unit_id"]} == want["closed"], (i, j)
        assert {true_id[u] for u in result.opened["unit_id"]} == want["opened"], (i, j)
        assert {true_id[u] for u in result.occupier_changes["unit_id"]} == want["changed"], (i, j)
        assert {true_id[u] for u in result.new_units["unit_id"]} == want["new"], (i, j)
        assert {true_id[u] for u in result.gone_units["unit_id"]} == want["gone"], (i, j)
        assert result.rate_before == pytest.approx(want["rate_before"])
        assert result.rate_after == pytest.approx(want["rate_after"])
        assert len(result.closed) + len(result.opened) > 0
        paragraph_numbers(result)
        # the vacancy per survey the Vacancy page and the vacancy command show
        over = surveys.vacancy_over_time(panel).set_index("date")
        assert result.rate_after == pytest.approx(over.at[QUARTERS[j], "vacancy_rate"])


def test_vacancy_change_set_against_the_median_centre(demo_workspace_template):
    """Over the last two surveys the paragraph gives the median centre's vacancy change, the indicator table's
    median (computed here with pandas); over other dates it gives none."""
    from agora.analysis import reference
    from agora.service import DataService

    svc = DataService(demo_workspace_template, read_only=True)
    table, centres = svc.indicators(), svc.centres()
    refs = reference.references(table, "castlebridge", centres)
    found = changes.set_against(changes.town_changes(svc.town("units", "castlebridge"), centre_id="castlebridge"),
                                refs)
    median = table["vacancy_change"].astype(float).median()  # the six demo towns are the comparison set
    assert found.vacancy_reference["median"] == pytest.approx(median)
    assert f"against {median:+.1f} for the median of 6 centres" in found.paragraph
    assert f"({found.vacancy_change_pts:+.1f} pts," in found.paragraph
    assert found.to_dict()["vacancy_change_median"] == pytest.approx(round(median, 2))
    # the same town compared over one survey and itself, or with no reference: no clause
    plain = changes.town_changes(svc.town("units", "castlebridge"), centre_id="castlebridge")
    assert "median" not in plain.paragraph
    assert changes.set_against(plain, refs.iloc[0:0]).vacancy_reference is None
