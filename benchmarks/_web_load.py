"""The load half of bench_web.py: the README's gunicorn under many clients.

Starts gunicorn with the project's config on 127.0.0.1, drives it with
client processes for a bounded time, reads each process's memory from
/proc, and stops everything it started.
"""
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from snapassist import config

REPO = Path(__file__).resolve().parents[1]
P99_TARGET_S = 1.0
HEALTHZ_TARGET_S = 0.1
#: The niceness of the clients' process (see _load_clients).
CLIENT_NICE = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_idle_gunicorn(folder, port, log_path):
    """The control: the same app on one sync worker, tables not loaded, never asked to search.

    Its ``/healthz``, asked beside the loaded server's, shows how long the
    machine itself (its cores shared with the load and any other job) makes
    a request wait.
    """
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
             "--no-control-socket", "snapassist.web:app"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_gunicorn(folder, port, workers, log_path, preload=True):
    env = {**os.environ, config.ENV_TABLES_FOLDER: str(folder),
           "SNAPASSIST_PRELOAD": "1" if preload else "0",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log_path, "w") as log:
        # The README's line; no control socket, whose default path every
        # gunicorn of the user shares.
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:snapassist.web.gunicorn_conf",
             "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-control-socket",
             "snapassist.web:app"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_gunicorn(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # its own session: master and workers
            proc.wait()


def get(conn_box, port, path, timeout):
    """``(status, seconds)`` of one GET on a kept-alive connection; reconnects on error.

    A kept-alive connection the server has closed while the client was idle
    (gunicorn's ``keepalive``) fails on its next request before any answer:
    then, as browsers do, the request is sent again once on a new
    connection, and the time counts from the first try.
    """
    start = time.perf_counter()
    for attempt in (1, 2):
        reused = conn_box[0] is not None
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            # As a browser asks: gzip accepted (the body is read, not inflated:
            # inflating is the user's machine's work, not the server's).
            conn_box[0].request("GET", path, headers={"Accept-Encoding": "gzip"})
            answer = conn_box[0].getresponse()
            answer.read()
            if answer.getheader("Connection", "").lower() == "close":
                conn_box[0].close()
                conn_box[0] = None
            return answer.status, time.perf_counter() - start
        except (OSError, http.client.HTTPException) as exc:
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            stale = isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError,
                                     BrokenPipeError))
            if not (reused and stale and attempt == 1):
                return type(exc).__name__, time.perf_counter() - start


def wait_until_up(proc, port, log_path, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        status, _ = get([None], port, "/healthz", 5)
        if status == 200:
            return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz in {seconds} s")


def load_in_workers(port, workers, query, timeout_s):
    """Without preload, make every worker load its tables before the load starts."""
    path = "/search?" + urllib.parse.urlencode({"q": query})
    # Which worker takes a connection is the kernel's choice: send a few at
    # once, then check that /healthz keeps saying loaded.
    threads = [threading.Thread(target=get, args=([None], port, path, 10 * timeout_s))
               for _ in range(4 * workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = [get_json(port, "/healthz").get("tables_loaded") for _ in range(20)]
    if not all(loaded):
        print(f"warning: a worker had not loaded its tables ({loaded.count(False)}/20 said so)")


def get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


class Plan:
    """What the clients ask, request by request: ``(kind, label, path)``.

    ``kind`` is ``"hit"`` (one of ``hits``, asked again and again, so
    cached once the run is warm) or ``"miss"`` (the next of ``misses``,
    each asked once in the whole run: a search no cache has). A request is
    a miss with probability ``miss_share`` while misses remain. Used in the
    clients' process, by all its threads.
    """

    def __init__(self, hits, misses=(), miss_share=0.0):
        self.hits, self.misses, self.miss_share = list(hits), list(misses), miss_share
        self._next_miss = 0
        self._lock = threading.Lock()

    def next(self, rng):
        if self.misses and rng.random() < self.miss_share:
            with self._lock:
                if self._next_miss < len(self.misses):
                    self._next_miss += 1
                    return ("miss", *self.misses[self._next_miss - 1])
        return ("hit", *rng.choice(self.hits))


def _load_clients(port, plan, n_clients, duration_s, timeout_s, think_s, pipe):
    """Child process: ``n_clients`` threads asking ``plan`` until ``duration_s`` is over.

    With ``think_s``, each client waits a random time (exponential, that
    mean) after each answer, as a person reads a page before the next search.
    """
    # The clients stand for people on other machines: on the server's own two
    # cores they yield to it, so that what is measured is the server's work.
    os.nice(int(os.environ.get("BENCH_CLIENT_NICE", CLIENT_NICE)))
    results, lock = [], threading.Lock()
    stop_at = time.monotonic() + duration_s

    def client(i):
        conn, rng = [None], random.Random(1000 + i)
        # Users do not all arrive in the same millisecond.
        time.sleep(rng.uniform(0, think_s))
        while time.monotonic() < stop_at:
            kind, label, path = plan.next(rng)
            status, seconds = get(conn, port, path, timeout_s)
            with lock:
                results.append((kind, label, status, seconds))
            if think_s:
                time.sleep(min(rng.expovariate(1 / think_s), max(0.0, stop_at - time.monotonic())))
        if conn[0] is not None:
            conn[0].close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pipe.send(results)


def warm_up(port, paths, timeout_s, per_path=8):
    """Ask each path ``per_path`` times, each on a new connection, two at a time.

    Which worker takes a connection is the kernel's choice: with eight tries
    each of two workers misses a path with a chance of 1 in 128.
    """
    def ask(path):
        for _ in range(per_path // 2):
            get([None], port, path, timeout_s)

    threads = [threading.Thread(target=ask, args=(path,)) for path in paths for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def memory_of(pid):
    """``(rss MB, pss MB)`` of a process, from /proc (Linux)."""
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = line.split(":")
            fields[name] = int(value.split()[0]) / 1024
    except OSError:
        return None, None
    return fields.get("Rss"), fields.get("Pss")


def print_memory(when, master_pid):
    """Each gunicorn process's RSS and PSS (workers' search processes too), and the PSS total."""
    workers = children_of(master_pid)
    pids = [(master_pid, "master")] + [(pid, "worker") for pid in workers]
    pids += [(pid, "search") for worker in workers for pid in children_of(worker)]
    memory = [(pid, kind, *memory_of(pid)) for pid, kind in pids]
    parts = [f"{kind} {rss:,.0f}/{pss:,.0f}" for pid, kind, rss, pss in memory if rss is not None]
    total = sum(pss for _, _, rss, pss in memory if pss is not None)
    print(f"memory {when}, RSS/PSS MB: {', '.join(parts)}; PSS total {total:,.0f} MB")


def children_of(pid):
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == pid:
            kids.append(int(stat.parent.name))
    return sorted(kids)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))] if values else float("nan")


def run_load(folder, plan, workers, n_clients, duration_s, timeout_s, preload=True,
             think_s=0.0, title="load", p99_target_s=P99_TARGET_S, warm=()):
    """Serve ``folder`` with the README's gunicorn line and drive it with ``plan``.

    Prints the requests, errors, worker timeouts and latency percentiles
    (hits and misses apart when the plan has misses), ``/healthz`` asked
    four times a second on its own connection, memory and load averages.
    Returns the names of the targets missed.
    """
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="bench-web-")) / "gunicorn.log"
    print(f"\n== {title}: gunicorn -c python:snapassist.web.gunicorn_conf --workers {workers} "
          f"({'preloaded' if preload else 'SNAPASSIST_PRELOAD=0'}, log: {log_path}); "
          f"{n_clients} clients for {duration_s:.0f} s"
          + (f", each waiting {think_s:g} s (mean) between requests" if think_s else ""))
    proc = start_gunicorn(folder, port, workers, log_path, preload)
    idle_port = free_port()
    idle = start_idle_gunicorn(folder, idle_port, log_path.with_name("idle.log"))
    failures = []
    try:
        start = time.perf_counter()
        wait_until_up(proc, port, log_path)
        wait_until_up(idle, idle_port, log_path.with_name("idle.log"))
        if not preload:
            load_in_workers(port, workers, plan.hits[-1][1], timeout_s)
        print(f"up (tables loaded) in {time.perf_counter() - start:.1f} s")
        if warm:
            start = time.perf_counter()
            warm_up(port, warm, timeout_s)
            print(f"warmed {len(warm)} hit paths in {time.perf_counter() - start:.1f} s")
        print_memory("before the load", proc.pid)
        print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        clients = ctx.Process(target=_load_clients, daemon=True,
                              args=(port, plan, n_clients, duration_s, timeout_s, think_s, send))
        clients.start()
        send.close()
        health, conn, control, idle_conn = [], [None], [], [None]
        stop_at = time.monotonic() + duration_s
        while time.monotonic() < stop_at:
            health.append(get(conn, port, "/healthz", timeout_s))
            control.append(get(idle_conn, idle_port, "/healthz", timeout_s))
            time.sleep(0.25)
        print_memory("at the end of the load", proc.pid)
        results = receive.recv() if receive.poll(timeout_s + 30) else []
        clients.join(timeout=10)
        if clients.is_alive():
            clients.kill()
    finally:
        stop_gunicorn(proc)
        stop_gunicorn(idle)
    log = log_path.read_text()
    print(f"load average after the load: {os.getloadavg()[0]:.1f}")
    return failures + report(results, health, log, duration_s, p99_target_s, control)


def _answered(result):
    """A page's 200, or an API's 200 or 400 (too few photos, too broad: an answer)."""
    _, label, status, _ = result
    return status == 200 or (status == 400 and label.startswith("api "))


def report(results, health, log, duration_s, p99_target_s, control=()):
    """Print what the clients saw; return the targets missed.

    ``control``: the idle server's ``/healthz`` answers, printed beside (no target).
    """
    answered = [r for r in results if _answered(r)]
    errors = [r[2] for r in results if not _answered(r)]
    timeouts = log.count("WORKER TIMEOUT")
    times = [r[3] for r in answered]
    n_miss = sum(1 for r in results if r[0] == "miss")
    print(f"requests {len(results):,} ({len(results) / duration_s:.1f}/s), misses "
          f"{n_miss:,} ({n_miss / max(1, len(results)):.0%}), errors {len(errors)} "
          f"{sorted(set(map(str, errors)))}, worker timeouts {timeouts}")
    failures = []
    if errors or timeouts or not times:
        failures.append("errors")
    for kind, rows in (("all", answered), ("hits", [r for r in answered if r[0] == "hit"]),
                       ("misses", [r for r in answered if r[0] == "miss"])):
        if not rows or (kind != "all" and not n_miss):
            continue
        seconds = [r[3] for r in rows]
        p = {q: percentile(seconds, q) for q in (50, 90, 99)}
        ok = p[99] < p99_target_s
        print(f"  {kind:<7}{len(rows):>7,} answered  p50 {p[50]:.3f} s  p90 {p[90]:.3f} s  "
              f"p99 {p[99]:.3f} s  max {max(seconds):.2f} s  (target p99 < {p99_target_s:g} s"
              f"{'' if ok else ': MISSED'})")
        if not ok:
            failures.append(f"p99 {kind}")
    if n_miss:
        slowest = sorted((r for r in answered if r[0] == "miss"), key=lambda r: -r[3])[:3]
        print("    slowest misses: " + "; ".join(f"{r[1]} {r[3]:.2f} s" for r in slowest))
    else:
        for label in dict.fromkeys(r[1] for r in results):
            seconds = [r[3] for r in answered if r[1] == label]
            n_bad = sum(1 for r in results if r[1] == label and not _answered(r))
            print(f"    {label[:40]:<40}{len(seconds):>6} ok {n_bad:>4} errors  p50 "
                  f"{percentile(seconds, 50):6.3f} s  p99 {percentile(seconds, 99):6.3f} s")
    health_ok = [s for status, s in health if status == 200]
    p99 = percentile(health_ok, 99)
    print(f"  /healthz {len(health_ok)}/{len(health)} ok, p50 {percentile(health_ok, 50) * 1000:.0f}"
          f" ms, p99 {p99 * 1000:.0f} ms, max {max(health_ok, default=float('nan')) * 1000:.0f} ms"
          f" (target p99 < {HEALTHZ_TARGET_S * 1000:.0f} ms{'' if p99 < HEALTHZ_TARGET_S else ': MISSED'})")
    if len(health_ok) < len(health) or not p99 < HEALTHZ_TARGET_S:
        failures.append("healthz")
    idle_ok = [s for status, s in control if status == 200]
    if idle_ok:
        print(f"  /healthz of an idle server at the same time (the machine's own wait): "
              f"p50 {percentile(idle_ok, 50) * 1000:.0f} ms, p99 "
              f"{percentile(idle_ok, 99) * 1000:.0f} ms, max {max(idle_ok) * 1000:.0f} ms")
    return failures

