"""Scraper cost against the fake Flickr server with 20 ms answers.

For a period whose days all exceed Flickr's 4,000-results cap, reports the
search calls per 1,000 photos fetched (floor: 4.0 at 250 photos a page;
target: at most 4.4), the photos fetched per second, and scraper 2's calls
per popular photo; asserts that every photo of the world was fetched exactly
once.

Run from the repository root::

    python benchmarks/bench_scrapers.py          # 5 days x 12,000 photos
    python benchmarks/bench_scrapers.py --quick  # 2 days x 9,000 photos
"""
import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_flickr import FakeFlickr, expected_ids, make_client, make_world  # noqa: E402
from snapassist.scrapers.exif import scrape_exif, select_popular  # noqa: E402
from snapassist.scrapers.general import scrape_general  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--latency", type=float, default=0.02,
                        help="seconds every fake answer takes (default 0.02)")
    args = parser.parse_args(argv)
    n_days, per_day, n_exif = (2, 9000, 200) if args.quick else (5, 12000, 1000)
    start = dt.date(2017, 6, 1)
    end = start + dt.timedelta(days=n_days)
    days = {(start + dt.timedelta(days=i)).isoformat(): per_day for i in range(n_days)}
    world = make_world(days, seed=2018, outside_fraction=0.0)
    want = expected_ids(world, start.isoformat(), end.isoformat())
    received = [0]

    with FakeFlickr(world, latency=args.latency) as fake, \
            tempfile.TemporaryDirectory() as tmp:
        client = make_client(fake)
        search = client.search

        def counting_search(**params):
            answer = search(**params)
            received[0] += len(answer.get("photo") or [])
            return answer

        client.search = counting_search
        t0 = time.perf_counter()
        table = scrape_general(client, start, end, Path(tmp) / "master.hdf5")
        elapsed = time.perf_counter() - t0
        n_search = client.n_calls
        assert table["id"].is_unique, "a photo was stored twice"
        assert set(table["id"]) == want, "photos were missed or invented"

        sample = table.iloc[: n_exif * 4]
        sample.to_hdf(Path(tmp) / "sample.hdf5", key="table", format="table")
        exif_client = make_client(fake)
        t1 = time.perf_counter()
        popular = scrape_exif(exif_client, Path(tmp) / "sample.hdf5", 4,
                              Path(tmp) / "popular.hdf5")
        exif_elapsed = time.perf_counter() - t1
        assert len(popular) == len(select_popular(sample))

    n = len(table)
    print(f"world: {n_days} days x {per_day:,} photos taken (cap 4,000 per query), "
          f"answers delayed {args.latency * 1000:.0f} ms")
    print(f"scraper 1: {n:,} photos, each stored once, in {n_search} search calls")
    print(f"  search calls per 1,000 photos: {1000 * n_search / n:.2f} "
          f"(floor 4.00, target <= 4.40)")
    print(f"  photos received per photo stored: {received[0] / n:.3f} "
          f"(re-fetched boundary seconds)")
    print(f"  photos per second: {n / elapsed:,.0f} ({elapsed:.1f} s, no pacing)")
    print(f"  at 3,600 calls/hour: {3600 * n / n_search:,.0f} photos per hour")
    print(f"scraper 2: {len(popular)} popular photos in {exif_client.n_calls} getExif "
          f"calls ({exif_client.n_calls / max(len(popular), 1):.2f} per photo), "
          f"{len(popular) / exif_elapsed:.1f} photos per second")
    assert 1000 * n_search / n <= 4.4, "over the 4.4 calls per 1,000 photos target"


if __name__ == "__main__":
    main()
