"""Raw tables -> processed tables."""
import numpy as np
import pandas as pd
import pytest

from snapassist import config
from snapassist.cli.data import preprocess as main
from snapassist.database import SEARCH_FILE, FlickrPhotosDatabase
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
