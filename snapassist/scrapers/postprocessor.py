"""Kept so that ``python -m snapassist.scrapers.postprocessor FOLDER`` still works.

The preprocessing lives in :mod:`snapassist.ingest.preprocess` (it serves every
data source, not only the scrapers); use ``snapassist preprocess``.
"""
import sys

from ..ingest.preprocess import main, preprocess_table, read_and_preprocess_tables

__all__ = ["main", "preprocess_table", "read_and_preprocess_tables"]

if __name__ == "__main__":
    sys.exit(main())
