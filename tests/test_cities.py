"""Several cities served side by side by one app, and a city served end to end from an import."""
import csv
import logging
import re

import numpy as np
import pytest

from snapassist import cli, config
from snapassist.io import read_table_attrs
from snapassist.web import create_app

DRESDEN_SPOTS = {"frauenkirche": (51.0519, 13.7416), "zwinger": (51.0530, 13.7337),
                 "semperoper": (51.0543, 13.7353)}
LBSN_HEADER = ["origin_id", "lat", "lng", "guid", "user_guid", "post_create_date",
               "post_publish_date", "post_body", "hashtags", "emoji", "post_views_count",
               "post_like_count", "loc_id", "loc_name"]


def write_dresden_csv(path, per_spot=60, seed=5):
    """An LBSN CSV of three Dresden subjects, each shot by many people, all tagged sunset."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LBSN_HEADER)
        for k, (tag, (lat, lon)) in enumerate(DRESDEN_SPOTS.items()):
            for i in range(per_spot):
                writer.writerow(["2", f"{lat + rng.normal(0, 1.5e-4):.6f}",
                                 f"{lon + rng.normal(0, 2e-4):.6f}", f"{k:02d}{i:038x}",
                                 f"user{(i * 7 + k) % 40}", "2019-05-04 20:15:00", "2019-05-05",
                                 f"{tag.title()} am Abend", f"{tag};Dresden;Sunset", "",
                                 str(int(rng.integers(0, 2000))), "1", "", ""])
    return path


def dresden_bounds():
    lats = [p[0] for p in DRESDEN_SPOTS.values()]
    lons = [p[1] for p in DRESDEN_SPOTS.values()]
    return min(lats) - 0.01, min(lons) - 0.01, max(lats) + 0.01, max(lons) + 0.01


@pytest.fixture(scope="module")
def cities_folder(tmp_path_factory, demo_folder):
    """``toronto/`` (the session's demo tables) and ``dresden/`` (an LBSN import), nothing at the root."""
    root = tmp_path_factory.mktemp("cities")
    (root / "toronto").symlink_to(demo_folder, target_is_directory=True)
    source = write_dresden_csv(tmp_path_factory.mktemp("lbsn") / "dresden.csv")
    assert cli.main(["import", "--format", "lbsn", str(source), str(root / "dresden"),
                     "--city", "Dresden", "-q"]) == 0
    (root / "notes").mkdir()          # no tables: not a city, not an error
    return root


@pytest.fixture
def client(cities_folder):
    return create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": cities_folder}).test_client()


def text(response):
    return response.get_data(as_text=True)


def test_the_home_page_lists_the_cities_with_their_photos(client, cities_folder):
    page = text(client.get("/"))
    assert 'href="/dresden/"' in page and ">Dresden</a>" in page
    assert 'href="/toronto/"' in page and ">Toronto</a>" in page
    assert "180 photos" in page          # three subjects of 60, read without loading
    assert "notes" not in page
    # The app's own addresses are not cities.
    with client.get("/static/style.css") as static:
        assert static.status_code == 200
    assert client.get("/dresden").status_code == 308          # to /dresden/
    assert client.get("/healthz").get_json()["cities"] == {"count": 2, "loaded": 0, "changed": 0,
                                                            "unusable": 0}


def test_each_city_names_itself_on_its_pages(client):
    for slug, name in (("dresden", "Dresden"), ("toronto", "Toronto")):
        page = text(client.get(f"/{slug}/"))
        assert f"What are you looking to photograph in {name}?" in page
        assert f"<title>SnapAssist: {name}</title>" in page
        other = "Toronto" if name == "Dresden" else "Dresden"
        assert other not in page
        about = text(client.get(f"/{slug}/about"))
        assert f"photo of {name} tagged with it" in about
        # Every address of the city's pages stays in the city.
        assert f'action="/{slug}/search"' in page and f'href="/{slug}/about"' in page


def test_each_city_answers_with_its_own_spots(client):
    s, w, n, e = dresden_bounds()
    # "sunset" is a subject of both cities: one answer each, never the other's.
    dresden = client.get("/api/dresden/search?q=sunset")
    toronto = client.get("/api/toronto/search?q=sunset")
    assert dresden.status_code == toronto.status_code == 200
    spots = dresden.get_json()["clusters"]
    assert len(spots) >= 2 and dresden.get_json()["n_photos"] == 180
    assert all(s <= c["latitude"] <= n and w <= c["longitude"] <= e for c in spots)
    assert toronto.get_json()["clusters"]
    assert all(43 < c["latitude"] < 44.5 and -80 < c["longitude"] < -79
               for c in toronto.get_json()["clusters"])
    assert client.get("/api/dresden/search?q=frauenkirche").get_json()["n_photos"] == 60


def test_the_results_map_opens_on_the_city(client):
    s, w, n, e = dresden_bounds()
    page = text(client.get("/dresden/search?q=zwinger"))
    assert "in Dresden" in page or "Zwinger" in page or "zwinger" in page
    center = re.search(r"center: \[([-\d.]+), ([-\d.]+)\]", page)
    fit = re.search(r"fitBounds\(\s*\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]", page)
    assert center and fit, "no map view on the page"
    lat, lon = map(float, center.groups())
    assert s <= lat <= n and w <= lon <= e
    south, west, north, east = map(float, fit.groups())
    assert s <= south <= north <= n and w <= west <= east <= e


def test_a_map_without_photos_opens_on_the_recorded_area():
    from types import SimpleNamespace

    from snapassist.web.map import first_view

    empty = SimpleNamespace(photo_rank=np.zeros(0, int), latitudes=np.zeros(0),
                            longitudes=np.zeros(0))
    assert first_view(empty, (13.7, 51.0, 13.8, 51.1)) == [[51.0, 13.7], [51.1, 13.8]]
    (south, west), (north, east) = first_view(empty)        # nothing recorded: the world
    assert south < 43 < north and west < -79 and east > 13


def test_each_city_is_loaded_on_its_first_search(client):
    assert client.get("/dresden/").status_code == 200
    assert client.get("/dresden/about").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["cities"]["loaded"] == 0
    assert client.get("/dresden/search?q=semperoper").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["cities"]["loaded"] == 1
    cities = client.application.extensions["snapassist_cities"]
    assert cities["dresden"].holder.loaded and not cities["toronto"].holder.loaded
    assert health["tables_loaded"] is False


def test_an_unknown_city_is_a_404_naming_the_known_ones(client):
    page = client.get("/paris/search?q=louvre")
    assert page.status_code == 404
    assert "no city &#39;paris&#39;" in text(page) and "dresden, toronto" in text(page)
    assert client.get("/paris/").status_code == 404
    api = client.get("/api/paris/search?q=louvre")
    assert api.status_code == 404
    assert api.get_json() == {"error": "There is no city 'paris' here. The cities are: "
                                       "dresden, toronto.",
                              "status": 404, "city": "paris", "cities": ["dresden", "toronto"]}


def test_bad_searches_stay_in_their_city(client):
    page = client.get("/dresden/search?q=")
    assert page.status_code == 200 and 'action="/dresden/search"' in text(page)
    api = client.get("/api/dresden/search")
    assert api.status_code == 400 and "Type what you want" in api.get_json()["error"]


def test_folders_whose_name_cannot_be_an_address_are_skipped(tmp_path, cities_folder, caplog):
    (tmp_path / "dresden").symlink_to(cities_folder / "dresden", target_is_directory=True)
    (tmp_path / "new york").symlink_to(cities_folder / "toronto", target_is_directory=True)
    (tmp_path / "static").symlink_to(cities_folder / "toronto", target_is_directory=True)
    with caplog.at_level(logging.WARNING, logger="snapassist.web.cities"):
        app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tmp_path})
    skipped = " ".join(r.getMessage() for r in caplog.records)
    assert "new york" in skipped and "static" in skipped
    assert [city.slug for city in app.extensions["snapassist_cities"]] == ["dresden"]
    assert 'data-city="dresden"' in text(app.test_client().get("/"))


def test_a_server_start_checks_every_city_but_loads_none(cities_folder, tmp_path):
    """``snapassist serve`` (load_tables=True): a broken city is left out, not fatal."""
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": cities_folder},
                     load_tables=True)
    health = app.test_client().get("/healthz").get_json()
    assert health["cities"]["loaded"] == 0
    # A gunicorn config with preload_app loads them in the master (Cities.get).
    app.extensions["snapassist_cities"].get()
    health = app.test_client().get("/healthz").get_json()
    assert health["tables_loaded"] is True and health["cities"]["loaded"] == 2

    (tmp_path / "dresden").symlink_to(cities_folder / "dresden", target_is_directory=True)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / config.MASTER_TABLE_PROCESSED).write_text("not a table")
    app = create_app({"TESTING": True, "SNAPASSIST_TABLES_FOLDER": tmp_path}, load_tables=True)
    assert app.test_client().get("/broken/").status_code == 503
    assert app.test_client().get("/dresden/").status_code == 200


def test_a_city_served_end_to_end_from_an_lbsn_import(tmp_path, monkeypatch):
    """The issue's promise: one import, then FLICKR_TABLES_FOLDER=OUTFOLDER serves that city."""
    source = write_dresden_csv(tmp_path / "posts.csv")
    out = tmp_path / "out"
    assert cli.main(["import", "--format", "lbsn", str(source), str(out), "--city",
                     "Dresden", "-q"]) == 0
    monkeypatch.setenv(config.ENV_TABLES_FOLDER, str(out))
    client = create_app({"TESTING": True}).test_client()
    assert "What are you looking to photograph in Dresden?" in text(client.get("/"))
    answer = client.get("/api/search?q=frauenkirche").get_json()
    s, w, n, e = dresden_bounds()
    assert answer["n_photos"] == 60 and answer["clusters"]
    assert all(s <= c["latitude"] <= n and w <= c["longitude"] <= e
               for c in answer["clusters"])
    page = text(client.get("/search?q=frauenkirche"))
    lat, lon = map(float, re.search(r"center: \[([-\d.]+), ([-\d.]+)\]", page).groups())
    assert s <= lat <= n and w <= lon <= e and "Toronto" not in page


def test_each_city_offers_its_own_subjects_to_try(client, cities_folder):
    # Recorded at import: the commonest tags a search answers at once, the
    # city's own name left out; the demo records its own.
    examples = read_table_attrs(cities_folder / "dresden" / config.MASTER_TABLE_PROCESSED)["examples"]
    assert examples[0] == "sunset" and set(examples[1:]) == set(DRESDEN_SPOTS)
    dresden = text(client.get("/dresden/"))
    for example in examples:
        assert f'href="/dresden/search?q={example}"' in dresden
    assert "cn tower" not in dresden and "dresden?q" not in dresden
    toronto = text(client.get("/toronto/"))
    assert 'href="/toronto/search?q=cn+tower"' in toronto
    assert "frauenkirche" not in toronto
    # An empty search's message names one of the city's own subjects.
    assert "for example &#39;sunset&#39;" in text(client.get("/dresden/search"))


def test_tables_that_record_no_subjects_offer_ones_that_suit_any_city(tmp_path):
    from snapassist.web.tables import TablesHolder

    assert TablesHolder(folder=tmp_path).examples == list(config.DEFAULT_EXAMPLES)


def test_a_results_page_names_its_city_in_title_and_heading(client):
    page = text(client.get("/dresden/search?q=frauenkirche"))
    n = len(client.get("/api/dresden/search?q=frauenkirche").get_json()["spots"])
    heading = f"{n} spot{'' if n == 1 else 's'} for &ldquo;frauenkirche&rdquo; in Dresden"
    assert f"<title>{heading} - SnapAssist</title>" in page
    assert f"<h1>{heading}</h1>" in page
    toronto = text(client.get("/toronto/search?q=cn+tower"))
    assert re.search(r"<title>\d+ spots? for &ldquo;cn tower&rdquo; in Toronto - SnapAssist</title>",
                     toronto)


def test_no_city_address_duplicates_the_api(client):
    # The API lives under /api/<city>/ only; under /<city>/ there is none.
    page = client.get("/toronto/api/search?q=graffiti&months=13")
    assert page.status_code == 404 and page.mimetype == "text/html"
    for url in ("/api/search?q=x", "/api/", "/api"):
        api = client.get(url)
        assert api.status_code == 404 and api.get_json()["search_paths"] == [
            "/api/dresden/search", "/api/toronto/search"]
    assert client.get("/api/dresden/").get_json() == {"search": "/api/dresden/search"}
    assert client.get("/api/dresden/nothing").get_json()["status"] == 404
    post = client.post("/api/dresden/search?q=x")
    assert post.status_code == 405 and post.get_json()["allowed"] == ["GET", "HEAD", "OPTIONS"]
