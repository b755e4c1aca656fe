"""The Flask app through its test client, on a small hand-built table."""
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snapassist import config
from snapassist.search import FlickrPhotosDatabase
from snapassist.errors import ConfigError
from snapassist.geo import EARTH_RADIUS_M
from snapassist.web import create_app

XSS = '"><script>alert(1)</script>'
SPOTS = {  # name -> (north m, east m, n photos, views)
    "tower": (0, 0, 40, 3000), "island": (-2500, 0, 30, 900), "park": (3000, -4000, 25, 1500)}


def hand_built_table():
    rng = np.random.default_rng(42)
    rows = []
    per_deg = math.pi * EARTH_RADIUS_M / 180

    def add(prefix, n, north, east, radius, views, tags, **extra):
        for i in range(n):
            r, t = radius * math.sqrt(rng.random()), rng.random() * 2 * math.pi
            rows.append({
                "id": f"{prefix}{i}", "owner": f"{i % 7}@N0{i % 3}", "ownername": f"Shooter {i % 7}",
                "title": f"{prefix} {i}", "views": views, "tags": tags,
                "latitude": 43.6426 + (north + r * math.sin(t)) / per_deg,
                "longitude": -79.3871 + (east + r * math.cos(t)) / per_deg / math.cos(0.7617),
                "url_q": f"https://live.staticflickr.com/1/{prefix}{i}_s_q.jpg",
                "url_m": f"https://live.staticflickr.com/1/{prefix}{i}_s.jpg",
                "hour": float(i % 24), "month": float(i % 12 + 1), **extra})

    for name, (north, east, n, views) in SPOTS.items():
        add(name, n, north, east, 40, views, "cn tower cntower toronto")
    add("scatter", 20, 0, 0, 15000, 5, "cn tower")
    add("filler", 400, 0, 0, 20000, 10, "street")
    add("rare", 5, 0, 0, 50, 5000, "rare")
    add("dull", 30, 0, 0, 50, 10, "dull")
    add("wide", 16, 0, 0, 20000, 5000, "wide")
    # A hostile photo in the best spot: its title, owner name and URLs are attacks.
    rows[0].update(title=XSS, ownername="{{ 7*7 }}{% broken", views=50_000,
                   url_q="javascript:alert(2)",
                   url_m="https://evil.example/x.jpg")
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def database():
    return FlickrPhotosDatabase(hand_built_table(), None, is_demo=True)


def test_index(client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Tables built in memory record no city: the question names none.
    assert "What are you looking to photograph?" in text and "Toronto" not in text
    assert 'placeholder="' in text and ">Go</button>" in text
    assert "synthetic" in text                       # the demo banner, before any search
    # Example searches: tables built in memory record none, so ones for any city.
    assert 'href="/search?q=sunset"' in text and "cn tower" not in text


def test_no_banner_on_real_tables(database):
    real = FlickrPhotosDatabase(database.photos, None, is_demo=False)
    client = create_app({"TESTING": True, "SNAPASSIST_DATABASE": real}).test_client()
    assert "synthetic" not in client.get("/").get_data(as_text=True)
    assert "synthetic" not in client.get("/search?q=cn+tower").get_data(as_text=True)


def test_search_page(client):
    page = client.get("/search?q=cn+tower")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('class="sa-spot"') == 3
    assert "synthetic" in text                       # the demo banner
    assert "leaflet" in text and "sa-map-config" in text and "<svg" in text
    assert "115 matching photos" in text


def test_output_is_the_2018_url(client):
    old = client.get("/output?search_keywords=cn%20tower").get_data(as_text=True)
    assert old.count('class="sa-spot"') == 3


def test_no_spot_survives(client):
    # Enough popular photos, but scattered over the city: no spot, no error.
    page = client.get("/search?q=wide")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "0 spots" in text and 'class="sa-spot"' not in text
    # It says why, and the map marks the densest photos as no spot.
    assert "The photos are scattered" in text and "not a spot" in text
    body = client.get("/api/search?q=wide").get_json()
    assert body["n_photos"] == 16 and body["clusters"] == []
    assert body["no_spot"]["reason"] == "scattered"
    assert body["no_spot"]["message"].startswith("The photos are scattered")
    assert body["no_spot"]["densest"]["n_photos"] >= 1
    # A search with spots has no such answer.
    assert client.get("/api/search?q=cn+tower").get_json()["no_spot"] is None


def test_about(client):
    page = client.get("/about")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "mean views per photo divided by the number of photos" in text
    # The rules in plain words, with the settings the method runs with.
    assert f"{config.MIN_SPOT_SEPARATION_M:.0f} m apart" in text
    assert "one photographer's series" in text and "not a spot" in text
    assert "whichever days those are" in text


def test_healthz(client):
    page = client.get("/healthz")
    assert page.status_code == 200 and page.get_json()["status"] == "ok"


def test_api_search(client, database):
    body = client.get("/api/search?q=CN Tower").get_json()
    assert body["query"] == "CN Tower" and body["demo"] is True and body["n_photos"] == 115
    clusters = body["clusters"]
    assert [c["rank"] for c in clusters] == [1, 2, 3]
    scores = [c["score"] for c in clusters]
    assert scores == sorted(scores, reverse=True)
    photos = database.photos.set_index("id")
    for c in clusters:
        views = photos.loc[c["photo_ids"], "views"]
        assert c["n_photos"] == len(c["photo_ids"]) and c["mean_views"] == pytest.approx(views.mean())
        assert len(c["hours"]) == 24 and len(c["months"]) == 12
        for p in c["best_photos"]:
            assert {"id", "owner", "title", "views", "url", "page_url", "ExposureTime"} <= set(p)
            assert p["url"] is None or p["url"].startswith("https://live.staticflickr.com/")


BAD_QUERIES = [
    # Empty is absent, for the phrase as for every parameter.
    ("", "Type what you want to photograph"),
    ("   ", "Type what you want to photograph"),
    ("?!.,", "no letters or digits"),
    ("x" * (config.MAX_QUERY_CHARS + 1), "characters long"),
    ("nosuchsubject", "Only 0 photos"),
    ("rare", "Only 5 photos"),
    ("dull", "None of the 30 photos"),
]


@pytest.mark.parametrize("route, param", [("/search", "q"), ("/output", "search_keywords")])
@pytest.mark.parametrize("query, message", BAD_QUERIES)
def test_bad_query_page(client, route, param, query, message):
    page = client.get(route, query_string={param: query})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'class="sa-message"' in text and message in text
    assert "What are you looking to photograph?" in text


@pytest.mark.parametrize("query, message", BAD_QUERIES)
def test_bad_query_api(client, query, message):
    answer = client.get("/api/search", query_string={"q": query})
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]


@pytest.mark.parametrize("url", ["/search", "/output", "/api/search", "/search?query=cn"])
def test_missing_query(client, url):
    answer = client.get(url)
    expected = 400 if url.startswith("/api/") else 200
    assert answer.status_code == expected
    assert "Type what you want to photograph" in answer.get_data(as_text=True)


def test_user_text_is_escaped_everywhere(client):
    text = client.get("/search?q=cn+tower").get_data(as_text=True)
    assert "<script>alert(1)" not in text
    assert "alert(2)" not in text and "evil.example" not in text
    # It is still shown: HTML-escaped in the popup, which travels as a JSON string.
    assert "\\u0026lt;script\\u0026gt;alert(1)" in text
    # Template syntax in user text is shown as it is, never run by Jinja.
    assert "{{ 7*7 }}{% broken" in text
    # The echoed query is escaped in the search box too.
    page = client.get("/search", query_string={"q": XSS}).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_popup_lines(client):
    text = client.get("/search?q=cn+tower").get_data(as_text=True)
    assert "Spot #1" in text and "photographers" in text


def test_debug_off(app):
    assert not app.debug


def test_missing_tables_folder_fails_at_creation(monkeypatch, tmp_path):
    monkeypatch.setenv(config.ENV_TABLES_FOLDER, str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="nowhere.*is not a folder"):
        create_app()


def test_folder_without_tables_fails_at_creation(monkeypatch, tmp_path):
    monkeypatch.setenv(config.ENV_TABLES_FOLDER, str(tmp_path))
    with pytest.raises(ConfigError, match=f"{config.ENV_TABLES_FOLDER}=.*no readable "
                                          f"{config.MASTER_TABLE_PROCESSED}"):
        create_app()


def test_non_hdf5_table_fails_at_creation(tmp_path):
    (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(b"not an HDF5 file")
    with pytest.raises(ConfigError, match="tables folder .* is not an HDF5 file"):
        create_app({"SNAPASSIST_TABLES_FOLDER": tmp_path})


def test_broken_table_is_a_503_not_a_500(tmp_path, demo_folder):
    # Fine at start-up, then replaced by a broken one: a 503 naming the file, not its path.
    shutil.copy(demo_folder / config.MASTER_TABLE_PROCESSED, tmp_path)
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tmp_path})
    client = app.test_client()
    assert client.get("/healthz").get_json()["tables_loaded"] is False
    broken = tmp_path / "new.hdf5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    broken.replace(tmp_path / config.MASTER_TABLE_PROCESSED)
    page = client.get("/search?q=cn")
    assert page.status_code == 503
    assert config.MASTER_TABLE_PROCESSED in page.get_data(as_text=True)
    assert str(tmp_path) not in page.get_data(as_text=True)
    api = client.get("/api/search?q=cn")
    assert api.status_code == 503 and str(tmp_path) not in api.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unusable"


def test_broken_table_refuses_to_start_in_one_line(tmp_path):
    # Passes the HDF5 signature check, but holds no table.
    (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ConfigError, match=r"cannot be served: master_table_processed.hdf5 "
                                          r"cannot be read \(truncated"):
        create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tmp_path})


def test_importing_the_package_builds_nothing():
    code = ("import snapassist.web as w, sys; "
            "assert w._app is None and 'snapassist.database' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[1])


def test_run_webapp_help():
    out = subprocess.run([sys.executable, "run_webapp.py", "--help"], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    assert "--host" in out.stdout and "--port" in out.stdout and "--debug" in out.stdout


def test_run_webapp_bad_folder(tmp_path):
    import os
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(tmp_path / "missing")}
    out = subprocess.run([sys.executable, "run_webapp.py"], capture_output=True, text=True,
                         env=env, cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert out.returncode == 2 and "missing" in out.stderr


def test_reachability_plot_bars():
    from types import SimpleNamespace

    from snapassist.web.format import BACKGROUND_COLOUR, rank_colour
    from snapassist.web.plots import build_reachability_plot

    reach = np.array([np.inf, 400.0, 1.0, 1.0, 100.0, 4.0, 4.0, 4.0])
    ranks = np.array([-1, -1, 1, 1, -1, -1, 2, 2])
    plot = build_reachability_plot(SimpleNamespace(reachability=reach, reachability_rank=ranks),
                                   width=4, height=110)
    assert len(plot.bars) == 4 and plot.top_m == 400.0
    # Two photos a bar: the higher reachability, the colour of their spot.
    assert [b[4] for b in plot.bars] == [BACKGROUND_COLOUR, rank_colour(1),
                                        BACKGROUND_COLOUR, rank_colour(2)]
    plot_h = 110 - plot.band_h - 2
    expected = [plot_h, math.sqrt(1 / 400) * plot_h, math.sqrt(100 / 400) * plot_h,
                math.sqrt(4 / 400) * plot_h]                   # inf is drawn full height
    assert [b[3] for b in plot.bars] == pytest.approx(expected, abs=0.01)
    full = build_reachability_plot(SimpleNamespace(reachability=reach, reachability_rank=ranks))
    assert len(full.bars) == len(reach)
    # As SVG: each bar, then its spot's colour in the band under the bars.
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" '
                       r'fill="(#\w+)"/>', str(plot.svg))
    assert len(rects) == 8 and [r[3] for r in rects[::2]] == [b[4] for b in plot.bars]
    assert {r[1] for r in rects[1::2]} == {str(plot.band_y)}


@pytest.mark.parametrize("url", ["/search?q=cn+tower", "/api/search?q=cn+tower"])
def test_pages_go_gzipped_to_clients_that_accept_it(app, url):
    import gzip

    client = app.test_client()
    plain = client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get(url, headers={"Accept-Encoding": "br, gzip;q=0.9"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert packed.mimetype == plain.mimetype
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    # Compressed once: the next one comes from the page cache, byte for byte.
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).get_data() == packed.get_data()


def test_short_answers_are_not_compressed(client):
    answer = client.get("/api/search?q=", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 400 and "Content-Encoding" not in answer.headers
    assert answer.get_json()["error"]
