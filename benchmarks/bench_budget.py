"""Benchmark: how many photos a search can cluster within the time budget.

Times the web app's live search path (tag search, copy of the searched
columns, ``find_spots`` with OPTICS, through ``search.answer``) on demo subjects of increasing size,
and prints the photo count where it crosses the budget (1 s by default):
the value to give ``config.LIVE_MAX_PHOTOS``. Re-run it whenever OPTICS or
the spots get faster.

    python benchmarks/bench_budget.py                    # 1,000,000 photos
    python benchmarks/bench_budget.py --tables FOLDER    # tables already built
    python benchmarks/bench_budget.py --quick            # 60,000 photos, a few sizes
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from snapassist import config, search
from snapassist.demo import ensure_demo_tables  # noqa: E402
from snapassist.errors import NotEnoughPhotosError
from snapassist.schema import used_columns
from snapassist.search import SEARCH_FILE, FlickrPhotosDatabase

SIZES = (500, 1000, 2000, 4000, 7000, 10000, 14000, 20000, 28000, 37000, 50000, 75000)
QUICK_SIZES = (500, 1000, 2000, 4000, 7000)


def pick_subjects(db, sizes):
    """For each size, the single-word demo tag whose photo count is nearest."""
    counts, tags, machine = db._index.cotag_counts(np.arange(db.n_photos))
    usable = [(int(n), str(t)) for n, t, m in zip(counts, tags, machine)
              if not m and len(str(t)) >= 3 and not str(t).isdigit()]
    chosen = []
    for size in sizes:
        n, tag = min(usable, key=lambda item: abs(np.log(item[0] / size)))
        if tag not in [t for _, t in chosen]:
            chosen.append((n, tag))
    return sorted(chosen)


def live_search(db, phrase):
    """The search every caller makes (:func:`snapassist.search.answer`), unbudgeted."""
    try:
        return search.answer(db, phrase)
    except NotEnoughPhotosError:
        return None


def time_once(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def crossing(points, budget):
    """Photo count where time crosses ``budget``, interpolated in log-log space."""
    below = [(n, t) for n, t in points if t <= budget]
    above = [(n, t) for n, t in points if t > budget]
    if not above:
        return None, "every size measured is under the budget"
    if not below:
        return None, "every size measured is over the budget"
    (n0, t0), (n1, t1) = max(below), min(above)
    if n1 < n0:
        return n0, "times are not monotonic; the largest size under the budget"
    frac = (np.log(budget) - np.log(t0)) / (np.log(t1) - np.log(t0))
    return int(np.exp(np.log(n0) + frac * (np.log(n1) - np.log(n0)))), "interpolated"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=Path, help="folder of processed tables "
                        "(default: the demo tables, built once into SnapAssist's cache)")
    parser.add_argument("--photos", type=int, default=1_000_000, help="demo size")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--quick", action="store_true", help="60,000 photos, a few sizes")
    args = parser.parse_args(argv)
    n_photos = config.DEMO_N_PHOTOS if args.quick else args.photos
    folder = args.tables or ensure_demo_tables(config.get_cache_dir(), n_photos=n_photos)
    if not (folder / SEARCH_FILE).is_file():
        print(f"note: {folder} has no {SEARCH_FILE}; the load below builds the index")
    start = time.perf_counter()
    db = FlickrPhotosDatabase.from_folder(folder)
    print(f"tables: {db.n_photos:,} photos in {folder}, loaded in "
          f"{time.perf_counter() - start:.1f} s")
    sizes = QUICK_SIZES if args.quick else SIZES
    repeat = 1 if args.quick else args.repeat

    print(f"\n{'subject':<22}{'photos':>9}{'search ms':>11}{'total ms':>10}")
    points = []
    for n, tag in pick_subjects(db, sizes):
        live_search(db, tag)                     # warm the pages of the search file
        search = statistics.median(
            time_once(lambda: db.get_search_results(
                tag, columns=used_columns(db.columns)))
            for _ in range(repeat))
        total = statistics.median(time_once(lambda: live_search(db, tag)) for _ in range(repeat))
        points.append((n, total))
        print(f"{tag:<22}{n:>9,}{search * 1e3:>11.0f}{total * 1e3:>10.0f}", flush=True)
        if total > 2 * args.budget:
            break                                # larger subjects only take longer
    n_cross, how = crossing(points, args.budget)
    print(f"\nbudget {args.budget:g} s: ", end="")
    if n_cross is None:
        print(how)
        return
    recommended = max(1000, int(n_cross * 0.9) // 1000 * 1000)
    print(f"crossed at about {n_cross:,} photos ({how})")
    print(f"recommended LIVE_MAX_PHOTOS = {recommended:,} (10% margin, rounded down; "
          f"now {config.LIVE_MAX_PHOTOS:,})")


if __name__ == "__main__":
    main()
