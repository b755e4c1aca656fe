"""Importing existing data sets: every format, every kind of bad row, nothing half-written."""
import csv
import datetime as dt
import gzip
import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snapassist import cli, config
from snapassist.search import FlickrPhotosDatabase
from snapassist.errors import ValidationError
from snapassist.schema import USED_COLUMNS
from snapassist.spots import find_spots
from snapassist.ingest.importer import import_photos, parse_column_options
from snapassist.ingest.preprocess import GRANULARITY_DAY
from snapassist.io import read_table_attrs

REPO = Path(__file__).resolve().parents[1]
LBSN_HEADER = ["origin_id", "lat", "lng", "guid", "user_guid", "post_create_date",
               "post_publish_date", "post_body", "hashtags", "emoji", "post_views_count",
               "post_like_count", "loc_id", "loc_name"]
DRESDEN = (51.0527, 13.7408)


def lbsn_row(guid, lat=DRESDEN[0], lng=DRESDEN[1], user="u1", date="2019-05-04 18:30:00",
             tags="Frauenkirche;Dresden", views="120", body="Abendlicht"):
    return {"origin_id": "2", "lat": str(lat), "lng": str(lng), "guid": guid,
            "user_guid": user, "post_create_date": date, "post_publish_date": "2019-05-05",
            "post_body": body, "hashtags": tags, "emoji": "", "post_views_count": views,
            "post_like_count": "3", "loc_id": "", "loc_name": ""}


def write_csv(path, rows, header=LBSN_HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_rows(n, start=0):
    return [lbsn_row(f"{i:040x}", lat=DRESDEN[0] + 1e-4 * i, user=f"u{i % 7}")
            for i in range(start, start + n)]


def test_lbsn_import_keeps_good_rows_and_counts_every_kind_of_bad_one(tmp_path):
    rows = good_rows(20) + [
        lbsn_row("a1", lat=""),                 # missing coordinates
        lbsn_row("a2", lat="91.5"),             # out of range
        lbsn_row("a3", lat="0", lng="0"),       # 0,0
        lbsn_row("a4", views="lots"),           # unreadable views
        lbsn_row(f"{3:040x}"),                  # duplicate id
        lbsn_row("", user="u9"),                # no id
    ]
    path = write_csv(tmp_path / "in.csv", rows)
    # A broken quote, a byte that is not UTF-8, and a byte-order mark.
    data = path.read_bytes().replace(b"origin_id", b"\xef\xbb\xbforigin_id", 1)
    data += b'2,51.05,13.74,"broken,u1,2019-05-04,,x,a;b,,1,0,,\n'
    data += b"2,51.06,13.75,bad-utf8,u2,2019-05-04,,caf\xe9,cafe,,10,0,,\n"
    path.write_bytes(data)

    result = import_photos(path, tmp_path / "out", "lbsn", city="Dresden")
    counts = dict(result.problems.counts)
    assert counts == {"missing_coordinates": 1, "coordinates_out_of_range": 1,
                      "zero_position": 1, "unreadable_views": 1, "duplicate_id": 1,
                      "missing_id": 1, "broken_line": 1, "not_utf8": 1,
                      "byte_order_mark": 1}
    assert result.rows_kept == 21                    # 20 good + the one with a stray byte
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    assert len(master) == 21 and master["id"].is_unique
    assert set(master["tags"].iloc[0].split()) == {"frauenkirche", "dresden"}
    # Row numbers name the culprits (header = line 1).
    assert result.problems.examples["missing_coordinates"] == [22]


def test_chunks_give_the_same_tables_as_one_read(tmp_path):
    """Ids repeated across chunks, a chunk of bad rows only, the area: as if read at once."""
    rows = good_rows(12) + [lbsn_row(f"{2:040x}"), lbsn_row(f"{11:040x}")] + \
        [lbsn_row(f"b{i}", lat="") for i in range(5)] + good_rows(6, start=12) + \
        [lbsn_row("far", lat=48.1, lng=11.6)]
    path = write_csv(tmp_path / "in.csv", rows)
    from snapassist.geo import Area

    dresden = Area.circle(*DRESDEN, 10)
    whole = import_photos(path, tmp_path / "whole", "lbsn", area=dresden)
    chunked = import_photos(path, tmp_path / "chunked", "lbsn", area=dresden, chunk_rows=4)
    assert dict(chunked.problems.counts) == dict(whole.problems.counts) == {
        "duplicate_id": 2, "missing_coordinates": 5, "outside_area": 1}
    assert chunked.problems.examples["duplicate_id"] == [14, 15]     # header = line 1
    read = [pd.read_hdf(tmp_path / name / config.MASTER_TABLE_PROCESSED, "table")
            for name in ("whole", "chunked")]
    pd.testing.assert_frame_equal(read[0], read[1])
    assert list(read[1]["id"]) == [f"{i:040x}" for i in range(18)]


def test_a_day_without_a_time_keeps_its_month_and_leaves_the_hour_unknown(tmp_path):
    rows = [lbsn_row("a", date="2019-05-04"), lbsn_row("b", date="2019-05-04 18:30:00")]
    import_photos(write_csv(tmp_path / "in.csv", rows), tmp_path / "out", "lbsn")
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    by_id = master.set_index("id")
    assert np.isnan(by_id.loc["a", "hour"]) and by_id.loc["b", "hour"] == 18
    assert by_id.loc["a", "month"] == by_id.loc["b", "month"] == 5
    assert by_id.loc["a", "datetakengranularity"] == GRANULARITY_DAY
    assert by_id.loc["b", "datetakengranularity"] == 0
    # The light needs the time: unknown for the day alone, known at 18:30.
    assert by_id.loc["a", "light"] == "" and np.isnan(by_id.loc["a", "sun_elevation"])
    assert by_id.loc["b", "light"] == "day"


def _dated_lbsn_rows(place, dates, lat, lng):
    # 20 photographers, so that the place is a spot: spots are made of visits
    # (a photographer's photos within a few metres count once).
    return [lbsn_row(f"{place}{i}", lat=lat + 2e-5 * (i % 7), lng=lng + 2e-5 * (i % 5),
                     user=f"{place}-u{i % 20}", date=date, tags=f"Frauenkirche;{place}",
                     views=str(100 + i)) for i, date in enumerate(dates)]


def _first_saturday_of_october(year):
    first = dt.date(year, 10, 1)
    return first + dt.timedelta(days=(5 - first.weekday()) % 7)


def test_days_without_a_time_filter_by_month_and_date_the_spots(tmp_path):
    """Day-only dates, imported end to end: the months filter and the spots' ``when``."""
    years = range(2010, 2020)
    # A square shot on one moving day a year, and a terrace shot all year.
    festival = [_first_saturday_of_october(y).isoformat() for y in years for _ in range(5)]
    terrace = [f"{y}-{m:02d}-{(3 * y + m) % 28 + 1:02d}" for y in years for m in (1, 4, 7, 10)]
    rows = (_dated_lbsn_rows("square", festival, DRESDEN[0], DRESDEN[1])
            + _dated_lbsn_rows("terrace", terrace, DRESDEN[0] + 0.01, DRESDEN[1]))
    out = tmp_path / "out"
    import_photos(write_csv(tmp_path / "in.csv", rows), out, "lbsn", chunk_rows=17)
    db = FlickrPhotosDatabase.from_folder(out)
    assert db.fingerprint is not None           # through the stored search file

    october = db.get_search_results("frauenkirche", months=[10])
    expected = {r["guid"] for r in rows if r["post_create_date"][5:7] == "10"}
    assert set(october["id"]) == expected and len(expected) == 50 + 10
    assert len(db.match("frauenkirche", months=[10])) == len(expected)
    assert len(db.match("terrace", months=[1, 7])) == 20
    assert len(db.match("frauenkirche", months=[2, 3])) == 0

    photos = db.get_search_results("frauenkirche")
    assert photos["month"].notna().all() and photos["hour"].isna().all()
    result = find_spots(photos, db.views_percentile, query="frauenkirche")
    place_of = {r["guid"]: r["guid"].rstrip("0123456789") for r in rows}
    by_place = {}
    for spot in result.spots:
        places = {place_of[i] for i in spot.photo_ids}
        assert len(places) == 1
        by_place[places.pop()] = spot
    square, terrace = by_place["square"], by_place["terrace"]
    for spot in (square, terrace):
        months = [int(r["post_create_date"][5:7]) for r in rows if r["guid"] in spot.photo_ids]
        assert spot.months == np.bincount(months, minlength=13)[1:].tolist()
    assert terrace.when == {"kind": "year-round"}
    assert square.when["kind"] == "event" and square.when["fixed"] is False
    assert square.when["occasions"] == [[_first_saturday_of_october(y).isoformat()] * 2
                                        for y in years]
    assert square.when["text"] == "An event: one day each year, early October"
    # Neither hour nor light is made up.
    assert square.hours == [0] * 24 and square.light["n_known"] == 0


def test_a_flickr_files_own_granularity_is_kept(tmp_path):
    records = _flickr_records(4)
    records[1] |= {"datetakengranularity": 4, "datetaken": "2018-07-01 00:00:00"}
    records[2] |= {"datetaken": "2018-07-01"}
    records[3] |= {"datetakengranularity": 6, "datetaken": "2018-01-01"}
    path = tmp_path / "photos.json"
    path.write_text(json.dumps(records))
    import_photos(path, tmp_path / "out", "flickr")
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    master = master.set_index("id").loc[[r["id"] for r in records]]
    assert master["datetakengranularity"].tolist() == [0, 4, GRANULARITY_DAY, 6]
    np.testing.assert_array_equal(master["month"], [7, np.nan, 7, np.nan])
    np.testing.assert_array_equal(master["hour"], [21, np.nan, np.nan, np.nan])


#: The real photos, beside the main checkout (``../shared``) or beside a clone's folder.
DRESDEN_FILE = next((path for path in (
    folder / "shared" / "data" / "dresden" / "flickr_dresden_cc-by-licenses.csv"
    for folder in (REPO.parent, REPO.parent.parent)) if path.is_file()), Path("absent"))


@pytest.mark.skipif(not DRESDEN_FILE.is_file(), reason="the real Dresden photos are not here")
def test_real_dresden_photos_know_their_months(tmp_path):
    """An extra check on real photos, every date a day without a time."""
    import_photos(DRESDEN_FILE, tmp_path / "out", "lbsn", city="Dresden")
    db = FlickrPhotosDatabase.from_folder(tmp_path / "out")
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    dated = master["datetaken"].notna()
    assert dated.mean() > 0.99 and (master.loc[dated, "datetakengranularity"]
                                    == GRANULARITY_DAY).all()
    assert master.loc[dated, "month"].notna().all() and master["hour"].isna().all()
    assert (master.loc[dated, "month"] == master.loc[dated, "datetaken"].dt.month).all()
    photos = db.get_search_results("frauenkirche")
    months = photos["month"].astype(int)
    for month in (5, 12):
        found = db.get_search_results("frauenkirche", months=[month])
        assert set(found["id"]) == set(photos.loc[months == month, "id"])
        assert len(found) > 0
    result = find_spots(photos, db.views_percentile, query="frauenkirche")
    assert result.spots
    assert all(sum(h.months) == h.n_photos for h in result.spots)
    assert all(h.when is not None for h in result.spots
               if h.n_photos >= config.MIN_DATED_PHOTOS)


def test_the_tables_record_the_city_its_area_and_time_zone(tmp_path):
    import_photos(write_csv(tmp_path / "in.csv", good_rows(30)), tmp_path / "out", "lbsn",
                  city="Dresden")
    attrs = read_table_attrs(tmp_path / "out" / config.MASTER_TABLE_PROCESSED)
    assert attrs["city"] == "Dresden" and attrs["timezone"] == "Europe/Berlin"
    w, s, e, n = attrs["area"]["bbox"]
    assert s == pytest.approx(DRESDEN[0]) and n == pytest.approx(DRESDEN[0] + 29e-4)
    # The web app's database loads what the import wrote.
    db = FlickrPhotosDatabase.from_folder(tmp_path / "out")
    assert db.n_photos == 30 and len(db.get_search_results("frauenkirche")) == 30


def test_the_import_stores_a_search_file_the_app_uses(tmp_path, caplog):
    rows = good_rows(40) + [lbsn_row(f"e{i}", tags="Elbe;Brücke", user=f"v{i}",
                                     body=None if i % 2 else "Brücke")
                            for i in range(20)]
    out = tmp_path / "out"
    import_photos(write_csv(tmp_path / "in.csv", rows), out, "lbsn", city="Dresden",
                  chunk_rows=7)
    with caplog.at_level(logging.INFO, logger="snapassist"):
        stored = FlickrPhotosDatabase.from_folder(out)
    assert stored.fingerprint is not None and "building the tag index" not in caplog.text
    at_load = FlickrPhotosDatabase(out / config.MASTER_TABLE_PROCESSED)
    assert stored.columns == at_load.columns and stored.n_photos == 60
    columns = [c for c in USED_COLUMNS if c in stored.columns]
    for phrase in ("frauenkirche", "elbe", "brucke", "dresden"):
        pd.testing.assert_frame_equal(stored.get_search_results(phrase, columns=columns),
                                      at_load.get_search_results(phrase, columns=columns))
    # The commonest tags, the city's own name left out, are the examples.
    attrs = read_table_attrs(out / config.MASTER_TABLE_PROCESSED)
    assert attrs["examples"] == ["frauenkirche", "brucke", "elbe"]


def test_long_texts_are_cut_and_many_tags_kept_to_the_first(tmp_path):
    from snapassist.ingest import importer

    tags = ";".join(f"tag{i}" for i in range(importer.MAX_TAGS + 30))
    rows = [lbsn_row("long", body="ä" * 5000, tags=tags), lbsn_row("short")]
    import_photos(write_csv(tmp_path / "in.csv", rows), tmp_path / "out", "lbsn")
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    long = master.set_index("id").loc["long"]
    assert long["title"] == "ä" * importer.MAX_TEXT_CHARS
    assert long["tags"].split() == [f"tag{i}" for i in range(importer.MAX_TAGS)]
    assert master.set_index("id").loc["short", "title"] == "Abendlicht"


def test_the_time_zone_is_where_most_photos_are(tmp_path):
    """A few photos far away (here New York) do not move the city."""
    rows = good_rows(30) + [lbsn_row(f"ny{i}", lat=40.71, lng=-74.0) for i in range(12)]
    result = import_photos(write_csv(tmp_path / "in.csv", rows), tmp_path / "out", "lbsn")
    assert result.metadata["timezone"] == "Europe/Berlin"
    assert result.metadata["area"]["bbox"][0] == pytest.approx(-74.0)


def _flickr_records(n):
    return [{"id": str(1000 + i), "owner": f"{i % 5}@N00", "ownername": "Ann",
             "title": "Tower", "datetaken": "2018-07-01 21:15:00", "views": 50 + i,
             "tags": "cntower toronto", "latitude": 43.6426 + 1e-5 * i,
             "longitude": -79.3871, "accuracy": 16,
             "url_m": f"https://live.staticflickr.com/1/{1000 + i}_a.jpg"} for i in range(n)]


@pytest.mark.parametrize("shape", ["csv", "jsonl", "json", "json.gz", "csv.gz"])
def test_flickr_records_in_every_shape(tmp_path, shape):
    records = _flickr_records(12)
    if shape.startswith("csv"):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        text = buffer.getvalue()
    elif shape.startswith("jsonl"):
        text = "\n".join(json.dumps(r) for r in records) + "\n"
    else:
        text = json.dumps(records, indent=1)
    path = tmp_path / f"photos.{shape}"
    data = text.encode()
    path.write_bytes(gzip.compress(data) if shape.endswith(".gz") else data)
    result = import_photos(path, tmp_path / "out", "flickr")
    assert result.rows_kept == 12 and not result.problems.counts
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    assert sorted(master["id"]) == [str(1000 + i) for i in range(12)]
    assert set(master["views"]) == {50 + i for i in range(12)}


def test_broken_json_objects_are_counted_and_the_rest_imported(tmp_path):
    records = [json.dumps(r) for r in _flickr_records(5)]
    text = "[" + ",\n".join(records[:2] + ['{"id": "x", "owner": broken}'] + records[2:]) + "]"
    (tmp_path / "a.json").write_text(text)
    result = import_photos(tmp_path / "a.json", tmp_path / "out", "flickr")
    assert result.rows_kept == 5 and result.problems.counts == {"broken_line": 1}
    lines = records[:2] + ["{not json"] + records[2:]
    (tmp_path / "a.jsonl").write_text("\n".join(lines))
    result = import_photos(tmp_path / "a.jsonl", tmp_path / "out2", "flickr")
    assert result.rows_kept == 5 and result.problems.examples["broken_line"] == [3]


def test_any_csv_with_column_options(tmp_path):
    header = ["photo", "who", "n_views", "keywords", "y", "x"]
    rows = [{"photo": f"p{i}", "who": "me", "n_views": "5", "keywords": "bridge river",
             "y": "45.5", "x": str(-73.55 + 1e-4 * i)} for i in range(4)]
    path = write_csv(tmp_path / "mine.csv", rows, header)
    columns = parse_column_options(["id=photo", "owner=who", "views=n_views", "tags=keywords",
                                    "latitude=y", "longitude=x"])
    result = import_photos(path, tmp_path / "out", "csv", columns)
    assert result.rows_kept == 4 and result.metadata["timezone"] == "America/Toronto"


@pytest.mark.parametrize("options, match", [
    (["id"], "--column must be OURS=THEIRS"),
    (["colour=red"], "'colour' is not one of our columns"),
])
def test_bad_column_options(options, match):
    with pytest.raises(ValidationError, match=match):
        parse_column_options(options)


def test_missing_columns_stop_at_once_and_write_nothing(tmp_path, capsys):
    header = [h for h in LBSN_HEADER if h not in ("lat", "post_views_count")]
    rows = [{k: v for k, v in lbsn_row("a").items() if k in header}]
    path = write_csv(tmp_path / "in.csv", rows, header)
    out = tmp_path / "out"
    assert cli.main(["import", "--format", "lbsn", str(path), str(out)]) == 2
    err = capsys.readouterr().err
    assert "lacks the column(s) post_views_count, lat" in err or \
        "lacks the column(s) lat, post_views_count" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_existing_tables_are_kept_unless_overwrite(tmp_path, capsys):
    path = write_csv(tmp_path / "in.csv", good_rows(5))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert cli.main(["import", "--format", "lbsn", str(path), str(out), "-q"]) == 0
    before = (out / config.MASTER_TABLE_PROCESSED).read_bytes()
    write_csv(path, good_rows(8))
    assert cli.main(["import", "--format", "lbsn", str(path), str(out)]) == 2
    assert "already holds tables" in capsys.readouterr().err
    assert (out / config.MASTER_TABLE_PROCESSED).read_bytes() == before
    assert cli.main(["import", "--format", "lbsn", str(path), str(out), "--overwrite",
                     "-v"]) == 0
    assert len(pd.read_hdf(out / config.MASTER_TABLE_PROCESSED, "table")) == 8
    assert (out / "notes.txt").read_text() == "mine"


def test_a_failure_while_writing_leaves_the_old_tables(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "in.csv", good_rows(5))
    out = tmp_path / "out"
    import_photos(path, out, "lbsn")
    before = (out / config.MASTER_TABLE_PROCESSED).read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("snapassist.ingest.importer.write_text_atomic", fail)
    with pytest.raises(OSError, match="disk full"):
        import_photos(write_csv(path, good_rows(9)), out, "lbsn", overwrite=True)
    assert (out / config.MASTER_TABLE_PROCESSED).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out"]


def test_an_import_killed_midway_leaves_nothing_the_next_one_keeps(tmp_path):
    """A killed import cannot remove its work folder; the next import does, unless
    the import that owns it still runs."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale, running = tmp_path / ".out.import-dead", tmp_path / ".out.import-live"
    for folder, pid in ((stale, dead), (running, str(os.getpid()))):
        folder.mkdir()
        (folder / "pid").write_text(pid)
        (folder / "staging.h5").write_bytes(b"half written")
    import_photos(write_csv(tmp_path / "in.csv", good_rows(5)), tmp_path / "out", "lbsn")
    assert not stale.exists() and (running / "staging.h5").exists()
    assert len(pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")) == 5


def test_kill_9_during_an_import_writes_nothing_and_the_rerun_cleans_up(tmp_path):
    path = _write_narrow_lbsn(tmp_path / "in.csv.gz", 60_000)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "snapassist", "import", "--format", "lbsn", str(path),
               str(out), "-q"]
    child = subprocess.Popen(command, cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.import-*/staging/chunk*")):
            assert child.poll() is None and time.monotonic() < deadline, "never started"
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    assert not out.exists() and list(tmp_path.glob(".out.import-*"))
    assert subprocess.run(command, cwd=REPO).returncode == 0
    assert not list(tmp_path.glob(".out.import-*"))
    assert FlickrPhotosDatabase.from_folder(out).n_photos == 60_000


def test_the_summary_names_rows_with_v(tmp_path, capsys):
    path = write_csv(tmp_path / "in.csv", good_rows(5) + [lbsn_row("z", lat="")])
    assert cli.main(["import", "--format", "lbsn", str(path), str(tmp_path / "o"), "-v"]) == 0
    err = capsys.readouterr().err
    assert "5 of 6 photos imported" in err and "missing coordinates: 1 (rows 7)" in err


#: Address space (RLIMIT_AS) for the 200,000-row import. Measured here: the
#: interpreter with numpy, pandas, PyTables and timezonefinder imported takes
#: 280 MB of it; the import of the file below (one chunk of 50,000 rows of
#: 4.5 kB raw text at a time) peaks at about 300 MB resident, with thread
#: stacks and mapped libraries on top; reading the whole file at once
#: (pandas.read_csv) needs 1,720 MB. 1,000 MB leaves the import a margin and
#: is far below the whole read.
IMPORT_MEMORY_LIMIT = 1000 * 2**20
#: Allowed growth of the import's peak memory from 60,000 to 240,000 photos.
#: Measured here: about 10 MB (8 bytes a photo to recognise repeated ids, and
#: the C libraries' caches); holding the processed table, as the import once
#: did, costs about 1 kB a photo, 180 MB here.
GROWTH_LIMIT_MB = 60
#: Child code giving its own peak resident memory (kB): VmHWM. ``ru_maxrss``
#: would not do: Linux counts in it the parent's size when it forked.
OWN_PEAK = ("import re\n"
            "def _own_peak_kb():\n"
            "    status = open('/proc/self/status').read()\n"
            "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n")


def _write_wide_lbsn(path, n):
    """``n`` LBSN rows with a 4.5 kB column we do not read: ~0.9 GB of text, 10 MB gzipped."""
    rng = np.random.default_rng(0)
    lat = np.round(DRESDEN[0] + rng.normal(0, 0.02, n), 6)
    lng = np.round(DRESDEN[1] + rng.normal(0, 0.03, n), 6)
    owners, views = rng.integers(0, 9000, n), rng.integers(0, 5000, n)
    pad = "x" * 4500
    with gzip.open(path, "wt", compresslevel=1, encoding="utf-8", newline="") as out:
        out.write("origin_id,lat,lng,guid,user_guid,post_create_date,post_publish_date,"
                  "post_body,hashtags,emoji,post_views_count,post_like_count,user_mentions\n")
        for i in range(n):
            # Each row's long text differs, as real ones do (no string is shared).
            out.write(f"2,{lat[i]},{lng[i]},{i:032x},{owners[i]},2019-05-04 18:30:00,"
                      f"2019-05-05,Elbe bei Nacht,elbe;dresden;night,,{views[i]},1,{i}{pad}\n")
    return path


def _under_limit(code, limit=IMPORT_MEMORY_LIMIT):
    script = ("import resource, sys\n"
              f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n" + code)
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=900)


@pytest.mark.slow
def test_200000_rows_import_under_a_memory_limit(tmp_path):
    n = 200_000
    path = _write_wide_lbsn(tmp_path / "big.csv.gz", n)
    out = _under_limit("from snapassist.cli import main\n"
                       f"sys.exit(main(['import', '--format', 'lbsn', {str(path)!r}, "
                       f"{str(tmp_path / 'out')!r}, '-q']))\n")
    assert out.returncode == 0, out.stderr[-2000:]
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table")
    assert len(master) == n and master["id"].is_unique
    # The limit binds: the same file read whole does not fit under it.
    whole = _under_limit(f"import pandas\npandas.read_csv({str(path)!r})\n")
    assert whole.returncode != 0 and "MemoryError" in whole.stderr


def _write_narrow_lbsn(path, n):
    """``n`` LBSN rows of distinct photos, each with its own title and tags."""
    rng = np.random.default_rng(1)
    lat = np.round(DRESDEN[0] + rng.normal(0, 0.02, n), 6)
    lng = np.round(DRESDEN[1] + rng.normal(0, 0.03, n), 6)
    tags = rng.integers(0, 3000, (n, 6))
    with gzip.open(path, "wt", compresslevel=1, encoding="utf-8", newline="") as out:
        out.write(",".join(LBSN_HEADER) + "\n")
        for i in range(n):
            out.write(f"2,{lat[i]},{lng[i]},{i:032x},u{i % 5000},2019-05-04 18:30:00,,"
                      f"Elbe {i},{';'.join(f't{t}' for t in tags[i])},,{i % 997},1,,\n")
    return path


def _peak_mb_of_import(path, out):
    code = (OWN_PEAK + "from snapassist.ingest.importer import import_photos\n"
            f"import_photos({str(path)!r}, {str(out)!r}, 'lbsn', chunk_rows=15_000)\n"
            "print(_own_peak_kb())\n")
    run = _under_limit(code, limit=4 * IMPORT_MEMORY_LIMIT)
    assert run.returncode == 0, run.stderr[-2000:]
    return int(run.stdout.split()[-1]) / 1024        # Linux reports kB


@pytest.mark.slow
def test_the_imports_memory_does_not_grow_with_the_file(tmp_path):
    """Four times the photos (4 chunks -> 16) take about the same peak memory."""
    small, large = 60_000, 240_000
    peaks = [_peak_mb_of_import(_write_narrow_lbsn(tmp_path / f"{n}.csv.gz", n),
                                tmp_path / f"out{n}") for n in (small, large)]
    assert peaks[1] - peaks[0] < GROWTH_LIMIT_MB, peaks
    db = FlickrPhotosDatabase.from_folder(tmp_path / f"out{large}")
    assert db.n_photos == large and db.fingerprint is not None
    assert db.count_search_results("t7") == len(db.get_search_results("t7", ["views"])) > 300


@pytest.mark.parametrize("city", ["Dresden", "<b>Ost</b>"])
def test_the_pages_name_the_city_the_tables_record(tmp_path, city):
    from markupsafe import escape

    from snapassist.web import create_app

    import_photos(write_csv(tmp_path / "in.csv", good_rows(30)), tmp_path / "out", "lbsn",
                  city=city)
    client = create_app({"TESTING": True,
                         "SNAPASSIST_TABLES_FOLDER": tmp_path / "out"}).test_client()
    for path in ("/", "/about", "/search?q=frauenkirche"):
        text = client.get(path).get_data(as_text=True)
        assert "Toronto" not in text, path
    assert f"What are you looking to photograph in {escape(city)}?" in \
        client.get("/").get_data(as_text=True)
    assert f"of {escape(city)} tagged with it" in client.get("/about").get_data(as_text=True)
