"""Settings from the environment and the demo-table cache."""
import multiprocessing
import os

import pytest

from snapassist import config
from snapassist.errors import ConfigError


@pytest.mark.parametrize("suffix", ["", "/"])
def test_tables_folder_with_or_without_trailing_slash(tmp_path, suffix):
    env = {config.ENV_TABLES_FOLDER: str(tmp_path) + suffix}
    assert config.get_tables_folder(env) == tmp_path


def test_unset_tables_folder_is_none():
    assert config.get_tables_folder({}) is None
    assert config.get_tables_folder({config.ENV_TABLES_FOLDER: "  "}) is None


def test_missing_tables_folder_is_named(tmp_path):
    env = {config.ENV_TABLES_FOLDER: str(tmp_path / "gone")}
    with pytest.raises(ConfigError, match="gone.*not a folder"):
        config.get_tables_folder(env)


def test_folder_without_tables_is_refused(tmp_path):
    env = {config.ENV_TABLES_FOLDER: str(tmp_path)}
    with pytest.raises(ConfigError, match="holds no master_table_processed"):
        config.resolve_tables(env)


def test_configured_folder_wins(tmp_path):
    (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(b"")
    assert config.resolve_tables({config.ENV_TABLES_FOLDER: str(tmp_path)}) == (tmp_path, False)


def test_current_folder_with_tables_is_used(tmp_path):
    (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(b"")
    assert config.resolve_tables({}, cwd=tmp_path) == (tmp_path, False)


def test_cache_dir_from_env(tmp_path):
    assert config.get_cache_dir({config.ENV_CACHE_DIR: str(tmp_path)}) == tmp_path
    assert config.get_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "snapassist"


def _build(cache_dir, queue):
    queue.put(str(config.ensure_demo_tables(cache_dir, n_photos=1500, seed=3)))


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
    assert str(config.ensure_demo_tables(tmp_path, n_photos=1500, seed=3)) == folder
    assert os.path.getmtime(os.path.join(folder, config.MASTER_TABLE_PROCESSED)) == mtime


def test_resolve_falls_back_to_demo(no_tables_env):
    folder, is_demo = config.resolve_tables(cwd=no_tables_env)
    assert is_demo and config.has_tables(folder)


def test_unwritable_cache_dir_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot create the cache folder"):
        config.ensure_demo_tables(blocker / "sub", n_photos=100)
