"""Precomputed answers: equal to the live search, resumable, never served stale."""
import dataclasses
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snapassist import cli, config
from snapassist.search import FlickrPhotosDatabase
from snapassist.errors import NotEnoughPhotosError, TableError
from snapassist.settings import Settings
from snapassist.precompute._atlas import ATLAS_KEY
from snapassist.schema import USED_COLUMNS
from snapassist.spots import SpotsAnswer, find_spots
from snapassist.precompute import (StoredAnswers, Subject, compute_answer, list_subjects, load_answer,
                                   precompute_folder, read_answers)
from snapassist.precompute._answer import decode, encode, reduce_reachability
from snapassist.web.plots import build_reachability_plot

REPO = Path(__file__).resolve().parents[1]
#: Enough subjects at 12,000 photos to include phrases, small and broad ones.
MIN_PHOTOS = 400
#: Many small subjects, so that a run can be killed half-way.
MIN_PHOTOS_MANY = 100


def copy_tables(source, target):
    """A copy that keeps the files' times, hence the tables' fingerprint."""
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def tables(demo_folder, tmp_path_factory):
    return copy_tables(demo_folder, tmp_path_factory.mktemp("precompute") / "tables")


@pytest.fixture(scope="module")
def db(tables):
    return FlickrPhotosDatabase.from_folder(tables)


@pytest.fixture(scope="module")
def stored(tables, db, cluster):
    """``snapassist precompute`` run once on the module's tables."""
    status = cli.main(["precompute", str(tables), "--scheduler", cluster,
                       "--min-photos", str(MIN_PHOTOS), "-q"])
    assert status == 0
    return StoredAnswers.open(tables, db)


def live(db, phrase):
    """What the web app computes for ``phrase`` today."""
    columns = [c for c in USED_COLUMNS if c in db.photos.columns]
    photos = db.get_search_results(phrase, columns=columns)
    return find_spots(photos, db.views_percentile, query=phrase.strip())


def assert_same(a, b, where="result"):
    """Equal values, field by field, whatever fields the dataclasses have."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert a.dtype == np.asarray(b).dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b, where


def assert_same_answer(loaded, expected, answer):
    """``loaded`` is ``expected`` but for the documented reductions of ``answer``."""
    reduced = ("reachability", "reachability_rank") if answer.reach_reduced else ()
    for f in dataclasses.fields(SpotsAnswer):
        if f.name not in reduced:
            assert_same(getattr(loaded, f.name), getattr(expected, f.name), f.name)
    if reduced:
        assert len(loaded.reachability) == config.PRECOMPUTE_PLOT_BARS
        assert len(expected.reachability) > config.PRECOMPUTE_PLOT_BARS
    # Whatever was stored, the plot drawn from it is the live one.
    got, want = build_reachability_plot(loaded), build_reachability_plot(expected)
    assert (got.bars, got.top_m) == (want.bars, want.top_m)


def test_every_stored_answer_equals_the_live_answer(stored, db):
    subjects = list_subjects(db, MIN_PHOTOS)
    assert stored.fresh and stored.phrases == sorted(s.phrase for s in subjects)
    assert any(" " in p for p in stored.phrases), "phrases such as 'cn tower' are subjects"
    n_reduced = 0
    for phrase in stored.phrases:
        answer = stored.get(phrase)
        expected = live(db, phrase)
        assert answer.n_photos == expected.n_photos > MIN_PHOTOS
        assert answer.n_background == int((expected.photo_rank < 0).sum())
        assert_same_answer(answer.to_result(phrase), expected, answer)
        n_reduced += answer.reach_reduced
    assert 0 < n_reduced < len(stored), "both reduced and whole plots were checked"


def test_stored_spots_carry_what_a_photographer_needs(stored, db):
    """The per-spot facts are stored (equal to live, as every field is, above)."""
    spots = [h for phrase in stored.phrases for h in stored.get(phrase).to_result().spots]
    assert spots
    assert all(h.light["n_known"] > 0 and set(h.light["all"]) == {"night", "blue", "golden",
                                                                  "day"} for h in spots)
    assert any(h.when is not None for h in spots)
    assert any(h.focal_range_mm is not None for h in spots)
    assert any(h.anchor_rank is not None and h.side is not None for h in spots)
    # The sun depends on the date asked: added per request, never stored.
    assert all(h.sun is None and h.sun_behind_at_sunset is None for h in spots)


def test_stored_answers_are_sorted_and_filtered_searches_are_live(tables, db, stored):
    from snapassist.web import create_app

    broad = max(stored.phrases, key=lambda p: db.count_search_results(p))
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tables,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": MIN_PHOTOS})
    client = app.test_client()
    base = client.get("/api/search", query_string={"q": broad}).get_json()["clusters"]
    people = client.get("/api/search", query_string={"q": broad, "sort": "photographers"}
                        ).get_json()["clusters"]
    assert sorted(c["photo_ids"] for c in people) == sorted(c["photo_ids"] for c in base)
    assert [c["n_owners"] for c in people] == sorted((c["n_owners"] for c in base), reverse=True)
    assert [c["rank"] for c in people] == list(range(1, len(base) + 1))
    # Filtered, the broad subject is counted again and answered live (here:
    # too broad for the budget), never with the stored answer of all photos.
    month = int(db.photos["month"].iloc[db.match(broad)].mode().iloc[0])
    n_month = db.count_search_results(broad, months=[month])
    assert MIN_PHOTOS < n_month < db.count_search_results(broad)
    body = client.get("/api/search", query_string={"q": broad, "months": month}).get_json()
    assert body["too_broad"] and body["n_photos"] == n_month


def test_a_stored_answer_keeps_the_phrase_as_typed(stored, db):
    phrase = "  CN Tower! "
    answer = stored.get(phrase)
    assert answer is not None and answer.phrase == "cn tower"
    assert_same_answer(load_answer(answer, phrase.strip()), live(db, phrase), answer)
    assert stored.get("no such subject") is None and stored.get("!!!") is None


def test_not_enough_photos_is_an_answer_too(db):
    photos = db.get_search_results("cn tower", columns=list(USED_COLUMNS))
    quiet = photos[photos["views"] <= db.views_percentile]
    with pytest.raises(NotEnoughPhotosError) as want:
        find_spots(quiet, db.views_percentile, query="CN tower")
    answer = compute_answer(quiet, db.views_percentile, "cn tower")
    with pytest.raises(NotEnoughPhotosError) as got:
        answer.to_result("CN tower")
    assert (str(got.value), got.value.n_photos) == (str(want.value), want.value.n_photos)


def test_a_broad_answer_draws_every_spot_photo_and_a_sample_of_the_rest(db):
    photos = db.get_search_results("toronto", columns=list(USED_COLUMNS))
    expected = find_spots(photos, db.views_percentile, query="toronto")
    answer = compute_answer(photos, db.views_percentile, "toronto", background_sample=50)
    again = compute_answer(photos, db.views_percentile, "toronto", background_sample=50)
    pd.testing.assert_frame_equal(answer.points, again.points)
    loaded = answer.to_result("toronto")
    in_spot = expected.photo_rank >= 0
    assert answer.n_background == int((~in_spot).sum()) > 50
    assert answer.n_background_drawn == 50
    got = loaded.photo_rank >= 0
    for name in ("latitudes", "longitudes", "photo_rank"):
        np.testing.assert_array_equal(getattr(loaded, name)[got], getattr(expected, name)[in_spot])
    background = set(zip(expected.latitudes[~in_spot], expected.longitudes[~in_spot]))
    assert set(zip(loaded.latitudes[~got], loaded.longitudes[~got])) <= background
    assert_same(loaded.spots, expected.spots)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_reduced_reachability_draws_the_same_plot(seed):
    rng = np.random.default_rng(seed)
    n = 2345
    reach = rng.exponential(100.0, n)
    reach[rng.choice(n, 7, replace=False)] = np.inf
    ranks = rng.integers(-1, 4, n)
    whole = SpotsAnswer(query="q", n_photos=n, spots=[], latitudes=np.zeros(n),
                          longitudes=np.zeros(n), photo_rank=ranks, reachability=reach,
                          reachability_rank=ranks)
    tops, bar_ranks = reduce_reachability(reach, ranks, 800)
    reduced = dataclasses.replace(whole, reachability=tops, reachability_rank=bar_ranks)
    got, want = build_reachability_plot(reduced), build_reachability_plot(whole)
    assert (got.bars, got.top_m) == (want.bars, want.top_m)


@dataclasses.dataclass
class _Outsider:
    value: int


def test_encoding_gives_back_equal_values():
    value = {"a": [1, 2.5, None, "x"], "t": (1, (2, 3)), "nan": float("nan"),
             "inf": -np.inf, "i": np.int64(7), "f": np.float32(0.5),
             "arr": np.arange(4, dtype=np.int16), "keys": {1: "one"}, "__x": 1,
             "obj": Subject(phrase=("a", np.float64(1.5)), n_photos={"__y": [2]})}
    back = decode(encode(value))
    value["i"], value["f"] = 7, 0.5
    assert_same(back, value)


def test_only_snapassist_classes_are_rebuilt():
    with pytest.raises(TableError, match="names the class .*_Outsider', outside snapassist"):
        decode(encode(_Outsider(1)))


def test_stale_answers_are_never_served_and_said_so_once(stored, tables, db, monkeypatch,
                                                         caplog):
    assert len(StoredAnswers.open(tables, db)) == len(stored) > 0
    other = Settings(trim_factor=Settings().trim_factor + 0.5)
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        changed = StoredAnswers.open(tables, db, settings=other)
        assert [changed.get(p) for p in stored.phrases] == [None] * len(stored)
    assert not changed.fresh and len(changed) == 0
    assert len(caplog.records) == 1
    assert "stale (config changed" in caplog.records[0].getMessage()


def test_answers_of_other_tables_are_not_served(stored, tables, db, tmp_path, caplog):
    other = copy_tables(tables, tmp_path / "t")
    master = other / config.MASTER_TABLE_PROCESSED
    os.utime(master, ns=(master.stat().st_atime_ns, master.stat().st_mtime_ns + 10**9))
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        assert len(StoredAnswers.open(other, db)) == 0
    assert "stale (tables changed" in caplog.text
    # The same tables elsewhere (times kept) are served.
    assert len(StoredAnswers.open(copy_tables(tables, tmp_path / "same"), db)) == len(stored)


def test_a_failing_subject_is_named_and_the_others_are_stored(tables, db, cluster, tmp_path,
                                                              caplog):
    out = tmp_path / "answers.hdf5"

    def fail_on_sunset(photos, views_threshold, phrase):
        if phrase == "sunset":
            raise MemoryError("pretend the worker ran out of memory")
        return compute_answer(photos, views_threshold, phrase)

    with caplog.at_level(logging.ERROR, logger="snapassist"):
        report = precompute_folder(tables, MIN_PHOTOS, scheduler=cluster, output=out,
                                   database=db, answer_fn=fail_on_sunset)
    assert report.failed == {"sunset": "MemoryError: pretend the worker ran out of memory"}
    assert "'sunset'" in caplog.text
    answers, _ = read_answers(out)
    assert set(answers) == set(report.subjects) - {"sunset"}
    # Run again: only the failed subject is computed.
    report = precompute_folder(tables, MIN_PHOTOS, scheduler=cluster, output=out, database=db)
    assert report.ok and report.computed == ["sunset"]
    assert set(read_answers(out)[0]) == set(report.subjects)
    assert not out.with_name(out.name + ".parts").exists()


def _manifest_count(parts):
    import json

    try:
        return len(json.loads((parts / "manifest.json").read_text())["done"])
    except (OSError, ValueError, KeyError):
        return 0


def assert_same_files(a, b):
    got, got_attrs = read_answers(a)
    want, want_attrs = read_answers(b)
    assert got_attrs == want_attrs and got.keys() == want.keys()
    for phrase in want:
        assert_same(got[phrase].fields, want[phrase].fields, phrase)
        for name in ("phrase", "n_photos", "error", "n_background", "reach_reduced"):
            assert getattr(got[phrase], name) == getattr(want[phrase], name)
        pd.testing.assert_frame_equal(got[phrase].points, want[phrase].points)
        pd.testing.assert_frame_equal(got[phrase].reach, want[phrase].reach)


@pytest.mark.slow
def test_a_killed_run_resumes_and_gives_the_same_file(tables, cluster, tmp_path):
    whole = copy_tables(tables, tmp_path / "whole")
    killed = copy_tables(tables, tmp_path / "killed")
    (killed / config.PRECOMPUTED_ANSWERS).unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "snapassist", "precompute", str(killed),
               "--workers", "2", "--min-photos", str(MIN_PHOTOS_MANY), "-q"]
    # Its own session, so that its Dask workers die with it.
    run = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parts = killed / (config.PRECOMPUTED_ANSWERS + ".parts")
    deadline = time.monotonic() + 600
    try:
        while _manifest_count(parts) < 5 and run.poll() is None:
            assert time.monotonic() < deadline, "the run recorded no subject in 10 minutes"
            time.sleep(0.05)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        out, err = run.communicate()
    assert run.returncode == -signal.SIGKILL, err.decode()
    n_done = _manifest_count(parts)
    # Every subject, and the city's atlas.
    n_subjects = len(list_subjects(FlickrPhotosDatabase.from_folder(killed), MIN_PHOTOS_MANY)) + 1
    assert 5 <= n_done < n_subjects
    assert not (killed / config.PRECOMPUTED_ANSWERS).exists()

    report = precompute_folder(killed, MIN_PHOTOS_MANY, scheduler=cluster)
    assert report.ok and len(report.reused) == n_done
    assert len(report.computed) == n_subjects - n_done
    assert precompute_folder(whole, MIN_PHOTOS_MANY, scheduler=cluster).ok
    assert_same_files(killed / config.PRECOMPUTED_ANSWERS, whole / config.PRECOMPUTED_ANSWERS)


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("argv, message", [
    (["{missing}"], "the tables folder '{missing}' does not exist"),
    (["{tables}", "--workers", "0"], "argument --workers: must be at least 1, got '0'"),
    (["{tables}", "--workers", "two"], "expected a whole number, got 'two'"),
    (["{tables}", "--min-photos", "-5"], "must be at least 0, got '-5'"),
    (["{tables}", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with"),
    (["{tables}", "--scheduler", "tcp://127.0.0.1:{port}"],
     "cannot reach the Dask scheduler 'tcp://127.0.0.1:{port}' within 1 s"),
])
def test_bad_arguments_exit_with_status_2(argv, message, tmp_path, demo_folder, monkeypatch,
                                          capsys):
    monkeypatch.setattr(config, "PRECOMPUTE_CONNECT_TIMEOUT_S", 1)
    names = {"missing": tmp_path / "nope", "tables": demo_folder, "port": _closed_port()}
    try:
        status = cli.main(["precompute", *(a.format(**names) for a in argv)])
    except SystemExit as exc:      # argparse's own refusals
        status = exc.code
    assert status == 2
    assert message.format(**names) in capsys.readouterr().err
    assert not (demo_folder / config.PRECOMPUTED_ANSWERS).exists()


def test_the_web_app_serves_stored_answers_beyond_its_budget(tables, db, stored):
    """A subject too broad to cluster live is answered whole from the stored file."""
    from snapassist.web import create_app

    broad = max(stored.phrases, key=lambda p: db.count_search_results(p))
    n_broad = db.count_search_results(broad)
    budget = MIN_PHOTOS                         # every stored subject is above it
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tables,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": budget})
    client = app.test_client()
    answer = client.get("/api/search", query_string={"q": broad.upper()})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    expected = live(db, broad)
    assert body["n_photos"] == n_broad and body["query"] == broad.upper()
    assert [c["photo_ids"] for c in body["clusters"]] == \
        [h.photo_ids for h in expected.spots]
    page = client.get("/search", query_string={"q": broad}).get_data(as_text=True)
    assert f"{n_broad:,} matching photos" in page
    # A broad phrase that was not precomputed still gets the budget's answer.
    combo = f"{broad} {broad}"
    if db.count_search_results(combo) > budget and combo not in stored:
        assert client.get("/api/search", query_string={"q": combo}).get_json()["too_broad"]


def test_the_page_says_when_its_map_shows_a_sample(tables, db, stored, monkeypatch):
    from snapassist.precompute._answer import compute_answer as compute
    from snapassist.web import create_app

    broad = max(stored.phrases, key=lambda p: db.count_search_results(p))
    photos = db.get_search_results(broad, columns=[c for c in USED_COLUMNS
                                                   if c in db.photos.columns])
    small = compute(photos, db.views_percentile, broad, background_sample=10)
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tables,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": MIN_PHOTOS})
    holder = app.extensions["snapassist_tables"]
    holder.get()
    monkeypatch.setattr(holder, "stored_answer", lambda phrase: small.to_result(phrase.strip()))
    page = app.test_client().get("/search", query_string={"q": broad}).get_data(as_text=True)
    shown = len(small.points)
    assert shown < len(photos)
    assert f"The map shows {shown:,} of the {len(photos):,} photos" in page


def test_listing_and_computing_subjects_never_reads_the_photo_table(tables, cluster, tmp_path,
                                                                    monkeypatch):
    # At a million photos the whole table takes tens of seconds and GBs to
    # read; the tag index and the search file's columns are all it needs.
    database = FlickrPhotosDatabase.from_folder(tables)

    def refuse(self):
        raise AssertionError("the whole photo table was read")

    monkeypatch.setattr(FlickrPhotosDatabase, "photos", property(refuse))
    subjects = list_subjects(database, MIN_PHOTOS)
    assert subjects and all(s.n_photos > MIN_PHOTOS for s in subjects)
    assert [s.n_photos for s in subjects] == sorted((s.n_photos for s in subjects), reverse=True)
    assert all(database.count_search_results(s.phrase) == s.n_photos for s in subjects)
    report = precompute_folder(tables, min_photos=MIN_PHOTOS, scheduler=cluster,
                               output=tmp_path / "answers.hdf5", database=database)
    # Every subject, and the atlas of every photo, from the search file alone.
    assert report.ok and sorted(report.computed) == sorted([s.phrase for s in subjects]
                                                           + [ATLAS_KEY])


def test_the_code_fingerprint_covers_every_module_an_answer_depends_on():
    # Stored answers are served only while the code that computed them is
    # unchanged: every module the computation imports must be hashed.
    import ast
    from pathlib import Path

    import snapassist
    from snapassist.precompute._files import answer_code_files

    package = Path(snapassist.__file__).parent
    hashed = {path.relative_to(package).as_posix() for path in answer_code_files()}
    # Not hashed, for a reason: the method's settings are fingerprinted as
    # values; errors and io hold no part of the method.
    exempt = {"config.py", "settings.py", "errors.py", "io.py", "__init__.py"}

    def imports(rel):
        path = package / rel
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = Path(rel).parent
                for _ in range(node.level - 1):
                    base = base.parent
                names = [node.module] if node.module else [a.name for a in node.names]
                for name in names:
                    target = base.joinpath(*name.split("."))
                    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
                        if (package / candidate).is_file():
                            yield candidate.as_posix()

    seen, todo = set(), ["precompute/_answer.py", "search/_answer.py", "spots/__init__.py"]
    while todo:
        rel = todo.pop()
        if rel not in seen:
            seen.add(rel)
            todo.extend(imports(rel))
    missing = sorted(seen - exempt - hashed)
    assert not missing, f"modules an answer depends on but the fingerprint ignores: {missing}"
    # Whole packages are hashed: a module added to one later is covered too.
    assert {"spots/_find.py", "spots/_selection.py", "search/_tagindex.py"} <= hashed
