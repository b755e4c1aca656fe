"""Safe to operate under a real gunicorn with the documented configuration (issue 21)."""
import itertools
import json
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from snapassist import config
from snapassist.web import create_app
from test_gunicorn import fetch, free_port, start_gunicorn, stop, wait_until_up
from test_operate_serving import SEARCH_FILE, copy_tables

PHRASES = ("cn tower", "graffiti", "skyline", "city hall", "sunset", "toronto")
MONTHS = ("", "6,7,8", "12,1,2", "3,4,5", "9,10,11")


def spots_of(body):
    return sorted((s["latitude"], s["longitude"]) for s in json.loads(body)["spots"])


@pytest.mark.slow
def test_truncated_and_broken_files_leave_every_worker_alive_and_the_log_says_so(
        demo_folder, tmp_path):
    root = tmp_path / "cities"
    good = copy_tables(demo_folder, root / "good")
    copy_tables(demo_folder, root / "broken")
    with open(root / "broken" / config.MASTER_TABLE_PROCESSED, "r+b") as handle:
        handle.truncate(10_000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out, error_log = tmp_path / "gunicorn.out", tmp_path / "error.log"
    proc = start_gunicorn(root, port, out, "-c", "python:snapassist.web.gunicorn_conf",
                          "--error-logfile", str(error_log),
                          env={"SNAPASSIST_SEARCH_SLOTS": "2"})
    urls = ["/api/good/search?" + urllib.parse.urlencode({"q": q, "months": m} if m else {"q": q})
            for q, m in itertools.product(PHRASES, MONTHS)]
    reference = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": demo_folder}).test_client()
    try:
        status, body = wait_until_up(proc, base, out)
        health = json.loads(body)
        assert status == 200 and health["status"] == "degraded"
        assert health["cities"]["unusable"] == 1 and list(health["unusable"]) == ["broken"]
        assert fetch(base + "/healthz?strict")[0] == 503
        status, body = fetch(base + "/api/broken/search?q=cn+tower")
        assert status == 503 and "master_table_processed.hdf5 cannot be read" in body
        assert str(root) not in body
        status, body = fetch(base + "/")
        assert 'href="/good/"' in body and "unavailable: master_table_processed.hdf5" in body

        def ask(url):
            return url, *fetch(base + url)

        # Searches running while the memory-mapped search file is emptied in place.
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(ask, urls[:8]))
            with open(good / SEARCH_FILE, "wb"):        # `: > file`
                pass
            answers += list(pool.map(ask, urls[8:]))
        assert {status for _, status, _ in answers} <= {200, 503}
        served = [(url, body) for url, status, body in answers if status == 200]
        assert len(served) >= len(urls) // 2          # the tables are read whole again
        for url, body in served:
            theirs = reference.get(url.replace("/api/good/", "/api/"))
            assert theirs.status_code == 200, url
            assert spots_of(body) == spots_of(theirs.get_data(as_text=True)), url
        assert fetch(base + "/healthz")[0] == 200
    finally:
        stop(proc)
    log = error_log.read_text()
    # No worker died: the two booted are the only ones.
    assert log.count("Booting worker") == 2, log
    assert "exited with code" not in log and "was sent" not in log and "Traceback" not in log
    # The app's lines, in gunicorn's format: time, pid, level.
    stamp = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\]"
    assert re.search(stamp + r" \[ERROR\] broken cannot be served: "
                     r"master_table_processed.hdf5 cannot be read", log), log
    assert re.search(stamp + r" \[INFO\] Toronto: loaded \d+ photos in [\d.]+ s from .*"
                     r"\(search file\)", log), log
    assert re.search(stamp + r" \[WARNING\] Toronto: master_table_processed.search changed "
                     r"since loaded: loading again", log), log
    assert re.search(stamp + r" \[INFO\] Toronto: loaded \d+ photos in [\d.]+ s from .*"
                     r"\(no search file: index built at load\)", log), log
