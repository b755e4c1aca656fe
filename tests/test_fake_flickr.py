"""The fake Flickr server behaves as shared/FLICKR_API.md says."""
import json
import math

import numpy as np
import pytest
import requests

from fake_flickr import CAP, FakeFlickr, expected_ids, from_mysql, make_world, to_mysql


@pytest.fixture(scope="module")
def fake():
    world = make_world({"2017-06-01": 5000, "2017-06-02": 200}, seed=3)
    with FakeFlickr(world) as server:
        yield server


def _get(fake, path_suffix="", **params):
    params.setdefault("api_key", "testkey")
    params.setdefault("format", "json")
    params.setdefault("nojsoncallback", 1)
    return requests.get(fake.url.rstrip("/") + path_suffix, params=params, timeout=5)


def test_get_without_trailing_slash_and_post_with_form(fake):
    a = _get(fake, method="flickr.photos.search", min_taken_date="2017-06-02 00:00:00").json()
    b = requests.post(fake.url, data={"api_key": "testkey", "method": "flickr.photos.search",
                                      "min_taken_date": "2017-06-02 00:00:00"}, timeout=5).json()
    assert a["stat"] == b["stat"] == "ok"
    assert int(a["photos"]["total"]) == int(b["photos"]["total"]) > 0


def test_key_from_oauth_header(fake):
    headers = {"Authorization": 'OAuth oauth_nonce="1", oauth_consumer_key="testkey"'}
    ok = requests.post(fake.url, data={"method": "flickr.photos.search", "tags": "x"},
                       headers=headers, timeout=5).json()
    assert ok["stat"] == "ok"


def test_unknown_key_and_parameterless_search_and_unknown_method(fake):
    assert _get(fake, api_key="nope", method="flickr.photos.search", tags="x").json()["code"] == 100
    assert _get(fake, method="flickr.photos.search").json()["code"] == 3
    assert _get(fake, method="flickr.photos.fly").json()["code"] == 112


def test_without_a_date_only_the_last_12_hours_are_searched(fake):
    body = _get(fake, method="flickr.photos.search", bbox="-80,43,-79,44").json()
    assert body["photos"]["photo"] == [] and body["photos"]["pages"] == 0


def test_taken_dates_are_inclusive(fake):
    w = fake.world
    t = int(w["datetaken_s"].iloc[100])
    body = _get(fake, method="flickr.photos.search", min_taken_date=to_mysql(t),
                max_taken_date=to_mysql(t), per_page=500).json()
    got = {p["id"] for p in body["photos"]["photo"]}
    assert got == set(w["id"][w["datetaken_s"] == t])


def test_geo_pages_hold_250_and_the_cap_repeats_pages(fake):
    common = dict(method="flickr.photos.search", lat=43.68641, lon=-79.489219, radius=25,
                  min_taken_date="2017-06-01 00:00:00", max_taken_date="2017-06-01 23:59:59",
                  per_page=500, sort="date-taken-asc")
    first = _get(fake, page=1, **common).json()["photos"]
    total = int(first["total"])
    assert total == len(expected_ids(fake.world, "2017-06-01", "2017-06-02")) > CAP
    assert len(first["photo"]) == 250 and first["pages"] == math.ceil(total / 250)
    past = _get(fake, page=CAP // 250 + 1, **common).json()["photos"]["photo"]
    assert [p["id"] for p in past] == [p["id"] for p in first["photo"]]


def test_numbers_arrive_as_strings_and_numbers(fake):
    body = _get(fake, method="flickr.photos.search", min_taken_date="2017-06-02",
                per_page=200).json()
    kinds = {type(p["views"]) for p in body["photos"]["photo"]}
    assert kinds == {str, int}


def test_world_has_untagged_photos_and_a_busy_day():
    world = make_world({"2017-06-01": 11000}, seed=1)
    assert world["untagged"].sum() > 0
    day = (world["datetaken_s"] >= from_mysql("2017-06-01")).sum()
    assert day == 11000 and np.all(np.diff(world["datetaken_s"]) >= 0)


@pytest.mark.parametrize("fault,status", [("429", 429), ("500", 500), ("notjson", 200)])
def test_injected_http_faults(fake, fault, status):
    fake.faults.append(fault)
    resp = _get(fake, method="flickr.photos.search", tags="x")
    assert resp.status_code == status
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.text)


def test_injected_api_fault_and_call_counts(fake):
    fake.faults.append("105")
    n = fake.n_calls()
    assert _get(fake, method="flickr.photos.search", tags="x").json()["code"] == 105
    assert fake.n_calls() == n + 1 and fake.max_calls_in_any_second() >= 1


def test_get_exif_codes(fake):
    w = fake.world
    for code in (1, 2):
        pid = w["id"][w["exif_code"] == code].iloc[0]
        body = _get(fake, method="flickr.photos.getExif", photo_id=pid).json()
        assert body["stat"] == "fail" and body["code"] == code
    pid = w["id"][w["exif_code"] == 0].iloc[0]
    assert _get(fake, method="flickr.photos.getExif", photo_id=pid).json()["stat"] == "ok"
