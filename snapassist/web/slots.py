"""At most N searches computing at once in a web process, in threads or in processes.

A search is CPU work; more of them at once than there are cores only
share the cores and the GIL, which also starves the cheap requests of the
same process (``/healthz``, the home page, static files, and every page
already in the cache). So the work itself takes a slot: finding a search's
answer, and drawing its page or JSON, each run inside :func:`search_slot`,
waiting (without the GIL) in arrival order while all slots are taken. A
request whose answer and page are cached takes none and passes straight
through, as does every request that does not search. Whatever the address
(``/search``, ``/output``, a city's ``/<city>/search`` or its API
``/api/<city>/search``), a search is held back the same way: the slot is
taken by the code that searches, never chosen by a path.

Under gunicorn (:func:`search_in_processes`) the work goes further: each
worker forks N search processes, which find the answers and draw the pages
the worker's threads hand them, so a search never holds the worker's GIL.
A thread holding the GIL can be taken off its core by any other job of a
busy machine, and then every request of the worker waits for it:
``/healthz`` stalled for half a second behind live searches that way.

Without a limit (neither function called, as in tests and the development
server) every search runs at once, in the request's thread.

A search process that dies (a table file truncated in place under its
memory map is a SIGBUS) is replaced by the pool; the request it was
serving gets a 503 at once (:class:`SearchProcessLost`) rather than
waiting for :data:`SEARCH_TIMEOUT_S`. Each process writes on a board
shared with its worker which search it is running, so the worker can tell.
"""
import itertools
import multiprocessing
import os
import signal
import threading
import time
from contextlib import contextmanager

from flask import current_app, g

from ..errors import ConfigError, SnapAssistError

_EXTENSION = "snapassist_search_slots"
#: Seconds a search process may take over one search before the request
#: gives up (503); far beyond any search the budget allows.
SEARCH_TIMEOUT_S = 300
#: The app a search process serves (set in the worker just before forking).
_FORKED_APP = None
#: How often a waiting request looks whether its search process still lives.
_POLL_S = 0.2
#: Places on the board: one per search process started (pids then searches);
#: a place is used again after this many processes have been started.
_BOARD_PLACES = 256
#: This search process's board and place on it (set when it starts).
_BOARD = None
_PLACE = None


class SearchSlots:
    """``n`` slots; ``busy`` and ``waiting`` say how they are used right now.

    Raises
    ------
    ConfigError
        If ``n`` is not a whole number of at least 1.
    """

    def __init__(self, n):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"search slots must be a whole number of at least 1, got {n!r}")
        self.n = n
        self._semaphore = threading.BoundedSemaphore(n)
        self._lock = threading.Lock()
        self.busy = 0
        self.waiting = 0

    def acquire(self):
        with self._lock:
            self.waiting += 1
        self._semaphore.acquire()
        with self._lock:
            self.waiting -= 1
            self.busy += 1

    def release(self):
        with self._lock:
            self.busy -= 1
        self._semaphore.release()

    def to_dict(self):
        """``{"slots", "busy", "waiting"}``, for ``/healthz``."""
        with self._lock:
            return {"slots": self.n, "busy": self.busy, "waiting": self.waiting}


class SearchTimeout(SnapAssistError):
    """A search process gave no answer in time (the request is a 503)."""


class SearchProcessLost(SnapAssistError):
    """The search process serving a request died (the request is a 503; try again)."""


class SearchProcesses:
    """``n`` processes forked from this one, each drawing one search at a time.

    ``run(func, *args)`` runs ``func(*args)`` in one of them and returns
    its result (or raises its exception); callers beyond ``n`` wait in
    arrival order. ``busy`` and ``waiting`` count the searches handed over.

    Raises
    ------
    ConfigError
        If ``n`` is not a whole number of at least 1.
    """

    def __init__(self, app, n):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"search slots must be a whole number of at least 1, got {n!r}")
        global _FORKED_APP
        _FORKED_APP = app
        self.n = n
        context = multiprocessing.get_context("fork")
        # [next place, pid of each place..., search of each place...]
        self._board = context.Array("q", 1 + 2 * _BOARD_PLACES)
        self._ids = itertools.count(1)
        # Forked now, before the worker starts its threads: a fork copies
        # only the thread that forks, and any lock another one held.
        self._pool = context.Pool(n, initializer=_process_starts, initargs=(self._board,))
        self._lock = threading.Lock()
        self._in_flight = 0

    def run(self, func, *args):
        with self._lock:
            self._in_flight += 1
            search = next(self._ids)
        try:
            result = self._pool.apply_async(_run_search, (search, func, args))
            deadline = time.monotonic() + SEARCH_TIMEOUT_S
            while True:
                try:
                    return result.get(_POLL_S)
                except multiprocessing.TimeoutError:
                    if self._lost(search):
                        raise SearchProcessLost("the search process stopped (were the tables "
                                                "changed while in use?); try again") from None
                    if time.monotonic() > deadline:
                        raise SearchTimeout(f"no answer from a search process in "
                                            f"{SEARCH_TIMEOUT_S} s") from None
        finally:
            with self._lock:
                self._in_flight -= 1

    def _lost(self, search):
        """Whether ``search`` was started by a process that is gone."""
        with self._board.get_lock():
            board = self._board[:]
        for place in range(_BOARD_PLACES):
            if board[1 + _BOARD_PLACES + place] == search:
                return not _alive(board[1 + place])
        return False

    def to_dict(self):
        """``{"slots", "busy", "waiting"}``, for ``/healthz``."""
        with self._lock:
            return {"slots": self.n, "busy": min(self._in_flight, self.n),
                    "waiting": max(0, self._in_flight - self.n)}

    def close(self):
        """Stop the processes (the worker is leaving)."""
        self._pool.terminate()
        self._pool.join()


def _alive(pid):
    # The pool reaps its dead processes within a tenth of a second.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_search(search, func, args):
    """In a search process: ``func(*args)``, with ``search`` on the board while it runs."""
    _BOARD[1 + _BOARD_PLACES + _PLACE] = search
    try:
        return func(*args)
    finally:
        _BOARD[1 + _BOARD_PLACES + _PLACE] = 0


def _process_starts(board):
    global _BOARD, _PLACE
    with board.get_lock():
        _PLACE = board[0] % _BOARD_PLACES
        board[0] += 1
        board[1 + _PLACE] = os.getpid()
        board[1 + _BOARD_PLACES + _PLACE] = 0
    _BOARD = board
    # The worker's signal handlers (gunicorn's) make no sense here: a search
    # process stops when told to, and leaves Ctrl-C to the worker.
    for name in ("SIGTERM", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGABRT",
                 "SIGCHLD"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def forked_app():
    """The app of this search process (see :class:`SearchProcesses`)."""
    if _FORKED_APP is None:
        raise ConfigError("not a search process: no app was forked")
    return _FORKED_APP


def search_in_processes(app, n):
    """Let ``n`` processes forked from this one do ``app``'s searches.

    Call it in each worker before it starts its threads (gunicorn's
    ``post_worker_init``).

    Raises
    ------
    ConfigError
        If ``app`` was not built by :func:`snapassist.web.create_app`, or
        ``n`` is not a whole number of at least 1.
    """
    _check_app(app)
    # Forked first: the processes see no limit of their own.
    processes = SearchProcesses(app, n)
    app.extensions[_EXTENSION] = processes
    return processes


def search_processes(app):
    """The :class:`SearchProcesses` of ``app``, or ``None`` (searches run in threads)."""
    found = app.extensions.get(_EXTENSION)
    return found if isinstance(found, SearchProcesses) else None


def _check_app(app):
    extensions = getattr(app, "extensions", None)
    if extensions is None or _EXTENSION not in extensions:
        raise ConfigError(f"search slots need the app of snapassist.web.create_app, "
                          f"got {type(app).__name__}")


def limit_searches(app, n):
    """Let at most ``n`` searches of ``app`` compute at once in this process.

    Call it in each process that serves (gunicorn's ``post_worker_init``):
    the slots are the process's own, never shared across a fork.

    Raises
    ------
    ConfigError
        If ``app`` was not built by :func:`snapassist.web.create_app`, or
        ``n`` is not a whole number of at least 1.
    """
    _check_app(app)
    app.extensions[_EXTENSION] = SearchSlots(n)


def search_slots(app):
    """The :class:`SearchSlots` or :class:`SearchProcesses` of ``app``; ``None`` without a limit."""
    return app.extensions.get(_EXTENSION)


def install(app):
    """Give ``app`` its place for search slots (no limit until :func:`limit_searches`)."""
    app.extensions[_EXTENSION] = None


@contextmanager
def search_slot():
    """Hold one of this process's search slots for the block (a request's search work).

    Re-entrant within a request: work nested in work holds one slot.
    """
    slots = current_app.extensions.get(_EXTENSION)
    if not isinstance(slots, SearchSlots) or g.get("_search_slot"):
        yield
        return
    slots.acquire()
    g._search_slot = True
    try:
        yield
    finally:
        g._search_slot = False
        slots.release()
