"""Benchmark: does a gunicorn worker's memory stay flat under many distinct searches?

Starts gunicorn with the documented configuration (``-c
python:snapassist.web.gunicorn_conf``, 2 workers) over the demo tables,
sends ``--queries`` distinct, uncached searches (the demo's tags, then each
with one of the commonest tags: no phrase repeats) from a few client
threads, and every ``--every`` queries records the resident memory (RSS,
and the proportional set size PSS, which splits the pages shared since the
fork) of each worker and of its search processes. Prints a small table: the
loaded size (after the first searches), then the sizes over time. Linux only.

    python benchmarks/bench_memory_gunicorn.py                  # 5,000 queries
    python benchmarks/bench_memory_gunicorn.py --queries 1000 --photos 300000
    python benchmarks/bench_memory_gunicorn.py --arenas 0       # glibc's arenas
    python benchmarks/bench_memory_gunicorn.py --in-process 16  # 16 threads, no gunicorn

The target (issue 21): flat after warm-up, within twice the loaded size.
"""
import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from bench_memory import children, get, gunicorn, smaps_rollup

from snapassist import config
from snapassist.demo import ensure_demo_tables
from snapassist.io import read_table

REPO = Path(__file__).resolve().parents[1]
#: Photos a tag needs to be searched (with the commonest tags, in pairs).
MIN_TAG_PHOTOS = 150


def distinct_queries(folder, n):
    """``n`` distinct phrases (so none is answered from a cache) that most often cluster.

    The tags of at least ``MIN_TAG_PHOTOS`` photos, then each paired with
    one of the commonest tags (which most photos carry, so the pair matches
    about as many photos as the tag alone).
    """
    tags = Counter()
    for text in read_table(folder / config.MASTER_TABLE_PROCESSED)["tags"].dropna():
        tags.update(text.split())
    words = [tag for tag, count in tags.most_common() if count >= MIN_TAG_PHOTOS]
    phrases, seen = [], set()
    for anchor in [None, *words]:
        for word in words:
            pair = frozenset((anchor, word)) if anchor else frozenset((word,))
            if anchor != word and pair not in seen:
                seen.add(pair)
                phrases.append(f"{anchor} {word}" if anchor else word)
        if len(phrases) >= n:
            return [urllib.parse.urlencode({"q": phrase}) for phrase in phrases[:n]]
    raise SystemExit(f"only {len(phrases)} distinct queries from {len(words)} tags")


def measure(master):
    """``[(worker pid, worker RSS, PSS, [search processes' RSS], their PSS)]`` in MB."""
    rows = []
    for worker in sorted(children(master)):
        own = smaps_rollup(worker)
        searches = [smaps_rollup(p) for p in children(worker)]
        rows.append((worker, own["Rss"], own["Pss"], [s["Rss"] for s in searches],
                     sum(s["Pss"] for s in searches)))
    return rows


_IN_PROCESS = """
import os, sys, threading
from snapassist.web.gunicorn_conf import limit_malloc_arenas
limit_malloc_arenas({arenas})
from snapassist.web import create_app
client = create_app().test_client()
queries = {queries!r}
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
client.get("/search?q=toronto")
print(f"loaded {{rss():.0f}}", flush=True)
lock, sent = threading.Lock(), iter(queries)
def work():
    while True:
        with lock:
            query = next(sent, None)
        if query is None:
            return
        client.get("/search?" + query)
for step in range(0, len(queries), {every}):
    sent = iter(queries[step:step + {every}])
    threads = [threading.Thread(target=work) for _ in range({threads})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{{step + len(queries[step:step + {every}])}} {{rss():.0f}}", flush=True)
"""


def in_process(folder, queries, threads, arenas, every):
    """The searches in one process's threads (the app without gunicorn): its RSS over time."""
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = _IN_PROCESS.format(arenas=arenas, queries=queries, threads=threads, every=every)
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, text=True,
                         capture_output=True)
    if run.returncode:
        raise SystemExit(run.stderr[-2000:])
    return run.stdout.split("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=Path, help="folder of processed tables "
                        "(default: the demo tables, built once into SnapAssist's cache)")
    parser.add_argument("--photos", type=int, default=config.DEMO_N_PHOTOS,
                        help="demo size (default %(default)s)")
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--every", type=int, default=500, help="queries between readings")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--arenas", help="SNAPASSIST_MALLOC_ARENAS for gunicorn "
                        "(0: glibc's default; default: the configuration's)")
    parser.add_argument("--in-process", type=int, metavar="THREADS",
                        help="instead: search in THREADS threads of one process, without "
                             "gunicorn, with and without the arena cap")
    args = parser.parse_args(argv)
    folder = args.tables or ensure_demo_tables(config.get_cache_dir(), n_photos=args.photos)
    queries = distinct_queries(folder, args.queries)
    if args.in_process:
        for arenas in ("0", args.arenas or "2"):
            lines = in_process(folder, queries, args.in_process, arenas, args.every)
            print(f"{args.in_process} threads in one process, SNAPASSIST_MALLOC_ARENAS="
                  f"{arenas}: RSS MB after N queries: " + "; ".join(filter(None, lines)))
        return
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder), "SNAPASSIST_WORKERS": "2",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if args.arenas is not None:
        env["SNAPASSIST_MALLOC_ARENAS"] = args.arenas
    print("gunicorn -c python:snapassist.web.gunicorn_conf snapassist.web:app",
          f"(2 workers, tables {folder}, "
          f"SNAPASSIST_MALLOC_ARENAS={env.get('SNAPASSIST_MALLOC_ARENAS', 'default')})")
    with gunicorn(["-c", "python:snapassist.web.gunicorn_conf", "snapassist.web:app"],
                  env) as (server, base):
        time.sleep(2)                   # the workers fork their search processes
        statuses, lock, sent = Counter(), threading.Lock(), iter(enumerate(queries))
        readings = []

        def client():
            while True:
                with lock:
                    item = next(sent, None)
                if item is None:
                    return
                status = get(f"{base}/search?{item[1]}", timeout=300)
                with lock:
                    statuses[status] += 1

        def read(done, seconds):
            readings.append((done, seconds, measure(server.pid)))

        start = time.perf_counter()
        read(0, 0.0)
        for begin in range(0, len(queries), args.every):
            batch = queries[begin:begin + args.every]
            sent = iter(enumerate(batch))
            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            read(begin + len(batch), time.perf_counter() - start)
        _print(readings, statuses)


def _print(readings, statuses):
    print(f"statuses: {dict(sorted(statuses.items(), key=str))}")
    n = len(readings[0][2])
    head = "".join(f"   w{i + 1} RSS  its searches RSS (PSS w+s)" for i in range(n))
    print(f"{'queries':>8} {'seconds':>8}{head}")
    for done, seconds, rows in readings:
        cells = "".join(f"{rss:>9,.0f} {'+'.join(f'{s:,.0f}' for s in sub):>17} "
                        f"({pss + spss:>5,.0f})"
                        for _, rss, pss, sub, spss in rows)
        print(f"{done:>8,} {seconds:>8.0f}{cells}")
    first = readings[1][2] if len(readings) > 1 else readings[0][2]
    last = readings[-1][2]
    for i, (a, b) in enumerate(zip(first, last)):
        print(f"worker {i + 1}: RSS {a[1]:,.0f} -> {b[1]:,.0f} MB ({b[1] / a[1]:.2f}x), "
              f"largest search process {max(a[3], default=0):,.0f} -> "
              f"{max(b[3], default=0):,.0f} MB")


if __name__ == "__main__":
    main()
