"""The method's settings as one frozen object, passed to the method and hashed.

Everything that decides a search's spots (the gate, OPTICS, which clusters
are spots, the facts at each spot and the admired order) and the live
budget is a field of :class:`Settings`. Its defaults are the constants of
:mod:`snapassist.config` (where each is explained); :meth:`Settings.from_environ`
builds it at start from them and ``SNAPASSIST_<FIELD>`` environment
variables (``SNAPASSIST_MAX_SPOT_SPREAD_M=200``), and the method reads it
as an argument, never from module globals.

:meth:`Settings.digest` hashes the fields that change an answer's spots
(all but the budget): the web's answer cache and the precompute's
fingerprint key on it, so a setting that changes nothing of an answer (the
gzip level, a Flickr timeout, the budget) never makes stored answers stale.
"""
import dataclasses
import hashlib
import json
import os

from . import config
from .errors import ConfigError

#: Environment variables overriding a field: this prefix and its name in capitals.
ENV_PREFIX = "SNAPASSIST_"


def _field(name, help_text, kind=float, nullable=False):
    return dataclasses.field(default=getattr(config, name),
                             metadata={"help": help_text, "kind": kind, "nullable": nullable})


@dataclasses.dataclass(frozen=True)
class Settings:
    """The method's settings (defaults: :mod:`snapassist.config`'s constants of the same name)."""

    # --- the gate
    min_photos_to_cluster: int = _field(
        "MIN_PHOTOS_TO_CLUSTER", "fewest photos a search needs to be clustered", kind=int)
    views_percentile: float = _field(
        "VIEWS_PERCENTILE", "a spot needs a photo above this percentile of the city's views")
    # --- OPTICS
    min_samples_floor: int = _field("MIN_SAMPLES_FLOOR", "OPTICS min_samples, at least", kind=int)
    min_samples_fraction: float = _field(
        "MIN_SAMPLES_FRACTION", "OPTICS min_samples as a share of the search's visits")
    min_samples_cap: int = _field("MIN_SAMPLES_CAP", "OPTICS min_samples, at most", kind=int)
    optics_xi: float = _field("OPTICS_XI", "xi of OPTICS' cluster extraction")
    # --- which clusters are spots
    min_spot_photos: object = _field(
        "MIN_SPOT_PHOTOS", "fewest visits of a spot (None: min_samples)", kind=int, nullable=True)
    max_spot_spread_m: float = _field(
        "MAX_SPOT_SPREAD_M", "widest spot: 68th-percentile distance from its middle, metres")
    spot_tail_factor: float = _field(
        "SPOT_TAIL_FACTOR", "a cluster's ends reached this many times farther than its core "
                            "are cut off")
    spot_min_contrast: float = _field(
        "SPOT_MIN_CONTRAST", "a spot lies this many times farther from the rest than its "
                             "core's spacing")
    min_spot_owners: int = _field("MIN_SPOT_OWNERS", "fewest photographers of a spot", kind=int)
    spot_visit_m: float = _field(
        "SPOT_VISIT_M", "one photographer's photos within a cell this wide are one visit")
    spot_level_step: float = _field(
        "SPOT_LEVEL_STEP", "ratio between the reachability levels tried below xi's leaves")
    min_spot_separation_m: object = _field(
        "MIN_SPOT_SEPARATION_M", "two places this far apart inside one are two spots "
                                 "(None: never)", kind=float, nullable=True)
    trim_percentile: float = _field("TRIM_PERCENTILE", "percentile of a spot's spread")
    trim_factor: float = _field(
        "TRIM_FACTOR", "visits farther than this many spreads from the middle are strays")
    n_best_photos: int = _field("N_BEST_PHOTOS", "most viewed photos shown per spot", kind=int)
    # --- the facts at each spot
    admired_share: float = _field(
        "ADMIRED_SHARE", "the most viewed share of a spot's photos: its admired photos")
    event_share: float = _field(
        "EVENT_SHARE", "an event's few days each year hold at least this share")
    event_max_days: int = _field("EVENT_MAX_DAYS", "an event lasts at most this many days", kind=int)
    event_min_year_photos: int = _field(
        "EVENT_MIN_YEAR_PHOTOS", "a year is judged alone from this many dated photos", kind=int)
    event_fixed_share: float = _field(
        "EVENT_FIXED_SHARE", "the same days every year hold this share of each year's own")
    event_one_year_share: float = _field(
        "EVENT_ONE_YEAR_SHARE", "one year holding this share makes a one-off event")
    event_night_ends_hour: int = _field(
        "EVENT_NIGHT_ENDS_HOUR", "photos before this hour belong to the evening before", kind=int)
    event_night_starts_hour: int = _field(
        "EVENT_NIGHT_STARTS_HOUR", "from this hour a photo of unknown light is at night", kind=int)
    event_min_timed_photos: int = _field(
        "EVENT_MIN_TIMED_PHOTOS", "an event is 'at night' with this many photos of known time", kind=int)
    season_share: float = _field(
        "SEASON_SHARE", "a season's months hold more than this share")
    season_max_months: int = _field("SEASON_MAX_MONTHS", "a season lasts at most this many months", kind=int)
    min_dated_photos: int = _field("MIN_DATED_PHOTOS", "fewer dated photos say nothing of when", kind=int)
    one_photographer_share: float = _field(
        "ONE_PHOTOGRAPHER_SHARE", "above this share of its photos, one photographer made a spot")
    admired_prior_photos: int = _field(
        "ADMIRED_PRIOR_PHOTOS", "sort=admired shrinks a spot's mean views as if it had this "
                                "many more photos at the search's median", kind=int)
    # --- the budget (not part of the digest: it decides whether a search is
    # clustered live, never what its spots are)
    live_max_photos: int = _field(
        "LIVE_MAX_PHOTOS", "most photos a web request clusters; broader searches get "
                           "narrower ones to try", kind=int)

    @classmethod
    def from_environ(cls, environ=None, **overrides):
        """The defaults, ``SNAPASSIST_<FIELD>`` environment variables over them, then ``overrides``.

        Raises
        ------
        ConfigError
            If a variable's value does not read as its field's type.
        """
        environ = os.environ if environ is None else environ
        values = {}
        for field in dataclasses.fields(cls):
            name = ENV_PREFIX + field.name.upper()
            raw = environ.get(name, "").strip()
            if raw:
                values[field.name] = _parse(name, raw, field.metadata)
        return cls(**{**values, **overrides})

    def method(self):
        """The fields that decide an answer's spots, as a dict (all but the budget)."""
        values = dataclasses.asdict(self)
        del values["live_max_photos"]
        return values

    def digest(self):
        """A short hash of :meth:`method`: equal digests, equal answers."""
        text = json.dumps(self.method(), sort_keys=True)
        return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()

    @classmethod
    def describe(cls):
        """``[(field, default, help)]`` of every field, for the documentation and ``--help``."""
        return [(f.name, f.default, f.metadata["help"]) for f in dataclasses.fields(cls)]


def _parse(name, raw, meta):
    """``raw`` as its field's kind; ``none`` for a field that may be ``None``."""
    kind, nullable = meta["kind"], meta["nullable"]
    if nullable and raw.lower() == "none":
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name}={raw!r} is not {what}{' or none' if nullable else ''}"
                          ) from None
    if value < 0 or value != value:
        raise ConfigError(f"{name}={raw!r} must not be negative")
    return value
