"""Static files under fingerprinted addresses: ours, and Leaflet from its Python package.

A page links ``/assets/<bundle>.<digest>/<file>``: the digest is made of
every file of the bundle, so the address changes whenever a file does, and
browsers and proxies may keep each answer for a year (``immutable``).
Relative addresses inside a bundle (Leaflet's style sheet naming its
``images/``) keep working because the whole folder shares one digest. An
address with an old digest is a 404, never today's file under yesterday's
name.

Two bundles: ``snapassist`` (``web/static``: our style sheet and scripts)
and ``leaflet`` (the map library, from the ``xstatic-leaflet`` package,
the version folium draws for). Nothing is fetched from a CDN. Files are
read and gzipped once per process, on first use.
"""
import gzip
import hashlib
import threading
from pathlib import Path

from flask import Blueprint, abort, current_app, request


#: A year: the longest lifetime caches honour.
MAX_AGE_S = 365 * 24 * 3600
#: Only these kinds of files are served from a bundle.
_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png",
          ".svg": "image/svg+xml"}

bp = Blueprint("assets", __name__)


def _leaflet_folder():
    import xstatic.pkg.leaflet as leaflet     # on first use: nothing at import time

    return Path(leaflet.BASE_DIR)


#: Bundle name -> function giving its folder.
BUNDLES = {"snapassist": lambda: Path(__file__).parent / "static", "leaflet": _leaflet_folder}


class Bundle:
    """One folder of files, its digest, and each file's bytes (plain and gzipped)."""

    def __init__(self, name, folder):
        self.name = name
        self.folder = Path(folder)
        self._files = {}
        self._lock = threading.Lock()
        digest = hashlib.sha256()
        for path in sorted(p for p in self.folder.rglob("*")
                           if p.is_file() and p.suffix in _TYPES):
            digest.update(str(path.relative_to(self.folder)).encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
        self.digest = digest.hexdigest()[:12]

    @property
    def prefix(self):
        """The bundle's part of an address: ``leaflet.1f2e3d4c5b6a``."""
        return f"{self.name}.{self.digest}"

    def file(self, filename):
        """``(bytes, gzipped bytes or None, content type)`` of a file, or ``None`` if not served."""
        with self._lock:
            if filename in self._files:
                return self._files[filename]
        path = (self.folder / filename).resolve()
        if (self.folder.resolve() not in path.parents or path.suffix not in _TYPES
                or not path.is_file()):
            return None
        data = path.read_bytes()
        packed = (gzip.compress(data, compresslevel=9)
                  if path.suffix in (".js", ".css", ".svg") else None)
        entry = (data, packed if packed and len(packed) < len(data) else None,
                 _TYPES[path.suffix])
        with self._lock:
            self._files[filename] = entry
        return entry


def bundles(app):
    """The app's bundles by name, built on first use."""
    found = app.extensions.get("snapassist_assets")
    if found is None:
        found = {name: Bundle(name, folder()) for name, folder in BUNDLES.items()}
        app.extensions["snapassist_assets"] = found
    return found


def asset_url(filename, bundle="snapassist"):
    """The fingerprinted address of ``filename`` in ``bundle`` (a template global)."""
    return f"/assets/{bundles(current_app)[bundle].prefix}/{filename}"


@bp.route("/assets/<prefix>/<path:filename>")
def asset(prefix, filename):
    """A file of a bundle, cached for a year; 404 for an unknown or outdated address."""
    name, _, digest = prefix.partition(".")
    found = bundles(current_app).get(name)
    if found is None or digest != found.digest:
        abort(404)
    entry = found.file(filename)
    if entry is None:
        abort(404)
    data, packed, mimetype = entry
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}, immutable"
    response.vary.add("Accept-Encoding")
    if packed is not None and "gzip" in request.accept_encodings:
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
    return response

