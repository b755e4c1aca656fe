"""Streaming readers of photo files from outside: CSV, JSON Lines, JSON arrays, gzipped or not.

Each reader yields ``(row_number, record)`` pairs, ``record`` a dict of text
values, one photo at a time, so a file of several GB is read in bounded
memory. Damage is counted, never fatal: a line whose quoting is broken, a
JSON line that does not parse or bytes that are not UTF-8 are reported
through a :class:`Problems` and the reading goes on.
"""
import csv
import gzip
import io
import json
from collections import defaultdict
from pathlib import Path

from ..errors import ValidationError

#: How many physical lines a quoted CSV field may span before its opening
#: quote is taken for a broken one.
MAX_LINES_PER_RECORD = 20
#: Row numbers remembered per kind of problem (for ``-v``).
EXAMPLES_PER_KIND = 5

#: A photo object longer than this in a JSON array is taken for a broken one.
_MAX_OBJECT_CHARS = 1 << 16
_BOM = "\ufeff"
_REPLACEMENT = "\ufffd"


class Problems:
    """Counts of each kind of bad row, with the first few row numbers of each."""

    def __init__(self):
        self.counts = defaultdict(int)
        self.examples = defaultdict(list)

    def add(self, kind, rows=(), n=None):
        """Record ``n`` rows (default ``len(rows)``) of ``kind``; keep the first numbers."""
        rows = list(rows)
        n = len(rows) if n is None else n
        if not n:
            return
        self.counts[kind] += n
        room = EXAMPLES_PER_KIND - len(self.examples[kind])
        if room > 0:
            self.examples[kind].extend(int(r) for r in rows[:room])

    def total(self):
        return sum(self.counts.values())


def open_text(path):
    """``(text stream, binary stream)`` of a file, gunzipped when it is gzip.

    The binary stream is the file on disk, whose position tells how far the
    reading has come (for a progress bar); the caller closes both. Bytes
    that are not UTF-8 become U+FFFD, which the readers count.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"INPUT {str(path)!r} does not exist or is not a file")
    raw = open(path, "rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        binary = gzip.GzipFile(fileobj=raw, mode="rb")
    else:
        raw.seek(0)
        binary = raw
    text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
    return text, raw


def sniff(text_stream, path):
    """``"csv"``, ``"jsonl"`` or ``"json"`` (an array), from the name or the first character."""
    name = Path(path).name.lower().removesuffix(".gz")
    for suffix, kind in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"),
                         (".tsv", "csv")):
        if name.endswith(suffix):
            return kind
    head = text_stream.read(4096)
    text_stream.seek(0)
    first = head.lstrip(_BOM + " \t\r\n")[:1]
    return {"[": "json", "{": "jsonl"}.get(first, "csv")


def _strip_bom(line, problems):
    if line.startswith(_BOM):
        problems.add("byte_order_mark", n=1)
        return line[1:]
    return line


def iter_csv(text_stream, problems):
    """Records of a CSV file with a header line.

    A record whose quotes do not close within ``MAX_LINES_PER_RECORD`` lines,
    or whose number of fields differs from the header's, is counted as
    ``broken_line`` and skipped; reading resumes at the next line, so one
    stray quote costs one row, not the rest of the file.
    """
    lines = iter(text_stream)
    header_line = next(lines, None)
    if header_line is None:
        return
    header = next(csv.reader([_strip_bom(header_line, problems)]))
    header = [h.strip() for h in header]
    width = len(header)
    pending = []          # physical lines of a record whose quotes are still open
    start = 2             # line number (1-based, header = 1) of the record's first line
    line_no = 1
    for line in lines:
        line_no += 1
        if not pending:
            start = line_no
        pending.append(line)
        text = "".join(pending)
        if text.count('"') % 2 and len(pending) < MAX_LINES_PER_RECORD:
            continue                                 # a quoted field goes on
        if text.count('"') % 2:
            yield from _give_up_quote(pending, start, header, width, problems)
            pending = []
            continue
        pending = []
        yield from _one_csv_record(text, start, header, width, problems)
    if pending:
        yield from _give_up_quote(pending, start, header, width, problems)


def _give_up_quote(pending, start, header, width, problems):
    """A quote that never closed: count its first line, read the lines after it again."""
    problems.add("broken_line", [start])
    for number, again in enumerate(pending[1:], start=start + 1):
        yield from _one_csv_record(again, number, header, width, problems)


def _one_csv_record(text, number, header, width, problems):
    if not text.strip():
        return
    try:
        fields = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        problems.add("broken_line", [number])
        return
    if len(fields) != width:
        problems.add("broken_line", [number])
        return
    record = dict(zip(header, fields, strict=True))
    if _REPLACEMENT in text:
        problems.add("not_utf8", [number])
    yield number, record


def iter_jsonl(text_stream, problems):
    """Records of a JSON Lines file: one object per line; other lines are ``broken_line``."""
    for number, line in enumerate(text_stream, start=1):
        if number == 1:
            line = _strip_bom(line, problems)
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            problems.add("broken_line", [number])
            continue
        if not isinstance(record, dict):
            problems.add("broken_line", [number])
            continue
        if _REPLACEMENT in line:
            problems.add("not_utf8", [number])
        yield number, record


def iter_json_array(text_stream, problems, chunk_chars=1 << 20):
    """Records of a file holding one JSON array of objects, decoded one object at a time."""
    decoder = json.JSONDecoder()
    buffer = _strip_bom(text_stream.read(chunk_chars), problems).lstrip()
    if not buffer.startswith("["):
        raise ValidationError("a JSON input must be an array of photo objects "
                              f"(it starts with {buffer[:20]!r})")
    buffer, position, number, done = buffer[1:], 0, 0, False
    while True:
        # Skip separators; fetch more text when the buffer runs low.
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if len(buffer) - position > _MAX_OBJECT_CHARS or done:
                break
            more = text_stream.read(chunk_chars)
            done = not more
            buffer, position = buffer[position:] + more, 0
        if position >= len(buffer) or buffer[position] == "]":
            return
        try:
            record, end = decoder.raw_decode(buffer, position)
        except ValueError:
            if not done and len(buffer) - position <= _MAX_OBJECT_CHARS:
                more = text_stream.read(chunk_chars)      # the object may just be cut
                done = not more
                buffer, position = buffer[position:] + more, 0
                continue
            # A broken object: count it and go on at the next object of the array.
            number += 1
            problems.add("broken_line", [number])
            position = _next_object(buffer, position + 1)
            if position is None:
                return
            continue
        number += 1
        if isinstance(record, dict):
            if any(_REPLACEMENT in str(v) for v in record.values()):
                problems.add("not_utf8", [number])
            yield number, record
        else:
            problems.add("broken_line", [number])
        position = end


def _next_object(buffer, start):
    """Index of the next ``{`` that follows a comma (the next array element), or None."""
    j = buffer.find("{", start)
    while j != -1:
        if buffer[:j].rstrip().endswith(","):
            return j
        j = buffer.find("{", j + 1)
    return None


READERS = {"csv": iter_csv, "jsonl": iter_jsonl, "json": iter_json_array}
