"""The demo tables the web app serves by default: built once, safely, under a lock."""
import multiprocessing
import os

import pytest

from snapassist import config
from snapassist.demo import ensure_demo_tables, resolve_tables
from snapassist.errors import ConfigError


def _build(cache_dir, queue):
    queue.put(str(ensure_demo_tables(cache_dir, n_photos=1500, seed=3)))


def test_demo_tables_built_once_under_concurrency(tmp_path):
    """Several processes (gunicorn workers) asking at once get one finished build."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_build, args=(tmp_path, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    folders = {queue.get(timeout=5) for _ in procs}
    assert len(folders) == 1
    folder = folders.pop()
    assert config.has_tables(folder)
    assert (os.path.exists(os.path.join(folder, config.DEMO_MARKER)))
    leftovers = [n for n in os.listdir(tmp_path) if n.startswith(".demo-build-")]
    assert leftovers == []
    mtime = os.path.getmtime(os.path.join(folder, config.MASTER_TABLE_PROCESSED))
    assert str(ensure_demo_tables(tmp_path, n_photos=1500, seed=3)) == folder
    assert os.path.getmtime(os.path.join(folder, config.MASTER_TABLE_PROCESSED)) == mtime


def test_resolve_falls_back_to_demo(no_tables_env):
    folder, is_demo = resolve_tables(cwd=no_tables_env)
    assert is_demo and config.has_tables(folder)


def test_unwritable_cache_dir_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot create the cache folder"):
        ensure_demo_tables(blocker / "sub", n_photos=100)


@pytest.mark.slow
def test_the_demo_cache_comes_with_its_broad_subjects_precomputed(tmp_path, monkeypatch):
    from snapassist.search import FlickrPhotosDatabase
    from snapassist.precompute import StoredAnswers

    # 3,000 photos: with a budget of 1,000, only the broadest tags are stored.
    monkeypatch.setenv("SNAPASSIST_LIVE_MAX_PHOTOS", "1000")
    folder = ensure_demo_tables(tmp_path, n_photos=3000, seed=3)
    db = FlickrPhotosDatabase.from_folder(folder)
    stored = StoredAnswers.open(folder, db)
    assert "toronto" in stored.phrases
    assert all(db.count_search_results(p) > 1000 for p in stored.phrases)
    answer = stored.get("toronto").to_result("toronto")
    assert answer.n_photos == db.count_search_results("toronto")


def test_a_demo_whose_precompute_fails_still_builds(tmp_path, monkeypatch, caplog):
    import snapassist.precompute

    def broken(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(snapassist.precompute, "precompute_folder", broken)
    folder = ensure_demo_tables(tmp_path, n_photos=1500, seed=3)
    assert config.has_tables(folder)
    assert "could not precompute the demo's broad subjects" in caplog.text
