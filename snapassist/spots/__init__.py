"""The whole life of a spot: chosen among a search's photos, described, scored, ordered.

A search's photos (from :mod:`snapassist.search`) go to :func:`find_spots`,
which returns a :class:`SpotsAnswer`: the ranked :class:`Spot` objects, each
with what a photographer needs there, and what the map and the plot draw.
Per request, without clustering again, :func:`add_sun` adds the sun on a
date and :func:`sort_answer` puts the spots in another order.

Private modules, in the order a search goes through them: ``_find`` (visits,
OPTICS, the gate), ``_selection`` (which clusters are spots, and why there
is none), ``_describe`` (counts, centre, best photos, camera settings),
``_facts``, ``_measures`` and ``_when`` (light, lenses, direction, event or
season), ``_photos`` (a photo as the API shows it), ``_order`` (sun, order),
``_model`` (the dataclasses). A city's atlas (every photo clustered) gives
each spot its subjects (``_subjects``), and a search by place reads it
(``_near``).
"""
from ._find import find_spots, trim_cluster
from ._model import SCORE_TEXT, Spot, SpotsAnswer, spot_score
from ._near import NearbySpot, check_point, near
from ._order import add_sun, admired_score, sort_answer
from ._subjects import spot_subjects

__all__ = ["SCORE_TEXT", "NearbySpot", "Spot", "SpotsAnswer", "add_sun", "admired_score",
           "check_point", "find_spots", "near", "sort_answer", "spot_score", "spot_subjects",
           "trim_cluster"]
