"""Import throughput of a YFCC100M-format file with 1 and 2 Dask workers, and the driver's memory.

The file: the demo's photos (``snapassist.demo.generate_demo_photos``)
moved to each of the most populous cities of GeoNames (same distances from
the city's centre as from Toronto's), ids made unique per city, written in
the 25-field layout with the cities interleaved in blocks of 2,000 lines (a
part holds many cities, as in the real file), 2% of the lines marked as
videos and 1% cut short. The first ``--lines`` lines are imported with
``--cities`` on a LocalCluster of 1 and of 2 workers, and the whole file
(``--big-lines``) on 2, each in a fresh process: its own peak memory is the
driver's (VmHWM), each worker's is reported by the import. The load average
of the machine (mean of 1-minute samples during the run) is given with each
number: other jobs share the cores.

Then an extrapolation to 100 million lines on 32 workers, with its limits:
the read bandwidth of the input and of the parts, and the largest city's
write task.

Then the serving half (``benchmarks/_serve_cities.py``): the app's start-up
over 1,000 tiny city folders, and 50 cities served by one gunicorn with the
documented configuration: the first search in a city not yet loaded, and
each process's memory after every city was searched.

Run ``python benchmarks/bench_world.py`` (5 and 10 million lines, 50
cities: about half an hour on 2 cores) or ``--quick`` (200,000 and 400,000
lines, 50 cities). ``--keep DIR`` keeps the generated file there for a rerun.
``--serve-only`` runs only the serving half (about 3 minutes; ``--serve-tables
DIR`` serves the cities of an import instead of 50 copies of a demo city of
``--serve-photos`` photos), ``--no-serve`` only the import half.
"""
import argparse
import bz2
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
#: Lines of one city written together before the next city's.
BLOCK = 2000
VIDEO_SHARE, DAMAGED_SHARE = 0.02, 0.01
CHILD = """
import json, re, sys, time
from snapassist.ingest.world import import_yfcc

def own_peak():
    status = open('/proc/self/status').read()
    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) * 1024

if __name__ == '__main__':
    path, out, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    began = time.perf_counter()
    result = import_yfcc(path, out, cities=True, workers=workers)
    seconds = time.perf_counter() - began
    largest = max(result.cities, key=lambda c: c[2])
    print(json.dumps({"seconds": seconds, "lines": result.rows_read, "photos": result.rows_kept,
                      "cities": len(result.cities), "driver_peak": own_peak(),
                      "worker_peaks": list(result.worker_peak_bytes.values()),
                      "stages": result.seconds, "cpu": result.cpu_seconds,
                      "largest": largest,
                      "largest_seconds": result.city_seconds[largest[0]],
                      "parts": result.parts, "failed": result.failed,
                      "counts": dict(result.problems.counts)}))
"""


def city_positions(n):
    """The ``n`` most populous cities of the import's own city list: (slug, lat, lon)."""
    from snapassist.ingest.cities import world_cities

    cities = sorted(world_cities().cities, key=lambda c: (-c.population, c.geonameid))[:n]
    return [(c.slug, c.latitude, c.longitude) for c in cities]


def write_world(path, n_lines, n_cities, seed=7):
    """Write the benchmark's file of ``n_lines`` lines over ``n_cities`` cities; its size."""
    from snapassist import config
    from snapassist.demo import generate_demo_photos
    from snapassist.ingest.yfcc import LAYOUTS, photo_lines

    per_city = math.ceil(n_lines / n_cities)
    photos, _ = generate_demo_photos(min(per_city, 5_000_000), seed=seed)
    photos = photos[["id", "owner", "ownername", "title", "datetaken", "dateupload", "tags",
                     "machine_tags", "latitude", "longitude", "accuracy", "server", "secret"]]
    rng = np.random.default_rng(seed)
    layout = LAYOUTS["yfcc100m-25"]
    squeeze = math.cos(math.radians(config.SCRAPE_CENTER_LAT))
    written = 0
    cities = city_positions(n_cities)
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, per_city, BLOCK):
            block = photos.iloc[start:start + BLOCK]
            for k, (_, lat, lon) in enumerate(cities):
                if written >= n_lines:
                    break
                moved = block.head(n_lines - written).copy()
                moved["latitude"] = (block["latitude"] - config.SCRAPE_CENTER_LAT + lat).round(6)
                moved["longitude"] = ((block["longitude"] - config.SCRAPE_CENTER_LON) * squeeze
                                      / math.cos(math.radians(lat)) + lon).round(6)
                moved["id"] = [f"{k + 1}{i:0>11}" for i in moved["id"]]
                moved["marker"] = (rng.random(len(moved)) < VIDEO_SHARE).astype(int)
                lines = photo_lines(moved, layout, start_line=written)
                for i in np.flatnonzero(rng.random(len(lines)) < DAMAGED_SHARE):
                    fields = lines[i].split("\t")
                    lines[i] = "\t".join(fields[:rng.integers(1, len(fields) - 1)])
                out.write("\n".join(lines) + "\n")
                written += len(lines)
    return Path(path).stat().st_size


def head(path, n_lines, target):
    """The first ``n_lines`` lines of ``path`` into ``target``."""
    with open(path, "rb") as source, open(target, "wb") as out:
        for i, line in enumerate(source):
            if i >= n_lines:
                break
            out.write(line)
    return Path(target).stat().st_size


class LoadSampler:
    """Samples the 1-minute load average every few seconds while running."""

    def __init__(self, every_s=5.0):
        self.every, self.samples = every_s, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mean(self):
        return sum(self.samples) / max(1, len(self.samples))


def import_once(path, out, workers):
    """One ``--cities`` import in a fresh process; its measures and the load average."""
    with LoadSampler() as load:
        run = subprocess.run([sys.executable, "-c", CHILD, str(path), str(out), str(workers)],
                             capture_output=True, text=True, cwd=REPO)
    if run.returncode:
        raise SystemExit(f"import failed:\n{run.stderr[-3000:]}")
    measures = json.loads(run.stdout.strip().splitlines()[-1])
    measures["load"] = load.mean
    return measures


def bz2_index_rate(path, n_bytes=200 << 20):
    """Bytes of text per second that ``indexed_bzip2`` indexes (2 threads), on a slice of ``path``."""
    import indexed_bzip2

    with open(path, "rb") as source:
        data = source.read(n_bytes)
    with tempfile.TemporaryDirectory() as tmp:
        packed = Path(tmp) / "slice.bz2"
        packed.write_bytes(bz2.compress(data, 9))
        began = time.perf_counter()
        with indexed_bzip2.open(str(packed), parallelization=2) as handle:
            handle.block_offsets()
        seconds = time.perf_counter() - began
        return len(data) / seconds, packed.stat().st_size / len(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--big-lines", type=int, default=10_000_000)
    parser.add_argument("--cities", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="200,000 and 400,000 lines")
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the generated file here")
    parser.add_argument("--no-big", action="store_true",
                        help="only the 1- and 2-worker imports of --lines (no driver check)")
    parser.add_argument("--serve-only", action="store_true", help="only the serving half")
    parser.add_argument("--no-serve", action="store_true", help="only the import half")
    parser.add_argument("--serve-tables", metavar="DIR", type=Path,
                        help="serve these cities (one sub-folder each) instead of demo copies")
    parser.add_argument("--serve-cities", type=int, default=50, help="demo cities to serve")
    parser.add_argument("--serve-photos", type=int, default=20_000, help="photos per demo city")
    parser.add_argument("--cities-loaded", type=int, default=8,
                        help="SNAPASSIST_CITIES_LOADED for the served app")
    parser.add_argument("--startup-cities", type=int, default=1000,
                        help="tiny city folders for the start-up measure")
    args = parser.parse_args()
    if not args.serve_only:
        import_half(args)
    if not args.no_serve:
        serve_half(args)


def serve_half(args):
    """Start-up over many tiny cities, then 50 cities from one gunicorn (``_serve_cities``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _serve_cities as serving

    with tempfile.TemporaryDirectory(prefix="bench-world-serve-") as work:
        work = Path(work)
        build, page, status = serving.measure_startup(work / "tiny", args.startup_cities)
        print(f"app start-up over {args.startup_cities:,} tiny city folders: {build:.2f} s "
              f"(best of 3, warm file cache); /?city=city+12 in {page * 1000:.0f} ms "
              f"(status {status})", flush=True)
        shutil.rmtree(work / "tiny")
        if args.serve_tables is not None:
            root = args.serve_tables
        else:
            began = time.perf_counter()
            root = serving.demo_cities(work / "cities", args.serve_cities, args.serve_photos)
            print(f"{args.serve_cities} demo cities of {args.serve_photos:,} photos written in "
                  f"{time.perf_counter() - began:.0f} s", flush=True)
        serving.serve_cities(root, workers=2, loaded=args.cities_loaded)


def import_half(args):
    """The import of the generated file with 1 and 2 workers, and the extrapolation."""
    if args.quick:
        args.lines, args.big_lines = 200_000, 400_000
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-world-"))
    work.mkdir(parents=True, exist_ok=True)
    big = work / f"world-{args.big_lines}-{args.cities}.tsv"
    if not big.is_file():
        began = time.perf_counter()
        size = write_world(big, args.big_lines, args.cities)
        print(f"generated {args.big_lines:,} lines ({size / 1e9:.2f} GB) in "
              f"{time.perf_counter() - began:.0f} s", flush=True)
    small = work / f"world-{args.lines}-{args.cities}.tsv"
    if not small.is_file():
        head(big, args.lines, small)
    runs = [(small, args.lines, 1), (small, args.lines, 2)]
    runs += [] if args.no_big else [(big, args.big_lines, 2)]
    print(f"\n{'lines':>11} {'workers':>7} {'seconds':>8} {'lines/s':>8} {'read s':>7} "
          f"{'write s':>7} {'CPU s':>6} {'driver MB':>9} {'worker MB':>13} {'cities':>6} "
          f"{'load':>5}", flush=True)
    results = []
    for path, n, workers in runs:
        out = work / f"out-{n}-{workers}"
        measures = import_once(path, out, workers)
        subprocess.run(["rm", "-rf", str(out)], check=True)
        results.append((n, workers, measures))
        peaks = "/".join(f"{p / 2**20:.0f}" for p in measures["worker_peaks"])
        print(f"{n:>11,} {workers:>7} {measures['seconds']:>8.0f} "
              f"{measures['lines'] / measures['seconds']:>8,.0f} "
              f"{measures['stages']['reading']:>7.0f} {measures['stages']['writing']:>7.0f} "
              f"{sum(measures['cpu'].values()):>6.0f} "
              f"{measures['driver_peak'] / 2**20:>9.0f} {peaks:>13} {measures['cities']:>6} "
              f"{measures['load']:>5.1f}", flush=True)
    one, two = results[0][2], results[1][2]
    speedup = one["seconds"] / two["seconds"]
    print(f"\n2 workers / 1 worker: {speedup:.2f}x the throughput (target 1.7x); reading "
          f"{one['stages']['reading'] / two['stages']['reading']:.2f}x, writing "
          f"{one['stages']['writing'] / two['stages']['writing']:.2f}x")
    # Other jobs take cores: the work itself (processor seconds of the
    # tasks) tells what 2 free cores would do.
    cpu_one, cpu_two = sum(one["cpu"].values()), sum(two["cpu"].values())
    print(f"processor time of the tasks: {cpu_one:.0f} s with 1 worker, {cpu_two:.0f} s with 2 "
          f"({cpu_one / cpu_two:.0%} as efficient): on 2 free cores at most "
          f"{2 * cpu_one / cpu_two:.2f}x, less the wait for the last task of each stage")
    if args.no_big:
        return
    whole = results[2][2]
    grown = (whole["driver_peak"] - two["driver_peak"]) / 2**20
    print(f"driver peak memory at {args.lines:,} and {args.big_lines:,} lines: "
          f"{two['driver_peak'] / 2**20:.0f} and {whole['driver_peak'] / 2**20:.0f} MB "
          f"({grown:+.0f} MB; target within 100 MB)")
    print(f"counts at {args.big_lines:,} lines: {whole['counts']}")
    extrapolate(one, two, whole, big, args.big_lines)


def extrapolate(one, two, whole, path, n_lines, target_lines=100_000_000, workers=32):
    """100 million lines on 32 workers, from the measured rates, and what would limit it."""
    bytes_per_line = path.stat().st_size / n_lines
    read_rate = one["lines"] / one["stages"]["reading"]                 # lines/s, 1 worker
    write_rate = one["photos"] / one["stages"]["writing"]               # photos/s, 1 worker
    efficiency = (two["lines"] / two["seconds"]) / (2 * one["lines"] / one["seconds"])
    photos_share = whole["photos"] / whole["lines"]
    read_s = target_lines / (read_rate * workers * efficiency)
    largest, largest_s = whole["largest"], whole["largest_seconds"]
    per_photo_s = largest_s / largest[2]
    write_s = target_lines * photos_share / (write_rate * workers * efficiency)
    index_rate, ratio = bz2_index_rate(path)
    print(f"\nExtrapolation to {target_lines:,} lines on {workers} workers (2-worker "
          f"efficiency {efficiency:.0%} assumed to hold):")
    print(f"  reading {read_s / 60:.0f} min ({read_rate:,.0f} lines/s per worker), writing "
          f"{write_s / 60:.0f} min if the photos of {photos_share:.0%} of the lines spread "
          f"evenly ({write_rate:,.0f} photos/s per worker)")
    need = read_rate * workers * bytes_per_line / 1e6
    print(f"  network: {workers} workers read {need:,.0f} MB/s of text ({bytes_per_line:.0f} "
          f"bytes a line); bzip2 input is {ratio:.0%} of that on the wire but needs its "
          f"block index first: one pass at {index_rate / 1e6:,.0f} MB/s of text here "
          f"(2 threads), {target_lines * bytes_per_line / index_rate / 60:.0f} min for the "
          f"whole file")
    print(f"  the largest city: {largest[0]} ({largest[2]:,} photos) took {largest_s:.0f} s "
          f"alone ({per_photo_s * 1e6:.0f} us a photo): a city of 1,000,000 photos would take "
          f"{per_photo_s * 1e6 / 60:.0f} min on one worker, however many there are")


if __name__ == "__main__":
    main()
