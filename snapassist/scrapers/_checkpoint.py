"""Crash-safe checkpoints: one chunk file per finished unit, then the table.

A scrape is split into units (date windows for scraper 1, divisions for
scraper 2). Each finished unit is written to its own pandas HDF5 file in
``OUTNAME.hdf5.parts/`` and recorded in ``manifest.json`` there; both are
written to a temporary name and renamed into place, so a kill at any moment
(kill -9 included) leaves either the old or the new state, never half a file,
and loses at most the unit in flight. HDF5 files are not crash-safe when
appended to, which is why each unit gets its own file.
"""
import json
import os
import shutil
import warnings
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import ConfigError, TableError


def write_hdf_atomic(frame, path, attrs=None):
    """Write ``frame`` to ``path`` (pandas HDF5, key ``'table'``) via a rename.

    ``attrs`` (a JSON-serialisable dict) is stored beside the table, see
    :func:`read_table_attrs`.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with warnings.catch_warnings():
            # PyTables warns about object columns' pickling; our columns are text.
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            # An empty frame cannot be written in table format (a silent no-op).
            fmt = "table" if len(frame) else "fixed"
            frame.to_hdf(tmp, key=config.HDF_KEY, format=fmt, mode="w")
            if attrs:
                with pd.HDFStore(tmp, mode="a") as store:
                    store.get_storer(config.HDF_KEY).attrs.snapassist = json.dumps(attrs)
        os.replace(tmp, path)
    except OSError as exc:
        raise TableError(f"cannot write the table {str(path)!r}: {exc}", path=str(path)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def read_table(path):
    """Read a pandas HDF5 table (key ``'table'``) or raise :class:`TableError`."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"the table {str(path)!r} does not exist", path=str(path))
    try:
        return pd.read_hdf(path, config.HDF_KEY)
    except (OSError, KeyError, ValueError) as exc:
        raise TableError(f"cannot read the table {str(path)!r} (key "
                         f"{config.HDF_KEY!r}): {exc}", path=str(path)) from exc


def read_table_attrs(path):
    """The ``attrs`` stored by :func:`write_hdf_atomic`, or ``{}``."""
    try:
        with pd.HDFStore(path, mode="r") as store:
            text = getattr(store.get_storer(config.HDF_KEY).attrs, "snapassist", None)
    except (OSError, KeyError, ValueError, AttributeError):
        return {}
    try:
        return json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}


def _write_text_atomic(path, text):
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Checkpoint:
    """The ``OUTNAME.hdf5.parts`` folder of one scrape.

    Parameters
    ----------
    out_path : path
        The final table's path.
    signature : dict
        What defines the scrape (dates, area, inputs); a rerun must match it,
        so that a resumed run cannot mix the units of two different scrapes.
    """

    def __init__(self, out_path, signature):
        self.out_path = Path(out_path)
        self.dir = self.out_path.with_name(self.out_path.name + ".parts")
        self.signature = signature
        self._manifest = self.dir / "manifest.json"
        self._done = {}

    def open(self):
        """Create or reopen the folder; return the set of finished unit ids.

        Raises
        ------
        ConfigError
            The folder cannot be created, or it belongs to a different scrape.
        """
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the checkpoint folder {str(self.dir)!r} "
                              f"for the output {str(self.out_path)!r}: {exc}") from exc
        if self._manifest.is_file():
            state = json.loads(self._manifest.read_text(encoding="utf-8"))
            if state.get("signature") != self.signature:
                raise ConfigError(
                    f"{str(self.dir)!r} holds a scrape started with other settings "
                    f"({state.get('signature')}); rerun that command to finish it, "
                    "or delete the folder to start again")
            self._done = state.get("done", {})
        else:
            self._save_manifest()
        return set(self._done)

    def info(self, unit):
        """What :meth:`save` recorded for ``unit`` (``rows`` and any extras)."""
        return self._done[unit]

    def _save_manifest(self):
        state = {"signature": self.signature, "done": self._done}
        try:
            _write_text_atomic(self._manifest, json.dumps(state, indent=1, sort_keys=True))
        except OSError as exc:
            raise TableError(f"cannot write {str(self._manifest)!r}: {exc}",
                             path=str(self._manifest)) from exc

    def _chunk(self, unit):
        return self.dir / f"{unit}.hdf5"

    def save(self, unit, frame, **extra):
        """Record unit ``unit`` (a file-name-safe id) as done with rows ``frame``.

        ``extra`` (JSON-serialisable) is kept with it, see :meth:`info`.
        """
        if len(frame):
            write_hdf_atomic(frame, self._chunk(unit))
        self._done[unit] = {"rows": len(frame), **extra}
        self._save_manifest()

    def load(self, units):
        """Concatenate the chunks of ``units`` in that order (empty units skipped)."""
        frames = [read_table(self._chunk(u)) for u in units
                  if u in self._done and self._done[u]["rows"]]
        if not frames:
            return None
        return pd.concat(frames, ignore_index=True)

    def finish(self, frame, attrs=None):
        """Write the final table (with ``attrs``), then remove the checkpoint folder."""
        write_hdf_atomic(frame, self.out_path, attrs)
        shutil.rmtree(self.dir, ignore_errors=True)
