"""Ranked spots -> a folium map (the only module that imports folium).

Thousands of photos stay light: they travel as one compact JSON array and are
painted on one canvas by one small Leaflet layer, instead of one folium
object (and one block of JavaScript, and one Leaflet layer) per photo. Cluster
centres get numbered markers whose popups are built here, with every
user-written string HTML-escaped, and handed to Leaflet as JSON strings:
folium's own popups paste HTML into a JavaScript template literal and need
jQuery, neither of which we want for user text.

Nothing comes from a CDN: the page's header links Leaflet and our layers
(``web/static/map.js``, ``map.css``) at the addresses the caller gives
(:mod:`.assets`), instead of folium's default links to leaflet, jQuery,
Bootstrap, glyphicons, font-awesome and awesome-markers, none of which the
map uses. The tiles come from the :class:`~.tiles.TileServer` given.
"""
import base64
import json
from dataclasses import dataclass
import folium
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template
from markupsafe import Markup, escape

from .card import detail_facts, glance_facts
from .format import BACKGROUND_COLOUR, PALETTE, placeholder_image, rank_colour, settings_lines
from .tiles import TileServer

#: The first view of a map with neither photos nor a recorded area: the world.
_WORLD = ((-60.0, -180.0), (75.0, 180.0))


class _RawScript(Element):
    """Text (a script, a style sheet) added to the page exactly as given.

    branca's ``MacroElement.render`` wraps each rendered macro in an
    ``Element``, which compiles it as a Jinja template a second time: user
    text inside (a title holding ``{{ ... }}`` or ``{%``) would be executed as
    template code or crash the page. Our elements add their script through
    this class instead, which renders nothing but its text.
    """

    def __init__(self, text):
        super().__init__()
        self._text = text

    def render(self, **kwargs):
        return self._text


class _ScriptElement(MacroElement):
    """A MacroElement with only a ``script`` macro, added without re-templating."""

    def render(self, **kwargs):
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_RawScript(script(self, kwargs)),
                                         name=self.get_name())


def js_json(value):
    """JSON safe to paste inside an HTML ``<script>``: no ``<``, ``>``, ``&``."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


class PhotoPoints(_ScriptElement):
    """Every photo of the search as a small dot, drawn on one canvas.

    The positions travel packed (:func:`pack_points`): 8 characters a photo
    where JSON numbers took 22, so that a broad stored answer drawing every
    spot photo of "toronto" (167,000 of them) stays under 2 MB. A tiny
    Leaflet layer of our own paints all dots in one pass after each move or
    zoom: 10,000 photos cost one canvas and ~10 ms, where 10,000
    ``L.circleMarker`` objects took over a second to create. The dots are
    not interactive; the spot markers are.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = SnapAssistMap.photoPoints({{ this._parent.get_name() }},
    {{ this.data_json }}, {{ this.colours_json }}, {{ this.background_json }});
{% endmacro %}
""")

    def __init__(self, latitudes, longitudes, ranks):
        super().__init__()
        self._name = "PhotoPoints"
        self.data_json = Markup(js_json(pack_points(latitudes, longitudes, ranks)))
        self.colours_json = Markup(js_json(list(PALETTE)))
        self.background_json = Markup(js_json(BACKGROUND_COLOUR))


def pack_points(latitudes, longitudes, ranks):
    """The photos' dots as ``{"n", "lat0", "lat_step", "lon0", "lon_step", "data"}``.

    ``data`` is base64 of three little-endian uint16 arrays of ``n`` values
    each: latitude and longitude as steps of ``lat_step``/``lon_step`` above
    ``lat0``/``lon0`` (the extent in 65,535 steps: about a metre for a city,
    plenty for a dot), then rank + 1 (0 for background photos).
    """
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64)
    rank = np.asarray(ranks, dtype=np.int64)
    if len(rank) and (rank.min() < -1 or rank.max() > 65534):
        raise ValueError(f"ranks must lie in -1..65534 to be packed, got {rank.min()}..{rank.max()}")
    packed, frame = [], {"n": int(len(lat))}
    for name, values in (("lat", lat), ("lon", lon)):
        low = float(values.min()) if len(values) else 0.0
        step = (float(values.max()) - low) / 65535 if len(values) else 0.0
        step = step or 1e-9
        frame[f"{name}0"], frame[f"{name}_step"] = low, step
        packed.append(np.rint((values - low) / step).astype("<u2"))
    packed.append((np.where(rank < 1, 0, rank)).astype("<u2"))
    frame["data"] = base64.b64encode(b"".join(a.tobytes() for a in packed)).decode("ascii")
    return frame


def unpack_points(frame):
    """``(lat, lon, rank)`` arrays back from :func:`pack_points` (rank -1: background)."""
    n = frame["n"]
    values = np.frombuffer(base64.b64decode(frame["data"]), dtype="<u2").reshape(3, n)
    lat = frame["lat0"] + values[0] * frame["lat_step"]
    lon = frame["lon0"] + values[1] * frame["lon_step"]
    return lat, lon, np.where(values[2] == 0, -1, values[2].astype(np.int64))


class SpotMarkers(_ScriptElement):
    """A numbered marker with a popup at each spot's centre.

    The JavaScript object it defines maps each rank to its Leaflet marker, so
    the page can fly to a spot and open its popup. With ``demo`` the
    popups show generated placeholder images (see :func:`popup_html`).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = SnapAssistMap.spotMarkers({{ this._parent.get_name() }},
    {{ this.spots_json }});
{% endmacro %}
""")

    def __init__(self, spots, anchor=None, demo=False):
        super().__init__()
        self._name = "SpotMarkers"
        spots = [{"rank": h.rank, "lat": h.latitude, "lon": h.longitude,
                  "colour": rank_colour(h.rank), "title": f"Spot #{h.rank}",
                  "popup": str(popup_html(h, demo=demo, anchor=anchor))}
                 for h in spots]
        self.spots_json = Markup(js_json(spots))


def popup_html(spot, demo=False, anchor=None, subjects=None):
    """The popup of one spot; every user-written string is escaped.

    It holds the spot's card (:mod:`.card`: the glance facts, then the
    others, all shown: a popup has room) and a carousel of its most viewed
    photos. ``demo`` photos do not exist on Flickr: each shows a generated
    placeholder instead; a real photo carries that placeholder in
    ``data-fallback`` for the page to show if it fails. ``anchor`` is the
    rank of the search's anchor spot, if any. ``subjects``, for a spot of
    the city's atlas: ``(label, address)`` pairs, each shown as a link to
    that subject's search, under the heading.
    """
    # f-strings over escape() (C, fast) rather than Markup.format: a broad
    # page has 30 popups of 10 photos, and format's parsing took 0.2 s there.
    # Every value put in goes through e().
    e = escape
    h = spot
    parts = [f'<div class="sa-popup"><h3>Spot #{e(h.rank)}</h3>'
             f'<p class="sa-meta">{h.latitude:.5f}, {h.longitude:.5f}</p>']
    if subjects:
        links = " · ".join(f'<a href="{e(url)}">{e(label)}</a>' for label, url in subjects)
        parts.append(f'<p class="sa-subjects"><span class="sa-label">Subjects</span> '
                     f'{links}</p>')
    parts += [facts_html(glance_facts(h, anchor), "sa-glance"),
             facts_html(detail_facts(h), "sa-details")]
    n = len(h.best_photos)
    if n > 1:
        # Buttons for mice; the page's script scrolls the strip (touch swipes it).
        parts.append('<div class="sa-carousel-nav">'
                     '<button type="button" class="sa-prev" aria-label="Previous photo">'
                     '&#8249;</button><button type="button" class="sa-next" '
                     'aria-label="Next photo">&#8250;</button></div>')
    parts.append('<div class="sa-carousel">')
    for i, photo in enumerate(h.best_photos, start=1):
        title = photo["title"] or "Untitled"
        placeholder = placeholder_image(photo["id"], f"Spot #{h.rank}",
                                        f"{'demo photo' if demo else 'photo'} {i} of {n}")
        if demo:
            img = f'<img src="{e(placeholder)}" alt="{e(title)}">'
        elif photo["url"]:
            img = (f'<img src="{e(photo["url"])}" alt="{e(title)}" loading="lazy" '
                   f'data-fallback="{e(placeholder)}">')
        else:
            img = ""
        if photo["page_url"]:
            img = (f'<a href="{e(photo["page_url"])}" target="_blank" '
                   f'rel="noopener noreferrer">{img or e(title)}</a>')
        lines = [("Photo", f"{i} of {n}"), ("Title", title),
                 ("By", photo["ownername"] or photo["owner"])]
        # Tables without view counts (YFCC100M) give every photo 0: say nothing.
        if spot.mean_views is not None:
            lines.append(("Views", f"{photo['views']:,}"))
        lines += settings_lines(photo)
        dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in lines)
        parts.append(f'<div class="sa-slide">{img}<dl>{dl}</dl></div>')
    parts.append("</div></div>")
    return Markup("".join(parts))


def facts_html(facts, css_class):
    """A list of :class:`~.card.Fact` as an escaped ``<dl>`` (``""`` when empty)."""
    if not facts:
        return ""
    e = escape
    rows = "".join(
        f'<dt>{e(f.label)}</dt><dd class="sa-fact-{e(f.kind)}"'
        + (f' title="{e(f.title)}"' if f.title else "") + f">{e(f.text)}</dd>"
        for f in facts)
    return f'<dl class="{e(css_class)}">{rows}</dl>'


@dataclass
class MapParts:
    """A rendered map, in the three pieces a page template places.

    ``header`` goes in ``<head>``, ``html`` where the map is shown, ``script``
    at the end of ``<body>``. ``map_name``, ``points_name`` and
    ``markers_name`` are the JavaScript variables of the Leaflet map, the
    photo layer and the rank -> marker object.
    """

    header: Markup
    html: Markup
    script: Markup
    map_name: str
    points_name: str
    markers_name: str


def first_view(answer, area_bounds=None):
    """``[[south, west], [north, east]]``: what a map of ``answer`` first shows.

    The spots' photos (every photo when there is no spot), so that a
    far-away stray photo does not zoom the map out; with no photo at all, the
    area the tables record (``(min_lon, min_lat, max_lon, max_lat)``), else
    the world. Never one city's view for another's photos.
    """
    members = answer.photo_rank > 0
    if not members.any():
        members = np.ones(len(answer.latitudes), dtype=bool)
    if members.any():
        lat, lon = answer.latitudes[members], answer.longitudes[members]
        return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]
    if area_bounds is not None:
        w, s, e, n = (float(v) for v in area_bounds)
        return [[s, w], [n, e]]
    return [list(_WORLD[0]), list(_WORLD[1])]


def _base_map(view, tiles=None, scripts=(), styles=(), near_url=None):
    """A folium map of ``view`` (``[[s, w], [n, e]]``) with its tiles, our scripts, and the
    "What else is here?" of a click when ``near_url`` (the near search's address) is given."""
    tiles = tiles or TileServer()
    (s, w), (n, e) = view
    fmap = folium.Map(location=((s + n) / 2, (w + e) / 2), zoom_start=11, tiles=None,
                      control_scale=True)
    # Instance attributes, so folium's class-wide lists stay as they are.
    fmap.default_js = [(f"snapassist_js_{i}", url) for i, url in enumerate(scripts)]
    fmap.default_css = [(f"snapassist_css_{i}", url) for i, url in enumerate(styles)]
    folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, max_zoom=tiles.max_zoom,
                     name="tiles").add_to(fmap)
    if near_url:
        fmap.add_child(WhatElseHere(near_url), name="near")
    return fmap


class WhatElseHere(_ScriptElement):
    """A click anywhere on the map offers "What else is here?": the near search at that point."""

    _template = Template("""
{% macro script(this, kwargs) %}
SnapAssistMap.whatElseHere({{ this._parent.get_name() }}, {{ this.url_json }});
{% endmacro %}
""")

    def __init__(self, url):
        super().__init__()
        self._name = "WhatElseHere"
        self.url_json = Markup(js_json(str(url)))


def build_map(answer, area_bounds=None, demo=False, tiles=None, scripts=(), styles=(),
              near_url=None):
    """A folium map of a :class:`~snapassist.spots.SpotsAnswer`, viewing :func:`first_view`.

    Centred on that view too, so that nothing (not even the map's first
    frame, before the fit) shows another place. ``demo``: the photos are
    the synthetic demo's (placeholder images). ``tiles``: the
    :class:`~.tiles.TileServer` (default OpenStreetMap's). ``scripts`` and
    ``styles``: the addresses of Leaflet and our layers (``map.js``,
    ``map.css``), linked in the page's header in that order and in place
    of folium's CDN links. ``near_url``: the address of the search by
    place, offered where the map is clicked (none without it).
    """
    view = first_view(answer, area_bounds)
    fmap = _base_map(view, tiles, scripts, styles, near_url)
    points = PhotoPoints(answer.latitudes, answer.longitudes, answer.photo_rank)
    fmap.add_child(points, name="photos")
    markers = SpotMarkers(answer.spots, anchor=answer.anchor_rank, demo=demo)
    fmap.add_child(markers, name="spots")
    densest = (answer.no_spot or {}).get("densest")
    if densest:
        # Where a search without a spot has most photos: shown, dashed and
        # grey, so that no one takes it for a spot.
        folium.Circle((densest["latitude"], densest["longitude"]), radius=densest["radius_m"],
                      color=BACKGROUND_COLOUR, weight=2, dash_array="6 6", fill=False,
                      tooltip=f"Densest photos ({densest['n_photos']}): not a spot"
                      ).add_to(fmap)
    fmap.fit_bounds(view, padding=(20, 20), max_zoom=16)
    return fmap, points, markers


def _parts(fmap, points_name, markers_name):
    root = fmap.get_root()
    root.render()
    return MapParts(header=Markup(root.header.render()), html=Markup(root.html.render()),
                    script=Markup(root.script.render()), map_name=fmap.get_name(),
                    points_name=points_name, markers_name=markers_name)


def render_map(answer, area_bounds=None, demo=False, tiles=None, scripts=(), styles=(),
               near_url=None):
    """Render :func:`build_map` into :class:`MapParts` for a page template.

    ``area_bounds`` is the area the tables record (see :func:`first_view`);
    the other arguments are :func:`build_map`'s.
    """
    fmap, points, markers = build_map(answer, area_bounds, demo=demo, tiles=tiles,
                                      scripts=scripts, styles=styles, near_url=near_url)
    return _parts(fmap, points.get_name(), markers.get_name())


class AtlasMarkers(_ScriptElement):
    """The markers of atlas spots, each labelled with its top subjects, its card as popup.

    ``spots`` are dicts ``{"rank", "lat", "lon", "kind", "label", "title",
    "popup"}``: ``kind`` (``"top"``, ``"busy"`` or ``"both"``) picks the
    marker's look, ``label`` is shown beside it, ``popup`` is escaped HTML
    (:func:`popup_html`).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = SnapAssistMap.atlasMarkers({{ this._parent.get_name() }},
    {{ this.spots_json }});
{% endmacro %}
""")

    def __init__(self, spots):
        super().__init__()
        self._name = "AtlasMarkers"
        self.spots_json = Markup(js_json(list(spots)))


def render_atlas_map(spots, view, tiles=None, scripts=(), styles=(), near_url=None,
                     point=None, radius_m=None):
    """:class:`MapParts` of a map of atlas spots (:class:`AtlasMarkers`), viewing ``view``.

    ``point`` (``(lat, lon)``) and ``radius_m``: the place of a search by
    place, drawn as a dot in a dashed circle. ``points_name`` is ``""``:
    there are no photo dots. The other arguments are :func:`build_map`'s.
    """
    fmap = _base_map(view, tiles, scripts, styles, near_url)
    if point is not None:
        folium.Circle(point, radius=radius_m, color="#3b6ea5", weight=2, dash_array="6 6",
                      fill=False, interactive=False).add_to(fmap)
        folium.CircleMarker(point, radius=6, color="#ffffff", weight=2, fill=True,
                            fill_color="#3b6ea5", fill_opacity=1, tooltip="Your point"
                            ).add_to(fmap)
    markers = AtlasMarkers(spots)
    fmap.add_child(markers, name="spots")
    fmap.fit_bounds(view, padding=(20, 20), max_zoom=16)
    return _parts(fmap, "", markers.get_name())
