#!/usr/bin/env python3
"""Server time and page size of ``/search`` on the demo data.

Builds the demo tables at 1,000,000 photos into the cache folder once
(``SNAPASSIST_CACHE_DIR``, default ``~/.cache/snapassist``; the first build
takes minutes), picks demo tags whose searches match about 100, 1,000 and
10,000 photos, and times ``GET /search`` through Flask's test client (no
network), split into search, hotspots (OPTICS) and rendering.

Targets: under 300 ms at 1,000 photos, under 1.5 s at 10,000; page under 2 MB.

    python benchmarks/bench_web.py            # 1,000,000 photos
    python benchmarks/bench_web.py --quick    # 100,000 photos, one repeat
    python benchmarks/bench_web.py --browser  # also time drawing in headless Chromium

``--browser`` needs Playwright, Chromium (``/usr/bin/chromium``) and leaflet's
``dist`` folder (``SNAPASSIST_LEAFLET_DIST``); the page is served by a local
werkzeug server and the CDN files from that folder.
"""
import argparse
import os
import statistics
import threading
import urllib.parse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapassist import config  # noqa: E402
from snapassist.database import FlickrPhotosDatabase  # noqa: E402
from snapassist.errors import NotEnoughPhotosError  # noqa: E402
from snapassist.hotspots import find_hotspots  # noqa: E402
from snapassist.web.map import render_map  # noqa: E402
from snapassist.web import create_app  # noqa: E402

TARGET_SIZES = (100, 1_000, 10_000)
TARGET_MS = {1_000: 300, 10_000: 1500}
MAX_PAGE_BYTES = 2_000_000


def _miss(count, size):
    """How far a count is from the wanted size, as a factor >= 1."""
    count = max(count, 1)
    return max(count / size, size / count)


def pick_queries(database, sizes, tolerance=1.25):
    """A phrase per size whose search count is near it.

    A single word tag when one is close enough, else two tags together (at a
    million photos even the rarest demo tags match several hundred photos).
    """
    counts = database.photos["tags"].str.split().explode().value_counts()
    words = counts[counts.index.str.fullmatch(r"[a-z]{3,}")]
    picked = []
    for size in sizes:
        ranked = sorted(words.items(), key=lambda kv: _miss(kv[1], size))
        phrase, count = ranked[0]
        if _miss(count, size) > tolerance:
            pool = [w for w, c in ranked if size < c <= 40 * size][:40]
            for i, a in enumerate(pool):
                for b in pool[i + 1:]:
                    n = database.count_search_results(f"{a} {b}")
                    if n >= config.MIN_PHOTOS_TO_CLUSTER and _miss(n, size) < _miss(count, size):
                        phrase, count = f"{a} {b}", n
        picked.append(phrase)
    return picked


def browser_draw_times(app, queries):
    """Seconds from navigation start to the page's load event, per query."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    dist = Path(os.environ.get("SNAPASSIST_LEAFLET_DIST")
                or Path(__file__).resolve().parents[1] / ".cache/npm/node_modules/leaflet/dist")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"

    def route(r):
        path = urllib.parse.urlsplit(r.request.url).path
        if r.request.url.startswith(base):
            return r.continue_()
        if "/leaflet@1.9.3/dist/" in path:
            return r.fulfill(path=str(dist / path.split("/leaflet@1.9.3/dist/", 1)[1]))
        return r.fulfill(status=200, body="")

    times = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", route)
            page.goto(base + "/")       # warm-up: browser start and cached static files
            for query in queries:
                page.goto(base + "/search?" + urllib.parse.urlencode({"q": query}))
                nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
                # Time in the browser only: from the last byte of the page to load.
                times[query] = (nav["loadEventEnd"] - nav["responseEnd"]) / 1000
            browser.close()
    finally:
        httpd.shutdown()
    return times


def timed(fn, repeats):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 photos, one repeat")
    parser.add_argument("--folder", help="use the processed tables in this folder instead")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true",
                        help="also time drawing each page in headless Chromium")
    args = parser.parse_args(argv)

    if args.folder:
        folder = Path(args.folder)
    else:
        n = 100_000 if args.quick else 1_000_000
        start = time.perf_counter()
        folder = config.ensure_demo_tables(config.get_cache_dir(), n_photos=n)
        print(f"demo tables ({n:,} photos) ready in {time.perf_counter() - start:.1f} s: {folder}")
    repeats = 1 if args.quick else args.repeats
    start = time.perf_counter()
    database = FlickrPhotosDatabase.from_folder(folder)
    print(f"loaded {database.n_photos:,} photos in {time.perf_counter() - start:.1f} s")
    client = create_app({"SNAPASSIST_DATABASE": database}).test_client()

    print(f"\n{'query':<18}{'photos':>8}{'spots':>6}{'search':>9}{'hotspots':>10}"
          f"{'render':>9}{'GET /search':>13}{'page':>10}  target")
    failures = []
    queries = pick_queries(database, TARGET_SIZES)
    for size, query in zip(TARGET_SIZES, queries):
        t_search, photos = timed(lambda: database.get_search_results(query), repeats)
        try:
            t_spots, result = timed(
                lambda: find_hotspots(photos, database.views_percentile, query=query), repeats)
        except NotEnoughPhotosError as exc:
            print(f"{query:<18}{len(photos):>8,}  not clustered: {exc}")
            failures.append(query)
            continue
        t_map, _ = timed(lambda: render_map(result), repeats)
        client.get("/search", query_string={"q": query})           # warm-up
        t_get, page = timed(lambda: client.get("/search", query_string={"q": query}), repeats)
        assert page.status_code == 200, page.status_code
        n_bytes = len(page.get_data())
        limit = TARGET_MS.get(size)
        ok = (limit is None or t_get * 1000 < limit) and n_bytes < MAX_PAGE_BYTES
        if not ok:
            failures.append(query)
        target = (f"< {limit} ms" if limit else "-") + ", < 2 MB"
        print(f"{query:<18}{len(photos):>8,}{len(result.hotspots):>6}{t_search * 1000:>7.0f}ms"
              f"{t_spots * 1000:>8.0f}ms{t_map * 1000:>7.0f}ms{t_get * 1000:>11.0f}ms"
              f"{n_bytes / 1e6:>8.2f}MB  {target} {'ok' if ok else 'MISSED'}")
    print(f"\nmedian of {repeats} run(s); render = folium map only; "
          f"GET /search = search + hotspots + map + template")
    if args.browser:
        app = create_app({"SNAPASSIST_DATABASE": database})
        for query, seconds in browser_draw_times(app, queries).items():
            ok = seconds < 1.0
            failures += [] if ok else [query]
            print(f"Chromium, {query!r}: page received -> drawn (load event) in "
                  f"{seconds * 1000:.0f} ms  target < 1000 ms {'ok' if ok else 'MISSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
