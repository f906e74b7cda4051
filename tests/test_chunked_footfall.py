"""Footfall counts loaded in chunks give the rows and the report of the whole-file load (issue 13, import at scale)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from apptest import progress_while_validating

from agora.cli import main
from agora.loaders import LoadError, load
from agora.loaders.chunks import LoadStream, Restart
from agora.loaders.footfall import link_to_sites
from agora.loaders.read import read_parquet_chunks
from agora.service import DataService
from agora.store.workspace import Workspace


def same_load(path, chunk_rows: int, sites: pd.DataFrame | None = None, **options) -> LoadStream:
    """Load `path` whole and in chunks of `chunk_rows`; assert the rows, dtypes and report agree."""
    whole = load(path, "footfall_counts", **options)
    if sites is not None:
        whole = link_to_sites(whole, sites)
    stream = LoadStream(path, "footfall_counts", chunk_rows=chunk_rows, sites=sites, **options)
    parts = list(stream)
    assert stream.whole is None, stream.whole
    assert len(parts) == -(-whole.report.rows_read // chunk_rows)  # really in chunks
    got = pd.concat([p.data for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(got, whole.data)
    assert stream.report.to_dict() == whole.report.to_dict()
    assert stream.report.summary() == whole.report.summary()
    return stream


def awkward_counts(path, n: int = 50, repeats: bool = True):
    """Hourly counts of three sites with bad rows of every kind spread through the file; with `repeats`, a reading
    repeated with the same count (file rows 24 and 25) and one revised (rows 42 and 43), each pair in one chunk
    of 2, 3, 5 or 7 rows."""
    rows = []
    for i in range(n):
        row = {"date": f"2024-03-{1 + i // 24:02d}", "hour": str(i % 24), "location_code": ["A", "B", "C"][i % 3],
               "in_count": str(10 + i), "sensor_name": ["Market St", "Bridge", "Station"][i % 3]}
        if i % 9 == 4:
            row["in_count"] = "-1"  # missing, kept
        if i % 11 == 6:
            row["in_count"] = "n/a"
        if i % 13 == 7:
            row["date"] = "not a date"
        if i % 17 == 3:
            row["hour"] = "27"
        if i % 19 == 10:
            row["location_code"] = None  # the sensor's name is used
        if i == 25:
            row["date"] = "9999-01-01"
        rows.append(row)
    if repeats:
        rows.insert(23, dict(rows[22]))  # the same count again
        rows.insert(41, {**rows[40], "in_count": "999"})  # a revised count
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5, 7, 500])
def test_counts_csv_in_chunks_is_the_whole_file(tmp_path, chunk_rows):
    path = awkward_counts(tmp_path / "counts.csv", repeats=chunk_rows > 1)
    stream = same_load(path, chunk_rows)
    report = stream.report
    notes = " | ".join(report.notes)
    for words in ("counts are missing", "rows have no site id"):
        assert words in notes, words
    reasons = set(report.rejected_frame()["reason"])
    assert {"date not readable", "hour not between 0 and 23"} <= reasons
    assert any(r.startswith("date 9999-01-01") for r in reasons)
    if chunk_rows > 1:
        assert "duplicate rows" in notes and report.duplicate_rows == 2
        assert "duplicate of row 25 (same count): dropped" in reasons
        assert "superseded by row 43 (a later row with another count)" in reasons


@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_wide_and_in_out_files_in_chunks_are_the_whole_file(tmp_path, chunk_rows):
    wide = tmp_path / "wide.csv"
    wide.write_text("Date,Hour,Day,Town Hall (West),City Square,Princes Bridge\n"
                    "01/01/2019,0,Tuesday,3025,undefined,531\n01/01/2019,1,Tuesday,-1,undefined,3854\n"
                    "31/02/2019,0,Wednesday,100,undefined,\n02/01/2019,0,Wednesday,100,7,\n")
    assert "wide table: 3 sensor columns turned into 12 rows" in " ".join(same_load(wide, chunk_rows).report.notes)
    inout = tmp_path / "inout.csv"
    repeat = "01/02/2024,9,Leeds,5,7\n" if chunk_rows > 1 else ""  # in the first chunk
    inout.write_text("Date,Hour,LocationName,InCount,OutCount\n01/02/2024,9,Leeds,5,6\n" + repeat +
                     "01/02/2024,10,Leeds,-1,6\n01/02/2024,99,Leeds,5,6\n02/02/2024,9,York,1,2\n")
    stream = same_load(inout, chunk_rows)
    assert any("in and out counts" in n for n in stream.report.notes)
    assert stream.report.duplicate_rows == (chunk_rows > 1)


def counts_parquet(path, sites: int = 6, hours: int = 50, by: str = "site"):
    """Hourly counts as a Parquet file (native timestamps), sorted by site or by time, with bad rows."""
    stamps = pd.date_range("2024-01-01", periods=hours, freq="h")
    table = pd.DataFrame({"site_id": np.repeat([f"s{i}" for i in range(sites)], hours),
                          "timestamp": np.tile(stamps.to_numpy(), sites),
                          "count": np.arange(sites * hours, dtype=float)})
    if by == "time":
        table = table.sort_values(["timestamp", "site_id"], kind="stable").reset_index(drop=True)
    table.loc[7, "site_id"] = None  # rejected: no site
    table.loc[40, "count"] = -1.0  # missing
    table.loc[101, "timestamp"] = pd.Timestamp("1970-01-01 05:00")  # before 1980
    table.to_parquet(path, index=False, row_group_size=64)
    return path


@pytest.mark.parametrize("chunk_rows", [16, 50, 97, 10_000])
@pytest.mark.parametrize("by", ["site", "time"])
def test_counts_parquet_in_batches_is_the_whole_file(tmp_path, chunk_rows, by):
    path = counts_parquet(tmp_path / "counts.parquet", by=by)
    stream = same_load(path, chunk_rows)
    rejected = stream.report.rejected_frame()
    assert rejected["row"].tolist() == [8, 102]  # Parquet rows count from 1
    assert any("1 counts are missing" in n for n in stream.report.notes)


def test_reading_parquet_in_batches_numbers_rows_and_tells_progress(tmp_path):
    path = counts_parquet(tmp_path / "counts.parquet")
    parts = list(read_parquet_chunks(path, chunk_rows=70))
    rows = pd.concat([p for p, _, _ in parts])["_row"]
    assert rows.tolist() == list(range(1, 301))
    done = [d for _, _, d in parts]
    assert done == sorted(done) and done[-1] == 1.0 and len(parts) == 5


def test_sites_matched_by_name_over_chunks_say_what_the_whole_file_says(tmp_path):
    import geopandas as gpd

    path = awkward_counts(tmp_path / "counts.csv", n=60, repeats=False)
    sites = gpd.GeoDataFrame({"site_id": ["A", "X9", "Z1", "Z2"], "name": ["Market St", "Bridge", "Zed", "Zed 2"]},
                             geometry=gpd.points_from_xy([-1.5] * 4, [53.8] * 4), crs=4326)
    for chunk_rows in (1, 4, 1000):
        stream = same_load(path, chunk_rows, sites=sites)
        notes = [n for n in stream.report.notes if n.startswith("sites already loaded")]
        assert notes == ["sites already loaded: 2 sites matched to the location file by name",
                         "sites already loaded: 3 counted sites are not in the location file (no position): "
                         "B, C, Station",
                         "sites already loaded: 2 sites in the location file have no counts"]


def test_a_reading_repeated_in_another_chunk_loads_the_file_whole(tmp_path):
    path = awkward_counts(tmp_path / "counts.csv")
    table = pd.read_csv(path, dtype=str)
    later = pd.concat([table, table.iloc[[0]].assign(in_count="12345")], ignore_index=True)  # a revision at the end
    later.to_csv(path, index=False)
    whole = load(path, "footfall_counts")
    stream = LoadStream(path, "footfall_counts", chunk_rows=10)
    with pytest.raises(Restart):
        list(stream)
    assert "in two chunks" in stream.whole
    parts = list(stream)  # again: the whole file, as one chunk
    assert len(parts) == 1
    pd.testing.assert_frame_equal(parts[0].data, whole.data)
    assert stream.report.to_dict() == whole.report.to_dict()
    collected = LoadStream(path, "footfall_counts", chunk_rows=10).collect()
    pd.testing.assert_frame_equal(collected.data, whole.data)
    assert any(r["reason"].startswith("superseded by row") for r in whole.report.rejected)


@pytest.mark.parametrize("by", ["site", "time"])
def test_saving_counts_in_chunks_writes_the_whole_save_sorted_by_site(tmp_path, by):
    path = counts_parquet(tmp_path / "counts.parquet", by=by)
    ws = Workspace(tmp_path / "ws", seed_demo=False)
    whole = ws.save(load(path, "footfall_counts"))
    told: list[tuple[float, str]] = []
    chunked = ws.save(LoadStream(path, "footfall_counts", chunk_rows=40, progress=lambda d, m: told.append((d, m))))
    expected = pd.read_parquet(whole.path)
    pd.testing.assert_frame_equal(pd.read_parquet(chunked.path), expected)
    assert expected["site_id"].is_monotonic_increasing
    assert chunked.report == whole.report and chunked.rows == whole.rows
    assert pq.read_schema(chunked.path).equals(pq.read_schema(whole.path), check_metadata=False)
    meta = pq.ParquetFile(chunked.path).metadata
    assert meta.num_row_groups > 1
    stats = [meta.row_group(i).column(0).statistics for i in range(meta.num_row_groups)]
    assert all(a.max <= b.min for a, b in zip(stats, stats[1:]))  # a site filter skips the other row groups
    assert not list((tmp_path / "ws" / "footfall_counts").glob(".*"))  # no temporary file left
    shares = [d for d, _ in told]
    assert shares == sorted(shares) and shares[-1] == 1.0


def test_saving_a_stream_with_a_repeat_across_chunks_writes_the_whole_file(tmp_path):
    path = tmp_path / "counts.csv"
    awkward_counts(path)
    table = pd.read_csv(path, dtype=str)
    pd.concat([table, table.iloc[[3]].assign(in_count="77")], ignore_index=True).to_csv(path, index=False)
    ws = Workspace(tmp_path / "ws", seed_demo=False)
    whole = ws.save(load(path, "footfall_counts"))
    chunked = ws.save(LoadStream(path, "footfall_counts", chunk_rows=10))
    pd.testing.assert_frame_equal(pd.read_parquet(chunked.path), pd.read_parquet(whole.path))
    assert chunked.report == whole.report


def test_import_streams_footfall_counts_with_a_progress_line(workspace, tmp_path, capsys, monkeypatch):
    import agora.loaders.chunks as chunks

    monkeypatch.setattr(chunks, "CHUNK_ROWS", 60)
    path = counts_parquet(tmp_path / "counts.parquet", by="time")
    code = main(["import", str(path), "--layer", "footfall", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    svc = DataService(workspace.path)
    whole = svc.load(path, "footfall")
    assert {k: v for k, v in report.items() if k not in ("dataset", "workspace")} == json.loads(
        json.dumps(whole.report.to_dict(), default=str))
    assert "chunks of 60 rows" in err and "sorting the counts by site" in err
    shares = [int(line.split("]")[1].split("%")[0]) for line in err.splitlines() if "%" in line]
    assert len(shares) >= 5 and shares == sorted(shares)
    saved = svc.datasets("footfall")[-1]
    expected = whole.data.sort_values(["site_id", "timestamp"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.read_parquet(saved.path), expected)


def test_import_of_counts_as_an_update_is_refused(workspace, tmp_path, capsys):
    path = counts_parquet(tmp_path / "counts.parquet")
    assert main(["import", str(path), "--layer", "footfall", "--update"]) != 0
    assert "only units are saved as a survey or an update" in capsys.readouterr().err


def test_no_counts_kept_in_any_chunk_is_refused_as_the_whole_file_is(tmp_path):
    path = tmp_path / "nothing.csv"
    path.write_text("date,site,count\nnope,A,1\nnever,B,2\nno,C,3\n")
    with pytest.raises(LoadError) as whole:
        load(path, "footfall_counts")
    with pytest.raises(LoadError) as chunked:
        list(LoadStream(path, "footfall_counts", chunk_rows=1))
    assert str(chunked.value) == str(whole.value)


def test_the_quick_paths_give_what_the_plain_ones_give():
    """strip_text skips its formula check when nothing was stripped; directions and years are read once per
    distinct text; numeric counts are not read through text."""
    from agora.layers import strip_text
    from agora.loaders.footfall import DIRECTION_WORDS, direction_words, implausible_dates
    from agora.loaders.report import LoadReport

    def plain_strip(values):
        text = values.astype("string")
        out = text.str.strip()
        hidden = text.str.match(r"^\s*[\t\r]").fillna(False) & out.str.match(r"^[=+\-@]").fillna(False)
        return out.where(~hidden, text.str.rstrip())

    for values in (pd.Series(["a", " b ", "\t=1+1", " \r@x ", None, "", "  ", "=ok", "c\t"], dtype=object),
                   pd.Series(["s1", "s2", None] * 5, dtype="string"), pd.Series([1.5, None, 3.0])):
        pd.testing.assert_series_equal(strip_text(values), plain_strip(values))

    words = pd.Series([" IN", "Exit", None, "sideways", "both ways", "out", pd.NA, "in", "Total "], dtype=object)
    text = words.astype("string").str.strip().str.lower()
    pd.testing.assert_series_equal(direction_words(words),
                                   text.map(DIRECTION_WORDS, na_action="ignore").fillna(text).astype("string"))

    from agora.loaders.normalise import per_distinct

    given = pd.Series([" 12", "1,234", "n/a", None, "-1", "12", "7.5", "", "1e3", " 12"] * 3)
    plain = pd.to_numeric(given.astype("string").str.strip().str.replace(",", "", regex=False), errors="coerce")
    quick = per_distinct(given, lambda t: pd.to_numeric(t.str.strip().str.replace(",", "", regex=False),
                                                        errors="coerce"))
    pd.testing.assert_series_equal(quick, plain)

    written = pd.Series(["0001-01-01", "2024-01-01 10:00", "01/01/9999", None, "2024-01-01 10:00", "31/12/1979"])
    table = pd.DataFrame({"_row": range(2, 8), "timestamp": pd.to_datetime(
        ["2001-01-01", "2024-01-01 10:00", "2001-01-01", None, "2024-01-01 10:00", "1979-12-31"], format="ISO8601")})
    report = LoadReport(file="x.csv", layer="footfall_counts")
    kept = implausible_dates(table.copy(), written, report)
    assert kept["_row"].tolist() == [3, 5, 6]
    assert [r["row"] for r in report.rejected] == [2, 4, 7]


def test_counts_as_numbers_and_as_text_load_alike(tmp_path):
    parquet = counts_parquet(tmp_path / "counts.parquet")
    table = pd.read_parquet(parquet)
    text = tmp_path / "counts.csv"
    table.to_csv(text, index=False)
    as_numbers, as_text = load(parquet, "footfall_counts"), load(text, "footfall_counts")
    pd.testing.assert_frame_equal(as_numbers.data, as_text.data)
    assert [r["row"] + 1 for r in as_numbers.report.to_dict()["rejected"]] == [
        r["row"] for r in as_text.report.to_dict()["rejected"]]  # a CSV's header is row 1
    assert as_numbers.report.notes == as_text.report.notes


def test_import_of_counts_loaded_whole_still_takes_the_saved_site_ids(workspace, tmp_path, capsys):
    """An Excel export is loaded whole (one chunk): its sites, named as the saved sites are, take their ids."""
    svc = DataService(workspace.path)
    site = svc.workspace.read("footfall_sites").iloc[0]
    path = tmp_path / "counts.xlsx"
    pd.DataFrame({"date": ["2024-05-01", "2024-05-02"], "location": [site["name"]] * 2, "footfall": [10, 12]}
                 ).to_excel(path, index=False)
    assert main(["import", str(path), "--layer", "footfall", "--json"]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert "sites already loaded: 1 sites matched to the location file by name" in report["notes"]
    saved = pd.read_parquet(DataService(workspace.path).datasets("footfall")[-1].path)
    assert saved["site_id"].tolist() == [site["site_id"]] * 2


def test_data_page_shows_a_progress_bar_while_validating_counts(workspace, tmp_path):
    path = counts_parquet(tmp_path / "counts.parquet")
    bars = progress_while_validating(path, "counts.parquet", "footfall_counts", workspace.path, chunk_rows=100, rows_read=300)
    assert bars and bars[0].proto.value == 100 and "rows read" in bars[0].proto.text
