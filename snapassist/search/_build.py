"""Build the stored search file chunk by chunk, in memory that does not grow with the photos.

The photos arrive in table order, a chunk at a time (:meth:`SearchFileBuilder.add`).
Each searched column and the tag index's row lists go to temporary files in
a work folder; :meth:`SearchFileBuilder.write` then copies them into the
search file (``search/_store.py``) piece by piece. What stays in
memory is one chunk, the distinct tags with their counts, and, for text
columns whose values repeat (owners, cameras), their distinct values up to
``DISTINCT_CAP``; a text column with more distinct values is stored value by
value instead.

A table added as one chunk gives the same file as the same table added in
many: the layouts are chosen by ``PackedText``'s
rules over the whole column, and the tag codes follow the first appearance of
each tag in table order either way.
"""
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import is_text_dtype
from ._store import PackedText, StreamedArray, pack_strings, write_store
from ..geo import light_codes
from ._tagindex import TagIndex, row_dtype

log = logging.getLogger(__name__)

#: Distinct values a text column may keep as codes before it is stored value by value.
DISTINCT_CAP = 1_000_000
#: Below this many distinct values a column keeps its codes to the end, whatever the share.
_DISTINCT_FLOOR = 1 << 16
#: Values read back from a work file at a time.
PIECE = 1 << 20
#: Bytes of a fixed-width text column assembled at a time.
FIXED_PIECE_BYTES = 1 << 23
#: Row positions of the tag index assembled at a time (4 bytes each).
INDEX_WINDOW = 1 << 24


class _Spool:
    """An append-only work file of one dtype's values, read back in pieces."""

    def __init__(self, path, dtype):
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.length = 0
        self._handle = open(self.path, "wb")

    def append(self, values):
        values = np.ascontiguousarray(values, dtype=self.dtype).reshape(-1)
        self._handle.write(memoryview(values.view(np.uint8)))
        self.length += len(values)

    def close(self):
        if not self._handle.closed:
            self._handle.close()

    def read(self, counts):
        """Consecutive arrays of ``counts[0]``, ``counts[1]``... values from the start."""
        self.close()
        with open(self.path, "rb") as handle:
            for count in counts:
                yield np.fromfile(handle, dtype=self.dtype, count=int(count))

    def pieces(self, size=PIECE):
        """The whole file, ``size`` values at a time."""
        full, rest = divmod(self.length, size)
        return self.read([size] * full + ([rest] if rest else []))

    def streamed(self):
        return StreamedArray(self.dtype, self.length, self.pieces)

    def remove(self):
        self.close()
        self.path.unlink(missing_ok=True)


class _ArraySink:
    """A numeric or datetime column, or the light as ``int8`` codes."""

    def __init__(self, stem, kind, dtype):
        self.kind = kind
        self.spool = _Spool(f"{stem}.bin", dtype)

    def append(self, column):
        values = light_codes(column.to_numpy(dtype=object)) if self.kind == "light" \
            else column.to_numpy()
        if values.dtype != self.spool.dtype:
            raise ValueError(f"its type changed from {self.spool.dtype} to {values.dtype}")
        self.spool.append(values)

    def arrays(self, name):
        return {f"col:{name}": self.spool.streamed()}

    def remove(self):
        self.spool.remove()


class _TextSink:
    """A text column: its UTF-8 bytes and lengths, and codes while its values repeat."""

    kind = "text"

    def __init__(self, stem):
        self.bytes = _Spool(f"{stem}.bytes", np.uint8)
        self.lengths = _Spool(f"{stem}.lengths", np.int64)     # -1: missing
        self.codes = _Spool(f"{stem}.codes", np.int32)
        self.distinct = {}      # value -> code; None once there are too many
        self.n = self.n_missing = self.n_bytes = self.width = 0
        self.ascii = True

    def append(self, column):
        values = column.to_numpy(dtype=object)
        missing = pd.isna(values)
        encoded = [value.encode("utf-8") for value in values[~missing]]
        joined = b"".join(encoded)
        if b"\0" in joined:
            raise ValueError("a text value holds a NUL character, which cannot be stored")
        data = np.frombuffer(joined, dtype=np.uint8)
        lengths = np.full(len(values), -1, dtype=np.int64)
        lengths[~missing] = [len(item) for item in encoded]
        self.bytes.append(data)
        self.lengths.append(lengths)
        self.n += len(values)
        self.n_bytes += len(data)
        self.width = max(self.width, int(lengths.max(initial=0)))
        self.n_missing += int(missing.sum())
        self.ascii &= not bool((data >= 128).any())
        if self.distinct is not None:
            self._add_codes(values)

    def _add_codes(self, values):
        codes, uniques = pd.factorize(values)
        if self._too_many(len(uniques)):
            self._drop_codes()
            return
        known = self.distinct
        mapped = np.array([known.setdefault(value, len(known)) for value in uniques],
                          dtype=np.int32)
        self.codes.append(np.where(codes >= 0, mapped[np.maximum(codes, 0)], -1)
                          if len(mapped) else codes)
        if self._too_many(len(known)):
            self._drop_codes()

    def _too_many(self, n_distinct):
        """Whether codes no longer pay (or no longer fit) for ``n_distinct`` values."""
        return n_distinct > DISTINCT_CAP or n_distinct > max(_DISTINCT_FLOOR, self.n // 2)

    def _drop_codes(self):
        self.distinct = None
        self.codes.remove()

    def arrays(self, name):
        """The stored arrays, in the layout :meth:`PackedText.from_series` would choose."""
        prefix = f"col:{name}:"
        if self.distinct is not None and (self.n_missing or len(self.distinct) <= self.n // 2):
            buffer, offsets = pack_strings(list(self.distinct))
            return {prefix + "buffer": buffer, prefix + "offsets": offsets,
                    prefix + "codes": self.codes.streamed()}
        offsets = StreamedArray(np.int64, self.n - self.n_missing + 1, self._offsets)
        arrays = {prefix + "buffer": self.bytes.streamed(), prefix + "offsets": offsets}
        if self.n_missing:
            # Every value its own entry, missing ones coded -1.
            arrays[prefix + "codes"] = StreamedArray(np.int32, self.n, self._running_codes)
        elif self.width and self.width * self.n <= 1.5 * self.n_bytes and self.ascii:
            arrays = {prefix + "fixed": StreamedArray(f"S{self.width}", self.n, self._fixed)}
        return arrays

    def _offsets(self):
        end = 0
        yield np.zeros(1, dtype=np.int64)
        for lengths in self.lengths.pieces():
            present = lengths[lengths >= 0]
            yield end + np.cumsum(present)
            end += int(present.sum())

    def _running_codes(self):
        seen = 0
        for lengths in self.lengths.pieces():
            present = lengths >= 0
            yield np.where(present, seen + np.cumsum(present) - 1, -1)
            seen += int(present.sum())

    def _fixed(self):
        # Pieces of about FIXED_PIECE_BYTES, filled one byte position at a
        # time: temporary arrays of one piece's rows, not of its bytes.
        size = max(1, FIXED_PIECE_BYTES // self.width)
        sums = [int(piece.sum()) for piece in self.lengths.pieces(size)]
        for lengths, data in zip(self.lengths.pieces(size), self.bytes.read(sums)):
            out = np.zeros((len(lengths), self.width), dtype=np.uint8)
            starts = np.cumsum(lengths) - lengths
            for position in range(self.width):
                longer = lengths > position
                out[longer, position] = data[starts[longer] + position]
            yield out.view(f"S{self.width}").reshape(-1)

    def remove(self):
        for spool in (self.bytes, self.lengths, self.codes):
            spool.remove()


class _IndexSink:
    """The tag index of the rows added so far: distinct tags in memory, row lists on disk.

    Each chunk's own index (:class:`TagIndex`) gives its rows grouped by
    tag; they are spooled as they are, with where each group goes in the
    whole index (its tag's code and how many rows of that tag came before).
    """

    def __init__(self, work):
        self.code = {}
        self.machine = np.zeros(0, dtype=bool)
        self.counts = np.zeros(0, dtype=np.int64)
        self.rows = _Spool(work / "index-rows.bin", np.int64)
        self.groups = _Spool(work / "index-groups.bin", np.int64)   # code, count, before
        self.chunks = []        # (groups, rows) of each chunk
        self.n_rows = 0

    def append(self, tags, index=None):
        local = (index or TagIndex(tags)).to_arrays()
        counts = np.diff(local["offsets"])
        known = self.code
        codes = np.array([known.setdefault(tag, len(known)) for tag in local["tags"]],
                         dtype=np.int64)
        if len(known) > len(self.counts):
            grow = len(known) - len(self.counts)
            self.counts = np.concatenate((self.counts, np.zeros(grow, dtype=np.int64)))
            self.machine = np.concatenate((self.machine, np.zeros(grow, dtype=bool)))
        before = self.counts[codes]
        self.counts[codes] += counts
        self.machine[codes] |= np.asarray(local["machine"], dtype=bool)
        self.rows.append(np.asarray(local["rows"], dtype=np.int64) + self.n_rows)
        self.groups.append(np.column_stack((codes, counts, before)))
        self.chunks.append((len(codes), int(counts.sum())))
        self.n_rows += int(local["n_rows"])

    def offsets(self):
        return np.concatenate(([0], np.cumsum(self.counts))).astype(np.int64)

    def _row_pieces(self, window=INDEX_WINDOW):
        """The whole index's row positions, grouped by tag, ``window`` at a time."""
        offsets = self.offsets()
        total = int(offsets[-1])
        for low in range(0, total, window):
            high = min(low + window, total)
            out = np.empty(high - low, dtype=row_dtype(self.n_rows))
            groups = self.groups.read([3 * n for n, _ in self.chunks])
            for group, rows in zip(groups, self.rows.read([r for _, r in self.chunks])):
                code, count, before = group.reshape(-1, 3).T
                starts = np.cumsum(count) - count
                where = np.repeat(offsets[code] + before - starts, count) + np.arange(len(rows))
                inside = (where >= low) & (where < high)
                out[where[inside] - low] = rows[inside]
            yield out

    def arrays(self):
        tags = pd.Series(list(self.code), dtype=object)
        arrays = {"index:offsets": self.offsets(),
                  "index:rows": StreamedArray(row_dtype(self.n_rows), int(self.counts.sum()),
                                              self._row_pieces),
                  "index:machine": self.machine}
        arrays.update(PackedText.from_series(tags).to_arrays("index:tags:"))
        return arrays

    def remove(self):
        self.rows.remove()
        self.groups.remove()


class SearchFileBuilder:
    """The search file of a table given in chunks (see the module's text).

    Parameters
    ----------
    work_folder : path
        An existing folder for the work files (beside the tables: it holds
        about as much as the search file will).
    columns : sequence of str
        The columns to store, in order; each chunk must hold them (a column
        that cannot be stored, e.g. text holding NUL, is left out with a
        warning: searches that read it read the table itself).
    """

    def __init__(self, work_folder, columns):
        self.work = Path(work_folder)
        self.names = list(columns)
        self.sinks = {}
        self.index = _IndexSink(self.work)

    def add(self, frame, index=None):
        """Add the next rows (a DataFrame holding the columns and ``tags``).

        ``index``: the rows' :class:`TagIndex`, when the caller has it.
        """
        for name in self.names:
            column = frame[name]
            if name not in self.sinks:
                kind = "light" if name == "light" else (
                    "text" if is_text_dtype(column.dtype) else "array")
                stem = self.work / f"column-{len(self.sinks)}"
                self.sinks[name] = _TextSink(stem) if kind == "text" else _ArraySink(
                    stem, kind, np.int8 if kind == "light" else column.dtype)
            sink = self.sinks[name]
            if sink is None:
                continue
            try:
                sink.append(column)
            except ValueError as exc:
                log.warning("column %r is not stored for searching (%s): searches "
                            "that read it will read the whole table", name, exc)
                sink.remove()
                self.sinks[name] = None
        self.index.append(frame["tags"], index)

    @property
    def n_rows(self):
        return self.index.n_rows

    def tag_counts(self):
        """``(tags, counts, machine)`` of the rows added so far (see :func:`example_subjects`)."""
        return np.array(list(self.index.code), dtype=object), self.index.counts, \
            self.index.machine

    def write(self, path, meta):
        """Write the search file to ``path``; ``meta`` adds to its header.

        ``meta`` must hold the tables' ``fingerprint``, ``has_exif`` and the
        table's ``columns``; the rows and stored columns are added here.
        """
        arrays = self.index.arrays()
        stored = {}
        for name, sink in self.sinks.items():
            if sink is not None:
                stored[name] = sink.kind
                arrays.update(sink.arrays(name))
        try:
            return write_store(path, arrays, {**meta, "n_rows": self.n_rows, "stored": stored})
        finally:
            self.remove()

    def remove(self):
        """Delete the work files."""
        self.index.remove()
        for sink in self.sinks.values():
            if sink is not None:
                sink.remove()
