"""What every response says about itself, and what every request may be.

Response headers (:func:`add_headers`, after every request):

- ``Content-Security-Policy``: scripts, styles, fonts and connections from
  our own origin only; images also from the map's tile server, Flickr's
  image hosts (``*.staticflickr.com``) and ``data:`` (the demo's generated
  placeholders). A page's own inline scripts (the map folium draws) are
  allowed by their SHA-256, computed from the page itself, so an injected
  script never runs. Inline styles are allowed: Leaflet and our markers
  colour elements with ``style`` attributes, and a style cannot run code.
  JSON and static files get a policy that allows nothing.
- ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` that sends
  other hosts (the tile server, Flickr) our origin but never a page's
  address, which holds what was searched.

Request limits (:func:`check_request`, before every request): a query
string over ``SNAPASSIST_MAX_QUERY_BYTES`` is a 414, a request body over
``MAX_CONTENT_LENGTH`` a 413 (the app reads no body). Both reach the one
place where errors become responses, so the API answers them in JSON.
"""
import base64
import hashlib
import re

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

#: The longest query string served; gunicorn's request line allows more.
MAX_QUERY_BYTES = 4096
#: The largest request body accepted (the app reads none).
MAX_CONTENT_LENGTH = 16 * 1024
#: Where Flickr serves photos from.
FLICKR_IMAGES = "*.staticflickr.com"
REFERRER_POLICY = "strict-origin-when-cross-origin"
#: For anything but a page: no content of any kind may be loaded by it.
NOTHING = "default-src 'none'; frame-ancestors 'none'"

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_NOT_CODE = re.compile(r"\b(src|type)\s*=", re.I)


def inline_script_hashes(html):
    """The CSP ``'sha256-...'`` source of each inline script of ``html``, in order.

    Scripts with a ``src`` load from an address, and data blocks (``type=``
    anything, as our JSON) are never run: neither needs a hash.
    """
    sources = []
    for match in _INLINE_SCRIPT.finditer(html):
        if _NOT_CODE.search(match.group("attrs")):
            continue
        digest = hashlib.sha256(match.group("body").encode("utf-8")).digest()
        source = f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
        if source not in sources:
            sources.append(source)
    return sources


def page_policy(html, tiles):
    """The Content-Security-Policy of page ``html`` whose map takes tiles from ``tiles``."""
    scripts = " ".join(["'self'", *inline_script_hashes(html)])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: {tiles.source} {FLICKR_IMAGES}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_headers(response):
    """``after_request``: the security headers, unless a view set its own policy."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if "Content-Security-Policy" in response.headers:
        return response
    if (response.mimetype == "text/html" and not response.is_streamed
            and "Content-Encoding" not in response.headers):
        policy = page_policy(response.get_data(as_text=True),
                             current_app.extensions["snapassist_tiles"])
    elif response.mimetype == "text/html":
        policy = page_policy("", current_app.extensions["snapassist_tiles"])
    else:
        policy = NOTHING
    response.headers["Content-Security-Policy"] = policy
    return response


def check_request():
    """``before_request``: refuse an over-long query string (414) or a body (413)."""
    limit = current_app.config["SNAPASSIST_MAX_QUERY_BYTES"]
    if len(request.query_string) > limit:
        raise RequestURITooLarge(f"The query string is {len(request.query_string):,} bytes "
                                 f"long; at most {limit:,} are served.")
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge(f"The request carries a body of {length:,} bytes; "
                                    f"this server reads none over "
                                    f"{current_app.config['MAX_CONTENT_LENGTH']:,} bytes.")
