"""Filters (months, light), orders (sort) and the sun's date through the web app."""
import dataclasses
import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from flask import template_rendered

from snapassist import config, geo
from snapassist.settings import Settings

SUBJECT = "cn tower"


@pytest.fixture(scope="module")
def subject_photos(demo_db):
    """Every photo of the subject with the columns the checks read, by id."""
    return demo_db.get_search_results(SUBJECT).set_index("id")


def api(client, **params):
    response = client.get("/api/search", query_string={"q": SUBJECT, **params})
    return response.status_code, response.get_json()


@contextmanager
def rendered(app):
    """The (template name, context) of each page rendered inside the block."""
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, context))

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


# --- filters ------------------------------------------------------------------

def test_months_keep_only_photos_taken_in_them(client, subject_photos):
    status, body = api(client, months="6,7,8")
    assert status == 200, body
    summer = subject_photos["month"].isin([6, 7, 8])
    assert body["n_photos"] == int(summer.sum()) < len(subject_photos)
    assert body["clusters"]
    for cluster in body["clusters"]:
        assert subject_photos.loc[cluster["photo_ids"], "month"].isin([6, 7, 8]).all()
    assert body["options"]["months"] == [6, 7, 8]


def test_light_keeps_only_photos_taken_in_it(client, subject_photos):
    status, body = api(client, light=["golden", "blue"])       # repeated, as a form sends it
    assert status == 200, body
    wanted = subject_photos["light"].isin(["golden", "blue"])
    assert body["n_photos"] == int(wanted.sum()) < len(subject_photos)
    for cluster in body["clusters"]:
        assert subject_photos.loc[cluster["photo_ids"], "light"].isin(["golden", "blue"]).all()
        assert cluster["light"]["all"]["day"] == cluster["light"]["all"]["night"] == 0.0
    assert body["options"]["light"] == ["blue", "golden"]
    # The same filter written with commas is the same search.
    assert api(client, light="golden,blue")[1]["clusters"] == body["clusters"]


def test_filters_with_too_few_photos_say_so(client, subject_photos):
    few = subject_photos["month"].eq(2) & subject_photos["light"].eq("blue")
    assert few.sum() < config.MIN_PHOTOS_TO_CLUSTER
    status, body = api(client, months="2", light="blue")
    assert status == 400
    assert body["error"].startswith("With the filters (taken in Feb; in blue light): Only")
    assert body["n_photos"] == int(few.sum())


def test_a_filtered_search_is_too_broad_on_its_own_count(demo_db):
    from snapassist.web import create_app

    n_night = demo_db.count_search_results("toronto", lights=["night"])
    n_all = demo_db.count_search_results("toronto")
    assert n_night < n_all
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": demo_db,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": n_night - 1})
    body = app.test_client().get("/api/search?q=toronto&light=night").get_json()
    assert body["too_broad"] and body["n_photos"] == n_night
    assert "(in night light)" in body["error"]
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": demo_db,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": n_night})
    body = app.test_client().get("/api/search?q=toronto&light=night").get_json()
    assert "clusters" in body and body["n_photos"] == n_night


def test_narrower_searches_of_a_filtered_search_keep_its_filters(demo_db):
    from snapassist.web import create_app

    n_night = demo_db.count_search_results("toronto", lights=["night"])
    app = create_app({"TESTING": True, "SNAPASSIST_DATABASE": demo_db,
                      "SNAPASSIST_LIVE_MAX_PHOTOS": n_night - 1})
    client = app.test_client()
    body = client.get("/api/search?q=toronto&light=night&sort=admired").get_json()
    assert body["suggestions"]
    for s in body["suggestions"]:
        # Counted among the night photos only, and the link keeps the filter
        # and the order.
        assert s["n_photos"] == demo_db.count_search_results(s["query"], lights=["night"])
        assert s["params"] == {"q": s["query"], "light": "night", "sort": "admired"}
    page = client.get("/search?q=toronto&light=night&sort=admired").get_data(as_text=True)
    first = body["suggestions"][0]["query"].replace(" ", "+")
    assert f'href="/search?q={first}&amp;light=night&amp;sort=admired"' in page


# --- orders -------------------------------------------------------------------

def test_sort_by_photographers_and_admired_keeps_the_spots(client, subject_photos):
    base = api(client)[1]["clusters"]
    assert len(base) >= 3
    by_people = api(client, sort="photographers")[1]["clusters"]
    admired = api(client, sort="admired")[1]["clusters"]
    for order in (by_people, admired):
        assert [c["rank"] for c in order] == list(range(1, len(base) + 1))
        assert sorted(map(tuple, (c["photo_ids"] for c in order))) == sorted(
            map(tuple, (c["photo_ids"] for c in base)))
    people = [c["n_owners"] for c in by_people]
    assert people == sorted(people, reverse=True)
    median = float(np.median(subject_photos["views"]))
    k = config.ADMIRED_PRIOR_PHOTOS
    shrunk = [(c["n_photos"] * c["mean_views"] + k * median) / (c["n_photos"] + k)
              for c in admired]
    assert shrunk == sorted(shrunk, reverse=True)
    assert [c["photo_ids"] for c in admired] != [c["photo_ids"] for c in base]
    # The anchor keeps pointing at the same spot under its new rank.
    anchor_ids = next(c["photo_ids"] for c in base if c["anchor_rank"] is None)
    for order in (by_people, admired):
        anchor = next(c for c in order if c["photo_ids"] == anchor_ids)
        assert {c["anchor_rank"] for c in order if c is not anchor} == {anchor["rank"]}


def test_the_map_colours_follow_the_new_ranks(app, client):
    with rendered(app) as seen:
        client.get("/search", query_string={"q": SUBJECT, "sort": "photographers"})
    name, context = seen[-1]
    assert name == "results.html"
    result = context["result"]
    owners = [h.n_owners for h in result.spots]
    assert owners == sorted(owners, reverse=True)
    assert set(result.photo_rank[result.photo_rank > 0]) == {h.rank for h in result.spots}
    counts = {h.rank: h.n_photos for h in result.spots}
    for rank, n in counts.items():
        assert int((result.photo_rank == rank).sum()) == n
    assert context["options"] == {"sort": "photographers", "months": [], "light": [],
                                  "date": context["options"]["date"]}


# --- bad values -------------------------------------------------------------------

@pytest.mark.parametrize("params, words", [
    ({"months": "13"}, ["months must be month numbers from 1 to 12", "'13'"]),
    ({"months": "oct"}, ["months must be", "'oct'"]),
    ({"light": "noon"}, ["light must be one or more of night, blue, golden, day", "'noon'"]),
    ({"sort": "x"}, ["sort must be one of score, admired, photographers", "'x'"]),
    ({"date": "2026-02-30"}, ["date must be a day written YYYY-MM-DD", "'2026-02-30'"]),
    ({"date": "21/06/2026"}, ["date must be", "'21/06/2026'"]),
])
def test_bad_values_name_the_parameter_the_rule_and_the_value(client, params, words):
    status, body = api(client, **params)
    assert status == 400
    for word in words:
        assert word in body["error"]
    page = client.get("/search", query_string={"q": SUBJECT, **params})
    assert page.status_code == 200
    text = page.get_data(as_text=True).replace("&#39;", "'")
    for word in words:
        assert word in text


# --- cache keys ---------------------------------------------------------------------

def test_filters_key_the_answer_order_and_date_only_the_page(app, client):
    answers = app.extensions["snapassist_cache"]
    pages = app.extensions["snapassist_pages"]
    answers.clear()
    pages.clear()
    api(client, months="10,11")
    assert len(answers) == 1
    for same in ({"months": "11,10"}, {"months": ["10", "11,10"]}, {"months": "10, 11,"}):
        assert api(client, **same)[1]["options"]["months"] == [10, 11]
    assert len(answers) == 1, "one answer for one set of months however written"
    api(client, months="10")
    api(client, months="10,11", light="night")
    assert len(answers) == 3
    n_pages = len(pages)
    first = api(client, months="10,11", sort="admired", date="2026-06-21")[1]
    second = api(client, months="10,11", sort="admired", date="2026-12-21")[1]
    assert len(answers) == 3, "orders and dates reuse the answer"
    assert len(pages) == n_pages + 2
    assert first["clusters"][0]["sun"]["sunset"] != second["clusters"][0]["sun"]["sunset"]


# --- the sun on a date --------------------------------------------------------------

def test_the_sun_on_the_date_asked(client, demo_db):
    zone = ZoneInfo(demo_db.timezone)
    assert demo_db.timezone == "America/Toronto"
    status, body = api(client, date="2026-06-21")
    assert status == 200 and body["options"]["date"] == "2026-06-21"
    for cluster in body["clusters"]:
        expected = geo.sun_times(cluster["latitude"], cluster["longitude"],
                                   dt.date(2026, 6, 21), zone)
        assert cluster["sun"] == expected
        assert cluster["sun_behind_at_sunset"] == geo.sun_behind(
            cluster["bearing_deg"], expected["sunset_azimuth_deg"])
    # Midsummer in Toronto: the sun sets after eight in the evening.
    assert "20:00" < body["clusters"][0]["sun"]["sunset"] < "21:30"


def test_the_sun_defaults_to_today_in_the_city(client, demo_db):
    zone = ZoneInfo(demo_db.timezone)
    before = geo.today_in(zone)
    body = api(client)[1]
    after = geo.today_in(zone)
    assert body["options"]["date"] in (before.isoformat(), after.isoformat())
    assert body["clusters"][0]["sun"]["date"] == body["options"]["date"]


def test_every_spot_field_is_in_the_api(client):
    cluster = api(client)[1]["clusters"][0]
    for name in ("light", "sun", "bearing_deg", "distance_m", "side", "anchor_rank",
                 "sun_behind_at_sunset", "focal_range_mm", "when", "one_photographer_share",
                 "one_photographer"):
        assert name in cluster, name
    assert set(cluster["light"]) == {"all", "admired", "n_known"}


@pytest.mark.parametrize("name", ["admired_share", "event_share", "event_max_days",
                                  "season_share", "season_max_months", "min_dated_photos",
                                  "one_photographer_share", "admired_prior_photos",
                                  "max_spot_spread_m", "spot_visit_m", "min_spot_separation_m"])
def test_every_method_setting_keys_cached_and_stored_answers(name, demo_db, demo_folder):
    from snapassist.precompute._files import fingerprint

    base = Settings()
    changed = dataclasses.replace(base, **{name: getattr(base, name) + 1})
    assert changed.digest() != base.digest()
    assert fingerprint(demo_folder, demo_db, changed)["config"]["settings"][name] == \
        getattr(changed, name)
    assert fingerprint(demo_folder, demo_db, changed) != fingerprint(demo_folder, demo_db, base)


@pytest.mark.parametrize("name, value", [("GZIP_LEVEL", 1), ("FLICKR_TIMEOUT_S", 3.0),
                                         ("CACHE_MAX_ENTRIES", 7), ("N_SUGGESTIONS", 3)])
def test_a_setting_outside_the_method_keeps_stored_answers(name, value, monkeypatch, demo_db,
                                                            demo_folder):
    from snapassist.precompute._files import fingerprint

    stamp = fingerprint(demo_folder, demo_db)
    monkeypatch.setattr(config, name, value)
    assert fingerprint(demo_folder, demo_db) == stamp
    # The live budget decides what is clustered live, never what an answer is.
    wider = Settings(live_max_photos=Settings().live_max_photos * 2)
    assert wider.digest() == Settings().digest()
    assert fingerprint(demo_folder, demo_db, wider) == stamp
