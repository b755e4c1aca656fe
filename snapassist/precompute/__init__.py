"""Precomputed answers: the broad subjects' answers, computed offline on Dask, stored and served.

``_run`` lists the subjects and computes them on a Dask cluster (the only
code, with the import's parallel runner, that imports dask), ``_answer``
makes one answer storable, ``_files`` writes, fingerprints and serves the
answers file.
"""
from ._answer import StoredAnswer, compute_answer, load_answer
from ._files import StoredAnswers, canonical_phrase, fingerprint, read_answers
from ._run import (PrecomputeReport, Subject, default_min_photos, list_subjects, live_budget,
                   precompute_folder)

__all__ = ["PrecomputeReport", "StoredAnswer", "StoredAnswers", "Subject", "canonical_phrase",
           "compute_answer", "default_min_photos", "fingerprint", "list_subjects", "live_budget",
           "load_answer", "precompute_folder", "read_answers"]
