"""The Flickr client: keys, endpoint, pacing, retries and error classes."""
import logging

import pytest

from fake_flickr import FakeFlickr, make_client, make_world
from snapassist import config
from snapassist.errors import (ConfigError, FlickrFinalError, FlickrRetriesExhaustedError,
                               ValidationError)
from snapassist.scrapers._pacing import Pacer
from snapassist.scrapers.client import FlickrClient, get_rest_url, resolve_keys

DAY = {"min_taken_date": "2017-06-01 00:00:00", "max_taken_date": "2017-06-01 23:59:59"}


@pytest.fixture(scope="module")
def fake():
    with FakeFlickr(make_world({"2017-06-01": 300}, seed=5), slow_s=0.5) as server:
        yield server


@pytest.fixture(autouse=True)
def _clear_faults(fake):
    fake.faults.clear()
    yield
    fake.faults.clear()


def test_keys_from_secrets_then_environment():
    assert resolve_keys("k s", environ={}) == ("k", "s")
    env = {config.ENV_API_KEY: "k2", config.ENV_API_SECRET: "s2"}
    assert resolve_keys(None, environ=env) == ("k2", "s2")


@pytest.mark.parametrize("secrets,env,match", [
    (None, {}, "FLICKR_API_KEY and FLICKR_API_SECRET"),
    (None, {config.ENV_API_KEY: "k"}, "set FLICKR_API_SECRET"),
    ("onlyone", {}, "two words"),
])
def test_missing_keys_are_a_clear_error(secrets, env, match):
    with pytest.raises(ConfigError, match=match):
        resolve_keys(secrets, environ=env)


def test_secret_never_shown_in_errors():
    with pytest.raises(ConfigError) as info:
        resolve_keys("a b c-topsecret", environ={})
    assert "topsecret" not in str(info.value)
    assert "topsecret" not in repr(FlickrClient("k", "topsecret", rest_url="http://x/"))


def test_rest_url_from_environment():
    assert get_rest_url({}) == config.FLICKR_REST_URL
    assert get_rest_url({config.ENV_REST_URL: "http://127.0.0.1:9/rest/"}).startswith("http://127")
    with pytest.raises(ConfigError, match="SNAPASSIST_FLICKR_REST_URL must be an http"):
        get_rest_url({config.ENV_REST_URL: "ftp://x"})


def test_pacer_spaces_calls_evenly_without_bursts():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    pacer = Pacer(7200, clock=lambda: now[0], sleep=sleep)
    times = []
    for _ in range(10):
        pacer.wait()
        times.append(now[0])
    assert times == pytest.approx([0.5 * i for i in range(10)])
    now[0] += 10.0  # a long pause must not allow a catch-up burst
    pacer.wait()
    first = now[0]
    pacer.wait()
    assert now[0] - first == pytest.approx(0.5)
    with pytest.raises(ValidationError, match="calls_per_hour must be a number > 0, got 0"):
        Pacer(0)


@pytest.mark.parametrize("fault", ["105", "10", "201", "0", "429", "500", "503",
                                   "notjson", "drop", "slow"])
def test_transient_faults_are_retried(fake, fault):
    client = make_client(fake, timeout=0.2)
    fake.faults.extend([fault, fault])
    photos = client.search(**DAY)
    assert int(photos["total"]) > 0
    assert client.n_calls == 3


def test_retries_are_bounded(fake, caplog):
    client = make_client(fake, max_retries=2)
    fake.faults.extend(["429"] * 5)
    with caplog.at_level(logging.WARNING, logger="snapassist"):
        with pytest.raises(FlickrRetriesExhaustedError, match="kept failing after 3 attempts"
                           ".*HTTP 429") as info:
            client.search(**DAY)
    assert info.value.status == 429 and client.n_calls == 3
    assert "testsecret" not in caplog.text


def test_back_off_grows_exponentially_with_jitter(fake):
    waits = []
    client = make_client(fake, backoff_base=1.0, backoff_max=3.0, max_retries=3,
                         sleep=waits.append)
    fake.faults.extend(["105"] * 3)
    client.search(**DAY)
    assert len(waits) == 3
    for wait, full in zip(waits, [1.0, 2.0, 3.0]):
        assert full * 0.5 <= wait <= full


def test_invalid_key_is_final_and_says_what_to_fix(fake):
    client = FlickrClient("wrong", "secret", rest_url=fake.url, calls_per_hour=1e9)
    with pytest.raises(FlickrFinalError, match="100 .*check --secrets or FLICKR_API_KEY") as info:
        client.search(**DAY)
    assert info.value.code == 100 and client.n_calls == 1


@pytest.mark.parametrize("code,hint", [(96, "signature is invalid"),
                                       (97, "signature is missing"),
                                       (100, "API key is invalid"), (112, "method is unknown")])
def test_final_codes_stop_at_once(fake, code, hint):
    client = make_client(fake)
    fake.faults.append(str(code))
    with pytest.raises(FlickrFinalError, match=f"error {code} .*{hint}") as info:
        client.search(**DAY)
    assert info.value.code == code and client.n_calls == 1


def test_parameterless_search_and_unknown_method_are_final(fake):
    client = make_client(fake)
    with pytest.raises(FlickrFinalError, match="error 3 ") as info:
        client.search()
    assert info.value.code == 3
    with pytest.raises(FlickrFinalError, match="112 .*SNAPASSIST_FLICKR_REST_URL"):
        client.call("flickr.photos.fly")
    assert client.n_calls == 2


def test_http_404_is_final(fake):
    client = make_client(fake, rest_url=fake.url.replace("/services/rest/", "/nothing/"))
    with pytest.raises(FlickrFinalError, match="404") as info:
        client.search(**DAY)
    assert info.value.status == 404


def test_rate_limit_is_never_exceeded(fake):
    client = make_client(fake, calls_per_hour=36000)  # 10 a second
    start = len(fake.call_times)
    for _ in range(25):
        client.search(**DAY)
    times = sorted(fake.call_times[start:])
    worst = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
    assert worst <= 36000 / 3600 + 1
    assert times[-1] - times[0] >= 2.3  # and the calls really were spaced
