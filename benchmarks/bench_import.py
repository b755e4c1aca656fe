"""Time and peak memory of ``snapassist import`` as the file grows.

The demo's photos (their tags, titles, owners and places) are written as an
LBSN CSV, gzipped, and imported with the command users run, in a fresh
process each; its peak resident memory is the process's own high-water mark (VmHWM).

Run ``python benchmarks/bench_import.py`` (100,000 / 400,000 / 1,600,000
photos, several minutes) or ``--quick`` (20,000 and 80,000).
"""
import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from snapassist import config
from snapassist.search import SEARCH_FILE
from snapassist.demo import generate_demo_photos

REPO = Path(__file__).resolve().parents[1]
#: Child code giving its own peak resident memory (kB): VmHWM. ``ru_maxrss``
#: would not do: Linux counts in it the parent's size when it forked.
OWN_PEAK = ("import re\n"
            "def _own_peak_kb():\n"
            "    status = open('/proc/self/status').read()\n"
            "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n")
LBSN = ("origin_id,lat,lng,guid,user_guid,post_create_date,post_publish_date,post_body,"
        "hashtags,emoji,post_views_count,post_like_count,loc_id,loc_name\n")


def write_lbsn(path, n_photos, seed=7):
    """The demo's ``n_photos`` photos as an LBSN CSV (gzip); returns its size in bytes."""
    photos, _ = generate_demo_photos(n_photos, seed=seed)
    taken = photos["datetaken"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    with gzip.open(path, "wt", compresslevel=1, encoding="utf-8", newline="") as out:
        out.write(LBSN)
        for i, row in enumerate(photos[["latitude", "longitude", "id", "owner", "title",
                                        "tags", "views"]].itertuples(index=False)):
            title = str(row.title).replace('"', "'")
            out.write(f'2,{row.latitude},{row.longitude},{row.id},{row.owner},{taken[i]},,'
                      f'"{title}",{row.tags.replace(" ", ";")},,{row.views},0,,\n')
    return Path(path).stat().st_size


def import_once(path, out):
    """``(seconds, peak resident MB)`` of one ``snapassist import`` in a fresh process."""
    code = (OWN_PEAK + "import sys\nfrom snapassist.cli import main\n"
            f"status = main(['import', '--format', 'lbsn', {str(path)!r}, {str(out)!r}, '-q'])\n"
            "print(_own_peak_kb())\nsys.exit(status)\n")
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO)
    seconds = time.perf_counter() - start
    if run.returncode:
        raise SystemExit(f"import failed:\n{run.stderr[-3000:]}")
    return seconds, int(run.stdout.split()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 400_000, 1_600_000])
    parser.add_argument("--quick", action="store_true", help="20,000 and 80,000 photos")
    args = parser.parse_args()
    sizes = [20_000, 80_000] if args.quick else args.sizes
    print(f"{'photos':>10} {'input gz':>9} {'import':>8} {'photos/s':>9} {'peak RSS':>9} "
          f"{'table':>8} {'search':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            source = Path(tmp) / f"photos{n}.csv.gz"
            size = write_lbsn(source, n)
            out = Path(tmp) / f"out{n}"
            seconds, peak = import_once(source, out)
            table = (out / config.MASTER_TABLE_PROCESSED).stat().st_size / 1e6
            search = (out / SEARCH_FILE).stat().st_size / 1e6
            print(f"{n:>10,} {size / 1e6:>6.0f} MB {seconds:>6.1f} s {n / seconds:>9,.0f} "
                  f"{peak:>6.0f} MB {table:>5.0f} MB {search:>5.0f} MB", flush=True)
            source.unlink()


if __name__ == "__main__":
    main()
