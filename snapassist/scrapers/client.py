"""The one module that talks to Flickr: endpoint, keys, pacing, retries, errors.

Every call goes through :meth:`FlickrClient.call`, which paces calls evenly,
retries transient failures with exponential back-off and jitter, and turns
every failure into one of the :class:`~snapassist.errors.FlickrError` family.
"""
import json
import logging
import os
import random
import re
import time

from .. import config
from ..errors import (ConfigError, FlickrFinalError, FlickrRetriesExhaustedError,
                      FlickrTransientError)
from ._pacing import Pacer

log = logging.getLogger(__name__)

#: Flickr API codes worth retrying (service unavailable, search unavailable...).
TRANSIENT_CODES = frozenset({0, 10, 105, 201})

# What to fix, by final error code: shown to the user.
_FINAL_HINTS = {
    100: "the API key is invalid: check --secrets or FLICKR_API_KEY",
    96: "the request signature is invalid: check the API secret "
        "(--secrets or FLICKR_API_SECRET)",
    97: "the request signature is missing: check the API secret "
        "(--secrets or FLICKR_API_SECRET)",
    112: "the method is unknown to this endpoint: check SNAPASSIST_FLICKR_REST_URL",
    3: "the search had no limiting parameters: this is a bug in the caller",
    1: "the photo was not found",
    2: "the photo's owner does not allow this (permission denied)",
}

_STATUS_RE = re.compile(r"Status code (\d{3})")


def resolve_keys(secrets=None, environ=None):
    """Return ``(api_key, api_secret)``.

    From ``secrets`` ("KEY SECRET", as given to ``--secrets``), else from the
    ``FLICKR_API_KEY`` and ``FLICKR_API_SECRET`` environment variables.

    Raises
    ------
    ConfigError
        When neither source gives both values. The secret is never echoed.
    """
    environ = os.environ if environ is None else environ
    if secrets is not None:
        parts = str(secrets).split()
        if len(parts) != 2:
            raise ConfigError(
                f"--secrets must be two words, \"KEY SECRET\"; got {len(parts)} word(s)")
        return parts[0], parts[1]
    key = environ.get(config.ENV_API_KEY, "").strip()
    secret = environ.get(config.ENV_API_SECRET, "").strip()
    if not key or not secret:
        missing = [n for n, v in ((config.ENV_API_KEY, key),
                                  (config.ENV_API_SECRET, secret)) if not v]
        raise ConfigError(
            "no Flickr API key: give --secrets \"KEY SECRET\" or set "
            f"{' and '.join(missing)} in the environment")
    return key, secret


def get_rest_url(environ=None):
    """The REST endpoint: ``SNAPASSIST_FLICKR_REST_URL``, else Flickr's."""
    environ = os.environ if environ is None else environ
    url = environ.get(config.ENV_REST_URL, "").strip()
    if not url:
        return config.FLICKR_REST_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{config.ENV_REST_URL} must be an http(s) URL, got {url!r}")
    return url


def classify_error(exc):
    """Map an exception raised by flickrapi or requests to our error classes.

    Returns a :class:`FlickrTransientError` or :class:`FlickrFinalError`, or
    ``None`` when ``exc`` is not a failure of the call itself.
    """
    import flickrapi
    import requests

    if isinstance(exc, flickrapi.exceptions.FlickrError):
        code = exc.code
        if code is None:
            match = _STATUS_RE.search(str(exc))
            status = int(match.group(1)) if match else None
            if status is not None and (status == 429 or status >= 500):
                return FlickrTransientError(f"HTTP {status} from Flickr", status=status)
            return FlickrFinalError(f"Flickr answered: {exc}", status=status)
        code = int(code)
        if code in TRANSIENT_CODES:
            return FlickrTransientError(f"Flickr error {code}: {exc}", code=code)
        hint = _FINAL_HINTS.get(code, "Flickr refused the call")
        return FlickrFinalError(f"Flickr error {code} ({hint}): {exc}", code=code)
    if isinstance(exc, requests.exceptions.Timeout):
        return FlickrTransientError(f"time-out talking to Flickr: {exc}")
    if isinstance(exc, requests.exceptions.RequestException):
        return FlickrTransientError(f"connection to Flickr failed: {exc}")
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return FlickrTransientError("Flickr answered with a body that is not JSON")
    return None


class FlickrClient:
    """A paced, retrying Flickr REST client (``format='parsed-json'``).

    Parameters
    ----------
    api_key, api_secret : str
        The key pair; the secret is only used to sign calls.
    rest_url : str, optional
        Endpoint; default from :func:`get_rest_url`.
    calls_per_hour : float
        Pacing budget (every attempt counts, retries included).
    timeout : float
        Seconds before one HTTP call is abandoned (and retried).
    max_retries : int
        Retries after the first attempt for a transient failure.
    backoff_base, backoff_max : float
        Back-off before retry ``n`` is ``min(backoff_max, backoff_base * 2**n)``
        seconds times a random factor in [0.5, 1].
    sleep, rng : optional
        Sleep function and ``random.Random`` (for tests).
    """

    def __init__(self, api_key, api_secret, rest_url=None,
                 calls_per_hour=config.FLICKR_CALLS_PER_HOUR,
                 timeout=config.FLICKR_TIMEOUT_S, max_retries=config.FLICKR_MAX_RETRIES,
                 backoff_base=config.FLICKR_BACKOFF_BASE_S,
                 backoff_max=config.FLICKR_BACKOFF_MAX_S, sleep=time.sleep, rng=None):
        import flickrapi

        if not api_key or not api_secret:
            raise ConfigError("a Flickr API key and secret are both required")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be >= 0, got {max_retries!r}")
        self.rest_url = rest_url or get_rest_url()
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._pacer = Pacer(calls_per_hour, sleep=sleep)
        self._api = flickrapi.FlickrAPI(api_key, api_secret, format="parsed-json",
                                        store_token=False, timeout=self.timeout)
        # flickrapi reads the endpoint from the instance attribute.
        self._api.REST_URL = self.rest_url
        #: Attempts made, retries included (for benchmarks and logs).
        self.n_calls = 0

    def __repr__(self):
        # Never show the key pair.
        return f"FlickrClient(rest_url={self.rest_url!r})"

    def call(self, method, **params):
        """Call ``method`` (e.g. ``"flickr.photos.search"``) and return its dict.

        Raises
        ------
        FlickrFinalError
            A failure retrying cannot fix (bad key, bad arguments, code 1/2...).
        FlickrRetriesExhaustedError
            A transient failure that outlived every retry.
        """
        attempt = 0
        while True:
            self._pacer.wait()
            self.n_calls += 1
            try:
                return self._api.do_flickr_call(method, **params)
            except Exception as exc:  # sorted out by classify_error
                err = classify_error(exc)
                if err is None:
                    raise
            if isinstance(err, FlickrFinalError):
                raise err
            if attempt >= self.max_retries:
                raise FlickrRetriesExhaustedError(
                    f"{method} kept failing after {attempt + 1} attempts; last "
                    f"failure: {err}. Everything finished so far is saved: rerun "
                    "the same command later to resume",
                    code=err.code, status=err.status)
            delay = min(self.backoff_max, self.backoff_base * 2 ** attempt)
            delay *= self._rng.uniform(0.5, 1.0)
            log.warning("%s failed (%s); retry %d/%d in %.2f s", method, err,
                        attempt + 1, self.max_retries, delay)
            self._sleep(delay)
            attempt += 1

    def search(self, **params):
        """``flickr.photos.search``; returns the ``"photos"`` object."""
        return self.call("flickr.photos.search", **params)["photos"]

    def get_exif(self, photo_id, secret=None):
        """``flickr.photos.getExif``; returns the ``"photo"`` object."""
        return self.call("flickr.photos.getExif", photo_id=photo_id, secret=secret)["photo"]
