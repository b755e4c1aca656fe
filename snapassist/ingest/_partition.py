"""The world import's two tasks: read one part of the file; write one city's tables.

Both are plain functions of small, picklable arguments, run in the calling
process or on Dask workers (:mod:`snapassist.ingest._parallel`) alike, so
the tables cannot depend on where they ran.

:func:`read_part` parses its part's lines, cleans them as every import
does, preprocesses the photos (types, titles, hour and month; the light
waits for the city's time zone) and gives each its group: its city, or 0
when the photos are not split. It writes one file, ``part00012.bin``: for
each group, the pickled rows of that group in line order, then an index of
the groups (where each starts, how long, how many photos) and, in the last 8
bytes, where that index starts. A city's writer thus reads its own rows of
each part in one seek, and no part is read whole but by its own task.

:func:`write_city` reads a group's rows from every part in file order, and
writes them with the import's two-pass writer (:mod:`._staging`): repeated
ids across parts are dropped there, and the light is read in the city's
zone. The finished tables are renamed into the city's folder at once.
"""
import os
import pickle
import shutil
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..geo import Area
from ..io import write_atomically, write_text_atomic
from ..schema import PROCESSED_MASTER
from ._source import Source, iter_part_lines
from ._staging import Staging, write_tables
from .cities import world_cities
from .preprocess import preprocess_table
from .readers import Problems
from .yfcc import Reading, parse_lines

#: Lines parsed and cleaned at a time.
CHUNK_LINES = 50_000
#: Photos of a city handed to the writer at a time.
CITY_CHUNK_ROWS = 50_000
_WHOLE_EARTH = Area.box(-180.0, -90.0, 180.0, 90.0)
_TRAILER = struct.Struct("<q")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class PartPlan:
    """What every part's task needs: the file, how to read it, how to group its photos.

    ``split`` is ``"none"`` (one group, 0), ``"cities"`` (each photo's city,
    an index of :func:`~snapassist.ingest.cities.world_cities`) or
    ``"city"`` (only the photos of the city ``city``).
    """

    source: Source
    reading: Reading
    folder: str
    split: str = "none"
    city: int | None = None
    area: Area | None = None
    chunk_lines: int = CHUNK_LINES

    def part_path(self, index):
        return Path(self.folder) / f"part{index:05d}.bin"


@dataclass(frozen=True)
class Part:
    """One part of the text: its number and byte range."""

    index: int
    start: int
    end: int


def problems_to_dict(problems, first_line=1):
    """A :class:`Problems` as JSON-ready counts and examples (rows shifted to the file's lines)."""
    return {"counts": dict(problems.counts),
            "examples": {kind: [int(r) + first_line - 1 for r in rows]
                         for kind, rows in problems.examples.items()}}


def add_problems(problems, recorded):
    """Add counts recorded by :func:`problems_to_dict` to ``problems``."""
    for kind, count in recorded["counts"].items():
        problems.add(kind, recorded["examples"].get(kind, []), n=count)


def read_part(plan, part):
    """Task: parse, clean, preprocess and group the lines of ``part``; write its file.

    Returns
    -------
    dict
        ``lines`` (lines read, blank ones included), ``photos`` (kept),
        ``problems`` (see :func:`problems_to_dict`, rows counted from 1 at
        the part's first line), the part file's ``bytes``, and the task's
        ``seconds`` and ``cpu_seconds``.
    """
    began, cpu = time.perf_counter(), time.process_time()
    problems = Problems()
    frames, n_lines = [], 0
    for number, lines in iter_part_lines(plan.source, part.start, part.end, plan.chunk_lines):
        n_lines = number + len(lines) - 1
        cleaned = parse_lines(lines, number, plan.reading, problems)
        frame = _process(cleaned, plan, problems)
        if len(frame):
            frames.append(frame)
    data = pd.concat(frames, ignore_index=True) if frames else None
    if data is not None:
        data = data.sort_values("_group", kind="stable", ignore_index=True)
    _write_part(plan.part_path(part.index), data)
    return {"lines": n_lines, "photos": 0 if data is None else len(data),
            "problems": problems_to_dict(problems),
            "bytes": plan.part_path(part.index).stat().st_size,
            "seconds": time.perf_counter() - began, "cpu_seconds": time.process_time() - cpu}


def _process(cleaned, plan, problems):
    """Cleaned rows -> processed rows with their ``_group``; the others counted."""
    rows = cleaned["_row"].to_numpy()
    # Repeated ids within the chunk (the writer drops those of other chunks).
    repeated = cleaned["id"].duplicated(keep="first").to_numpy()
    problems.add("duplicate_id", rows[repeated])
    cleaned = cleaned[~repeated]
    if plan.area is not None:
        inside = plan.area.contains(cleaned["latitude"].astype(float),
                                    cleaned["longitude"].astype(float))
        problems.add("outside_area", cleaned["_row"].to_numpy()[~inside])
        cleaned = cleaned[inside]
    cleaned = cleaned.copy()
    cleaned["datetaken"] = _dates(cleaned["datetaken"])
    frame, _ = preprocess_table(cleaned, PROCESSED_MASTER, _WHOLE_EARTH, plan.source.path,
                                timezone=None)
    if plan.split == "none":
        frame["_group"] = np.zeros(len(frame), dtype=np.int32)
        return frame
    city = world_cities().assign(frame["latitude"].to_numpy(), frame["longitude"].to_numpy())
    if plan.split == "city":
        keep = city == plan.city
        problems.add("outside_city", frame["_row"].to_numpy()[~keep])
    else:
        keep = city >= 0
        problems.add("outside_cities", frame["_row"].to_numpy()[~keep])
    frame = frame[keep].reset_index(drop=True)
    frame["_group"] = city[keep]
    return frame


def _dates(text):
    """Dates taken as datetimes: the dataset's one format at C speed, any other as before."""
    text = text.astype(object)
    fast = pd.to_datetime(text.where(text != ""), format=_TIME_FORMAT, errors="coerce")
    other = fast.isna() & (text != "")
    if other.any():
        # What the fixed format cannot read goes through the import's own
        # parser (a date alone, another layout): kept as text for it.
        out = fast.astype(object)
        out[other] = text[other]
        return out
    return fast


def _write_part(path, data):
    """The part's file: each group's pickled rows, their index, and where the index starts."""
    def write(tmp):
        groups, offsets, lengths, counts = [], [], [], []
        with open(tmp, "wb") as out:
            if data is not None and len(data):
                values = data["_group"].to_numpy()
                starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
                stops = np.r_[starts[1:], len(values)]
                rows = data.drop(columns="_group")
                for start, stop in zip(starts, stops):
                    blob = pickle.dumps(rows.iloc[start:stop].reset_index(drop=True),
                                        protocol=pickle.HIGHEST_PROTOCOL)
                    groups.append(int(values[start]))
                    offsets.append(out.tell())
                    lengths.append(len(blob))
                    counts.append(int(stop - start))
                    out.write(blob)
            where = out.tell()
            index = {"group": np.asarray(groups, dtype=np.int64),
                     "offset": np.asarray(offsets, dtype=np.int64),
                     "length": np.asarray(lengths, dtype=np.int64),
                     "count": np.asarray(counts, dtype=np.int64)}
            out.write(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
            out.write(_TRAILER.pack(where))

    write_atomically(path, write)


def read_part_index(path):
    """The group index a part's file ends with: arrays ``group, offset, length, count``."""
    with open(path, "rb") as handle:
        handle.seek(-_TRAILER.size, os.SEEK_END)
        end = handle.tell()
        (where,) = _TRAILER.unpack(handle.read(_TRAILER.size))
        handle.seek(where)
        return pickle.loads(handle.read(end - where))


def read_piece(path, offset, length):
    """One group's rows of a part's file."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        return pickle.loads(handle.read(length))


@dataclass(frozen=True)
class CityJob:
    """One city's (or the one group's) tables to write.

    ``pieces`` are ``(part file, offset, length, first line)`` in file
    order; ``record`` is the city's (see :meth:`City.record`), ``None`` when
    the photos are not split by city; ``min_photos``: fewer photos once
    repeated ids are dropped, and nothing is written; ``photos``: how many
    the parts hold (repeated ids included).
    """

    key: str
    name: str | None
    record: dict | None
    pieces: tuple
    folder: str
    source: dict = field(default_factory=dict)
    min_photos: int = 1
    photos: int = 0


def write_city(plan, job):
    """Task: write ``job``'s tables into ``job.folder`` (renamed into place when complete).

    Returns
    -------
    dict
        ``photos`` written (or found, when ``skipped`` because fewer than
        ``min_photos``), ``problems`` (repeated ids), the ``metadata`` the
        tables record, and the task's ``seconds`` and ``cpu_seconds``.
    """
    began, cpu = time.perf_counter(), time.process_time()
    final = Path(job.folder)
    shutil.rmtree(final, ignore_errors=True)     # a finished copy no run recorded
    work = final.with_name(f".{final.name}.work-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    (work / "tables").mkdir(parents=True)
    problems = Problems()
    try:
        with Staging(work / "staging", problems, None, job.key, preprocessed=True) as staging:
            batch, n = [], 0
            for path, offset, length, first_line in job.pieces:
                piece = read_piece(path, offset, length)
                piece["_row"] += first_line - 1
                batch.append(piece)
                n += len(piece)
                if n >= CITY_CHUNK_ROWS:
                    staging(pd.concat(batch, ignore_index=True))
                    batch, n = [], 0
            if batch:
                staging(pd.concat(batch, ignore_index=True))
            result = {"photos": staging.n_photos, "problems": problems_to_dict(problems)}
            if staging.n_photos < max(1, job.min_photos):
                return {**result, "skipped": True}
            metadata = _metadata(staging, job)
            write_tables(staging, work / "tables", metadata)
        shutil.rmtree(work / "tables" / "search-build", ignore_errors=True)
        write_text_atomic(work / "tables" / "SOURCE.txt", _source_text(job))
        os.replace(work / "tables", final)
        return {**result, "metadata": metadata, "seconds": time.perf_counter() - began,
                "cpu_seconds": time.process_time() - cpu}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _metadata(staging, job):
    """What the tables record of their place, and that they have no view counts."""
    if job.record is None:
        metadata = staging.place(job.name)
    else:
        metadata = {"area": {"bbox": [float(v) for v in staging.bbox]}, **job.record}
    metadata["views"] = False
    metadata["source"] = dict(job.source)
    return metadata


def _source_text(job):
    where = f" ({job.record['city']}, {job.record['country']})" if job.record else ""
    return (f"Imported from {job.source.get('file')}{where}: YFCC100M format "
            f"({job.source.get('layout')}), which has no view counts.\n")
