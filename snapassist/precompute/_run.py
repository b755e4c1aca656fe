"""Precomputed answers for every common subject, computed on a Dask cluster.

(The package's public names are exported by :mod:`snapassist.precompute`.)

The broadest subjects ("toronto", "sunset", "night") are the ones typed
first and the ones too big to cluster inside a web request. Their answers
change only when the tables (or the method, or its settings) change, so
:func:`precompute_folder` computes them once, offline, on
``dask.distributed`` (a :class:`~distributed.LocalCluster` of worker
processes, or an existing cluster), and :class:`StoredAnswers` serves them.

Which phrases are subjects: every normalised tag, and every phrase of 2 to
``config.PRECOMPUTE_MAX_WORDS`` words that the search treats as one subject
because its words joined are a tag and each word is a tag too ("cn tower"
for ``cntower``: the search matches photos tagged ``cntower`` or both
``cn`` and ``tower``), with more than ``config.PRECOMPUTE_MIN_PHOTOS``
matching photos (default: the live search's budget). Other combinations of
tags ("toronto night") are two subjects, not one, and are left to the live
search.

This is the only module (with its private helpers) that imports dask.
"""
import collections
import functools
import logging
import os
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path


from .. import config, search
from ..dask_client import DaskClient
from ..errors import QueryError, TableError, ValidationError
from ..settings import Settings
from ..search import FlickrPhotosDatabase, parse_query, singular
from ..io import read_table_attrs
from ._answer import compute_answer
from ._atlas import ATLAS_KEY, atlas_photos, compute_atlas, place_names
from ._files import Parts, fingerprint, write_answers

log = logging.getLogger(__name__)


def live_budget(settings=None):
    """Most photos a live search clusters (``Settings.live_max_photos``)."""
    return (Settings() if settings is None else settings).live_max_photos


def default_min_photos(settings=None):
    """``config.PRECOMPUTE_MIN_PHOTOS``, or the live budget when it is ``None``."""
    value = config.PRECOMPUTE_MIN_PHOTOS
    return live_budget(settings) if value is None else value


@dataclass(frozen=True)
class Subject:
    """A phrase to precompute and how many photos it matches."""

    phrase: str
    n_photos: int


def list_subjects(database, min_photos=None, max_words=None):
    """Every subject with more than ``min_photos`` photos, the largest first.

    Counts come from :meth:`FlickrPhotosDatabase.count_search_results`, so a
    subject matches exactly what the live search matches; the tag index's
    counts only choose which phrases to count.
    """
    min_photos = default_min_photos() if min_photos is None else min_photos
    max_words = config.PRECOMPUTE_MAX_WORDS if max_words is None else max_words
    # An upper bound per tag in its singular (the search matches both
    # forms): a photo tagged "tower" and "towers" counts twice. Read from the
    # tag index: the photo table itself is never loaded.
    bound = collections.Counter()
    for tag, count in zip(*database.tag_counts()):
        if tag:
            bound[singular(tag)] += int(count)
    candidates = {tag for tag, count in bound.items() if count > min_photos}
    for tag, count in bound.items():
        for words in _splits(tag, bound, max_words):
            # Photos with every word, or with the joined tag.
            if min(bound[w] for w in words) + count > min_photos:
                candidates.add(" ".join(words))
    subjects = []
    for phrase in candidates:
        try:
            if parse_query(phrase) != phrase.split():
                continue
        except QueryError:
            continue          # too long to be typed: never searched
        n = database.count_search_results(phrase)
        if n > min_photos:
            subjects.append(Subject(phrase, n))
    subjects.sort(key=lambda s: (-s.n_photos, s.phrase))
    return subjects


def _splits(tag, tags, max_words):
    """Ways of cutting ``tag`` into 2 to ``max_words`` pieces that are all tags."""
    found = []
    if max_words < 2:
        return found

    def cut(rest, pieces):
        if len(pieces) + 1 >= 2 and rest in tags:
            found.append(pieces + [rest])
        if len(pieces) + 2 > max_words:
            return
        for i in range(1, len(rest)):
            if rest[:i] in tags:
                cut(rest[i:], pieces + [rest[:i]])

    for i in range(1, len(tag)):
        if tag[:i] in tags:
            cut(tag[i:], [tag[:i]])
    return found


@dataclass
class PrecomputeReport:
    """What :func:`precompute_folder` did."""

    path: Path
    subjects: list
    computed: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    worker_peak_bytes: dict = field(default_factory=dict)

    @property
    def ok(self):
        """Whether every subject has its answer in the file."""
        return not self.failed


def precompute_folder(folder, min_photos=None, workers=None, scheduler=None, output=None,
                      progress=False, database=None, answer_fn=None, settings=None,
                      atlas=True):
    """Compute and store the answer of every common subject of a tables folder.

    Parameters
    ----------
    folder : path
        The processed tables.
    min_photos : int, optional
        Subjects with more matching photos than this (default
        :func:`default_min_photos`).
    workers : int, optional
        Worker processes of the local Dask cluster (default: the machine's
        cores). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler to use instead.
    output : path, optional
        The answers file (default ``folder/config.PRECOMPUTED_ANSWERS``).
    progress : bool
        Show a tqdm progress bar on stderr.
    database : FlickrPhotosDatabase, optional
        The tables already loaded from ``folder``.
    answer_fn : callable, optional
        Used instead of :func:`compute_answer` (tests make subjects fail).
    settings : snapassist.settings.Settings, optional
        The method's settings the answers are computed with and
        fingerprinted by (default: :meth:`Settings.from_environ`, as the
        web app takes them).
    atlas : bool
        Also build the city's atlas (:mod:`._atlas`): every photo
        clustered, first, as the broadest subject of all (listed in the
        report as ``ATLAS_KEY``).

    Returns
    -------
    PrecomputeReport
        A failed subject is listed there by phrase; the others are stored.

    Raises
    ------
    TableError, ConfigError, ValidationError
        Bad folder, tables, arguments, or an unreachable scheduler.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TableError(f"the tables folder {str(folder)!r} does not exist", path=str(folder))
    settings = Settings.from_environ() if settings is None else settings
    min_photos = default_min_photos(settings) if min_photos is None else min_photos
    if isinstance(min_photos, bool) or not isinstance(min_photos, int) or min_photos < 0:
        raise ValidationError(f"min_photos must be a whole number >= 0, got {min_photos!r}")
    if scheduler is None:
        workers = (os.cpu_count() or 1) if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValidationError(f"workers must be a whole number >= 1, got {workers!r}")
    dask = DaskClient(workers, scheduler)
    try:
        if scheduler is not None:
            dask.get()      # an unreachable scheduler fails before minutes of loading
        return _precompute(folder, database, min_photos, output, progress, dask, answer_fn,
                           settings, atlas)
    finally:
        dask.close()


def _precompute(folder, database, min_photos, output, progress, dask, answer_fn, settings,
                atlas):
    database = FlickrPhotosDatabase.from_folder(folder) if database is None else database
    output = folder / config.PRECOMPUTED_ANSWERS if output is None else Path(output)
    stamp = fingerprint(folder, database, settings)
    answer_fn = answer_fn or functools.partial(compute_answer, settings=settings,
                                               views=database.has_views)
    subjects = list_subjects(database, min_photos)
    if atlas:
        subjects.insert(0, Subject(ATLAS_KEY, database.n_photos))
        place = read_table_attrs(folder / config.MASTER_TABLE_PROCESSED)
        atlas_fn = functools.partial(compute_atlas, settings=settings,
                                     leave_out=place_names(place), views=database.has_views)
    else:
        atlas_fn = None
    parts = Parts(output, stamp)
    done = parts.open()
    report = PrecomputeReport(path=output, subjects=[s.phrase for s in subjects])
    report.reused = [s.phrase for s in subjects if s.phrase in done]
    todo = [s for s in subjects if s.phrase not in done]
    log.info("%d subjects with more than %d photos: %d stored, %d to compute",
             len(subjects), min_photos, len(report.reused), len(todo))
    if todo:
        client = dask.get()
        _run(client, database, todo, parts, report, progress, len(subjects), answer_fn,
             settings, atlas_fn)
        report.worker_peak_bytes = client.run(_peak_rss_bytes)
    stored = [s.phrase for s in subjects if s.phrase in parts.done]
    write_answers(output, parts.load(stored), {"fingerprint": stamp, "min_photos": min_photos})
    if report.ok:
        parts.remove()
    return report


def _answer_task(photos, views_threshold, phrase, answer_fn):
    """Run on a worker: the answer of one subject from its photos."""
    return answer_fn(photos, views_threshold, phrase)


def _peak_rss_bytes():
    """Run on a worker: its process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run(client, database, todo, parts, report, progress, total, answer_fn, settings,
         atlas_fn=None):
    """Submit the subjects largest first, a few per worker at a time; store each as it ends."""
    from dask.distributed import as_completed
    from tqdm import tqdm

    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    queue = iter(todo)
    running = {}
    finished = as_completed()

    def submit():
        subject = next(queue, None)
        if subject is None:
            return

        def on_a_worker(photos, views_threshold, query):
            # Each task receives only its own photos' columns, sent straight
            # to a worker (scatter), never the whole table.
            data = client.scatter(photos, hash=False)
            return data, client.submit(_answer_task, data, views_threshold, query, answer_fn,
                                       pure=False, priority=subject.n_photos,
                                       key=f"precompute-{subject.phrase}")

        if subject.phrase == ATLAS_KEY:
            # Every photo, with its tags for the spots' subjects.
            photos = atlas_photos(database)
            data = client.scatter(photos, hash=False)
            future = client.submit(_answer_task, data,
                                   database.views_threshold(settings.views_percentile),
                                   ATLAS_KEY, atlas_fn, pure=False, priority=subject.n_photos,
                                   key="precompute-atlas")
        else:
            # The search every caller makes, with its clustering sent to Dask.
            data, future = search.answer(database, subject.phrase, settings=settings,
                                         cluster=on_a_worker)
        running[future.key] = (subject, data)
        finished.add(future)

    for _ in range(n_workers * config.PRECOMPUTE_TASKS_PER_WORKER):
        submit()
    bar = tqdm(total=total, initial=total - len(todo), unit="subject",
               disable=not (progress and sys.stderr.isatty()), file=sys.stderr)
    with bar:
        for future in finished:
            subject, _ = running.pop(future.key)
            try:
                answer = future.result()
            except Exception as exc:  # noqa: BLE001 - one subject must not stop the others
                report.failed[subject.phrase] = f"{type(exc).__name__}: {exc}"
                log.error("subject %r (%d photos) failed: %s: %s", subject.phrase,
                          subject.n_photos, type(exc).__name__, exc)
            else:
                parts.save(answer)
                report.computed.append(subject.phrase)
            future.release()
            bar.update(1)
            submit()
