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
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapassist import config  # noqa: E402
from snapassist.database import FlickrPhotosDatabase  # noqa: E402
from snapassist.hotspots import find_hotspots  # noqa: E402
from snapassist.mapping import render_map  # noqa: E402
from snapassist.web import create_app  # noqa: E402

TARGET_SIZES = (100, 1_000, 10_000)
TARGET_MS = {1_000: 300, 10_000: 1500}
MAX_PAGE_BYTES = 2_000_000


def pick_queries(database, sizes):
    """The tag whose search count is closest to each size (log scale)."""
    counts = database.photos["tags"].str.split().explode().value_counts()
    picked = []
    for size in sizes:
        ratio = (counts.clip(lower=1) / size).map(lambda r: max(r, 1 / r))
        for tag in ratio.sort_values().index[:20]:
            if tag not in picked:
                picked.append(tag)
                break
    return picked


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
    for size, query in zip(TARGET_SIZES, pick_queries(database, TARGET_SIZES)):
        t_search, photos = timed(lambda: database.get_search_results(query), repeats)
        t_spots, result = timed(
            lambda: find_hotspots(photos, database.views_percentile, query=query), repeats)
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
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
