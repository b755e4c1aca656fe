"""The one place where errors become responses: JSON for the API, pages for the rest.

Which one goes by the endpoint the request reached (the API's blueprints,
:data:`.api.NAMES`), never by its path. An address the API does not have
still reaches an API endpoint (its catch-all route); a method an address
does not allow (405) is told apart by the endpoint the same address
reaches with a method it allows.

- A phrase or an option the user can fix (``QueryError``, too few photos):
  the search page with the message (200), or a JSON 400 with the query
  and the options.
- Tables that cannot be used (any other ``SnapAssistError``): 503.
- Every HTTP error (400, 404, 405, 413, 414, 500 and the rest): a page
  saying what happened with its status, or ``{"error", "status"}``
  (plus ``city``/``cities``, ``search_paths`` or ``allowed`` where they help).
"""
import logging

from flask import current_app, g, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .. import config
from ..errors import NotEnoughPhotosError, QueryError, SnapAssistError
from . import _answers as answers
from . import api
from ._checks import without_paths
from .cities import CityNeeded, UnknownCity, home_page
from .options import echo_phrase

log = logging.getLogger(__name__)

#: How much of a rejected query is echoed back into the search box.
_ECHO_CHARS = 2 * config.MAX_QUERY_CHARS


def register_error_handlers(app):
    """Turn SnapAssist's exceptions and every HTTP error into pages or JSON."""
    app.register_error_handler(QueryError, _user_error)
    app.register_error_handler(NotEnoughPhotosError, _user_error)
    app.register_error_handler(SnapAssistError, _server_error)
    app.register_error_handler(HTTPException, _http_error)


def reached_endpoint():
    """The endpoint of this request, or of its address with an allowed method (405)."""
    if request.url_rule is not None:
        return request.url_rule.endpoint
    exc = request.routing_exception
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods and request_ctx.url_adapter:
        method = "GET" if "GET" in exc.valid_methods else sorted(exc.valid_methods)[0]
        try:
            rule, _ = request_ctx.url_adapter.match(method=method, return_rule=True)
        except HTTPException:
            return None
        return rule.endpoint
    return None


def is_api():
    """Whether this request reached (or, for a 405, would reach) the API."""
    endpoint = reached_endpoint()
    return endpoint is not None and endpoint.rpartition(".")[0] in api.NAMES


def _echo():
    return echo_phrase(request.args)[:_ECHO_CHARS]


def _user_error(exc):
    # Bad phrases and too-small searches are the user's to fix: the search
    # page with the message (200), or a 400 for the API.
    options = answers.request_options()
    if is_api():
        body = {"error": str(exc), "status": 400, "query": _echo() or None, "options": options}
        if isinstance(exc, NotEnoughPhotosError):
            body["n_photos"] = exc.n_photos
        return jsonify(body), 400
    return render_template("search.html", query=_echo(), message=str(exc),
                           demo=answers.is_demo(), options=options), 200


def _server_error(exc):
    log.error("cannot serve %s: %s", request.path, exc)
    # The log has the paths; a visitor is told what is wrong, not where the server keeps it.
    message = f"The photo tables cannot be used: {without_paths(exc)}"
    if is_api():
        return jsonify({"error": message, "status": 503}), 503
    return _page(message, 503, demo=False)


def _http_error(exc):
    status = exc.code or 500
    if status >= 500:
        # Never the exception's own words: they may tell more than a visitor should see.
        message = "Something went wrong on our side; it has been logged."
    else:
        message = exc.description or exc.name
    if is_api():
        body = {"error": message, "status": status}
        if isinstance(exc, UnknownCity):
            body.update(city=exc.slug, cities=exc.known)
        elif isinstance(exc, CityNeeded):
            body.update(cities=exc.known, search_paths=exc.search_paths)
        elif isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            body["allowed"] = sorted(exc.valid_methods)
        response = jsonify(body)
        response.status_code = status
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response
    if isinstance(exc, UnknownCity):
        return _cities_page(exc.description, status)
    return _page(message, status, demo=answers.is_demo())


def _page(message, status, demo):
    """The search page with ``message``, or the list of cities when no city is known."""
    if current_app.extensions.get("snapassist_cities") is not None and g.get("city") is None:
        return _cities_page(message, status)
    return render_template("search.html", query=_echo(), message=message, demo=demo,
                           options=None), status


def _cities_page(message, status):
    return home_page(message, status)
