"""Kept so that ``python -m snapassist.scrapers.postprocessor FOLDER`` still works.

The preprocessing lives in :mod:`snapassist.ingest.preprocess` (it serves every
data source, not only the scrapers); its command is ``snapassist preprocess``.
"""
import sys

from ..ingest.preprocess import preprocess_table, read_and_preprocess_tables

__all__ = ["preprocess_table", "read_and_preprocess_tables"]

if __name__ == "__main__":
    from snapassist.cli.data import preprocess

    sys.exit(preprocess())
