"""The JSON API: ``/api/search`` or, with several cities, ``/api/<city>/search``.

Every address under ``/api/`` answers JSON, errors included (see
:mod:`._errors`): an address the API does not have is a JSON 404 from the
catch-all route here, so that it reaches the API's error handling by its
endpoint. With several cities, :data:`root` answers ``/api/search`` and
the other addresses without a city with a 404 naming each city's search.
"""
from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.exceptions import NotFound

from ..search import TooBroad
from . import _answers as answers
from .cities import CityNeeded, give_city, take_city

#: The API of the tables: at ``/api``, or at ``/api/<city>`` for each city.
bp = Blueprint("api", __name__)
bp.url_value_preprocessor(take_city)
bp.url_defaults(give_city)
#: With several cities: ``/api`` itself, where every search needs a city.
root = Blueprint("api_root", __name__)
#: The blueprints whose errors are JSON (the search by place's too: :mod:`.near`).
NAMES = frozenset({bp.name, root.name, "near_api"})


@bp.route("/search")
def search():
    """The spots of a search as JSON; a too-broad search is a 400 with narrower ones."""
    body, status, page_key = answers.searched_page("api", _render)
    return answers.respond(page_key, body, status, "application/json")


def _render(database, result, options):
    """``(JSON, status)``: the spots (200), or a too-broad search with narrower ones (400)."""
    if isinstance(result, TooBroad):
        body = {"error": answers.too_broad_message(result), "status": 400, "too_broad": True,
                "query": result.query, "demo": database.is_demo,
                "views": database.has_views, "n_photos": result.n_photos,
                "suggestions": answers.suggestions(result, options),
                "options": options.to_dict()}
    else:
        spots = [h.to_dict() for h in result.spots]
        body = {"query": result.query, "demo": database.is_demo,
                "views": database.has_views, "n_photos": result.n_photos,
                "options": options.to_dict(),
                # "spots" is the name everywhere; "clusters", the same list,
                # is kept for clients written before it.
                "spots": spots, "clusters": spots,
                "no_spot": result.no_spot, "anchor_rank": result.anchor_rank}
    if not database.has_views:
        body["note"] = answers.NO_VIEWS_NOTE
    return current_app.json.dumps(body), 400 if isinstance(result, TooBroad) else 200


# Without a redirect to the address with a slash: with several cities
# ``/api/<city>/`` would otherwise redirect ``/api/x`` before any 404.
@bp.route("/", strict_slashes=False)
def index():
    """What the API offers here: ``{"search": address}``."""
    return jsonify({"search": url_for("api.search")})


@bp.route("/<path:rest>")
def unknown(rest):
    """Any other address under the API: a JSON 404."""
    raise NotFound(f"The API has no address {request.path!r}; it answers "
                   f"{url_for('api.search')}?q=...")


@root.route("/", defaults={"rest": ""}, strict_slashes=False)
@root.route("/search", defaults={"rest": "search"})
@root.route("/<path:rest>")
def needs_city(rest):
    """``/api/search`` and the like with several cities: a 404 naming each city's search."""
    raise CityNeeded([city.slug for city in current_app.extensions["snapassist_cities"]])
