"""The results page's HTML: per-spot lines, placeholder images, sort/filter controls."""
import re

import pytest
from flask import render_template

from snapassist import config
from snapassist.database import FlickrPhotosDatabase
from snapassist.web import create_app

IMG_SRC = re.compile(r'<img[^>]*\ssrc="([^"]*)"')


def _images(html):
    return IMG_SRC.findall(html)


def test_demo_photos_show_generated_placeholders_not_flickr(client):
    page = client.get("/search?q=cn+tower")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = _images(html)
    assert sources and all(src.startswith("data:image/svg+xml") for src in sources)
    # Nowhere (not even in the popups' JSON) does a demo page load a Flickr image.
    assert "staticflickr.com" not in html
    popups = html[html.index("SnapAssistMap.clusterMarkers("):]
    assert popups.count("data:image/svg+xml") >= html.count('<li class="sa-spot"')


@pytest.fixture
def real_client(demo_folder):
    """The demo's photos served as if they were real tables (not marked demo)."""
    popular = demo_folder / config.POPULAR_TABLE_PROCESSED
    database = FlickrPhotosDatabase(demo_folder / config.MASTER_TABLE_PROCESSED,
                                    popular if popular.exists() else None, is_demo=False)
    return create_app({"TESTING": True, "SNAPASSIST_DATABASE": database}).test_client()


def test_real_photos_keep_their_image_with_a_placeholder_to_fall_back_on(real_client):
    html = real_client.get("/search?q=cn+tower").get_data(as_text=True)
    thumbs = re.findall(r'<img class="sa-thumb" src="([^"]*)"[^>]*data-fallback="([^"]*)"', html)
    assert thumbs and len(thumbs) == html.count('<img class="sa-thumb"')
    for src, fallback in thumbs:
        assert src.startswith("https://live.staticflickr.com/")
        assert fallback.startswith("data:image/svg+xml")
    assert "demo photo" not in html


def test_controls_keep_the_phrase_and_show_the_options(app):
    phrase = 'cn "tower" <b>'
    with app.test_request_context("/search"):
        html = render_template("_controls.html", query=phrase, options={
            "sort": "admired", "months": [10, 11], "light": ["golden", "blue"],
            "date": "2026-06-21"})
        plain = render_template("_controls.html", query="cn tower")
    assert 'method="get"' in html and 'action="/search"' in html
    assert '<input type="hidden" name="q" value="cn &#34;tower&#34; &lt;b&gt;">' in html
    assert re.search(r'<option value="admired" selected>', html)
    checked = re.findall(r'name="(months|light)" value="(\w+)" checked', html)
    assert sorted(checked) == [("light", "blue"), ("light", "golden"),
                               ("months", "10"), ("months", "11")]
    assert 'name="date" value="2026-06-21"' in html
    # Before a search has options: sorted by score, nothing filtered.
    assert re.search(r'<option value="score" selected>', plain)
    assert " checked" not in plain and 'name="date" value=""' in plain
