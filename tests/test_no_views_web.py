"""Tables without view counts (a YFCC100M import) served with sensible, labelled answers.

The dataset gives no views, so every photo's count is 0: the pages and the
API must say so, order spots by photographers, offer no "most admired"
order, and show no views rather than zeros.
"""
import pandas as pd
import pytest
from test_import_yfcc import make_photos, write_yfcc

from snapassist.ingest.world import import_yfcc
from snapassist.ingest.yfcc import LAYOUTS, photo_lines
from snapassist.web import create_app

#: Two places of central Dresden, each shot by its own crowd, and a scatter.
FRAUENKIRCHE = (51.05190, 13.74160)
ZWINGER = (51.05300, 13.73400)


def _crowd(n, centre, start, seed, spread_deg=0.0002):
    photos = make_photos(n, centre, start, spread_deg=spread_deg, seed=seed)
    photos["owner"] = [f"{start + i}@N01" for i in range(n)]     # one photographer each
    return photos


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    photos = pd.concat([_crowd(60, FRAUENKIRCHE, 0, 1), _crowd(30, ZWINGER, 100, 2),
                        _crowd(20, FRAUENKIRCHE, 200, 3, spread_deg=0.01)], ignore_index=True)
    folder = tmp_path_factory.mktemp("yfcc")
    source = write_yfcc(folder / "dresden.tsv", photo_lines(photos, LAYOUTS["yfcc100m-23"]))
    import_yfcc(source, folder / "tables", city="Dresden")
    app = create_app({"SNAPASSIST_TABLES_FOLDER": str(folder / "tables")})
    return app.test_client()


def test_the_api_says_there_are_no_views_and_orders_by_photographers(client):
    response = client.get("/api/search?q=frauenkirche")
    assert response.status_code == 200
    body = response.get_json()
    assert body["views"] is False and "no view counts" in body["note"]
    spots = body["spots"]
    assert len(spots) >= 2
    owners = [spot["n_owners"] for spot in spots]
    assert owners == sorted(owners, reverse=True)
    assert [spot["score"] for spot in spots] == owners
    # No views is said as nothing, never as zero.
    assert all(spot["mean_views"] is None and spot["median_views"] is None for spot in spots)
    assert all(not spot["light"].get("admired") for spot in spots)


def test_the_results_page_says_so_and_offers_no_admired_order(client):
    page = client.get("/search?q=frauenkirche").get_data(as_text=True)
    assert "These photos have no view counts" in page
    assert "ranked by the number of photographers" in page
    assert 'value="photographers"' in page and 'value="admired"' not in page
    assert "a photo · score" not in page          # the card's views fact, left out


@pytest.mark.parametrize("path", ["/", "/about"])
def test_the_home_and_about_pages_say_so_before_any_search(client, path):
    text = client.get(path).get_data(as_text=True)
    assert "These photos have no view counts" in text
    assert "liked most" not in text and "admired but that few" not in text


@pytest.mark.parametrize("path", ["/api/search", "/search"])
def test_the_admired_order_is_refused_with_the_reason(client, path):
    response = client.get(f"{path}?q=frauenkirche&sort=admired")
    text = response.get_data(as_text=True)
    assert "needs view counts" in text
    if path.startswith("/api"):
        assert response.status_code == 400
        assert response.get_json()["error"].startswith("sort=admired needs view counts")


def test_tables_with_views_say_nothing_of_it(app):
    body = app.test_client().get("/api/search?q=cn+tower").get_json()
    assert body["views"] is True and "note" not in body
    page = app.test_client().get("/search?q=cn+tower").get_data(as_text=True)
    assert "no view counts" not in page and 'value="admired"' in page
    for path in ("/", "/about"):
        assert "no view counts" not in app.test_client().get(path).get_data(as_text=True)
