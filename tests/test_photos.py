"""A photo's summary: safe URLs only, every field as the API shows it."""
import pytest

from snapassist.spots._photos import photo_summary, safe_flickr_url


@pytest.mark.parametrize("url, ok", [
    ("https://live.staticflickr.com/65535/1_abc_q.jpg", True),
    ("http://farm5.staticflickr.com/1/2_x_m.jpg", True),
    ("https://www.flickr.com/photos/a/1/", True),
    ("javascript:alert(1)", False),
    ("https://evil.example/staticflickr.com/x.jpg", False),
    ("https://staticflickr.com.evil.example/x.jpg", False),
    ("ftp://live.staticflickr.com/x.jpg", False),
    ("", False), (None, False), (float("nan"), False),
])
def test_safe_flickr_url(url, ok):
    assert safe_flickr_url(url) == (url if ok else None)


def test_photo_summary_urls():
    row = {"id": "42", "owner": "12@N00", "views": 7, "url_q": "javascript:x",
           "url_s": "https://live.staticflickr.com/s.jpg", "url_m": "https://evil.example/m.jpg"}
    s = photo_summary(row)
    assert s["url"] == s["thumb_url"] == "https://live.staticflickr.com/s.jpg"
    assert s["page_url"] == "https://www.flickr.com/photos/12@N00/42/"
