"""The search budget (too-broad searches) and the answer cache of the web app."""
import math
import threading
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from snapassist import config
from snapassist.search import FlickrPhotosDatabase
from snapassist.geo import EARTH_RADIUS_M
from snapassist import spots
from snapassist.settings import Settings
from snapassist.web import create_app, pages
from snapassist.web.cache import AnswerCache

LIVE_MAX = 100


def city_table():
    """200 'city' photos with co-tags of known counts, and a small 'harbour' search."""
    rng = np.random.default_rng(11)
    n = 200
    tags = [["city", "canada"] if i < 190 else ["city"] for i in range(n)]
    for tag, count in [("night", 60), ("skyline", 40), ("bridge", 20), ("rare", 3),
                       ("uploaded:by=instagram", 50), ("2019", 30), ("to", 25)]:
        for i in rng.choice(n, size=count, replace=False):
            tags[i].append(tag)
    per_deg = math.pi * EARTH_RADIUS_M / 180
    lat = 43.65 + rng.normal(0, 30, n) / per_deg
    lon = -79.38 + rng.normal(0, 30, n) / per_deg
    harbour = 40
    return pd.DataFrame({
        "id": [str(5000 + i) for i in range(n + harbour)],
        "owner": [f"{i % 9}@N01" for i in range(n + harbour)],
        "views": np.r_[rng.integers(1, 1000, n), np.full(harbour, 5000)],
        "tags": [" ".join(t) for t in tags] + ["harbour"] * harbour,
        "latitude": np.r_[lat, np.full(harbour, 43.64) + rng.normal(0, 20, harbour) / per_deg],
        "longitude": np.r_[lon, np.full(harbour, -79.37) + rng.normal(0, 20, harbour) / per_deg],
    })


@pytest.fixture(scope="module")
def database():
    return FlickrPhotosDatabase(city_table(), None, is_demo=False)


@pytest.fixture
def app_config():
    return {"SNAPASSIST_LIVE_MAX_PHOTOS": LIVE_MAX}


def oracle_suggestions(frame, phrase_terms):
    """What the rules say, by brute force over the tag strings."""
    hits = [set(t.split()) for t in frame["tags"] if set(phrase_terms) <= set(t.split())]
    counts = Counter(tag.replace(":", "").replace("=", "") for tags in hits for tag in tags
                     if not (":" in tag and "=" in tag))
    keep = {tag: n for tag, n in counts.items()
            if tag not in phrase_terms and len(tag) >= 3 and not tag.isdigit()
            and config.MIN_PHOTOS_TO_CLUSTER <= n <= config.SUGGEST_MAX_SHARE * len(hits)}
    return sorted(keep.items(), key=lambda item: (-item[1], item[0]))


def test_too_broad_page_offers_real_co_tags(client, database):
    page = client.get("/search?q=City")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "200 photos matched" in text and "sa-map" not in text
    expected = oracle_suggestions(city_table(), ["city"])
    assert [tag for tag, _ in expected] == ["night", "skyline", "bridge"]   # checked by hand
    for tag, n in expected:
        assert f'href="/search?q=City+{tag}"' in text and f"{n:,} photos" in text
    for left_out in ("canada", "uploadedbyinstagram", "2019", "rare", ">to<"):
        assert left_out not in text.split("sa-narrower")[1]


def test_suggestion_links_add_the_tag_to_the_phrase(client):
    page = client.get("/search?q=city").get_data(as_text=True)
    href = page.split('data-tag="night"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert parse_qs(urlsplit(href).query)["q"] == ["city night"]
    followed = client.get(href)
    assert followed.status_code == 200
    assert "60 matching photos" in followed.get_data(as_text=True)   # now answered live


def test_too_broad_api(client, database):
    response = client.get("/api/search?q=city")
    assert response.status_code == 400
    body = response.get_json()
    assert body["too_broad"] is True and body["n_photos"] == 200 and "200 photos" in body["error"]
    expected = oracle_suggestions(city_table(), ["city"])
    assert [(s["tag"], s["n_photos"]) for s in body["suggestions"]] == expected
    assert [s["query"] for s in body["suggestions"]] == [f"city {t}" for t, _ in expected]
    # Each count is what searching the narrower phrase finds.
    for s in body["suggestions"]:
        assert database.count_search_results(s["query"]) == s["n_photos"]


def test_suggestions_answered_live_come_first(database):
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": 50})
    body = app.test_client().get("/api/search?q=city").get_json()
    # night (60 photos) would itself be too broad at 50: it goes last.
    assert [s["tag"] for s in body["suggestions"]] == ["skyline", "bridge", "night"]


def test_under_the_budget_is_clustered(client):
    body = client.get("/api/search?q=harbour").get_json()
    assert body["n_photos"] == 40 and "clusters" in body


def test_no_suggestion_longer_than_a_phrase_may_be(client):
    phrase = " ".join(["city"] * config.MAX_QUERY_TERMS)
    body = client.get("/api/search", query_string={"q": phrase}).get_json()
    assert body["too_broad"] is True and body["suggestions"] == []


class Counting:
    """Stand-in that counts calls and passes them on."""

    def __init__(self, func):
        self.func, self.calls = func, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.func(*args, **kwargs)


def test_repeated_search_is_not_recomputed(client, monkeypatch):
    spy = Counting(spots.find_spots)
    monkeypatch.setattr(spots, "find_spots", spy)
    first = client.get("/api/search?q=harbour").get_json()
    again = client.get("/api/search?q=Harbour!").get_json()
    page = client.get("/search?q=HARBOUR").get_data(as_text=True)
    assert spy.calls == 1
    assert again["clusters"] == first["clusters"]
    assert again["query"] == "Harbour!" and "HARBOUR" in page    # as typed each time
    client.get("/api/search?q=harbour city")
    assert spy.calls == 2                                     # another phrase, another answer


def test_a_repeated_page_is_not_drawn_again(client, monkeypatch):
    spy = Counting(pages.render_map)
    monkeypatch.setattr(pages, "render_map", spy)
    first = client.get("/search?q=harbour").get_data(as_text=True)
    assert client.get("/search?q=harbour").get_data(as_text=True) == first
    assert spy.calls == 1
    # The phrase as typed is on the page: typed otherwise, drawn again.
    assert "HARBOUR" in client.get("/search?q=HARBOUR").get_data(as_text=True)
    assert spy.calls == 2
    # The API's body is kept as well, with its status.
    api = client.get("/api/search?q=harbour")
    assert api.status_code == 200 and api.get_data() == client.get("/api/search?q=harbour").get_data()


def test_too_broad_answers_are_cached(client, database, monkeypatch):
    spy = Counting(database.narrower_tags_at)
    monkeypatch.setattr(database, "narrower_tags_at", spy)
    assert client.get("/api/search?q=city").status_code == 400
    assert client.get("/search?q=city").status_code == 200
    assert spy.calls == 1


def test_a_setting_that_changes_answers_is_part_of_the_key(app, database, monkeypatch):
    spy = Counting(spots.find_spots)
    monkeypatch.setattr(spots, "find_spots", spy)
    other = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database,
                        "SNAPASSIST_SETTINGS": Settings(optics_xi=0.1),
                        "SNAPASSIST_LIVE_MAX_PHOTOS": LIVE_MAX})
    # One cache for both apps: the method's settings keep their answers apart...
    other.extensions["snapassist_cache"] = app.extensions["snapassist_cache"]
    app.test_client().get("/api/search?q=harbour")
    other.test_client().get("/api/search?q=harbour")
    assert spy.calls == 2
    # ...but a setting outside the method shares them.
    same = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database,
                       "SNAPASSIST_CACHE_MAX_ENTRIES": 99, "SNAPASSIST_LIVE_MAX_PHOTOS": LIVE_MAX})
    same.extensions["snapassist_cache"] = app.extensions["snapassist_cache"]
    same.test_client().get("/api/search?q=harbour")
    assert spy.calls == 2


def test_other_tables_do_not_share_answers(app, database):
    other_table = city_table()
    other_table.loc[other_table["tags"] == "harbour", "views"] = 7000
    other = create_app({"TESTING": True,
                        "SNAPASSIST_DATABASE": FlickrPhotosDatabase(other_table, None),
                        "SNAPASSIST_LIVE_MAX_PHOTOS": LIVE_MAX})
    # Even one cache for both apps keeps their answers apart.
    other.extensions["snapassist_cache"] = app.extensions["snapassist_cache"]
    mine = app.test_client().get("/api/search?q=harbour").get_json()
    theirs = other.test_client().get("/api/search?q=harbour").get_json()
    assert [c["mean_views"] for c in mine["clusters"]] == [5000.0]
    assert [c["mean_views"] for c in theirs["clusters"]] == [7000.0]


def test_cache_is_bounded_by_count():
    cache = AnswerCache(max_entries=2, max_bytes=10**6)
    for key in "abc":
        cache.put(key, key.upper(), 10)
    assert len(cache) == 2 and cache.get("a") is None and cache.get("c") == "C"


def test_cache_is_bounded_by_bytes_and_drops_the_least_recently_used():
    cache = AnswerCache(max_entries=10, max_bytes=100)
    cache.put("a", 1, 40)
    cache.put("b", 2, 40)
    assert cache.get("a") == 1            # "a" is now the most recently used
    cache.put("c", 3, 40)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert cache.nbytes == 80 <= cache.max_bytes
    cache.put("huge", 4, 101)              # larger than the whole bound: never kept
    assert cache.get("huge") is None and len(cache) == 2


def test_app_cache_respects_its_bounds(database):
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": LIVE_MAX, "SNAPASSIST_CACHE_MAX_ENTRIES": 2})
    client = app.test_client()
    for phrase in ["harbour", "city", "city night", "city skyline"]:
        client.get("/api/search", query_string={"q": phrase})
    cache = app.extensions["snapassist_cache"]
    assert len(cache) == 2 and cache.nbytes <= cache.max_bytes


def test_cache_is_safe_across_threads():
    cache = AnswerCache(max_entries=50, max_bytes=50 * 8)

    def work(offset):
        for i in range(2000):
            cache.put((offset + i) % 80, i, 8)
            cache.get((offset * 7 + i) % 80)

    threads = [threading.Thread(target=work, args=(k * 13,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 50 and cache.nbytes == 8 * len(cache)


def test_concurrent_identical_searches_compute_once():
    cache = AnswerCache(max_entries=10, max_bytes=1000)
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow():
        calls.append(1)
        started.set()
        release.wait(10)
        return "answer"

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow,
                                                                                len)))
    first.start()
    started.wait(10)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow,
                                                                                  len)))
              for _ in range(3)]
    for t in others:
        t.start()
    release.set()
    for t in [first] + others:
        t.join(10)
    assert results == ["answer"] * 4 and len(calls) == 1


def test_a_failed_computation_is_not_kept():
    cache = AnswerCache(max_entries=10, max_bytes=1000)

    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        cache.get_or_compute("k", fail, len)
    assert len(cache) == 0 and cache.get_or_compute("k", lambda: "ok", len) == "ok"


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_cache_bounds_are_checked(bad):
    with pytest.raises(ValueError, match=r"max_entries must be an integer >= 0, got"):
        AnswerCache(max_entries=bad, max_bytes=10)


def test_answers_asked_once_never_push_out_those_asked_again():
    cache = AnswerCache(max_entries=10, max_bytes=100)
    cache.put("popular", 1, 30)
    assert cache.get("popular") == 1          # asked again: protected
    for i in range(20):                       # a stream of searches asked once each
        cache.put(f"once {i}", i, 30)
    assert cache.get("popular") == 1
    assert len(cache) == 3 and cache.nbytes == 90
    assert [cache.get(f"once {i}") for i in (16, 17, 18, 19)] == [None, None, 18, 19]


def test_the_protected_answers_have_a_bound_of_their_own():
    cache = AnswerCache(max_entries=10, max_bytes=100)
    for key in "abc":
        cache.put(key, key, 30)
        cache.get(key)                        # each asked twice: all would be protected
    # 90 bytes protected is over 80% of the bound: the least recent went back,
    # and is the first to go when room is needed.
    cache.put("d", "d", 30)
    assert cache.get("a") is None and [cache.get(k) for k in "bcd"] == ["b", "c", "d"]
    assert cache.nbytes == 90


def test_a_cached_page_needs_no_answer(app, client, monkeypatch):
    # The answer of a broad subject can be too large to keep beside its page:
    # the page alone answers a repeat, without searching or a stored answer.
    first = client.get("/search?q=harbour").get_data()
    app.extensions["snapassist_cache"].clear()
    from snapassist import search

    spy = Counting(search.answer)
    monkeypatch.setattr(search, "answer", spy)
    assert client.get("/search?q=harbour").get_data() == first
    assert client.get("/api/search?q=harbour").status_code == 200
    assert spy.calls == 1                         # the API's body was not drawn yet
