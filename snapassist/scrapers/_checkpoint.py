"""Crash-safe checkpoints: one chunk file per finished unit, then the table.

A scrape is split into units (date windows for scraper 1, divisions for
scraper 2). Each finished unit is written to its own pandas HDF5 file in
``OUTNAME.hdf5.parts/`` and recorded in ``manifest.json`` there; both are
written to a temporary name and renamed into place, so a kill at any moment
(kill -9 included) leaves either the old or the new state, never half a file,
and loses at most the unit in flight. HDF5 files are not crash-safe when
appended to, which is why each unit gets its own file.
"""
import pandas as pd

from ..errors import ConfigError
from ..io import PartsFolder, read_table, write_table


class Checkpoint(PartsFolder):
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
        super().__init__(out_path, signature)
        self.out_path = self.target

    def open(self):
        """Create or reopen the folder; return the set of finished unit ids.

        Raises
        ------
        ConfigError
            The folder cannot be created, or it belongs to a different scrape.
        """
        try:
            self.make()
        except OSError as exc:
            raise ConfigError(f"cannot create the checkpoint folder {str(self.dir)!r} "
                              f"for the output {str(self.out_path)!r}: {exc}") from exc
        state = self.read_manifest() or {}
        if not self.matches(state):
            raise ConfigError(
                f"{str(self.dir)!r} holds a scrape started with other settings "
                f"({state.get('signature')}); rerun that command to finish it, "
                "or delete the folder to start again")
        self.done = state.get("done", {})
        return set(self.done)

    def info(self, unit):
        """What :meth:`save` recorded for ``unit`` (``rows`` and any extras)."""
        return self.done[unit]

    def _chunk(self, unit):
        return self.dir / f"{unit}.hdf5"

    def save(self, unit, frame, **extra):
        """Record unit ``unit`` (a file-name-safe id) as done with rows ``frame``.

        ``extra`` (JSON-serialisable) is kept with it, see :meth:`info`.
        """
        if len(frame):
            write_table(frame, self._chunk(unit), fmt="table")
        self.record(unit, {"rows": len(frame), **extra})

    def load(self, units):
        """Concatenate the chunks of ``units`` in that order (empty units skipped)."""
        frames = [read_table(self._chunk(u), "checkpoint chunk") for u in units
                  if u in self.done and self.done[u]["rows"]]
        if not frames:
            return None
        return pd.concat(frames, ignore_index=True)

    def finish(self, frame, attrs=None):
        """Write the final table (with ``attrs``), then remove the checkpoint folder."""
        write_table(frame, self.out_path, attrs, fmt="table")
        self.remove()
