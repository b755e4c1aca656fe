"""The load half of bench_web.py: the README's gunicorn under many clients.

Starts gunicorn with the project's config on 127.0.0.1, drives it with
client processes for a bounded time, reads each process's memory from
/proc, and stops everything it started.
"""
import http.client
import json
import multiprocessing
import os
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
P99_TARGET_S = 2.0
HEALTHZ_TARGET_S = 0.1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """``(status, seconds)`` of one GET on a kept-alive connection; reconnects on error."""
    start = time.perf_counter()
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


def _load_clients(port, subjects, n_clients, duration_s, timeout_s, pipe):
    """Child process: ``n_clients`` threads searching until ``duration_s`` is over."""
    results, lock = [], threading.Lock()
    stop_at = time.monotonic() + duration_s

    def client(i):
        conn, k = [None], i
        while time.monotonic() < stop_at:
            query = subjects[k % len(subjects)]
            k += 1
            status, seconds = get(conn, port, "/search?" + urllib.parse.urlencode({"q": query}),
                                  timeout_s)
            with lock:
                results.append((query, status, seconds))
        if conn[0] is not None:
            conn[0].close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pipe.send(results)


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
    """Each gunicorn process's RSS and PSS, and the PSS total (all it holds)."""
    pids = [master_pid] + children_of(master_pid)
    memory = [(pid, *memory_of(pid)) for pid in pids]
    parts = [f"{'master' if pid == master_pid else 'worker'} {rss:,.0f}/{pss:,.0f}"
             for pid, rss, pss in memory if rss is not None]
    total = sum(pss for _, rss, pss in memory if pss is not None)
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


def run_load(folder, subjects, workers, n_clients, duration_s, timeout_s, preload=True):
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="bench-web-")) / "gunicorn.log"
    print(f"\ngunicorn -c python:snapassist.web.gunicorn_conf --workers {workers} "
          f"({'preloaded' if preload else 'SNAPASSIST_PRELOAD=0'}, log: {log_path}); "
          f"{n_clients} clients for {duration_s:.0f} s")
    proc = start_gunicorn(folder, port, workers, log_path, preload)
    failures = []
    try:
        start = time.perf_counter()
        wait_until_up(proc, port, log_path)
        if not preload:
            load_in_workers(port, workers, subjects[-1], timeout_s)
        print(f"up (tables loaded) in {time.perf_counter() - start:.1f} s")
        print_memory("before the load", proc.pid)
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        clients = ctx.Process(target=_load_clients, daemon=True,
                              args=(port, subjects, n_clients, duration_s, timeout_s, send))
        clients.start()
        send.close()
        health, conn = [], [None]
        stop_at = time.monotonic() + duration_s
        while time.monotonic() < stop_at:
            health.append(get(conn, port, "/healthz", timeout_s))
            time.sleep(0.25)
        print_memory("at the end of the load", proc.pid)
        results = receive.recv() if receive.poll(timeout_s + 30) else []
        clients.join(timeout=10)
        if clients.is_alive():
            clients.kill()
    finally:
        stop_gunicorn(proc)
    log = log_path.read_text()
    print(f"load average after the load test: {os.getloadavg()[0]:.1f}")

    ok_times = [s for _, status, s in results if status == 200]
    errors = [status for _, status, _ in results if status != 200]
    timeouts = log.count("WORKER TIMEOUT")
    p = {q: percentile(ok_times, q) for q in (50, 90, 99)}
    print(f"requests {len(results):,} ({len(results) / duration_s:.1f}/s), "
          f"errors {len(errors)} {sorted(set(map(str, errors)))}, worker timeouts {timeouts}")
    print(f"latency p50 {p[50]:.2f} s, p90 {p[90]:.2f} s, p99 {p[99]:.2f} s, "
          f"max {max(ok_times, default=float('nan')):.2f} s  (target p99 < {P99_TARGET_S:.0f} s)")
    for query in subjects:
        times = [s for q, status, s in results if q == query and status == 200]
        n_bad = sum(1 for q, status, _ in results if q == query and status != 200)
        print(f"  {query:<16}{len(times):>6} ok {n_bad:>4} errors  p50 "
              f"{percentile(times, 50):6.2f} s  p99 {percentile(times, 99):6.2f} s")
    health_ok = [s for status, s in health if status == 200]
    print(f"/healthz under load: {len(health_ok)}/{len(health)} ok, p50 "
          f"{percentile(health_ok, 50) * 1000:.0f} ms, p99 {percentile(health_ok, 99) * 1000:.0f} ms,"
          f" max {max(health_ok, default=float('nan')) * 1000:.0f} ms (target < 100 ms)")
    if errors or timeouts or not ok_times or p[99] >= P99_TARGET_S:
        failures.append("load")
    if len(health_ok) < len(health) or percentile(health_ok, 99) >= HEALTHZ_TARGET_S:
        failures.append("healthz")
    return failures


# --- --browser: drawing time in headless Chromium ------------------------------------
