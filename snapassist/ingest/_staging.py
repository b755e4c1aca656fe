"""The import's two passes over the photos, each holding one chunk in memory.

Pass 1 (:class:`Staging`) turns each cleaned chunk into processed rows (the
same preprocessing as scraped tables, repeated ids and photos outside the
area left out) and keeps them in work files, one a chunk, while it learns what only the
whole file tells: where the photos are (hence the city's time zone) and how
wide each text column gets. Pass 2 (:func:`write_tables`) reads the chunks
back, adds each photo's light in the city's zone, and appends them to the
processed master table (HDF5 table format, each text column as wide as its
longest value) and to the search file being built
(:class:`snapassist.search._build.SearchFileBuilder`).

The work files are pickles written with Python's own file objects, which
raise on every failed write and on a failed flush at close, and each is
checked to hold every byte written: a chunk that cannot be written whole
stops the import (:class:`~snapassist.errors.WriteError`). An HDF5 work
file did not: with the disk full, HDF5 could leave a chunk's node broken
without an error, found only when read back (``TypeError: 'NoneType'
object is not subscriptable``); it also took about 18 MB per chunk
whatever the chunk's size.
"""
import contextlib
import errno
import json
import os
import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, geo
from ..search import SEARCH_FILE, example_subjects, join_exif, searched_columns
from ..search._build import SearchFileBuilder
from ..search._store import fingerprint_files
from ..io import FULL_ERRNOS
from ..errors import DiskFullError, ValidationError, WriteError
from ..geo import Area
from ..schema import PROCESSED_MASTER, is_text_dtype
from .preprocess import add_light, preprocess_table, timezone_at

_WHOLE_EARTH = Area.box(-180.0, -90.0, 180.0, 90.0)
#: Size of the cells whose busiest one places the city (for its time zone), in degrees.
CELL_DEG = 0.1
#: Bytes of fixed-width rows appended to the master table at a time.
APPEND_BYTES = 32 << 20
#: The master table's compression: its text columns are padded to their widest value.
COMPRESSION = {"complib": "blosc:lz4", "complevel": 5}


class _ChunkFinisher:
    """Cleaned chunk -> processed chunk: repeated ids and photos outside the area left out.

    An id is recognised as seen in an earlier chunk by its 64-bit hash (8
    bytes a photo, kept sorted): two different ids share one with odds of
    about n**2 / 3.7e19, one in three million for ten million photos.
    """

    def __init__(self, problems, area, name, preprocessed=False):
        self.problems, self.area, self.name = problems, area, name
        self.preprocessed = preprocessed
        self.seen = np.empty(0, dtype=np.uint64)

    def __call__(self, frame):
        hashes = pd.util.hash_array(frame["id"].to_numpy(dtype=object))
        repeated = pd.Series(hashes).duplicated(keep="first").to_numpy()
        where = np.searchsorted(self.seen, hashes)
        where[where == len(self.seen)] = 0
        if len(self.seen):
            repeated = repeated | (self.seen[where] == hashes)
        self.problems.add("duplicate_id", frame["_row"].to_numpy()[repeated])
        frame = frame[~repeated]
        self.seen = np.union1d(self.seen, hashes[~repeated])
        if self.area is not None:
            inside = self.area.contains(frame["latitude"].astype(float),
                                        frame["longitude"].astype(float))
            self.problems.add("outside_area", frame.loc[~inside, "_row"])
            frame = frame[inside]
        if self.preprocessed:
            return frame.drop(columns="_row")
        # The light waits for the city's time zone, known once every chunk is read.
        processed, _ = preprocess_table(frame.drop(columns="_row"), PROCESSED_MASTER,
                                        _WHOLE_EARTH, self.name, timezone=None)
        return processed


class Staging:
    """Pass 1: processed chunks in the work folder ``path``, and what they tell of the place.

    Call it with each cleaned chunk, in file order; use it as a context
    manager (the chunks' files are removed on exit). With ``preprocessed``, the
    chunks are processed rows already (the parallel import's partitions, see
    :mod:`snapassist.ingest.world`): only repeated ids and the area are
    handled here.
    """

    def __init__(self, path, problems, area, name, preprocessed=False):
        self.finish = _ChunkFinisher(problems, area, name, preprocessed)
        self.keys = []
        self.n_photos = 0
        self.widths = {}
        self.bbox = [np.inf, np.inf, -np.inf, -np.inf]
        self.cells = Counter()
        self.folder = Path(path)
        self.folder.mkdir(parents=True, exist_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for key in self.keys:
            (self.folder / key).unlink(missing_ok=True)

    def __call__(self, cleaned):
        frame = self.finish(cleaned)
        if not len(frame):
            return
        key = f"chunk{len(self.keys):06d}.pickle"
        write_work_file(self.folder / key, frame)
        self.keys.append(key)
        self.n_photos += len(frame)
        for name in frame.columns:
            if is_text_dtype(frame[name].dtype):
                values = frame[name].dropna().to_numpy(dtype=object)
                width = max(map(_utf8_length, values), default=0)
                self.widths[name] = max(self.widths.get(name, 0), width)
        lat = frame["latitude"].to_numpy(dtype=float)
        lon = frame["longitude"].to_numpy(dtype=float)
        self.bbox = [min(self.bbox[0], lon.min()), min(self.bbox[1], lat.min()),
                     max(self.bbox[2], lon.max()), max(self.bbox[3], lat.max())]
        cells, counts = np.unique(np.stack((np.floor(lat / CELL_DEG), np.floor(lon / CELL_DEG)),
                                           axis=1), axis=0, return_counts=True)
        self.cells.update({(int(a), int(b)): int(n) for (a, b), n in zip(cells, counts)})

    def chunks(self):
        """The processed chunks, in file order."""
        for key in self.keys:
            with open(self.folder / key, "rb") as handle:
                yield pickle.load(handle)

    def place(self, city=None):
        """``{"city", "area", "timezone"}``: the box holding the photos; the zone of the busiest cell.

        Raises
        ------
        ValidationError
            If no photo was kept.
        """
        if not self.n_photos:
            raise ValidationError("no photo of the input has a usable position")
        (lat, lon), _ = max(self.cells.items(), key=lambda item: (item[1], item[0]))
        zone = timezone_at((lat + 0.5) * CELL_DEG, (lon + 0.5) * CELL_DEG)
        return {"city": city or None, "area": {"bbox": [float(v) for v in self.bbox]},
                "timezone": zone}


def write_work_file(path, frame):
    """Pickle ``frame`` to ``path`` and check that the file holds every byte written.

    Raises
    ------
    DiskFullError
        The disk, the quota or the file size limit ran out.
    WriteError
        Any other failed write (the message names ``path``).
    """
    try:
        with open(path, "wb") as out:
            pickle.dump(frame, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            written, size = out.tell(), os.fstat(out.fileno()).st_size
        if size != written:
            # A file system that accepted the write but kept less of it.
            raise OSError(errno.EIO, f"{size:,} of {written:,} bytes written")
    except OSError as exc:
        Path(path).unlink(missing_ok=True)
        kind = DiskFullError if exc.errno in FULL_ERRNOS else WriteError
        raise kind(f"{exc.strerror or exc} while writing the work file {str(path)!r}",
                   path=str(path)) from exc


def _utf8_length(text):
    return len(text.encode("utf-8"))


def write_tables(staging, folder, metadata, progress=None):
    """Pass 2: the processed master table and its search file in ``folder``.

    ``metadata`` (the place, see :meth:`Staging.place`) is recorded with the
    table, with the commonest tags as ``examples``. ``progress`` is called
    with the number of photos written so far.
    """
    zone = metadata["timezone"]
    # NaN is written as the text "nan": a column must hold at least that.
    widths = {name: max(width, 3) for name, width in staging.widths.items()}
    if zone:
        widths["light"] = max(map(len, geo.LIGHTS))
    # Rows per append: fixed-width rows are built for each append.
    step = max(1, APPEND_BYTES // max(1, sum(widths.values())))
    master = folder / config.MASTER_TABLE_PROCESSED
    builder, done = None, 0
    try:
        with pd.HDFStore(master, mode="w", **COMPRESSION) as out:
            for chunk in staging.chunks():
                if zone:
                    # Local times taken are read in the city's zone.
                    add_light(chunk, zone)
                chunk.index = pd.RangeIndex(done, done + len(chunk))
                for start in range(0, len(chunk), step):
                    out.append(config.HDF_KEY, chunk.iloc[start:start + step], format="table",
                               min_itemsize=widths, index=False)
                searched = join_exif(chunk.reset_index(drop=True))
                if builder is None:
                    columns = list(searched.columns)
                    work = folder / "search-build"
                    work.mkdir()
                    builder = SearchFileBuilder(work, searched_columns(columns))
                builder.add(searched)
                done += len(chunk)
                if progress:
                    progress(done)
            tags, counts, machine = builder.tag_counts()
            cities = [metadata["city"]] if metadata["city"] else []
            metadata["examples"] = example_subjects(tags, counts, machine, config.N_EXAMPLES,
                                                    cities)
            out.get_storer(config.HDF_KEY).attrs.snapassist = json.dumps(metadata)
    except BaseException:
        # The builder's work files are open: close them (a full disk may
        # refuse their last bytes too) before the error goes up.
        if builder is not None:
            with contextlib.suppress(OSError):
                builder.remove()
        raise
    meta = {"fingerprint": fingerprint_files([master, None]), "has_exif": False,
            "columns": columns}
    builder.write(folder / SEARCH_FILE, meta)
    return metadata
