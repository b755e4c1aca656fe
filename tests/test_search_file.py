"""The search file stored beside the tables: round trip, staleness, corruption."""
import logging
import shutil

import numpy as np
import pandas as pd
import pytest

from snapassist import config
from snapassist.search import SEARCH_FILE, FlickrPhotosDatabase, write_search_file
from snapassist.schema import USED_COLUMNS
from snapassist.search._store import PackedText, StoreError, read_store, write_store
from snapassist.search._tagindex import TagIndex

PHRASES = ["cn tower", "graffiti", "sunset", "toronto", "high park", "québec", "nothing here"]


@pytest.fixture
def folder(demo_folder, tmp_path):
    """A private copy of the session's demo tables (with their search file)."""
    copy = tmp_path / "tables"
    shutil.copytree(demo_folder, copy)
    return copy


@pytest.fixture(scope="module")
def built_at_load(demo_folder):
    """The database as old tables without a search file give it."""
    return FlickrPhotosDatabase(demo_folder / config.MASTER_TABLE_PROCESSED,
                                demo_folder / config.POPULAR_TABLE_PROCESSED)


def test_demo_build_stores_a_search_file_that_is_used(demo_folder, caplog):
    with caplog.at_level(logging.INFO, logger="snapassist"):
        db = FlickrPhotosDatabase.from_folder(demo_folder)
    assert (demo_folder / SEARCH_FILE).is_file() and db.fingerprint is not None
    assert "building the tag index" not in caplog.text and db.is_demo and db.has_exif


def test_stored_index_equals_the_index_built_at_load(demo_folder, built_at_load):
    stored = FlickrPhotosDatabase.from_folder(demo_folder)._index.to_arrays()
    fresh = built_at_load._index.to_arrays()
    assert stored["n_rows"] == fresh["n_rows"]
    for name in ("offsets", "rows", "machine"):
        np.testing.assert_array_equal(stored[name], fresh[name])
    assert list(stored["tags"]) == list(fresh["tags"])


@pytest.mark.parametrize("phrase", PHRASES)
def test_search_results_equal_those_of_the_whole_table(demo_folder, built_at_load, phrase):
    """Compact columns give the same contents; only dtypes may differ."""
    stored = FlickrPhotosDatabase.from_folder(demo_folder)
    columns = [c for c in USED_COLUMNS if c in stored.columns]
    pd.testing.assert_frame_equal(stored.get_search_results(phrase, columns=columns),
                                  built_at_load.get_search_results(phrase, columns=columns))
    assert stored.views_percentile == built_at_load.views_percentile
    assert stored.narrower_tags(phrase, 10) == built_at_load.narrower_tags(phrase, 10)


def test_columns_not_stored_are_read_from_the_table(demo_folder, built_at_load):
    stored = FlickrPhotosDatabase.from_folder(demo_folder)
    assert stored.columns == built_at_load.columns
    pd.testing.assert_frame_equal(stored.get_search_results("cn tower"),
                                  built_at_load.get_search_results("cn tower"))
    got = stored.get_search_results("sunset", columns=["datetaken", "title", "views"])
    pd.testing.assert_frame_equal(
        got, built_at_load.get_search_results("sunset", columns=["datetaken", "title", "views"]))


def test_tables_without_a_search_file_still_load(folder, caplog):
    (folder / SEARCH_FILE).unlink()
    with caplog.at_level(logging.INFO, logger="snapassist"):
        db = FlickrPhotosDatabase.from_folder(folder)
    assert "no stored search file" in caplog.text and str(folder / SEARCH_FILE) in caplog.text
    assert db.fingerprint is None and db.count_search_results("cn tower") > 50


def test_a_search_file_of_other_tables_is_detected(folder, caplog):
    master = pd.read_hdf(folder / config.MASTER_TABLE_PROCESSED, config.HDF_KEY)
    master.loc[0, "views"] += 1      # one value changed: the file no longer describes it
    master.to_hdf(folder / config.MASTER_TABLE_PROCESSED, key=config.HDF_KEY, format="fixed")
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        db = FlickrPhotosDatabase.from_folder(folder)
    assert "built from other tables" in caplog.text and SEARCH_FILE in caplog.text
    assert db.fingerprint is None                             # rebuilt at load
    assert db.get_search_results(PHRASES[0], columns=["views"])["views"].sum() == \
        master["views"].iloc[db.match(PHRASES[0])].sum()


@pytest.mark.parametrize("damage, reason", [
    (lambda b: b[:len(b) // 2], "is \\d+ bytes long|corrupt"),
    (lambda b: b[:-100] + bytes(100 - 1) + b"\x01", "corrupt"),
    (lambda b: b"not a search file" + b[17:], "not a SnapAssist search file"),
    (lambda b: b[:30] + b"{{{{" + b[34:], "corrupt"),
    (lambda b: b"", "not a SnapAssist search file|cannot be read"),
])
def test_a_corrupt_search_file_is_detected_and_named(folder, caplog, damage, reason):
    path = folder / SEARCH_FILE
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        db = FlickrPhotosDatabase.from_folder(folder)
    assert str(path) in caplog.text
    assert db.fingerprint is None and db.count_search_results("cn tower") > 50
    with pytest.raises(StoreError, match=reason):
        read_store(path, "any")


def test_write_search_file_replaces_a_stale_one(folder):
    master = pd.read_hdf(folder / config.MASTER_TABLE_PROCESSED, config.HDF_KEY).iloc[:500]
    master.to_hdf(folder / config.MASTER_TABLE_PROCESSED, key=config.HDF_KEY, format="fixed")
    write_search_file(folder)
    db = FlickrPhotosDatabase.from_folder(folder)
    assert db.fingerprint is not None and db.n_photos == 500
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_old_style_tables_round_trip(tmp_path):
    """A 2018-style table (integer ids, float views, no popular table) stores and reloads."""
    pd.DataFrame({
        "id": [26701234567, 26701234568, 26701234569], "owner": ["1@N01", "2@N01", "3@N01"],
        "views": [10.0, 20.0, 30.0], "tags": ["cntower night", "CN-Tower", "café"],
        "latitude": [43.6426, 43.6427, 43.66], "longitude": [-79.3871, -79.3872, -79.30],
    }).to_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, key="table", format="table")
    write_search_file(tmp_path)
    db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert db.fingerprint is not None and not db.has_exif
    result = db.get_search_results("cntower", columns=["id", "views", "Camera"])
    assert list(result["id"]) == ["26701234567", "26701234568"]
    assert result["Camera"].isna().all()
    assert db.count_search_results("cafe") == 1


@pytest.mark.parametrize("values", [
    ["https://a/1.jpg", "https://a/22.jpg", "https://a/3.jpg"],   # fixed width
    ["Café", "トロント", "", "x"],                                  # packed UTF-8
    ["Canon", "Canon", None, "Nikon", "Canon"],                   # codes, one missing
    [],
])
def test_packed_text_round_trip(tmp_path, values):
    series = pd.Series(values, dtype="str")
    path = write_store(tmp_path / "f", PackedText.from_series(series).to_arrays("c:"),
                       {"fingerprint": "x"})
    arrays, _ = read_store(path, "x")
    packed = PackedText.from_arrays(arrays, "c:")
    rows = np.arange(len(values))[::-1]
    pd.testing.assert_series_equal(pd.Series(packed.take(rows)),
                                   series.iloc[rows].reset_index(drop=True))


def test_nul_in_text_is_refused_by_name():
    with pytest.raises(ValueError, match="NUL"):
        PackedText.from_series(pd.Series(["a\0b", "c"], dtype="str"))


def test_co_tag_counts_match_a_brute_force_count():
    rng = np.random.default_rng(8)
    vocab = ["a", "b", "c", "d", "e", "geo:lat=1"]
    tags = [" ".join(rng.choice(vocab, size=rng.integers(0, 4), replace=False))
            for _ in range(300)]
    index = TagIndex(pd.Series(tags))
    rows = np.flatnonzero(rng.random(300) < 0.4)
    counts, names, machine = index.cotag_counts(rows)
    for count, name, is_machine in zip(counts, names, machine):
        expected = sum(1 for i in rows
                       if name in {t.replace(":", "").replace("=", "") for t in tags[i].split()})
        assert count == expected and is_machine == (name == "geolat1")


def test_the_light_is_stored_as_small_codes_and_filters_alike(demo_folder, built_at_load):
    from snapassist.search import SEARCH_FILE as name
    from snapassist.search._store import fingerprint_files

    arrays, meta = read_store(demo_folder / name, fingerprint_files(
        [demo_folder / config.MASTER_TABLE_PROCESSED, demo_folder / config.POPULAR_TABLE_PROCESSED]))
    assert meta["stored"]["light"] == "light" and arrays["col:light"].dtype == np.int8
    stored = FlickrPhotosDatabase.from_folder(demo_folder)
    for filters in ({"lights": ["golden"]}, {"lights": ["night", "blue"]}, {"months": [12, 1]},
                    {"months": [6], "lights": ["day"]}):
        rows = stored.match("toronto", **filters)
        np.testing.assert_array_equal(rows, built_at_load.match("toronto", **filters))
        photos = built_at_load.photos.iloc[rows]
        if "lights" in filters:
            assert photos["light"].isin(filters["lights"]).all()
        if "months" in filters:
            assert photos["month"].isin(filters["months"]).all()
        assert 0 < len(rows) < built_at_load.count_search_results("toronto")


def test_a_search_file_of_an_older_version_is_refused_by_name(folder, monkeypatch, caplog):
    from snapassist.search import _store as searchstore

    monkeypatch.setattr(searchstore, "FORMAT_VERSION", 1)
    write_search_file(folder)
    monkeypatch.undo()
    with pytest.raises(StoreError, match="has format version 1; this SnapAssist reads version 2"):
        read_store(folder / SEARCH_FILE, "any")
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        db = FlickrPhotosDatabase.from_folder(folder)
    assert "format version 1" in caplog.text and db.fingerprint is None
    assert db.count_search_results("cn tower", lights=["golden"]) > 0
