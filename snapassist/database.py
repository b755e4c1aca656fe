"""The photo tables, loaded once, and tag search over them.

A search costs a few set intersections on an inverted index (normalised tag
-> sorted row positions) built once at load, instead of a Python function
run on every row for every query as in 2018.
"""
import itertools
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
from unidecode import unidecode

from . import config, schema
from .errors import QueryError, TableError

log = logging.getLogger(__name__)

_NOT_ALNUM = re.compile(r"[^a-z0-9\s]")
_EMPTY = np.empty(0, dtype=np.int64)


def normalize_text(text):
    """Lower-case ASCII with punctuation dropped: ``"Café-Noir!"`` -> ``"cafenoir"``.

    Non-ASCII letters are transliterated (unidecode); white space is kept so
    that the caller can split on it.
    """
    return _NOT_ALNUM.sub("", unidecode(text).lower())


def parse_query(phrase):
    """Split a search phrase into normalised terms.

    Raises
    ------
    QueryError
        If ``phrase`` is not a string, is longer than
        ``config.MAX_QUERY_CHARS`` characters, has more than
        ``config.MAX_QUERY_TERMS`` terms, or has no terms left after cleaning.
    """
    if not isinstance(phrase, str):
        raise QueryError(f"the search phrase must be text, got {type(phrase).__name__}")
    if len(phrase) > config.MAX_QUERY_CHARS:
        raise QueryError(
            f"the search phrase is {len(phrase)} characters long; "
            f"at most {config.MAX_QUERY_CHARS} are allowed"
        )
    if not phrase.strip():
        raise QueryError("the search phrase is empty; type a subject such as 'cn tower'")
    terms = normalize_text(phrase).split()
    if not terms:
        raise QueryError(
            f"the search phrase {phrase.strip()[:40]!r} has no letters or digits "
            f"to search for; type a subject such as 'cn tower'"
        )
    if len(terms) > config.MAX_QUERY_TERMS:
        raise QueryError(
            f"the search phrase has {len(terms)} words; "
            f"at most {config.MAX_QUERY_TERMS} are allowed"
        )
    return terms


class TagIndex:
    """Inverted index: normalised tag -> sorted, unique row positions.

    Stored as one array of row positions grouped by tag (CSR layout), so a
    million photos with ten tags each cost ~80 MB, not a dict of lists.
    """

    def __init__(self, tags):
        # Plain str.split over an object array: pandas 3's .str.split on its
        # string dtype is several times slower on a million rows.
        texts = pd.Series(tags, copy=False).fillna("").to_numpy(dtype=object)
        token_lists = [text.split() for text in texts]
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(texts))
        tokens = np.fromiter(itertools.chain.from_iterable(token_lists),
                             dtype=object, count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        raw_codes, raw_tags = pd.factorize(tokens)
        # Normalise each distinct tag once (there are far fewer than tokens):
        # old tables or other sources may hold "CN-Tower" or "café".
        norm_codes, norm_tags = pd.factorize(
            np.array([normalize_text(t).replace(" ", "") for t in raw_tags], dtype=object))
        codes = norm_codes[raw_codes] if len(raw_codes) else raw_codes
        order = np.lexsort((rows, codes))
        codes, rows = codes[order], rows[order]
        # A photo tagged both "cafe" and "café" must be listed once.
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = (codes[1:] != codes[:-1]) | (rows[1:] != rows[:-1])
        codes, rows = codes[keep], rows[keep]
        counts = np.bincount(codes, minlength=len(norm_tags))
        self._offsets = np.concatenate(([0], np.cumsum(counts)))
        self._rows = rows
        self._code = {tag: i for i, tag in enumerate(norm_tags) if tag}

    def __len__(self):
        return len(self._code)

    def rows(self, tag):
        """Sorted row positions of the photos carrying ``tag`` (normalised)."""
        code = self._code.get(tag)
        if code is None:
            return _EMPTY
        return self._rows[self._offsets[code]:self._offsets[code + 1]]

    def match(self, terms):
        """Rows where every term is a tag, or the joined terms are one tag."""
        # Intersect from the rarest tag up: the result only shrinks.
        postings = sorted((self.rows(term) for term in terms), key=len)
        every = postings[0]
        for other in postings[1:]:
            if not len(every):
                break
            every = _intersect_sorted(every, other)
        if len(terms) == 1:
            return every
        joined = self.rows("".join(terms))
        if not len(joined):
            return every
        if not len(every):
            return joined
        return _union_sorted(every, joined)


def _intersect_sorted(small, large):
    """Intersection of two sorted unique arrays in O(len(small) log len(large))."""
    return small[_isin_sorted(small, large)]


def _union_sorted(a, b):
    """Union of two sorted unique arrays.

    A stable sort of two concatenated sorted runs is a linear merge
    (timsort finds the runs), unlike np.union1d's full sort.
    """
    extra = a[~_isin_sorted(a, b)]
    return np.sort(np.concatenate((b, extra)), kind="stable")


def _isin_sorted(values, sorted_unique):
    if not len(sorted_unique):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_unique, values)
    pos[pos == len(sorted_unique)] = 0
    return sorted_unique[pos] == values


def read_table(path, what="photo table"):
    """Read one pandas HDF5 table (fixed or table format) or raise TableError."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"the {what} {str(path)!r} does not exist", path=path)
    try:
        with pd.HDFStore(path, mode="r") as store:
            keys = store.keys()
            key = config.HDF_KEY if "/" + config.HDF_KEY in keys else None
            if key is None and len(keys) == 1:
                key = keys[0]
            if key is None:
                raise TableError(
                    f"the {what} {str(path)!r} has no key {config.HDF_KEY!r} "
                    f"(keys found: {', '.join(keys) or 'none'})", path=path)
            frame = store.select(key)
    except TableError:
        raise
    except Exception as exc:  # PyTables raises many kinds on a corrupt file
        raise TableError(
            f"the {what} {str(path)!r} cannot be read as a pandas HDF5 table: "
            f"{type(exc).__name__}: {exc}", path=path) from exc
    if not isinstance(frame, pd.DataFrame):
        raise TableError(f"the {what} {str(path)!r} holds a {type(frame).__name__}, "
                         f"not a DataFrame", path=path)
    return frame


def _normalize_columns(frame, columns, source):
    """Give the required and known columns usable dtypes, cheaply.

    Old tables may store ids as integers or views as floats; pandas 3 may
    read strings back as its ``str`` dtype. Columns already right are left
    alone, so loading a table we wrote costs nothing here.
    """
    schema.check_required(frame, source)
    frame = frame.reset_index(drop=True)
    for name, kind in columns.items():
        if name not in frame.columns:
            continue
        col = frame[name]
        if kind == "str":
            if not schema.is_text_dtype(col.dtype) or (
                    name in schema.REQUIRED_COLUMNS and col.isna().any()):
                frame[name] = schema.coerce_column(col, "str", name)[0]
        elif str(col.dtype) != schema.DTYPES[kind]:
            frame[name] = schema.coerce_column(col, kind, name)[0]
    bad = frame["latitude"].isna() | frame["longitude"].isna()
    if bad.any():
        log.warning("%s: ignoring %d photo(s) without a position", source, int(bad.sum()))
        frame = frame[~bad].reset_index(drop=True)
    return frame


class FlickrPhotosDatabase:
    """The processed photo tables, loaded once, searchable by tag.

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
        The master table's ``config.VIEWS_PERCENTILE``-th percentile of views.
    """

    def __init__(self, main_table, popular_table=None, is_demo=None):
        if isinstance(main_table, pd.DataFrame):
            master, source = main_table, "<master DataFrame>"
        else:
            master, source = read_table(main_table, "master table"), str(main_table)
            if is_demo is None:
                is_demo = (Path(main_table).parent / config.DEMO_MARKER).is_file()
        self.is_demo = bool(is_demo)
        master = _normalize_columns(master, schema.PROCESSED_MASTER, source)
        if master["id"].duplicated().any():
            n_dup = int(master["id"].duplicated().sum())
            log.warning("%s: ignoring %d duplicated photo id(s)", source, n_dup)
            master = master.drop_duplicates("id").reset_index(drop=True)
        exif = self._load_exif(popular_table)
        self.has_exif = exif is not None
        for name, kind in schema.EXIF.items():
            if exif is not None and name in exif.columns:
                master[name] = exif[name].reindex(master["id"]).to_numpy()
            else:
                master[name] = pd.Series(np.nan, index=master.index,
                                         dtype="str" if kind == "str" else "float64")
        self._photos = master
        self.views_percentile = (float(np.percentile(master["views"], config.VIEWS_PERCENTILE))
                                 if len(master) else 0.0)
        self._index = TagIndex(master["tags"])

    @classmethod
    def from_folder(cls, folder):
        """Load ``master_table_processed.hdf5`` and, if present, the popular table."""
        folder = Path(folder)
        if not folder.is_dir():
            raise TableError(f"the tables folder {str(folder)!r} does not exist", path=folder)
        popular = folder / config.POPULAR_TABLE_PROCESSED
        return cls(folder / config.MASTER_TABLE_PROCESSED,
                   popular if popular.exists() else None)

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
        popular = _normalize_columns_exif(popular, cols)
        return popular.drop_duplicates("id", keep="last").set_index("id")[cols]

    @property
    def n_photos(self):
        """Number of photos in the master table."""
        return len(self._photos)

    @property
    def photos(self):
        """The whole master table with the EXIF columns joined (do not modify)."""
        return self._photos

    def get_search_results(self, phrase, columns=None):
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
            columns should name them.

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
        rows = self._index.match(parse_query(phrase))
        if columns is None:
            return self._photos.iloc[rows]
        missing = [c for c in columns if c not in self._photos.columns]
        if missing:
            raise KeyError(f"no column(s) {', '.join(missing)} in the photo table")
        # Column by column: never copies a whole column of the table first.
        return pd.DataFrame({c: self._photos[c].iloc[rows] for c in columns})

    def count_search_results(self, phrase):
        """How many photos :meth:`get_search_results` would return."""
        return len(self._index.match(parse_query(phrase)))


def _normalize_columns_exif(popular, cols):
    popular = popular.reset_index(drop=True)
    popular["id"] = schema.coerce_column(popular["id"], "str", "id")[0]
    for name in cols:
        kind = schema.EXIF[name]
        if kind == "str" and not schema.is_text_dtype(popular[name].dtype):
            popular[name] = popular[name].astype("str")
        elif kind != "str" and str(popular[name].dtype) != schema.DTYPES[kind]:
            popular[name] = schema.coerce_column(popular[name], kind, name)[0]
    return popular
