"""Safe to operate, serving side: tables replaced or broken under a running app (issue 21)."""
import faulthandler
import gc
import logging
import os
import re
import shutil
import signal
import sys

import pytest

from snapassist import cli, config
from snapassist.errors import ConfigError
from snapassist.web import create_app
from snapassist.web._checks import check_search_header, inspect_tables, without_paths
from snapassist.web.slots import SearchProcesses, SearchProcessLost

SEARCH_FILE = "master_table_processed.search"
SEARCH = "/api/search?q=cn+tower"


def copy_tables(source, target):
    """A copy of a folder of tables (files of their own, so changing them changes only these)."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture
def tables(tmp_path, demo_folder):
    return copy_tables(demo_folder, tmp_path / "tables")


def serve(folder, **extra):
    return create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": folder, **extra}).test_client()


def spots(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(s["latitude"], s["longitude"]) for s in response.get_json()["spots"]]


def search_file_mapped(folder):
    """Whether this process maps ``folder``'s search file (Linux's own account of it)."""
    with open("/proc/self/maps") as maps:
        return str((folder / SEARCH_FILE).resolve()) in maps.read()


# --- files replaced or changed under a running app ---------------------------

def test_a_search_file_truncated_in_place_is_never_read_again(tables, caplog):
    client = serve(tables)
    before = spots(client.get(SEARCH))
    with open(tables / SEARCH_FILE, "wb"):        # `: > file`: the same inode, now empty
        pass
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        after = client.get("/api/search?q=cn+tower&sort=photographers")
    # Loaded again, from the table itself (no search file): the same spots.
    assert sorted(spots(after)) == sorted(before)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"{SEARCH_FILE} changed since loaded: loading again" in logged


def test_a_table_replaced_by_rename_is_served_and_a_broken_one_is_a_503(tables, demo_folder):
    client = serve(tables)
    before = spots(client.get(SEARCH))
    holder = client.application.extensions["snapassist_tables"]
    first = holder.get()
    # The operator's way: a new file beside the old one, renamed over it.
    shutil.copy(demo_folder / config.MASTER_TABLE_PROCESSED, tables / "new.hdf5")
    os.replace(tables / "new.hdf5", tables / config.MASTER_TABLE_PROCESSED)
    assert sorted(spots(client.get(SEARCH + "&sort=photographers"))) == sorted(before)
    assert holder.get() is not first
    # Changed files are reported until the next use loads them again.
    assert client.get("/healthz").get_json()["changed"] is False
    os.utime(tables / config.MASTER_TABLE_PROCESSED, ns=(0, 0))
    assert client.get("/healthz").get_json() == {"status": "ok", "tables_loaded": True,
                                                 "changed": True}
    spots(client.get(SEARCH + "&sort=admired"))
    assert client.get("/healthz").get_json()["changed"] is False
    # A broken one (truncated in place): 503 naming the file, and /healthz says so.
    with open(tables / config.MASTER_TABLE_PROCESSED, "r+b") as handle:
        handle.truncate(4096)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unusable"
    assert health.get_json()["problem"].startswith(
        f"{config.MASTER_TABLE_PROCESSED} cannot be read")
    for url in (SEARCH + "&months=6", "/search?q=cn+tower&months=6"):
        answer = client.get(url)
        assert answer.status_code == 503
        assert config.MASTER_TABLE_PROCESSED in answer.get_data(as_text=True)
        assert str(tables) not in answer.get_data(as_text=True)
    # Put right by a rename: served again.
    shutil.copy(demo_folder / config.MASTER_TABLE_PROCESSED, tables / "new.hdf5")
    os.replace(tables / "new.hdf5", tables / config.MASTER_TABLE_PROCESSED)
    assert client.get("/healthz").status_code == 200
    assert sorted(spots(client.get(SEARCH + "&months=6,7,8"))) == sorted(
        spots(serve(demo_folder).get(SEARCH + "&months=6,7,8")))


def test_a_dead_search_process_is_a_503_at_once_and_the_pool_goes_on(tables):
    """A SIGBUS in a search process (a mapping truncated under it) must not hang its request."""
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tables})
    processes = SearchProcesses(app, 1)
    try:
        with pytest.raises(SearchProcessLost, match="search process stopped.*try again"):
            processes.run(_die)
        assert processes.run(_twice, 21) == 42
    finally:
        processes.close()


def _die():
    faulthandler.disable()          # pytest's: it would print this process's stack
    os.kill(os.getpid(), signal.SIGBUS)


def _twice(n):
    return 2 * n


# --- broken tables at start-up ----------------------------------------------

@pytest.fixture
def two_cities(tmp_path, demo_folder):
    """``good/`` and ``broken/`` (its master table truncated), nothing at the root."""
    root = tmp_path / "cities"
    copy_tables(demo_folder, root / "good")
    copy_tables(demo_folder, root / "broken")
    with open(root / "broken" / config.MASTER_TABLE_PROCESSED, "r+b") as handle:
        handle.truncate(10_000)
    return root


def test_a_broken_city_is_skipped_and_every_other_serves(two_cities, caplog):
    with caplog.at_level(logging.INFO, logger="snapassist"):
        client = serve(two_cities)
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("cannot be served: master_table_processed.hdf5 cannot be read" in r.getMessage()
               for r in logged)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/good/"' in home and 'href="/broken/"' not in home
    assert "unavailable: master_table_processed.hdf5 cannot be read" in home
    for url in ("/broken/", "/broken/search?q=cn+tower", "/api/broken/search?q=cn+tower"):
        answer = client.get(url)
        assert answer.status_code == 503
        body = answer.get_data(as_text=True)
        assert "master_table_processed.hdf5 cannot be read" in body and str(two_cities) not in body
    assert spots(client.get("/api/good/search?q=cn+tower"))
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    assert health.get_json()["cities"] == {"count": 2, "loaded": 1, "changed": 0,
                                              "unusable": 1}
    assert list(health.get_json()["unusable"]) == ["broken"]
    assert client.get("/healthz?strict").status_code == 503


def test_a_broken_city_put_right_by_a_rename_serves_again(two_cities, demo_folder):
    client = serve(two_cities)
    assert client.get("/api/broken/search?q=cn+tower").status_code == 503
    shutil.copy(demo_folder / config.MASTER_TABLE_PROCESSED, two_cities / "broken" / "new.hdf5")
    os.replace(two_cities / "broken" / "new.hdf5",
               two_cities / "broken" / config.MASTER_TABLE_PROCESSED)
    assert spots(client.get("/api/broken/search?q=cn+tower"))
    assert client.get("/healthz?strict").status_code == 200


def test_a_single_folder_with_a_broken_table_refuses_to_start_in_one_line(two_cities, monkeypatch,
                                                                          capsys):
    broken = two_cities / "broken"
    with pytest.raises(ConfigError, match="cannot be served: master_table_processed.hdf5 "
                                          "cannot be read"):
        create_app({"SNAPASSIST_TABLES_FOLDER": broken})
    monkeypatch.setenv(config.ENV_TABLES_FOLDER, str(broken))
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "cannot be served" in lines[0]


def test_a_damaged_search_file_header_is_a_warning_not_a_refusal(tables, caplog):
    with open(tables / SEARCH_FILE, "r+b") as handle:
        handle.truncate(100)
    assert "is truncated" in check_search_header(tables / SEARCH_FILE)
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        client = serve(tables)
    assert any("read whole and indexed at load" in r.getMessage() for r in caplog.records)
    assert spots(client.get(SEARCH))


@pytest.mark.parametrize("content, problem", [
    (None, "master_table_processed.hdf5 is missing"),
    (b"", "cannot be read (truncated or not an HDF5 file)"),
    (b"not a table at all", "cannot be read (truncated or not an HDF5 file)"),
])
def test_inspect_tables_names_the_problem(tmp_path, content, problem):
    if content is not None:
        (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(content)
    info = inspect_tables(tmp_path)
    assert problem in info.problem and str(tmp_path) not in info.problem


def test_inspect_tables_reads_photos_and_place_without_loading(demo_folder):
    info = inspect_tables(demo_folder)
    assert info.problem is None and info.search_problem is None
    assert info.n_photos > 0 and info.place["city"] == "Toronto"


# --- no server paths in what visitors see ------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("the tables folder '/srv/snap/cities/x' does not exist",
     "the tables folder 'x' does not exist"),
    ("cannot read /var/lib/snap/master_table_processed.hdf5: gone",
     "cannot read master_table_processed.hdf5: gone"),
    ("see https://example.org/a/b and /api/x/search", "see https://example.org/a/b and search"),
    ("no path here", "no path here"),
])
def test_without_paths(text, shown):
    assert without_paths(text) == shown


def test_a_tables_folder_gone_after_start_is_a_503_without_its_path(tables):
    client = serve(tables)
    shutil.rmtree(tables)
    for url in (SEARCH, "/search?q=cn+tower"):
        answer = client.get(url)
        assert answer.status_code == 503 and str(tables) not in answer.get_data(as_text=True)
        assert "tables" in answer.get_data(as_text=True)


# --- at most N cities loaded per process --------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_a_process_keeps_at_most_its_share_of_cities_loaded(tmp_path, demo_folder):
    root = tmp_path / "cities"
    for slug in ("a", "b", "c"):
        copy_tables(demo_folder, root / slug)
    client = serve(root, SNAPASSIST_CITIES_LOADED=2)
    cities = client.application.extensions["snapassist_cities"]
    for slug in ("a", "b", "a", "c"):
        assert spots(client.get(f"/api/{slug}/search?q=cn+tower"))
    # b was used least recently: unloaded, its search file unmapped.
    assert [c.slug for c in cities if c.holder.loaded] == ["a", "c"]
    gc.collect()
    assert not search_file_mapped(root / "b")
    assert search_file_mapped(root / "a") and search_file_mapped(root / "c")
    assert client.get("/healthz").get_json()["cities"]["loaded"] == 2
    # And b comes back when asked, pushing out the least recent (a).
    assert spots(client.get("/api/b/search?q=cn+tower&months=6"))
    assert [c.slug for c in cities if c.holder.loaded] == ["b", "c"]
    # Gunicorn's preload loads as many as a process keeps, not every city.
    preloaded = serve(root, SNAPASSIST_CITIES_LOADED=2).application.extensions["snapassist_cities"]
    preloaded.get()
    assert preloaded.n_loaded == 2 and preloaded.loaded
    assert [c.slug for c in preloaded if c.holder.loaded] == ["a", "b"]    # same photos: by name


def test_searches_at_once_in_many_cities_stay_within_the_bound(tmp_path, demo_folder):
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path / "cities"
    slugs = ["a", "b", "c", "d"]
    for slug in slugs:
        copy_tables(demo_folder, root / slug)
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": root,
                      "SNAPASSIST_CITIES_LOADED": 2})
    cities = app.extensions["snapassist_cities"]

    def search(k):
        with app.test_client() as client:
            return client.get(f"/api/{slugs[k % 4]}/search?q=cn+tower&months={k % 12 + 1}")

    with ThreadPoolExecutor(6) as pool:
        statuses = [r.status_code for r in pool.map(search, range(24))]
    assert statuses == [200] * 24
    assert sum(c.holder.loaded for c in cities) == cities.n_loaded <= 2


@pytest.mark.parametrize("value", [0, -1, "8", 2.5, True])
def test_the_cities_loaded_must_be_a_whole_number(two_cities, value):
    with pytest.raises(ConfigError, match="SNAPASSIST_CITIES_LOADED must be a whole number"):
        serve(two_cities, SNAPASSIST_CITIES_LOADED=value)


def test_the_cities_loaded_comes_from_the_environment(two_cities, monkeypatch):
    monkeypatch.setenv("SNAPASSIST_CITIES_LOADED", "3")
    assert serve(two_cities).application.extensions["snapassist_cities"].max_loaded == 3
    monkeypatch.setenv("SNAPASSIST_CITIES_LOADED", "many")
    with pytest.raises(ConfigError, match="got 'many'"):
        serve(two_cities)


# --- logs ----------------------------------------------------------------------

def test_outside_gunicorn_the_log_goes_to_stderr_in_gunicorns_format(tables, capsys):
    from snapassist.web import log_to_gunicorn, log_to_stderr

    assert log_to_gunicorn() is False or "gunicorn" in sys.modules
    log_to_stderr()
    serve(tables).get(SEARCH)
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "loaded" in line)
    assert re.fullmatch(rf"\[\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{{4}}\] \[{os.getpid()}\] "
                        r"\[INFO\] snapassist\.web\.tables: Toronto: loaded \d+ photos in "
                        r"[\d.]+ s from .* \(search file\) \(synthetic demo\)", line), line
