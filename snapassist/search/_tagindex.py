"""The inverted tag index: normalised tag -> sorted row positions.

Built once per table (at preprocessing time, stored beside the tables, or at
load for tables without it). A search intersects a few sorted arrays; the
tags co-occurring with a search are counted from the same arrays, without
touching the photo table.
"""
import itertools
import re

import numpy as np
import pandas as pd
from .. import config
from ..errors import QueryError
from ..words import normalize_text, singular, word_forms  # noqa: F401 (search's API)

_EMPTY = np.empty(0, dtype=np.int64)


def content_words(terms):
    """The terms without the common words (``config.STOPWORDS``), unless none would remain."""
    kept = [term for term in terms if term not in config.STOPWORDS]
    return kept or list(terms)


def parse_query(phrase):
    """Split a search phrase into the normalised terms a search matches.

    As people type: a hyphen or slash separates words like a space
    ("CN-Tower" is "cn tower"); each word is taken in its singular
    (:func:`singular`), which matches its plural too
    ("cn towers" is "cn tower"). Common words (``config.STOPWORDS``) are
    kept: :meth:`TagIndex.match` needs
    them only inside joined tags ("art gallery of ontario" finds
    ``artgalleryofontario``).

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
        raise QueryError("the search phrase is empty; type what you want to photograph")
    terms = normalize_text(_WORD_BREAKS.sub(" ", phrase)).split()
    if not terms:
        raise QueryError(
            f"the search phrase {phrase.strip()[:40]!r} has no letters or digits "
            f"to search for; type what you want to photograph"
        )
    if len(terms) > config.MAX_QUERY_TERMS:
        raise QueryError(
            f"the search phrase has {len(terms)} words; "
            f"at most {config.MAX_QUERY_TERMS} are allowed"
        )
    return [term if term in config.STOPWORDS else singular(term) for term in terms]


#: Characters that separate words in a phrase, as a space does.
_WORD_BREAKS = re.compile(r"[-/\u2010-\u2015]")


def _is_machine_tag(raw):
    # Flickr's machine tags are namespace:predicate=value; normalising strips
    # the punctuation, so remember which tags were written that way.
    head, colon, rest = raw.partition(":")
    return bool(head and colon and "=" in rest)


class TagIndex:
    """Inverted index: normalised tag -> sorted, unique row positions.

    Stored as one array of row positions grouped by tag (CSR layout), so a
    million photos with ten tags each cost ~40 MB, not a dict of lists.

    Parameters
    ----------
    tags : sequence of str
        Each photo's space-separated tags; missing entries have none.
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
        machine = np.zeros(len(norm_tags), dtype=bool)
        for raw, code in zip(raw_tags, norm_codes):
            if _is_machine_tag(raw):
                machine[code] = True
        codes = norm_codes[raw_codes] if len(raw_codes) else raw_codes
        order = np.lexsort((rows, codes))
        codes, rows = codes[order], rows[order]
        # A photo tagged both "cafe" and "café" must be listed once.
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = (codes[1:] != codes[:-1]) | (rows[1:] != rows[:-1])
        codes, rows = codes[keep], rows[keep]
        counts = np.bincount(codes, minlength=len(norm_tags))
        self._set(np.asarray(norm_tags, dtype=object),
                  np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
                  rows.astype(row_dtype(len(texts))), machine, len(texts))

    def _set(self, tags, offsets, rows, machine, n_rows):
        self._tags = tags
        self._offsets = offsets
        self._rows = rows
        self._machine = machine
        self.n_rows = int(n_rows)
        self._code = {tag: i for i, tag in enumerate(tags) if tag}

    @classmethod
    def from_arrays(cls, tags, offsets, rows, machine, n_rows):
        """Rebuild an index from :meth:`to_arrays`' output (e.g. a stored file).

        Raises
        ------
        ValueError
            If the arrays do not describe a valid index over ``n_rows`` rows.
        """
        offsets = np.asarray(offsets)
        n_tags = len(tags)
        if (len(offsets) != n_tags + 1 or len(machine) != n_tags or offsets[0] != 0
                or offsets[-1] != len(rows) or np.any(np.diff(offsets) < 0)):
            raise ValueError("the tag index's offsets do not match its tags and rows")
        if len(rows) and (rows.min() < 0 or rows.max() >= n_rows):
            raise ValueError(f"the tag index points outside the table's {n_rows} rows")
        index = cls.__new__(cls)
        index._set(np.asarray(tags, dtype=object), offsets, rows,
                   np.asarray(machine, dtype=bool), n_rows)
        return index

    def to_arrays(self):
        """``dict`` of the arrays :meth:`from_arrays` takes (tags as an object array)."""
        return {"tags": self._tags, "offsets": self._offsets, "rows": self._rows,
                "machine": self._machine, "n_rows": self.n_rows}

    def __len__(self):
        return len(self._code)

    def tag_counts(self):
        """Every normalised tag and how many photos carry it (two aligned arrays)."""
        return self._tags, np.diff(self._offsets)

    def rows(self, tag):
        """Sorted row positions of the photos carrying ``tag`` (normalised)."""
        code = self._code.get(tag)
        if code is None:
            return _EMPTY
        return self._rows[self._offsets[code]:self._offsets[code + 1]]

    def rows_of_word(self, word):
        """Sorted rows of the photos carrying any of the word's forms (:func:`word_forms`)."""
        found = [rows for rows in map(self.rows, word_forms(word)) if len(rows)]
        if not found:
            return _EMPTY
        every = found[0]
        for other in found[1:]:
            every = _union_sorted(every, other)
        return every

    def match(self, terms):
        """Rows where every term is a tag, or the joined terms are one tag.

        A term matches each of its forms (singular and plural, see
        :func:`word_forms`), so ``["cn", "towers"]`` finds ``cntower``.
        Common words (``config.STOPWORDS``) need not be tags when other words
        remain ("the cn tower" finds what "cn tower" finds), but a joined tag
        may hold them ("art gallery of ontario" finds ``artgalleryofontario``).
        """
        words = content_words(terms)
        joined = self._rows_of_joined(words)
        if len(words) < len(terms):
            joined = _union_sorted(joined, self._rows_of_joined(terms))
        # Intersect from the rarest tag up: the result only shrinks.
        postings = sorted((self.rows_of_word(term) for term in words), key=len)
        every = postings[0]
        for other in postings[1:]:
            if not len(every):
                break
            every = _intersect_sorted(every, other)
        if len(terms) == 1:
            return every
        if not len(joined):
            return every
        if not len(every):
            return joined
        return _union_sorted(every, joined)

    def _rows_of_joined(self, terms):
        """Rows of the photos with one tag made of the terms' forms joined.

        Every word may be in any of its forms ("ripley's aquarium" finds
        ``ripleysaquarium``, "cn towers" ``cntower``), at most a few thousand
        dictionary look-ups for the longest phrase allowed.
        """
        found = _EMPTY
        for words in itertools.product(*(word_forms(term) for term in terms)):
            rows = self.rows("".join(words))
            if len(rows):
                found = rows if not len(found) else _union_sorted(found, rows)
        return found

    def cotag_counts(self, rows):
        """For every tag, how many of the photos at ``rows`` carry it.

        Reads only the index: a mask of the matching rows is gathered over
        the flat row array and summed per tag, linear in the index size and
        without copying any photo.

        Returns
        -------
        counts : ndarray of int64
            One count per tag code.
        tags : ndarray of object
            The normalised tag of each code.
        machine : ndarray of bool
            Whether each tag was written as a Flickr machine tag.
        """
        mask = np.zeros(self.n_rows, dtype=np.uint8)
        mask[rows] = 1
        counts = np.zeros(len(self._tags), dtype=np.int64)
        # reduceat sums from each start to the next; a tag without rows
        # would wrongly get one value, so only non-empty tags take part.
        filled = np.flatnonzero(np.diff(self._offsets) > 0)
        if len(filled):
            counts[filled] = np.add.reduceat(mask[self._rows], self._offsets[filled],
                                             dtype=np.int64)
        return counts, self._tags, self._machine


def example_subjects(tags, counts, machine, limit, leave_out=()):
    """Subjects to suggest on a city's search page: its commonest useful tags.

    Tags of between ``config.MIN_PHOTOS_TO_CLUSTER`` photos and the live
    budget (``config.LIVE_MAX_PHOTOS``), so that each is answered at once;
    machine tags, numbers, tags under three letters and ``leave_out`` (the
    city's own name) are skipped, and a plural counts with its singular.

    Parameters
    ----------
    tags, counts, machine : sequences
        Every tag, its number of photos and whether it is a machine tag
        (:meth:`TagIndex.to_arrays`, or an index being built).

    Returns
    -------
    list of str
        Up to ``limit`` tags, commonest first (ties alphabetically).
    """
    skip = {singular(normalize_text(word).replace(" ", "")) for word in leave_out}
    totals = {}
    for tag, count, is_machine in zip(tags, counts, machine):
        if is_machine or len(tag) < 3 or tag.isdigit():
            continue
        base = singular(tag)
        if base not in skip:
            totals[base] = totals.get(base, 0) + int(count)
    useful = [(n, tag) for tag, n in totals.items()
              if config.MIN_PHOTOS_TO_CLUSTER <= n <= config.LIVE_MAX_PHOTOS]
    useful.sort(key=lambda item: (-item[0], item[1]))
    return [tag for _, tag in useful[:limit]]


def narrower_tags(index, terms, limit, rows=None):
    """The commonest useful tags among the photos matching ``terms``.

    ``rows``: those photos, when the caller has already matched (and
    perhaps filtered) them.

    Left out: the terms themselves (and joined), machine tags, numbers, tags
    under three letters, tags on more than ``config.SUGGEST_MAX_SHARE`` of
    the photos (they narrow nothing) and tags on fewer than
    ``config.MIN_PHOTOS_TO_CLUSTER`` of them (too few to find a spot).

    Returns
    -------
    list of (str, int)
        Up to ``limit`` tags with how many of the photos carry each,
        commonest first (ties alphabetically).
    """
    rows = index.match(terms) if rows is None else rows
    if not len(rows):
        return []
    counts, tags, machine = index.cotag_counts(rows)
    useful = ((counts >= config.MIN_PHOTOS_TO_CLUSTER)
              & (counts <= config.SUGGEST_MAX_SHARE * len(rows)) & ~machine)
    own = ({singular(term) for term in content_words(terms)}
           | {singular("".join(terms)), singular("".join(content_words(terms)))})
    found = [(str(tags[i]), int(counts[i])) for i in np.flatnonzero(useful)]
    found = [(tag, n) for tag, n in found
             if singular(tag) not in own and len(tag) >= 3 and not tag.isdigit()]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found[:limit]


def row_dtype(n_rows):
    # Row positions fit in 32 bits below two billion photos: half the memory.
    return np.int32 if n_rows < 2**31 else np.int64


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
