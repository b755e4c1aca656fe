"""The results page's HTML: per-spot lines, placeholder images, sort/filter controls."""
import re

import pytest
from flask import render_template

from snapassist import config
from snapassist.search import FlickrPhotosDatabase
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
    popups = html[html.index("SnapAssistMap.spotMarkers("):]
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


def test_the_form_sends_what_the_search_reads(client):
    html = client.get("/search?q=cn+tower").get_data(as_text=True)
    form = html[html.index('<form class="sa-controls"'):]
    form = form[:form.index("</form>")]
    names = set(re.findall(r'name="(\w+)"', form))
    assert names == {"q", "sort", "date", "months", "light"}
    # What a browser sends with two months and two lights ticked.
    query = [("q", "cn tower"), ("sort", "photographers"), ("date", "2026-06-21"),
             ("months", "6"), ("months", "7"), ("light", "golden"), ("light", "day")]
    answer = client.get("/api/search", query_string=query).get_json()
    assert answer["options"] == {"sort": "photographers", "months": [6, 7],
                                 "light": ["golden", "day"], "date": "2026-06-21"}
    page = client.get("/search", query_string=query).get_data(as_text=True)
    assert "taken in Jun, Jul and in golden or day light; ranked by the number of " \
           "photographers." in page
    assert re.findall(r'name="(months|light)" value="(\w+)" checked', page) == [
        ("months", "6"), ("months", "7"), ("light", "golden"), ("light", "day")]
    assert re.search(r'<option value="photographers" selected>', page)
    assert 'name="date" value="2026-06-21"' in page
    assert '<dt>Sun on 2026-06-21</dt><dd class="sa-fact-sun">golden hour' in page


def test_a_filter_that_leaves_too_few_photos_offers_the_search_without_it(client):
    # February's blue hour: far fewer CN Tower photos than a search needs.
    page = client.get("/search", query_string=[("q", "cn tower"), ("months", "2"),
                                               ("light", "blue"), ("sort", "admired"),
                                               ("date", "2026-06-21")])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="sa-message"' in html
    link = re.search(r'<p class="sa-unfilter"><a href="([^"]*)"', html).group(1)
    assert "months" not in link and "light" not in link
    again = client.get(link.replace("&amp;", "&"))
    assert again.status_code == 200 and '<li class="sa-spot"' in again.get_data(as_text=True)
