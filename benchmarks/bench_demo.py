"""Time building the demo tables, and loading them in fixed and table format.

Run ``python benchmarks/bench_demo.py`` (60,000 and 1,000,000 photos) or
``python benchmarks/bench_demo.py --quick`` (a 5,000-photo smoke run).
"""
import argparse
import tempfile
from pathlib import Path

import pandas as pd

from snapassist import config
from snapassist.demo import build_demo_tables, generate_demo_photos
from _timing import run_times  # noqa: E402


def _best_of(repeat, fn):
    return min(run_times(fn, repeat))


def bench(n_photos, repeat, compare_formats):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t_build = _best_of(repeat, lambda: build_demo_tables(folder, n_photos=n_photos))
        t_generate = _best_of(repeat, lambda: generate_demo_photos(n_photos))
        master_path = folder / config.MASTER_TABLE_PROCESSED
        size_mb = master_path.stat().st_size / 1e6
        t_fixed = _best_of(repeat, lambda: pd.read_hdf(master_path, config.HDF_KEY))
        print(f"{n_photos:>9,} photos: build {t_build:6.2f} s (generate {t_generate:6.2f} s), "
              f"master {size_mb:6.1f} MB, read_hdf fixed {t_fixed:5.2f} s", end="")
        if compare_formats:
            master = pd.read_hdf(master_path, config.HDF_KEY)
            table_path = folder / "master_table_format.hdf5"
            t_write = _best_of(1, lambda: master.to_hdf(table_path, key=config.HDF_KEY, mode="w",
                                                         format="table"))
            t_table = _best_of(repeat, lambda: pd.read_hdf(table_path, config.HDF_KEY))
            print(f", table format: write {t_write:5.2f} s, {table_path.stat().st_size / 1e6:6.1f} MB, "
                  f"read_hdf {t_table:5.2f} s", end="")
        print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        bench(5_000, 1, compare_formats=True)
    else:
        bench(config.DEMO_N_PHOTOS, 3, compare_formats=False)
        bench(1_000_000, 1, compare_formats=True)


if __name__ == "__main__":
    main()
