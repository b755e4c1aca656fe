"""Scraper 1 against the fake Flickr server."""
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fake_flickr import (FakeFlickr, expected_ids, from_mysql, kill_after_checkpoints, make_client,
                         make_world)
from snapassist import config
from snapassist.errors import ConfigError, ValidationError
from snapassist.schema import RAW_MASTER
from snapassist.scrapers import general
from snapassist.io import read_table_attrs
from snapassist.cli.scrape import main_general
from snapassist.geo import Area, default_area
from snapassist.scrapers.general import scrape_general

ROOT = Path(__file__).resolve().parents[1]
D1, D2 = dt.date(2017, 6, 1), dt.date(2017, 6, 4)


@pytest.fixture(scope="module")
def busy():
    """A busy day (> 10,000 photos) and one second holding more than the cap."""
    world = make_world({"2017-06-01": 12000, "2017-06-02": 400, "2017-06-03": 30},
                       seed=11, bursts=[("2017-06-02 12:00:00", 6000)])
    with FakeFlickr(world) as server:
        yield server


@pytest.fixture
def env(busy, monkeypatch):
    monkeypatch.setenv(config.ENV_REST_URL, busy.url)
    monkeypatch.setenv(config.ENV_API_KEY, "testkey")
    monkeypatch.setenv(config.ENV_API_SECRET, "testsecret")
    busy.faults.clear()
    return busy


@pytest.mark.slow
def test_every_photo_exactly_once_despite_the_cap(busy, tmp_path):
    client = make_client(busy)
    table = scrape_general(client, D1, D2, tmp_path / "m.hdf5")
    want = expected_ids(busy.world, "2017-06-01", "2017-06-04", tagged=True)
    tagged = table["latitude"] != "0"
    assert table["id"].is_unique and set(table["id"][tagged]) == want
    # Photos without a geotag are kept raw, for the postprocessor to drop;
    # in a box cut from the circle they cannot be told apart, so a few extra
    # ones from the box's corners may come too.
    untagged = set(table["id"][~tagged])
    assert expected_ids(busy.world, "2017-06-01", "2017-06-04", tagged=False) <= untagged
    assert untagged <= set(busy.world["id"][busy.world["untagged"]])
    day1 = expected_ids(busy.world, "2017-06-01", "2017-06-02")
    burst = (busy.world["datetaken_s"] == from_mysql("2017-06-02 12:00:00")).sum()
    assert len(day1) > 10_000 and burst > config.FLICKR_RESULT_CAP
    assert list(table.columns) == list(RAW_MASTER)
    on_disk = pd.read_hdf(tmp_path / "m.hdf5", "table")
    pd.testing.assert_frame_equal(on_disk, table, check_dtype=False)
    assert not (tmp_path / "m.hdf5.parts").exists()


def test_busy_day_costs_little_more_than_one_call_per_250_photos(busy):
    client = make_client(busy)
    first, last = from_mysql("2017-06-01"), from_mysql("2017-06-02") - 1
    photos = list(general.iter_window_photos(client, default_area(), first, last))
    n = len({p["id"] for p in photos})
    assert n == len(expected_ids(busy.world, "2017-06-01", "2017-06-02"))
    assert client.n_calls * 1000 / n <= 4.4


def test_short_pages_do_not_end_a_capped_query_early(tmp_path):
    world = make_world({"2017-06-05": 9000}, seed=8, outside_fraction=0.0)
    hidden = np.random.default_rng(1).random(len(world)) < 0.05
    with FakeFlickr(world, hidden=hidden) as fake:
        table = scrape_general(make_client(fake), dt.date(2017, 6, 5), dt.date(2017, 6, 6),
                               tmp_path / "h.hdf5")
    assert set(table["id"]) == set(world["id"][~hidden])


def test_quiet_days_cost_no_extra_calls(tmp_path):
    world = make_world({f"2017-09-{d:02d}": 20 for d in range(1, 31)}, seed=6)
    with FakeFlickr(world) as fake:
        client = make_client(fake)
        table = scrape_general(client, dt.date(2017, 9, 1), dt.date(2017, 10, 1),
                               tmp_path / "q.hdf5")
    assert set(table["id"][table["latitude"] != "0"]) == expected_ids(
        world, "2017-09-01", "2017-10-01", tagged=True)
    assert client.n_calls == -(-len(table) // 250)  # 600 photos: 3 pages, not 30 days


def test_bbox_area(busy, tmp_path):
    box = Area.box(-79.5, 43.6, -79.3, 43.7)
    table = scrape_general(make_client(busy), dt.date(2017, 6, 2), dt.date(2017, 6, 3),
                           tmp_path / "b.hdf5", area=box)
    w = busy.world
    inside = ((w["lon"] >= -79.5) & (w["lon"] <= -79.3) & (w["lat"] >= 43.6)
              & (w["lat"] <= 43.7) & (w["datetaken_s"] >= from_mysql("2017-06-02"))
              & (w["datetaken_s"] < from_mysql("2017-06-03")))
    assert set(table["id"]) == set(w["id"][inside]) and len(table) > 0
    # The area goes with the table, for the postprocessor, and what the pages
    # say of the place: no city was named, the time zone is the area's.
    assert read_table_attrs(tmp_path / "b.hdf5") == {
        "area": {"bbox": [-79.5, 43.6, -79.3, 43.7]}, "city": None,
        "timezone": "America/Toronto"}


@pytest.mark.slow
def test_faults_are_survived_and_the_rate_limit_kept(busy, tmp_path):
    days = dt.date(2017, 6, 2), dt.date(2017, 6, 4)
    clean = scrape_general(make_client(busy), *days, tmp_path / "a.hdf5")
    busy.faults.extend(["105", "429", "notjson", "500", "201", "drop", "10", "0"])
    since = len(busy.call_times)
    client = make_client(busy, max_retries=10, calls_per_hour=108000)  # 30 a second
    faulty = scrape_general(client, *days, tmp_path / "b.hdf5")
    assert not busy.faults and client.n_calls > 20
    pd.testing.assert_frame_equal(clean, faulty)
    # Retries count against the budget too: never more than 30 + 1 a second.
    assert busy.max_calls_in_any_second(since) <= 108000 / 3600 + 1


def test_retries_exhausted_keeps_finished_days_and_rerun_resumes(env, tmp_path, capsys):
    out = tmp_path / "r"
    args = ["2017-06-02", "2017-06-04", str(out), "--max-retries", "1", "--backoff",
            "0.001", "--calls-per-hour", "1e9", "-q"]
    real = general.fetch_segment
    segments = []

    def fail_second_segment(client, area, cursor, end, cap=config.FLICKR_RESULT_CAP):
        if area.within is None:  # a segment of the chain, not of a split area
            segments.append(cursor)
            if len(segments) == 2:
                env.faults.extend(["500"] * 3)
        return real(client, area, cursor, end, cap)

    general.fetch_segment = fail_second_segment
    try:
        assert main_general(args) == 3
    finally:
        general.fetch_segment = real
    err = capsys.readouterr().err
    assert "kept failing after 2 attempts" in err and "HTTP 500" in err
    manifest = json.loads((tmp_path / "r.hdf5.parts" / "manifest.json").read_text())
    assert list(manifest["done"]) == ["segment-000000"]
    env.faults.clear()
    assert main_general(args) == 0
    table = pd.read_hdf(tmp_path / "r.hdf5", "table")
    tagged = table["id"][table["latitude"] != "0"]
    assert set(tagged) == expected_ids(env.world, "2017-06-02", "2017-06-04", tagged=True)


def test_invalid_key_stops_at_once(env, tmp_path, capsys):
    out = str(tmp_path / "k")
    assert main_general(["2017-06-03", "2017-06-04", out, "--secrets", "bad secretvalue"]) == 1
    err = capsys.readouterr().err
    assert "API key is invalid" in err and "secretvalue" not in err


def test_ctrl_c_stops_cleanly(env, tmp_path, capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(general, "fetch_segment", interrupt)
    assert main_general(["2017-06-03", "2017-06-04", str(tmp_path / "c"), "-q"]) == 130
    assert "rerun the same command to resume" in capsys.readouterr().err
    assert not (tmp_path / "c.hdf5").exists()


def test_other_settings_cannot_resume_a_scrape(busy, tmp_path):
    out = tmp_path / "s.hdf5"
    (tmp_path / "s.hdf5.parts").mkdir()
    (tmp_path / "s.hdf5.parts" / "manifest.json").write_text(
        json.dumps({"signature": {"scraper": "general", "start": "2001-01-01"}, "done": {}}))
    with pytest.raises(ConfigError, match="started with other settings"):
        scrape_general(make_client(busy), D1, D2, out)


@pytest.mark.parametrize("args,message", [
    (["2017-13-01", "2017-06-02", "x"], "dates must be YYYY-MM-DD .*'2017-13-01'"),
    (["2017-06-01", "June 2", "x"], "dates must be YYYY-MM-DD .*'June 2'"),
    (["2017-06-02", "2017-06-01", "OUT"], "END_DATE must be after START_DATE"),
    (["2017-06-02", "2017-06-02", "OUT"], "END_DATE must be after START_DATE"),
    (["2017-06-01", "2017-06-02", "/nonexistent-folder/x"], "does not exist"),
    (["2017-06-01", "2017-06-02", "/proc/x"],
     "is not writable|cannot create the checkpoint folder"),
    (["2017-06-01", "2017-06-02", "OUT", "--radius", "40"], "--radius must be > 0 and < 32"),
    (["2017-06-01", "2017-06-02", "OUT", "--bbox", "1,2,3"], "--bbox must be four numbers"),
    (["2017-06-01", "2017-06-02", "OUT", "--bbox", "3,2,1,4"], "min < max"),
    (["2017-06-01", "2017-06-02", "OUT", "--bbox", "1,2,3,4", "--lat", "4"], "not both"),
    (["2017-06-01", "2017-06-02", "OUT", "--lat", "4"], "--lat and --lon must be given"),
    (["2017-06-01", "2017-06-02", "OUT", "--calls-per-hour", "0"], "expected a number > 0"),
])
def test_bad_command_lines(env, tmp_path, capsys, args, message):
    args = [a.replace("OUT", str(tmp_path / "o")) for a in args]
    try:
        status = main_general(args)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    assert status == 2
    assert re.search(message, capsys.readouterr().err)


def test_quiet_and_verbose(env, tmp_path, capsys):
    args = ["2017-06-03", "2017-06-04", "--calls-per-hour", "1e9"]
    assert main_general([*args, str(tmp_path / "q"), "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert main_general([*args, str(tmp_path / "v"), "-v"]) == 0
    err = capsys.readouterr().err
    assert "INFO: 2017-06-03 00:00:00 to 2017-06-03 23:59:59: " in err
    assert "photos written to" in err
    assert main_general([*args, str(tmp_path / "n")]) == 0
    err = capsys.readouterr().err
    assert "INFO" not in err and "photos written to" in err


def test_progress_bar_on_a_terminal(env, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    args = ["2017-06-02", "2017-06-04", "--calls-per-hour", "1e9"]
    assert main_general([*args, str(tmp_path / "t")]) == 0
    assert re.search(r"100%.* 2(\.0+)?/2 ", capsys.readouterr().err)  # both days covered
    assert main_general([*args, str(tmp_path / "u"), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_missing_key_and_existing_output(env, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(config.ENV_API_KEY)
    assert main_general(["2017-06-01", "2017-06-02", str(tmp_path / "o")]) == 2
    assert "no Flickr API key" in capsys.readouterr().err
    (tmp_path / "e.hdf5").write_text("")
    assert main_general(["2017-06-01", "2017-06-02", str(tmp_path / "e.hdf5")]) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err


def test_validation_in_the_library():
    with pytest.raises(ValidationError, match="END_DATE must be after START_DATE"):
        general.period_bounds(D2, D1)
    with pytest.raises(ValidationError, match="--lat must be within"):
        Area.circle(91, 0, 5)


def test_help_explains_everything():
    out = subprocess.run([sys.executable, str(ROOT / "run_scraper_1_general.py"), "--help"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    for word in ("START_DATE", "exclusive", "--bbox", "--radius", "--calls-per-hour",
                 "--secrets", "FLICKR_API_KEY", "resume", "Exit status", "--quiet"):
        assert word in out


@pytest.mark.slow
def test_resume_after_kill_9_gives_the_uninterrupted_table(tmp_path):
    world = make_world({f"2017-07-{d:02d}": 2500 for d in range(1, 9)}, seed=4)
    with FakeFlickr(world) as fake:
        reference = scrape_general(make_client(fake), dt.date(2017, 7, 1),
                                   dt.date(2017, 7, 9), tmp_path / "ref.hdf5")
        fake.latency = 0.03  # slow enough to be killed mid-run
        env = dict(os.environ, **{config.ENV_REST_URL: fake.url,
                                  config.ENV_API_KEY: "testkey",
                                  config.ENV_API_SECRET: "testsecret"})
        env["PYTHONPATH"] = str(ROOT)
        cmd = [sys.executable, str(ROOT / "run_scraper_1_general.py"), "2017-07-01",
               "2017-07-09", str(tmp_path / "out"), "--calls-per-hour", "1e9", "-q"]
        done = kill_after_checkpoints(cmd, env, tmp_path,
                                      tmp_path / "out.hdf5.parts" / "manifest.json", 2)
        n_segments = math.ceil(len(reference) / 4000) + 1
        assert 2 <= len(done) < n_segments and not (tmp_path / "out.hdf5").exists()
        n_before = fake.n_calls()
        assert subprocess.run(cmd, env=env, cwd=tmp_path).returncode == 0
        # The rerun did not fetch the finished segments again (16 calls each).
        assert fake.n_calls() - n_before <= (n_segments - len(done)) * 16
    resumed = pd.read_hdf(tmp_path / "out.hdf5", "table")
    pd.testing.assert_frame_equal(resumed, reference, check_dtype=False)


def test_the_city_is_recorded_and_carried_to_the_processed_table(env, tmp_path, capsys):
    from snapassist.cli.data import preprocess

    day = ["2017-06-03", "2017-06-04", "--calls-per-hour", "1e9", "-q"]
    # The 2018 area is Toronto's unless told otherwise.
    (tmp_path / "a").mkdir()
    assert main_general([*day, str(tmp_path / "a" / config.MASTER_TABLE_RAW)]) == 0
    attrs = read_table_attrs(tmp_path / "a" / config.MASTER_TABLE_RAW)
    assert attrs["city"] == "Toronto" and attrs["timezone"] == "America/Toronto"
    # Another area records the name given, and none (with a warning) without one.
    box = ["--bbox=-79.5,43.6,-79.3,43.7"]
    (tmp_path / "b").mkdir()
    assert main_general([*day, *box, "--city", "Old Toronto",
                         str(tmp_path / "b" / config.MASTER_TABLE_RAW)]) == 0
    assert read_table_attrs(tmp_path / "b" / config.MASTER_TABLE_RAW)["city"] == "Old Toronto"
    assert main_general([*day[:-1], *box, str(tmp_path / "c.hdf5")]) == 0
    assert "no --city" in capsys.readouterr().err
    assert read_table_attrs(tmp_path / "c.hdf5")["city"] is None

    # The preprocessing carries the place into the processed table...
    assert preprocess([str(tmp_path / "b"), "-q"]) == 0
    processed = tmp_path / "b" / config.MASTER_TABLE_PROCESSED
    place = read_table_attrs(processed)
    assert isinstance(place.pop("examples"), list)   # the search page's subjects
    assert place == {
        "city": "Old Toronto", "area": {"bbox": [-79.5, 43.6, -79.3, 43.7]},
        "timezone": "America/Toronto"}
    # ... and --city renames it.
    assert preprocess([str(tmp_path / "b"), "-q", "--city", "Toronto Downtown"]) == 0
    assert read_table_attrs(processed)["city"] == "Toronto Downtown"


def test_tables_scraped_before_the_record_are_toronto_only_in_the_2018_area(tmp_path):
    from snapassist.ingest.preprocess import describe_scrape

    assert describe_scrape({}, default_area())["city"] == "Toronto"
    elsewhere = Area.circle(51.05, 13.74, 10)
    assert describe_scrape({}, elsewhere) == {
        "city": None, "area": elsewhere.to_dict(), "timezone": "Europe/Berlin"}
    assert describe_scrape({"city": None}, default_area())["city"] is None
    assert describe_scrape({}, elsewhere, city="Dresden")["city"] == "Dresden"
