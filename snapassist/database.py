"""The 2018 name of the photo tables: :class:`FlickrPhotosDatabase` lives in :mod:`snapassist.search`.

Kept so that scripts written against ``snapassist.database`` go on working.
"""
from .search import (SEARCH_FILE, FlickrPhotosDatabase, normalize_text, parse_query,
                     write_search_file)

__all__ = ["SEARCH_FILE", "FlickrPhotosDatabase", "normalize_text", "parse_query",
           "write_search_file"]
