"""``OUTFOLDER.parts/``: the world import's work, kept until it is done.

It holds the parts' files, the cities' finished tables waiting to be moved
into OUTFOLDER, the bzip2 block index, a lock naming the importing process,
and ``manifest.json`` (see :class:`snapassist.io.PartsFolder`) recording
what is done: ``part00012`` (lines, photos, bad rows), ``city:<slug>``
(photos written) and ``moved:<slug>``. Every file is written atomically, so
a kill at any moment loses at most the tasks in flight.
"""
import json
import os
import shutil

from ..errors import TableError, ValidationError
from ..io import PartsFolder, write_text_atomic
from .importer import _alive

_INDEX_FILE = "bz2-index.json"


class ImportParts(PartsFolder):
    """``OUTFOLDER.parts/``: the parts' files, the cities written, the manifest, a lock."""

    def open(self, notify):
        """Create the folder, or take up the work an earlier run of the same import left.

        Work left by an import of other arguments (or of another version of
        the file) is deleted: the parts depend on every one of them.

        Raises
        ------
        ValidationError
            The folder cannot be created, or another live import holds it.
        """
        lock = self.dir / "lock"
        if lock.is_file() and _alive(lock) and lock.read_text().strip() != str(os.getpid()):
            raise ValidationError(f"another import (process {lock.read_text().strip()}) is "
                                  f"writing {str(self.dir)!r}; wait for it to end")
        state = self.read_manifest()
        if state is not None and not self.matches(state):
            notify(f"deleting {self.dir}: the work of an import of other arguments")
            shutil.rmtree(self.dir, ignore_errors=True)
        try:
            self.make()
            (self.dir / "cities").mkdir(exist_ok=True)
            write_text_atomic(lock, str(os.getpid()))
        except (OSError, TableError) as exc:
            raise ValidationError(f"cannot create the work folder {str(self.dir)!r} beside "
                                  f"OUTFOLDER: {exc}") from exc
        self.done = dict(state["done"]) if state is not None and self.matches(state) else {}
        if self.done:
            notify(f"taking up the work of an earlier run in {self.dir}")

    def unlock(self):
        (self.dir / "lock").unlink(missing_ok=True)

    def moved(self):
        """The cities this import (an earlier run of it) has already moved into OUTFOLDER."""
        state = self.read_manifest() or {}
        done = state.get("done", {}) if self.matches(state) else {}
        return {key.removeprefix("moved:") for key in done if key.startswith("moved:")}

    def index(self):
        """The bzip2 block index a previous run saved, or ``None``."""
        path = self.dir / _INDEX_FILE
        if not path.is_file():
            return None
        return {int(k): int(v) for k, v in json.loads(path.read_text()).items()}

    def save_index(self, index):
        """Keep the bzip2 block index for a rerun (once)."""
        if index is not None and not (self.dir / _INDEX_FILE).is_file():
            write_text_atomic(self.dir / _INDEX_FILE, json.dumps(index))
