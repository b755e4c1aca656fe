"""Reading and writing SnapAssist's files: the one table reader and the one atomic writer.

Every file we write goes to a unique temporary name beside its target and is
renamed into place, so a crash or a kill -9 leaves the old file or the new
one, never half of one, and two processes writing the same target never
share a temporary file. Every read failure names the file.

Every file we write gets one permission rule, :func:`file_mode`: what a
file opened the usual way gets (read and write for everyone, less the
process's umask; with the usual umask 022, readable by the group and
others, writable by its owner), so that a web server running as another
user of the group can read the tables whichever command wrote them.
"""
import errno
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from . import config
from .errors import DiskFullError, TableError

#: Errors of a write that ran out of room (disk, quota, file size limit).
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def write_atomically(path, write):
    """Create ``path`` through ``write(tmp_path)``, then rename it into place.

    Raises
    ------
    DiskFullError
        If the disk, the quota or the file size limit ran out (named).
    TableError
        If the file cannot be written otherwise (the message names ``path``).
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise TableError(f"cannot write {str(path)!r}: {exc}", path=str(path)) from exc
    os.close(fd)
    tmp = Path(tmp)
    try:
        write(tmp)
        # mkstemp made it private (0600); the file gets the one rule instead.
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno in FULL_ERRNOS:
            raise DiskFullError(f"{exc.strerror} while writing {str(path)!r}",
                                path=str(path)) from exc
        raise TableError(f"cannot write {str(path)!r}: {exc}", path=str(path)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def file_mode():
    """The permissions of every file we write: ``0o666`` less the process's umask."""
    return 0o666 & ~_umask()


def _umask():
    # Linux says it without changing it; elsewhere it can only be read by
    # setting it (and at once back), which a thread opening a file in
    # between would see.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def write_text_atomic(path, text):
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_table(frame, path, attrs=None, fmt="fixed"):
    """Write ``frame`` as a pandas HDF5 table (key ``'table'``) atomically.

    Parameters
    ----------
    fmt : {"fixed", "table"}
        Fixed format loads about twice as fast at a million rows and takes
        half the disk; table format can be queried. An empty frame is always
        written fixed (table format silently writes nothing for it).
    attrs : dict, optional
        JSON-serialisable facts stored with the table, see :func:`read_table_attrs`.
    """
    fmt = fmt if len(frame) else "fixed"

    def write(tmp):
        with warnings.catch_warnings():
            # PyTables warns about object columns being pickled; ours are text.
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            frame.to_hdf(tmp, key=config.HDF_KEY, format=fmt, mode="w")
        if attrs:
            with pd.HDFStore(tmp, mode="a") as store:
                store.get_storer(config.HDF_KEY).attrs.snapassist = json.dumps(attrs)

    return write_atomically(path, write)


def read_table(path, what="table"):
    """Read one pandas HDF5 table (fixed or table format) or raise :class:`TableError`.

    The key is ``'table'``, or the only key of a file that has one (tables
    written by other tools). ``what`` names the table in messages
    ("photo table", "raw master table"...).
    """
    path = Path(path)
    if not path.is_file():
        raise TableError(f"the {what} {str(path)!r} does not exist", path=str(path))
    try:
        with pd.HDFStore(path, mode="r") as store:
            keys = store.keys()
            key = config.HDF_KEY if "/" + config.HDF_KEY in keys else None
            if key is None and len(keys) == 1:
                key = keys[0]
            if key is None:
                raise TableError(
                    f"the {what} {str(path)!r} has no key {config.HDF_KEY!r} "
                    f"(keys found: {', '.join(keys) or 'none'})", path=str(path))
            frame = store.select(key)
    except TableError:
        raise
    except Exception as exc:  # PyTables raises many kinds on a corrupt file
        raise TableError(
            f"the {what} {str(path)!r} cannot be read as a pandas HDF5 table: "
            f"{type(exc).__name__}: {exc}", path=str(path)) from exc
    if not isinstance(frame, pd.DataFrame):
        raise TableError(f"the {what} {str(path)!r} holds a {type(frame).__name__}, "
                         f"not a DataFrame", path=str(path))
    return frame


def read_table_attrs(path):
    """The ``attrs`` stored by :func:`write_table`, or ``{}`` when there are none."""
    try:
        with pd.HDFStore(path, mode="r") as store:
            text = getattr(store.get_storer(config.HDF_KEY).attrs, "snapassist", None)
    except Exception:  # noqa: BLE001 - PyTables raises many kinds; read_table names them
        return {}
    try:
        return json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}


class PartsFolder:
    """``<target>.parts/``: the finished pieces of a long job and the manifest of them.

    Each piece is a file written atomically and then recorded in
    ``manifest.json`` (also written atomically), so a kill at any moment
    loses at most the piece in flight and a rerun knows what is done. The
    manifest records a ``signature`` of the job (under ``key``): a folder
    left by another job does not :meth:`match`. Subclasses decide what a
    piece is and what to do with a folder of another job.
    """

    def __init__(self, target, signature, key="signature"):
        self.target = Path(target)
        self.dir = self.target.with_name(self.target.name + ".parts")
        self.signature = signature
        self.manifest = self.dir / "manifest.json"
        self.done = {}
        self._key = key

    def read_manifest(self):
        """The recorded state, or ``None`` when there is no readable manifest."""
        if not self.manifest.is_file():
            return None
        try:
            return json.loads(self.manifest.read_text(encoding="utf-8"))
        except ValueError:
            return None

    def matches(self, state):
        """Whether a recorded ``state`` belongs to this job."""
        return state.get(self._key) == self.signature

    def make(self):
        """Create the folder (``OSError`` if it cannot be) with an empty manifest if new."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if not self.manifest.is_file():
            self.save_manifest()

    def record(self, piece, info):
        """Mark ``piece`` done, with JSON-ready ``info``."""
        self.done[piece] = info
        self.save_manifest()

    def save_manifest(self):
        state = {self._key: self.signature, "done": self.done}
        write_text_atomic(self.manifest, json.dumps(state, indent=1, sort_keys=True))

    def remove(self):
        """Delete the folder (once the job's result is written)."""
        shutil.rmtree(self.dir, ignore_errors=True)
