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
from pathlib import Path

import pytest

from snapassist import config

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


def start_gunicorn(folder, port, log_path, *extra):
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "120", *extra, "snapassist.web:app"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


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
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                status, body = fetch(base + "/healthz", timeout=10)
                break
            except OSError:  # refused, reset or timed out while workers boot
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.3)
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
        assert status == 200 and "Cluster #1" in body and 'class="sa-spot"' in body

        status, body = fetch(base + "/search?q=%21%21")
        assert status == 200 and "no letters or digits" in body
        status, body = fetch(base + "/api/search")
        assert status == 400 and "error" in json.loads(body)
    finally:
        stop(proc)


@pytest.mark.slow
def test_gunicorn_refuses_a_missing_folder(tmp_path):
    missing = tmp_path / "no-such-tables"
    proc = start_gunicorn(missing, free_port(), tmp_path / "gunicorn.log")
    try:
        code = proc.wait(timeout=60)
    finally:
        stop(proc)
    log = (tmp_path / "gunicorn.log").read_text()
    assert code != 0
    assert "ConfigError" in log and str(missing) in log
