"""Cheap checks of a folder of tables: can it be served, and has it changed since loaded?

Loading a city's tables takes seconds; these checks take milliseconds, so
the app runs them at start-up for every city (:func:`inspect_tables`) and
before every search for the cities it has loaded (:func:`file_identities`).
The reasons they give are shown to visitors, so they name the files by
their names, never by their paths on the server (:func:`without_paths`).
"""
import json
import logging
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import config

log = logging.getLogger(__name__)

#: The files of a folder of tables that the app reads after loading (the
#: search file is memory-mapped; the others are opened again on demand).
WATCHED_FILES = (config.MASTER_TABLE_PROCESSED, config.POPULAR_TABLE_PROCESSED,
                 "master_table_processed.search", config.PRECOMPUTED_ANSWERS)

# The search file's start (see snapassist/search/_store.py): its magic line,
# then the header's end as 8 little-endian bytes, then the JSON header.
_SEARCH_MAGIC = b"SNAPASSIST-SEARCH\n"
_HEADER_MAX_BYTES = 1 << 26


@dataclass
class TablesInfo:
    """What start-up knows of a folder of tables without loading them.

    ``n_photos`` is read from the master table's metadata (``None`` when
    unknown), ``place`` its recorded attributes (city, country, area...),
    ``problem`` why the folder cannot be served (``None`` when it can) and
    ``search_problem`` why its search file will not be used (the tables
    are then read whole and indexed at load: slower, still served).
    """

    n_photos: int = None
    place: dict = field(default_factory=dict)
    problem: str = None
    search_problem: str = None


def inspect_tables(folder):
    """Check ``folder``'s tables cheaply and read what the home page shows.

    The master table must open as HDF5 and hold the photos' key (else
    ``problem``); a search file, when there is one, must start with a valid
    header and have the length it records (else ``search_problem``; its
    contents are checked when loaded). Nothing is loaded: it costs one open
    of the master table's metadata and a read of the search file's header.

    Returns
    -------
    TablesInfo
    """
    folder = Path(folder)
    info = TablesInfo()
    master = folder / config.MASTER_TABLE_PROCESSED
    try:
        with pd.HDFStore(master, mode="r") as store:
            try:
                storer = store.get_storer(config.HDF_KEY)
            except KeyError:
                # Tables written by other tools: their only key, as read_table takes it.
                keys = store.keys()
                if len(keys) != 1:
                    raise
                storer = store.get_storer(keys[0])
            rows = getattr(storer, "nrows", None)       # table format
            if rows is None:                              # fixed: the length of the index
                rows = storer.group.axis1.shape[0]
            info.n_photos = int(rows)
            text = getattr(storer.attrs, "snapassist", None)
    except (KeyError, AttributeError):
        info.problem = (f"{config.MASTER_TABLE_PROCESSED} holds no photo table "
                        f"(no key {config.HDF_KEY!r})")
        return info
    except FileNotFoundError:
        info.problem = f"{config.MASTER_TABLE_PROCESSED} is missing"
        return info
    except Exception as exc:  # noqa: BLE001 - PyTables raises many kinds for a damaged file
        log.debug("cannot open %s: %r", master, exc)
        info.problem = (f"{config.MASTER_TABLE_PROCESSED} cannot be read "
                        "(truncated or not an HDF5 file)")
        return info
    try:
        info.place = json.loads(text) if text else {}
    except (TypeError, ValueError):
        info.place = {}
    if not isinstance(info.place, dict):
        info.place = {}
    info.search_problem = check_search_header(folder / WATCHED_FILES[2])
    return info


def check_search_header(path):
    """Why the search file at ``path`` is unusable, from its header alone; ``None`` if fine or absent."""
    name = Path(path).name
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_SEARCH_MAGIC) + 8)
            size = os.fstat(handle.fileno()).st_size
            if head[:len(_SEARCH_MAGIC)] != _SEARCH_MAGIC or len(head) < len(_SEARCH_MAGIC) + 8:
                return f"{name} is not a SnapAssist search file (empty or truncated?)"
            (start,) = struct.unpack("<Q", head[len(_SEARCH_MAGIC):])
            if not len(head) <= start <= min(size, _HEADER_MAX_BYTES):
                return f"{name} is truncated (its header ends past the file)"
            header = json.loads(handle.read(start - len(head)).rstrip(b"\0"))
        expected = start + int(header["payload_size"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return f"{name} has a damaged header"
    if size != expected:
        return f"{name} is {size} bytes long, not the {expected} its header records"
    return None


def file_identities(folder):
    """``{name: (inode, size, mtime_ns)}`` of the watched files of ``folder`` (``None`` if absent).

    A file replaced by a rename gets another inode; one rewritten or
    truncated in place another size or time: either way, another identity.
    """
    found = {}
    for name in WATCHED_FILES:
        try:
            st = os.stat(Path(folder) / name)
        except OSError:
            found[name] = None
        else:
            found[name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def changed_files(before, after):
    """The names whose identity differs between two :func:`file_identities`."""
    return [name for name in WATCHED_FILES if before.get(name) != after.get(name)]


# An absolute path as error messages quote it: from a "/" to the next quote,
# blank or end, at least two parts long.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s'\"/]+/)+([^\s'\"/]*)")


def without_paths(text):
    """``text`` with every absolute path replaced by its last part (for messages visitors see)."""
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1) or "…", str(text))
