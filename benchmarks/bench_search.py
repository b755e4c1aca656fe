"""Benchmark: tag search on a city's worth of photos, ours against 2018's.

Builds (once, cached) the demo tables at 1,000,000 photos, then reports the
load time and memory (through the stored search file, and with
``--whole-table`` also reading the whole table and building the index as
tables without a search file do), and the median time of a one-word and a
two-word query through ``FlickrPhotosDatabase.get_search_results``, side by
side with the 2018 approach (a Python function run on every row's tag list)
on the same table in the same run. Both must return the same photos.

    python benchmarks/bench_search.py                    # 1,000,000 photos
    python benchmarks/bench_search.py --tables FOLDER    # tables already built
    python benchmarks/bench_search.py --quick            # 100,000 photos
"""
import argparse
import gc
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from snapassist import config
from snapassist.search import FlickrPhotosDatabase, parse_query
from snapassist.demo import ensure_demo_tables  # noqa: E402
from snapassist.schema import used_columns
from _timing import run_times  # noqa: E402

QUERIES = ["graffiti", "cn tower"]


def per_row_search(tag_lists, phrase):
    """The 2018 way: test every photo's tag list in Python, for every query."""
    terms = parse_query(phrase)
    joined = "".join(terms)
    keep = tag_lists.apply(lambda tags: joined in tags or all(t in tags for t in terms))
    return np.flatnonzero(keep.to_numpy())


def median_time(func, repeat):
    return statistics.median(run_times(func, repeat))


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_mb():
    """``(Rss, Pss, Pss_Anon)`` of this process in MB (Linux), from smaps_rollup."""
    values = {}
    with open("/proc/self/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if parts[0].endswith(":"):       # the first line names the mapping range
                values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return values["Rss"], values["Pss"], values.get("Pss_Anon", float("nan"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1_000_000,
                        help="size of the demo table (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 photos, fewer repeats")
    parser.add_argument("--cache", type=Path, default=None,
                        help="where to keep the built demo tables (default: SnapAssist's cache)")
    parser.add_argument("--tables", type=Path, help="use this folder of tables instead")
    parser.add_argument("--whole-table", action="store_true",
                        help="also time loading without the search file (old tables)")
    args = parser.parse_args(argv)
    n_photos = 100_000 if args.quick else args.photos
    repeat = 20 if args.quick else 50
    cache = args.cache or config.get_cache_dir()

    start = time.perf_counter()
    folder = args.tables or ensure_demo_tables(cache, n_photos=n_photos,
                                                      seed=config.DEMO_SEED)
    print(f"tables: {folder} (ready in {time.perf_counter() - start:.1f} s)")

    gc.collect()
    before = memory_mb()
    start = time.perf_counter()
    db = FlickrPhotosDatabase.from_folder(folder)
    load_s = time.perf_counter() - start
    after = memory_mb()
    how = "search file" if db.fingerprint else "no search file: whole table + index"
    print(f"load ({how}): {db.n_photos:,} photos in {load_s:.2f} s; this process grew by "
          f"Rss {after[0] - before[0]:,.0f} MB, Pss {after[1] - before[1]:,.0f} MB "
          f"(of which anonymous {after[2] - before[2]:,.0f} MB; the rest is the mapped "
          f"file, shared by every process)")
    if args.whole_table:
        gc.collect()
        rss_before = rss_mb()
        start = time.perf_counter()
        whole = FlickrPhotosDatabase(folder / config.MASTER_TABLE_PROCESSED,
                                     folder / config.POPULAR_TABLE_PROCESSED)
        print(f"load (whole table + index, as before): {time.perf_counter() - start:.2f} s; "
              f"table {whole.photos.memory_usage(deep=True).sum() / 2**20:,.0f} MB in memory;"
              f" peak RSS grew by {rss_mb() - rss_before:,.0f} MB")
        del whole
        gc.collect()

    # The 2018 code split the tag strings once; give it that for free. (This
    # reads the whole table: "all cols" below needs it too.)
    tag_lists = db.photos["tags"].str.split()
    web_columns = used_columns(db.columns)
    print(f"\n{'query':<12}{'photos':>9}{'lookup ms':>11}{'web cols ms':>13}"
          f"{'all cols ms':>13}{'2018 ms':>10}{'lookup x':>10}{'all cols x':>12}")
    for phrase in QUERIES:
        ours = db.get_search_results(phrase)
        old_rows = per_row_search(tag_lists, phrase)
        assert np.array_equal(ours.index.to_numpy(), old_rows), "results differ"
        t_all = median_time(lambda: db.get_search_results(phrase), repeat)
        t_web = median_time(lambda: db.get_search_results(phrase, columns=web_columns), repeat)
        t_lookup = median_time(lambda: db.count_search_results(phrase), repeat)
        t_old = median_time(lambda: per_row_search(tag_lists, phrase), 3)
        print(f"{phrase:<12}{len(ours):>9,}{t_lookup * 1e3:>11.3f}{t_web * 1e3:>13.1f}"
              f"{t_all * 1e3:>13.1f}{t_old * 1e3:>10.0f}{t_old / t_lookup:>9.0f}x"
              f"{t_old / t_all:>11.0f}x")
    print(f"\nlookup = the query: phrase -> matching row positions (index);\n"
          f"web cols = + a DataFrame of the hits' {len(web_columns)} columns the "
          f"web app reads;\nall cols = + a DataFrame of all {db.photos.shape[1]} "
          f"columns with EXIF. 2018 = a per-row function over the tag lists.")


if __name__ == "__main__":
    main()
