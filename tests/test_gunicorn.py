"""`gunicorn snapassist.web:app` as a real server, spoken to over HTTP."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from snapassist import config
from snapassist.errors import ConfigError
from snapassist.web import gunicorn_conf

REPO = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=60):
    """``(status, body text)`` of a GET, HTTP errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def start_gunicorn(folder, port, log_path, *extra, env=None):
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder), **(env or {}),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = open(log_path, "w")
    # No control socket: its default path is shared by every gunicorn of the user.
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "120", "--no-control-socket", *extra, "snapassist.web:app"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def wait_until_up(proc, base, log_path, seconds=60):
    """The first ``/healthz`` answer ``(status, body)``, once gunicorn listens."""
    deadline = time.monotonic() + seconds
    while True:
        assert proc.poll() is None, log_path.read_text()
        try:
            return fetch(base + "/healthz", timeout=10)
        except OSError:  # refused, reset or timed out while workers boot
            assert time.monotonic() < deadline, f"gunicorn did not answer in {seconds} s"
            time.sleep(0.3)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("preload", [False, True])
def test_gunicorn_serves_the_app(demo_folder, tmp_path, preload):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    extra = ["--preload"] if preload else []
    proc = start_gunicorn(demo_folder, port, tmp_path / "gunicorn.log", *extra)
    try:
        status, body = wait_until_up(proc, base, tmp_path / "gunicorn.log")
        assert status == 200 and json.loads(body)["status"] == "ok"
        # Preloaded: the master loaded the tables before forking the workers.
        assert json.loads(body)["tables_loaded"] is preload

        status, body = fetch(base + "/")
        assert status == 200 and "What are you looking to photograph in Toronto?" in body

        status, body = fetch(base + "/api/search?" + urllib.parse.urlencode({"q": "cn tower"}))
        answer = json.loads(body)
        assert status == 200 and answer["demo"] is True and answer["clusters"]
        assert answer["clusters"][0]["rank"] == 1

        status, body = fetch(base + "/search?q=cn+tower")
        assert status == 200 and "Spot #1" in body and 'class="sa-spot"' in body

        status, body = fetch(base + "/search?q=%21%21")
        assert status == 200 and "no letters or digits" in body
        status, body = fetch(base + "/api/search")
        assert status == 400 and "error" in json.loads(body)
    finally:
        stop(proc)


@pytest.mark.slow
def test_gunicorn_refuses_a_missing_folder(tmp_path):
    missing = tmp_path / "no-such-tables"
    # The documented configuration: the master loads the app and refuses
    # before any worker forks. (Without preloading each worker refuses, and
    # two workers failing together can make gunicorn itself print a
    # traceback of its own halt.)
    proc = start_gunicorn(missing, free_port(), tmp_path / "gunicorn.log",
                          "-c", "python:snapassist.web.gunicorn_conf")
    try:
        code = proc.wait(timeout=60)
    finally:
        stop(proc)
    log = (tmp_path / "gunicorn.log").read_text()
    assert code != 0
    # One line saying what to fix, not a traceback.
    assert "cannot start: " in log and str(missing) in log
    assert "Traceback" not in log


# --- the README's deployment: gunicorn -c python:snapassist.web.gunicorn_conf ---

def test_settings_follow_the_cores_unless_overridden():
    cores = len(os.sched_getaffinity(0))
    settings = gunicorn_conf.build_settings({})
    assert settings["worker_class"] == "gthread" and settings["preload_app"] is True
    assert settings["workers"] == cores
    assert settings["threads"] == gunicorn_conf.DEFAULT_THREADS
    assert settings["search_slots"] == gunicorn_conf.DEFAULT_SEARCH_SLOTS
    # Long enough a request line for the app's own 414 to answer over-long queries.
    from snapassist.web.security import MAX_QUERY_BYTES

    assert settings["limit_request_line"] == 8190 > MAX_QUERY_BYTES + 100
    assert settings["switch_interval_ms"] == gunicorn_conf.DEFAULT_SWITCH_INTERVAL_MS == 1
    assert gunicorn_conf.build_settings(
        {"SNAPASSIST_SWITCH_INTERVAL_MS": "5"})["switch_interval_ms"] == 5
    assert gunicorn_conf.build_settings({"WEB_CONCURRENCY": "3"})["workers"] == 3
    settings = gunicorn_conf.build_settings({
        "WEB_CONCURRENCY": "3", "SNAPASSIST_WORKERS": "5", "SNAPASSIST_THREADS": "7",
        "SNAPASSIST_SEARCH_SLOTS": "1", "SNAPASSIST_TIMEOUT": "90", "SNAPASSIST_PRELOAD": "no"})
    assert (settings["workers"], settings["threads"], settings["search_slots"],
            settings["timeout"], settings["preload_app"]) == (5, 7, 1, 90, False)


@pytest.mark.parametrize("name, value, rule", [
    ("SNAPASSIST_THREADS", "many", "a whole number of at least 1"),
    ("SNAPASSIST_WORKERS", "0", "a whole number of at least 1"),
    ("SNAPASSIST_SEARCH_SLOTS", "-2", "a whole number of at least 1"),
    ("SNAPASSIST_TIMEOUT", "1.5", "a whole number of at least 1"),
    ("SNAPASSIST_SWITCH_INTERVAL_MS", "0", "a whole number of at least 1"),
    ("SNAPASSIST_PRELOAD", "maybe", "1/true/yes/on or 0/false/no/off"),
])
def test_bad_settings_name_the_variable_and_value(name, value, rule):
    with pytest.raises(ConfigError, match=f"{name} must be {rule}, got '{value}'"):
        gunicorn_conf.build_settings({name: value})


# A config file of the test's own: ours, plus a gate inside the search itself
# (snapassist.search.answer, which the worker's search processes call) that
# records each search entering it and holds it until the test says go.
# Searches then stay busy for as long as the test needs, without any timing.
# The gate is set before the worker forks its search processes, so they have it.
GATED_CONF = '''
import os
import threading
import time

from snapassist import search as _search
from snapassist.web import gunicorn_conf as _ours
from snapassist.web.gunicorn_conf import *  # noqa: F401,F403

_GATE = {gate!r}
_answer = _search.answer


def _gated(*args, **kwargs):
    name = f"entered-{{os.getpid()}}-{{threading.get_ident()}}-{{time.monotonic_ns()}}"
    open(os.path.join(_GATE, name), "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(os.path.join(_GATE, "go")) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _answer(*args, **kwargs)


def post_worker_init(worker):
    _search.answer = _gated
    _ours.post_worker_init(worker)
'''


@pytest.mark.slow
def test_one_worker_runs_no_more_searches_than_its_slots_across_cities(demo_folder, tmp_path):
    cities = tmp_path / "cities"
    cities.mkdir()
    for city in ("toronto", "copy"):
        (cities / city).symlink_to(demo_folder, target_is_directory=True)
    gate = tmp_path / "gate"
    gate.mkdir()
    (tmp_path / "gated_conf.py").write_text(GATED_CONF.format(gate=str(gate)))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    slots, threads = 2, 16
    # The README's line, with the gated copy of the config module.
    # One worker: which worker accepts a connection is the kernel's choice, and
    # with two a test could not be sure to make both busy; the claim is per
    # worker (its slots full, more searches queued, /healthz still answered).
    proc = start_gunicorn(cities, port, log_path, "-c", str(tmp_path / "gated_conf.py"),
                          "--workers", "1",
                          env={"SNAPASSIST_SEARCH_SLOTS": str(slots),
                               "SNAPASSIST_THREADS": str(threads)})
    pool = ThreadPoolExecutor(threads)
    try:
        status, body = wait_until_up(proc, base, log_path)
        # Preloaded by the config file alone: the master loaded every city.
        health = json.loads(body)
        assert status == 200 and health["tables_loaded"] is True
        assert health["searches"] == {"slots": slots, "busy": 0, "waiting": 0}
        assert "Using worker: gthread" in log_path.read_text()

        def entered():
            """Searches inside the gate, per search process."""
            counts = {}
            for path in gate.glob("entered-*"):
                pid = path.name.split("-")[1]
                counts[pid] = counts.get(pid, 0) + 1
            return counts

        # Each city's page and API, in turn, each a search of its own (the
        # same search asked twice at once is computed once).
        asked = [("/toronto/search", "cn tower"), ("/api/copy/search", "skyline"),
                 ("/api/toronto/search", "sunset"), ("/copy/search", "graffiti"),
                 ("/toronto/search", "skyline"), ("/api/copy/search", "cn tower"),
                 ("/api/toronto/search", "graffiti"), ("/copy/search", "sunset")]
        urls = [base + path + "?" + urllib.parse.urlencode({"q": q}) for path, q in asked]
        searches = []
        # The worker's slots all taken, and more searches waiting for them.
        while not (sum(entered().values()) >= slots and len(searches) >= slots + 3):
            assert len(searches) < len(urls), f"the worker never got busy: {entered()}"
            before = sum(entered().values())
            searches.append(pool.submit(fetch, urls[len(searches) % len(urls)], 150))
            # Pacing only (a search sent to a full worker never enters): give
            # it a moment to enter before deciding whether to send another.
            deadline = time.monotonic() + 3
            while sum(entered().values()) == before and time.monotonic() < deadline:
                time.sleep(0.05)

        # Every search the worker holds is one of the slots or waits for one.
        deadline = time.monotonic() + 30
        while True:
            status, body = fetch(base + "/healthz", timeout=30)
            assert status == 200 and json.loads(body)["status"] == "ok"
            if json.loads(body)["searches"]["waiting"] == len(searches) - slots:
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.05)
        assert json.loads(body)["searches"] == {
            "slots": slots, "busy": slots, "waiting": len(searches) - slots}
        status, body = fetch(base + "/toronto/")
        assert status == 200 and "What are you looking to photograph" in body
        assert not any(s.done() for s in searches)   # every search still held
        # The worker ran no more searches at once than its slots, one in each
        # of its search processes: the others wait.
        assert list(entered().values()) == [1] * slots and len(searches) > slots

        (gate / "go").touch()
        for search in searches:
            status, body = search.result(timeout=150)
            assert status in (200, 400), body[:300]        # the API's 400: too few photos
        assert sum(entered().values()) == len(searches)
        assert "WORKER TIMEOUT" not in log_path.read_text()

        # A query string longer than the app serves reaches the app, whose
        # API answers its own JSON 414 (gunicorn's request line allows it).
        status, body = fetch(base + "/api/toronto/search?q=" + "x" * 5000)
        assert status == 414 and json.loads(body)["status"] == 414
    finally:
        (gate / "go").touch()
        pool.shutdown(wait=False, cancel_futures=True)
        stop(proc)


@pytest.mark.slow
def test_gunicorn_config_loads_the_tables_before_listening(tmp_path):
    # An HDF5 signature is not enough: the start-up check opens the table.
    folder = tmp_path / "bad-tables"
    folder.mkdir()
    (folder / config.MASTER_TABLE_PROCESSED).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 600)
    log_path = tmp_path / "gunicorn.log"
    proc = start_gunicorn(folder, free_port(), log_path,
                          "-c", "python:snapassist.web.gunicorn_conf")
    try:
        code = proc.wait(timeout=60)
    finally:
        stop(proc)
    log = log_path.read_text()
    assert code != 0
    lines = [line for line in log.splitlines() if "cannot start" in line]
    assert len(lines) == 1 and "[CRITICAL]" in lines[0] and str(folder) in lines[0]
    assert "master_table_processed.hdf5 cannot be read" in lines[0]
    assert "Traceback" not in log and "Booting worker" not in log


@pytest.mark.slow
def test_without_preload_a_worker_loads_its_tables_before_forking_its_searches(demo_folder,
                                                                               tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    proc = start_gunicorn(demo_folder, port, log_path, "-c", "python:snapassist.web.gunicorn_conf",
                          "--workers", "1", env={"SNAPASSIST_PRELOAD": "0"})
    try:
        status, body = wait_until_up(proc, base, log_path)
        health = json.loads(body)
        assert status == 200 and health["tables_loaded"] is True
        assert health["searches"] == {"slots": gunicorn_conf.DEFAULT_SEARCH_SLOTS, "busy": 0,
                                      "waiting": 0}
        status, body = fetch(base + "/api/search?" + urllib.parse.urlencode({"q": "cn tower"}))
        assert status == 200 and json.loads(body)["spots"]
        status, body = fetch(base + "/search?q=%21%21")
        assert status == 200 and "no letters or digits" in body
    finally:
        stop(proc)
    assert "Traceback" not in log_path.read_text()
