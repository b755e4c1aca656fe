"""The pages: search, results, about; at ``/`` or, with several cities, ``/<city>/``.

The search page is the city's home page: with an atlas (``snapassist
precompute``) it also shows the city's best spots on a map (:mod:`.atlas`);
the search by place has its own blueprint (:mod:`.near`).
"""
from flask import Blueprint, current_app, g, render_template, url_for

from .. import config
from ..search import SearchOptions, TooBroad
from ..spots import SCORE_TEXT
from . import _answers as answers
from .assets import asset_url
from .atlas import atlas_view, home_map
from .card import detail_facts, glance_facts
from .cities import current_holder, give_city, take_city
from .format import placeholder_image, rank_colour
from .map import render_map
from .plots import build_reachability_plot

bp = Blueprint("pages", __name__)
# Under ``/<city>`` (several cities) the city leaves the URL's values before
# a view runs and comes back in every url_for.
bp.url_value_preprocessor(take_city)
bp.url_defaults(give_city)


@bp.app_context_processor
def _page_globals():
    """What every page may show: the ranking's formula, the city's name, subjects to try."""
    holder = current_holder()
    return {"score_text": SCORE_TEXT, "city": city_name(), "examples": answers.examples(),
            "asset_url": asset_url, "no_views_note": answers.NO_VIEWS_NOTE,
            # Recorded by imports of data sets without view counts (read
            # without loading the tables): a page then says so.
            "views": holder is None or holder.place.get("views") is not False}


def city_name():
    """The name of this request's city: as its tables record it, else its address."""
    holder = current_holder()
    if holder is None:
        return None
    cities = current_app.extensions.get("snapassist_cities")
    if cities is not None and g.get("city") is not None:
        return cities[g.city].name
    return holder.city


@bp.route("/")
def index():
    """The search page; the city's atlas on a map when its tables have one."""
    # Without an answers file beside them no tables are loaded for the
    # search page (the date is left to the search), and it says how to get
    # an atlas.
    holder = current_holder()
    view = atlas_view(holder, load=False)
    home = None if view is None else home_map(view, holder.is_demo)
    body = render_template("search.html", query="", message=None, demo=answers.is_demo(),
                           options=SearchOptions().to_dict(), home=home,
                           atlas_hint=view is None)
    if view is None:
        return body
    # The same page until the app restarts: compressed and hashed (its CSP) once.
    return answers.respond(("home", g.get("city"), id(view)), body, 200, "text/html")


@bp.route("/output")
def output():
    """The 2018 results URL (``?search_keywords=``), kept working."""
    return search()


@bp.route("/search")
def search():
    """Results page: the ranked spots' cards, the map and the reachability plot."""
    body, status, page_key = answers.searched_page("page", _render_results)
    return answers.respond(page_key, body, status, "text/html")


@bp.route("/about")
def about():
    """How to use SnapAssist and how the ranking works."""
    return render_template("about.html", demo=answers.is_demo(), cfg=config)


def _render_results(database, result, options):
    """``(page, 200)``: the results, or the search page offering narrower searches."""
    if isinstance(result, TooBroad):
        return render_template("search.html", query=result.query,
                               message=answers.too_broad_message(result),
                               n_photos=result.n_photos,
                               suggestions=answers.suggestions(result, options),
                               demo=database.is_demo, views=database.has_views,
                               options=options.to_dict()), 200
    demo = database.is_demo
    cards = [spot_card(h, result.anchor_rank, demo) for h in result.spots]
    # A precomputed broad answer draws every spot's photos but only a sample
    # of the rest, so that its page stays light: say so.
    shown = len(result.latitudes)
    sampled = (f"The map shows {shown:,} of the {result.n_photos:,} photos: every spot's "
               "photos and a fixed sample of the others." if shown < result.n_photos else None)
    map_parts = render_map(result, current_holder().area_bounds, demo=demo,
                           tiles=current_app.extensions["snapassist_tiles"],
                           scripts=[asset_url("leaflet.js", "leaflet"), asset_url("map.js")],
                           styles=[asset_url("leaflet.css", "leaflet"), asset_url("map.css")],
                           near_url=url_for("near.page"))
    return render_template("results.html", query=result.query, result=result, spots=cards,
                           map=map_parts, plot=build_reachability_plot(result),
                           sampled=sampled, demo=demo, views=database.has_views,
                           options=options.to_dict()), 200


def spot_card(h, anchor=None, demo=False):
    """What the list shows of spot ``h``: its glance facts, the rest, its thumbnail."""
    best = h.best_photos[0] if h.best_photos else None
    # The demo's photos do not exist on Flickr: a generated image instead of
    # a broken one; real photos fall back to it if they fail to load.
    placeholder = (placeholder_image(best["id"], f"Spot #{h.rank}",
                                     "demo photo" if demo else "no image") if best else None)
    thumb = placeholder if best and demo else (best["thumb_url"] if best else None)
    return {"h": h, "colour": rank_colour(h.rank), "facts": glance_facts(h, anchor),
            "details": detail_facts(h), "thumb": thumb, "thumb_fallback": placeholder,
            "thumb_title": (best["title"] or "Untitled") if best else ""}
