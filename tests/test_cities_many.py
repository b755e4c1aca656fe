"""Thousands of cities in one app: the home page finds them, /healthz stays small (issue 22)."""
import json
import re

import pandas as pd
import pytest

from snapassist import config
from snapassist.io import write_table
from snapassist.web import cities as cities_module
from snapassist.web import create_app

#: (slug, name, country name, photos): a few to look for among many.
KNOWN = [("dresden-de", "Dresden", "Germany", 5000), ("leipzig-de", "Leipzig", "Germany", 3000),
         ("zurich-ch", "Zürich", "Switzerland", 4000), ("paris-fr", "Paris", "France", 9000),
         ("bad-xx", "<script>alert(1)</script>", "Nowhere & co", 2100)]


def write_city(folder, name, country, n_photos):
    """A city's master table as the world import records it: only what start-up reads."""
    frame = pd.DataFrame({"id": range(n_photos)})
    folder.mkdir(parents=True)
    write_table(frame, folder / config.MASTER_TABLE_PROCESSED,
                attrs={"city": name, "country": country[:2].upper(), "country_name": country})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """40 tiny cities: the five above and 35 more in five countries."""
    root = tmp_path_factory.mktemp("world")
    for slug, name, country, n in KNOWN:
        write_city(root / slug, name, country, n)
    for i in range(35):
        write_city(root / f"town-{i:02d}", f"Town {i:02d}", f"Land {i % 5}", 2000 + i)
    return root


@pytest.fixture
def client(world, monkeypatch):
    # As if there were thousands: beyond this, the home page lists countries.
    monkeypatch.setattr(cities_module, "HOME_LIST_MAX", 10)
    return create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": world}).test_client()


def text(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def city_links(page):
    return re.findall(r'href="/([^/"?]+)/" data-city', page)


def test_many_cities_show_the_countries_and_the_busiest(client):
    page = text(client.get("/"))
    assert "40 cities in 9 countries" in page
    # The busiest first, at most a page of them: Paris (9,000 photos) is one.
    assert 'href="/paris-fr/"' in page and "9,000 photos" in page
    assert len(city_links(page)) <= cities_module.MAX_MATCHES
    # Every country, by name, with its cities and photos, leading to its list.
    assert 'href="/?country=Germany">Germany</a>' in page
    assert "2 cities, 8,000 photos" in page
    germany = text(client.get("/?country=Germany"))
    assert city_links(germany) == ["dresden-de", "leipzig-de"]
    assert "<h2>Germany</h2>" in germany


@pytest.mark.parametrize("typed, found", [
    ("dres", ["dresden-de"]),
    ("DRESDEN", ["dresden-de"]),
    ("zurich", ["zurich-ch"]),          # without its accent
    ("zür", ["zurich-ch"]),
    ("town 0", [f"town-0{i}" for i in range(10)]),
    ("leipzig-de", ["leipzig-de"]),      # the address works too
    ("atlantis", []),
])
def test_a_typed_name_lists_the_matching_cities_without_javascript(client, typed, found):
    page = text(client.get("/", query_string={"city": typed}))
    assert sorted(city_links(page)) == sorted(found)
    if not found:
        assert "No city matches" in page


def test_matches_starting_with_the_typed_word_come_first(world):
    cities = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": world}) \
        .extensions["snapassist_cities"]
    # A word starting so first (Leipzig), then within a word (Dresden's "de" is not).
    assert [c.slug for c in cities.matching("le")] == ["leipzig-de", "bad-xx"]    # "alert"
    assert [c.slug for c in cities.matching("de")][:2] == ["dresden-de", "leipzig-de"]
    assert [c.slug for c in cities.matching("i")][0] == "paris-fr"      # within, the busiest
    assert [c.slug for c in cities.matching("town", limit=3)] == ["town-34", "town-33",
                                                                  "town-32"]


def test_suggestions_as_json_for_the_search_box(client):
    answer = client.get("/cities.json?q=dre")
    assert answer.status_code == 200
    assert answer.get_json() == {"cities": [{"slug": "dresden-de", "name": "Dresden",
                                             "country": "Germany", "n_photos": 5000,
                                             "available": True}]}
    assert len(client.get("/cities.json?q=town").get_json()["cities"]) == cities_module.MAX_NAMED
    assert client.get("/cities.json").get_json() == {"cities": []}


def test_the_home_page_loads_nothing_and_its_script_is_our_own(client):
    response = client.get("/?city=dres")
    page = text(response)
    assert client.application.extensions["snapassist_cities"].n_loaded == 0
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all(re.search(r'src="/assets/snapassist\.[0-9a-f]+/cities\.js"', s)
                           for s in scripts)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "sha256" not in policy
    script = client.get(re.search(r'src="([^"]+cities\.js)"', page).group(1))
    assert script.status_code == 200 and b"fetch(" in script.get_data()
    assert 'list="sa-city-names"' in page and 'data-suggest="/cities.json"' in page


def test_names_are_escaped(client):
    page = text(client.get("/?city=alert"))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Nowhere &amp; co" in page


def test_healthz_counts_rather_than_lists(client):
    body = client.get("/healthz").get_json()
    assert body["cities"] == {"count": 40, "loaded": 0, "changed": 0,
                             "unusable": 0}
    assert body["unusable"] == {} and body["status"] == "ok"
    assert len(json.dumps(body)) < 200


def test_an_unknown_city_names_a_few_likely_ones_not_all(client):
    answer = client.get("/api/town-99/search?q=x")
    assert answer.status_code == 404
    body = answer.get_json()
    assert body["city"] == "town-99" and len(body["cities"]) == cities_module.MAX_NAMED
    assert all(slug.startswith("town-") for slug in body["cities"])
    assert "more (see the home page)" in body["error"]
    needed = client.get("/api/search?q=x").get_json()
    assert len(needed["search_paths"]) == cities_module.MAX_NAMED
    assert "20 more, listed on the home page" in needed["error"]


@pytest.mark.slow
def test_the_search_box_suggests_cities_as_you_type_in_chromium(world):
    from test_browser import _chromium_page, _serve

    served = _serve(create_app({"SNAPASSIST_TABLES_FOLDER": world}))
    base = next(served)
    try:
        with _chromium_page(base, 1000, 800) as (page, outside):
            page.goto(base + "/")
            page.fill("input[name=city]", "dre")
            page.wait_for_function(
                "() => document.querySelectorAll('#sa-city-names option').length > 0")
            options = page.eval_on_selector_all("#sa-city-names option", "os => os.map(o => o.value)")
            assert options == ["Dresden"]
            # The form without the script: a plain GET listing the matches.
            page.press("input[name=city]", "Enter")
            page.wait_for_url("**/?city=dre")
            assert page.locator("a[data-city]").evaluate_all(
                "links => links.map(a => a.dataset.city)") == ["dresden-de"]
        assert outside == {}
    finally:
        next(served, None)
