"""One definition per figure: each headline figure is equal on the Overview, its own page, Compare, the profile
and the command line, for every demo town."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from agora.analysis import clone, compare, footfall, headline, similarity, surveys, vacancy
from agora.analysis.indicators import RECENT_WEEKS, indicator_table
from agora.analysis.ownership import classify_ownership, load_brands
from agora.layers import LAYERS
from agora.report.profile import build_profile
from cli import agora as run_cli
from conftest import PROJECT

TOWNS = ("castlebridge", "eddlesford", "gullhaven", "hollinsford", "larkmead-green", "wendlow")


def agora(*args: str, workspace) -> list | dict:
    done = run_cli(*args, "--json", env={"AGORA_WORKSPACE": str(workspace.path)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from agora.store.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("one") / "workspace")
    layers = {name: ws.read(name) for name in LAYERS}
    layers["units"] = classify_ownership(layers["units"], load_brands(*ws.brand_lists()))  # as the app reads them
    table = indicator_table(layers).set_index("centre_id")
    cli = {
        "vacancy": agora("vacancy", "--workspace", str(ws.path), workspace=ws),
        "compare": {r["centre_id"]: r for r in agora("compare", "--workspace", str(ws.path), workspace=ws)},
        "diagnose": {r["centre_id"]: r for r in agora("diagnose", str(PROJECT / "data" / "demo" / "units.parquet"),
                                                      workspace=ws)},
        "brands": agora("compare", "--workspace", str(ws.path), "--similar", "castlebridge", "--by", "brands",
                        "--k", "5", workspace=ws),
    }
    return ws, layers, table, cli


def town(layers: dict, cid: str, layer: str) -> pd.DataFrame:
    t = layers[layer]
    if layer == "footfall_counts":
        return t[t["site_id"].isin(town(layers, cid, "footfall_sites")["site_id"])]
    return t[t["centre_id"] == cid]


@pytest.mark.parametrize("cid", TOWNS)
def test_each_headline_figure_is_one_value_everywhere(world, cid):
    ws, layers, table, cli = world
    units = town(layers, cid, "units")
    head = headline.town_headline(units, town(layers, cid, "footfall_sites"), town(layers, cid, "footfall_counts"),
                                  town(layers, cid, "assets"))
    profile = build_profile(table.reset_index(), layers, cid)
    shown = profile.figures.set_index("indicator")["value"]
    last_cli = [r for r in cli["vacancy"] if r["centre_id"] == cid][-1]
    # vacancy rate of the latest survey: Overview, Vacancy page, Compare, profile, `vacancy`, `compare`
    data = vacancy.prepare(units)
    page_rate = vacancy.vacancy_table(surveys.units_on(data, surveys.survey_rounds(data)["survey_date"].max()),
                                      by=()).iloc[0]["vacancy_rate"]
    for value in (page_rate, table.at[cid, "vacancy_rate"], shown["vacancy_rate"], cli["compare"][cid]["vacancy_rate"]):
        assert value == pytest.approx(head.vacancy_rate, abs=1e-4)
    assert last_cli["vacancy_rate"] == round(head.vacancy_rate, 4) and last_cli["units"] == head.units
    assert table.at[cid, "units"] == head.units
    assert table.at[cid, "vacancy_change"] == pytest.approx(head.vacancy_change)
    # share independent
    for value in (table.at[cid, "share_independent"], shown["share_independent"],
                  cli["compare"][cid]["share_independent"]):
        assert value == pytest.approx(head.share_independent, abs=1e-4)
    # footfall change: last 4 complete weeks against 364 days earlier (Overview, Footfall page, Compare, profile)
    counts = town(layers, cid, "footfall_counts")
    page = footfall.recent_change(counts, None, None, weeks=RECENT_WEEKS)  # what the Footfall page calls
    assert page["change_pct"] == head.footfall["change_pct"] and page["total"] == head.footfall["total"]
    for value in (table.at[cid, "footfall_yoy"], shown["footfall_yoy"], cli["compare"][cid]["footfall_yoy"]):
        assert value == pytest.approx(head.footfall["change_pct"], abs=0.01)
    # nef 2005 score: Clone town page (its diagnosis), Compare, profile, `diagnose`
    diag = clone.diagnose_centre(units, clone.CloneSettings(), centre_id=cid).summary
    for value in (table.at[cid, "nef2005_score"], shown["nef2005_score"], cli["diagnose"][cid]["nef2005_score"]):
        assert value == pytest.approx(diag["nef2005_score"], abs=0.01)
    assert cli["diagnose"][cid]["verdict"] == diag["verdict"] == profile.verdict


def test_brand_similarity_is_one_value_on_clone_town_profile_and_compare(world):
    ws, layers, table, cli = world
    page = similarity.most_similar(surveys.units_on(layers["units"]), "castlebridge", n=5)  # the Clone town page
    page = page.set_index("centre")
    profile = build_profile(table.reset_index(), layers, "castlebridge").similar_brands.set_index("centre_id")
    command = {r["centre_id"]: r for r in cli["brands"]["similar"]} if isinstance(cli["brands"], dict) else \
        {r["centre_id"]: r for r in cli["brands"]}
    for other in page.index:
        assert profile.at[other, "brand_jaccard"] == pytest.approx(page.at[other, "brand_jaccard"])
        assert profile.at[other, "shared_brands"] == page.at[other, "shared_brands"]
        assert command[other]["similarity"] == pytest.approx(page.at[other, "brand_jaccard"], abs=1e-4)
        assert command[other]["shared_brands"] == page.at[other, "shared_brands"]
    direct = compare.similar_by_brands(layers["units"], "castlebridge", k=5).set_index("centre_id")
    assert direct.loc["hollinsford", "shared_brands"] == page.at["hollinsford", "shared_brands"]
