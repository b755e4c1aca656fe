"""Every default of SnapAssist in one place, and the environment overrides.

Reading this module has no side effects: environment variables are read when
the functions below are called, never at import.
"""
import fcntl
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .errors import ConfigError

log = logging.getLogger(__name__)

# --- tables ---------------------------------------------------------------
MASTER_TABLE_PROCESSED = "master_table_processed.hdf5"
POPULAR_TABLE_PROCESSED = "popular_table_processed.hdf5"
MASTER_TABLE_RAW = "master_table.hdf5"
POPULAR_TABLE_RAW = "popular_table.hdf5"
HDF_KEY = "table"

# Environment variables.
ENV_TABLES_FOLDER = "FLICKR_TABLES_FOLDER"
ENV_CACHE_DIR = "SNAPASSIST_CACHE_DIR"
ENV_REST_URL = "SNAPASSIST_FLICKR_REST_URL"
ENV_API_KEY = "FLICKR_API_KEY"
ENV_API_SECRET = "FLICKR_API_SECRET"

# --- scrape area: the 2018 project's circle around Toronto ------------------
SCRAPE_CENTER_LAT = 43.68641
SCRAPE_CENTER_LON = -79.489219
SCRAPE_RADIUS_KM = 25.0

# --- Flickr API -----------------------------------------------------------
FLICKR_REST_URL = "https://api.flickr.com/services/rest/"
FLICKR_CALLS_PER_HOUR = 3600
FLICKR_TIMEOUT_S = 30.0
FLICKR_MAX_RETRIES = 6
FLICKR_BACKOFF_BASE_S = 1.0
FLICKR_BACKOFF_MAX_S = 60.0
FLICKR_RESULT_CAP = 4000          # Flickr returns at most this many per query
FLICKR_SAFE_WINDOW_TOTAL = 3500   # split a date window above this total
FLICKR_GEO_PER_PAGE = 250         # geo queries never return more per page
EXIF_PERCENTILE = 75              # scraper 2 takes views strictly above this

# --- search ---------------------------------------------------------------
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 8

# --- OPTICS and hotspots (defaults of the 2018 method) -----------------------
MIN_PHOTOS_TO_CLUSTER = 15
MIN_SAMPLES_FLOOR = 15
MIN_SAMPLES_FRACTION = 0.005
OPTICS_XI = 0.05
VIEWS_PERCENTILE = 75
TRIM_PERCENTILE = 68
TRIM_FACTOR = 2.5
MAX_CLUSTER_SPREAD_M = 5500.0
N_BEST_PHOTOS = 5
EARTH_RADIUS_M = 6371008.8

# --- demo dataset ---------------------------------------------------------
DEMO_N_PHOTOS = 60000
DEMO_SEED = 2018
#: File written beside demo tables: its presence marks them synthetic.
DEMO_MARKER = "SYNTHETIC_DEMO_DATA.txt"


def get_tables_folder(environ=None):
    """Return the configured folder of processed tables, or ``None``.

    ``FLICKR_TABLES_FOLDER`` may be given with or without a trailing slash.
    A folder that is set but missing raises :class:`ConfigError` naming it.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_TABLES_FOLDER, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"{ENV_TABLES_FOLDER}={value!r} is not a folder: it must name the "
            f"folder holding {MASTER_TABLE_PROCESSED}"
        )
    return folder


def get_cache_dir(environ=None):
    """Folder where the demo tables are cached (``SNAPASSIST_CACHE_DIR``)."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_CACHE_DIR, "").strip()
    if value:
        return Path(value).expanduser()
    base = environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "snapassist"


def has_tables(folder):
    """Whether ``folder`` holds a processed master table."""
    return (Path(folder) / MASTER_TABLE_PROCESSED).is_file()


def resolve_tables(environ=None, cwd=None):
    """Decide which tables to serve: ``(folder, is_demo)``.

    ``FLICKR_TABLES_FOLDER`` wins; else the current folder if it holds tables;
    else the demo tables, built once into the cache folder.
    """
    folder = get_tables_folder(environ)
    if folder is not None:
        if not has_tables(folder):
            raise ConfigError(
                f"{ENV_TABLES_FOLDER} names {str(folder)!r}, which holds no "
                f"{MASTER_TABLE_PROCESSED}"
            )
        return folder, False
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if has_tables(cwd):
        return cwd, False
    return ensure_demo_tables(get_cache_dir(environ)), True


def ensure_demo_tables(cache_dir, n_photos=DEMO_N_PHOTOS, seed=DEMO_SEED):
    """Build the demo tables into ``cache_dir`` once and return their folder.

    Safe when several processes (gunicorn workers) call it at once: one builds
    under an exclusive lock into a temporary folder renamed into place; the
    others wait on the lock and then find the finished folder.
    """
    from . import __version__

    cache_dir = Path(cache_dir)
    target = cache_dir / f"demo-v{__version__}-n{n_photos}-s{seed}"
    if has_tables(target):
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the cache folder {str(cache_dir)!r}: {exc}") from exc
    with open(cache_dir / ".demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if has_tables(target):
                return target
            from .demo import build_demo_tables

            log.info("building the demo tables (%d photos) in %s", n_photos, target)
            tmp = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=cache_dir))
            try:
                build_demo_tables(tmp, n_photos=n_photos, seed=seed)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


# --- precomputed answers ----------------------------------------------------
#: The stored answers, one pandas HDF5 file beside the tables.
PRECOMPUTED_ANSWERS = "precomputed_answers.hdf5"
#: Precompute subjects with more matching photos than this; ``None`` means the
#: live search's budget (``LIVE_MAX_PHOTOS``), so every subject too broad to
#: cluster inside a web request is covered.
PRECOMPUTE_MIN_PHOTOS = None
#: Longest phrase (in words) tried as one subject: a tag split into tags
#: ("nathanphillipssquare" -> "nathan phillips square").
PRECOMPUTE_MAX_WORDS = 3
#: Background (unclustered) photos kept per stored answer for the map; every
#: spot's photos are kept. A fixed seed makes the sample the same every run.
PRECOMPUTE_BACKGROUND_SAMPLE = 20000
PRECOMPUTE_SAMPLE_SEED = 2018
#: Bars of the stored reachability plot (web/plots.py draws at most 800).
PRECOMPUTE_PLOT_BARS = 800
#: Subjects queued per Dask worker: enough to keep it busy, few enough that
#: the driver holds only a handful of search results at a time.
PRECOMPUTE_TASKS_PER_WORKER = 2
#: Seconds to wait for a Dask scheduler given with --scheduler.
PRECOMPUTE_CONNECT_TIMEOUT_S = 10
