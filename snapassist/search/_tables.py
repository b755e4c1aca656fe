"""The photo tables, loaded once, and tag search over them.

A search costs a few set intersections on an inverted index (normalised tag
-> sorted row positions) built once at load, instead of a Python function
run on every row for every query as in 2018.
"""
import logging
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, schema
from ..errors import TableError
from ..schema import USED_COLUMNS
from ..io import read_table, read_table_attrs
from ._build import SearchFileBuilder
from ._columns import join_exif, normalize_columns, normalize_columns_exif
from ._store import (LightColumn, PackedText, StoreError, fingerprint_files, read_store,
                          unpack_column)
from ..geo import light_codes
# parse_query and normalize_text are part of the search API, which callers import from here.
from ._tagindex import TagIndex, narrower_tags, normalize_text, parse_query  # noqa: F401

log = logging.getLogger(__name__)

#: The stored search file, beside the master table.
SEARCH_FILE = "master_table_processed.search"


class FlickrPhotosDatabase:
    """The processed photo tables, loaded once, searchable by tag.

    Built from two tables (paths or DataFrames), everything is held in
    memory. :meth:`from_folder` instead maps the stored search file beside
    the tables when there is a valid one (see ``snapassist/search/_store.py``):
    only the columns a search reads, compact, shared between processes; the
    rest of the table is read from the HDF5 file on first use.

    Parameters
    ----------
    main_table : path or DataFrame
        The processed master table (``master_table_processed.hdf5``).
    popular_table : path, DataFrame or None
        The processed popular table with EXIF columns. When missing, searches
        still work but carry no camera settings (a warning is logged).

    Attributes
    ----------
    is_demo : bool
        Whether the tables are the synthetic demo (a marker file beside them).
    has_exif : bool
        Whether camera settings are available.
    views_percentile : float
        The master table's ``config.VIEWS_PERCENTILE``-th percentile of views
        (see :meth:`views_threshold` for another percentile).
    fingerprint : str or None
        Identifies the tables loaded (their files' hash) when loaded from a
        folder with a stored search file; ``None`` otherwise.
    timezone : str
        The city's time zone the master table records (``snapassist import``,
        preprocess, the demo), else ``config.DEFAULT_TIMEZONE``.
    """

    def __init__(self, main_table, popular_table=None, is_demo=None):
        if isinstance(main_table, pd.DataFrame):
            master, source = main_table, "<master DataFrame>"
            self._place = {}
        else:
            master, source = read_table(main_table, "master table"), str(main_table)
            self._place = read_table_attrs(main_table)
            if is_demo is None:
                is_demo = (Path(main_table).parent / config.DEMO_MARKER).is_file()
        self.timezone = self._place.get("timezone") or config.DEFAULT_TIMEZONE
        self.is_demo = bool(is_demo)
        master = normalize_columns(master, schema.PROCESSED_MASTER, source)
        if master["id"].duplicated().any():
            n_dup = int(master["id"].duplicated().sum())
            log.warning("%s: ignoring %d duplicated photo id(s)", source, n_dup)
            master = master.drop_duplicates("id").reset_index(drop=True)
        exif = self._load_exif(popular_table)
        self.has_exif = exif is not None
        self._photos = master = join_exif(master, exif)
        self._columns = list(master.columns)
        self._stored = {}
        self._sources = None
        self._lock = threading.Lock()
        self.fingerprint = None
        self._views = master["views"].to_numpy()
        self._thresholds, self._has_views = {}, None
        self.views_percentile = self.views_threshold(config.VIEWS_PERCENTILE)
        self._index = TagIndex(master["tags"])

    @classmethod
    def from_folder(cls, folder):
        """Load the tables of ``folder``, through its stored search file if valid.

        Without a search file (old tables), or with one that is corrupt or was
        built from other tables, the tables are read whole and the index is
        built at load; a log line says which and why.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise TableError(f"the tables folder {str(folder)!r} does not exist", path=folder)
        master = folder / config.MASTER_TABLE_PROCESSED
        popular = folder / config.POPULAR_TABLE_PROCESSED
        popular = popular if popular.exists() else None
        search_file = folder / SEARCH_FILE
        if search_file.is_file() and master.is_file():
            try:
                arrays, meta = read_store(search_file, fingerprint_files([master, popular]))
                return cls._from_store(arrays, meta, master, popular)
            except StoreError as exc:
                log.warning("%s: ignoring it and building the tag index at load", exc)
        elif master.is_file():
            log.info("no stored search file %s: reading the whole table and building the "
                     "tag index at load (snapassist-preprocess stores one)", search_file)
        return cls(master, popular)

    @classmethod
    def _from_store(cls, arrays, meta, master, popular):
        self = cls.__new__(cls)
        self.is_demo = (Path(master).parent / config.DEMO_MARKER).is_file()
        self.has_exif = bool(meta["has_exif"])
        self.fingerprint = meta["fingerprint"]
        self._place = read_table_attrs(master)
        self.timezone = self._place.get("timezone") or config.DEFAULT_TIMEZONE
        self._photos = None
        self._columns = list(meta["columns"])
        self._sources = (master, popular)
        self._lock = threading.Lock()
        self._stored = {}
        for name, kind in meta["stored"].items():
            self._stored[name] = unpack_column(arrays, name, kind)
        tags = PackedText.from_arrays(arrays, "index:tags:")
        self._index = TagIndex.from_arrays(
            np.asarray(tags.take(np.arange(len(tags))), dtype=object),
            arrays["index:offsets"], arrays["index:rows"], arrays["index:machine"],
            meta["n_rows"])
        self._views = self._stored["views"]
        self._thresholds, self._has_views = {}, None
        self.views_percentile = self.views_threshold(config.VIEWS_PERCENTILE)
        return self

    @staticmethod
    def _load_exif(popular_table):
        if popular_table is None:
            log.warning("no popular (EXIF) table: searches will show no camera settings")
            return None
        if isinstance(popular_table, pd.DataFrame):
            popular, source = popular_table, "<popular DataFrame>"
        else:
            popular, source = read_table(popular_table, "popular table"), str(popular_table)
        if "id" not in popular.columns:
            raise TableError(f"{source} has no 'id' column to join camera settings on",
                             path=None if source.startswith("<") else source)
        cols = [c for c in schema.EXIF if c in popular.columns]
        popular = normalize_columns_exif(popular, cols)
        return popular.drop_duplicates("id", keep="last").set_index("id")[cols]

    @property
    def has_views(self):
        """Whether the photos have view counts.

        Tables of a data set without them (YFCC100M) record ``"views": false``
        with their place (``snapassist import``); older tables whose every
        photo has 0 views have none either.
        """
        if self._has_views is None:
            recorded = self._place.get("views")
            self._has_views = (bool(recorded) if recorded is not None
                               else bool(len(self._views) and np.any(self._views > 0)))
        return self._has_views

    def views_threshold(self, percentile):
        """The ``percentile``-th percentile of every photo's views (0 without photos).

        A spot needs a photo above it (``Settings.views_percentile``).
        """
        if percentile not in self._thresholds:
            views = self._views
            self._thresholds[percentile] = (float(np.percentile(views, percentile))
                                            if len(views) else 0.0)
        return self._thresholds[percentile]

    @property
    def n_photos(self):
        """Number of photos in the master table."""
        return self._index.n_rows

    @property
    def columns(self):
        """Names of the master table's columns, EXIF columns included."""
        return list(self._columns)

    @property
    def photos(self):
        """The whole master table with the EXIF columns joined (do not modify).

        When loaded through a stored search file, the first access reads the
        whole table from its HDF5 file (slow and memory-hungry on a large
        table: searches never need it).
        """
        if self._photos is None:
            with self._lock:
                if self._photos is None:
                    log.info("reading the whole table %s (not only the searched columns)",
                             self._sources[0])
                    self._photos = type(self)(*self._sources)._photos
        return self._photos

    def match(self, phrase, months=None, lights=None):
        """Row positions (sorted) of the photos :meth:`get_search_results` returns.

        Costs only index lookups (and, with filters, one look at the month or
        light of the hits): use it to count a search's photos.
        """
        return self.match_terms(parse_query(phrase), months, lights)

    def match_terms(self, terms, months=None, lights=None):
        """:meth:`match` for a phrase already parsed (:func:`parse_query`)."""
        rows = self._index.match(terms)
        if months:
            month = self._values("month", rows, np.nan)
            rows = rows[np.isin(month, np.asarray(months, dtype=np.float64))]
        if lights:
            # Tables older than the light: every photo's is unknown ("").
            stored = self._stored.get("light")
            codes = (stored.codes[rows] if isinstance(stored, LightColumn)
                     else light_codes(self._values("light", rows, "")))
            rows = rows[np.isin(codes, light_codes(list(lights)))]
        return rows

    def _values(self, name, rows, missing):
        """Column ``name`` at ``rows`` as a numpy array (``missing`` when absent)."""
        if name not in self._columns:
            return np.full(len(rows), missing)
        return self._take(name, rows, pd.RangeIndex(len(rows))).to_numpy()

    def get_search_results(self, phrase, columns=None, months=None, lights=None):
        """The photos tagged with ``phrase``, EXIF columns joined on ``id``.

        A photo matches when every term of the phrase is one of its tags, or
        when the terms joined without spaces are one of its tags ("CN Tower"
        matches ``cntower``, or ``cn`` and ``tower`` together). Tags match
        whole, never as substrings.

        Parameters
        ----------
        phrase : str
            What the photographer typed.
        columns : list of str, optional
            Only these columns (default: all). Copying the hits' columns is
            what a search costs on a large table, so callers that need a few
            columns should name them (``schema.USED_COLUMNS`` are always
            at hand; others may need the whole table read once).
        months, lights : list, optional
            Keep only the photos taken in those months (1-12), or in one of
            those lights (``geo.LIGHTS``).

        Returns
        -------
        DataFrame
            The matching photos in table order; the index is their row
            position in the master table.

        Raises
        ------
        QueryError
            If the phrase is empty after cleaning or too long (see
            :func:`parse_query`).
        KeyError
            If a name in ``columns`` is not a column of the table.
        """
        return self.photos_at(self.match(phrase, months, lights), columns)

    def photos_at(self, rows, columns=None):
        """The photos at row positions ``rows`` (from :meth:`match`), as
        :meth:`get_search_results` returns them."""
        if columns is None:
            return self.photos.iloc[rows]
        missing = [c for c in columns if c not in self._columns]
        if missing:
            raise KeyError(f"no column(s) {', '.join(missing)} in the photo table")
        index = pd.RangeIndex(self.n_photos)[rows]
        # Column by column: never copies a whole column of the table first.
        return pd.DataFrame({c: self._take(c, rows, index) for c in columns}, index=index)

    def _take(self, name, rows, index):
        stored = self._stored.get(name)
        if stored is None:
            return self.photos[name].iloc[rows]
        values = stored[rows] if isinstance(stored, np.ndarray) else stored.take(rows)
        return pd.Series(values, index=index, name=name)

    def count_search_results(self, phrase, months=None, lights=None):
        """How many photos :meth:`get_search_results` would return."""
        return len(self.match(phrase, months, lights))

    def tag_counts(self):
        """Every normalised tag and its number of photos, from the index alone.

        Returns
        -------
        tags : ndarray of object
        counts : ndarray of int64
        """
        return self._index.tag_counts()

    def narrower_tags(self, phrase, limit, months=None, lights=None):
        """The commonest useful tags among the photos of ``phrase``.

        Counted on the index alone (no photo is copied), over the photos the
        filters keep (as :meth:`match`); ``narrower_tags`` in
        ``snapassist/search/_tagindex.py`` says which tags are left out.

        Returns
        -------
        list of (str, int)
            Up to ``limit`` tags with how many of the photos carry each.
        """
        terms = parse_query(phrase)
        return narrower_tags(self._index, terms, limit, rows=self.match_terms(terms, months, lights))

    def narrower_tags_at(self, terms, rows, limit):
        """:meth:`narrower_tags` among photos already matched (``rows``) for ``terms``."""
        return narrower_tags(self._index, terms, limit, rows=rows)

    def write_search_file(self, folder):
        """Store the index and the searched columns beside the tables in ``folder``.

        The fingerprint is taken from the table files in ``folder``, which
        must be the ones this database was built from.
        """
        folder = Path(folder)
        popular = folder / config.POPULAR_TABLE_PROCESSED
        fingerprint = fingerprint_files([folder / config.MASTER_TABLE_PROCESSED,
                                         popular if popular.exists() else None])
        if self._photos is None:
            raise TableError("write_search_file needs a database built from tables")
        meta = {"fingerprint": fingerprint, "has_exif": self.has_exif, "columns": self._columns}
        with tempfile.TemporaryDirectory(prefix=".search-build-", dir=folder) as work:
            builder = SearchFileBuilder(work, searched_columns(self._columns))
            builder.add(self._photos, self._index)
            return builder.write(folder / SEARCH_FILE, meta)


def write_search_file(folder, master=None, popular=None):
    """Build and store the search file of the processed tables in ``folder``.

    ``master`` and ``popular`` may be the DataFrames just written there as
    the tables (saves reading them back; they must be what was written). By
    default both are read from ``folder``. Returns the file's path.
    """
    folder = Path(folder)
    popular_path = _existing(folder / config.POPULAR_TABLE_PROCESSED)
    if master is None:
        database = FlickrPhotosDatabase(folder / config.MASTER_TABLE_PROCESSED, popular_path)
    else:
        database = FlickrPhotosDatabase(master, popular if popular is not None else popular_path,
                                        is_demo=False)
    return database.write_search_file(folder)


def searched_columns(columns):
    """The columns of ``columns`` the search file stores: those a search reads."""
    return [name for name in dict.fromkeys(schema.REQUIRED_COLUMNS + USED_COLUMNS)
            if name in columns]


def _existing(path):
    return path if path.exists() else None
