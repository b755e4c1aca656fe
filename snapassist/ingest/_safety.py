"""What keeps an import safe: the space it needs, its lock, and the swap into place.

- :func:`estimate_space`: the disk space an import needs beside OUTFOLDER,
  from the input's size (the work files and the new tables, measured on the
  demo and on real photos), and :func:`check_space`, which refuses early
  when the disk clearly has less free.
- :func:`writing`: turns a failed write at any stage into one
  :class:`~snapassist.errors.DiskFullError` or
  :class:`~snapassist.errors.WriteError` naming what was being written and
  the space needed, instead of a traceback from deep inside HDF5.
- :func:`folder_lock`: one import at a time per OUTFOLDER (``flock`` on a
  hidden file beside it, never blocking: the second import is refused).
- :func:`replace_folder`: the new set of tables takes the old set's place
  in one step (Linux's ``renameat2(RENAME_EXCHANGE)``), so a reader opening
  ``OUTFOLDER/master_table_processed.hdf5`` and its search file sees the old
  set or the new one, never a mix; the old set is deleted only afterwards.
"""
import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
import struct
from pathlib import Path

from ..errors import DiskFullError, FolderBusyError, WriteError
from ..io import FULL_ERRNOS

log = logging.getLogger(__name__)

#: Peak bytes of work space beside OUTFOLDER per byte of input text: the
#: chunks' work files, the new master table, the search file and its build
#: files at once. Measured (benchmarks/bench_import.py --space): 3.5 on real
#: Dresden photos (LBSN CSV, 3.2 MB), 4.4 on the demo's (LBSN CSV, 3.3 and
#: 16.5 MB of text); rounded up.
WORK_PER_INPUT_BYTE = 5.0
#: Bytes of finished tables (master table and search file) per byte of input
#: text: 1.6 on Dresden, 2.3 on the demo.
TABLES_PER_INPUT_BYTE = 2.5
#: Text per byte of a compressed file whose own size cannot be read (bzip2).
TEXT_PER_COMPRESSED_BYTE = {"gz": 5.0, "bz2": 7.0}
#: Free space kept in reserve beyond the estimate before refusing (bytes).
MARGIN_BYTES = 16 << 20


def input_text_bytes(path):
    """The input's size as text: gzip tells it (modulo 4 GiB), bzip2 is estimated."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        magic = handle.read(3)
        if magic[:2] == b"\x1f\x8b" and size >= 18:
            handle.seek(-4, os.SEEK_END)
            (isize,) = struct.unpack("<I", handle.read(4))
            # ISIZE is the size modulo 2**32: beyond that, estimate.
            return isize if isize >= size else int(size * TEXT_PER_COMPRESSED_BYTE["gz"])
        if magic == b"BZh":
            return int(size * TEXT_PER_COMPRESSED_BYTE["bz2"])
    return size


def estimate_space(path):
    """``(work bytes, tables bytes)`` an import of ``path`` needs beside OUTFOLDER, at its peak."""
    text = input_text_bytes(path)
    return int(text * WORK_PER_INPUT_BYTE), int(text * TABLES_PER_INPUT_BYTE)


def megabytes(n_bytes):
    """``n_bytes`` as whole megabytes, at least 1, for messages."""
    return max(1, -(-int(n_bytes) // (1 << 20)))


def check_space(folder, needed_bytes):
    """Raise :class:`DiskFullError` when the disk of ``folder`` has clearly too little free.

    ``folder`` or its nearest existing parent is measured.
    """
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if free + MARGIN_BYTES < needed_bytes:
        raise DiskFullError(
            f"not enough free space beside {str(folder)!r}: the import needs about "
            f"{megabytes(needed_bytes):,} MB and {megabytes(free):,} MB are free (pass "
            "--ignore-space to try anyway)", path=str(folder), needed_bytes=needed_bytes)
    return free


@contextlib.contextmanager
def writing(what, needed_bytes):
    """Turn a failed write inside into one clear error naming ``what`` and the space needed.

    Raises
    ------
    DiskFullError
        An ``OSError`` of a full disk, quota or file size limit, or an HDF5
        error while the disk is nearly full.
    WriteError
        Any other ``OSError`` or HDF5 error while writing.
    """
    need = f"; about {megabytes(needed_bytes):,} MB are needed" if needed_bytes else ""
    try:
        yield
    except WriteError as exc:
        if exc.needed_bytes is None and needed_bytes:
            raise type(exc)(f"{exc}{need}", path=exc.path, needed_bytes=needed_bytes) from exc
        raise
    except OSError as exc:
        if exc.errno is None:
            raise
        kind = DiskFullError if exc.errno in FULL_ERRNOS else WriteError
        raise kind(f"{exc.strerror or os.strerror(exc.errno)} while writing {what}{need}",
                   path=what, needed_bytes=needed_bytes) from exc
    except Exception as exc:
        if not _is_hdf5_error(exc):
            raise
        # HDF5 does not say why a write failed; a full disk is the usual reason.
        full = _nearly_full(what)
        reason = ("No space left on device" if full
                  else f"HDF5 error {type(exc).__name__}: {str(exc).splitlines()[0]}")
        raise (DiskFullError if full else WriteError)(
            f"{reason} while writing {what}{need}", path=what,
            needed_bytes=needed_bytes) from exc


def _is_hdf5_error(exc):
    return type(exc).__module__.startswith("tables")


def _nearly_full(what):
    try:
        folder = Path(what).parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return shutil.disk_usage(folder).free < MARGIN_BYTES
    except OSError:
        return False


def lock_path(out_folder):
    """The lock file of ``out_folder``: hidden, beside it (inside, it would move with a swap)."""
    out_folder = Path(os.path.abspath(out_folder))      # "." has no name of its own
    return out_folder.with_name(f".{out_folder.name}.lock")


@contextlib.contextmanager
def folder_lock(out_folder):
    """Hold the lock of ``out_folder`` inside, or raise :class:`FolderBusyError` at once.

    The lock is ``flock`` on :func:`lock_path`, so the kernel drops it when
    its process dies (a killed import never leaves the folder locked). The
    file is removed on release; a process that locked a file just removed
    sees that the path now names another file and tries again.
    """
    path = lock_path(out_folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise FolderBusyError(
                f"another import{holder} holds OUTFOLDER {str(out_folder)!r} (lock "
                f"{path.name}); wait for it to end or choose another folder",
                path=str(out_folder)) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        yield path
    finally:
        # Unlinked while still locked, so no newcomer can lock this file.
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _read_holder(fd):
    try:
        pid = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a, b):
    """Swap the paths ``a`` and ``b`` in one step; ``False`` where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False            # a file system (or kernel) without the exchange
    raise OSError(code, os.strerror(code), str(b))


def replace_folder(new, target, keep_from_old=()):
    """Put the folder ``new`` at ``target``, the old ``target`` (if any) deleted after.

    With an existing ``target``, the two folders are exchanged in one step
    (or, where the system cannot, ``target`` is renamed aside and ``new``
    into its place: no mix then either, but for an instant no folder). The
    entries of the old folder named by ``keep_from_old`` (a callable
    ``name -> bool``), and absent from ``new``, are hard-linked into
    ``new`` first (copied where links cannot be made), so files of the
    operator's own survive the swap.
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        os.rename(new, target)
        return
    for entry in target.iterdir():
        if keep_from_old and keep_from_old(entry.name) and not (new / entry.name).exists():
            _link_copy(entry, new / entry.name)
    if exchange(new, target):
        old = new
    else:
        old = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        os.rename(target, old)
        os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _link_copy(source, destination):
    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, destination, symlinks=True, copy_function=link)
    elif source.is_symlink():
        os.symlink(os.readlink(source), destination)
    else:
        link(source, destination)

