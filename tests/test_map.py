"""The folium map: one layer for all photos, safe popups, fitted view."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

import folium
import snapassist.web

from snapassist.spots import Spot, SpotsAnswer
from snapassist.web.format import BACKGROUND_COLOUR, PALETTE, rank_colour
from snapassist.web.map import js_json, pack_points, popup_html, render_map, unpack_points
from snapassist.web.tiles import TileServer


def spot(rank, lat, lon, **photo):
    best = {"id": "1", "owner": "9@N00", "ownername": "Ann", "title": "Tower", "views": 1200,
            "url": "https://live.staticflickr.com/1/1_a.jpg", "thumb_url": None,
            "page_url": "https://www.flickr.com/photos/9@N00/1/", "Camera": "Canon",
            "Lens": None, "FocalLength": 50.0, "FocalLengthIn35mmFormat": None,
            "FNumber": 2.8, "ExposureTime": 1 / 250, "ISO": 400.0, **photo}
    return Spot(rank=rank, score=10.0, n_photos=20, n_owners=4, mean_views=200.0,
                   median_views=150.0, latitude=lat, longitude=lon, spread_m=80.0,
                   photo_ids=["1"], best_photos=[best], settings={}, hours=[0] * 24,
                   months=[0] * 12)


def result(n=200, n_spots=2, seed=0):
    rng = np.random.default_rng(seed)
    lat = 43.65 + rng.normal(0, 0.02, n)
    lon = -79.38 + rng.normal(0, 0.02, n)
    ranks = np.full(n, -1)
    for r in range(1, n_spots + 1):
        ranks[r * 10:(r * 10) + 5] = r
    spots = [spot(r, float(lat[r * 10]), float(lon[r * 10])) for r in range(1, n_spots + 1)]
    return SpotsAnswer(query="q", n_photos=n, spots=spots, latitudes=lat, longitudes=lon,
                         photo_rank=ranks, reachability=np.zeros(n), reachability_rank=ranks)


def test_rank_colours():
    assert rank_colour(1) == PALETTE[0] and rank_colour(len(PALETTE) + 1) == PALETTE[0]
    assert rank_colour(-1) == BACKGROUND_COLOUR


def test_js_json_cannot_close_a_script():
    text = js_json({"t": "</script><b>&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><b>&\u2028"}


def test_points_are_one_layer():
    parts = render_map(result(n=3000))
    # One JavaScript array holds every photo, drawn by one layer of map.js; no
    # per-photo Leaflet objects in the page.
    assert parts.script.count("SnapAssistMap.photoPoints(") == 1
    static = Path(snapassist.web.__file__).parent / "static"
    assert (static / "map.js").read_text().count("L.Layer.extend(") == 1
    assert "L.circleMarker(" not in parts.header + parts.script
    match = re.search(r"SnapAssistMap\.photoPoints\(\w+,\s*(\{[^}]*\})", parts.script)
    lat, lon, rank = unpack_points(json.loads(match.group(1)))
    assert len(lat) == len(lon) == len(rank) == 3000
    assert sorted(set(rank.tolist())) == [-1, 1, 2]
    # About 8 characters a photo.
    assert len(parts.script) < 50_000


def test_packed_points_keep_every_photo_within_a_metre_and_its_rank():
    rng = np.random.default_rng(4)
    lat = 43.58 + 0.3 * rng.random(50_000)
    lon = -79.64 + 0.5 * rng.random(50_000)
    rank = rng.integers(-1, 300, 50_000)
    rank[rank == 0] = -1
    frame = pack_points(lat, lon, rank)
    back_lat, back_lon, back_rank = unpack_points(frame)
    # Half a step of 65,535 over the extent: well under a metre here.
    assert np.abs(back_lat - lat).max() <= 0.3 / 65535 / 2 + 1e-12
    assert np.abs(back_lon - lon).max() <= 0.5 / 65535 / 2 + 1e-12
    assert np.array_equal(back_rank, rank)
    assert len(frame["data"]) == 8 * 50_000          # base64 of 6 bytes a photo
    # One photo, or all at one place: no division by a zero extent.
    one = unpack_points(pack_points([43.7], [-79.4], [1]))
    assert one[0][0] == pytest.approx(43.7) and one[2].tolist() == [1]
    with pytest.raises(ValueError, match="ranks must lie in -1..65534"):
        pack_points([43.7], [-79.4], [70_000])


def test_map_is_fitted_to_cluster_members():
    res = result()
    parts = render_map(res)
    members = res.photo_rank > 0
    bounds = re.search(r"fitBounds\(\s*(\[\[.*?\]\])", parts.script, re.S).group(1)
    (s, w), (n, e) = json.loads(bounds)
    assert s == pytest.approx(res.latitudes[members].min())
    assert e == pytest.approx(res.longitudes[members].max())


def test_the_header_links_what_it_is_given_and_nothing_from_a_cdn():
    scripts = ["/assets/leaflet.1/leaflet.js", "/assets/snapassist.2/map.js"]
    styles = ["/assets/leaflet.1/leaflet.css", "/assets/snapassist.2/map.css"]
    parts = render_map(result(), scripts=scripts, styles=styles)
    assert re.findall(r'<script src="([^"]*)"', parts.header) == scripts
    assert re.findall(r'<link rel="stylesheet" href="([^"]*)"', parts.header) == styles
    # folium's defaults (leaflet, jQuery, two Bootstraps, glyphicons,
    # font-awesome, awesome-markers from five CDNs) are gone, and stay gone
    # for the next map: folium's class-wide lists are untouched.
    assert "//" not in parts.header.replace("http-equiv", "")
    assert "jquery" not in parts.header.lower() and "bootstrap" not in parts.header.lower()
    assert any("jquery" in url for _, url in folium.Map.default_js)
    # The map's own script only calls our layers with data.
    assert "SnapAssistMap.spotMarkers(" in parts.script and "L.Layer" not in parts.script


def test_the_tiles_come_from_the_tile_server_given():
    osm = render_map(result())
    assert '"https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in osm.script
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in osm.script
    own = TileServer(url="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                     attribution="&copy; Example <b>maps</b>")
    parts = render_map(result(), tiles=own)
    assert '"https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in parts.script
    assert "openstreetmap" not in parts.script
    # The attribution is the operator's HTML, carried as a JSON string.
    assert '"\\u0026copy; Example \\u003cb\\u003emaps\\u003c/b\\u003e"' in parts.script


def test_markers_named_for_the_page():
    parts = render_map(result())
    assert f"var {parts.markers_name} =" in parts.script
    assert f"var {parts.map_name} =" in parts.script
    assert '"title":"Spot #2"' in parts.script


def test_popup_lines_and_escaping():
    html = str(popup_html(spot(1, 43.6, -79.4, title='<img src=x onerror=alert(1)>',
                               ownername="A&B")))
    assert "Spot #1" in html
    assert '<dt>Photos</dt><dd class="sa-fact-photos">20 photos · 4 photographers</dd>' in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "A&amp;B" in html
    assert "<dt>Focal length</dt><dd>50 mm</dd>" in html
    assert "<dt>Exposure</dt><dd>1/250 s</dd>" in html
    assert "<dt>Aperture</dt><dd>f/2.8</dd>" in html and "<dt>ISO</dt><dd>ISO 400</dd>" in html
    assert 'href="https://www.flickr.com/photos/9@N00/1/"' in html


@pytest.mark.parametrize("title", ["{{ 7*7 }}", "{% if true %}x{% endif %}", "{% broken",
                                   "{# comment #}", "{{ self.__init__.__globals__ }}"])
def test_user_text_is_never_template_code(title):
    res = result()
    res.spots[0] = spot(1, 43.65, -79.38, title=title, ownername=title)
    parts = render_map(res)
    # Shown literally (HTML-escaped, then JSON for the script), never evaluated.
    shown = js_json(str(escape(title)))[1:-1]
    assert f"\\u003cdd\\u003e{shown}\\u003c/dd\\u003e" in parts.script
    assert "\\u003cdd\\u003e49\\u003c/dd\\u003e" not in parts.script


def with_facts(h):
    """``h`` with the per-spot facts a search adds (set by hand here)."""
    h.light = {"all": {"golden": 0.4, "day": 0.6}, "admired": {"golden": 0.62, "day": 0.38},
               "n_known": 20}
    h.bearing_deg, h.distance_m, h.side, h.anchor_rank = 45.0, 1900.0, "south-west", 3
    h.sun = {"date": "2026-06-21", "sunrise": "05:36", "sunset": "21:03",
             "golden_morning": ["05:36", "06:15"], "golden_evening": ["20:22", "21:03"],
             "blue_morning": ["05:02", "05:20"], "blue_evening": ["21:03", "21:25"],
             "sunset_azimuth_deg": 225.0}
    h.focal_range_mm = [70.0, 200.0]
    h.when = {"kind": "event", "days": ["Oct 5", "Oct 6"], "share": 0.7}
    h.one_photographer_share, h.one_photographer = 0.64, True
    return h


def dd(html, kind):
    """The text of the ``<dd>`` of fact ``kind`` in ``html`` (None if absent)."""
    match = re.search(rf'<dd class="sa-fact-{kind}"[^>]*>([^<]*)</dd>', html)
    return match and match.group(1)


def test_popup_shows_the_card_then_the_rest():
    html = str(popup_html(with_facts(spot(1, 43.6, -79.4)), anchor=3))
    glance = html[html.index('<dl class="sa-glance">'):html.index('<dl class="sa-details">')]
    assert re.findall(r'class="sa-fact-([\w-]+)"', glance) == [
        "photos", "light", "when", "where", "lens"]
    assert dd(html, "photos") == "20 photos · 4 photographers · 64% by one"
    assert dd(html, "light") == "Golden hour 62%"
    assert dd(html, "when") == "Event: Oct 5-6"
    assert dd(html, "where") == "1.9 km SW of #3" and dd(html, "lens") == "70-200 mm"
    # The full sentences are the facts' tooltips.
    assert 'title="62% of its admired photos were taken at golden hour"' in glance
    assert dd(html, "sun") == "golden hour 20:22-21:03, sunset 21:03, blue hour 21:03-21:25"
    assert dd(html, "sun-morning") == "blue hour 05:02-05:20, sunrise 05:36, golden hour 05:36-06:15"
    assert dd(html, "sun-facing") == "At sunset, facing spot #3, the sun is behind you"
    # The anchor says what it is; a spot with no fact known has only its photos.
    assert dd(str(popup_html(spot(3, 43.6, -79.4), anchor=3)), "where") == \
        "Anchor: most photographers"
    bare = str(popup_html(spot(1, 43.6, -79.4)))
    assert re.findall(r'<dd class="sa-fact-(\w+)"', bare[:bare.index("sa-details")]) == \
        ["photos"]


def test_popup_images_demo_placeholder_or_real_with_fallback():
    h = spot(1, 43.6, -79.4, title='"><b>x')
    real = str(popup_html(h))
    assert 'src="https://live.staticflickr.com/1/1_a.jpg"' in real
    assert re.search(r'data-fallback="data:image/svg\+xml[^"<>]*"', real)
    demo = str(popup_html(h, demo=True))
    assert "staticflickr" not in demo and 'src="data:image/svg+xml' in demo
    assert 'alt="&#34;&gt;&lt;b&gt;x"' in demo and "<b>x" not in demo
    # The whole map passes the flag on to every popup.
    assert "staticflickr" not in render_map(result(), demo=True).script
    assert "staticflickr" in render_map(result()).script
