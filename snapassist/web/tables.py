"""The photo tables of one web process, opened on first use."""
import logging
import threading
import time
from pathlib import Path

from .. import config

log = logging.getLogger(__name__)


class TablesHolder:
    """Loads the :class:`~snapassist.search.FlickrPhotosDatabase` once.

    With it, the answers precomputed beside the tables (``snapassist
    precompute``), served only while they match the tables and the settings.
    Thread-safe: concurrent first requests wait for one load.
    """

    def __init__(self, database=None, folder=None, settings=None):
        self._database = database
        self._folder = folder
        self._settings = settings
        self._stored = None
        self._loaded_from = None
        self._place = None
        self._atlas = None
        self._lock = threading.Lock()

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
        """The database, loading it on the first call."""
        if self._database is None:
            with self._lock:
                if self._database is None:
                    self._database = self._load()
        return self._database

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
        log.info("loaded %d photos from %s in %.1f s%s", database.n_photos, folder,
                 time.perf_counter() - start, " (synthetic demo)" if database.is_demo else "")
        from ..precompute import StoredAnswers

        # Opened with the tables, so a stale file is reported once, at start.
        self._stored = StoredAnswers.open(folder, database, settings=self._settings)
        if len(self._stored):
            log.info("%d precomputed answers from %s", len(self._stored), self._stored.path)
        # Read once here, so a preloading server's workers share it.
        self._atlas = self._stored.atlas()
        return database
