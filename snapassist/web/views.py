"""Routes of the web app, and the one place where errors become responses."""
import dataclasses
import gzip
import logging

from flask import (Blueprint, current_app, g, jsonify, render_template, request)

from .. import config, search as searching
from ..errors import NotEnoughPhotosError, QueryError, SnapAssistError
from ..search import SearchOptions, TooBroad, parse_query
from ..spots import SCORE_TEXT, SpotsAnswer, add_sun, sort_answer
from .cache import estimate_bytes
from .cities import current_holder, give_city, take_city
from .format import (format_hours, format_months, placeholder_image, rank_colour,
                     settings_lines, spot_lines)
from .map import render_map
from .options import city_zone, parse_options
from .plots import build_reachability_plot

log = logging.getLogger(__name__)

bp = Blueprint("snapassist", __name__)
# Under ``/<city>`` (several cities, see web/cities.py) the city leaves the
# URL's values before a view runs and comes back in every url_for.
bp.url_value_preprocessor(take_city)
bp.url_defaults(give_city)

#: How much of a rejected query is echoed back into the search box.
_ECHO_CHARS = 2 * config.MAX_QUERY_CHARS



def _tables():
    return current_holder().get()


def _query_arg():
    """The search phrase from ``q`` (or the 2018 ``search_keywords``), or None."""
    q = request.args.get("q")
    return request.args.get("search_keywords") if q is None else q


def _search(phrase):
    """``(database, answer, key, options)``: a SpotsAnswer or a TooBroad.

    ``key`` is the page cache's: the answer's key with the order and the
    date, which :func:`_arranged` applies to the cached answer when a page
    is drawn (no clustering again).
    """
    if phrase is None:
        holder = current_holder()
        example = (holder.examples if holder is not None else config.DEFAULT_EXAMPLES)[0]
        raise QueryError(f"Type what you want to photograph, for example '{example}'.")
    database = _tables()
    options = parse_options(request.args, city_zone(database.timezone))
    settings = current_app.config["SNAPASSIST_SETTINGS"]
    # Everything that changes an answer: what was asked (normalised, so
    # "CN Tower" and "cn  tower" share one), the city, the filters, the
    # tables, the method's settings and the budget.
    key = (g.get("city"), tuple(parse_query(phrase)), options.filters,
           database.fingerprint or id(database), settings.digest(), settings.live_max_photos)
    cache = current_app.extensions["snapassist_cache"]
    answer = cache.get_or_compute(key, lambda: searching.answer(
        database, phrase, options, settings, budget=settings.live_max_photos,
        stored=current_holder().stored_answer), estimate_bytes)
    # The answer is shared; only the phrase as typed this time differs.
    answer = dataclasses.replace(answer, query=phrase.strip())
    return database, answer, (key, options.sort, options.date), options


def _arranged(database, answer, options):
    """``answer`` in the order asked, with the sun on the date asked (a copy)."""
    if not isinstance(answer, SpotsAnswer):
        return answer
    return add_sun(sort_answer(answer, options.sort, current_app.config["SNAPASSIST_SETTINGS"]),
                   options.date, city_zone(database.timezone))


def _page(key, kind, answer, render):
    """The rendered body of ``answer`` for route ``kind``, from the page cache.

    Drawing the map of every photo is most of what a cached answer still
    costs (about 0.1 s for 20,000 photos), so the pages of recent answers
    are kept too, keyed by the answer, the route and the phrase as typed.
    """
    pages = current_app.extensions["snapassist_pages"]
    return pages.get_or_compute((key, kind, answer.query), render, len)


def _suggestions(answer, options):
    """Each narrower search as ``{"tag", "n_photos", "query"}``; only valid phrases.

    Those that would be answered live come first (commonest first), then
    those still too broad, which lead to another page of suggestions.
    """
    live_max = current_app.config["SNAPASSIST_SETTINGS"].live_max_photos
    # A narrower search keeps the filters and order it was asked with.
    options_params = {name: ",".join(map(str, values)) for name, values in
                      (("months", options.months), ("light", options.light)) if values}
    if options.sort != config.SORTS[0]:
        options_params["sort"] = options.sort
    out = []
    for tag, n_photos in sorted(answer.suggestions, key=lambda s: s[1] > live_max):
        query = f"{answer.query} {tag}"
        try:
            parse_query(query)
        except QueryError:
            continue   # the phrase is already as long as a phrase may be
        out.append({"tag": tag, "n_photos": n_photos, "query": query,
                    "params": {"q": query, **options_params}})
    return out


def _too_broad_message(answer):
    filters = f" ({answer.filters})" if answer.filters else ""
    return (f"{answer.n_photos:,} photos matched '{answer.query}'{filters}: too many to find "
            f"spots while you wait (at most "
            f"{current_app.config['SNAPASSIST_SETTINGS'].live_max_photos:,}"
            f"). Narrow it down with one more word.")


def _is_demo():
    holder = current_holder()
    return holder is not None and holder.is_demo


@bp.app_context_processor
def _page_globals():
    """What every page may show: the ranking's formula comes from the method itself,
    the city's name from the tables."""
    holder = current_holder()
    return {"score_text": SCORE_TEXT, "city": None if holder is None else holder.city,
            "examples": (list(config.DEFAULT_EXAMPLES) if holder is None
                         else holder.examples)}


@bp.route("/")
def index():
    """The search page."""
    # No tables are loaded for the search page: the date is left to the search.
    return render_template("search.html", query="", message=None, demo=_is_demo(),
                           options=SearchOptions().to_dict())


@bp.route("/output")
def output():
    """The 2018 results URL (``?search_keywords=``), kept working."""
    return search()


@bp.route("/search")
def search():
    """Results page: ranked list, map and reachability plot."""
    database, result, key, options = _search(_query_arg())
    body = _page(key, "search", result, lambda: _render_results(
        database, _arranged(database, result, options), options))
    return _respond((key, "search", result.query), body, 200, "text/html")


def _respond(page_key, body, status, mimetype):
    """The response of a page body, gzipped when the client accepts it.

    A broad answer's page is 1-2 MB, mostly the map's packed dots and the
    popups; gzipped it is a third of that, and under load the workers spend
    their time sending bytes. The compressed body is kept in the page cache
    beside the plain one, so each page is compressed once.
    """
    response = current_app.response_class(body, status=status, mimetype=mimetype)
    response.vary.add("Accept-Encoding")
    if len(body) < config.GZIP_MIN_BYTES or "gzip" not in request.accept_encodings:
        return response
    pages = current_app.extensions["snapassist_pages"]
    packed = pages.get_or_compute((*page_key, "gzip"), lambda: gzip.compress(
        body.encode("utf-8"), compresslevel=config.GZIP_LEVEL), len)
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    return response


def _render_results(database, result, options):
    if isinstance(result, TooBroad):
        return render_template("search.html", query=result.query,
                               message=_too_broad_message(result), n_photos=result.n_photos,
                               suggestions=_suggestions(result, options), demo=database.is_demo,
                               options=options.to_dict())
    spots = [_spot_view(h, result.anchor_rank) for h in result.spots]
    # A precomputed broad answer draws every spot's photos but only a sample
    # of the rest, so that its page stays light: say so.
    shown = len(result.latitudes)
    sampled = (f"The map shows {shown:,} of the {result.n_photos:,} photos: every spot's "
               "photos and a fixed sample of the others." if shown < result.n_photos else None)
    return render_template("results.html", query=result.query, result=result, spots=spots,
                           map=render_map(result, current_holder().area_bounds,
                                          demo=database.is_demo),
                           plot=build_reachability_plot(result),
                           sampled=sampled, demo=database.is_demo, options=options.to_dict())


@bp.route("/about")
def about():
    """How to use SnapAssist and how the ranking works."""
    return render_template("about.html", demo=_is_demo(), cfg=config)


@bp.route("/api/search")
def api_search():
    """The spots of a search as JSON."""
    database, result, key, options = _search(_query_arg())
    body = _page(key, "api", result, lambda: _render_api(
        database, _arranged(database, result, options), options))
    status = 400 if isinstance(result, TooBroad) else 200
    return _respond((key, "api", result.query), body, status, "application/json")


def _render_api(database, result, options):
    if isinstance(result, TooBroad):
        body = {"error": _too_broad_message(result), "too_broad": True,
                "query": result.query, "demo": database.is_demo,
                "n_photos": result.n_photos, "suggestions": _suggestions(result, options),
                "options": options.to_dict()}
    else:
        spots = [h.to_dict() for h in result.spots]
        body = {"query": result.query, "demo": database.is_demo,
                "n_photos": result.n_photos, "options": options.to_dict(),
                # "spots" is the name everywhere; "clusters", the same list,
                # is kept for clients written before it.
                "spots": spots, "clusters": spots,
                "no_spot": result.no_spot, "anchor_rank": result.anchor_rank}
    return current_app.json.dumps(body)


@bp.route("/healthz")
def healthz():
    """Liveness: answers without loading the tables."""
    holder = current_holder()
    return jsonify({"status": "ok", "tables_loaded": holder.loaded})


def _spot_view(h, anchor=None):
    """What the list shows of spot ``h``: its facts as text, its thumbnail."""
    best = h.best_photos[0] if h.best_photos else None
    # The demo's photos do not exist on Flickr: a generated image instead of
    # a broken one; real photos fall back to it if they fail to load.
    placeholder = (placeholder_image(best["id"], f"Spot #{h.rank}",
                                     "demo photo" if _is_demo() else "no image")
                   if best else None)
    thumb = placeholder if best and _is_demo() else (best["thumb_url"] if best else None)
    return {"h": h, "colour": rank_colour(h.rank), "hours": format_hours(h.hours),
            "months": format_months(h.months),
            "typical": " · ".join(text for label, text in settings_lines(h.settings)
                                  if label not in ("Camera", "Lens")),
            "lines": spot_lines(h, anchor),
            "thumb": thumb, "thumb_fallback": placeholder,
            "thumb_title": (best["title"] or "Untitled") if best else "",
            "thumb_page": best["page_url"] if best else None}


def _request_options():
    """The request's options as a dict, to show again with an error; ``None`` if bad."""
    holder = current_holder()
    try:
        return parse_options(request.args, city_zone(
            holder.get().timezone if holder is not None and holder.loaded else None)).to_dict()
    except QueryError:
        return None


def register_error_handlers(app):
    """Turn SnapAssist's exceptions into pages (HTML) or JSON (``/api/``)."""

    def user_error(exc):
        # Bad phrases and too-small searches are the user's to fix: the search
        # page with the message (200), or a 400 for the API.
        options = _request_options()
        if request.path.startswith("/api/"):
            query = _query_arg()
            body = {"error": str(exc), "query": None if query is None else query[:_ECHO_CHARS],
                    "options": options}
            if isinstance(exc, NotEnoughPhotosError):
                body["n_photos"] = exc.n_photos
            return jsonify(body), 400
        query = (_query_arg() or "")[:_ECHO_CHARS]
        return render_template("search.html", query=query, message=str(exc),
                               demo=_is_demo(), options=options), 200

    def server_error(exc):
        log.error("cannot serve %s: %s", request.path, exc)
        message = f"The photo tables cannot be used: {exc}"
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), 503
        return render_template("search.html", query="", message=message, demo=False), 503

    app.register_error_handler(QueryError, user_error)
    app.register_error_handler(NotEnoughPhotosError, user_error)
    app.register_error_handler(SnapAssistError, server_error)
