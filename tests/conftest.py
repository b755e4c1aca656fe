"""Fixtures shared across the suite."""
import logging
import os
from pathlib import Path

import pytest

from snapassist import config

# Small enough to build in a few seconds, large enough to cluster.
DEMO_TEST_PHOTOS = 12000
DEMO_TEST_SEED = 7


@pytest.fixture(autouse=True)
def _restore_logging():
    """Undo what a command run in a test does to the ``snapassist`` logger.

    ``snapassist.cli`` sends the log to stderr and stops it propagating (so
    a command prints each message once); left so, a later test's ``caplog``
    would see nothing.
    """
    yield
    # Back to a library's default (not to a saved state: a module-scoped
    # fixture may have run a command before this test began).
    logger = logging.getLogger("snapassist")
    logger.handlers[:], logger.propagate = [], True
    logger.setLevel(logging.NOTSET)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory):
    """A folder of demo tables built once for the whole test session."""
    from snapassist.demo import build_demo_tables

    folder = tmp_path_factory.mktemp("demo-tables")
    build_demo_tables(folder, n_photos=DEMO_TEST_PHOTOS, seed=DEMO_TEST_SEED)
    return folder


@pytest.fixture(scope="session")
def demo_db(demo_folder):
    """A FlickrPhotosDatabase over the session's demo tables."""
    from snapassist.search import FlickrPhotosDatabase

    return FlickrPhotosDatabase.from_folder(demo_folder)


@pytest.fixture
def no_tables_env(monkeypatch, tmp_path):
    """An environment with no tables folder configured and an empty cwd."""
    monkeypatch.delenv(config.ENV_TABLES_FOLDER, raising=False)
    monkeypatch.setenv(config.ENV_CACHE_DIR, str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def database(demo_db):
    """The tables a test's app serves: the demo by default; a test module may override it."""
    return demo_db


@pytest.fixture
def app_config():
    """Extra Flask config for the test's app (override in a module to change settings)."""
    return {}


@pytest.fixture
def app(database, app_config):
    """The web app over ``database`` in testing mode (the Flask tutorial's fixture)."""
    from snapassist.web import create_app

    return create_app({"TESTING": True, "SNAPASSIST_DATABASE": database, **app_config})


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture(scope="session")
def cluster():
    """The address of a Dask LocalCluster of 2 single-thread worker processes.

    Its workers import this checkout and its tests (functions of a test
    module are sent to them by name), through ``PYTHONPATH``, restored after.
    """
    from dask.distributed import LocalCluster

    repo = Path(__file__).resolve().parents[1]
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), str(repo / "tests"),
                                                             old]))
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=":0") as local:
            yield local.scheduler_address
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
