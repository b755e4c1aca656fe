"""Every default of SnapAssist in one place, and the environment overrides.

Reading this module has no side effects: environment variables are read when
the functions below are called, never at import.
"""
import os
from pathlib import Path

from .errors import ConfigError

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
#: The city of the 2018 scrape area, recorded with tables scraped there.
SCRAPE_CITY = "Toronto"

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
#: Words a search ignores when other words remain ("the cn tower").
STOPWORDS = frozenset(("a", "an", "the", "of", "at", "in", "on", "by", "to", "from",
                       "for", "with", "and", "near"))

# --- OPTICS and hotspots ------------------------------------------------------
# Chosen with benchmarks/bench_quality.py on the demo's true viewpoints (README).
MIN_PHOTOS_TO_CLUSTER = 15
MIN_SAMPLES_FLOOR = 15
MIN_SAMPLES_FRACTION = 0.005
#: ... but never more than this: a dense group of 50 photos is a place at any
#: scale, and OPTICS' cost grows with min_samples times the photos, so without
#: a cap the broadest subjects (0.5% of 784,000 photos) took the square of
#: their size (README, "Precomputed answers").
MIN_SAMPLES_CAP = 50
# A low xi keeps the gentle levels of the hierarchy (a place around its
# crumbs); 0.05, the 2018 value, skips them and left only crumbs to choose.
OPTICS_XI = 0.01
#: Smallest xi cluster (None: min_samples).
MIN_SPOT_PHOTOS = None
#: Widest spot: the largest cluster whose spread is within this is one place.
MAX_SPOT_SPREAD_M = 250.0
#: A spot's end photos reached this many times farther than its core are cut off.
SPOT_TAIL_FACTOR = 10.0
#: A spot must lie this many times farther from the rest than its core's spacing.
SPOT_MIN_CONTRAST = 1.3
#: Fewest distinct photographers of a spot: one person's series is no spot.
MIN_SPOT_OWNERS = 3
#: One photographer's photos within a cell of this size are one visit: the
#: places are clustered by visits, so a burst of shots is not a crowd.
SPOT_VISIT_M = 20.0
#: Below xi's smallest clusters, places are looked for at reachability levels
#: this far apart (each this many times shorter than the one before).
SPOT_LEVEL_STEP = 1.25
#: A cluster narrow enough for one place is split into the places it holds
#: when two of them stand at least this far apart (None: never).
MIN_SPOT_SEPARATION_M = 150.0
VIEWS_PERCENTILE = 75
TRIM_PERCENTILE = 68
# Drops only strays (xi's up-slope can drag in a far point), not a spot's tail.
TRIM_FACTOR = 5.0
N_BEST_PHOTOS = 5

# --- what a photographer needs at each spot (spots.py) ----------------------
#: The most viewed share of a spot's photos that counts as its "admired" photos.
ADMIRED_SHARE = 0.25
#: A spot is an event when, year after year, most of each year's photos fall
#: within a few days, whichever days those are: festivals move (Nuit Blanche
#: is the first Saturday of October, Easter moves by five weeks). Each year's
#: best EVENT_MAX_DAYS consecutive days are found; pooled over the years,
#: they must hold at least EVENT_SHARE of the dated photos. Photos on the
#: same EVENT_MAX_DAYS days of the calendar every year make an event too
#: (a "fixed" one), even in years too thin to judge alone.
EVENT_SHARE = 0.6
EVENT_MAX_DAYS = 3
#: A year with fewer dated photos is not judged alone (they count against the
#: event): any one or two photos fit in a few days. In the pooled share each
#: judged year also leaves out one photo, the one its best days are sure to
#: hold: with four to six photos a year spread over two weeks, chance alone
#: would otherwise pass half of such seasons for events.
EVENT_MIN_YEAR_PHOTOS = 4
#: The days are "the same every year" (``fixed``) when the same calendar days
#: hold at least this share of what each year's own best days hold (Nuit
#: Blanche's best calendar days, Oct 5-7, hold under half of it: it moves).
EVENT_FIXED_SHARE = 0.9
#: An event whose photos come from one year for at least this share is a
#: one-off (``once``): a photowalk or an exhibition, not something to come
#: back for next year.
EVENT_ONE_YEAR_SHARE = 0.9
#: Photos taken before this hour belong to the evening before: the night of a
#: festival is one night although it runs past midnight.
EVENT_NIGHT_ENDS_HOUR = 5
#: Where a photo's light is unknown but its hour is, from this hour (until
#: EVENT_NIGHT_ENDS_HOUR) it counts as taken at night: dark in every season
#: at the latitudes of most cities with many photos.
EVENT_NIGHT_STARTS_HOUR = 22
#: An event is "at night" when more than half of its photos of known time
#: were, and at least this many have a known time.
EVENT_MIN_TIMED_PHOTOS = 5
#: A spot is seasonal when more than this share of its dated photos fall in
#: at most SEASON_MAX_MONTHS consecutive months.
SEASON_SHARE = 0.6
SEASON_MAX_MONTHS = 3
#: Fewer dated photos than this say nothing about when.
MIN_DATED_PHOTOS = 10
#: A spot is "one photographer's" when their photos are more than this share.
ONE_PHOTOGRAPHER_SHARE = 0.5
#: The time zone of tables that record none (the 2018 area and the demo):
#: photos' local times are read in it, and "today" for the sun is its day.
DEFAULT_TIMEZONE = "America/Toronto"
#: sort=admired ranks spots by mean views shrunk towards the search's median
#: views as if each spot had this many more photos at the median:
#: (n * mean + k * median) / (n + k). At 30, a spot of 15 photos (the fewest
#: a spot can have) keeps a third of its own mean, so one viral photo cannot
#: carry it; a spot of 120 keeps four fifths.
ADMIRED_PRIOR_PHOTOS = 30
#: The orders a search's spots can be listed in (the first is the default).
SORTS = ("score", "admired", "photographers")

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


def find_tables_folder(environ=None, cwd=None):
    """The folder of tables the user asked for, or ``None`` for the demo.

    ``FLICKR_TABLES_FOLDER`` wins (it must hold a processed master table);
    else the current folder if it holds one; else ``None``.
    """
    folder = get_tables_folder(environ)
    if folder is not None:
        if not has_tables(folder):
            raise ConfigError(
                f"{ENV_TABLES_FOLDER} names {str(folder)!r}, which holds no "
                f"{MASTER_TABLE_PROCESSED}"
            )
        return folder
    cwd = Path.cwd() if cwd is None else Path(cwd)
    return cwd if has_tables(cwd) else None


# --- serving: budget and cache ----------------------------------------------
#: A search matching more photos is not clustered inside a request (unless a
#: stored answer exists): the page offers narrower searches instead.
#: From benchmarks/bench_budget.py on the 1M demo: search + find_hotspots
#: cross 1 s at about 29,000 photos; a whole page of 20,000 photos (map and
#: list rendered) takes about 0.8 s, leaving room for a busy machine.
LIVE_MAX_PHOTOS = 20000
#: How many narrower searches a too-broad answer suggests.
N_SUGGESTIONS = 12
#: Result pages and API answers at least this long go gzipped to clients
#: that accept it (compressed once, kept in the page cache).
GZIP_MIN_BYTES = 2048
GZIP_LEVEL = 6
#: Subjects the search page offers: recorded with the tables (the commonest
#: tags a search answers at once), else these, which suit any city.
N_EXAMPLES = 5
DEFAULT_EXAMPLES = ("sunset", "skyline", "night", "street art", "bridge")
#: Tags on more than this share of a search's photos narrow nothing: not suggested.
SUGGEST_MAX_SHARE = 0.5
#: Answers kept per web process (a least recently used one is dropped first)...
CACHE_MAX_ENTRIES = 256
#: ...and their estimated size in bytes, at most.
CACHE_MAX_BYTES = 64 * 2**20

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
