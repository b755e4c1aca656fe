"""What a search's spots are: one :class:`Spot`, and the :class:`SpotsAnswer` of a search."""
from dataclasses import dataclass

import numpy as np

#: The ranking in words, for every page and document that explains it.
SCORE_TEXT = "mean views per photo divided by the number of photos"


def spot_score(views):
    """The 2018 score of a spot from its photos' views: ``SCORE_TEXT``.

    High for a place whose photos are admired but that few people have shot.
    """
    views = np.asarray(views, dtype=np.float64)
    return float(views.mean() / len(views))


@dataclass
class Spot:
    """One ranked place to stand, and what people shot there."""

    rank: int
    score: float
    n_photos: int
    n_owners: int
    mean_views: float
    median_views: float
    latitude: float
    longitude: float
    spread_m: float
    photo_ids: list
    best_photos: list
    settings: dict
    hours: list
    months: list
    # What a photographer needs there (``_facts``). find_spots sets them all;
    # the defaults (unknown) let a spot be built by hand.
    #: Share of the photos in each light (``_measures.light_shares``).
    light: dict = None
    #: [p25, p75] of the 35 mm equivalent focal lengths, or None.
    focal_range_mm: object = None
    #: Event, season or year-round (``_when.when``), or None.
    when: object = None
    one_photographer_share: float = None
    one_photographer: bool = None
    #: From the spot towards the search's anchor (None for the anchor).
    bearing_deg: object = None
    distance_m: object = None
    #: Where the spot lies seen from the anchor ("south-west").
    side: object = None
    #: The anchor's rank (None for the anchor itself).
    anchor_rank: object = None
    #: The sun on the date asked (``add_sun``); None until then.
    sun: object = None
    sun_behind_at_sunset: object = None
    #: What people photograph here, for a spot of a city's atlas (every photo
    #: clustered): ``_subjects.spot_subjects``; None for a search's spots.
    subjects: object = None

    def to_dict(self):
        """Plain JSON-ready dict (one spot of ``/api/search``)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class SpotsAnswer:
    """Everything a search produced, for the list, the map and the plot.

    ``photo_rank`` is aligned with the rows of the search result: the rank of
    the spot each photo belongs to, ``-1`` for background photos (never
    clustered, trimmed, or in a dropped cluster). ``reachability`` is OPTICS'
    reachability distance in metres, in cluster order (``inf`` for the first
    point of each connected part), and ``reachability_rank`` the rank of each
    point in that same order (OPTICS orders visits, so the plot has one bar
    per visit).
    """

    query: str
    n_photos: int
    spots: list
    latitudes: np.ndarray
    longitudes: np.ndarray
    photo_rank: np.ndarray
    reachability: np.ndarray
    reachability_rank: np.ndarray
    min_samples: int = 0
    views_threshold: float = 0.0
    #: Median views of the search's photos, the prior of ``sort=admired``.
    search_median_views: float = 0.0
    #: Why there is no spot, and where the photos are densest (not a spot):
    #: see ``_selection.explain_no_spot``; ``None`` when there are spots.
    no_spot: object = None
    #: Whether the photos have view counts (see ``find_spots``): without, the
    #: spots are ranked by photographers and say nothing of views.
    has_views: bool = True
    #: The rank of the search's anchor: the spot with the most photographers
    #: (for a landmark, usually the landmark itself), which every other
    #: spot's direction is given from; ``None`` without spots.
    anchor_rank: object = None

    @property
    def anchor(self):
        """The anchor :class:`Spot`, or ``None``."""
        return next((s for s in self.spots if s.rank == self.anchor_rank), None)
