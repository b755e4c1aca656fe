"""Import photo data sets from outside into the tables the web app serves.

Formats:

- ``lbsn``: the CSV that TagMaps reads (the LBSN structure): ``guid``,
  ``user_guid``, ``lat``, ``lng``, ``post_create_date``, ``hashtags``
  (separated by ``;``), ``post_views_count``... ; ids may be hashes, and a
  date without a time (``2010-05-07``) keeps its day and month but leaves
  the hour and the light unknown (not midnight);
- ``flickr``: CSV, JSON Lines or a JSON array of photos with the Flickr API's
  field names (``id, owner, ownername, title, datetaken, views, tags,
  latitude, longitude, accuracy, url_*``);
- ``csv``: any CSV, its columns named with ``--column OURS=THEIRS``.

The file streams through in chunks (gzip read as it is); bad rows are counted
by kind and left out, never fatal. Each chunk goes through the same
preprocessing as scraped tables as soon as it is read, and the processed rows
go to work files on disk, then into the tables (see
:mod:`snapassist.ingest._staging`): memory holds one chunk, whatever the
file's size, plus what grows far slower than the photos (8 bytes a photo to
recognise repeated ids, the distinct tags). Text longer than
``MAX_TEXT_CHARS`` is cut there (LBSN's ``post_body`` may be a whole
description) and a photo keeps its first ``MAX_TAGS`` tags. The tables and
their search file are written to a hidden folder beside the output folder,
which then takes the output folder's place in one step, so nothing appears
in it unless the import succeeds and a reader never sees old and new tables
mixed (see :mod:`snapassist.ingest._safety`, which also holds the lock that
lets one import at a time write a folder, and the estimate of the space
needed, checked before anything is written).
"""
import contextlib
import functools
import itertools
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..search import SEARCH_FILE, normalize_text
from ..errors import ValidationError
from ..io import write_text_atomic
from ..schema import RAW_MASTER, REQUIRED_COLUMNS
from ._safety import check_space, estimate_space, folder_lock, megabytes, replace_folder, writing
from ._staging import Staging, write_tables
from .preprocess import GRANULARITY_DAY
from .readers import READERS, Problems, open_text, sniff

log = logging.getLogger(__name__)

#: Records gathered before they are cleaned as one DataFrame.
CHUNK_ROWS = 50_000
#: Characters kept of a text value (a title, an owner's name...).
MAX_TEXT_CHARS = 1000
#: Tags kept of a photo (Flickr allows 75).
MAX_TAGS = 100
_DAY_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$")


@dataclass(frozen=True)
class Format:
    """How one kind of file names our columns, and how its tags are separated."""

    columns: dict          # our column -> its column
    tag_separator: str = " "
    needs: tuple = REQUIRED_COLUMNS   # our columns the file must provide
    readers: tuple = ("csv",)


FORMATS = {
    "lbsn": Format(
        columns={"id": "guid", "owner": "user_guid", "title": "post_body",
                 "datetaken": "post_create_date", "dateupload": "post_publish_date",
                 "views": "post_views_count", "tags": "hashtags", "latitude": "lat",
                 "longitude": "lng"},
        tag_separator=";", needs=REQUIRED_COLUMNS + ("datetaken",)),
    "flickr": Format(columns={name: name for name in RAW_MASTER},
                     readers=("csv", "jsonl", "json")),
    "csv": Format(columns={}),
}


def parse_column_options(options):
    """``["id=photo_id", ...]`` -> ``{"id": "photo_id"}``; our names are checked."""
    mapping = {}
    for option in options or ():
        ours, sep, theirs = option.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise ValidationError(f"--column must be OURS=THEIRS, got {option!r}")
        if ours not in RAW_MASTER:
            raise ValidationError(f"--column {option!r}: {ours!r} is not one of our columns "
                                  f"({', '.join(RAW_MASTER)})")
        mapping[ours] = theirs
    return mapping


@dataclass
class ImportResult:
    """What an import did: rows read and kept, and the bad rows by kind."""

    rows_read: int
    rows_kept: int
    problems: Problems
    folder: Path
    metadata: dict


def import_photos(path, out_folder, fmt, columns=None, city=None, area=None,
                  overwrite=False, progress=None, chunk_rows=CHUNK_ROWS, on_write=None,
                  notify=None, check_free_space=True):
    """Import the photo file ``path`` into processed tables in ``out_folder``.

    Two passes, each holding one chunk of photos in memory (see
    :mod:`snapassist.ingest._staging`); the work files and the tables are
    written in a hidden folder beside ``out_folder``, which then takes its
    place in one step (:func:`._safety.replace_folder`: the files of
    ``out_folder`` that are not tables stay). The whole import holds the
    lock of ``out_folder`` (:func:`._safety.folder_lock`).

    Parameters
    ----------
    fmt : {"lbsn", "flickr", "csv"}
    columns : dict, optional
        Our column -> the file's column, over the format's own names.
    city : str, optional
        The city's name, recorded for the pages.
    area : snapassist.geo.Area, optional
        Keep only the photos inside it (default: every photo).
    progress : callable, optional
        Called with the number of input bytes read so far (pass 1).
    on_write : callable, optional
        Called with ``(photos written, photos to write)`` (pass 2).
    notify : callable, optional
        Called with a sentence for the user (the space the import needs).
    check_free_space : bool
        Refuse to start when the disk has clearly less free than the
        estimate (:func:`._safety.estimate_space`).

    Raises
    ------
    ValidationError
        Unknown format, missing input, an output folder that holds tables
        (without ``overwrite``; checked again just before the swap), or a
        file that lacks columns the format needs (raised before anything is
        written).
    FolderBusyError
        Another import holds ``out_folder``.
    DiskFullError
        Too little free space at the start, or the disk filled up while
        writing (the message says what was being written and the space
        needed); ``out_folder`` is then as it was.
    WriteError
        Another failed write, named.
    """
    if fmt not in FORMATS:
        raise ValidationError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    spec = FORMATS[fmt]
    mapping = {**spec.columns, **(columns or {})}
    out_folder = Path(out_folder).expanduser()
    notify = notify or (lambda message: log.info("%s", message))
    _check_out_folder(out_folder, overwrite)
    text, raw = open_text(path)
    problems = Problems()
    with raw, text:
        kind = sniff(text, path)
        if kind not in spec.readers:
            raise ValidationError(f"--format {fmt} reads {' or '.join(spec.readers)}, but "
                                  f"{str(path)!r} looks like {kind}")
        records = READERS[kind](text, problems)
        first = next(records, None)
        if first is None:
            raise ValidationError("the input holds no photo records")
        _check_columns(first[1].keys(), mapping, spec)
        needed, tables = estimate_space(path)
        notify(f"this import needs about {megabytes(needed):,} MB of free space beside "
               f"OUTFOLDER while it runs, about {megabytes(tables):,} MB for the tables")
        if check_free_space:
            check_space(out_folder.parent, needed)
        with folder_lock(out_folder):
            _check_out_folder(out_folder, overwrite)
            with _work_folder(out_folder) as work:
                tables_folder = work / "tables"
                with writing(f"the work files in {work.name}", needed), \
                        Staging(work / "staging", problems, area, str(path)) as staging:
                    n_read = _read_chunks(itertools.chain([first], records), mapping, spec,
                                          problems, raw, progress, chunk_rows, staging)
                    metadata = staging.place(city)
                    metadata["source"] = {"format": fmt, "file": Path(path).name}
                    with writing(f"the new tables in {work.name}", needed):
                        tables_folder.mkdir()
                        write_tables(staging, tables_folder, metadata, on_write and (
                            lambda done: on_write(done, staging.n_photos)))
                        shutil.rmtree(tables_folder / "search-build", ignore_errors=True)
                        write_text_atomic(tables_folder / "SOURCE.txt",
                                          f"Imported from {Path(path).name} ({fmt} format).\n")
                # Under the lock, just before the swap: tables that appeared
                # meanwhile (copied in by hand) are not replaced unasked.
                _check_out_folder(out_folder, overwrite)
                with writing(f"OUTFOLDER {str(out_folder)!r}", needed):
                    install_tables(tables_folder, out_folder)
    return ImportResult(n_read, staging.n_photos, problems, out_folder, metadata)


def _check_out_folder(out_folder, overwrite):
    if out_folder.exists() and not out_folder.is_dir():
        raise ValidationError(f"OUTFOLDER {str(out_folder)!r} exists and is not a folder")
    if config.has_tables(out_folder) and not overwrite:
        raise ValidationError(f"OUTFOLDER {str(out_folder)!r} already holds tables; pass "
                              "--overwrite to replace them or choose another folder")


def _read_chunks(records, mapping, spec, problems, raw, progress, chunk_rows, finish):
    """Clean the records a chunk at a time and hand each to ``finish``; the number read."""
    batch, rows, n_read = [], [], 0
    for number, record in records:
        batch.append({ours: record.get(theirs) for ours, theirs in mapping.items()})
        rows.append(number)
        n_read += 1
        if len(batch) >= chunk_rows:
            finish(_clean(batch, rows, spec, problems))
            batch, rows = [], []
            if progress:
                progress(raw.tell())
    if batch:
        finish(_clean(batch, rows, spec, problems))
    if progress:
        progress(raw.tell())
    return n_read


def _check_columns(present, mapping, spec):
    present = set(present)
    missing = [mapping.get(ours, ours) for ours in spec.needs
               if mapping.get(ours, ours) not in present]
    if missing:
        raise ValidationError(f"the input lacks the column(s) {', '.join(missing)} that "
                              "this format needs (name others with --column OURS=THEIRS)")


def _text(series):
    return series.astype(object).where(series.notna(), "").map(str).str.strip()


def _clean(batch, rows, spec, problems):
    """One chunk of records -> raw-table rows; bad rows counted and left out."""
    return clean_frame(pd.DataFrame.from_records(batch), rows, spec, problems)


def clean_frame(frame, rows, spec, problems):
    """:func:`_clean` of records already in a DataFrame of text (``frame`` is changed).

    ``rows`` are the records' row numbers, for the examples of bad rows.
    """
    frame["_row"] = np.asarray(rows, dtype=np.int64)
    for name in frame.columns.drop("_row"):
        frame[name] = _text(frame[name])
        if name != "tags":
            frame[name] = frame[name].str.slice(0, MAX_TEXT_CHARS)
    lat = pd.to_numeric(frame["latitude"], errors="coerce")
    lon = pd.to_numeric(frame["longitude"], errors="coerce")
    views = pd.to_numeric(frame["views"].replace("", "0"), errors="coerce")
    rules = [
        ("missing_id", frame["id"] == ""),
        ("missing_coordinates", lat.isna() | lon.isna()),
        ("coordinates_out_of_range", (lat.abs() > 90) | (lon.abs() > 180)),
        ("zero_position", (lat == 0) & (lon == 0)),
        ("unreadable_views", views.isna() | (views < 0)),
    ]
    bad = np.zeros(len(frame), dtype=bool)
    for kind, mask in rules:
        mask = mask.to_numpy() & ~bad
        problems.add(kind, frame["_row"].to_numpy()[mask])
        bad |= mask
    frame = frame[~bad].copy()
    problems.add("missing_views", frame.loc[frame["views"] == "", "_row"])
    frame["views"] = views[~bad].astype(np.int64).astype(str)
    frame["tags"] = [_tags(t, spec.tag_separator) for t in frame["tags"]]
    if "datetaken" in frame.columns:
        frame["datetakengranularity"] = _granularity(frame)
    return frame


def _granularity(frame):
    """Each photo's ``datetakengranularity`` as text: the file's, or day-only for a date alone.

    A date without a time is :data:`GRANULARITY_DAY`, unless the file gives
    a coarser granularity (Flickr's month, year or circa): the coarser one
    is the truth.
    """
    day_only = frame["datetaken"].str.match(_DAY_ONLY).to_numpy()
    given = (pd.to_numeric(frame["datetakengranularity"], errors="coerce").fillna(0)
             if "datetakengranularity" in frame.columns else pd.Series(0, index=frame.index))
    return np.maximum(given.to_numpy(dtype=np.int64),
                      np.where(day_only, GRANULARITY_DAY, 0)).astype(str)


def _tags(text, separator):
    """Tags as Flickr normalises them: lower-case ASCII words without spaces or punctuation."""
    words = (_tag_word(t) for t in text.split(separator))
    return " ".join(list(dict.fromkeys(w for w in words if w))[:MAX_TAGS])


@functools.lru_cache(maxsize=1 << 16)
def _tag_word(tag):
    # Remembered: the same few thousand tags make most of a city's photos'.
    return normalize_text(tag).replace(" ", "")


@contextlib.contextmanager
def _work_folder(out_folder):
    """A hidden folder beside ``out_folder`` for the import's files, removed on exit.

    It records the importing process's id: the folder of an import that was
    killed (and so could not remove it) is removed by the next import into
    the same ``out_folder``.
    """
    parent = out_folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out_folder.name}.import-"
    for stale in parent.glob(prefix + "*"):
        if stale.is_dir() and not _alive(stale / "pid"):
            log.info("removing %s, left by an import that did not finish", stale)
            shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        (work / "pid").write_text(str(os.getpid()), encoding="ascii")
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _alive(pid_file):
    """Whether the process named in ``pid_file`` still runs (``True`` when unsure)."""
    try:
        pid = int(pid_file.read_text(encoding="ascii"))
    except (OSError, ValueError):
        # No pid yet (a folder just made) or unreadable: leave it alone,
        # unless it is old enough to be certainly abandoned.
        return time.time() - pid_file.parent.stat().st_mtime < 3600
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass        # another user's process: it runs
    return True


#: The files an import writes or makes stale: the rest of OUTFOLDER is kept.
#: A popular table left by the data set these tables replace would lend its
#: camera settings to the wrong photos.
REPLACED = frozenset({"SOURCE.txt", SEARCH_FILE, config.MASTER_TABLE_PROCESSED,
                      config.POPULAR_TABLE_PROCESSED})


def install_tables(tables_folder, out_folder):
    """Put the finished tables of ``tables_folder`` in ``out_folder``'s place, in one step.

    The other files of ``out_folder`` (an operator's notes, stored answers)
    are carried over first; the old tables are deleted only once the new
    ones are in place. ``tables_folder`` is gone afterwards.
    """
    replace_folder(tables_folder, out_folder, keep_from_old=lambda name: name not in REPLACED)
