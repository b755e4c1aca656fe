"""The city's atlas on the web: its home page map, and the search by place (/near, /api/near)."""
import base64
import concurrent.futures
import gzip
import hashlib
import json
import os
import re
import shutil
import urllib.parse

import numpy as np
import pytest

from snapassist import config
from snapassist.geo import bearing_deg, haversine_m
from snapassist.precompute import StoredAnswers, fingerprint
from snapassist.precompute._atlas import atlas_of_folder
from snapassist.precompute._files import write_answers
from snapassist.search import FlickrPhotosDatabase
from snapassist.spots._near import MIN_ADMIRED_LIGHT_SHARE, MIN_PHOTOS_IN_MONTHS, MIN_TWILIGHT_SHARE
from snapassist.web import create_app, preload_tables
from snapassist.web.atlas import N_HOME_SPOTS
from snapassist.web.near import MAX_SPOTS
from snapassist.web.slots import limit_searches, search_slots

#: The CN Tower's base in the demo world.
TOWER = (43.6426, -79.3871)


def _link_tables(source, target):
    """A copy of a tables folder (hard links: the same files, times and fingerprint)."""
    shutil.copytree(source, target, copy_function=os.link)
    return target


@pytest.fixture(scope="module")
def atlas_folder(demo_folder, tmp_path_factory):
    """The demo's tables with an answers file holding only their atlas, as precompute writes it."""
    folder = _link_tables(demo_folder, tmp_path_factory.mktemp("near") / "tables")
    database = FlickrPhotosDatabase.from_folder(folder)
    write_answers(folder / config.PRECOMPUTED_ANSWERS, [atlas_of_folder(folder, database)],
                  {"fingerprint": fingerprint(folder, database)})
    return folder


@pytest.fixture(scope="module")
def atlas(atlas_folder):
    """The atlas as the answers file gives it back: the oracle of these tests."""
    found = StoredAnswers.open(atlas_folder, FlickrPhotosDatabase.from_folder(atlas_folder)).atlas()
    assert found is not None and len(found.spots) > N_HOME_SPOTS
    return found


@pytest.fixture(scope="module")
def near_app(atlas_folder):
    return create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": atlas_folder})


@pytest.fixture
def near_client(near_app):
    return near_app.test_client()


def _within(atlas, lat, lon, radius_m):
    """``{rank: (distance, bearing)}`` of the atlas spots within ``radius_m``, computed here."""
    out = {}
    for s in atlas.spots:
        d = float(haversine_m(lat, lon, s.latitude, s.longitude))
        if d <= radius_m:
            out[s.rank] = (d, float(bearing_deg(lat, lon, s.latitude, s.longitude)) % 360)
    return out


def test_near_lists_the_atlas_spots_within_the_radius_with_distance_and_bearing(near_client,
                                                                                atlas):
    body = near_client.get("/api/near", query_string={"lat": TOWER[0], "lon": TOWER[1],
                                                      "radius_m": 600}).get_json()
    expected = _within(atlas, *TOWER, 600)
    assert 0 < len(expected) <= MAX_SPOTS
    assert body["n_spots"] == len(expected) and body["atlas_spots"] == len(atlas.spots)
    assert body["point"] == {"latitude": TOWER[0], "longitude": TOWER[1]}
    ranks = [s["rank"] for s in body["spots"]]
    assert ranks == sorted(expected)                       # the atlas's order
    compass = ["north", "north-east", "east", "south-east", "south", "south-west", "west",
               "north-west"]
    for spot in body["spots"]:
        distance, bearing = expected[spot["rank"]]
        assert spot["distance_m"] == pytest.approx(distance, abs=0.1)
        assert spot["bearing_deg"] == pytest.approx(bearing, abs=0.1)
        assert spot["direction"] == compass[int((bearing + 22.5) // 45) % 8]
        assert "photo_ids" not in spot and "best_photos" in spot
    # The tower's base says what it is.
    nearest = min(body["spots"], key=lambda s: s["distance_m"])
    assert "cn tower" in [s["label"] for s in nearest["subjects"][:5]]


def test_the_default_radius_is_a_kilometre_and_the_list_is_capped(near_client, atlas):
    body = near_client.get("/api/near", query_string={"lat": TOWER[0],
                                                      "lon": TOWER[1]}).get_json()
    assert body["radius_m"] == 1000
    assert body["n_spots"] == len(_within(atlas, *TOWER, 1000))
    wide = near_client.get("/api/near", query_string={"lat": TOWER[0], "lon": TOWER[1],
                                                      "radius_m": 20000}).get_json()
    assert wide["n_spots"] == len(_within(atlas, *TOWER, 20000)) > MAX_SPOTS
    assert len(wide["spots"]) == MAX_SPOTS


def test_sort_orders_the_spots_found(near_client):
    args = {"lat": TOWER[0], "lon": TOWER[1], "radius_m": 3000}
    by_score = near_client.get("/api/near", query_string=args).get_json()
    by_people = near_client.get("/api/near", query_string={**args, "sort": "photographers"}
                                ).get_json()
    owners = [s["n_owners"] for s in by_people["spots"]]
    assert owners == sorted(owners, reverse=True)
    assert by_people["n_spots"] == by_score["n_spots"]
    assert by_people["options"]["sort"] == "photographers"


def test_months_light_and_tonight_keep_the_spots_they_say(near_client):
    args = {"lat": TOWER[0], "lon": TOWER[1], "radius_m": 20000}
    every = near_client.get("/api/near", query_string=args).get_json()["n_spots"]
    winter = near_client.get("/api/near", query_string={**args, "months": "12,1"}).get_json()
    assert all(s["months"][11] + s["months"][0] >= MIN_PHOTOS_IN_MONTHS
               for s in winter["spots"])
    night = near_client.get("/api/near", query_string={**args, "light": "night"}).get_json()
    assert night["spots"] and all(s["light"]["admired"].get("night", 0)
                                  >= MIN_ADMIRED_LIGHT_SHARE for s in night["spots"])
    tonight = near_client.get("/api/near", query_string={**args, "tonight": "1",
                                                         "date": "2026-06-21"}).get_json()
    assert tonight["options"]["tonight"] is True
    assert all(s["light"]["admired"].get("golden", 0) + s["light"]["admired"].get("blue", 0)
               >= MIN_TWILIGHT_SHARE for s in tonight["spots"])
    # Each filter leaves some spots out, and keeps some.
    assert 0 < winter["n_spots"] <= every and 0 < night["n_spots"] < every
    assert 0 < tonight["n_spots"] < every
    # The sun at the point that evening (Toronto, midsummer).
    assert tonight["sun"]["date"] == "2026-06-21"
    assert "20:" in tonight["sun"]["sunset"] or "21:" in tonight["sun"]["sunset"]


@pytest.mark.parametrize("args, message", [
    ({"lat": "x", "lon": "-79.38"}, "lat must be a number, got 'x'"),
    ({"lat": "91", "lon": "-79.38"}, "lat must be a latitude from -90 to 90, got 91"),
    ({"lat": "43.65", "lon": "-200"}, "lon must be a longitude from -180 to 180"),
    ({"lat": "43.65", "lon": "-79.38", "radius_m": "10"},
     "radius_m must be from 50 to 20,000 metres, got 10"),
    ({"lat": "43.65", "lon": "-79.38", "radius_m": "30000"}, "radius_m must be from 50"),
    ({"lat": "43.65", "lon": "-79.38", "radius_m": "inf"}, "radius_m must be a finite number"),
    ({"lat": "48.85", "lon": "2.35"}, r"outside the city: its nearest photo is [56],\d+ km away"),
    ({"lat": "43.65"}, "lat and lon are needed"),
    ({"lat": "43.65", "lon": "-79.38", "tonight": "maybe"}, "tonight must be 1 or 0, got 'maybe'"),
    ({"lat": "43.65", "lon": "-79.38", "months": "13"}, "months must be month numbers"),
    ({"lat": "43.65", "lon": "-79.38", "light": "purple"}, "light must be one or more of"),
    ({"lat": ["43.65", "43.7"], "lon": "-79.38"}, "lat takes one value, got 2"),
])
def test_bad_points_radii_and_filters_are_a_400_naming_them(near_client, args, message):
    answer = near_client.get("/api/near", query_string=args)
    assert answer.status_code == 400 and answer.mimetype == "application/json"
    body = answer.get_json()
    assert body["status"] == 400 and re.search(message, body["error"]), body
    page = near_client.get("/near", query_string=args)
    assert page.status_code == 400
    assert re.search(message, page.get_data(as_text=True).replace("&#39;", "'"))


def test_the_near_page_lists_and_maps_the_spots(near_client, atlas):
    page = near_client.get("/near", query_string={"lat": TOWER[0], "lon": TOWER[1],
                                                  "radius_m": 600})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    expected = _within(atlas, *TOWER, 600)
    listed = [int(r) for r in re.findall(r'class="sa-spot" data-rank="(\d+)"', html)]
    assert listed == sorted(expected)
    markers = _markers(html)
    assert [m["rank"] for m in markers] == listed
    # Each subject links to its search; the form keeps the point.
    assert '/search?q=cn+tower"' in html
    assert f'name="lat" inputmode="decimal" value="{TOWER[0]}"' in html
    assert "SnapAssistMap.whatElseHere(" in html and "near.js" in html
    _check_policy(page)
    # Sent gzipped to a client that accepts it, with the same policy.
    packed = near_client.get("/near", query_string={"lat": TOWER[0], "lon": TOWER[1],
                                                    "radius_m": 600},
                             headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    unpacked = gzip.decompress(packed.get_data()).decode()
    assert re.findall(r'class="sa-spot" data-rank="(\d+)"', unpacked) == [str(r) for r in listed]
    # Its policy is made from the page itself (each map has new names).
    _check_policy(unpacked, packed.headers["Content-Security-Policy"])


def test_the_near_page_without_a_point_is_a_form(near_client):
    page = near_client.get("/near")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="lat"' in html and "Use my location" in html
    # The button waits for JavaScript to show it: without it the form is typed in.
    assert 'class="sa-locate" hidden' in html


def _markers(html):
    """The atlas markers a page draws (the JSON given to ``SnapAssistMap.atlasMarkers``)."""
    found = re.search(r"SnapAssistMap\.atlasMarkers\([^,]+,\s*(\[.*?\])\);", html, re.S)
    assert found, "no atlas markers on the page"
    return json.loads(found.group(1))


def _check_policy(response, policy=None):
    """Every inline script of the page is allowed by its hash, and nothing else is.

    ``response`` is a response, or a page's text with its ``policy``.
    """
    if policy is None:
        html, policy = response.get_data(as_text=True), response.headers["Content-Security-Policy"]
    else:
        html = response
    for match in re.finditer(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", html, re.S):
        if "src=" in match.group("attrs") or "type=" in match.group("attrs"):
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body").encode()).digest())
        assert f"'sha256-{digest.decode()}'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_home_page_maps_both_ends_of_the_atlas(near_client, atlas):
    page = near_client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert len(page.get_data()) < 1_000_000
    markers = _markers(html)
    top = {s.rank for s in sorted(atlas.spots, key=lambda s: s.rank)[:N_HOME_SPOTS]}
    busy = {s.rank for s in sorted(atlas.spots, key=lambda s: (-s.n_owners, s.rank))
            [:N_HOME_SPOTS]}
    assert {m["rank"] for m in markers} == top | busy
    kinds = {m["rank"]: m["kind"] for m in markers}
    assert all(kinds[r] == ("both" if r in top and r in busy else "top" if r in top
                            else "busy") for r in kinds)
    # The busiest spot is there, however low its score ranks it.
    busiest = max(atlas.spots, key=lambda s: (s.n_owners, -s.rank))
    assert busiest.rank in kinds and busiest.rank > N_HOME_SPOTS
    by_rank = {s.rank: s for s in atlas.spots}
    for m in markers:
        labels = [x["label"] for x in by_rank[m["rank"]].subjects[:2]]
        assert m["label"] == ", ".join(labels)
        # The card: each subject linked to its search, the facts, the best photos.
        for label in labels:
            assert f'href="/search?q={urllib.parse.quote_plus(label)}"' in m["popup"]
        assert "sa-glance" in m["popup"] and "sa-carousel" in m["popup"]
        # Nothing is placed from the atlas's anchor, a spot the map may not show.
        assert "sa-fact-where" not in m["popup"]
    assert "sa-legend" in html and "among the most photographed" in html
    assert 'action="/near"' in html and "near.js" in html
    assert "No atlas" not in html
    _check_policy(page)
    # The second time it is the same page, from the caches.
    again = near_client.get("/")
    assert again.get_data() == page.get_data()


def test_without_an_atlas_the_home_page_says_how_to_build_one(demo_folder):
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": demo_folder})
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert "No atlas" in html and "snapassist precompute" in html
    assert "atlasMarkers" not in html and 'name="q"' in html
    # ... and loads no tables, as before the atlas.
    assert not app.extensions["snapassist_tables"].loaded
    api = client.get("/api/near", query_string={"lat": TOWER[0], "lon": TOWER[1]})
    assert api.status_code == 404
    assert re.search(r"no atlas yet .*'snapassist precompute <tables folder>'",
                     api.get_json()["error"])
    page = client.get("/near", query_string={"lat": TOWER[0], "lon": TOWER[1]})
    assert page.status_code == 404 and "snapassist precompute" in page.get_data(as_text=True)


def test_a_near_search_takes_no_search_slot(near_app):
    limit_searches(near_app, 1)
    slots = search_slots(near_app)
    slots.acquire()                          # every slot busy with a long search
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(near_app.test_client().get, "/api/near",
                                 query_string={"lat": TOWER[0], "lon": TOWER[1]}).result(60)
            home = pool.submit(near_app.test_client().get, "/").result(60)
        assert answer.status_code == 200 and home.status_code == 200
        assert slots.to_dict() == {"slots": 1, "busy": 1, "waiting": 0}
    finally:
        slots.release()


def test_every_results_map_offers_what_else_is_here(near_client):
    html = near_client.get("/search", query_string={"q": "cn tower"}).get_data(as_text=True)
    assert re.search(r'SnapAssistMap\.whatElseHere\(map_\w+, "/near"\);', html)


def test_several_cities_have_their_own_near_search(atlas_folder, tmp_path):
    cities = tmp_path / "cities"
    _link_tables(atlas_folder, cities / "toronto")
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": cities})
    client = app.test_client()
    args = {"lat": TOWER[0], "lon": TOWER[1]}
    body = client.get("/api/toronto/near", query_string=args).get_json()
    assert body["n_spots"] > 0
    page = client.get("/toronto/near", query_string=args).get_data(as_text=True)
    assert '/toronto/search?q=' in page and 'action="/toronto/near"' in page
    assert "atlasMarkers" in client.get("/toronto/").get_data(as_text=True)
    results = client.get("/toronto/search", query_string={"q": "cn tower"}).get_data(as_text=True)
    assert '"/toronto/near"' in results
    # Without a city the API says which cities there are.
    missing = client.get("/api/near", query_string=args)
    assert missing.status_code == 404 and missing.get_json()["cities"] == ["toronto"]
    assert client.get("/api/paris/near", query_string=args).status_code == 404


def test_preloading_prepares_every_loaded_citys_atlas_and_unloading_drops_it(atlas_folder,
                                                                            tmp_path):
    # What a preloading gunicorn does before it forks: the views are ready,
    # so no worker builds one on its first /near.
    single = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": atlas_folder})
    preload_tables(single)
    assert "atlas_view" in single.extensions["snapassist_tables"].derived
    cities = tmp_path / "cities"
    for slug in ("toronto", "york"):
        _link_tables(atlas_folder, cities / slug)
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": cities,
                      "SNAPASSIST_CITIES_LOADED": 1})
    preload_tables(app)
    loaded = [city for city in app.extensions["snapassist_cities"] if city.holder.loaded]
    assert len(loaded) == 1 and "atlas_view" in loaded[0].holder.derived
    # The LRU unloads that city for the other one: its atlas view goes with it.
    other = "york" if loaded[0].slug == "toronto" else "toronto"
    client = app.test_client()
    assert client.get(f"/api/{other}/near", query_string={"lat": TOWER[0],
                                                          "lon": TOWER[1]}).status_code == 200
    assert not loaded[0].holder.loaded and loaded[0].holder.derived == {}


def test_the_atlas_outline_keeps_the_outside_rule_within_a_cell(atlas):
    """The near search measures a point's distance to the city on a coarse outline."""
    from snapassist.web.atlas import CELL_DEG, AtlasView

    view = AtlasView(atlas)
    assert len(view.outline.latitudes) < len(atlas.latitudes)
    rng = np.random.default_rng(3)
    lat = TOWER[0] + rng.uniform(-0.3, 0.3, 40)
    lon = TOWER[1] + rng.uniform(-0.3, 0.3, 40)
    half_cell_m = haversine_m(0, 0, CELL_DEG / 2, CELL_DEG / 2)
    for a, b in zip(lat, lon):
        exact = haversine_m(a, b, atlas.latitudes, atlas.longitudes).min()
        coarse = haversine_m(a, b, view.outline.latitudes, view.outline.longitudes).min()
        assert abs(exact - coarse) <= half_cell_m + 1


def test_tables_without_views_refuse_the_admired_order_and_say_so(atlas_folder, monkeypatch):
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": atlas_folder})
    # As tables imported from the YFCC100M say of themselves.
    monkeypatch.setattr(FlickrPhotosDatabase, "has_views", property(lambda self: False))
    client = app.test_client()
    args = {"lat": TOWER[0], "lon": TOWER[1]}
    body = client.get("/api/near", query_string=args).get_json()
    assert body["views"] is False and "no view counts" in body["note"]
    refused = client.get("/api/near", query_string={**args, "sort": "admired"})
    assert refused.status_code == 400
    assert re.search(r"sort=admired needs view counts", refused.get_json()["error"])
