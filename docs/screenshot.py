"""Take the screenshot of the front page and the docs: a results page of the demo.

Not part of the build (it needs Chromium and Playwright); run it again when
the results page changes, from the repository root::

    SNAPASSIST_LEAFLET_DIST=.cache/npm/node_modules/leaflet/dist \\
        python docs/screenshot.py [PHRASE]

It serves the default demo tables (built once into the cache folder) on
127.0.0.1, opens ``/search?q=PHRASE`` in headless Chromium at desktop size
and writes ``docs/_static/results.png``. The page runs offline as in
``tests/test_browser.py``: Leaflet comes from the local npm package, every
other outside request gets an empty answer, so the map has no tiles.
"""
import os
import sys
import threading
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "_static" / "results.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}


def offline(base, dist):
    """Answer the CDN's Leaflet from ``dist``, our own server as is, the rest with nothing."""
    def handle(route):
        url = route.request.url
        if url.startswith(base):
            return route.continue_()
        path = urllib.parse.urlsplit(url).path
        marker = "/leaflet@1.9.3/dist/"
        if marker in path and (dist / path.split(marker, 1)[1]).is_file():
            local = dist / path.split(marker, 1)[1]
            return route.fulfill(path=str(local), content_type=TYPES.get(local.suffix))
        return route.fulfill(status=200, body="",
                             content_type=TYPES.get(Path(path).suffix, "text/plain"))
    return handle


def main(phrase="cn tower"):
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from snapassist import config
    from snapassist.demo import ensure_demo_tables
    from snapassist.web import create_app

    dist = Path(os.environ.get("SNAPASSIST_LEAFLET_DIST",
                               ".cache/npm/node_modules/leaflet/dist")).resolve()
    folder = ensure_demo_tables(config.get_cache_dir())
    app = create_app({"SNAPASSIST_TABLES_FOLDER": folder}, load_tables=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", offline(base, dist))
            page.goto(f"{base}/search?q={urllib.parse.quote_plus(phrase)}")
            page.wait_for_selector(".sa-spot")
            page.wait_for_selector(".leaflet-marker-icon")
            page.wait_for_timeout(1000)        # the map's fly-to and the dots settle
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        server.shutdown()
    print(f"{OUT}: {OUT.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(*sys.argv[1:2])
