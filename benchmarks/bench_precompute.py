#!/usr/bin/env python3
"""Time and memory of ``snapassist precompute`` on the demo data, by number of workers.

Loads the tables once, then for each worker count starts a Dask LocalCluster
of that many processes and computes every subject with more than
``--min-photos`` photos (default: the live budget) into a fresh answers
file under ``--output`` (a temporary folder by default: the tables folder
may be read-only). Reports the wall time, the peak resident memory of each
worker process and of this driver, the answers file's size, how long
serving the broadest stored answer takes, and how big its map is once
rendered (the page's weight).

    python benchmarks/bench_precompute.py --tables /work/demo/d1m   # the 1M demo
    python benchmarks/bench_precompute.py                # builds the 1M demo in the cache
    python benchmarks/bench_precompute.py --quick        # 100,000 photos, 1 and 2 workers

Run it from the repository root (or with the package installed): the Dask
workers import ``snapassist`` too, so the root goes on ``PYTHONPATH``.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT),
                                                         os.environ.get("PYTHONPATH")]))

from snapassist import config  # noqa: E402
from snapassist.search import FlickrPhotosDatabase  # noqa: E402
from snapassist.precompute import (StoredAnswers, default_min_photos,  # noqa: E402
                                   precompute_folder)


def _mb(n_bytes):
    return n_bytes / 2**20


def serve_broadest(tables, database, path):
    """(phrase, photos, ms to load, map MB, photos drawn) of the broadest stored answer."""
    from snapassist.web.map import render_map

    answers = StoredAnswers.open(tables, database, path=path)
    best = None
    for phrase in answers.phrases:
        n = database.count_search_results(phrase)
        best = max(best or (n, phrase), (n, phrase))
    if best is None:
        return None
    start = time.perf_counter()
    result = answers.get(best[1]).to_result(best[1])
    ms = (time.perf_counter() - start) * 1000
    parts = render_map(result)
    size = len(str(parts.header)) + len(str(parts.html)) + len(str(parts.script))
    return best[1], best[0], ms, _mb(size), len(result.latitudes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="100,000 demo photos and subjects above 3,000 photos")
    parser.add_argument("--tables", help="tables folder (default: the demo, built in the cache)")
    parser.add_argument("--output", help="folder for the answers files (default: temporary)")
    parser.add_argument("--workers", default="1,2", help="worker counts to try (default 1,2)")
    parser.add_argument("--min-photos", type=int, default=None,
                        help="subjects above this many photos (default: the live budget)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--atlas-only", action="store_true",
                       help="compute only the city's atlas (every photo clustered)")
    which.add_argument("--no-atlas", action="store_true", help="compute no atlas")
    args = parser.parse_args(argv)
    n_photos = 100_000 if args.quick else 1_000_000
    min_photos = args.min_photos
    if min_photos is None:
        min_photos = 3000 if args.quick else default_min_photos()
    if args.tables:
        tables = Path(args.tables)
    else:
        tables = config.ensure_demo_tables(config.get_cache_dir(), n_photos=n_photos)
    out_dir = Path(args.output or tempfile.mkdtemp(prefix="bench-precompute-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    database = FlickrPhotosDatabase.from_folder(tables)
    if args.atlas_only:
        min_photos = database.n_photos          # no subject has more photos than all
    print(f"{tables}: {database.n_photos:,} photos loaded in "
          f"{time.perf_counter() - start:.1f} s; subjects above {min_photos:,} photos")
    print(f"{'workers':>7} {'subjects':>8} {'time s':>7} {'worker peak MB':>22} "
          f"{'driver peak MB':>14} {'file MB':>7}")
    path = None
    for workers in (int(w) for w in args.workers.split(",")):
        path = out_dir / f"answers-{workers}w.hdf5"
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        report = precompute_folder(tables, min_photos, workers=workers, output=path,
                                   database=database, atlas=not args.no_atlas)
        seconds = time.perf_counter() - start
        peaks = ", ".join(f"{_mb(b):,.0f}" for b in sorted(report.worker_peak_bytes.values()))
        driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{workers:>7} {len(report.subjects):>8} {seconds:>7.1f} {peaks:>22} "
              f"{driver:>14,.0f} {_mb(path.stat().st_size):>7.1f}")
        if report.failed:
            print(f"        failed: {report.failed}")
    if path and not args.no_atlas:
        start = time.perf_counter()
        atlas = StoredAnswers.open(tables, database, path=path).atlas()
        print(f"the atlas: {len(atlas.spots)} spots over {atlas.n_photos:,} photos, "
              f"{sum(bool(s.subjects) for s in atlas.spots)} with subjects; read back in "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
    served = serve_broadest(tables, database, path) if path and not args.atlas_only else None
    if served:
        phrase, n, ms, map_mb, drawn = served
        print(f"broadest stored subject {phrase!r} ({n:,} photos): loaded in {ms:.0f} ms, "
              f"map {map_mb:.2f} MB with {drawn:,} photos drawn "
              f"(background sample {config.PRECOMPUTE_BACKGROUND_SAMPLE:,})")


if __name__ == "__main__":
    main()
