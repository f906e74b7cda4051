"""A units CSV loaded in chunks gives the rows and the report of the whole-file load (issue 13, import at scale)."""

from __future__ import annotations

import json
import pickle

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
from apptest import progress_while_validating

from agora.cli import main
from agora.loaders import LoadError, load
from agora.loaders.chunks import LoadStream
from agora.loaders.read import read_csv_chunks
from agora.service import DataService
from conftest import PROJECT

DEMO = PROJECT / "data" / "demo"


def same_load(path, chunk_rows: int, **options) -> LoadStream:
    """Load `path` whole and in chunks of `chunk_rows`; assert the rows, dtypes and report agree."""
    whole = load(path, "units", **options)
    stream = LoadStream(path, "units", chunk_rows=chunk_rows, **options)
    parts = list(stream)
    assert stream.whole is None, stream.whole
    assert len(parts) == -(-whole.report.rows_read // chunk_rows)  # really in chunks
    got = pd.concat([p.data for p in parts], ignore_index=True)
    got = gpd.GeoDataFrame(got, geometry="geometry", crs=parts[0].data.crs)
    pd.testing.assert_frame_equal(got, whole.data)
    assert dict(got.dtypes) == dict(whole.data.dtypes)
    assert stream.report.to_dict() == whole.report.to_dict()
    assert stream.report.summary() == whole.report.summary()
    return stream


def demo_csv(path):
    """The demo units as a CSV a council might export (positions as lat/lon, no centre)."""
    units = gpd.read_parquet(DEMO / "units.parquet")
    table = pd.DataFrame(units.drop(columns=["geometry", "centre_id"]))
    table["lat"], table["lon"] = units.geometry.y.round(7), units.geometry.x.round(7)
    table.to_csv(path, index=False)
    return path


def awkward_csv(path, n: int = 60):
    """A survey whose report has a note of every kind made from counts, and rows rejected for several reasons."""
    centres = gpd.read_parquet(DEMO / "centres.parquet")
    inside = centres.geometry.iloc[0].representative_point()
    rows = []
    for i in range(n):
        lat, lon = f"{inside.y:.6f}", f"{inside.x:.6f}"
        if i % 7 == 3:
            lat, lon = "53.9", "-1.2"  # outside every centre
        if i % 11 == 5:
            lat = "not a number"
        if i % 13 == 8:
            lat, lon = "0", "0"
        if i % 17 == 9:
            lat = "95"
        rows.append({"id": f"u{i}", "name": ["Empty", "Greggs", "???", "Rose Florist", "Vacant (was Boots)"][i % 5],
                     "use": ["bakery", "florist", "zorbing", "yurt hire", "cafe", None][i % 6],
                     "occupied": ["Y", "N", "yes", "maybe"][i % 4],
                     "coverage": ["full", "weekly", "part", "odd"][i % 4],
                     "category": ["Retail", "Offices", "Retail", "bakery", "Industrial"][i % 5],
                     "owner": ["independent", "chain", "co-op-ish", "mystery", None][i % 5],
                     "lat": lon, "lon": lat})  # given the wrong way round
    pd.DataFrame(rows).to_csv(path, index=False)
    return path, centres


@pytest.mark.parametrize("chunk_rows", [97, 1000])
def test_demo_units_in_chunks_are_the_whole_file(tmp_path, chunk_rows):
    path = demo_csv(tmp_path / "demo_units.csv")
    same_load(path, chunk_rows, centres=gpd.read_parquet(DEMO / "centres.parquet"))


@pytest.mark.parametrize("chunk_rows", [1, 7, 50])
def test_every_note_made_from_counts_adds_up_over_chunks(tmp_path, chunk_rows):
    path, centres = awkward_csv(tmp_path / "survey.csv")
    stream = same_load(path, chunk_rows, centres=centres, column_map={"occupied": "status", "owner": "ownership",
                                                                    "coverage": "coverage"})
    report = stream.report
    assert report.swapped_lat_lon and report.outside_centres and report.rows_rejected
    notes = " | ".join(report.notes)
    for words in ("status 'maybe' not recognised", "ownership 'mystery' not recognised", "does not know",
                  "fall outside every centre", "values guessed", "not understood", "wrong way round",
                  "broad land-use classes"):
        assert words in notes, words
    assert stream.report.rejected_frame()["row"].is_monotonic_increasing
    again = pickle.loads(pickle.dumps(report))  # a report can go where Streamlit pickles things
    assert again.to_dict() == report.to_dict() and again.tallies.keys() == report.tallies.keys()


@pytest.mark.parametrize("chunk_rows", [3, 100])
def test_rows_given_the_wrong_way_round_are_named_over_every_chunk(tmp_path, chunk_rows):
    path = demo_csv(tmp_path / "demo_units.csv")
    table = pd.read_csv(path, dtype=str)
    odd = [4, 5, 250, 999]
    table.loc[odd, ["lat", "lon"]] = table.loc[odd, ["lon", "lat"]].to_numpy()
    table.to_csv(path, index=False)
    stream = same_load(path, chunk_rows, centres=gpd.read_parquet(DEMO / "centres.parquet"))
    rows = ", ".join(str(i + 2) for i in odd)  # file rows: the header is row 1
    assert any(f"wrong way round in rows {rows} " in n for n in stream.report.notes), stream.report.notes
    assert stream.report.outside_centres == 0


def test_a_real_walk_round_survey_in_chunks_is_the_whole_file(realdata):
    path = realdata / "hebden_bridge_places" / "hebden-places.csv"
    stream = same_load(path, 50)
    assert stream.report.swapped_lat_lon  # decided from the first chunk as from the whole file
    assert any("addresses" in n for n in stream.report.notes)


def test_a_bad_row_at_a_chunk_boundary_keeps_its_file_row_number(tmp_path):
    path, centres = awkward_csv(tmp_path / "survey.csv", n=20)
    table = pd.read_csv(path, dtype=str)
    table.loc[9, "lat"] = None  # file row 11: the last of the first chunk of 10
    table.loc[10, "lon"] = "way off"  # file row 12: the first of the second
    table.to_csv(path, index=False)
    stream = same_load(path, 10, centres=centres)
    rejected = dict(zip(stream.report.rejected_frame()["row"], stream.report.rejected_frame()["reason"]))
    assert rejected[11].startswith("no coordinates") and rejected[12].startswith("no coordinates")


def test_a_file_smaller_than_a_chunk_is_one_chunk(tmp_path):
    path, centres = awkward_csv(tmp_path / "survey.csv", n=12)
    stream = same_load(path, 1000, centres=centres)
    assert stream.report.rows_read == 12


@pytest.mark.parametrize("text", ["", "\n\n", "id,name,lat,lon\n"])
def test_an_empty_file_is_refused_as_the_whole_file_is(tmp_path, text):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    with pytest.raises(LoadError) as whole:
        load(path, "units")
    with pytest.raises(LoadError) as chunked:
        list(LoadStream(path, "units", chunk_rows=5))
    assert str(chunked.value) == str(whole.value)


def test_an_unreadable_line_in_a_later_chunk_is_refused(tmp_path):
    path, _ = awkward_csv(tmp_path / "survey.csv", n=30)
    lines = path.read_text().splitlines()
    lines[25] += ",an extra field"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as whole:
        load(path, "units")
    with pytest.raises(LoadError) as chunked:
        list(LoadStream(path, "units", chunk_rows=10))
    assert "not a readable CSV table" in str(chunked.value) and "line 26" in str(chunked.value)
    assert "line 26" in str(whole.value)


def test_no_row_kept_in_any_chunk_is_refused_as_the_whole_file_is(tmp_path):
    path = tmp_path / "nowhere.csv"
    pd.DataFrame({"name": ["A", "B", "C"], "shop": ["bakery"] * 3, "lat": ["", "x", ""], "lon": ["1", "", ""]}
                 ).to_csv(path, index=False)
    with pytest.raises(LoadError) as whole:
        load(path, "units")
    with pytest.raises(LoadError) as chunked:
        list(LoadStream(path, "units", chunk_rows=1))
    assert str(chunked.value) == str(whole.value)


@pytest.mark.parametrize("row, again", [(3, 500), (510, 520)])
def test_repeated_ids_are_loaded_whole(tmp_path, row, again):
    """A unit id repeated in the same survey (in another chunk, or within a later chunk: the chunks after the
    first do not look for repeated ids themselves, the pass over the ids finds them) loads the file whole."""
    path = demo_csv(tmp_path / "units.csv")
    table = pd.read_csv(path, dtype=str)
    table.loc[again, ["unit_id", "observed_on"]] = table.loc[row, ["unit_id", "observed_on"]].to_numpy()
    table.to_csv(path, index=False)
    stream = LoadStream(path, "units", chunk_rows=100)
    assert len(list(stream)) == 1 and "repeats unit ids" in stream.whole
    assert stream.report.to_dict() == load(path, "units").report.to_dict()


def test_reading_in_chunks_numbers_rows_as_the_file_does(tmp_path):
    path = demo_csv(tmp_path / "units.csv")
    chunks = list(read_csv_chunks(path, chunk_rows=1000))
    rows = pd.concat([c for c, _, _ in chunks])["_row"]
    assert rows.tolist() == list(range(2, 2 + len(pd.read_csv(path))))
    done = [d for _, _, d in chunks]
    assert done == sorted(done) and done[-1] == 1.0


def test_saving_a_stream_writes_the_whole_file_dataset_and_tells_progress(workspace, tmp_path):
    path = demo_csv(tmp_path / "units.csv")
    svc = DataService(workspace.path)
    told: list[tuple[float, str]] = []
    stream = svc.load_stream(path, "units", chunk_rows=250)
    dataset = svc.save(stream, source="units.csv", progress=lambda done, what: told.append((done, what)))
    whole = svc.load(path, "units")
    pd.testing.assert_frame_equal(gpd.read_parquet(dataset.path), whole.data)
    assert dataset.rows == len(whole.data)
    assert dataset.report == json.loads(json.dumps(whole.report.to_dict(), default=str))
    meta = json.loads(pq.ParquetFile(dataset.path).metadata.metadata[b"geo"])["columns"]["geometry"]
    assert meta["bbox"] == pytest.approx(list(whole.data.total_bounds))
    assert meta["geometry_types"] == ["Point"]
    shares = [done for done, _ in told]
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) > 11  # a step per chunk
    assert svc.town("units", whole.data["centre_id"].dropna().iloc[0]).shape[0] > 0  # the pages read it


def test_a_stream_that_fails_midway_leaves_no_file(workspace, tmp_path):
    path, _ = awkward_csv(tmp_path / "survey.csv", n=30)
    lines = path.read_text().splitlines()
    lines[25] += ",an extra field"
    path.write_text("\n".join(lines) + "\n")
    svc = DataService(workspace.path)
    before = sorted(p.name for p in (workspace.path / "units").iterdir()) if (workspace.path / "units").exists() else []
    with pytest.raises(LoadError):
        svc.save(svc.load_stream(path, "units", chunk_rows=10))
    assert sorted(p.name for p in (workspace.path / "units").iterdir()) == before


def test_import_streams_units_with_a_progress_line(workspace, tmp_path, capsys, monkeypatch):
    import agora.loaders.chunks as chunks

    monkeypatch.setattr(chunks, "CHUNK_ROWS", 400)
    path = demo_csv(tmp_path / "units.csv")
    code = main(["import", str(path), "--layer", "units", "--update", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    whole = DataService(workspace.path).load(path, "units")
    assert report["rows_kept"] == whole.report.rows_kept and report["rejected"] == whole.report.to_dict()["rejected"]
    assert report["notes"][-1] == "saved as an update of the units it covers"
    shares = [int(line.split("]")[1].split("%")[0]) for line in err.splitlines() if "%" in line]
    assert len(shares) >= 7 and shares == sorted(shares) and shares[-1] == 100
    assert "chunks of 400 rows" in err
    saved = DataService(workspace.path).datasets("units")[-1]
    data = gpd.read_parquet(saved.path)
    assert (data["coverage"] == "update").all()
    pd.testing.assert_frame_equal(data.drop(columns="coverage"), whole.data.drop(columns="coverage"))


def test_data_page_shows_a_progress_bar_while_validating(workspace, tmp_path):
    path = demo_csv(tmp_path / "units.csv")
    bars = progress_while_validating(path, "units.csv", "units", workspace.path, chunk_rows=500)
    assert bars and bars[0].proto.value == 100 and "rows read" in bars[0].proto.text


def test_chunks_keeping_no_row_are_saved_as_the_whole_file_is(tmp_path):
    from agora.store.workspace import Workspace

    path, centres = awkward_csv(tmp_path / "survey.csv", n=40)
    options = {"centres": centres, "column_map": {"occupied": "status", "owner": "ownership"}}
    ws = Workspace(tmp_path / "ws", seed_demo=False)
    dataset = ws.save(LoadStream(path, "units", chunk_rows=1, **options))  # many chunks of one rejected row
    pd.testing.assert_frame_equal(gpd.read_parquet(dataset.path), load(path, "units", **options).data)


def test_every_chunk_follows_the_decisions_of_the_first(tmp_path):
    """The last chunk alone would be read as swapped coordinates and names that are names; the whole file
    (two thirds the other way) is not, and neither are the chunks."""
    rows = [{"name": f"{i} High Street", "comments": f"Shop {i}", "lat": "53.74", "lon": "-2.01"} for i in range(20)]
    rows += [{"name": f"Shop {i}", "comments": "", "lat": "-2.01", "lon": "53.74"} for i in range(20, 30)]
    path = tmp_path / "mixed.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    last = load(pd.DataFrame(rows[20:]), "units", filename="mixed.csv")
    assert last.report.swapped_lat_lon and not any("addresses" in n for n in last.report.notes)
    stream = same_load(path, 10)
    assert not stream.report.swapped_lat_lon and any("addresses" in n for n in stream.report.notes)


def test_the_quick_units_paths_give_what_the_plain_ones_give():
    """Shop types and unknown uses judged once per distinct use; points used as their own inside point."""
    import shapely

    from agora.analysis.taxonomy import categorise, unmapped
    from agora.loaders.coords import inside_points
    from agora.loaders.normalise import per_distinct, unmapped_counts

    uses = pd.Series(["Cafe", "CAFE AND PREMISES", None, "zorbing", "Zorbing ", "yurt hire", "cafe", "vacant",
                      "office=charity", "", "zorbing", "disused:shop", "Fast_Food", None] * 3, index=range(100, 142))
    pd.testing.assert_series_equal(per_distinct(uses, categorise), categorise(uses))
    assert unmapped_counts(uses) == {str(k): int(v) for k, v in unmapped(uses).items()}
    assert unmapped_counts(pd.Series([], dtype="string")) == {}
    geoms = gpd.GeoSeries([shapely.Point(1, 2), None, shapely.box(0, 0, 2, 2), shapely.Point(),
                           shapely.LineString([(0, 0), (1, 1)])], index=[5, 6, 7, 8, 9])
    assert inside_points(geoms).to_wkt().tolist() == geoms.representative_point().to_wkt().tolist()
    points = gpd.GeoSeries(gpd.points_from_xy([1.0, 2.0], [3.0, 4.0]))
    assert inside_points(points).to_wkt().tolist() == points.representative_point().to_wkt().tolist()


def test_ids_repeated_only_across_the_read_of_ids_are_found(tmp_path):
    """The pass over ids reads 500,000 rows at a time: a repeat far apart in the file is found all the same,
    and so is a made id (file stem and row) that a real id repeats."""
    path = tmp_path / "units.csv"
    rows = [{"id": f"u{i}", "name": "Shop", "shop": "bakery", "lat": "53.74", "lon": "-2.01",
             "date": "2024-01-01"} for i in range(30)]
    rows[3]["id"] = ""  # made: units-5
    rows[20]["id"] = "units-5"
    pd.DataFrame(rows).to_csv(path, index=False)
    stream = LoadStream(path, "units", chunk_rows=10)
    assert len(list(stream)) == 1 and "repeats unit ids" in stream.whole
    rows[20]["id"] = "units-6"
    pd.DataFrame(rows).to_csv(path, index=False)
    same_load(path, 10)


def test_osm_element_types_with_ids_are_loaded_whole(tmp_path):
    """A ``type`` column of OSM element types beside an ``id`` column makes ids such as ``way/101``, from two
    columns: such a file is loaded whole (in chunks the pass over ids looked for a column the file lacks)."""
    path = tmp_path / "osm.csv"
    pd.DataFrame([{"type": ["node", "way"][i % 2], "id": str(100 + i), "name": f"Shop {i}", "shop": "bakery",
                   "lat": "53.74", "lon": "-2.01"} for i in range(6)]).to_csv(path, index=False)
    whole = load(path, "units")
    stream = LoadStream(path, "units", chunk_rows=2)
    parts = list(stream)
    assert len(parts) == 1 and "OSM element types" in stream.whole
    pd.testing.assert_frame_equal(parts[0].data, whole.data)
    assert stream.report.to_dict() == whole.report.to_dict()
    assert whole.data["unit_id"].tolist()[:2] == ["node/100", "way/101"]


PLAIN_HEADER = "unit_id,name,shop,lat,lon,street,status,survey_date\n"
PLAIN_ROW = "u{i},Shop {i},bakery,53.{i:04d},-2.{i:04d},High St,occupied,2025-06-14\n"


def plain_variants() -> dict[str, bytes | None]:
    """CSV texts Arrow reads (bytes) and ones left to pandas (None), with rows pandas reads in its own way."""
    rows = [PLAIN_ROW.format(i=i) for i in range(1, 26)]
    odd = (" u90, NA,NA , 53.1,-2.1, null,,\nNA,None,n/a,53.2,-2.2,#N/A,NULL,nan\n,,,,,,,\n"
           "u91,<script>alert(1)</script>,bakery,53.1,-2.1,x,occupied,2025-06-14\n"
           "u92,\t=1+1,bakery,53.1,-2.1,x,occupied,2025-06-14\nu93,  \t@x ,bakery,abc,-2.1,x,occupied,2025-06-14\n"
           "u94,Swapped,bakery,-2.1,53.1,x,occupied,2025-06-14\nu95,Zero,bakery,0,0,x,occupied,\n"
           "u96,Café ☕,bakery,53.1,-2.1,x,occupied,2025-06-14\n")
    text = PLAIN_HEADER + "".join(rows[:10]) + "\n" + odd + "\n\n" + "".join(rows[10:])
    quoted = text.replace("u91,<script>", 'u91,"Smith, J",<script>').replace("<script>alert(1)</script>,", "")
    return {
        "plain": text.encode(), "crlf": text.replace("\n", "\r\n").encode(), "cr": text.replace("\n", "\r").encode(),
        "semicolons": text.replace(",", ";").encode(), "tabs.tsv": text.replace("\t", " ").replace(",", "\t").encode(),
        "spaced header": (" " + PLAIN_HEADER.replace(",", ", ") + "".join(rows)).encode(),
        "header only": PLAIN_HEADER.encode(), "blank lines first": ("\n\n" + PLAIN_HEADER + "".join(rows)).encode(),
        # left to pandas: quotes, a line of spaces, a short or a long row, another encoding, a BOM, NUL bytes
        "quoted": None, "white line": None, "short row": None, "long row": None, "latin-1": None, "bom": None,
        "nul": None, "same names": None,
    } | {k: v for k, v in {
        "quoted": quoted.encode(), "white line": text.replace("\n\n\n", "\n   \n").encode(),
        "short row": (text + "u97,x,y\n").encode(), "long row": (text + "u98,a,b,1,2,3,4,5,6\n").encode(),
        "latin-1": text.replace(" ☕", "").encode("latin-1"), "bom": b"\xef\xbb\xbf" + text.encode(),
        "nul": text.replace("Shop 3", "Shop\x003").encode(), "same names": ("a,a,lat,lon\n1,2,53.1,-2.1\n").encode(),
    }.items()}


@pytest.mark.parametrize("case", list(plain_variants()))
def test_a_plain_csv_read_by_arrow_is_what_pandas_reads(tmp_path, monkeypatch, case):
    """read_csv_chunks reads a plain CSV (no quotes...) with Arrow: the same chunks, values, dtypes, index,
    row numbers and errors as pandas; anything not plain is left to pandas."""
    from agora.loaders import read

    arrow = case not in ("quoted", "white line", "short row", "long row", "latin-1", "bom", "nul", "same names")
    path = tmp_path / ("units.tsv" if case.endswith(".tsv") else "units.csv")
    path.write_bytes(plain_variants()[case])

    def chunks(**options):
        try:
            return [(c, n, d) for c, n, d in read_csv_chunks(path, chunk_rows=7, **options)]
        except LoadError as exc:
            return str(exc)

    plain = read._plain_chunks
    for options in ({}, {"columns": {"unit_id", "survey_date"}}):
        calls = []
        monkeypatch.setattr(read, "_plain_chunks", lambda *a: calls.append(plain(*a)) or calls[-1])
        fast = chunks(**options)
        assert (calls[0] is not None) == arrow or (not arrow and case == "same names")
        monkeypatch.setattr(read, "_plain_chunks", lambda *a: None)
        slow = chunks(**options)
        assert type(fast) is type(slow)
        if isinstance(slow, str):
            assert fast == slow
            continue
        assert len(fast) == len(slow)
        for (a, notes_a, done_a), (b, notes_b, done_b) in zip(fast, slow):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            assert (notes_a, done_a) == (notes_b, done_b)
            assert [a[c].array._pa_array.type for c in a.columns[1:]] == [b[c].array._pa_array.type
                                                                           for c in b.columns[1:]]


def test_units_are_placed_in_the_first_centre_containing_them_as_sjoin_places_them():
    """assign_centres (one spatial index of the centres for every chunk) agrees with sjoin(predicate="within"):
    overlapping centres (the first in the centres' order wins), a centre without geometry, points on edges."""
    import numpy as np
    import shapely

    from agora.loaders.coords import assign_centres
    from agora.loaders.report import LoadReport

    rng = np.random.default_rng(7)
    boxes = [shapely.box(x, y, x + w, y + h) for x, y, w, h in rng.uniform(0, 1, (200, 4)) * [10, 10, 2, 2]]
    boxes[5] = None
    centres = gpd.GeoDataFrame({"centre_id": pd.array([f"c{i}" for i in range(200)], dtype="string")},
                               geometry=boxes, crs="EPSG:4326", index=rng.permutation(200) + 1000)
    xy = rng.uniform(-1, 12, (5000, 2))
    xy[:100] = np.round(xy[:100])  # corners and edges
    units = gpd.GeoDataFrame({"centre_id": pd.array([pd.NA] * 4900 + ["given"] * 100, dtype="string")},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326", index=range(7, 15007, 3))
    got = assign_centres(units, centres, LoadReport(file="", layer=""))
    need = units["centre_id"].isna()
    joined = gpd.sjoin(units.loc[need, ["geometry"]], centres[["centre_id", "geometry"]], how="left", predicate="within")
    want = units.copy()
    want.loc[need, "centre_id"] = joined[~joined.index.duplicated()]["centre_id"].reindex(units.index[need]).astype("string")
    pd.testing.assert_frame_equal(got, want)
    assert got["centre_id"].notna().sum() > 1000 and got["centre_id"].isna().sum() > 1000


def test_coordinates_read_with_arrow_are_what_pandas_reads():
    """Plain decimals are read by Arrow, the rest by pandas: the same numbers (bit for bit, -0.0 included),
    missing values and dtype as pandas.to_numeric over the whole column."""
    import numpy as np

    from agora.loaders.coords import _numbers

    rng = np.random.default_rng(3)
    decimals = [f"{'-' if rng.random() < 0.5 else ''}{rng.integers(0, 10 ** rng.integers(1, 8))}."
                f"{str(rng.integers(0, 10 ** 8)).zfill(8)[:rng.integers(1, 9)]}" for _ in range(20_000)]
    cases = [decimals, decimals + ["abc", None, "1e3", " 2.5 ", "1,234.5", "nan", "inf"], ["1", "2"], ["1", None],
             ["-0", "1.5"], ["-0.0", "1"], ["99999999999999999999", "1.5"], ["53.123456789012345", "1.5"],
             ["+1.5", ".5", "5.", "1.5.5", "--1.5", "0x1F", "1_000.5", "NaN", "-0.0"], [None, None], [],
             ["+1.5", ".5", "5.", "-.5", "007.25", "-0", "0.0", None, " 3.25"], ["1.5", "1e-300"], ["1.5", "1E5"],
             ["1.5", "inf"], ["1.5", "nan"], ["1.5", "123456789012345678"], ["1.5", "-1234567890.12345"],
             ["0.1", "0.2", "-179.99999999999", "89.123456789012"]]
    for values in cases:
        text = pd.Series(values, dtype="str", name="lat", index=range(5, 5 + len(values)))
        want = pd.to_numeric(text.astype("string").str.strip().str.replace(",", "", regex=False), errors="coerce")
        got = _numbers(text)
        pd.testing.assert_series_equal(got, want, check_exact=True)
        signs = [np.signbit(s.to_numpy(dtype="float64", na_value=1.0)) for s in (got, want)]
        assert (signs[0] == signs[1]).all()



def test_points_are_written_as_geoparquet_writes_them():
    """A chunk of points is written with the WKB and bounds shapely gives; anything else is left to geopandas."""
    import numpy as np
    import shapely

    from agora.store.workspace import _point_wkb

    points = gpd.GeoSeries(gpd.points_from_xy([-0.0, 1.5, -2.25, 1e-300], [53.5, -0.0, 54.125, 7.0]))
    wkb, bounds = _point_wkb(points)
    assert wkb.to_pylist() == list(shapely.to_wkb(np.asarray(points.values), flavor="iso"))
    assert bounds == [float(v) for v in points.total_bounds]
    for odd in ([shapely.Point(1, 2, 3)], [shapely.Point()], [None], [shapely.Point(1, 2), shapely.box(0, 0, 1, 1)],
                [shapely.Point(float("inf"), 1)], []):
        assert _point_wkb(gpd.GeoSeries(odd)) is None


def test_names_are_tried_as_addresses_as_the_pattern_reads_them():
    """Only names that could be addresses are matched against the pattern; the answers are the pattern's."""
    from agora.loaders.normalise import ADDRESS, addresses

    names = pd.Series(["12 High Street", "Greggs", None, "", "3 Kelvin WALK", "1 Mill Lane.", "the Rd ",
                       "12 High ſtreet", "x\u212a walK", "İHILL", "5 Bridge  \x0b", "Costa", "Market"] * 2,
                      index=range(10, 36), dtype="string")
    got = addresses(names)
    assert got.isna().tolist() == names.isna().tolist()
    assert got.fillna(False).tolist() == names.str.match(ADDRESS).fillna(False).tolist()


def test_dates_read_once_each_are_the_dates_read_one_by_one():
    from agora.loaders.normalise import _dates, dates

    for values in (["2025-06-14"] * 5 + ["14/06/2025", None, " 2024-01-02 ", "nonsense"] * 3,
                   ["2025-06-14 10:00:00.123456789"] * 4, [None] * 4, ["03/04/2025"] * 4 + ["2025-06"] * 3):
        for dtype in ("str", "string", object):
            s = pd.Series(values, dtype=dtype, index=range(7, 7 + len(values)), name="observed_on")
            expected = _dates(s.astype("string").str.strip()).rename("observed_on")
            pd.testing.assert_series_equal(dates(s), expected)
