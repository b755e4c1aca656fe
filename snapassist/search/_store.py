"""The search file stored beside the tables: tag index and compact columns.

``master_table_processed.search`` holds what a search reads, in a form that
loads in a moment and is shared between processes: the tag index and the
columns a search copies, as plain arrays (text as UTF-8 bytes with offsets,
or codes into a list of distinct values; each photo's light as one byte) in
one memory-mapped file. Pages
of a mapped file belong to the page cache, so every web worker on a machine
shares one copy even without ``gunicorn --preload``.

Layout: ``MAGIC``, an 8-byte little-endian header length, a JSON header
(format version, the fingerprint of the tables it was built from, each
array's dtype, shape and offset, a SHA-1 of the payload), then the arrays,
each aligned to 64 bytes. A header that does not parse, an array outside
the file, a payload whose hash differs or a fingerprint that is not the
tables' own is reported as :class:`StoreError` naming the file.
"""
import hashlib
import json
import mmap
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import TableError
from ..io import write_atomically
from ..geo import light_codes, light_names

MAGIC = b"SNAPASSIST-SEARCH\n"
#: 2: the light (int8 codes) and the time taken of every photo.
FORMAT_VERSION = 2
_ALIGN = 64
_CHUNK = 1 << 22


class StoreError(TableError):
    """A stored search file is unreadable, corrupt or built from other tables."""


def fingerprint_files(paths):
    """SHA-1 over the bytes of each file (``None`` entries count as absent).

    Reading every byte (about half a second for a 600 MB table) is what makes
    a mismatch certain rather than likely: any edited value changes it.
    """
    digest = hashlib.sha1()
    for path in paths:
        if path is None or not Path(path).is_file():
            digest.update(b"<absent>")
            continue
        digest.update(f"<{Path(path).stat().st_size}>".encode())
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


class PackedText:
    """A text column without Python objects, in one of three layouts.

    - ``fixed``: ASCII values of similar length (ids, image URLs) as one
      fixed-width bytes array: a search gathers its rows in one step;
    - ``codes``: repeated values (owners, titles, cameras) as int32 codes
      (-1 for missing) into the packed distinct values;
    - otherwise every value packed: UTF-8 bytes and offsets.
    """

    def __init__(self, buffer=None, offsets=None, codes=None, fixed=None):
        self._buffer = buffer
        self._offsets = offsets
        self.codes = codes
        self._fixed = fixed
        self._values = None

    @classmethod
    def from_series(cls, series):
        """Pack a text column in the most compact layout that fits it.

        Raises
        ------
        ValueError
            If a value holds a NUL character (never in real tags or titles).
        """
        values = series.to_numpy(dtype=object)
        missing = pd.isna(values)
        codes, uniques = pd.factorize(values)
        if missing.any() or len(uniques) <= len(values) // 2:
            return cls(*pack_strings(list(uniques)), codes=codes.astype(np.int32))
        buffer, offsets = pack_strings(list(values))
        lengths = np.diff(offsets)
        width = int(lengths.max()) if len(lengths) else 0
        # Fixed width when padding costs under half the text, and all ASCII
        # (numpy turns such bytes into str in C, without a Python loop).
        if width and width * len(values) <= 1.5 * len(buffer) and not (buffer >= 128).any():
            return cls(fixed=np.array([v.encode("ascii") for v in values], dtype=f"S{width}"))
        return cls(buffer, offsets)

    def to_arrays(self, prefix):
        """Arrays to store, named ``prefix`` + part."""
        if self._fixed is not None:
            return {prefix + "fixed": self._fixed}
        arrays = {prefix + "buffer": self._buffer, prefix + "offsets": self._offsets}
        if self.codes is not None:
            arrays[prefix + "codes"] = self.codes
        return arrays

    @classmethod
    def from_arrays(cls, arrays, prefix):
        """The inverse of :meth:`to_arrays`."""
        if prefix + "fixed" in arrays:
            return cls(fixed=arrays[prefix + "fixed"])
        return cls(arrays[prefix + "buffer"], arrays[prefix + "offsets"],
                   arrays.get(prefix + "codes"))

    def __len__(self):
        if self._fixed is not None:
            return len(self._fixed)
        return len(self.codes) if self.codes is not None else len(self._offsets) - 1

    def _decode(self, positions):
        """The values at ``positions`` as a list of str.

        Gathers their bytes with a separator (values never hold NUL, see
        :func:`pack_strings`) and decodes once: per value slicing and decoding
        costs microseconds each, tens of milliseconds per search.
        """
        positions = np.asarray(positions, dtype=np.int64)
        if not len(positions):
            return []
        starts = self._offsets[positions]
        lengths = self._offsets[positions + 1] - starts
        # Each value is followed by one separator byte in the output.
        out_starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        total = int(lengths.sum()) + len(positions)
        source = np.arange(total, dtype=np.int64) - np.repeat(out_starts - starts, lengths + 1)
        gathered = self._buffer[np.minimum(source, len(self._buffer) - 1)] if len(
            self._buffer) else np.zeros(total, dtype=np.uint8)
        gathered[out_starts + lengths] = 0
        return gathered.tobytes()[:-1].decode("utf-8").split("\0")

    def take(self, rows):
        """Values at ``rows`` as a pandas ``str`` array (NaN where missing)."""
        rows = np.asarray(rows)
        if self._fixed is not None:
            # bytes.decode per value beats numpy's bytes-to-str casts here.
            return pd.array([v.decode("ascii") for v in self._fixed[rows].tolist()], dtype="str")
        if self.codes is None:
            return pd.array(self._decode(rows), dtype="str")
        if self._values is None:
            # Distinct values are few (owners, cameras): decode them once.
            self._values = np.array(self._decode(range(len(self._offsets) - 1)) + [np.nan],
                                    dtype=object)
        return pd.array(self._values[self.codes[rows]], dtype="str")


class LightColumn:
    """The ``light`` column as ``int8`` codes (:func:`snapassist.spots.light_codes`)."""

    kind = "light"

    def __init__(self, codes):
        self.codes = codes

    @classmethod
    def from_series(cls, series):
        """Codes of a column of light names."""
        return cls(light_codes(series.to_numpy(dtype=object)))

    def take(self, rows):
        """Names at ``rows`` as a pandas ``str`` array (``""`` unknown)."""
        return pd.array(light_names(self.codes[rows]), dtype="str")


#: Columns kept compact by their own kind of storage.
_COMPACT = {"light": LightColumn}


def unpack_column(arrays, name, kind):
    """The stored column ``name``: an array, or an object whose ``take(rows)`` gives values."""
    if kind == "text":
        return PackedText.from_arrays(arrays, f"col:{name}:")
    compact = {c.kind: c for c in _COMPACT.values()}.get(kind)
    return arrays[f"col:{name}"] if compact is None else compact(arrays[f"col:{name}"])


def pack_strings(strings):
    """``(buffer, offsets)``: a list of str as UTF-8 bytes and where each value starts."""
    encoded = [s.encode("utf-8") for s in strings]
    joined = b"".join(encoded)
    if b"\0" in joined:
        # The separator of PackedText._decode: no real title or tag holds it.
        raise ValueError("a text value holds a NUL character, which cannot be stored")
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(joined, dtype=np.uint8), offsets


class StreamedArray:
    """An array :func:`write_store` writes part by part, never whole in memory.

    Parameters
    ----------
    dtype, length
        Of the whole (one-dimensional) array.
    parts : callable
        ``parts()`` yields the array's consecutive pieces as ndarrays (of
        ``dtype``); they must add up to ``length`` values.
    """

    def __init__(self, dtype, length, parts):
        self.dtype = np.dtype(dtype)
        self.shape = (int(length),)
        self.nbytes = self.dtype.itemsize * self.shape[0]
        self.parts = parts


def write_store(path, arrays, meta):
    """Write ``arrays`` (name -> ndarray or :class:`StreamedArray`) and ``meta`` to ``path``.

    Written to a temporary name beside ``path`` and renamed into place, so a
    reader never sees half a file. Streamed arrays are copied piece by
    piece: the file may be far larger than memory.

    Raises
    ------
    ValueError
        If a streamed array's pieces do not add up to its length.
    """
    path = Path(path)
    arrays = {name: array if isinstance(array, StreamedArray) else np.ascontiguousarray(array)
              for name, array in arrays.items()}
    specs, offset = {}, 0
    for name, array in arrays.items():
        if array.dtype == object:
            raise TypeError(f"array {name!r} holds Python objects; pack it first")
        offset = -(-offset // _ALIGN) * _ALIGN
        specs[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes

    def header(sha1):
        return json.dumps({"version": FORMAT_VERSION, "meta": meta, "arrays": specs,
                           "payload_size": offset, "payload_sha1": sha1}).encode()

    # The payload's hash goes in the header: a placeholder of the same length
    # first, the real hash once the payload is written.
    start = -(-(len(MAGIC) + 8 + len(header("0" * 40))) // _ALIGN) * _ALIGN
    def write(tmp):
        with open(tmp, "wb") as handle:
            handle.write(b"\0" * start)
            digest = _write_payload(handle, arrays, specs, offset)
            handle.seek(0)
            handle.write(MAGIC + struct.pack("<Q", start) + header(digest.hexdigest()))

    write_atomically(path, write)
    return path


def _write_payload(handle, arrays, specs, size):
    digest = hashlib.sha1()
    position = 0
    for name, array in arrays.items():
        padding = b"\0" * (specs[name]["offset"] - position)
        digest.update(padding)
        handle.write(padding)
        position = specs[name]["offset"]
        pieces = array.parts() if isinstance(array, StreamedArray) else (array,)
        for piece in pieces:
            # As bytes through numpy: a memoryview cannot hold datetimes.
            data = np.ascontiguousarray(piece, dtype=array.dtype).reshape(-1).view(np.uint8)
            digest.update(data)
            handle.write(data)
            position += len(data)
        if position != specs[name]["offset"] + array.nbytes:
            raise ValueError(f"array {name!r}: its pieces hold "
                             f"{position - specs[name]['offset']} bytes, not {array.nbytes}")
    assert position == size
    return digest


def read_store(path, fingerprint):
    """Map the file at ``path``; return ``(arrays, meta)``.

    Arrays are read-only views of the mapping. ``fingerprint`` is the
    tables' :func:`fingerprint_files`; the file must have been built from
    exactly them.

    Raises
    ------
    StoreError
        If the file is not a search file of this version, is truncated or
        corrupt, or was built from other tables; the message names the file.
    """
    path = Path(path)

    def fail(reason):
        return StoreError(f"the stored search file {str(path)!r} {reason}", path=path)

    try:
        with open(path, "rb") as handle:
            mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot be read: {exc}") from exc
    try:
        if mapping[:len(MAGIC)] != MAGIC:
            raise fail("is not a SnapAssist search file")
        (start,) = struct.unpack("<Q", mapping[len(MAGIC):len(MAGIC) + 8])
        header = json.loads(bytes(mapping[len(MAGIC) + 8:start]).rstrip(b"\0"))
        if header.get("version") != FORMAT_VERSION:
            raise fail(f"has format version {header.get('version')!r}; "
                       f"this SnapAssist reads version {FORMAT_VERSION}")
        if header["meta"].get("fingerprint") != fingerprint:
            raise fail("was built from other tables (its fingerprint is not theirs)")
        if len(mapping) != start + header["payload_size"]:
            raise fail(f"is {len(mapping)} bytes long, not {start + header['payload_size']}")
        if hashlib.sha1(memoryview(mapping)[start:]).hexdigest() != header["payload_sha1"]:
            raise fail("is corrupt (its contents do not match their recorded hash)")
        arrays = {}
        for name, spec in header["arrays"].items():
            dtype = np.dtype(spec["dtype"])
            count = int(np.prod(spec["shape"], dtype=np.int64))
            arrays[name] = np.frombuffer(mapping, dtype=dtype, count=count,
                                         offset=start + spec["offset"]).reshape(spec["shape"])
    except StoreError:
        _close(mapping)
        raise
    except (ValueError, KeyError, TypeError, struct.error) as exc:
        _close(mapping)
        raise fail(f"is corrupt: {type(exc).__name__}: {exc}") from exc
    return arrays, header["meta"]


def _close(mapping):
    try:
        mapping.close()
    except BufferError:
        pass    # arrays made before the failure still view it; they free it
