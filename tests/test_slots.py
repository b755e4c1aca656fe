"""Search slots: held by the work of searching, whatever the address; nothing else waits."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from snapassist.errors import ConfigError
from snapassist import search as searching
from snapassist.web import create_app
from snapassist.web.slots import SearchSlots, limit_searches, search_slots


def wait_for(condition, seconds=30):
    """Poll ``condition`` until true; fail after ``seconds`` (a bound, not a timing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


@pytest.fixture
def gated(monkeypatch):
    """Searches that stop inside their slot until ``release`` is set; ``inside`` counts them."""
    release, lock, state = threading.Event(), threading.Lock(), {"inside": 0, "most": 0}
    real = searching.answer

    def held(*args, **kwargs):
        with lock:
            state["inside"] += 1
            state["most"] = max(state["most"], state["inside"])
        try:
            assert release.wait(60)
            return real(*args, **kwargs)
        finally:
            with lock:
                state["inside"] -= 1

    monkeypatch.setattr(searching, "answer", held)
    yield release, state
    release.set()


# Four searches, four answers: the pages, the API and the 2018 address.
URLS = ["/search?q=cn+tower", "/api/search?q=skyline", "/output?search_keywords=sunset",
        "/api/search?q=graffiti"]


def test_searches_beyond_the_slots_wait_and_the_rest_passes(database, gated):
    urls = URLS
    release, state = gated
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database})
    limit_searches(app, 2)
    slots = search_slots(app)
    with ThreadPoolExecutor(len(urls)) as pool:
        futures = [pool.submit(app.test_client().get, url) for url in urls]
        wait_for(lambda: slots.to_dict() == {"slots": 2, "busy": 2, "waiting": len(urls) - 2})
        # Not searches: answered while every slot is taken, and they say so.
        client = app.test_client()
        assert client.get("/healthz").get_json()["searches"] == {
            "slots": 2, "busy": 2, "waiting": len(urls) - 2}
        assert client.get("/").status_code == 200 and client.get("/about").status_code == 200
        assert client.get("/api/x").status_code == 404
        assert not any(f.done() for f in futures)
        release.set()
        assert [f.result(60).status_code for f in futures] == [200, 200, 200, 200]
    # Asked again, the answers and pages are cached: no slot is taken, even
    # with every slot busy.
    release.clear()
    with ThreadPoolExecutor(2) as pool:
        busy = [pool.submit(app.test_client().get, url)
                for url in ("/search?q=night", "/api/search?q=toronto")]
        wait_for(lambda: slots.to_dict()["busy"] == 2)
        for url in urls:
            assert app.test_client().get(url).status_code == 200
        assert slots.to_dict()["waiting"] == 0
        release.set()
        assert [f.result(60).status_code in (200, 400) for f in busy] == [True, True]
    assert state["most"] == 2
    assert slots.to_dict() == {"slots": 2, "busy": 0, "waiting": 0}


def test_a_failed_search_gives_its_slot_back(database):
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database})
    limit_searches(app, 1)
    client = app.test_client()
    for _ in range(3):           # a slot kept by a failure would block the second
        assert client.get("/api/search?q=").status_code == 400
        assert client.get("/api/search?q=cn+tower&months=13").status_code == 400
    assert search_slots(app).to_dict() == {"slots": 1, "busy": 0, "waiting": 0}


def test_every_city_searches_through_the_same_slots(tmp_path, demo_folder, gated):
    release, state = gated
    for city in ("toronto", "copy"):
        (tmp_path / city).symlink_to(demo_folder, target_is_directory=True)
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tmp_path})
    limit_searches(app, 1)
    urls = ["/toronto/search?q=cn+tower", "/api/copy/search?q=cn+tower",
            "/copy/output?search_keywords=graffiti", "/api/toronto/search?q=skyline"]
    with ThreadPoolExecutor(len(urls)) as pool:
        futures = [pool.submit(app.test_client().get, url) for url in urls]
        wait_for(lambda: search_slots(app).to_dict()["waiting"] == len(urls) - 1)
        assert state["inside"] == 1
        release.set()
        assert [f.result(60).status_code for f in futures] == [200] * len(urls)
    assert state["most"] == 1


def test_without_a_limit_nothing_waits(client):
    assert "searches" not in client.get("/healthz").get_json()
    assert client.get("/api/search?q=cn+tower").status_code == 200


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_slots_are_a_whole_number_of_at_least_one(n):
    with pytest.raises(ConfigError, match=f"search slots must be a whole number of at least 1, "
                                          f"got {n!r}"):
        SearchSlots(n)


def test_only_our_app_takes_slots():
    with pytest.raises(ConfigError, match="search slots need the app of "
                                          "snapassist.web.create_app, got function"):
        limit_searches(lambda environ, start_response: [], 2)


def test_search_processes_answer_as_the_worker_would(database):
    """Under gunicorn each worker's searches run in processes forked from it."""
    from snapassist.web.slots import search_in_processes

    threads = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database}).test_client()
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database})
    processes = search_in_processes(app, 2)
    try:
        client = app.test_client()
        for url in ("/api/search?q=cn+tower&months=6,7,8&sort=admired",
                    "/api/search?q=graffiti&date=2026-06-21"):
            mine, theirs = client.get(url), threads.get(url)
            assert mine.status_code == theirs.status_code == 200
            assert mine.get_json() == theirs.get_json()
        packed = client.get("/search?q=cn+tower", headers={"Accept-Encoding": "gzip"})
        plain = client.get("/search?q=cn+tower")
        page = plain.get_data(as_text=True)
        assert page.count('class="sa-spot"') == len(
            threads.get("/api/search?q=cn+tower").get_json()["spots"]) > 0
        # Compressed and given its policy in the process, as the worker would.
        import gzip

        from snapassist.web.security import page_policy

        assert gzip.decompress(packed.get_data()) == plain.get_data()
        assert plain.headers["Content-Security-Policy"] == \
            packed.headers["Content-Security-Policy"] == \
            page_policy(page, app.extensions["snapassist_tiles"])
        # A search's own errors come back from the process as they are.
        body = client.get("/api/search?q=nosuchsubject").get_json()
        assert body["status"] == 400 and body["n_photos"] == 0
        assert "Only 0 photos" in client.get("/search?q=nosuchsubject").get_data(as_text=True)
        assert client.get("/healthz").get_json()["searches"] == {
            "slots": 2, "busy": 0, "waiting": 0}
    finally:
        processes.close()
