"""Gunicorn settings for SnapAssist, sized for the machine it runs on.

Use it as::

    gunicorn -c python:snapassist.web.gunicorn_conf --bind 0.0.0.0:8000 snapassist.web:app

What it sets, and why:

- ``worker_class = "gthread"``: each worker answers from a pool of threads,
  so a long search no longer holds the whole worker. Gunicorn's timeout
  then only fires when a worker's main thread stops beating (a hung
  process), never because one request is slow.
- ``workers``: one process per usable core (searches are CPU work; more
  processes than cores only share the same cores and multiply memory).
- ``threads``: enough that every open connection of a busy worker has a
  thread at once. Gthread hands connections to its pool in arrival order,
  so with too few threads ``/healthz`` waits behind every queued search.
- each worker forks ``SNAPASSIST_SEARCH_SLOTS`` search processes that find
  answers and draw their pages (:func:`snapassist.web.slots.search_in_processes`),
  for every city, pages and API alike; a request waits for one without
  holding the GIL, and the worker's threads, free of searches, keep
  ``/healthz``, cached pages, the home page and static files fast under load.
- ``limit_request_line = 8190`` (gunicorn's largest; its default is 4094),
  so that an over-long query string reaches the app, which refuses it
  itself beyond ``SNAPASSIST_MAX_QUERY_BYTES`` with its own 414 (JSON from
  the API) rather than gunicorn's bare one.
- each worker hands the GIL over every millisecond
  (``SNAPASSIST_SWITCH_INTERVAL_MS``, Python's default is 5): a cheap request
  waits for the GIL at each read and write, behind threads drawing pages.
- at most ``SNAPASSIST_MALLOC_ARENAS`` (2) malloc arenas per process
  (glibc's ``M_ARENA_MAX``, set with ``mallopt`` in the master before the
  workers fork, so it holds in every worker and search process): glibc
  otherwise gives each of a worker's 32 threads an arena of its own, up to
  8 per core, and memory freed in one is not reused by the others, so a
  worker grew with every distinct search (272 MB to 600+ MB in 2,500).
  ``MALLOC_ARENA_MAX`` in the environment would only work if set before
  Python starts: gunicorn's ``raw_env`` comes too late.
- the ``snapassist`` logger writes through gunicorn's error log
  (``--error-logfile``, its format: time, pid, level) at INFO, in the
  master and in every worker (:func:`post_fork`).
- ``preload_app = True``: the master loads the photo tables once, before
  forking, and the workers share them copy-on-write (see :func:`on_starting`,
  which also puts them out of the garbage collector's sight).

Every default can be overridden: gunicorn's own flags (``--workers``,
``--threads``, ``--timeout``...) win over this file, and these environment
variables change the defaults: ``SNAPASSIST_WORKERS`` (else gunicorn's
``WEB_CONCURRENCY``, else the cores), ``SNAPASSIST_THREADS``,
``SNAPASSIST_SEARCH_SLOTS``, ``SNAPASSIST_SWITCH_INTERVAL_MS``,
``SNAPASSIST_MALLOC_ARENAS`` (``0``: glibc's own default),
``SNAPASSIST_TIMEOUT`` and ``SNAPASSIST_PRELOAD`` (``0`` to load the tables
in each worker instead, when it starts, before forking its search processes).
They live here rather than in :mod:`snapassist.config` because only this
deployment reads them.
"""
import ctypes
import gc
import importlib
import logging
import os
import sys

from ..errors import ConfigError, SnapAssistError

#: Threads per worker: above the concurrent connections a worker is expected
#: to hold (50 clients over 2 workers in the benchmark), so none waits for one.
DEFAULT_THREADS = 32
#: Search processes per worker: two let a worker use both cores of a small
#: machine.
DEFAULT_SEARCH_SLOTS = 2
#: How long a worker's thread runs Python before another waiting one may
#: take the GIL (Python's default is 5 ms): a cheap request (``/healthz``, a
#: cached page) waits for the GIL at each of its reads and writes, behind
#: threads drawing pages or searching.
DEFAULT_SWITCH_INTERVAL_MS = 1
#: Seconds without a heartbeat from a worker's main thread before the master
#: kills it. Searches run in other threads, so this is a hang detector.
DEFAULT_TIMEOUT_S = 60
#: Malloc arenas per process (glibc's default is 8 per core): few enough that
#: memory freed by one thread is reused by the next search; 0 leaves glibc's.
DEFAULT_MALLOC_ARENAS = 2
#: ``mallopt``'s parameter number of the arena limit (glibc's malloc.h).
_M_ARENA_MAX = -8
#: The longest request line gunicorn accepts (its maximum): more than the
#: app's own limit on query strings, so the app answers over-long ones.
LIMIT_REQUEST_LINE = 8190


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        return os.cpu_count() or 1


def _positive_int(environ, name, default):
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, got {value!r}")
    return number


def _whole(environ, name, default):
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 for no limit), got {value!r}")
    return int(value)


def _flag(environ, name, default):
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/true/yes/on or 0/false/no/off, got {value!r}")


def build_settings(environ=None):
    """The settings this module gives gunicorn, from the environment.

    Parameters
    ----------
    environ : mapping, optional
        The environment to read (default ``os.environ``).

    Returns
    -------
    dict
        ``worker_class``, ``workers``, ``threads``, ``timeout``,
        ``graceful_timeout``, ``keepalive``, ``limit_request_line``,
        ``preload_app``, ``search_slots``, ``switch_interval_ms`` and
        ``malloc_arenas``.

    Raises
    ------
    ConfigError
        If a variable is set to something unusable, naming it and its value.
    """
    environ = os.environ if environ is None else environ
    workers = _positive_int(environ, "SNAPASSIST_WORKERS",
                            _positive_int(environ, "WEB_CONCURRENCY", _usable_cores()))
    return {
        "worker_class": "gthread",
        "workers": workers,
        "threads": _positive_int(environ, "SNAPASSIST_THREADS", DEFAULT_THREADS),
        "timeout": _positive_int(environ, "SNAPASSIST_TIMEOUT", DEFAULT_TIMEOUT_S),
        "graceful_timeout": 30,
        # Browsers reuse a connection for the page's static files within seconds.
        "keepalive": 5,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "preload_app": _flag(environ, "SNAPASSIST_PRELOAD", True),
        "search_slots": _positive_int(environ, "SNAPASSIST_SEARCH_SLOTS", DEFAULT_SEARCH_SLOTS),
        "switch_interval_ms": _positive_int(environ, "SNAPASSIST_SWITCH_INTERVAL_MS",
                                            DEFAULT_SWITCH_INTERVAL_MS),
        "malloc_arenas": _whole(environ, "SNAPASSIST_MALLOC_ARENAS", DEFAULT_MALLOC_ARENAS),
    }


def limit_malloc_arenas(n):
    """Let this process's malloc use at most ``n`` arenas (0: leave glibc's default).

    Takes effect at once for the arenas not yet made, and in every process
    forked afterwards. Returns whether it was set (``False`` off glibc).
    """
    if not n:
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return mallopt(_M_ARENA_MAX, int(n)) == 1


def post_fork(server, worker):
    """Keep the app's log in gunicorn's error log in this worker (its handlers, its file)."""
    from . import log_to_gunicorn

    log_to_gunicorn()


def on_starting(server):
    """Load the tables in the master when the app was preloaded.

    ``snapassist.web:app`` loads them itself only when ``--preload`` is on
    gunicorn's command line; ``preload_app`` set here would otherwise leave
    each worker to load its own copy on its first search. Running before the
    master binds its port means a server that answers has its tables.
    """
    # In the master, before any worker forks or starts its threads.
    limit_malloc_arenas(malloc_arenas)
    from . import log_to_gunicorn

    log_to_gunicorn()
    if not server.cfg.preload_app:
        return
    app = server.app.wsgi()         # the app gunicorn already preloaded
    holder = getattr(app, "extensions", {}).get("snapassist_tables")
    if holder is not None and not holder.loaded:
        from . import preload_tables

        try:
            preload_tables(app)
        except SnapAssistError as exc:
            # One line in the error log saying what to fix, not a traceback.
            logging.getLogger("snapassist.web").critical("cannot start: %s", exc)
            raise SystemExit(3) from None
    _import_search_libraries()
    # The tables live as long as the processes: out of the collector's sight,
    # its full passes (which hold the GIL, so stall /healthz too) are shorter,
    # and the workers do not write to the pages they share with the master.
    gc.freeze()


#: Libraries the search imports on first use (the clustering's neighbour
#: trees): 0.65 s, which the first search of each search process would pay.
SEARCH_LIBRARIES = ("sklearn.neighbors", "sklearn.metrics.pairwise", "scipy.spatial")


def _import_search_libraries():
    """Import :data:`SEARCH_LIBRARIES` now, once, before the processes fork."""
    for name in SEARCH_LIBRARIES:
        importlib.import_module(name)


def post_worker_init(worker):
    """Give this worker its own search processes (forked before its threads start).

    Without preloading, the worker loads its tables first, so that its
    search processes share them rather than each loading its own.
    """
    from .slots import search_in_processes

    limit_malloc_arenas(malloc_arenas)      # a worker the master did not fork (reload)
    holder = getattr(worker.wsgi, "extensions", {}).get("snapassist_tables")
    if holder is not None and not holder.loaded:
        holder.get()
        _import_search_libraries()
        gc.freeze()
    worker.snapassist_searches = search_in_processes(worker.wsgi, search_slots)
    sys.setswitchinterval(switch_interval_ms / 1000)


def worker_exit(server, worker):
    """Stop this worker's search processes with it."""
    searches = getattr(worker, "snapassist_searches", None)
    if searches is not None:
        searches.close()


_settings = build_settings()
worker_class = _settings["worker_class"]
workers = _settings["workers"]
threads = _settings["threads"]
timeout = _settings["timeout"]
graceful_timeout = _settings["graceful_timeout"]
keepalive = _settings["keepalive"]
limit_request_line = _settings["limit_request_line"]
preload_app = _settings["preload_app"]
search_slots = _settings["search_slots"]
switch_interval_ms = _settings["switch_interval_ms"]
malloc_arenas = _settings["malloc_arenas"]
