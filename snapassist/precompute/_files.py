"""The stored answers' files: the fingerprint, the parts of a run, the one answers file.

Private helper of :mod:`snapassist.precompute`.

The answers file (``config.PRECOMPUTED_ANSWERS`` beside the tables) is one
pandas HDF5 file in fixed format, so that one answer is read by slicing:

``table``
    one row per phrase, sorted: ``phrase, n_photos, n_background,
    reach_reduced`` and the ``[start, stop)`` rows of the answer in each
    key below; its attributes hold the fingerprint (see :func:`fingerprint`);
``points``
    the map's per-photo arrays of every answer, one after the other;
``reach``
    the reachability plot's arrays of every answer;
``text``
    the JSON of every answer's other fields, as UTF-8 bytes.

A run keeps each finished answer in a NumPy ``.npz`` file in
``<answers file>.parts/``, recorded in ``manifest.json`` there; every file
is written to a temporary name and renamed (:mod:`snapassist.io`), so a
kill at any moment loses at most the answers in flight.
"""
import hashlib
import json
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, io
from ._answer import StoredAnswer, dumps, loads
from ._atlas import ATLAS_KEY
from ..search import parse_query
from ..errors import QueryError, TableError
from ..settings import Settings

log = logging.getLogger(__name__)

#: Changes whenever the layout above changes: older files are then stale.
FORMAT_VERSION = 1
_KEYS = ("points", "reach", "text")
#: The code that decides an answer: whole packages (every module in them,
#: added later or not) and the foundations they stand on.
ANSWER_CODE = ("spots", "search", "clustering", "precompute", "geo.py", "schema.py",
               "words.py")


def fingerprint(folder, database, settings=None):
    """What the stored answers depend on, as JSON-ready data.

    ``tables``: size and modification time of each table file, the number
    of photos, the views threshold, and the search file's hash of the table
    files (or, for tables without one, a hash of the photo ids).
    ``config``: the method's settings (:meth:`Settings.method`: every field
    but the live budget), the phrasing rules of a search and how an answer
    is stored; nothing else of :mod:`snapassist.config`, so that a setting
    of the web app or the scrapers never makes stored answers stale.
    ``code``: a hash of the code that computes an answer
    (:data:`ANSWER_CODE`), so answers of an older method are never served.
    """
    settings = Settings() if settings is None else settings
    folder = Path(folder)
    files = []
    for name in (config.MASTER_TABLE_PROCESSED, config.POPULAR_TABLE_PROCESSED):
        path = folder / name
        if path.is_file():
            stat = path.stat()
            files.append([name, stat.st_size, stat.st_mtime_ns])
    tables = {"files": files, "n_photos": int(database.n_photos),
              "views_threshold": repr(database.views_threshold(settings.views_percentile))}
    if database.fingerprint is not None:
        # Tables loaded through their search file: its hash of the table files'
        # bytes already covers every id, and reading the ids would read the
        # whole table (tens of seconds at a million photos).
        tables["tables_sha1"] = database.fingerprint
    else:
        ids = "\n".join(database.photos["id"].astype(str).tolist()).encode("utf-8")
        tables["ids_blake2b"] = hashlib.blake2b(ids, digest_size=16).hexdigest()
    method = {"settings": settings.method(),
              "phrasing": {"max_chars": config.MAX_QUERY_CHARS,
                           "max_terms": config.MAX_QUERY_TERMS,
                           "stopwords": sorted(config.STOPWORDS)},
              "stored": {"background_sample": config.PRECOMPUTE_BACKGROUND_SAMPLE,
                         "sample_seed": config.PRECOMPUTE_SAMPLE_SEED,
                         "plot_bars": config.PRECOMPUTE_PLOT_BARS}}
    code = hashlib.blake2b(digest_size=16)
    for path in answer_code_files():
        code.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        code.update(path.read_bytes())
    # Through JSON, so that it compares equal to what a file gives back.
    return json.loads(json.dumps({"format": FORMAT_VERSION, "tables": tables,
                                  "config": method, "code": code.hexdigest()}))


_PACKAGE = Path(__file__).resolve().parents[1]


def answer_code_files():
    """The source files of :data:`ANSWER_CODE`, sorted (Python and Cython)."""
    files = []
    for name in ANSWER_CODE:
        path = _PACKAGE / name
        if path.is_dir():
            files += [f for f in path.rglob("*") if f.suffix in (".py", ".pyx", ".pxd")]
        else:
            files.append(path)
    return sorted(files)


def canonical_phrase(phrase):
    """The key of a phrase's stored answer: its terms joined by one space."""
    return " ".join(parse_query(phrase))


def write_answers(path, answers, attrs):
    """Write ``answers`` (StoredAnswer, any order) into one answers file, atomically."""
    answers = sorted(answers, key=lambda a: a.phrase)
    rows, points, reach, texts = [], [], [], []
    at = dict.fromkeys(_KEYS, 0)
    for answer in answers:
        text = _utf8(dumps(answer.fields, answer.error))
        row = {"phrase": answer.phrase, "n_photos": answer.n_photos,
               "n_background": answer.n_background, "reach_reduced": answer.reach_reduced}
        for key, size in zip(_KEYS, (len(answer.points), len(answer.reach), len(text))):
            row[f"{key}_start"], row[f"{key}_stop"] = at[key], at[key] + size
            at[key] += size
        rows.append(row)
        points.append(answer.points)
        reach.append(answer.reach)
        texts.append(text)
    frames = {"table": pd.DataFrame(rows, columns=_index_columns()),
              "points": _concat(points), "reach": _concat(reach),
              "text": pd.Series(np.concatenate(texts) if texts else np.empty(0, np.uint8))}

    def write(tmp):
        with warnings.catch_warnings():
            # Phrases are text; PyTables warns about pickling object columns.
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            with pd.HDFStore(tmp, mode="w") as store:
                for key, frame in frames.items():
                    # No time stamps (pandas asks for the choice to be explicit).
                    store.put(key, frame, format="fixed", track_times=False)
                store.get_storer("table").attrs.snapassist = json.dumps(attrs, sort_keys=True)

    return io.write_atomically(path, write)


def _index_columns():
    return (["phrase", "n_photos", "n_background", "reach_reduced"]
            + [f"{key}_{end}" for key in _KEYS for end in ("start", "stop")])


def _concat(frames):
    frames = [f for f in frames if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_index(path):
    """``(index frame, attrs)`` of an answers file; raises TableError naming it."""
    index = io.read_table(path, "precomputed answers file")
    return index, io.read_table_attrs(path)


def read_answer(store, row):
    """The :class:`StoredAnswer` of one index ``row`` from an open HDFStore."""
    def part(key):
        start, stop = int(row[f"{key}_start"]), int(row[f"{key}_stop"])
        if start == stop:
            return pd.DataFrame()
        return store.select(key, start=start, stop=stop).reset_index(drop=True)

    text = part("text")
    fields, error = loads(np.asarray(text, dtype=np.uint8).tobytes().decode("utf-8"))
    return StoredAnswer(phrase=str(row["phrase"]), n_photos=int(row["n_photos"]),
                        error=error, fields=fields, points=part("points"), reach=part("reach"),
                        n_background=int(row["n_background"]),
                        reach_reduced=bool(row["reach_reduced"]))


def read_answers(path):
    """Every answer of an answers file: ``({phrase: StoredAnswer}, attrs)``."""
    index, attrs = read_index(path)
    with pd.HDFStore(path, mode="r") as store:
        return {row["phrase"]: read_answer(store, row)
                for row in index.to_dict("records")}, attrs


def _write_part(path, answer):
    """One answer as a NumPy ``.npz`` file: a part is written and read once,
    and NumPy does that ten times faster than an HDF5 file of four keys."""
    meta = {"phrase": answer.phrase, "n_photos": answer.n_photos,
            "n_background": answer.n_background, "reach_reduced": answer.reach_reduced,
            "points": list(answer.points.columns), "reach": list(answer.reach.columns)}
    arrays = {"meta": _utf8(json.dumps(meta)), "text": _utf8(dumps(answer.fields, answer.error))}
    for key in ("points", "reach"):
        frame = getattr(answer, key)
        arrays.update((f"{key}.{i}", frame[name].to_numpy())
                      for i, name in enumerate(frame.columns))
    with open(path, "wb") as out:
        np.savez(out, **arrays)


def _read_part(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode("utf-8"))
            fields, error = loads(data["text"].tobytes().decode("utf-8"))
            frames = {key: pd.DataFrame({name: data[f"{key}.{i}"]
                                         for i, name in enumerate(meta[key])})
                      for key in ("points", "reach")}
    except (OSError, ValueError, KeyError) as exc:
        raise TableError(f"the precomputed part {str(path)!r} cannot be read: {exc}; "
                         "delete it and run again", path=str(path)) from exc
    return StoredAnswer(phrase=meta["phrase"], n_photos=meta["n_photos"], error=error,
                        fields=fields, points=frames["points"], reach=frames["reach"],
                        n_background=meta["n_background"],
                        reach_reduced=meta["reach_reduced"])


def _utf8(text):
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


class Parts(io.PartsFolder):
    """The ``<answers file>.parts`` folder of a run: one file per finished phrase.

    A folder left by a run over other tables, settings or code (another
    fingerprint) is emptied: its answers are of no use.
    """

    def __init__(self, out_path, fingerprint):
        super().__init__(out_path, fingerprint, key="fingerprint")
        self.out_path = self.target

    def open(self):
        """Create or reopen the folder; return the set of phrases already done."""
        state = self.read_manifest()
        if state is not None and self.matches(state):
            self.done = state.get("done", {})
            return set(self.done)
        if self.manifest.is_file():
            log.warning("%s holds answers of other tables, settings or code: starting again",
                        self.dir)
            self.remove()
        try:
            self.make()
        except OSError as exc:
            raise TableError(f"cannot create the folder {str(self.dir)!r} for the parts of "
                             f"{str(self.out_path)!r}: {exc}", path=str(self.dir)) from exc
        return set()

    def save(self, answer):
        """Store one finished answer, then record it in the manifest."""
        name = f"{answer.phrase.replace(' ', '+')}.npz"
        io.write_atomically(self.dir / name, lambda tmp: _write_part(tmp, answer))
        self.record(answer.phrase, name)

    def load(self, phrases):
        """The stored answers of ``phrases`` (each must be done)."""
        return [_read_part(self.dir / self.done[phrase]) for phrase in phrases]


class StoredAnswers:
    """The precomputed answers of a tables folder, served only while they are fresh.

    Use :meth:`open`; then :meth:`get` gives a phrase's
    :class:`~snapassist.precompute.StoredAnswer` (``to_result(query)``
    makes the :class:`~snapassist.spots.SpotsAnswer`), or ``None`` when
    the phrase was not precomputed or the answers are stale.
    """

    def __init__(self, path, index=None, fresh=False):
        self.path = Path(path)
        self.fresh = fresh
        self._rows = {} if index is None or not fresh else {
            row["phrase"]: row for row in index.to_dict("records")}

    @classmethod
    def open(cls, folder, database, path=None, settings=None):
        """Open ``folder``'s answers file (or ``path``) for ``database``'s tables.

        Answers computed for other tables, other method settings
        (``settings``, default ``Settings()``) or another version of the
        method are never served: this logs one warning saying so and what
        changed. A missing file is not an error.
        """
        path = Path(folder) / config.PRECOMPUTED_ANSWERS if path is None else Path(path)
        if not path.is_file():
            log.info("no precomputed answers at %s", path)
            return cls(path)
        index, attrs = read_index(path)
        expected = fingerprint(folder, database, settings)
        stored = attrs.get("fingerprint", {})
        changed = [part for part in ("format", "tables", "config", "code")
                   if stored.get(part) != expected[part]]
        if changed:
            log.warning("the precomputed answers in %s are stale (%s changed since they were "
                        "computed) and will not be used: run 'snapassist precompute' again",
                        path, ", ".join(changed))
            return cls(path, index, fresh=False)
        return cls(path, index, fresh=True)

    def __len__(self):
        return len(self.phrases)

    def __contains__(self, phrase):
        return self._key(phrase) in self._rows

    @property
    def phrases(self):
        """The phrases served, sorted (the atlas is not one)."""
        return sorted(phrase for phrase in self._rows if phrase != ATLAS_KEY)

    def atlas(self):
        """The city's atlas (:mod:`._atlas`) as a :class:`~snapassist.spots.SpotsAnswer`, or ``None``.

        Its spots carry their ``subjects``; ``None`` when the answers are
        stale or were computed without it.
        """
        row = self._rows.get(ATLAS_KEY)
        if row is None:
            return None
        with pd.HDFStore(self.path, mode="r") as store:
            return read_answer(store, row).to_result("")

    def _key(self, phrase):
        try:
            return canonical_phrase(phrase)
        except QueryError:
            return None

    def get(self, phrase):
        """The stored answer of ``phrase``, or ``None``."""
        row = self._rows.get(self._key(phrase))
        if row is None:
            return None
        with pd.HDFStore(self.path, mode="r") as store:
            return read_answer(store, row)
