"""The serving half of ``bench_world.py``: many cities from one gunicorn.

1. Start-up with many tiny cities: how long the app takes to check 1,000
   city folders (one open of each master table's metadata), in-process.
2. 50 cities (copies of one demo city, or the cities of an import) served
   by one gunicorn started with the documented configuration
   (``-c python:snapassist.web.gunicorn_conf``, 2 workers): the first
   search in each city not yet loaded, then one more in a loaded city; then,
   after every city has been searched in each round, each process's memory
   (RSS and PSS from ``/proc/PID/smaps_rollup``) and how many cities' search
   files it maps (``/proc/PID/maps``): at most ``SNAPASSIST_CITIES_LOADED``
   is the target. Linux only.
"""
import json
import os
import re
import shutil
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench_memory import children, gunicorn

REPO = Path(__file__).resolve().parents[1]
SEARCH_FILE = "master_table_processed.search"
#: Subjects of the demo city, each searched once per round in every city.
PHRASES = ("cn tower", "graffiti", "skyline")


def tiny_cities(root, n):
    """``n`` city folders of a three-photo master table each (what start-up reads)."""
    import pandas as pd

    from snapassist import config
    from snapassist.io import write_table

    frame = pd.DataFrame({"id": [1, 2, 3], "tags": ["a", "b", "c"]})
    for i in range(n):
        folder = Path(root) / f"city-{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        write_table(frame, folder / config.MASTER_TABLE_PROCESSED,
                    attrs={"city": f"City {i}", "country": "XX", "country_name": f"Land {i % 40}"})
    return Path(root)


def measure_startup(root, n):
    """Seconds to build the app over ``n`` tiny cities (best of 3, in this process)."""
    from snapassist.web import create_app

    tiny_cities(root, n)
    times = []
    for _ in range(3):
        began = time.perf_counter()
        app = create_app({"SNAPASSIST_TABLES_FOLDER": root})
        times.append(time.perf_counter() - began)
    assert len(app.extensions["snapassist_cities"]) == n
    began = time.perf_counter()
    page = app.test_client().get("/?city=city+12")
    return min(times), time.perf_counter() - began, page.status_code


def demo_cities(root, n, photos):
    """``n`` cities, each its own copy of one demo city of ``photos`` photos."""
    from snapassist.demo import build_demo_tables

    source = Path(root) / "_source"
    if not (source / SEARCH_FILE).is_file():
        build_demo_tables(source, n_photos=photos, seed=7)
    for i in range(n):
        folder = Path(root) / f"city-{i:02d}"
        if not (folder / SEARCH_FILE).is_file():
            shutil.copytree(source, folder, dirs_exist_ok=True)
    shutil.rmtree(source)
    return Path(root)


def fetch(url, timeout=120):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, b""


def memory(pid):
    """``(RSS MB, PSS MB, cities whose search file is mapped)`` of process ``pid``."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                values[parts[0]] = int(parts[1]) / 1024
    with open(f"/proc/{pid}/maps") as handle:
        mapped = {m.group(1) for m in re.finditer(r"/([^/\s]+)/" + re.escape(SEARCH_FILE),
                                                    handle.read())}
    return values["Rss:"], values["Pss:"], len(mapped)


def serve_cities(root, workers=2, loaded=8):
    """Serve every city of ``root`` from one gunicorn and measure; prints a report."""
    slugs = sorted(p.name for p in Path(root).iterdir() if (p / SEARCH_FILE).is_file())
    env = {**os.environ, "FLICKR_TABLES_FOLDER": str(root), "SNAPASSIST_CITIES_LOADED": str(loaded),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = Path(root) / "gunicorn.log"
    print(f"\n{len(slugs)} cities, gunicorn -c python:snapassist.web.gunicorn_conf --workers "
          f"{workers}, SNAPASSIST_CITIES_LOADED={loaded}", flush=True)
    began = time.perf_counter()
    with gunicorn(["-c", "python:snapassist.web.gunicorn_conf", "--workers", str(workers),
                   "--no-control-socket", "--error-logfile", str(log), "snapassist.web:app"],
                  env, log_hint=f": see {log}") as (server, base):
        print(f"serving after {time.perf_counter() - began:.1f} s (the master preloads "
              f"{loaded} cities)", flush=True)
        first, again, statuses = [], [], []
        for round_, phrase in enumerate(PHRASES):
            for slug in slugs:
                url = f"{base}/api/{slug}/search?" + urllib.parse.urlencode({"q": phrase})
                t = time.perf_counter()
                status, _ = fetch(url)
                seconds = time.perf_counter() - t
                statuses.append(status)
                (first if round_ == 0 else again).append((seconds, slug))
        # The master preloads the busiest cities (Cities.get): the others are cold.
        from snapassist.web._checks import inspect_tables

        photos = {slug: inspect_tables(Path(root) / slug).n_photos or 0 for slug in slugs}
        preloaded = sorted(slugs, key=lambda slug: (-photos[slug], slug))[:loaded]
        cold = [s for s, slug in first if slug not in preloaded]
        print(f"first search in each city: median {statistics.median(cold):.2f} s, "
              f"max {max(cold):.2f} s over the {len(cold)} cities not preloaded (target < 2 s)")
        print(f"later searches (other subjects, the city loaded or not in that process): "
              f"median {statistics.median(s for s, _ in again):.2f} s, "
              f"max {max(s for s, _ in again):.2f} s")
        print(f"statuses: {dict((s, statuses.count(s)) for s in set(statuses))}")
        health = json.loads(fetch(base + "/healthz")[1])
        print(f"/healthz of one worker: {health['cities']} ({len(json.dumps(health))} bytes)")
        print(f"\n{'process':<16}{'RSS MB':>9}{'PSS MB':>9}{'cities mapped':>15}")
        for w, pid in enumerate(children(server.pid)):
            rows = [(f"worker {w + 1}", pid)] + [(f"  search {k + 1}", p)
                                                   for k, p in enumerate(children(pid))]
            for name, p in rows:
                rss, pss, mapped = memory(p)
                print(f"{name:<16}{rss:>9,.0f}{pss:>9,.0f}{mapped:>15}")
        rss, pss, mapped = memory(server.pid)
        print(f"{'master':<16}{rss:>9,.0f}{pss:>9,.0f}{mapped:>15}")
        return health
