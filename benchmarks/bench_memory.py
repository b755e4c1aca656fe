"""Benchmark: memory of each gunicorn worker serving the 1M demo tables.

Starts ``gunicorn --preload`` with 4 workers on 127.0.0.1 (a free port)
over the tables, sends a few searches (small, medium and one too broad to
cluster), then reads each process's proportional set size (``Pss`` in
``/proc/PID/smaps_rollup``: shared pages are divided between the processes
sharing them) and stops gunicorn. Linux only.

    python benchmarks/bench_memory.py --tables FOLDER     # tables already built
    python benchmarks/bench_memory.py                     # 1,000,000 demo photos
    python benchmarks/bench_memory.py --quick             # 60,000 demo photos
"""
import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from snapassist import config
from snapassist.demo import ensure_demo_tables  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Demo subjects of about 1,000, 7,000 and 10,000 photos (clustered live), and
# two too broad to cluster in a request (answered from the index).
SEARCHES = ("brunch", "cne", "trinitybellwoods", "toronto", "cn tower")
FIELDS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Private_Dirty")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smaps_rollup(pid):
    """``{field: MB}`` from ``/proc/PID/smaps_rollup``."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if parts[0].rstrip(":") in FIELDS:
                values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return values


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(p) for p in handle.read().split()]


@contextlib.contextmanager
def gunicorn(args, env, log_hint=""):
    """Run ``gunicorn --bind 127.0.0.1:PORT *args`` from the repository; stop it after.

    Yields ``(server, base URL)`` once ``/healthz`` answers 200; exits with
    gunicorn's status (and ``log_hint``) if it stops before that.
    """
    base = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "gunicorn", "--bind", base.rsplit("/", 1)[1], *args]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while get(base + "/healthz", timeout=5) != 200:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with status {server.returncode}{log_hint}")
            time.sleep(0.2)
        yield server, base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def get(url, timeout=300):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None                       # not listening yet


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=Path, help="folder of processed tables "
                        "(default: the demo tables, built once into SnapAssist's cache)")
    parser.add_argument("--photos", type=int, default=1_000_000, help="demo size")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-preload", action="store_true", help="each worker loads itself")
    parser.add_argument("--quick", action="store_true", help="60,000 demo photos")
    args = parser.parse_args(argv)
    n_photos = config.DEMO_N_PHOTOS if args.quick else args.photos
    folder = args.tables or ensure_demo_tables(config.get_cache_dir(), n_photos=n_photos)
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    serve_args = ["--workers", str(args.workers), "--timeout", "300",
             *([] if args.no_preload else ["--preload"]), "snapassist.web:app"]
    print("gunicorn " + " ".join(serve_args), f"(tables {folder})")
    start = time.perf_counter()
    with gunicorn(serve_args, env) as (server, base):
        print(f"serving after {time.perf_counter() - start:.1f} s")
        # More requests than workers, so each worker has likely searched.
        for round_ in range(args.workers):
            times = []
            for phrase in SEARCHES:
                url = f"{base}/search?" + urllib.parse.urlencode({"q": phrase})
                t = time.perf_counter()
                status = get(url)
                times.append(f"{phrase} {status} {time.perf_counter() - t:.2f} s")
            print(f"  round {round_ + 1}: " + "; ".join(times))
        print(f"\n{'process':<10}" + "".join(f"{f + ' MB':>17}" for f in FIELDS))
        pids = [("master", server.pid)] + [("worker", p) for p in children(server.pid)]
        total = 0.0
        for role, pid in pids:
            values = smaps_rollup(pid)
            total += values["Pss"]
            print(f"{role:<10}" + "".join(f"{values[f]:>17,.0f}" for f in FIELDS))
        print(f"\ntotal Pss of the {len(pids)} processes: {total:,.0f} MB")


if __name__ == "__main__":
    main()
