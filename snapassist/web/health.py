"""``/healthz``: liveness and the state of the tables, answered without loading any table.

It stays small with thousands of cities: counts, and only the unusable
cities by name. Plain ``/healthz`` is 503 only when nothing can be served
(the one folder of tables is unusable); ``/healthz?strict`` is 503 as soon
as any city is, for a probe that should page someone about one city.
"""
from flask import Blueprint, current_app, jsonify, request

from .slots import search_slots

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """``{"status", "tables_loaded", ["problem"], ["cities", "unusable"], ["searches"]}``.

    ``status`` is ``"ok"``, ``"degraded"`` (some cities unusable) or
    ``"unusable"`` (nothing can be served). ``tables_loaded``: whether the
    tables are in memory (with several cities, as many as a process keeps).
    ``changed``: whether (how many of) the loaded tables' files changed since
    they were loaded; they are loaded again on their next use.
    One folder of tables: ``problem`` says why they cannot be served.
    Several cities: ``cities`` is ``{"count", "loaded", "changed", "unusable"}``
    (``loaded`` and ``changed`` count this process's loaded cities) and
    ``unusable`` maps each unusable city's address to its problem. Under gunicorn, ``searches`` says how this
    worker's search slots are used (``{"slots", "busy", "waiting"}``).
    The status code is 503 when nothing can be served, or with ``?strict``
    when anything cannot; else 200.
    """
    strict = "strict" in request.args
    cities = current_app.extensions.get("snapassist_cities")
    if cities is None:
        holder = current_app.extensions["snapassist_tables"]
        problem = holder.problem
        body = {"status": "ok" if problem is None else "unusable", "tables_loaded": holder.loaded,
                "changed": holder.changed}
        if problem is not None:
            body["problem"] = problem
        bad = problem is not None
    else:
        unusable = {c.slug: c.problem for c in cities if c.problem is not None}
        everything = len(unusable) == len(cities)
        body = {"status": "unusable" if everything else "degraded" if unusable else "ok",
                "tables_loaded": cities.loaded,
                "cities": {"count": len(cities), "loaded": cities.n_loaded,
                           "changed": cities.n_changed, "unusable": len(unusable)},
                "unusable": unusable}
        bad = everything or (strict and unusable)
    slots = search_slots(current_app)
    if slots is not None:
        body["searches"] = slots.to_dict()
    return jsonify(body), 503 if bad else 200
