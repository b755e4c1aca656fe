"""Routes of the web app, and the one place where errors become responses."""
import logging

from flask import (Blueprint, current_app, jsonify, render_template, request)

from .. import config
from ..errors import NotEnoughPhotosError, QueryError, SnapAssistError
from ..hotspots import USED_COLUMNS, find_hotspots, format_hours, format_months, settings_lines
from .format import rank_colour
from .map import render_map
from .plots import build_reachability_plot

log = logging.getLogger(__name__)

bp = Blueprint("snapassist", __name__)

#: How much of a rejected query is echoed back into the search box.
_ECHO_CHARS = 2 * config.MAX_QUERY_CHARS
_MISSING_QUERY = "Type what you want to photograph, for example 'cn tower'."


def _tables():
    return current_app.extensions["snapassist_tables"].get()


def _query_arg():
    """The search phrase from ``q`` (or the 2018 ``search_keywords``), or None."""
    q = request.args.get("q")
    return request.args.get("search_keywords") if q is None else q


def _search(phrase):
    if phrase is None:
        raise QueryError(_MISSING_QUERY)
    database = _tables()
    # Copying the hits is most of a search's cost on a large table: take only
    # what the hotspots read (optional columns may be absent in old tables).
    columns = [c for c in USED_COLUMNS if c in database.photos.columns]
    photos = database.get_search_results(phrase, columns=columns)
    return database, find_hotspots(photos, database.views_percentile, query=phrase.strip())


def _is_demo():
    return current_app.extensions["snapassist_tables"].is_demo


@bp.route("/")
def index():
    """The search page."""
    return render_template("search.html", query="", message=None, demo=_is_demo())


@bp.route("/output")
def output():
    """The 2018 results URL (``?search_keywords=``), kept working."""
    return search()


@bp.route("/search")
def search():
    """Results page: ranked list, map and reachability plot."""
    phrase = _query_arg()
    database, result = _search(phrase)
    spots = [_spot_view(h) for h in result.hotspots]
    return render_template("results.html", query=result.query, result=result, spots=spots,
                           map=render_map(result), plot=build_reachability_plot(result),
                           demo=database.is_demo)


@bp.route("/about")
def about():
    """How to use SnapAssist and how the ranking works."""
    return render_template("about.html", demo=_is_demo(), cfg=config)


@bp.route("/api/search")
def api_search():
    """The hotspots of a search as JSON."""
    database, result = _search(_query_arg())
    return jsonify({"query": result.query, "demo": database.is_demo,
                    "n_photos": result.n_photos,
                    "clusters": [h.to_dict() for h in result.hotspots]})


@bp.route("/healthz")
def healthz():
    """Liveness: answers without loading the tables."""
    holder = current_app.extensions["snapassist_tables"]
    return jsonify({"status": "ok", "tables_loaded": holder.loaded})


def _spot_view(h):
    best = h.best_photos[0] if h.best_photos else None
    return {"h": h, "colour": rank_colour(h.rank), "hours": format_hours(h.hours),
            "months": format_months(h.months),
            "typical": " · ".join(text for label, text in settings_lines(h.settings)
                                  if label not in ("Camera", "Lens")),
            "thumb": best["thumb_url"] if best else None,
            "thumb_title": (best["title"] or "Untitled") if best else "",
            "thumb_page": best["page_url"] if best else None}


def register_error_handlers(app):
    """Turn SnapAssist's exceptions into pages (HTML) or JSON (``/api/``)."""

    def user_error(exc):
        # Bad phrases and too-small searches are the user's to fix: the search
        # page with the message (200), or a 400 for the API.
        if request.path.startswith("/api/"):
            query = _query_arg()
            body = {"error": str(exc), "query": None if query is None else query[:_ECHO_CHARS]}
            if isinstance(exc, NotEnoughPhotosError):
                body["n_photos"] = exc.n_photos
            return jsonify(body), 400
        query = (_query_arg() or "")[:_ECHO_CHARS]
        return render_template("search.html", query=query, message=str(exc),
                               demo=_is_demo()), 200

    def server_error(exc):
        log.error("cannot serve %s: %s", request.path, exc)
        message = f"The photo tables cannot be used: {exc}"
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), 503
        return render_template("search.html", query="", message=message, demo=False), 503

    app.register_error_handler(QueryError, user_error)
    app.register_error_handler(NotEnoughPhotosError, user_error)
    app.register_error_handler(SnapAssistError, server_error)
