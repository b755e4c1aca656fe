"""``/healthz``: liveness, answered without loading any table or taking a search slot."""
from flask import Blueprint, current_app, jsonify

from .slots import search_slots

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """``{"status": "ok", "tables_loaded", ["cities"], ["searches"]}``.

    ``tables_loaded``: whether every table is in memory. With several
    cities, ``cities`` gives each one's name, photos and whether it is
    loaded. Under gunicorn, ``searches`` says how this worker's search
    slots are used (``{"slots", "busy", "waiting"}``: searches computing,
    and waiting for a slot).
    """
    body = {"status": "ok"}
    cities = current_app.extensions.get("snapassist_cities")
    if cities is None:
        body["tables_loaded"] = current_app.extensions["snapassist_tables"].loaded
    else:
        body["tables_loaded"] = cities.loaded
        body["cities"] = {c.slug: {"name": c.name, "n_photos": c.n_photos,
                                   "loaded": c.holder.loaded} for c in cities}
    slots = search_slots(current_app)
    if slots is not None:
        body["searches"] = slots.to_dict()
    return jsonify(body)
