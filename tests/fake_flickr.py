"""A fake Flickr REST server for the scraper tests and benchmark.

Built from ``shared/FLICKR_API.md``: a real HTTP server on 127.0.0.1 that
answers ``flickr.photos.search`` and ``flickr.photos.getExif`` over a
generated world of photos, the way Flickr does (POST or GET, key in
``api_key`` or the OAuth header, inclusive date bounds, the 4,000-result cap
with repeated pages past it, 250 per page for geo queries, numbers sent as
strings or numbers at random), with optional injected faults and a record
of when each call arrived.
"""
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np

# The world and the expectations live beside the server; tests import both from here.
from fake_flickr_world import (  # noqa: F401
    _CAMERAS, _EXPOSURES, _FNUMBERS, _FOCALS, _ISOS, _LENSES, CAP, CENTER, expected_exif,
    expected_ids, from_mysql, in_circle, make_world, to_mysql)

class _Fail(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class FakeFlickr:
    """The fake server; use as a context manager or call start()/stop().

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:PORT/services/rest/`` once started.
    faults : collections.deque
        Faults applied to the next calls, one per call: ``"105"``, ``"10"``,
        ``"201"``, ``"0"`` (API codes), ``"429"``, ``"500"``, ``"503"`` (HTTP
        statuses), ``"notjson"``, ``"slow"`` (answer after ``slow_s``),
        ``"drop"`` (close the connection without answering).
    hidden : array of bool, optional
        Photos counted in ``total`` but never listed (short pages).
    fault_rate : float
        Probability of a random transient fault on any call (seeded).
    latency : float
        Seconds every answer waits (the benchmark uses 0.02).
    """

    def __init__(self, world, api_keys=("testkey",), seed=0, latency=0.0,
                 fault_rate=0.0, slow_s=2.0, hidden=None):
        self.world = world
        self.api_keys = set(api_keys)
        self.latency = latency
        self.fault_rate = fault_rate
        self.slow_s = slow_s
        self.faults = deque()
        self.call_times = []
        self.calls = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._taken = world["datetaken_s"].to_numpy()
        self._upload = world["dateupload"].to_numpy()
        self._lat = world["lat"].to_numpy()
        self._lon = world["lon"].to_numpy()
        self._by_id = {pid: i for i, pid in enumerate(world["id"])}
        # Photos counted in totals but left out of pages (as Flickr does with
        # photos it filters after counting): pages come back short.
        self._hidden = np.zeros(len(world), dtype=bool) if hidden is None else hidden
        self._records = world.to_dict("records")
        self._httpd = None

    # --- lifecycle -----------------------------------------------------------
    def start(self):
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/services/rest/"
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- call accounting -------------------------------------------------------
    def max_calls_in_any_second(self, since=0):
        """Most calls that arrived within any span shorter than one second.

        ``since``: ignore the first ``since`` calls (those of earlier tests).
        """
        with self._lock:
            t = np.sort(np.array(self.call_times[since:]))
        if len(t) == 0:
            return 0
        ends = np.searchsorted(t, t + 1.0, side="left")
        return int((ends - np.arange(len(t))).max())

    def n_calls(self, method=None):
        with self._lock:
            return sum(1 for m in self.calls if method is None or m == method)

    # --- answering -------------------------------------------------------------
    def answer(self, params, api_key):
        """Return ``(status, body_bytes, content_type)`` for one call."""
        with self._lock:
            self.call_times.append(time.monotonic())
            self.calls.append(params.get("method", ""))
            fault = self.faults.popleft() if self.faults else None
            if fault is None and self.fault_rate and self._rng.random() < self.fault_rate:
                fault = self._rng.choice(["105", "201", "429", "500", "notjson"])
        if self.latency:
            time.sleep(self.latency)
        if fault == "slow":
            time.sleep(self.slow_s)
        elif fault == "drop":
            return None
        elif fault in ("429", "500", "503"):
            return int(fault), f"<html>{fault} Too Many Requests</html>".encode(), "text/html"
        elif fault == "notjson":
            return 200, b"<html>oops, a proxy page</html>", "text/html"
        elif fault is not None:
            return self._fail(int(fault), "Service currently unavailable")
        if api_key not in self.api_keys:
            return self._fail(100, "Invalid API Key (Key has invalid format)")
        method = params.get("method", "")
        try:
            if method == "flickr.photos.search":
                body = {"photos": self._search(params), "stat": "ok"}
            elif method == "flickr.photos.getExif":
                body = {"photo": self._exif(params), "stat": "ok"}
            else:
                return self._fail(112, f"Method \"{method}\" not found")
        except _Fail as exc:
            return self._fail(exc.code, str(exc))
        return 200, json.dumps(body).encode(), "application/json"

    @staticmethod
    def _fail(code, message):
        body = json.dumps({"stat": "fail", "code": code, "message": message})
        return 200, body.encode(), "application/json"

    def _num(self, value):
        # Flickr sends numbers as JSON numbers or strings, at random.
        if self._rng.random() < 0.5:
            return str(value)
        return value

    def _search(self, p):
        plain = {k for k in p if k not in ("method", "format", "nojsoncallback", "api_key")}
        if not plain:
            raise _Fail(3, "Parameterless searches have been disabled")
        mask = np.ones(len(self._taken), dtype=bool)
        geo = False
        if p.get("bbox"):
            w, s, e, n = (float(x) for x in p["bbox"].split(","))
            mask &= (self._lon >= w) & (self._lon <= e) & (self._lat >= s) & (self._lat <= n)
            geo = True
        elif p.get("lat") and p.get("lon"):
            radius = float(p.get("radius", 5))
            if not 0 < radius < 32:
                raise _Fail(3, "Invalid radius")
            mask &= in_circle(self._lat, self._lon, (float(p["lat"]), float(p["lon"])), radius)
            geo = True
        limited = False
        if p.get("min_taken_date"):
            mask &= self._taken >= from_mysql(p["min_taken_date"])
            limited = True
        if p.get("max_taken_date"):
            mask &= self._taken <= from_mysql(p["max_taken_date"])
            limited = True
        if p.get("min_upload_date"):
            mask &= self._upload >= int(float(p["min_upload_date"]))
            limited = True
        if p.get("max_upload_date"):
            mask &= self._upload <= int(float(p["max_upload_date"]))
            limited = True
        if not limited and not p.get("tags"):
            mask &= self._upload >= time.time() - 12 * 3600
        idx = np.flatnonzero(mask)  # already in (datetaken, id) order
        sort = p.get("sort", "date-posted-desc")
        if sort == "date-taken-desc":
            idx = idx[::-1]
        elif sort.startswith("date-posted"):
            idx = idx[np.argsort(self._upload[idx], kind="stable")]
            if sort.endswith("desc"):
                idx = idx[::-1]
        per_page = max(1, min(int(p.get("per_page", 100)), 500))
        if geo:
            per_page = min(per_page, 250)
        page = max(1, int(p.get("page", 1)))
        total = len(idx)
        pages = math.ceil(total / per_page)
        start = (page - 1) * per_page
        if start >= CAP:  # past the cap Flickr repeats earlier results
            start %= (CAP // per_page) * per_page
        stop = min(start + per_page, CAP, total)
        chosen = idx[start:stop] if page <= pages else idx[:0]
        return {"page": page, "pages": pages, "perpage": per_page,
                "total": self._num(total) if total else "0",
                "photo": [self._photo(i) for i in chosen if not self._hidden[i]]}

    def _photo(self, i):
        r = self._records[i]
        lat, lon, acc = (0, 0, 0) if r["untagged"] else (r["lat"], r["lon"], r["accuracy"])
        url = f"https://live.staticflickr.com/{r['server']}/{r['id']}_{r['secret']}"
        photo = {
            "id": r["id"], "owner": r["owner"], "secret": r["secret"], "server": r["server"],
            "farm": self._num(66), "title": r["title"], "ispublic": 1, "isfriend": 0,
            "isfamily": 0, "license": self._num(r["license"]),
            "dateupload": str(r["dateupload"]), "datetaken": to_mysql(r["datetaken_s"]),
            "datetakengranularity": self._num(r["datetakengranularity"]),
            "datetakenunknown": self._num(r["datetakenunknown"]),
            "ownername": r["ownername"], "views": self._num(r["views"]),
            "tags": r["tags"], "machine_tags": "",
            "latitude": self._num(lat), "longitude": self._num(lon),
            "accuracy": self._num(acc), "context": self._num(0),
            "url_q": url + "_q.jpg", "height_q": 150, "width_q": self._num(150),
            "url_m": url + ".jpg", "height_m": self._num(375), "width_m": 500,
        }
        if not r["untagged"]:
            photo.update({"place_id": "x3NoUkHz", "woeid": self._num(4118)})
        return photo

    def _exif(self, p):
        i = self._by_id.get(p.get("photo_id", ""))
        if i is None or self._records[i]["exif_code"] == 1:
            raise _Fail(1, "Photo not found")
        r = self._records[i]
        if r["exif_code"] == 2:
            raise _Fail(2, "Permission denied")
        pick = random.Random(int(r["id"])).choice
        make, model, label = _CAMERAS[r["cam"]]
        entries = []

        def add(tag, raw, spaces=("ExifIFD",), clean=None):
            for space in spaces:
                e = {"tagspace": space, "tagspaceid": 0, "tag": tag, "label": tag,
                     "raw": {"_content": raw}}
                if clean is not None:
                    e["clean"] = {"_content": clean}
                entries.append(e)

        add("Make", make, ("IFD0",))
        add("Model", model, ("IFD0",))
        add("ExposureTime", pick(_EXPOSURES[r["exposure"]][1]), ("ExifIFD", "XMP-exif"))
        add("FNumber", pick(_FNUMBERS[r["fnumber"]][1]),
            clean=f"f/{_FNUMBERS[r['fnumber']][0]}")
        iso = _ISOS[r["iso"]]
        add("ISO", pick([str(int(iso)), int(iso)]))
        add("FocalLength", pick(_FOCALS[r["focal"]][1]), ("ExifIFD", "XMP-exif"))
        add("Flash", "", clean="Off, Did not fire")
        add(pick(["LensModel", "Lens"]), _LENSES[r["cam"]])
        return {"id": r["id"], "secret": r["secret"], "server": r["server"], "farm": 66,
                "camera": pick([label, ""]), "exif": entries}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None  # set on the subclass made by FakeFlickr.start

    def log_message(self, *args):  # keep test output quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's
        # algorithm and delayed ACKs add 40 ms to every keep-alive answer.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._handle(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body):
        parts = urlsplit(self.path)
        if parts.path.rstrip("/") != "/services/rest":
            self._send(404, b"not found", "text/plain")
            return
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        key = params.get("api_key")
        match = re.search(r'oauth_consumer_key="([^"]*)"',
                          self.headers.get("Authorization", ""))
        if match:
            key = unquote(match.group(1))
        result = self.fake.answer(params, key)
        if result is None:
            self.close_connection = True
            return
        self._send(*result)

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_client(fake, **kwargs):
    """A FlickrClient on ``fake`` tuned for tests: no pacing, tiny back-off."""
    from snapassist.scrapers.client import FlickrClient

    options = {"calls_per_hour": 1e9, "backoff_base": 0.001, "backoff_max": 0.01,
               "timeout": 5.0, "max_retries": 4, "rest_url": fake.url}
    options.update(kwargs)
    return FlickrClient("testkey", "testsecret", **options)


def kill_after_checkpoints(cmd, env, cwd, manifest, n_done, timeout=30):
    """Run a scraper command, SIGKILL it once ``n_done`` pieces are checkpointed.

    Returns the list of pieces the manifest records as done after the kill.
    """
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if manifest.exists() and len(json.loads(manifest.read_text())["done"]) >= n_done:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return json.loads(manifest.read_text())["done"]

