"""Searching the photo tables: the tag index, the search file, and the one search function.

:func:`answer` is what every caller uses: a phrase and its options to the
spots of its photos, a stored answer, or :class:`TooBroad`. Below it:
``_tables`` (:class:`FlickrPhotosDatabase`: the tables loaded once, through
their search file when there is one; ``_columns`` makes their columns
usable), ``_tagindex`` (the inverted index and
the phrasing rules: :func:`parse_query`, singulars, common words),
``_store`` (the memory-mapped search file) and ``_build`` (building it,
chunk by chunk in bounded memory).
"""
from ._answer import SearchOptions, TooBroad, answer
from ._columns import join_exif
from ._tables import SEARCH_FILE, FlickrPhotosDatabase, searched_columns, write_search_file
from ._tagindex import example_subjects, normalize_text, parse_query, singular

__all__ = ["SEARCH_FILE", "FlickrPhotosDatabase", "SearchOptions", "TooBroad", "answer",
           "example_subjects", "join_exif", "normalize_text", "parse_query", "searched_columns",
           "singular", "write_search_file"]
