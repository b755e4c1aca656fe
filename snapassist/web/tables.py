"""The photo tables of one web process, opened on first use, reloaded when replaced.

Operators replace tables by renaming new files into place; a file changed
in place under a process that has it memory-mapped (the search file) would
kill the process that reads it (SIGBUS). So before each use the holder
compares its files with what it loaded (:func:`._checks.file_identities`,
a few ``stat`` calls): changed files are loaded again, and tables that
cannot be loaded make the city unavailable (:class:`TablesUnavailable`,
a 503) until its files change again.
"""
import logging
import threading
import time
from pathlib import Path

from .. import config
from ..errors import SnapAssistError
from ._checks import changed_files, file_identities, inspect_tables, without_paths

log = logging.getLogger(__name__)


class TablesUnavailable(SnapAssistError):
    """A city's (or the app's) tables cannot be served right now (503).

    The message is shown to visitors: it names the problem and the files by
    their names, never a path on the server.
    """


class TablesHolder:
    """Loads the :class:`~snapassist.search.FlickrPhotosDatabase` once.

    With it, the answers precomputed beside the tables (``snapassist
    precompute``), served only while they match the tables and the settings.
    Thread-safe: concurrent first requests wait for one load.
    """

    def __init__(self, database=None, folder=None, settings=None, label=None):
        self._database = database
        self._folder = folder
        self._settings = settings
        self._stored = None
        self._loaded_from = None
        self._place = None
        self._atlas = None
        #: What pages derive from the loaded tables (the atlas's view, ...),
        #: dropped with them when they are unloaded or reloaded.
        self.derived = {}
        self._lock = threading.Lock()
        self._label = label
        # What was loaded ({name: identity}), and why the tables cannot be
        # used with the files as they were then ((reason, identities)).
        self._identities = None
        self._failed = None
        #: Called (without arguments) each time the tables are loaded: the
        #: cities' LRU hears of it here (see :class:`.cities.Cities`).
        self.on_load = None

    @property
    def label(self):
        """How messages and the log name these tables: the label given, else the city recorded."""
        return self._label or self.city or "the photo tables"

    @property
    def folder(self):
        """The folder of the tables, when one was given."""
        return self._folder

    @property
    def loaded(self):
        """Whether the tables are in memory."""
        return self._database is not None

    @property
    def is_demo(self):
        """Whether the tables are (or will be) the synthetic demo, without loading them."""
        if self._database is not None:
            return self._database.is_demo
        if self._folder is not None:
            return (Path(self._folder) / config.DEMO_MARKER).is_file()
        # Nothing configured (checked at start-up): the current folder's tables, else the demo.
        return not config.has_tables(Path.cwd())

    @property
    def place(self):
        """Where the tables are: ``{"city", "area", "timezone"}`` as recorded, or ``{}``.

        Read from the master table's attributes (``snapassist import --city``,
        the scraper's ``--city``, the demo build) without loading the tables;
        ``{}`` while the demo is not built yet (known after the first search).
        """
        if self._place is None:
            folder = self._loaded_from or self._folder
            if folder is None and self._database is not None:
                source = getattr(self._database, "_sources", None)
                folder = Path(source[0]).parent if source else None
            if folder is None and config.has_tables(Path.cwd()):
                folder = Path.cwd()
            if folder is None:
                return {}
            from ..io import read_table_attrs

            self._place = read_table_attrs(Path(folder) / config.MASTER_TABLE_PROCESSED)
        return self._place

    @property
    def city(self):
        """The city the tables record (``None`` when they record none, or are not known yet)."""
        return self.place.get("city") or None

    @property
    def examples(self):
        """Subjects the search page offers: those the tables record, else ``config.DEFAULT_EXAMPLES``."""
        recorded = self.place.get("examples")
        if isinstance(recorded, (list, tuple)) and recorded:
            return [str(example) for example in recorded][:config.N_EXAMPLES]
        return list(config.DEFAULT_EXAMPLES)

    @property
    def area_bounds(self):
        """``(min_lon, min_lat, max_lon, max_lat)`` of the recorded area, or ``None``.

        The area is a box (imports) or a circle (scrapes, the demo); a
        damaged record counts as none, so the map falls back on the photos.
        """
        from ..errors import SnapAssistError
        from ..geo import Area

        area = self.place.get("area")
        try:
            return tuple(float(v) for v in Area.from_dict(area).bounds()) if area else None
        except (SnapAssistError, KeyError, TypeError, ValueError):
            log.warning("the tables record an unusable area %r: ignored", area)
            return None

    def get(self):
        """The database, loading it on the first call and again when its files change.

        Raises
        ------
        TablesUnavailable
            If the tables cannot be loaded (damaged, missing) as they are now.
        """
        database = self._database
        if database is not None and not self._changed():
            return database
        with self._lock:
            if self._database is not None and self._changed():
                log.warning("%s: %s changed since loaded: loading again", self.label,
                            ", ".join(changed_files(self._identities, self._current())))
                self.unload()
            if self._database is None:
                self._database = self._load_or_fail()
                if self.on_load is not None:
                    self.on_load()
            return self._database

    def unload(self):
        """Forget the loaded tables: memory and the search file's mapping go with the last user."""
        self._database = self._stored = self._atlas = None
        self.derived = {}
        self._identities = None
        self._place = None

    def mark_unusable(self, reason):
        """Record at start-up that the tables cannot be served as they are (``reason``)."""
        self._failed = (reason, self._current())
        log.error("%s cannot be served: %s", self.label, reason)

    @property
    def problem(self):
        """Why the tables cannot be served now, or ``None``; loads nothing (for ``/healthz``).

        Loaded tables whose files changed since are checked again cheaply
        (:func:`._checks.inspect_tables`): they are reloaded on their next use.
        """
        if self._database is not None:
            if self._identities is None or not self._changed():
                return None
            return inspect_tables(self._loaded_from).problem
        if self._failed is not None and self._failed[1] == self._current():
            return self._failed[0]
        return None

    @property
    def changed(self):
        """Whether loaded tables' files changed since they were loaded (reloaded on next use)."""
        return self._database is not None and self._changed()

    def _current(self):
        folder = self._loaded_from or self._folder
        return None if folder is None else file_identities(folder)

    def _changed(self):
        # Tables given as a database (tests) or not loaded from a folder are never watched.
        return self._identities is not None and self._current() != self._identities

    def _load_or_fail(self):
        if self._failed is not None:
            reason, identities = self._failed
            if identities == self._current():
                raise TablesUnavailable(f"{self.label} cannot be used: {reason}")
        identities = self._current()
        try:
            database = self._load()
        except Exception as exc:  # noqa: BLE001 - whatever the damage, this city is a 503, not a 500
            reason = without_paths(exc)
            log.error("%s cannot be loaded: %s", self.label, exc)
            self._failed = (reason, identities)
            raise TablesUnavailable(f"{self.label} cannot be used: {reason}") from exc
        self._failed = None
        # Taken before loading: a file replaced during the load is loaded again next time.
        self._identities = identities if identities is not None else self._current()
        return database

    @property
    def n_stored_answers(self):
        """How many precomputed answers are served (0 before loading, or when stale)."""
        return 0 if self._stored is None else len(self._stored)

    def stored_answer(self, phrase):
        """The precomputed answer of ``phrase`` for the loaded tables, or ``None``.

        The :class:`~snapassist.spots.SpotsAnswer` a live search would give
        (with ``phrase`` as typed), as :func:`snapassist.search.answer` takes
        it; raises :class:`~snapassist.errors.NotEnoughPhotosError` when that
        is the stored answer.
        """
        stored = None if self._stored is None else self._stored.get(phrase)
        return None if stored is None else stored.to_result(phrase.strip())

    def atlas(self):
        """The city's atlas (``snapassist precompute``) as a SpotsAnswer, or ``None``.

        Loads the tables on first use; the atlas is read with them, once.
        ``None`` when the tables were given ready-made (no answers file is
        opened then), or their answers file has no fresh atlas.
        """
        self.get()
        return self._atlas

    def _load(self):
        from ..search import FlickrPhotosDatabase
        from ..demo import resolve_tables

        folder = self._folder
        if folder is None:
            folder, _ = resolve_tables()
        start = time.perf_counter()
        database = FlickrPhotosDatabase.from_folder(folder)
        self._loaded_from, self._place = folder, None
        from ..precompute import StoredAnswers

        # Opened with the tables, so a stale file is reported once, at start.
        self._stored = StoredAnswers.open(folder, database, settings=self._settings)
        mapped = getattr(database, "fingerprint", None) is not None
        log.info("%s: loaded %d photos in %.2f s from %s (%s)%s%s", self.label, database.n_photos,
                 time.perf_counter() - start, folder,
                 "search file" if mapped else "no search file: index built at load",
                 f", {len(self._stored)} precomputed answers" if len(self._stored) else "",
                 " (synthetic demo)" if database.is_demo else "")
        # Read once here, so a preloading server's workers share it.
        self._atlas = self._stored.atlas()
        return database
