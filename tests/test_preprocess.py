"""Raw tables -> processed tables."""
import numpy as np
import pandas as pd
import pytest

from snapassist import config, geo
from snapassist.cli.data import preprocess as main
from snapassist.search import SEARCH_FILE, FlickrPhotosDatabase
from snapassist.errors import TableError
from snapassist.ingest.preprocess import clean_title, preprocess_table, read_and_preprocess_tables
from snapassist.schema import EXIF, PROCESSED_MASTER, PROCESSED_POPULAR, RAW_MASTER

LAT, LON = config.SCRAPE_CENTER_LAT, config.SCRAPE_CENTER_LON


def _raw(rows):
    frame = pd.DataFrame([{c: "" for c in RAW_MASTER} | r for r in rows], dtype=object)
    return frame[list(RAW_MASTER)]


def _photo(pid, **kw):
    base = {"id": pid, "owner": "1@N00", "title": "t", "views": "10", "tags": "cntower",
            "latitude": str(LAT), "longitude": str(LON), "accuracy": "16",
            "datetaken": "2017-06-01 15:42:07", "datetakengranularity": "0",
            "datetakenunknown": "0", "dateupload": "1496400000"}
    return base | kw


def test_coerces_filters_and_derives():
    raw = _raw([
        _photo("1", views="196", title="Caf\u00e9 <b>CN-Tower</b>!! \U0001F303"),
        _photo("2", latitude="0", longitude="0", accuracy="0"),           # no geotag
        _photo("3", latitude="43.0", longitude="-75.0"),                 # outside
        _photo("1", views="999"),                                         # duplicate
        _photo("4", datetakengranularity="4"),                            # month only
        _photo("5", datetakenunknown="1"),
        _photo("6", views="lots", datetaken="not a date"),                # bad values
    ])
    frame, report = preprocess_table(raw, PROCESSED_MASTER)
    assert list(frame["id"]) == ["1", "4", "5", "6"]
    assert report == {"raw": 7, "bad_values": 1, "no_id": 0, "no_geotag": 1,
                      "outside_area": 1, "duplicates": 1, "kept": 4}
    assert frame["views"].dtype == "int64" and list(frame["views"]) == [196, 10, 10, 0]
    assert frame["latitude"].dtype == "float64"
    assert frame["dateupload"].iloc[0] == pd.Timestamp("2017-06-02 10:40:00")
    assert frame["title_cleaned"].iloc[0] == "Cafe CN Tower"
    np.testing.assert_array_equal(frame["hour"], [15, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(frame["month"], [6, np.nan, np.nan, np.nan])
    assert list(frame.columns[:len(PROCESSED_MASTER)]) == list(PROCESSED_MASTER)


@pytest.mark.parametrize("granularity, unknown, taken, hour, month", [
    ("0", "0", "2017-06-01 15:42:07", 15, 6),       # exact: both known
    ("2", "0", "2017-06-01 00:00:00", None, 6),     # the day without a time: the month
    ("4", "0", "2017-06-01 00:00:00", None, None),  # Flickr's "June 2017": neither
    ("6", "0", "2017-01-01 00:00:00", None, None),  # the year only
    ("8", "0", "2017-01-01 00:00:00", None, None),  # circa
    ("2", "1", "2017-06-01 00:00:00", None, None),  # the upload time: neither
    ("0", "1", "2017-06-01 15:42:07", None, None),
    ("2", "0", "", None, None),                     # no date at all
])
def test_the_month_is_known_when_the_day_is_and_the_hour_when_the_time_is(
        granularity, unknown, taken, hour, month):
    raw = _raw([_photo("1", datetakengranularity=granularity, datetakenunknown=unknown,
                       datetaken=taken)])
    frame, _ = preprocess_table(raw, PROCESSED_MASTER)
    expected = [np.nan if v is None else float(v) for v in (hour, month)]
    np.testing.assert_array_equal(frame[["hour", "month"]].iloc[0].to_numpy(), expected)
    # The light needs the time of day, as the hour does.
    assert (frame["light"].iloc[0] != "") == (hour is not None)
    assert np.isnan(frame["sun_elevation"].iloc[0]) == (hour is None)
    assert frame["hour"].dtype == frame["month"].dtype == "float64"


def test_numbers_sent_as_numbers_are_read_too():
    raw = _raw([_photo("1", views=5, latitude=LAT, longitude=LON, accuracy=16.0)])
    frame, report = preprocess_table(raw, PROCESSED_MASTER)
    assert frame["views"].iloc[0] == 5 and report["bad_values"] == 0


@pytest.mark.parametrize("title,cleaned", [("", ""), ("  ", ""), ("Toronto's \"best\"",
                                                                  "Toronto s best"),
                                           (None, ""), ("\u6771\u4eac", "Dong Jing"),
                                           ("Fish &amp; <i>chips</i>", "Fish chips")])
def test_clean_title(title, cleaned):
    assert clean_title(title) == cleaned


def _write(frame, path):
    frame.to_hdf(path, key="table", format="table", mode="w")


def test_tables_in_a_folder(tmp_path):
    _write(_raw([_photo("1"), _photo("2", latitude="0", longitude="0")]),
           tmp_path / config.MASTER_TABLE_RAW)
    reports = read_and_preprocess_tables(tmp_path)
    assert reports["popular"] is None and reports["master"]["kept"] == 1
    master = pd.read_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, "table")
    assert list(master["id"]) == ["1"]
    assert not (tmp_path / config.POPULAR_TABLE_PROCESSED).exists()

    popular = _raw([_photo("1")])
    for name, kind in EXIF.items():
        popular[name] = "ok" if name == "exif_status" else ("X" if kind == "str" else 2.5)
    _write(popular, tmp_path / "pop.hdf5")
    reports = read_and_preprocess_tables(tmp_path, popular_table="pop.hdf5")
    out = pd.read_hdf(tmp_path / config.POPULAR_TABLE_PROCESSED, "table")
    assert set(PROCESSED_POPULAR) <= set(out.columns) and out["FNumber"].iloc[0] == 2.5


def test_preprocessing_stores_the_search_file(tmp_path):
    rows = [_photo(str(i), tags="cntower night" if i % 2 else "cntower", views=str(10 * i))
            for i in range(1, 21)]
    _write(_raw(rows), tmp_path / config.MASTER_TABLE_RAW)
    read_and_preprocess_tables(tmp_path)
    assert (tmp_path / SEARCH_FILE).is_file()
    db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert db.fingerprint is not None                     # loaded through the file
    whole = FlickrPhotosDatabase(tmp_path / config.MASTER_TABLE_PROCESSED)
    columns = ["id", "views", "tags", "title", "hour"]
    pd.testing.assert_frame_equal(db.get_search_results("cntower night", columns=columns),
                                  whole.get_search_results("cntower night", columns=columns))

    # Preprocessing again with other photos replaces it: no stale index.
    _write(_raw(rows[:5]), tmp_path / config.MASTER_TABLE_RAW)
    read_and_preprocess_tables(tmp_path)
    db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert db.fingerprint is not None and db.count_search_results("cntower") == 5


def test_missing_master_is_a_table_error(tmp_path):
    with pytest.raises(TableError, match="master_table.hdf5' does not exist"):
        read_and_preprocess_tables(tmp_path)
    with pytest.raises(TableError, match="folder .*nope' does not exist"):
        read_and_preprocess_tables(tmp_path / "nope")


def test_command_line(tmp_path, capsys):
    _write(_raw([_photo("1"), _photo("2")]), tmp_path / config.MASTER_TABLE_RAW)
    assert main([str(tmp_path)]) == 0
    assert "master: 2 raw rows -> 2 kept" in capsys.readouterr().err
    assert main([str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), "--bbox", "1,2,3"])
    assert exit_info.value.code == 2
    assert "--bbox must be four numbers" in capsys.readouterr().err
    # The area options are the scraper's: half a centre is refused, not guessed.
    assert main([str(tmp_path), "--lat", "45"]) == 2
    assert "--lat and --lon must be given together" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "title_cleaned" in capsys.readouterr().out


def test_the_area_recorded_by_scraper_1_is_the_default(tmp_path, capsys):
    from snapassist.io import write_table

    montreal = _photo("m", latitude="45.50", longitude="-73.57")
    raw = _raw([_photo("t"), montreal])
    write_table(raw, tmp_path / config.MASTER_TABLE_RAW,
                attrs={"area": {"bbox": [-74.0, 45.3, -73.3, 45.8]}})
    assert read_and_preprocess_tables(tmp_path)["master"]["kept"] == 1
    master = pd.read_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, "table")
    assert list(master["id"]) == ["m"]
    # An explicit area wins over the recorded one.
    assert main([str(tmp_path), "--radius", "30", "-q"]) == 0
    master = pd.read_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, "table")
    assert list(master["id"]) == ["t"]
    assert main([str(tmp_path), "--radius", "40"]) == 2
    assert "--radius must be > 0 and < 32" in capsys.readouterr().err
    assert main([str(tmp_path), "--radius", "5", "--bbox", "1,2,3,4"]) == 2
    assert "not both" in capsys.readouterr().err


def test_the_2018_module_path_still_runs(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "-m", "snapassist.scrapers.postprocessor", "--help"],
                         capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0 and "usage: snapassist-preprocess" in out.stdout


# --- the light of every photo ----------------------------------------------------

def _expected_elevation(local, zone, lat=LAT, lon=LON):
    """The sun's elevation for a local time, converted with the standard library."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    utc = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(
        dt.timezone.utc).replace(tzinfo=None)
    return float(geo.sun_elevation_deg(lat, lon, np.datetime64(utc, "ns")))


def test_each_photo_gets_the_light_it_was_taken_in():
    raw = _raw([
        _photo("noon", datetaken="2017-06-01 13:00:00"),
        _photo("dusk", datetaken="2017-06-01 20:50:00"),       # just before sunset (EDT)
        _photo("winter", datetaken="2017-01-10 16:45:00"),     # just before sunset (EST)
        _photo("month", datetaken="2017-06-01 20:50:00", datetakengranularity="4"),
        _photo("upload", datetaken="2017-06-01 20:50:00", datetakenunknown="1"),
        _photo("gap", datetaken="2017-03-12 02:30:00"),        # clocks jump 2:00 -> 3:00
        _photo("twice", datetaken="2017-11-05 01:30:00"),      # 1:00-2:00 happens twice
        _photo("none", datetaken=""),
    ])
    frame, _ = preprocess_table(raw, PROCESSED_MASTER)
    frame = frame.set_index("id")
    for pid, local in (("noon", "2017-06-01 13:00:00"), ("dusk", "2017-06-01 20:50:00"),
                       ("winter", "2017-01-10 16:45:00")):
        expected = _expected_elevation(local, "America/Toronto")
        assert frame.loc[pid, "sun_elevation"] == pytest.approx(expected, abs=1e-9)
        assert frame.loc[pid, "light"] == geo.light_of(expected)
    assert frame.loc["noon", "light"] == "day" and frame.loc["dusk", "light"] == "golden"
    for pid in ("month", "upload", "gap", "twice", "none"):
        assert np.isnan(frame.loc[pid, "sun_elevation"]) and frame.loc[pid, "light"] == "", pid
    assert frame["sun_elevation"].dtype == "float64"


def test_local_times_are_read_in_the_zone_the_tables_record(tmp_path):
    from snapassist.io import read_table_attrs, write_table

    raw = _raw([_photo("1", datetaken="2017-06-01 18:00:00")])
    write_table(raw, tmp_path / config.MASTER_TABLE_RAW, attrs={"timezone": "Asia/Tokyo"})
    read_and_preprocess_tables(tmp_path)
    master = pd.read_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, "table")
    expected = _expected_elevation("2017-06-01 18:00:00", "Asia/Tokyo")
    assert master["sun_elevation"].iloc[0] == pytest.approx(expected, abs=1e-9)
    assert expected != pytest.approx(_expected_elevation("2017-06-01 18:00:00",
                                                         "America/Toronto"), abs=1)
    # Recorded for the web app's sun times and "today".
    assert read_table_attrs(tmp_path / config.MASTER_TABLE_PROCESSED)["timezone"] == "Asia/Tokyo"
    assert FlickrPhotosDatabase.from_folder(tmp_path).timezone == "Asia/Tokyo"


def test_without_a_recorded_zone_the_tables_are_toronto_s(tmp_path):
    _write(_raw([_photo("1", datetaken="2017-06-01 20:50:00")]), tmp_path / config.MASTER_TABLE_RAW)
    read_and_preprocess_tables(tmp_path)
    db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert db.timezone == config.DEFAULT_TIMEZONE == "America/Toronto"
    photos = db.get_search_results("cntower", columns=["light", "sun_elevation"])
    assert photos["sun_elevation"].iloc[0] == pytest.approx(
        _expected_elevation("2017-06-01 20:50:00", "America/Toronto"), abs=1e-9)
    assert photos["light"].iloc[0] == "golden"


def test_old_processed_tables_without_light_still_load(tmp_path):
    frame, _ = preprocess_table(_raw([_photo(str(i)) for i in range(20)]), PROCESSED_MASTER)
    old = frame.drop(columns=["light", "sun_elevation"])
    old.to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="table", format="table")
    db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert "light" not in db.columns and db.count_search_results("cntower") == 20
    # Their light is unknown: a light filter keeps nothing, a month filter still works.
    assert db.count_search_results("cntower", lights=["day"]) == 0
    assert db.count_search_results("cntower", months=[6]) == 20


def test_an_import_reads_local_times_in_its_city_s_zone(tmp_path):
    import csv

    from snapassist.ingest.importer import import_photos

    dresden = (51.0527, 13.7408)
    header = ["origin_id", "lat", "lng", "guid", "user_guid", "post_create_date",
              "post_publish_date", "post_body", "hashtags", "emoji", "post_views_count",
              "post_like_count", "loc_id", "loc_name"]
    rows = [{"origin_id": "2", "lat": str(dresden[0]), "lng": str(dresden[1]), "guid": guid,
             "user_guid": "u1", "post_create_date": date, "post_publish_date": "2019-05-05",
             "post_body": "", "hashtags": "Frauenkirche", "emoji": "", "post_views_count": "5",
             "post_like_count": "1", "loc_id": "", "loc_name": ""}
            for guid, date in (("evening", "2019-05-04 20:45:00"), ("day", "2019-05-04"))]
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    result = import_photos(tmp_path / "in.csv", tmp_path / "out", "lbsn")
    assert result.metadata["timezone"] == "Europe/Berlin"
    master = pd.read_hdf(tmp_path / "out" / config.MASTER_TABLE_PROCESSED, "table").set_index("id")
    expected = _expected_elevation("2019-05-04 20:45:00", "Europe/Berlin", *dresden)
    assert master.loc["evening", "sun_elevation"] == pytest.approx(expected, abs=1e-9)
    assert master.loc["evening", "light"] == geo.light_of(expected)
    # A day without a time has no light.
    assert np.isnan(master.loc["day", "sun_elevation"]) and master.loc["day", "light"] == ""
