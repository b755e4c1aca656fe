"""Search by place: ``/near`` (a page) and ``/api/near`` (JSON); with several cities
``/<city>/near`` and ``/api/<city>/near``.

"I am here, or will be tonight: what is worth photographing nearby?" The
city's atlas (:mod:`.atlas`) answers it without clustering anything: its
spots within ``radius_m`` of ``lat``/``lon``, each with its subjects, its
distance and its bearing from the point. It is a lookup of milliseconds, so
it takes no search slot (:mod:`.slots`) and is not cached.

Parameters, as for a search (:mod:`.options`): ``months=``, ``light=``,
``sort=`` and ``date=`` (the day the sun is given for), and ``tonight=1``,
which keeps the spots whose admired photos are golden or blue hour. A bad
value is a 400 naming it (JSON from the API); tables without an atlas are
a 404 saying how to build one.
"""
import gzip
import json
import math

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import NotFound

from .. import config, geo
from ..errors import QueryError
from ..spots import admired_score
from ..spots._near import DEFAULT_RADIUS_M, MAX_RADIUS_M, MIN_RADIUS_M
from . import _answers as answers
from .atlas import atlas_view, map_assets, marker, prepare, subject_links
from .card import glance_facts
from .cities import current_holder, give_city, take_city
from .format import format_distance
from .map import render_atlas_map
from .options import city_zone, parse_options, single_value
from .security import page_policy

__all__ = ["NoAtlas", "api", "api_bp", "bp", "lookup", "page", "prepare", "spot_json"]

#: The pages' blueprint (beside :mod:`.pages`) and the API's (beside :mod:`.api`).
bp = Blueprint("near", __name__)
api_bp = Blueprint("near_api", __name__)
for _blueprint in (bp, api_bp):
    _blueprint.url_value_preprocessor(take_city)
    _blueprint.url_defaults(give_city)

#: At most this many spots are listed (the nearest count says how many were found).
MAX_SPOTS = 50
#: What the spots' JSON leaves out: every photo's id (tens of thousands at a
#: busy atlas spot), and what places a spot from the atlas's anchor (its most
#: photographed spot, far from the point), or gives a search's sun.
_LEFT_OUT = ("photo_ids", "bearing_deg", "distance_m", "side", "anchor_rank", "sun",
             "sun_behind_at_sunset")
#: Metres in a degree of latitude (a mean Earth).
_METRES_PER_DEGREE = 111_195.0
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@bp.app_context_processor
def _near_globals():
    """What a page's point form (``_near_form.html``) needs: the radius allowed."""
    return {"min_radius": MIN_RADIUS_M, "max_radius": MAX_RADIUS_M,
            "default_radius": DEFAULT_RADIUS_M}


class NoAtlas(NotFound):
    """The city's tables have no atlas (yet): a 404 saying how to build one."""

    def __init__(self, city=None):
        where = f"{city} has" if city else "These tables have"
        super().__init__(f"{where} no atlas yet (or its precomputed answers are out of "
                         f"date): build it with 'snapassist precompute <tables folder>', "
                         f"then restart the web app.")


class _Asked:
    """What a request asks: the point, the radius, the filters; checked.

    ``views``: whether the tables have view counts (without them there is
    no "most admired" order).
    """

    def __init__(self, args, zone, views=True):
        self.options = parse_options(args, zone)
        if self.options.sort == "admired" and not views:
            raise QueryError(answers.NO_VIEWS_ADMIRED)
        self.lat, self.lon = single_value(args, "lat"), single_value(args, "lon")
        if self.lat is None or self.lon is None:
            raise QueryError("lat and lon are needed: the point to look around "
                             "(near?lat=43.6426&lon=-79.3871)")
        self.radius_m = single_value(args, "radius_m") or DEFAULT_RADIUS_M
        tonight = (single_value(args, "tonight") or "0").lower()
        if tonight not in _TRUE + _FALSE:
            raise QueryError(f"tonight must be 1 or 0, got {tonight[:40]!r}")
        self.tonight = tonight in _TRUE


def lookup(view, asked, zone, settings):
    """``(found, sun)``: the atlas spots around the point, in the order asked, and its sun.

    ``found`` is every :class:`~snapassist.spots.NearbySpot` within the
    radius kept by the filters: by score (the atlas's order), by
    photographers or by admired photos (``sort=``). ``sun`` is
    :func:`snapassist.geo.sun_times` at the point on the date asked (today,
    there, by default: tonight's times with ``tonight=1``).

    Raises
    ------
    QueryError
        If the point or the radius is unusable (:func:`snapassist.spots.check_point`).
    """
    options = asked.options
    found = view.near(asked.lat, asked.lon, asked.radius_m, months=options.months,
                      lights=options.light, tonight=asked.tonight)
    if options.sort == "photographers":
        found.sort(key=lambda n: (-n.spot.n_owners, n.spot.rank))
    elif options.sort == "admired":
        median, prior = view.atlas.search_median_views, settings.admired_prior_photos
        found.sort(key=lambda n: (-admired_score(n.spot, median, prior), n.spot.rank))
    # The point is checked by now: a number on the Earth.
    sun = geo.sun_times(float(asked.lat), float(asked.lon), options.date, zone)
    return found, sun


def _ask():
    """``(holder, database, view, zone)`` of this request; :class:`NoAtlas` without one."""
    holder = current_holder()
    database = holder.get()
    view = atlas_view(holder)
    if view is None:
        raise NoAtlas(holder.city)
    return holder, database, view, city_zone(database.timezone)


def spot_json(nearby):
    """One spot of ``/api/near``: the atlas spot's fields, then where it is from the point."""
    h = nearby.spot
    body = {name: value for name, value in h.to_dict().items() if name not in _LEFT_OUT}
    body.update(subjects=h.subjects or [], distance_m=round(nearby.distance_m, 1),
                bearing_deg=round(nearby.bearing_deg, 1), direction=nearby.direction)
    return body


@api_bp.route("/near")
def api():
    """The atlas spots around a point as JSON (see the module's docstring)."""
    _, database, view, zone = _ask()
    asked = _Asked(request.args, zone, database.has_views)
    found, sun = lookup(view, asked, zone, answers.settings())
    body = {"demo": database.is_demo, "views": database.has_views,
            "point": {"latitude": float(asked.lat), "longitude": float(asked.lon)},
            "radius_m": float(asked.radius_m),
            "options": {**asked.options.to_dict(), "tonight": asked.tonight},
            "n_spots": len(found), "atlas_spots": len(view.spots), "sun": sun,
            "spots": [spot_json(n) for n in found[:MAX_SPOTS]]}
    if not database.has_views:
        body["note"] = answers.NO_VIEWS_NOTE
    # Compact, unsorted: 200 KB for 50 spots, encoded in half the time.
    return current_app.response_class(json.dumps(body, separators=(",", ":")),
                                      mimetype="application/json")


@bp.route("/near")
def page():
    """The atlas spots around a point: a form, a list and a map (see the module's docstring)."""
    form = {name: request.args.get(name, "") for name in ("lat", "lon", "radius_m")}
    context = {"form": form, "demo": answers.is_demo(), "near_filters": True,
               "tonight": request.args.get("tonight", "") in _TRUE, "options": None,
               "found": None, "message": None, "no_atlas": False}
    try:
        _, database, view, zone = _ask()
    except NoAtlas as exc:
        context.update(message=exc.description, no_atlas=True)
        return render_template("near.html", **context), exc.code
    if not (form["lat"].strip() or form["lon"].strip()):
        return render_template("near.html", **context), 200
    try:
        asked = _Asked(request.args, zone, database.has_views)
        found, sun = lookup(view, asked, zone, answers.settings())
    except QueryError as exc:
        context["message"] = str(exc)
        return render_template("near.html", **context), 400
    point = (float(asked.lat), float(asked.lon))
    shown = found[:MAX_SPOTS]
    scripts, styles = map_assets()
    view_box = _view_around(point, float(asked.radius_m))
    parts = render_atlas_map([marker(n.spot, "top", database.is_demo) for n in shown],
                             view_box, tiles=current_app.extensions["snapassist_tiles"],
                             scripts=scripts, styles=styles, near_url=request.path,
                             point=point, radius_m=float(asked.radius_m))
    cards = [_card(n) for n in shown]
    context.update(options=asked.options.to_dict(), found=found, cards=cards, sun=sun,
                   map=parts, point=point, radius_m=float(asked.radius_m),
                   atlas_spots=len(view.spots), tonight=asked.tonight)
    return _sent(render_template("near.html", **context))


def _sent(body):
    """The response of a drawn page, gzipped when the client accepts it (as a search's).

    Half a megabyte at a busy point, mostly the spots' cards; a tenth of
    that gzipped. Its Content-Security-Policy is made from the plain page
    (its scripts' hashes), since the compressed one cannot be read after.
    """
    response = current_app.response_class(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = page_policy(
        body, current_app.extensions["snapassist_tiles"])
    response.vary.add("Accept-Encoding")
    if len(body) >= config.GZIP_MIN_BYTES and "gzip" in request.accept_encodings:
        response.set_data(gzip.compress(body.encode("utf-8"), compresslevel=config.GZIP_LEVEL))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _view_around(point, radius_m):
    """``[[s, w], [n, e]]``: the box around the circle of ``radius_m`` around ``point``."""
    lat, lon = point
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = dlat / max(0.01, abs(math.cos(math.radians(lat))))
    return [[lat - dlat, lon - dlon], [lat + dlat, lon + dlon]]


def _card(nearby):
    """What the list shows of a spot found: where it is from the point, its subjects, facts."""
    h = nearby.spot
    return {"h": h, "where": f"{format_distance(nearby.distance_m)} {nearby.direction}",
            "bearing": round(nearby.bearing_deg), "subjects": subject_links(h),
            "facts": [f for f in glance_facts(h) if f.kind != "where"]}

