"""CDRC town-centre tables as centre-level indicators: town centres only, NA kept, check figures."""

from __future__ import annotations

import pandas as pd
import pytest

from agora.loaders import LoadError
from agora.loaders.area_indicators import (
    load_cdrc_folder,
    load_cdrc_town_centres,
    match_centres,
    summarise,
    year_from_name,
)

TABLE = b"""TC2004_ID,NAME,TotalOfPremise,Comparison_Prop,Convenience_Prop,Leisure_Prop,Services_Prop,Vacant_Prop
TC0001,Aberaeron,4,0.75,0,0.25,0,0
TC0002,Aberdare,40,0.5,0.05,0.1,0.25,0.1
RC0001,Aberdare Retail Core,25,0.56,0.04,0,0.36,0.04
TC0003,Nowhere,NA,NA,NA,NA,NA,NA
XX0009,Broken,10,0.5,0.5,0,0,0
TC0004,Oddtown,10,0.5,0.5,0,0,1.5"""


def test_town_centres_only_by_default():
    result = load_cdrc_town_centres(TABLE, filename="TC_14_%.csv")
    data = result.data
    assert data["centre_id"].tolist() == ["TC0001", "TC0002", "TC0003"]
    assert set(data["level"]) == {"town_centre"} and set(data["year"]) == {2014}
    assert any("retail cores" in n for n in result.report.notes)
    rejected = {r["row"]: r["reason"] for r in result.report.rejected}
    assert set(rejected) == {6, 7}  # the XX id and the share above 1
    aberdare = data.set_index("centre_id").loc["TC0002"]
    assert aberdare["premises"] == 40 and aberdare["vacant"] == 4 and aberdare["name_key"] == "aberdare"


def test_not_surveyed_centres_are_kept_empty():
    data = load_cdrc_town_centres(TABLE, filename="tc_2009.csv").data.set_index("centre_id")
    assert pd.isna(data.loc["TC0003", "premises"]) and pd.isna(data.loc["TC0003", "vacant_share"])


def test_retail_cores_flagged_when_asked():
    data = load_cdrc_town_centres(TABLE, filename="tc_2009.csv", retail_cores=True).data
    assert data.set_index("centre_id").loc["RC0001", "level"] == "retail_core"
    totals = summarise(data).set_index("level")
    assert totals.loc["town_centre", "premises"] == 44  # never 69: the core is not added in
    assert totals.loc["retail_core", "premises"] == 25


def test_year_from_name_and_errors():
    assert year_from_name("TC_09_%.csv") == 2009 and year_from_name("tc_2014_ldc.csv") == 2014
    with pytest.raises(LoadError, match="year"):
        load_cdrc_town_centres(TABLE, filename="table.csv")
    with pytest.raises(LoadError, match="not a CDRC town-centre table"):
        load_cdrc_town_centres(b"a,b\n1,2\n", filename="tc_2014.csv")


def test_match_centres_by_id_then_name():
    data = load_cdrc_town_centres(TABLE, filename="tc_2014.csv").data
    ours = pd.DataFrame({"centre_id": ["TC0001", "aber"], "name": ["Somewhere", "Aberdare"]})
    matched = match_centres(data, ours).set_index("our_centre_id")
    assert matched.loc["TC0001", "matched_by"] == "id" and matched.loc["TC0001", "name"] == "Aberaeron"
    assert matched.loc["aber", "matched_by"] == "name" and matched.loc["aber", "centre_id"] == "TC0002"


def test_cdrc_check_figures(realdata):
    folder = realdata / "cdrc_town_centre_vacancy"
    data = load_cdrc_folder(folder).data
    assert set(data["level"]) == {"town_centre"} and not data["centre_id"].str.startswith("RC").any()
    totals = summarise(data).set_index("year")
    # SOURCE.txt: 2009 1,236 centres with data, 174,891 premises, 6.59%; 2014 1,264, 214,670, 12.60%
    assert totals.loc[2009, ["centres", "centres_with_data", "premises", "vacant"]].tolist() == [1289, 1236, 174891, 11534]
    assert totals.loc[2014, ["centres", "centres_with_data", "premises", "vacant"]].tolist() == [1289, 1264, 214670, 27055]
    assert totals.loc[2009, "vacancy_rate"] == pytest.approx(0.0659, abs=5e-5)
    assert totals.loc[2014, "vacancy_rate"] == pytest.approx(0.1260, abs=5e-5)
    named = data.set_index(["centre_id", "year"])
    assert named.loc[("TC0456", 2009), "vacant_share"] == pytest.approx(0.023, abs=5e-4)  # Exeter
    assert named.loc[("TC0600", 2014), "premises"] == 39  # Hebden Bridge
    assert named.loc[("TC0600", 2014), "vacant_share"] == pytest.approx(0.231, abs=5e-4)


def test_cdrc_retail_cores_check_figures(realdata):
    path = realdata / "cdrc_town_centre_vacancy" / "tc_2014_ldc_composition_vacancy.csv"
    data = load_cdrc_town_centres(path, retail_cores=True).data
    cores = summarise(data).set_index("level").loc["retail_core"]
    assert (cores["centres_with_data"], cores["premises"]) == (614, 113417)
    assert cores["vacancy_rate"] == pytest.approx(0.1263, abs=5e-5)
