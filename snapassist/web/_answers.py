"""The search of one request, shared by the pages and the API.

A request's phrase and options become an answer through the answer cache
(or a stored answer, or a live search); the body drawn from it is kept in
the page cache, gzipped once for the clients that accept it. Under
gunicorn, what is not cached is drawn in a search process (:mod:`.slots`).
"""
import dataclasses
import gzip

from flask import current_app, g, request

from .. import config, search as searching
from ..errors import QueryError
from ..search import parse_query
from ..spots import SpotsAnswer, add_sun, sort_answer
from .cache import estimate_bytes
from .cities import current_holder
from .options import city_zone, parse_options, query_phrase
from .security import page_policy
from .slots import forked_app, search_processes, search_slot


#: The answer to ``sort=admired`` on tables without view counts.
NO_VIEWS_ADMIRED = ("sort=admired needs view counts, and these photos have none (the "
                    "YFCC100M gives no views): sort by score or by photographers.")
#: What the pages and the API say of tables without view counts.
NO_VIEWS_NOTE = ("These photos have no view counts (the YFCC100M gives none): spots are "
                 "ranked by the number of photographers, and nothing is said of admired "
                 "photos.")


def settings():
    """The method's :class:`~snapassist.settings.Settings` of this app."""
    return current_app.config["SNAPASSIST_SETTINGS"]


def is_demo():
    """Whether this request's tables are the synthetic demo (loads nothing)."""
    holder = current_holder()
    return holder is not None and holder.is_demo


def examples():
    """Subjects to offer: the tables' own, else ones that suit any city."""
    holder = current_holder()
    return list(config.DEFAULT_EXAMPLES) if holder is None else holder.examples


def searched_page(kind, render):
    """This request's search drawn by ``render``: ``(body, status, page_key)``, from the caches.

    A page already drawn (kept with its status in the page cache, keyed by
    the search, the order, the date, ``kind`` and the phrase as typed) is
    answered at once: neither the answer nor a search slot is needed.
    Otherwise it is drawn (:func:`draw_page`) here, or, under gunicorn, in
    one of the worker's search processes (:mod:`.slots`), so that the
    worker's own threads stay free for every other request.

    Raises
    ------
    QueryError, NotEnoughPhotosError
        If the phrase or an option is unusable, or too few photos match.
    """
    search = _Search(kind)
    processes = search_processes(current_app)
    pages = current_app.extensions["snapassist_pages"]

    def draw():
        if processes is None:
            return draw_page(search, render)
        # The query string as sent: percent-encoded, so ASCII.
        body, status, packed, policy = processes.run(
            draw_in_process, render, kind, request.path, request.query_string.decode("latin-1"),
            request.url_root, g.get("city"))
        # Compressed and hashed there too: the worker only keeps and sends.
        for part, value in (("gzip", packed), ("csp", policy)):
            if value is not None:
                pages.put((*search.page_key, part), value, len(value))
        return body, status

    body, status = pages.get_or_compute(search.page_key, draw, lambda page: len(page[0]))
    return body, status, search.page_key


class _Search:
    """What a request asks: its tables, phrase, options and cache keys."""

    def __init__(self, kind):
        self.phrase = query_phrase(request.args)
        if self.phrase is None:
            raise QueryError(f"Type what you want to photograph, for example "
                             f"'{examples()[0]}'.")
        self.holder = current_holder()
        self.database = self.holder.get()
        self.options = parse_options(request.args, city_zone(self.database.timezone))
        if self.options.sort == "admired" and not self.database.has_views:
            raise QueryError(NO_VIEWS_ADMIRED)
        method = settings()
        # Everything that changes an answer: what was asked (normalised, so
        # "CN Tower" and "cn  tower" share one), the city, the filters, the
        # tables, the method's settings and the budget. A page adds its
        # order, its date, its kind and the phrase as typed.
        self.key = (g.get("city"), tuple(parse_query(self.phrase)), self.options.filters,
                    self.database.fingerprint or id(self.database),
                    current_app.config["SNAPASSIST_SETTINGS_DIGEST"], method.live_max_photos)
        self.page_key = (self.key, self.options.sort, self.options.date, kind, self.phrase)



def draw_page(search, render):
    """``render``'s ``(body, status)`` of ``search``: its answer, cached or computed, drawn.

    The answer comes from the answer cache, else is computed (a stored
    answer or a live search, :func:`snapassist.search.answer`) in a search
    slot; ``render(database, answer, options)`` is given it in the order
    and with the sun asked and the phrase as typed, and draws in a slot too.
    """
    method = settings()

    def compute():
        with search_slot():
            return searching.answer(search.database, search.phrase, search.options, method,
                                    budget=method.live_max_photos,
                                    stored=search.holder.stored_answer)

    answer = current_app.extensions["snapassist_cache"].get_or_compute(
        search.key, compute, estimate_bytes)
    # The answer is shared; only the phrase as typed this time differs.
    answer = dataclasses.replace(answer, query=search.phrase)
    with search_slot():
        return render(search.database, arranged(search.database, answer, search.options),
                      search.options)


def draw_in_process(render, kind, path, query_string, url_root, city):
    """In a search process: :func:`draw_page` of the worker's request, rebuilt here.

    The process is a fork of the worker (:class:`.slots.SearchProcesses`):
    it has the app and its tables; the request is made again from its
    address, and the city from the one the worker resolved. Returns
    ``(body, status, gzipped body or None, Content-Security-Policy or None)``,
    all that :func:`respond` needs, so that the worker does no work of its own.
    """
    app = forked_app()
    with app.test_request_context(path, base_url=url_root, query_string=query_string):
        if city is not None:
            g.city = city
        body, status = draw_page(_Search(kind), render)
        packed = (gzip.compress(body.encode("utf-8"), compresslevel=config.GZIP_LEVEL)
                  if len(body) >= config.GZIP_MIN_BYTES else None)
        policy = page_policy(body, app.extensions["snapassist_tiles"]) if kind == "page" else None
        return body, status, packed, policy


def arranged(database, answer, options):
    """``answer`` in the order asked, with the sun on the date asked (a copy)."""
    if not isinstance(answer, SpotsAnswer):
        return answer
    return add_sun(sort_answer(answer, options.sort, settings()), options.date,
                   city_zone(database.timezone))


def respond(page_key, body, status, mimetype):
    """The response of a cached body (:func:`searched_page`), gzipped when the client accepts it.

    A broad answer's page is 1-2 MB, mostly the map's packed dots and the
    popups; gzipped it is a third of that, and under load the workers spend
    their time sending bytes. The compressed body is kept in the page cache
    beside the plain one, so each body is compressed once; so is a page's
    Content-Security-Policy, whose script hashes come from the plain body.
    """
    pages = current_app.extensions["snapassist_pages"]
    packed = None
    if len(body) >= config.GZIP_MIN_BYTES and "gzip" in request.accept_encodings:
        def pack():
            with search_slot():
                return gzip.compress(body.encode("utf-8"), compresslevel=config.GZIP_LEVEL)

        packed = pages.get_or_compute((*page_key, "gzip"), pack, len)
    response = current_app.response_class(body if packed is None else packed, status=status,
                                          mimetype=mimetype)
    response.vary.add("Accept-Encoding")
    if packed is not None:
        response.headers["Content-Encoding"] = "gzip"
    if mimetype == "text/html":
        tiles = current_app.extensions["snapassist_tiles"]
        response.headers["Content-Security-Policy"] = pages.get_or_compute(
            (*page_key, "csp"), lambda: page_policy(body, tiles), len)
    return response


def suggestions(answer, options):
    """Each narrower search as ``{"tag", "n_photos", "query", "params"}``; only valid phrases.

    Those that would be answered live come first (commonest first), then
    those still too broad, which lead to another page of suggestions.
    ``params`` keep the filters and order the search was asked with.
    """
    live_max = settings().live_max_photos
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


def too_broad_message(answer):
    """Why a :class:`TooBroad` answer has no spots, and what to do."""
    filters = f" ({answer.filters})" if answer.filters else ""
    return (f"{answer.n_photos:,} photos matched '{answer.query}'{filters}: too many to find "
            f"spots while you wait (at most {settings().live_max_photos:,}"
            f"). Narrow it down with one more word.")


def request_options():
    """The request's options as a dict, to show again with an error; ``None`` if bad."""
    holder = current_holder()
    zone = holder.get().timezone if holder is not None and holder.loaded else None
    try:
        return parse_options(request.args, city_zone(zone)).to_dict()
    except QueryError:
        return None

