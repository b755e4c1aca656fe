"""Fake Flickr -> scraper 1 -> scraper 2 -> preprocessing -> database search."""
import pandas as pd
import pytest

from fake_flickr import FakeFlickr, expected_ids, make_world
from snapassist import config
from snapassist.search import FlickrPhotosDatabase
from snapassist.cli.scrape import main_exif, main_general
from snapassist.scrapers.exif import select_popular
from snapassist.cli.data import preprocess


@pytest.mark.slow
def test_pipeline_finds_every_photo_once(tmp_path, monkeypatch, capsys):
    world = make_world({"2017-06-01": 11000, "2017-06-02": 300}, seed=99,
                       outside_fraction=0.05)
    fast = ["--calls-per-hour", "1e9", "--backoff", "0.001", "-q"]
    with FakeFlickr(world, fault_rate=0.01, seed=3) as fake:
        monkeypatch.setenv(config.ENV_REST_URL, fake.url)
        monkeypatch.setenv(config.ENV_API_KEY, "testkey")
        monkeypatch.setenv(config.ENV_API_SECRET, "testsecret")
        master_raw = tmp_path / config.MASTER_TABLE_RAW
        assert main_general(["2017-06-01", "2017-06-03", str(master_raw), *fast]) == 0
        assert main_exif([str(master_raw), "4", str(tmp_path / config.POPULAR_TABLE_RAW),
                          *fast]) == 0
    assert preprocess([str(tmp_path), "-q"]) == 0

    want = expected_ids(world, "2017-06-01", "2017-06-03", tagged=True)
    busy = expected_ids(world, "2017-06-01", "2017-06-02", tagged=True)
    assert len(busy) > 10_000  # a day over the cap, more than twice over
    master = pd.read_hdf(tmp_path / config.MASTER_TABLE_PROCESSED, "table")
    assert master["id"].is_unique and set(master["id"]) == want
    raw = pd.read_hdf(master_raw, "table")
    popular = pd.read_hdf(tmp_path / config.POPULAR_TABLE_PROCESSED, "table")
    assert set(popular["id"]) == set(select_popular(raw)["id"]) & want
    assert set(popular["exif_status"]) == {"ok", "not_found", "permission_denied"}

    db = FlickrPhotosDatabase.from_folder(tmp_path)
    assert db.n_photos == len(want) and db.has_exif
    hits = db.get_search_results("CN Tower")
    tagged = {pid for pid, tags in zip(master["id"], master["tags"])
              if "cntower" in tags.split()}
    assert set(hits["id"]) == tagged and len(tagged) > 100
    ok = popular[popular["exif_status"] == "ok"].set_index("id")
    sample = hits[hits["id"].isin(ok.index)].head(20)
    assert len(sample) > 0
    assert list(sample["ISO"]) == list(ok.loc[sample["id"], "ISO"])
