"""The SnapAssist web app: an app factory, and ``app`` for gunicorn.

Importing this package does nothing. ``create_app()`` is cheap: it checks a
configured tables folder (so a wrong ``FLICKR_TABLES_FOLDER`` fails at
start-up, naming it) but loads the photo tables on first use, once per
process. The module attribute ``app`` is built on first access, which is what
``gunicorn snapassist.web:app`` does in each worker, which then loads the tables
on its first search. With ``gunicorn --preload snapassist.web:app`` the master
builds ``app`` before forking and we load the tables right away, so they are
loaded once and shared by every worker (copy-on-write). When ``--preload``
comes from a gunicorn config file instead of the command line, say
``'snapassist.web:create_app(load_tables=True)'`` to get the same. With
several cities (see :mod:`.cities`) ``create_app(load_tables=True)`` checks
each city's table and loads each on its first search; a preloading gunicorn
loads as many as a process keeps (``SNAPASSIST_CITIES_LOADED``) in the master.

The ``snapassist`` logger writes where operators look: through gunicorn's
error log under gunicorn (:func:`log_to_gunicorn`), else to stderr in the
same format (:func:`log_to_stderr`), one line per city loaded.
"""
import dataclasses
import logging
import os
import sys
from pathlib import Path

from flask import Flask

from .. import config
from ..errors import ConfigError, SnapAssistError
from ..settings import Settings
from .cache import AnswerCache
from ._checks import inspect_tables
from .cities import DEFAULT_MAX_LOADED, Cities, is_cities_folder
from .tables import TablesHolder
from .tiles import TileServer

log = logging.getLogger(__name__)

_app = None


def create_app(test_config=None, load_tables=False):
    """Build the Flask app.

    Parameters
    ----------
    test_config : dict, optional
        Flask settings overriding the defaults. ``SNAPASSIST_DATABASE`` may be
        a ready :class:`~snapassist.search.FlickrPhotosDatabase`;
        ``SNAPASSIST_TABLES_FOLDER`` a folder of processed tables. Without
        either, the tables come from :func:`snapassist.demo.resolve_tables`
        (``FLICKR_TABLES_FOLDER``, the current folder, or the demo tables).
        A folder without tables at its root but with one sub-folder of tables
        per city serves each city under ``/<city>/`` (see :mod:`.cities`).
        ``SNAPASSIST_SETTINGS`` is the method's
        :class:`~snapassist.settings.Settings` (default: built from
        :mod:`snapassist.config` and the environment at start), and
        ``SNAPASSIST_LIVE_MAX_PHOTOS`` its search budget alone;
        ``SNAPASSIST_CACHE_MAX_ENTRIES`` and ``SNAPASSIST_CACHE_MAX_BYTES``
        the cache bounds (defaults from :mod:`snapassist.config`);
        ``SNAPASSIST_TILES`` the map's :class:`~snapassist.web.tiles.TileServer`
        (default: from the environment, else OpenStreetMap);
        ``SNAPASSIST_MAX_QUERY_BYTES`` the longest query string served (a
        414 beyond) and ``MAX_CONTENT_LENGTH`` the largest request body (413);
        ``SNAPASSIST_CITIES_LOADED`` how many cities a process keeps loaded
        at most (default: the environment variable of that name, else
        :data:`~snapassist.web.cities.DEFAULT_MAX_LOADED`).
    load_tables : bool
        Load the tables now instead of on the first search. With several
        cities, check each city's master table now and still load each on
        its first search (``Cities.get()`` loads them all).

    Raises
    ------
    ConfigError
        If the configured tables folder is missing or holds no readable
        master table (a several-cities folder starts without its broken
        cities instead, each answering 503).
    """
    # The views (and folium with them) are imported here, not with the package:
    # gunicorn's config module imports this package before any app exists.
    from . import api, assets, health, near, pages, security, slots
    from ._errors import register_error_handlers
    from .cities import bp as cities_bp

    app = Flask(__name__)
    app.config.from_mapping(SNAPASSIST_DATABASE=None, SNAPASSIST_TABLES_FOLDER=None,
                            SNAPASSIST_SETTINGS=None, SNAPASSIST_TILES=None,
                            SNAPASSIST_CACHE_MAX_ENTRIES=config.CACHE_MAX_ENTRIES,
                            SNAPASSIST_CACHE_MAX_BYTES=config.CACHE_MAX_BYTES,
                            SNAPASSIST_MAX_QUERY_BYTES=security.MAX_QUERY_BYTES,
                            SNAPASSIST_CITIES_LOADED=None,
                            MAX_CONTENT_LENGTH=security.MAX_CONTENT_LENGTH)
    if test_config:
        app.config.update(test_config)
    # The method's settings: built once, at start, and passed to every search.
    settings = app.config["SNAPASSIST_SETTINGS"] or Settings.from_environ()
    if app.config.get("SNAPASSIST_LIVE_MAX_PHOTOS") is not None:
        settings = dataclasses.replace(settings,
                                       live_max_photos=app.config["SNAPASSIST_LIVE_MAX_PHOTOS"])
    app.config["SNAPASSIST_SETTINGS"] = settings
    # Part of every cache key: hashed once, not per request.
    app.config["SNAPASSIST_SETTINGS_DIGEST"] = settings.digest()
    app.extensions["snapassist_tiles"] = app.config["SNAPASSIST_TILES"] or TileServer.from_environ()
    database = app.config["SNAPASSIST_DATABASE"]
    folder = app.config["SNAPASSIST_TABLES_FOLDER"]
    several = database is None and is_cities_folder(_configured(folder))
    if database is None and not several:
        folder = _check_folder(folder)
    # One cache per app, so per process, shared by a worker's threads.
    app.extensions["snapassist_cache"] = AnswerCache(app.config["SNAPASSIST_CACHE_MAX_ENTRIES"],
                                                     app.config["SNAPASSIST_CACHE_MAX_BYTES"])
    # And the pages drawn from them (the same bounds, sized by their length).
    app.extensions["snapassist_pages"] = AnswerCache(app.config["SNAPASSIST_CACHE_MAX_ENTRIES"],
                                                     app.config["SNAPASSIST_CACHE_MAX_BYTES"])
    app.before_request(security.check_request)
    slots.install(app)
    app.after_request(security.add_headers)
    app.register_blueprint(health.bp)
    app.register_blueprint(assets.bp)
    if several:
        # One sub-folder of tables per city: each city's pages under /<city>/,
        # its API under /api/<city>/, the list of cities at /.
        cities = Cities(_configured(folder), settings,
                        max_loaded=_cities_loaded(app.config["SNAPASSIST_CITIES_LOADED"]))
        app.extensions["snapassist_cities"] = cities
        # For what loads "the tables" of an app (gunicorn's preload): every city's.
        app.extensions["snapassist_tables"] = cities
        app.register_blueprint(cities_bp)
        app.register_blueprint(pages.bp, url_prefix="/<city>")
        app.register_blueprint(near.bp, url_prefix="/<city>")
        app.register_blueprint(api.bp, url_prefix="/api/<city>")
        app.register_blueprint(near.api_bp, url_prefix="/api/<city>")
        app.register_blueprint(api.root, url_prefix="/api")
    else:
        app.extensions["snapassist_tables"] = TablesHolder(database=database, folder=folder,
                                                           settings=settings)
        app.register_blueprint(pages.bp)
        app.register_blueprint(near.bp)
        app.register_blueprint(api.bp, url_prefix="/api")
        app.register_blueprint(near.api_bp, url_prefix="/api")
    register_error_handlers(app)
    if load_tables and not several:
        preload_tables(app)
    return app


def preload_tables(app):
    """Load ``app``'s tables now, ahead of requests, and make their atlases ready.

    One folder: its tables. Several cities: as many as a process keeps, the
    busiest first. Each loaded city's atlas view is prepared too, so that no
    worker forked afterwards builds it on its first ``/near``.

    Raises
    ------
    SnapAssistError
        If a single folder's tables cannot be loaded (a broken city among
        several is only logged: it answers 503).
    """
    from . import near

    tables = app.extensions["snapassist_tables"]
    tables.get()
    holders = [city.holder for city in tables] if isinstance(tables, Cities) else [tables]
    for holder in holders:
        if holder.loaded:
            near.prepare(holder)


def _cities_loaded(value):
    """The LRU's size: ``value`` if given, else ``SNAPASSIST_CITIES_LOADED``, else the default."""
    if value is not None:
        return value
    text = os.environ.get("SNAPASSIST_CITIES_LOADED", "").strip()
    if not text:
        return DEFAULT_MAX_LOADED
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"SNAPASSIST_CITIES_LOADED must be a whole number of at least 1, "
                          f"got {text!r}") from None


def _configured(folder):
    """The folder given, else ``FLICKR_TABLES_FOLDER`` (``None`` when neither is)."""
    return config.get_tables_folder() if folder is None else Path(folder)


def _check_folder(folder):
    """The folder to load, checked cheaply; ``None`` means resolve it later."""
    if folder is None:
        folder = config.get_tables_folder()      # ConfigError if set but missing
        if folder is None:
            return None
        what = f"{config.ENV_TABLES_FOLDER}={str(folder)!r}"
    else:
        what = f"the tables folder {str(folder)!r}"
    master = Path(folder) / config.MASTER_TABLE_PROCESSED
    try:
        with open(master, "rb") as handle:
            head = handle.read(_HDF5_SIGNATURE_OFFSETS[-1] + len(_HDF5_SIGNATURE))
    except OSError as exc:
        raise ConfigError(f"{what} has no readable {config.MASTER_TABLE_PROCESSED}: "
                          f"{exc.strerror or exc}") from exc
    if not any(head[o:o + len(_HDF5_SIGNATURE)] == _HDF5_SIGNATURE
               for o in _HDF5_SIGNATURE_OFFSETS):
        raise ConfigError(f"{what}: {str(master)!r} is not an HDF5 file")
    info = inspect_tables(folder)
    if info.problem is not None:
        raise ConfigError(f"{what} cannot be served: {info.problem}")
    if info.search_problem is not None:
        log.warning("%s: %s; the tables will be read whole and indexed at load", what,
                    info.search_problem)
    return folder


# An HDF5 file starts with this signature, at 0 or after a user block of
# 512, 1024, 2048... bytes: a cheap check that the master table is one.
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HDF5_SIGNATURE_OFFSETS = (0, 512, 1024, 2048)


#: The format of gunicorn's error log (time, worker pid, level), for the app's
#: lines wherever they go, plus the logger's name.
LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
LOG_DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"
#: Gunicorn's exit status for a worker that cannot boot: its master then
#: stops instead of starting the worker again and again.
_BOOT_ERROR = 3


def log_to_stderr(level=logging.INFO):
    """Send the ``snapassist`` logger to stderr in gunicorn's format (``snapassist serve``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    _send_log_to([handler], level)


def log_to_gunicorn():
    """Send the ``snapassist`` logger through gunicorn's error log (``--error-logfile``).

    Its own handlers, so its file, its reopening on ``USR1``, its format and
    its level (``--log-level``, INFO by default); does nothing outside
    gunicorn. Returns whether it did.
    """
    errors = logging.getLogger("gunicorn.error")
    handlers = errors.handlers if "gunicorn" in sys.modules else []
    if not handlers:
        return False
    _send_log_to(list(handlers), errors.level or logging.INFO)
    return True


def _send_log_to(handlers, level):
    logger = logging.getLogger("snapassist")
    logger.handlers[:] = handlers
    logger.setLevel(level)
    # Once, not again through the root logger's handlers (if anyone set some).
    logger.propagate = False


def __getattr__(name):
    # PEP 562: `app` is built on first access (gunicorn's getattr), not at import.
    global _app
    if name == "app":
        if _app is None:
            # Gunicorn asks for the app once its error log is set up, in the
            # master (preload) or in each worker: from now on the app logs there.
            log_to_gunicorn()
            preload = _gunicorn_preloads()
            try:
                _app = create_app()
                if preload:     # shared by the workers, copy-on-write
                    preload_tables(_app)
            except SnapAssistError as exc:
                # One line saying what to fix, not a traceback, and an exit
                # status that stops gunicorn rather than restarting workers.
                log.critical("cannot start: %s", exc)
                if not logging.getLogger("snapassist").handlers:
                    print(f"snapassist: cannot start: {exc}", file=sys.stderr)
                raise SystemExit(_BOOT_ERROR) from None
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _gunicorn_preloads():
    """Whether gunicorn was asked (on its command line) to preload the app."""
    args = list(sys.argv[1:]) + os.environ.get("GUNICORN_CMD_ARGS", "").split()
    return "gunicorn" in sys.modules and "--preload" in args
