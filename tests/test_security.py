"""Nothing from third parties but tiles: our own static files, the CSP, the tile setting."""
import base64
import gzip
import hashlib
import re
from pathlib import Path

import pytest

import snapassist.web
from snapassist.errors import ConfigError
from snapassist.web import create_app
from snapassist.web.security import inline_script_hashes
from snapassist.web.tiles import OSM_ATTRIBUTION, OSM_URL, TileServer

XSS = '"><script>alert(1)</script>'


def policy(response):
    """The Content-Security-Policy of ``response`` as ``{directive: [sources]}``."""
    return {name: sources for name, *sources in
            (part.split() for part in response.headers["Content-Security-Policy"].split(";"))}


def inline_scripts(html):
    return [m.group(2) for m in re.finditer(r"<script([^>]*)>(.*?)</script>", html, re.S)
            if "src=" not in m.group(1) and "type=" not in m.group(1)]


def sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# --- the page loads only from us --------------------------------------------------

def test_a_results_page_links_nothing_outside_but_tiles(client):
    html = client.get("/search?q=cn+tower").get_data(as_text=True)
    linked = re.findall(r'<(?:script|link|img)[^>]*?\s(?:src|href)="([^"]*)"', html)
    assert linked and all(url.startswith(("/assets/", "data:")) for url in linked), [
        u for u in linked if not u.startswith(("/assets/", "data:"))]
    for name in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers",
                 "glyphicons", "cdn.", "cdnjs", "netdna"):
        assert name not in html.lower(), name
    # Leaflet itself comes from our assets, from the Python package folium draws for.
    assert re.search(r'<script src="/assets/leaflet\.\w+/leaflet\.js"></script>', html)
    assert re.search(r'<link rel="stylesheet" href="/assets/leaflet\.\w+/leaflet\.css"/>', html)


@pytest.mark.parametrize("url", ["/", "/search?q=cn+tower", "/about", "/search?q=nosuchthing"])
def test_every_page_sends_a_policy_that_runs_only_its_own_scripts(client, url):
    response = client.get(url)
    csp = policy(response)
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    # Exactly the page's own inline scripts are allowed, by their hash.
    html = response.get_data(as_text=True)
    assert csp["script-src"] == ["'self'"] + list(dict.fromkeys(
        sha256(s) for s in inline_scripts(html)))
    assert set(csp["img-src"]) == {"'self'", "data:", "https://tile.openstreetmap.org",
                                   "*.staticflickr.com"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_only_the_results_page_has_inline_scripts_and_no_user_text_runs(client):
    assert inline_scripts(client.get("/").get_data(as_text=True)) == []
    response = client.get("/search", query_string={"q": XSS})
    assert "alert(1)" not in " ".join(policy(response)["script-src"])
    assert sha256("alert(1)") not in response.headers["Content-Security-Policy"]


def test_the_policy_of_a_gzipped_page_is_that_of_its_plain_body(client):
    plain = client.get("/search?q=cn+tower")
    packed = client.get("/search?q=cn+tower", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert packed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]


def test_json_and_files_may_load_nothing(client):
    for url in ("/api/search?q=cn+tower", "/healthz", "/api/x"):
        assert policy(client.get(url)) == {"default-src": ["'none'"],
                                           "frame-ancestors": ["'none'"]}


def test_inline_script_hashes_skip_files_and_data():
    html = ('<script src="/a.js"></script><script>var a = 1;</script>'
            '<script type="application/json">{"a": 1}</script><SCRIPT>b()</SCRIPT>'
            '<script>var a = 1;</script>')
    assert inline_script_hashes(html) == [sha256("var a = 1;"), sha256("b()")]


def test_the_tile_server_is_in_the_policy(database):
    tiles = TileServer(url="https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png",
                       attribution="Example")
    client = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database,
                         "SNAPASSIST_TILES": tiles}).test_client()
    response = client.get("/search?q=cn+tower")
    assert "https://*.tiles.example.org:8443" in policy(response)["img-src"]
    assert "openstreetmap" not in response.headers["Content-Security-Policy"]
    assert "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png" in response.get_data(as_text=True)


# --- the tile setting ------------------------------------------------------------------

def test_tiles_default_to_openstreetmap_with_its_credit():
    tiles = TileServer.from_environ({})
    assert (tiles.url, tiles.attribution) == (OSM_URL, OSM_ATTRIBUTION)
    assert tiles.source == "https://tile.openstreetmap.org"
    own = TileServer.from_environ({"SNAPASSIST_TILES_URL": "https://t.example/{z}/{x}/{y}.png",
                                   "SNAPASSIST_TILES_ATTRIBUTION": "&copy; Us"})
    assert (own.url, own.attribution, own.source) == (
        "https://t.example/{z}/{x}/{y}.png", "&copy; Us", "https://t.example")


def test_the_app_reads_the_tile_setting_from_the_environment(database, monkeypatch):
    monkeypatch.setenv("SNAPASSIST_TILES_URL", "https://t.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("SNAPASSIST_TILES_ATTRIBUTION", "Tiles by us")
    client = create_app({"TESTING": True, "SNAPASSIST_DATABASE": database}).test_client()
    response = client.get("/search?q=cn+tower")
    assert "https://t.example" in policy(response)["img-src"]
    assert '"Tiles by us"' in response.get_data(as_text=True)


@pytest.mark.parametrize("environ, message", [
    ({"SNAPASSIST_TILES_URL": "ftp://t.example/{z}/{x}/{y}.png", "SNAPASSIST_TILES_ATTRIBUTION": "x"},
     r"SNAPASSIST_TILES_URL must be an http\(s\) URL with \{z\}, \{x\} and \{y\}.*got 'ftp://"),
    ({"SNAPASSIST_TILES_URL": "https://t.example/{z}/{x}.png", "SNAPASSIST_TILES_ATTRIBUTION": "x"},
     r"SNAPASSIST_TILES_URL must be .*got 'https://t.example/\{z\}/\{x\}.png'"),
    ({"SNAPASSIST_TILES_URL": "https://t.example/{z}/{x}/{y}.png"},
     r"SNAPASSIST_TILES_URL is set .* but SNAPASSIST_TILES_ATTRIBUTION is not"),
])
def test_a_bad_tile_setting_names_the_variable_and_value(environ, message):
    with pytest.raises(ConfigError, match=message):
        TileServer.from_environ(environ)


# --- our static files, fingerprinted ------------------------------------------------

def asset_urls(html):
    return re.findall(r'"(/assets/[^"]+)"', html)


def test_assets_are_fingerprinted_and_cached_for_a_year(client):
    urls = asset_urls(client.get("/search?q=cn+tower").get_data(as_text=True))
    names = {url.rsplit("/", 1)[1] for url in urls}
    assert {"leaflet.js", "leaflet.css", "map.js", "map.css", "style.css", "fallback.js",
            "results.js"} <= names
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    static = Path(snapassist.web.__file__).parent / "static"
    style = next(url for url in urls if url.endswith("/style.css"))
    assert client.get(style).get_data() == (static / "style.css").read_bytes()
    assert client.get(style).mimetype == "text/css"
    leaflet = next(url for url in urls if url.endswith("/leaflet.js"))
    assert client.get(leaflet).mimetype == "text/javascript"
    assert client.get(leaflet).get_data().startswith(b"/* @preserve\n * Leaflet 1.9.3")
    # Leaflet's style sheet names its images relative to itself: they are there.
    css = next(url for url in urls if url.endswith("/leaflet.css"))
    for image in re.findall(r"url\((images/[\w-]+\.png)\)", client.get(css).get_data(as_text=True)):
        assert client.get(css.rsplit("/", 1)[0] + "/" + image).mimetype == "image/png"


def test_an_outdated_or_unknown_asset_is_a_404(client):
    url = next(u for u in asset_urls(client.get("/").get_data(as_text=True))
               if u.endswith("style.css"))
    bundle, digest = url.split("/")[2].split(".")
    assert client.get(url.replace(digest, "0" * len(digest))).status_code == 404
    assert client.get(f"/assets/{bundle}.{digest}/nothing.js").status_code == 404
    assert client.get(f"/assets/{bundle}.{digest}/../templates/base.html").status_code == 404
    assert client.get(f"/assets/jquery.{digest}/jquery.js").status_code == 404


def test_assets_go_gzipped_to_clients_that_accept_it(client):
    url = next(u for u in asset_urls(client.get("/search?q=cn+tower").get_data(as_text=True))
               if u.endswith("leaflet.js"))
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2
