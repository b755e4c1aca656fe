"""Every city of a YFCC100M file: ``snapassist import --format yfcc100m``.

The file (plain or bzip2; see :mod:`.yfcc` for its layouts) is cut into
parts of :data:`PART_BYTES` of text (:mod:`._source`). Each part is read,
cleaned, preprocessed and split by city by one task (:func:`._partition.read_part`),
and each city's tables are then written by one task
(:func:`._partition.write_city`) with the import's two-pass writer. The tasks
run one after another in this process, or on a Dask cluster
(:mod:`._parallel`); this process only plans them and records what is done:
it never holds the photos.

What is done is recorded in ``OUTFOLDER.parts/manifest.json`` (written
atomically, as the scrapers' checkpoints): a killed or failed import, run
again with the same arguments, redoes only the parts and cities it had not
finished. The parts are cut by bytes, and every step keeps the file's order,
so the tables are the same whatever the number of workers. Nothing appears
in OUTFOLDER but complete tables: each city's folder is renamed into it
when written, and the parts folder is removed at the end.
"""
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import config
from ..errors import ValidationError
from ._parallel import DaskRunner, LocalRunner
from ._safety import check_space, estimate_space, folder_lock, megabytes, replace_folder, writing
from ._partition import (CityJob, Part, PartPlan, add_problems, read_part, read_part_index,
                         write_city)
from ._source import Source, compression_of, head_lines, open_source, plan_parts
from .cities import world_cities
from ._workdir import ImportParts
from .importer import install_tables
from .readers import Problems
from .yfcc import SNIFF_LINES, Reading, detect_layout

log = logging.getLogger(__name__)

#: Bytes of text per part: about 100,000 lines of the dataset.
PART_BYTES = 32 << 20
#: Photos a city needs to get its tables (``--min-photos``).
MIN_PHOTOS = 2000


@dataclass
class WorldImportResult:
    """What a YFCC100M import did.

    ``cities`` lists ``(slug, name, photos)`` of the tables written (slug
    ``None`` for tables written into OUTFOLDER itself); ``failed`` names
    the parts or cities whose task failed (then nothing was moved into
    OUTFOLDER: run again to redo them); ``small_cities`` counts the cities
    left out for having fewer than ``min_photos``. ``seconds`` times the
    stages (``reading``, ``writing``, ``moving``), ``cpu_seconds`` the
    processor time their tasks took (this run's, all workers together);
    ``city_seconds`` each city's task, by slug.
    """

    layout: object
    folder: Path
    rows_read: int = 0
    rows_kept: int = 0
    problems: Problems = field(default_factory=Problems)
    cities: list = field(default_factory=list)
    small_cities: int = 0
    failed: dict = field(default_factory=dict)
    worker_peak_bytes: dict = field(default_factory=dict)
    parts: int = 0
    parts_reused: int = 0
    seconds: dict = field(default_factory=dict)
    cpu_seconds: dict = field(default_factory=dict)
    city_seconds: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.failed


def import_yfcc(path, out_folder, columns=None, cities=False, city=None, area=None,
                min_photos=MIN_PHOTOS, workers=None, scheduler=None, overwrite=False,
                progress=None, notify=None, part_bytes=PART_BYTES, read_fn=None,
                check_free_space=True):
    """Import a YFCC100M file into tables: one folder, or one sub-folder per city.

    Parameters
    ----------
    columns : dict, optional
        Our column -> the field (name or number from 1) to read it from,
        over the detected layout (see :class:`.yfcc.Reading`).
    cities : bool
        One sub-folder of OUTFOLDER per city with at least ``min_photos``
        photos, named by its slug (see :mod:`.cities`); else the tables go
        into OUTFOLDER itself.
    city : str, optional
        Keep only the photos of this city (see :meth:`WorldCities.find`);
        ``min_photos`` does not apply to it.
    area : snapassist.geo.Area, optional
        Keep only the photos inside it.
    workers, scheduler :
        Run on a new local Dask cluster of ``workers`` processes, or on the
        cluster of ``scheduler``; neither: in this process.
    progress : callable, optional
        ``progress(stage, done, total)``: ``"reading"`` in bytes of text
        (``total`` None when unknown), ``"writing"`` in photos.
    notify : callable, optional
        Called with a sentence for the user (the layout found, the city chosen).
    part_bytes : int
        Bytes of text per part (the tables do not depend on it).
    read_fn : callable, optional
        Used instead of :func:`._partition.read_part` (tests make parts fail).
    check_free_space : bool
        Refuse to start when the disk has clearly less free than the
        estimate (:func:`._safety.estimate_space`).

    Raises
    ------
    ValidationError
        Bad input or options (raised before any part is read), an
        OUTFOLDER that holds tables (without ``overwrite``), another import
        at work on the same OUTFOLDER, or no photo (no city with
        ``min_photos``) to write: the parts read are then kept for a rerun.
    ConfigError
        An unreachable Dask scheduler.
    FolderBusyError
        Another import holds OUTFOLDER (see :func:`._safety.folder_lock`).
    DiskFullError
        Too little free space at the start, or the disk filled up (the parts
        done are kept for a rerun; OUTFOLDER's tables are as they were).
    """
    notify = notify or (lambda message: log.info("%s", message))
    out_folder = Path(out_folder).expanduser()
    _check_numbers(min_photos, workers, part_bytes)
    kind = compression_of(path)
    layout = detect_layout(head_lines(Source(str(path), kind, None), SNIFF_LINES),
                           name=f"INPUT {str(path)!r}")
    notify(f"layout {layout.name}: {layout.description}")
    reading = Reading.of(layout, columns)
    split, chosen = ("cities" if cities else "none"), None
    if city is not None:
        chosen, others = world_cities().find(city)
        split = "city"
        also = f" (also named so: {', '.join(c.slug for c in others[:5])})" if others else ""
        notify(f"city {chosen.describe()} ({chosen.slug}), photos within "
               f"{chosen.radius_km:.1f} km{also}")
    elif cities:
        world_cities()          # fail early if the GeoNames data cannot be read
    stat = Path(path).stat()
    signature = {"input": str(Path(path).resolve()), "size": stat.st_size,
                 "mtime_ns": stat.st_mtime_ns, "layout": layout.name,
                 "positions": reading.positions, "split": split,
                 "city": chosen.geonameid if chosen else None,
                 "area": area.to_dict() if area is not None else None,
                 "part_bytes": part_bytes, "version": 1}
    folder = ImportParts(out_folder, signature)
    _check_out_folder(out_folder, cities, overwrite, folder.moved())
    needed, _ = estimate_space(path)
    notify(f"this import needs at most about {megabytes(needed):,} MB of free space beside "
           f"OUTFOLDER while it runs (less when few photos are kept)")
    if check_free_space:
        check_space(out_folder.parent, needed)
    with folder_lock(out_folder), writing(f"the work files in {folder.dir.name}", needed):
        _check_out_folder(out_folder, cities, overwrite, folder.moved())
        folder.open(notify)
        try:
            if kind == "bz2" and folder.index() is None:
                notify("indexing the bzip2 blocks (one pass over the file)")
            source = open_source(path, folder.index(), threads=os.cpu_count() or 1)
            folder.save_index(source.index)
            plan = PartPlan(source, reading, str(folder.dir), split,
                            world_cities().cities.index(chosen) if chosen else None, area)
            result = WorldImportResult(layout, out_folder)
            runner = (LocalRunner() if workers is None and scheduler is None
                      else DaskRunner(workers, scheduler, config.PRECOMPUTE_CONNECT_TIMEOUT_S))
            clock = time.perf_counter()
            with runner:
                parts = _read_parts(runner, plan, folder, read_fn or read_part, progress, result)
                result.seconds["reading"] = time.perf_counter() - clock
                if result.failed:
                    return result
                clock = time.perf_counter()
                jobs = _city_jobs(plan, folder, parts, chosen,
                                  min_photos if split == "cities" else 1, path, layout, result)
                _write_cities(runner, plan, folder, jobs, progress, result)
                result.seconds["writing"] = time.perf_counter() - clock
                result.worker_peak_bytes = runner.peak_memory()
            if result.failed:
                return result
            clock = time.perf_counter()
            # Under the lock, just before the move: tables that appeared meanwhile
            # (copied in by hand) are not replaced unasked.
            _check_out_folder(out_folder, cities, overwrite, folder.moved())
            _move(folder, jobs, out_folder, cities)
            folder.remove()
            result.seconds["moving"] = time.perf_counter() - clock
            return result
        finally:
            folder.unlock()


def _check_numbers(min_photos, workers, part_bytes):
    for name, value, least in (("min_photos", min_photos, 1), ("part_bytes", part_bytes, 1),
                               ("workers", workers, 1)):
        if value is None and name == "workers":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValidationError(f"{name} must be a whole number >= {least}, got {value!r}")


def _check_out_folder(out_folder, by_city, overwrite, moved):
    """Refuse an OUTFOLDER that is a file, or holds tables this import would replace."""
    if out_folder.exists() and not out_folder.is_dir():
        raise ValidationError(f"OUTFOLDER {str(out_folder)!r} exists and is not a folder")
    if not out_folder.is_dir():
        return
    if config.has_tables(out_folder):
        if by_city:
            raise ValidationError(f"OUTFOLDER {str(out_folder)!r} holds tables of its own; a "
                                  "folder of cities cannot (choose another folder)")
        if not overwrite:
            raise ValidationError(f"OUTFOLDER {str(out_folder)!r} already holds tables; pass "
                                  "--overwrite to replace them or choose another folder")
    if by_city and not overwrite:
        held = [p.name for p in sorted(out_folder.iterdir())
                if p.is_dir() and config.has_tables(p) and p.name not in moved]
        if held:
            raise ValidationError(
                f"OUTFOLDER {str(out_folder)!r} already holds the tables of {len(held)} "
                f"cities ({', '.join(held[:3])}{'...' if len(held) > 3 else ''}); pass "
                "--overwrite to replace those this import writes, or choose another folder")


def _part_name(part):
    return f"part{part.index:05d}"


def _read_parts(runner, plan, folder, read_fn, progress, result):
    """Run the parts not yet done; record each as it ends."""
    parts = [Part(i, start, end) for i, (start, end) in
             enumerate(plan_parts(plan.source, folder.signature["part_bytes"]))]
    todo = [p for p in parts if not (_part_name(p) in folder.done
                                     and plan.part_path(p.index).is_file())]
    result.parts, result.parts_reused = len(parts), len(parts) - len(todo)
    size = plan.source.size
    done_bytes = sum(max(0, p.end - p.start) for p in parts if p not in todo)
    if progress:
        progress("reading", done_bytes, size)
    log.info("%d parts of %s: %d to read", len(parts), plan.source.path, len(todo))

    def finished(part, info):
        nonlocal done_bytes
        folder.record(_part_name(part), {**info, "start": part.start, "end": part.end})
        result.cpu_seconds["reading"] = result.cpu_seconds.get("reading", 0.0) + \
            info.get("cpu_seconds", 0.0)
        done_bytes += max(0, part.end - part.start)
        if progress:
            progress("reading", done_bytes if size is not None else info["lines"], size)

    result.failed.update(runner.run(read_fn, plan, todo, finished, name=_part_name))
    return parts


def _city_jobs(plan, folder, parts, chosen, min_photos, path, layout, result):
    """The tables to write: every group with enough photos, from every part's index."""
    infos = [folder.done[_part_name(p)] for p in parts]
    first_lines = np.cumsum([0] + [info["lines"] for info in infos[:-1]]) + 1
    totals = defaultdict(int)
    for part in parts:
        index = read_part_index(plan.part_path(part.index))
        for group, count in zip(index["group"].tolist(), index["count"].tolist()):
            totals[group] += count
    for part, info, first in zip(parts, infos, first_lines):
        add_problems(result.problems, _shifted(info["problems"], first))
        result.rows_read += info["lines"]
    chosen_groups = {g for g, n in totals.items() if n >= min_photos}
    small = {g: n for g, n in totals.items() if g not in chosen_groups}
    result.small_cities = len(small)
    result.problems.add("in_small_city", n=sum(small.values()))
    if not chosen_groups:
        raise ValidationError(_nothing_to_write(plan, chosen, totals, min_photos, path))
    pieces = defaultdict(list)
    for part, first in zip(parts, first_lines):
        index = read_part_index(plan.part_path(part.index))
        for group, offset, length in zip(index["group"].tolist(), index["offset"].tolist(),
                                         index["length"].tolist()):
            if group in chosen_groups:
                pieces[group].append((str(plan.part_path(part.index)), offset, length,
                                      int(first)))
    source = {"format": "yfcc100m", "file": Path(path).name, "layout": layout.name}
    jobs = []
    for group in sorted(chosen_groups, key=lambda g: (-totals[g], g)):
        if plan.split == "none":
            key, name, record = "_all", None, None
        else:
            town = world_cities()[group]
            key, name, record = town.slug, town.name, town.record()
        jobs.append(CityJob(key, name, record, tuple(pieces[group]),
                            str(folder.dir / "cities" / key), source, min_photos,
                            totals[group]))
    return jobs


def _shifted(recorded, first_line):
    return {"counts": recorded["counts"],
            "examples": {k: [r + int(first_line) - 1 for r in rows]
                         for k, rows in recorded["examples"].items()}}


def _nothing_to_write(plan, chosen, totals, min_photos, path):
    if plan.split == "city":
        return (f"no photo of INPUT {str(path)!r} lies within {chosen.radius_km:.1f} km of "
                f"{chosen.describe()}")
    if plan.split == "none":
        return f"no photo of INPUT {str(path)!r} has a usable position" + (
            " inside the area" if plan.area is not None else "")
    if not totals:
        return f"no photo of INPUT {str(path)!r} lies in a city"
    group, most = max(totals.items(), key=lambda item: (item[1], -item[0]))
    return (f"no city of INPUT {str(path)!r} has --min-photos {min_photos:,} photos (the "
            f"most: {world_cities()[group].describe()}, {most:,}); lower --min-photos")


def _write_cities(runner, plan, folder, jobs, progress, result):
    """Write the tables of every job not yet done; record each as it ends."""
    total = sum(job.photos for job in jobs)
    todo = [job for job in jobs if not (f"city:{job.key}" in folder.done
                                        and (Path(job.folder).is_dir()
                                             or f"moved:{job.key}" in folder.done))]
    written = 0

    def finished(job, info):
        nonlocal written
        folder.record(f"city:{job.key}", info)
        result.cpu_seconds["writing"] = result.cpu_seconds.get("writing", 0.0) + \
            info.get("cpu_seconds", 0.0)
        written += info["photos"]
        if progress:
            progress("writing", written, total)

    result.failed.update(runner.run(write_city, plan, todo, finished, name=lambda j: j.key))
    for job in jobs:
        info = folder.done.get(f"city:{job.key}")
        if info is None:
            continue
        add_problems(result.problems, info["problems"])
        if info.get("skipped"):
            result.small_cities += 1
            result.problems.add("in_small_city", n=info["photos"])
        else:
            result.rows_kept += info["photos"]
            result.city_seconds[job.key] = info.get("seconds")
            result.cities.append((None if plan.split == "none" else job.key, job.name,
                                  info["photos"]))


def _move(folder, jobs, out_folder, by_city):
    """Rename the written tables into OUTFOLDER: into it, or one sub-folder per city."""
    out_folder.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        info = folder.done.get(f"city:{job.key}", {})
        if info.get("skipped") or f"moved:{job.key}" in folder.done:
            continue
        if not by_city:
            install_tables(Path(job.folder), out_folder)
            continue
        # Each city's folder takes the old one's place in one step.
        replace_folder(job.folder, out_folder / job.key)
        folder.record(f"moved:{job.key}", True)
