"""At most N searches at once in a web process, chosen by endpoint.

A search is CPU work; more of them at once than there are cores only
share the cores and the GIL, which also starves the cheap requests of the
same process (``/healthz``, the home page, static files). The views that
search are marked with :func:`runs_search`; before such a view runs, its
request takes one of the process's search slots, waiting (without the GIL)
in arrival order while all are taken, and gives it back when its response
is built. Every other request passes straight through. The decision goes
by the view the URL reached, so a city's pages (``/<city>/search``) and
API (``/api/<city>/search``) are held back like the others.

Without a limit (:func:`limit_searches` never called, as in tests and the
development server) every search runs at once.
"""
import threading

from flask import current_app, g, request

from ..errors import ConfigError

_EXTENSION = "snapassist_search_slots"


def runs_search(view):
    """Mark ``view`` as one that runs a search: its requests take a search slot."""
    view.runs_search = True
    return view


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
    """Let at most ``n`` searches of ``app`` run at once in this process.

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
    """Give ``app`` the hooks that hold its search views to its slots (no limit yet)."""
    app.extensions[_EXTENSION] = None
    app.before_request(_take_slot)
    app.teardown_request(_give_slot_back)


def _take_slot():
    slots = current_app.extensions[_EXTENSION]
    if slots is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "runs_search", False):
        slots.acquire()
        g._search_slot = slots


def _give_slot_back(exc):
    slots = g.pop("_search_slot", None)
    if slots is not None:
        slots.release()
