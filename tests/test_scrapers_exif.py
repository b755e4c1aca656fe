"""Scraper 2 (EXIF) against the fake Flickr server."""
import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fake_flickr import FakeFlickr, expected_exif, kill_after_checkpoints, make_client, make_world
from snapassist import config
from snapassist.errors import TableError, ValidationError
from snapassist.schema import EXIF, RAW_MASTER
from snapassist.cli.scrape import main_exif
from snapassist.scrapers.exif import scrape_exif, select_popular
from snapassist.scrapers.general import scrape_general

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A fake server and a raw master table of about 900 photos."""
    world = make_world({"2017-08-01": 500, "2017-08-02": 500}, seed=21)
    folder = tmp_path_factory.mktemp("exif")
    with FakeFlickr(world) as fake:
        scrape_general(make_client(fake), dt.date(2017, 8, 1), dt.date(2017, 8, 3),
                       folder / "master.hdf5")
        yield fake, folder / "master.hdf5"


@pytest.fixture
def env(small, monkeypatch):
    fake, _ = small
    monkeypatch.setenv(config.ENV_REST_URL, fake.url)
    monkeypatch.setenv(config.ENV_API_KEY, "testkey")
    monkeypatch.setenv(config.ENV_API_SECRET, "testsecret")
    fake.faults.clear()
    return small


def test_select_popular_is_strictly_above_the_75th_percentile():
    master = pd.DataFrame({"id": [str(i) for i in range(8)] + ["0"],
                           "views": ["1", "2", "3", "4", "5", "5", "5", 7, "x"]})
    # views 1 2 3 4 5 5 5 7 (x counts as 0, duplicate id 0 dropped): 75th pct = 5
    assert list(select_popular(master)["id"]) == ["7"]
    with pytest.raises(TableError, match="needs the columns 'id' and 'views'"):
        select_popular(pd.DataFrame({"id": ["1"]}))


def test_popular_table_statuses_and_values(small, tmp_path):
    fake, master_path = small
    master = pd.read_hdf(master_path, "table")
    client = make_client(fake)
    table = scrape_exif(client, master_path, 3, tmp_path / "pop.hdf5")
    want = select_popular(master)
    assert list(table["id"]) == list(want["id"]) and client.n_calls == len(want)
    assert list(table.columns) == list(RAW_MASTER) + list(EXIF)
    assert (table[list(RAW_MASTER)].to_numpy() == want[list(RAW_MASTER)].to_numpy()).all()
    world = fake.world.set_index("id")
    codes = world.loc[table["id"], "exif_code"].to_numpy()
    status = table["exif_status"].to_numpy()
    assert set(status) == {"ok", "not_found", "permission_denied"}
    np.testing.assert_array_equal(status == "not_found", codes == 1)
    np.testing.assert_array_equal(status == "permission_denied", codes == 2)
    assert table.loc[status != "ok", "ISO"].isna().all()
    position = {pid: i for i, pid in enumerate(fake.world["id"])}
    for _, row in table[status == "ok"].iterrows():
        expected = expected_exif(fake.world, position[row["id"]])
        for name, value in expected.items():
            if isinstance(value, float):
                assert math.isclose(row[name], value, rel_tol=1e-9), (name, row["id"])
            else:
                assert row[name] == value
    on_disk = pd.read_hdf(tmp_path / "pop.hdf5", "table")
    pd.testing.assert_frame_equal(on_disk, table, check_dtype=False)


def test_transient_faults_are_retried_and_codes_1_2_are_not(small, tmp_path):
    fake, master_path = small
    fake.faults.extend(["105", "429", "notjson", "500"])
    client = make_client(fake, max_retries=6)
    table = scrape_exif(client, master_path, 1, tmp_path / "p.hdf5")
    assert client.n_calls == len(table) + 4 and not fake.faults


def test_more_divisions_than_photos(small, tmp_path):
    fake, master_path = small
    few = pd.read_hdf(master_path, "table").iloc[:12]
    few.to_hdf(tmp_path / "few.hdf5", key="table", format="table")
    n = len(select_popular(few))
    table = scrape_exif(make_client(fake), tmp_path / "few.hdf5", n + 3, tmp_path / "d.hdf5")
    assert list(table["id"]) == list(select_popular(few)["id"]) and n > 0
    with pytest.raises(ValidationError, match="DIVISIONS must be an integer >= 1, got 0"):
        scrape_exif(make_client(fake), master_path, 0, tmp_path / "z.hdf5")


def test_command_line_errors(env, tmp_path, capsys):
    _, master_path = env
    assert main_exif([str(tmp_path / "none.hdf5"), "2", str(tmp_path / "o")]) == 2
    assert "none.hdf5' does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main_exif([str(master_path), "zero", str(tmp_path / "o")])
    assert info.value.code == 2 and "expected a number > 0, got 'zero'" in capsys.readouterr().err
    assert main_exif([str(master_path), "2", "/nonexistent-folder/o"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main_exif([str(master_path), "2", str(tmp_path / "o"), "--secrets", "bad key"]) == 1
    assert "API key is invalid" in capsys.readouterr().err


def test_help():
    out = subprocess.run([sys.executable, str(ROOT / "run_scraper_2_exif.py"), "--help"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    for word in ("MASTER", "DIVISIONS", "75th percentile", "exif_status", "resume"):
        assert word in out or word in out.replace("\n", " ")


@pytest.mark.slow
def test_resume_after_kill_9_gives_the_uninterrupted_table(small, tmp_path):
    fake, master_path = small
    reference = scrape_exif(make_client(fake), master_path, 6, tmp_path / "ref.hdf5")
    fake.latency = 0.01
    try:
        env = dict(os.environ, **{config.ENV_REST_URL: fake.url, config.ENV_API_KEY: "testkey",
                                  config.ENV_API_SECRET: "testsecret"})
        env["PYTHONPATH"] = str(ROOT)
        cmd = [sys.executable, str(ROOT / "run_scraper_2_exif.py"), str(master_path), "6",
               str(tmp_path / "out"), "--calls-per-hour", "1e9", "-q"]
        done = kill_after_checkpoints(cmd, env, tmp_path,
                                      tmp_path / "out.hdf5.parts" / "manifest.json", 2)
        assert 2 <= len(done) < 6 and not (tmp_path / "out.hdf5").exists()
        n_before = fake.n_calls()
        assert subprocess.run(cmd, env=env, cwd=tmp_path).returncode == 0
        per_division = math.ceil(len(reference) / 6)
        assert fake.n_calls() - n_before <= (6 - len(done)) * per_division
    finally:
        fake.latency = 0.0
    resumed = pd.read_hdf(tmp_path / "out.hdf5", "table")
    pd.testing.assert_frame_equal(resumed, reference, check_dtype=False)


def test_retries_exhausted_keeps_finished_divisions(env, tmp_path, capsys, monkeypatch):
    fake, master_path = env
    from snapassist.scrapers import exif

    real = exif.fetch_exif
    seen, armed = [], []

    def fail_in_second_division(client, photo_id, secret=None):
        seen.append(photo_id)
        if len(seen) == n_first + 1 and not armed:
            armed.append(True)
            fake.faults.extend(["503"] * 3)
        return real(client, photo_id, secret)

    n_first = round(len(select_popular(pd.read_hdf(master_path, "table"))) / 3)
    monkeypatch.setattr(exif, "fetch_exif", fail_in_second_division)
    args = [str(master_path), "3", str(tmp_path / "x"), "--max-retries", "2",
            "--backoff", "0.001", "--calls-per-hour", "1e9", "-q"]
    assert main_exif(args) == 3
    assert "kept failing after 3 attempts" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "x.hdf5.parts" / "manifest.json").read_text())
    assert list(manifest["done"]) == ["division-00000"]
    seen.clear()
    assert main_exif(args) == 0
    assert len(seen) == len(pd.read_hdf(tmp_path / "x.hdf5", "table")) - n_first
