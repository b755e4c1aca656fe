"""At most N searches computing at once in a web process.

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

Without a limit (:func:`limit_searches` never called, as in tests and the
development server) every search runs at once.
"""
import threading
from contextlib import contextmanager

from flask import current_app, g

from ..errors import ConfigError

_EXTENSION = "snapassist_search_slots"


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
    extensions = getattr(app, "extensions", None)
    if extensions is None or _EXTENSION not in extensions:
        raise ConfigError(f"search slots need the app of snapassist.web.create_app, "
                          f"got {type(app).__name__}")
    extensions[_EXTENSION] = SearchSlots(n)


def search_slots(app):
    """The :class:`SearchSlots` of ``app``, or ``None`` without a limit."""
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
    if slots is None or g.get("_search_slot"):
        yield
        return
    slots.acquire()
    g._search_slot = True
    try:
        yield
    finally:
        g._search_slot = False
        slots.release()
