"""The one search function: stored, too broad or clustered, the phrase matched once."""
import numpy as np
import pandas as pd
import pytest

from snapassist import search
from snapassist.errors import NotEnoughPhotosError, QueryError
from snapassist.search import FlickrPhotosDatabase, SearchOptions, TooBroad
from snapassist.spots import SpotsAnswer


def _table():
    rng = np.random.default_rng(3)
    rows = []
    # 60 photos of a square by 30 photographers, half in October; 5 of a lane.
    for i in range(60):
        rows.append({"id": f"s{i}", "owner": f"u{i % 30}", "views": int(rng.integers(100, 9000)),
                     "tags": "square city", "latitude": 43.65 + rng.normal(0, 2e-4),
                     "longitude": -79.38 + rng.normal(0, 2e-4), "month": 10.0 if i % 2 else 5.0})
    for i in range(5):
        rows.append({"id": f"l{i}", "owner": f"w{i}", "views": 500, "tags": "lane city",
                     "latitude": 43.66, "longitude": -79.39, "month": 7.0})
    # 70 of parks all over the city.
    for i in range(70):
        rows.append({"id": f"p{i}", "owner": f"v{i}", "views": 50, "tags": "park city",
                     "latitude": 43.6 + rng.random() / 10, "longitude": -79.4 + rng.random() / 10,
                     "month": 6.0})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tables():
    return FlickrPhotosDatabase(_table(), None)


class Spy:
    def __init__(self, func):
        self.func, self.calls = func, []

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        return self.func(*args, **kwargs)


def test_the_phrase_is_matched_once_and_its_photos_clustered(tables, monkeypatch):
    match = Spy(tables.match_terms)
    monkeypatch.setattr(tables, "match_terms", match)
    cluster = Spy(lambda photos, threshold, query: (len(photos), query))
    assert search.answer(tables, " Square ", cluster=cluster) == (60, "Square")
    assert len(match.calls) == 1 and len(cluster.calls) == 1
    photos, threshold, _ = cluster.calls[0]
    assert threshold == tables.views_percentile
    # Only the columns finding spots reads, in the table's order of rows.
    assert list(photos["id"]) == [f"s{i}" for i in range(60)]


def test_the_default_clusters_with_find_spots(tables):
    answer = search.answer(tables, "square")
    assert isinstance(answer, SpotsAnswer) and answer.n_photos == 60 and answer.query == "square"


def test_a_search_over_budget_is_too_broad_with_narrower_searches(tables, monkeypatch):
    match = Spy(tables.match_terms)
    monkeypatch.setattr(tables, "match_terms", match)
    answer = search.answer(tables, "city", budget=50,
                           cluster=lambda *a: pytest.fail("clustered over budget"))
    assert isinstance(answer, TooBroad) and answer.n_photos == 135
    # "park" is on more than half the photos: it narrows nothing.
    assert answer.suggestions == [("square", 60)]
    assert len(match.calls) == 1                     # counted and suggested from one match
    # At the budget it is clustered.
    assert search.answer(tables, "city", budget=135, cluster=lambda p, t, q: len(p)) == 135


def test_a_stored_answer_comes_first_but_never_for_a_filtered_search(tables):
    stored = {"city": "stored"}.get
    assert search.answer(tables, "city", budget=10, stored=stored) == "stored"
    october = SearchOptions(months=(10,))
    answer = search.answer(tables, "city", october, budget=100, stored=stored,
                           cluster=lambda p, t, q: sorted(set(p["month"])))
    assert answer == [10.0]
    # A phrase with nothing stored goes on as usual.
    assert search.answer(tables, "square", stored=stored, cluster=lambda p, t, q: "live") == "live"


def test_too_few_photos_with_filters_names_the_filters(tables):
    with pytest.raises(NotEnoughPhotosError, match="Only 5 photos"):
        search.answer(tables, "lane")
    with pytest.raises(NotEnoughPhotosError,
                       match=r"With the filters \(taken in Jul\): Only 5 photos.*remove a filter"):
        search.answer(tables, "lane", SearchOptions(months=(7,)))


@pytest.mark.parametrize("phrase", ["", "   ", "!!!", "x" * 200])
def test_a_bad_phrase_is_refused_before_any_work(tables, phrase):
    with pytest.raises(QueryError):
        search.answer(tables, phrase, stored=lambda p: pytest.fail("looked up"),
                      cluster=lambda *a: pytest.fail("clustered"))
