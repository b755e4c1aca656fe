"""A large text file read in parts: plain, bzip2 or gzip, cut into byte ranges of its text.

A part is the range ``[start, end)`` of the (decompressed) text and holds the
lines that *start* in it: a reader of a part skips the end of the line that
the range's first byte falls in (it belongs to the part before) and reads on
past ``end`` to finish its own last line. Every line is thus read by exactly
one part, whatever the cuts.

Plain text is cut anywhere. Bzip2 is read at any offset of its text through
the block index of ``indexed_bzip2`` (built once by one pass over the file,
then kept by the caller); gzip cannot be entered in the middle and is one
part.
"""
import bz2
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ValidationError

#: Bytes read from the file at a time.
READ_BYTES = 4 << 20
#: A "line" longer than this is no line of text: the file is not what it claims.
MAX_LINE_BYTES = 64 << 20
_MAGIC = {b"BZh": "bz2", b"\x1f\x8b": "gzip"}


@dataclass(frozen=True)
class Source:
    """A file to read in parts: its path, compression, and its text's size in bytes.

    ``size`` is ``None`` for gzip (unknown until read). ``index`` is the
    bzip2 block index (compressed bit offset -> text offset), else ``None``.
    """

    path: str
    kind: str
    size: int | None
    index: dict | None = None


def compression_of(path):
    """``"plain"``, ``"bz2"`` or ``"gzip"``, from the file's first bytes.

    Raises
    ------
    ValidationError
        The file does not exist or cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"INPUT {str(path)!r} does not exist or is not a file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(3)
    except OSError as exc:
        raise ValidationError(f"INPUT {str(path)!r} cannot be read: {exc}") from exc
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return "plain"


def open_source(path, index=None, threads=1):
    """The :class:`Source` of ``path``; a bzip2 file's block index is built unless given.

    Building the index reads the whole file once (``threads`` decompress in
    parallel); pass the index a previous run built to skip that.

    Raises
    ------
    ValidationError
        A missing file, or bzip2 data that cannot be decompressed.
    """
    path = str(Path(path).resolve())
    kind = compression_of(path)
    if kind == "plain":
        return Source(path, kind, os.path.getsize(path))
    if kind == "gzip":
        return Source(path, kind, None)
    import indexed_bzip2

    try:
        with indexed_bzip2.open(path, parallelization=max(1, threads)) as handle:
            if index is None:
                index = handle.block_offsets()
            else:
                handle.set_block_offsets(index)
            size = handle.seek(0, os.SEEK_END)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ValidationError(f"INPUT {path!r} is not readable bzip2 data: {exc}") from exc
    return Source(path, kind, int(size), {int(k): int(v) for k, v in index.items()})


def plan_parts(source, part_bytes):
    """The parts ``[(start, end)]`` of ``source``'s text, each ``part_bytes`` long (the last shorter)."""
    if source.size is None:
        return [(0, -1)]
    if source.size == 0:
        return []
    return [(start, min(start + part_bytes, source.size))
            for start in range(0, source.size, part_bytes)]


def _open_text(source):
    """A binary stream of the file's text."""
    if source.kind == "plain":
        return open(source.path, "rb")
    if source.kind == "gzip":
        return gzip.open(source.path, "rb")
    import indexed_bzip2

    handle = indexed_bzip2.open(source.path)
    if source.index is not None:
        handle.set_block_offsets(source.index)
    return handle


def head_lines(source, n_lines):
    """The first ``n_lines`` lines of the text (str, without newlines)."""
    if source.kind == "bz2":
        stream = bz2.open(source.path, "rb")       # no index needed for the start
    else:
        stream = _open_text(source)
    lines = []
    try:
        with stream:
            for raw in stream:
                lines.append(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
                if len(lines) >= n_lines:
                    break
    except (OSError, EOFError, ValueError) as exc:
        what = {"bz2": "bzip2", "gzip": "gzip"}.get(source.kind, "text")
        raise ValidationError(f"INPUT {source.path!r} is not readable {what} data: "
                              f"{exc}") from exc
    return lines


def iter_part_lines(source, start, end, chunk_lines):
    """The lines of the part ``[start, end)`` (``end`` -1: to the end), ``chunk_lines`` at a time.

    Yields ``(number, lines)``: ``lines`` is a list of str without their
    newline (bytes that are not UTF-8 become U+FFFD), ``number`` the first
    one's line number counted from 1 at the part's first line. Blank lines
    are included, so that numbers count the file's lines.
    """
    with _open_text(source) as stream:
        position = 0
        if start > 0:
            stream.seek(start - 1)
            position = start - 1
        pending = b""
        skipping = start > 0          # the line the range starts in is the part before's
        number = 1
        chunk = []
        done = False
        while not done:
            block = stream.read(READ_BYTES)
            if not block:
                if pending and not skipping and (end < 0 or position < end):
                    chunk.append(pending)
                break
            data = pending + block
            cut = 0
            while True:
                newline = data.find(b"\n", cut)
                if newline < 0:
                    break
                if skipping:
                    skipping = False
                elif end >= 0 and position >= end:
                    done = True
                    break
                else:
                    chunk.append(data[cut:newline])
                position += newline + 1 - cut
                cut = newline + 1
                if len(chunk) >= chunk_lines:
                    yield number, _decode(chunk)
                    number += len(chunk)
                    chunk = []
            pending = data[cut:]
            if len(pending) > MAX_LINE_BYTES:
                raise ValidationError(
                    f"INPUT {source.path!r} has no line break in the {MAX_LINE_BYTES >> 20} MB "
                    f"after byte {position:,} of its text: it is not a file of lines")
        if chunk:
            yield number, _decode(chunk)


def _decode(lines):
    """Lines of bytes -> str; a newline is never part of a multi-byte character."""
    text = b"\n".join(lines).decode("utf-8", "replace")
    if "\r" in text:
        return [line.removesuffix("\r") for line in text.split("\n")]
    return text.split("\n")
