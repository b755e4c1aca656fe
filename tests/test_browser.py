"""The pages in headless Chromium: map points, markers, list, popup; desktop and phone.

The browser loads each page as a user's would: Leaflet, our scripts and
styles all come from the app itself. Nothing else answers: every request to
another host is recorded and fails, as offline (the map's tiles, and on
real tables Flickr's photos). The page must have raised no JavaScript error
and broken no Content-Security-Policy rule. Outside CI the test skips when
Chromium or Playwright is missing; with ``CI`` set to any true value it
fails instead.
"""
import json
import os
import shutil
import threading
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest

from snapassist.web import create_app
from snapassist.web.format import BACKGROUND_COLOUR, PALETTE, rank_colour

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOT = Path("/tmp/snapassist_browser_results.png")
#: Where the cards' screenshots go (the docs keep a copy of each).
CARDS = Path(os.environ.get("SNAPASSIST_SCREENSHOTS", "/tmp"))
TILE_HOST = "tile.openstreetmap.org"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _in_ci(environ=None):
    """Whether ``CI`` is set to a true value (CI services use true, 1, yes...)."""
    value = (os.environ if environ is None else environ).get("CI", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _missing(reason):
    if _in_ci():
        pytest.fail(f"browser test cannot run in CI (CI={os.environ['CI']!r}): {reason}")
    pytest.skip(reason)


@pytest.mark.parametrize("value, expected", [
    ("true", True), ("1", True), ("yes", True), ("TRUE", True), ("on", True),
    ("", False), ("0", False), ("false", False), ("no", False), ("off", False)])
def test_any_true_ci_value_refuses_to_skip(value, expected):
    assert _in_ci({"CI": value}) is expected


# JavaScript: the RGB of the canvas at the centre of the last-painted cluster
# member with no other spot's member within 12 px, and of one background photo
# with no member within 12 px.
_PIXEL_UNDER_PHOTOS = """([mapName, pointsName]) => {
  const map = window[mapName], layer = window[pointsName];
  const canvas = document.querySelector("canvas.sa-points");
  const ctx = canvas.getContext("2d"), box = canvas.getBoundingClientRect();
  const mapBox = map.getContainer().getBoundingClientRect(), size = map.getSize();
  const ratio = canvas.width / box.width;
  const members = [], background = [];
  for (let i = 0; i < layer.count(); i++) {
    const [lat, lon, rank] = layer.point(i), p = map.latLngToContainerPoint([lat, lon]);
    if (p.x < 15 || p.y < 15 || p.x > size.x - 15 || p.y > size.y - 15) continue;
    (rank >= 1 ? members : background).push({p, rank});
  }
  const rgb = (p) => {
    const x = Math.round((mapBox.left + p.x - box.left) * ratio);
    const y = Math.round((mapBox.top + p.y - box.top) * ratio);
    return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
  };
  // Dots of other kinds drawn within 12 px could cover the centre: avoid them.
  // Members are painted in order, each with a white ring, so take the last one
  // painted: nothing covers its centre.
  const clear = (a, others) => others.every(
    o => o === a || Math.hypot(o.p.x - a.p.x, o.p.y - a.p.y) > 12);
  const member = members.slice().reverse().find(
    m => clear(m, members.filter(o => o.rank !== m.rank)));
  const lonely = background.find(b => clear(b, members));
  return {member: member ? {rank: member.rank, rgb: rgb(member.p)} : null,
          background: lonely ? rgb(lonely.p) : null};
}"""


_MAP_AT_REST = """(mapName) => { const map = window[mapName];
  return !!map && !map._animatingZoom && !(map._panAnim && map._panAnim._inProgress); }"""


def _nearest_colour(rgb, colours):
    """Which of ``colours`` ('#rrggbb') is closest to the pixel ``rgb``."""
    def distance(colour):
        ref = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        return sum((a - b) ** 2 for a, b in zip(rgb, ref, strict=True))
    return min(colours, key=distance)


def _requirements():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed")
    chromium = os.environ.get("SNAPASSIST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).is_file():
        _missing(f"Chromium not found at {chromium} (apt-get install chromium)")
    return sync_playwright, chromium


def _serve(app):
    """Serve ``app`` on a free local port in a thread; yield its address, then stop it."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@contextmanager
def _chromium_page(base, width, height, phone=False, **context_options):
    """A Chromium page of ``width`` x ``height`` (a touch phone with ``phone``), offline.

    ``context_options`` go to Playwright's ``new_context`` (a granted,
    mocked geolocation: ``permissions=["geolocation"], geolocation={...}``).

    Yields ``(page, outside)``: ``outside`` maps each host other than
    ``base``'s that the page asked for to the addresses asked; every such
    request fails. Once the block ends without error, the page must have
    raised no JavaScript error and broken no Content-Security-Policy rule.
    """
    sync_playwright, chromium = _requirements()
    errors, outside = [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          is_mobile=phone, has_touch=phone, **context_options)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: "Content Security Policy" in m.text
                    and errors.append(m.text))
            page.route("**/*", _offline_router(base, outside))
            yield page, outside
        finally:
            browser.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="module")
def server(demo_db):
    yield from _serve(create_app({"SNAPASSIST_DATABASE": demo_db}))


def _offline_router(base, outside):
    """Let requests to ``base`` through; record and fail every other one."""
    def handle(route):
        url = route.request.url
        if url.startswith(base + "/"):
            return route.continue_()
        outside.setdefault(urllib.parse.urlsplit(url).hostname, []).append(url)
        return route.abort("internetdisconnected")
    return handle


def _flickr(outside):
    return [url for host, urls in outside.items() if host.endswith("staticflickr.com")
            for url in urls]


def test_results_page_in_chromium(server, demo_db):
    api = create_app({"TESTING": True, "SNAPASSIST_DATABASE": demo_db}).test_client()
    expected = api.get("/api/search?q=cn+tower").get_json()
    assert expected["clusters"], "the demo data should give 'cn tower' spots"

    # The demo's photos do not exist on Flickr: the page never asks for them.
    with _chromium_page(server, 1280, 800) as (page, outside):
        page.goto(server + "/")
        page.fill("input[name=q]", "cn tower")
        page.click("button[type=submit]")
        page.wait_for_selector(".sa-spot")
        page.wait_for_selector(".leaflet-marker-icon")

        # The ranked list, the numbered markers and every photo point.
        n_spots = len(expected["clusters"])
        assert page.locator(".sa-spot").count() == n_spots
        assert page.locator(".leaflet-marker-icon.sa-rank-icon").count() == n_spots
        cfg = json.loads(page.text_content("#sa-map-config"))
        n_points = page.evaluate(f"window[{json.dumps(cfg['points'])}].count()")
        assert n_points == expected["n_photos"]
        assert page.locator(".leaflet-overlay-pane canvas.sa-points").count() == 1
        # The canvas really has dots on it: count its non-transparent pixels.
        painted = page.evaluate(
            "() => { const c = document.querySelector('canvas.sa-points');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }")
        assert painted > 20 * n_spots
        # And in the right colours: a member's dot in its spot's colour, a
        # lone background photo's in grey.
        # Only once the map is still: during a zoom or pan animation the
        # canvas and the map's projection disagree (seen on a loaded machine).
        page.wait_for_function(_MAP_AT_REST, arg=cfg["map"], timeout=10_000)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() =>"
                      " requestAnimationFrame(r)))")
        under = page.evaluate(_PIXEL_UNDER_PHOTOS, [cfg["map"], cfg["points"]])
        candidates = list(PALETTE) + [BACKGROUND_COLOUR]
        assert under["member"] and under["background"], under
        assert _nearest_colour(under["member"]["rgb"], candidates) == \
            rank_colour(under["member"]["rank"])
        assert _nearest_colour(under["background"], candidates) == BACKGROUND_COLOUR

        # The reachability plot: one bar (and one band) per photo or group of
        # photos, every spot's colour among them.
        bars = page.eval_on_selector_all(".sa-plot svg rect",
                                         "rs => rs.map(r => r.getAttribute('fill'))")
        assert len(bars) == 2 * min(expected["n_photos"], 800)
        assert {rank_colour(c["rank"]) for c in expected["clusters"]} <= set(bars)
        assert BACKGROUND_COLOUR in bars

        # Clicking the second entry (or the first) flies there and opens its popup.
        rank = min(2, n_spots)
        page.click(f'.sa-spot[data-rank="{rank}"] button')
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        assert f"Spot #{rank}" in popup.inner_text()
        # The map flew in close (the popup may pan it a little to fit).
        cluster = expected["clusters"][rank - 1]
        view = page.evaluate(
            "([m, lat, lon]) => ({zoom: window[m].getZoom(),"
            " inside: window[m].getBounds().contains([lat, lon])})",
            [cfg["map"], cluster["latitude"], cluster["longitude"]])
        assert view == {"zoom": 15, "inside": True} or (view["zoom"] > 15 and view["inside"])
        # The carousel's next button shows the next photo.
        if len(cluster["best_photos"]) > 1:
            page.click(".leaflet-popup-content .sa-next")
            page.wait_for_function(
                "() => document.querySelector('.leaflet-popup-content .sa-carousel')"
                ".scrollLeft > 100", timeout=5000)
        page.wait_for_timeout(500)          # let the popup finish fading in
        page.screenshot(path=str(SCREENSHOT))

        # Beside the map the list scrolls on its own: clicking the last
        # spot's marker highlights its entry and scrolls the list to it.
        _check_page_common(page, expected)
        last = n_spots
        page.evaluate("document.querySelector('.sa-list').scrollTop = 0")
        _click_marker(page, cfg, last)
        entry = page.locator(f'.sa-spot[data-rank="{last}"]')
        assert "sa-active" in entry.get_attribute("class")
        assert page.locator(".sa-spot.sa-active").count() == 1
        assert _within(page, entry, ".sa-list")
    # Nothing was asked of any host but ours and the tile server's, which was
    # asked for the map's tiles.
    assert set(outside) == {TILE_HOST}, {h: u[:2] for h, u in outside.items()}
    assert all(url.endswith(".png") for url in outside[TILE_HOST])


# JavaScript: whether the element's box lies within the box of ``outer`` (a
# selector) or, without one, within the viewport.
_WITHIN = """([el, outer]) => {
  const r = el.getBoundingClientRect();
  const o = outer ? document.querySelector(outer).getBoundingClientRect()
                  : {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  return r.top >= o.top - 1 && r.bottom <= o.bottom + 1 && r.left >= o.left - 1
      && r.right <= o.right + 1 && r.width > 0 && r.height > 0;
}"""


def _within(page, locator, outer=None):
    return locator.evaluate(_WITHIN.replace("([el, outer])", "(el, outer)"), outer)


def _comes_within(page, selector, outer=None, timeout=10_000):
    """Wait until ``selector`` lies within ``outer`` (or the screen); False if it never does.

    A popup opens and then the map pans to show it whole (Leaflet's autoPan,
    animated): the end state is what counts, however long the animation.
    """
    check = ("([sel, outer]) => { const el = document.querySelector(sel);"
             " return !!el && (" + _WITHIN + ")([el, outer]); }")
    try:
        page.wait_for_function(check, arg=[selector, outer], timeout=timeout)
    except Exception:  # playwright's TimeoutError: report it as a failed check
        return False
    return True


def _check_page_common(page, expected):
    """What every results page must do whatever the screen: no broken image, the lines."""
    # Every photo (the demo's placeholders) has loaded; none is broken. Map
    # tiles cannot load offline: not ours to check.
    images = page.eval_on_selector_all(
        "img:not(.leaflet-tile)", "imgs => imgs.map(i => ({src: i.src.slice(0, 60),"
        " cls: i.className, ok: i.complete && i.naturalWidth > 0}))")
    assert images, "no image on the page"
    assert all(i["ok"] for i in images), [i for i in images if not i["ok"]]
    # Each card's glance facts: every spot placed from the anchor (the
    # anchor says what it is), the light where known, and the warning
    # exactly where one photographer took most of a spot's photos. The rest
    # waits, folded, in the card.
    clusters = expected["clusters"]
    n_spots = len(clusters)
    assert page.locator(".sa-spot .sa-fact-where").count() == n_spots
    assert page.locator(".sa-spot .sa-fact-light").count() == \
        sum(bool(c["light"]["all"]) for c in clusters) > 0
    warned = page.eval_on_selector_all(
        ".sa-spot .sa-fact-photos .sa-value", "vs => vs.map(v => v.textContent)")
    assert [text.endswith("by one") for text in warned] == \
        [bool(c["one_photographer"]) for c in clusters]
    first = page.locator(".sa-spot").first.locator(".sa-fact").first
    assert first.is_visible() and first.inner_text().strip()
    assert not page.locator(".sa-spot .sa-more .sa-fact-sun").first.is_visible()


def _click_marker(page, cfg, rank):
    """Centre the map on spot ``rank``'s marker, close any popup, and click the marker."""
    page.evaluate(
        "([m, k, r]) => { const map = window[m], marker = window[k][r];"
        " map.closePopup(); map.setView(marker.getLatLng(), map.getZoom(), {animate: false}); }",
        [cfg["map"], cfg["markers"], rank])
    page.click(f'.leaflet-marker-icon[title="Spot #{rank}"]')


def _no_wider_than_the_screen(page):
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"


def _header_fits(page, with_search=True):
    header = [".sa-brand", ".sa-top nav a"]
    if with_search:
        header += [".sa-top input[name=q]", ".sa-top button[type=submit]"]
    for selector in header:
        assert _within(page, page.locator(selector).first), f"{selector} is off-screen"


@pytest.mark.parametrize("width, height", [(390, 844), (320, 640)])
def test_phone_pages_fit_the_screen(server, width, height):
    with _chromium_page(server, width, height, phone=True) as (page, _):
        page.goto(server + "/")
        _no_wider_than_the_screen(page)
        _header_fits(page, with_search=False)
        assert _within(page, page.locator(".sa-hero button[type=submit]"))
        page.goto(server + "/about")
        _no_wider_than_the_screen(page)
        _header_fits(page, with_search=False)
        page.goto(server + "/search?q=cn+tower")
        page.wait_for_selector(".leaflet-marker-icon")
        _no_wider_than_the_screen(page)
        _header_fits(page)
        # Opening the months picker does not widen the page either.
        page.click(".sa-pick summary")
        _no_wider_than_the_screen(page)


def test_results_page_on_a_phone(server, demo_db):
    api = create_app({"TESTING": True, "SNAPASSIST_DATABASE": demo_db}).test_client()
    expected = api.get("/api/search?q=cn+tower").get_json()
    n_spots = len(expected["clusters"])
    assert n_spots >= 2, "the demo data should give 'cn tower' several spots"
    with _chromium_page(server, 390, 844, phone=True) as (page, _):
        page.goto(server + "/")
        page.fill("input[name=q]", "cn tower")
        page.tap(".sa-hero button[type=submit]")
        page.wait_for_selector(".leaflet-marker-icon")
        cfg = json.loads(page.text_content("#sa-map-config"))
        _no_wider_than_the_screen(page)
        _header_fits(page)

        # The map first, at a fixed share of the screen, the list below it.
        box = page.evaluate(
            "() => { const r = (s) => document.querySelector(s).getBoundingClientRect();"
            " return {map: r('.sa-map'), list: r('#sa-spots'), "
            " sort: r('.sa-controls select')}; }")
        assert box["map"]["top"] + box["map"]["height"] <= box["list"]["top"]
        assert 0.4 * 844 <= box["map"]["height"] <= 0.7 * 844
        assert box["map"]["top"] < 844 and box["map"]["top"] + 200 < 844
        assert box["sort"]["top"] < box["list"]["top"]
        _check_page_common(page, expected)

        # Tapping the last entry, far below the map, brings the map back
        # into view, flies to that spot and opens its popup.
        last = page.locator(f'.sa-spot[data-rank="{n_spots}"]')
        last.scroll_into_view_if_needed()
        assert not _within(page, page.locator(".sa-map"))
        last.locator("button").tap()
        page.wait_for_function(
            "() => { const r = document.querySelector('.sa-map').getBoundingClientRect();"
            " return r.top >= -1 && r.bottom <= innerHeight + 1; }", timeout=10_000)
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        assert f"Spot #{n_spots}" in popup.inner_text()
        assert _comes_within(page, ".leaflet-popup-content-wrapper", ".sa-map")
        assert "sa-active" in last.get_attribute("class")
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOT.with_name("snapassist_browser_phone.png")))

        # Tapping a marker highlights its entry, and leaves the map in view
        # (the list is below it: the page does not scroll away from the popup).
        _click_marker(page, cfg, 1)
        first = page.locator('.sa-spot[data-rank="1"]')
        page.wait_for_function(
            "() => document.querySelector('.sa-spot[data-rank=\"1\"]')"
            ".classList.contains('sa-active')", timeout=5000)
        assert page.locator(".sa-spot.sa-active").count() == 1
        assert _within(page, page.locator(".sa-map"))
        assert "sa-active" in first.get_attribute("class")
        _no_wider_than_the_screen(page)


@pytest.fixture(scope="module")
def real_server(demo_folder):
    """The demo's photos served as real tables: their images are fetched from Flickr."""
    from snapassist import config
    from snapassist.search import FlickrPhotosDatabase

    popular = demo_folder / config.POPULAR_TABLE_PROCESSED
    database = FlickrPhotosDatabase(demo_folder / config.MASTER_TABLE_PROCESSED,
                                    popular if popular.exists() else None, is_demo=False)
    yield from _serve(create_app({"SNAPASSIST_DATABASE": database}))


def test_images_that_fail_to_load_show_their_placeholder(real_server):
    # Offline, every Flickr image answers with an empty body: broken.
    with _chromium_page(real_server, 1280, 800) as (page, outside):
        page.goto(real_server + "/search?q=cn+tower")
        page.wait_for_selector(".leaflet-marker-icon")
        # The page asked Flickr for the photo; it failed; its placeholder shows.
        page.wait_for_function(
            "() => { const i = document.querySelector('.sa-spot img.sa-thumb');"
            " return i.src.startsWith('data:image/svg+xml') && i.complete"
            " && i.naturalWidth > 0; }", timeout=10_000)
        page.click('.sa-spot[data-rank="1"] button')
        page.wait_for_selector(".leaflet-popup-content img", timeout=10_000)
        page.wait_for_function(
            "() => { const i = document.querySelector('.leaflet-popup-content img');"
            " return i.src.startsWith('data:image/svg+xml') && i.complete"
            " && i.naturalWidth > 0; }", timeout=10_000)
        assert _flickr(outside)
    # Real photos come from Flickr's image hosts, and nothing else but tiles.
    assert {host for host in outside if not host.endswith("staticflickr.com")} == {TILE_HOST}


# JavaScript: for each of the first ``n`` cards, its facts' kinds and the left
# edge of their values, and the box of the cards together.
_CARDS = """(n) => {
  const cards = Array.from(document.querySelectorAll(".sa-spot")).slice(0, n);
  const boxes = cards.map(c => c.getBoundingClientRect());
  return {
    facts: cards.map(c => Array.from(c.querySelectorAll(".sa-card .sa-fact")).map(f => ({
      kind: f.className.replace("sa-fact sa-fact-", ""),
      left: f.querySelector(".sa-value").getBoundingClientRect().left,
      lines: Math.round(f.querySelector(".sa-value").getBoundingClientRect().height / 15)}))),
    box: {x: Math.min(...boxes.map(b => b.left)), y: Math.min(...boxes.map(b => b.top)) + scrollY,
          right: Math.max(...boxes.map(b => b.right)),
          bottom: Math.max(...boxes.map(b => b.bottom)) + scrollY}};
}"""


@pytest.mark.parametrize("width, height, name", [(1280, 1500, "cards-desktop.png"),
                                                 (390, 844, "cards-phone.png")])
def test_six_cards_read_at_a_glance(server, demo_db, width, height, name):
    api = create_app({"TESTING": True, "SNAPASSIST_DATABASE": demo_db}).test_client()
    subject = next(q for q in ("night", "sunset", "toronto", "cn tower", "skyline")
                   if len(api.get(f"/api/search?q={q}").get_json().get("spots", [])) >= 6)
    with _chromium_page(server, width, height, phone=width < 800) as (page, _):
        page.goto(server + "/search?" + urllib.parse.urlencode({"q": subject}))
        page.wait_for_selector(".leaflet-marker-icon")
        cards = page.evaluate(_CARDS, 6)
        kinds = ["photos", "light", "when", "where", "lens"]
        for facts in cards["facts"]:
            # At most five facts, in the one order, each a line or two.
            mine = [f["kind"] for f in facts]
            assert mine == [k for k in kinds if k in mine] and len(mine) >= 3, mine
            assert all(f["lines"] <= 2 for f in facts), facts
        # The values stand in one column across the cards: they compare line
        # by line (the photos head each card, without a label).
        lefts = {round(f["left"]) for facts in cards["facts"] for f in facts
                 if f["kind"] != "photos"}
        assert max(lefts) - min(lefts) <= 1, lefts
        # The rest opens on demand, inside the card.
        more = page.locator(".sa-spot").first.locator(".sa-more")
        assert not more.locator(".sa-fact-hours").is_visible()
        more.locator("summary").click()
        assert more.locator(".sa-fact-hours").is_visible()
        _no_wider_than_the_screen(page)
        cards = page.evaluate(_CARDS, 6)          # the first card open, as shown
        box = cards["box"]
        CARDS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CARDS / name), full_page=True,
                        clip={"x": box["x"] - 4, "y": box["y"] - 4,
                              "width": box["right"] - box["x"] + 8,
                              "height": box["bottom"] - box["y"] + 8})


# --- the city's atlas and the search by place ---------------------------------

#: The CN Tower's base in the demo world.
TOWER = (43.6426, -79.3871)


@pytest.fixture(scope="module")
def atlas_server(demo_folder, tmp_path_factory):
    """The demo's tables with their atlas (as ``snapassist precompute`` stores it), served."""
    from snapassist import config
    from snapassist.precompute import fingerprint
    from snapassist.precompute._atlas import atlas_of_folder
    from snapassist.precompute._files import write_answers
    from snapassist.search import FlickrPhotosDatabase

    folder = tmp_path_factory.mktemp("atlas") / "tables"
    shutil.copytree(demo_folder, folder, copy_function=os.link)
    database = FlickrPhotosDatabase.from_folder(folder)
    write_answers(folder / config.PRECOMPUTED_ANSWERS, [atlas_of_folder(folder, database)],
                  {"fingerprint": fingerprint(folder, database)})
    yield from _serve(create_app({"SNAPASSIST_TABLES_FOLDER": folder}))


SIZES = [pytest.param(1280, 800, id="desktop"), pytest.param(390, 844, id="phone")]


@pytest.mark.parametrize("width, height", SIZES)
def test_the_home_page_maps_the_atlas_and_a_marker_opens_its_card(atlas_server, width, height):
    with _chromium_page(atlas_server, width, height, phone=width < 800) as (page, _):
        page.goto(atlas_server + "/")
        page.wait_for_selector(".sa-atlas-icon.leaflet-marker-icon")
        cfg = json.loads(page.text_content("#sa-map-config"))
        n = page.locator(".leaflet-marker-icon.sa-atlas-icon").count()
        assert n == page.evaluate(f"Object.keys(window[{json.dumps(cfg['markers'])}]).length")
        assert n > 0
        # Both ends, marked apart, each marker labelled with its subjects.
        assert page.locator(".sa-atlas-busy, .sa-atlas-both").count() > 1
        assert page.locator(".leaflet-tooltip.sa-atlas-label").count() > 0
        _no_wider_than_the_screen(page)
        rank = int(page.evaluate(f"Object.keys(window[{json.dumps(cfg['markers'])}])[0]"))
        _click_marker(page, cfg, rank)
        popup = page.wait_for_selector(".leaflet-popup-content .sa-popup", timeout=10_000)
        text = popup.inner_text()
        assert f"Spot #{rank}" in text and "subjects" in text.lower()
        links = page.eval_on_selector_all(".leaflet-popup-content .sa-subjects a",
                                          "as => as.map(a => a.getAttribute('href'))")
        assert links and all(link.startswith("/search?q=") for link in links)
        assert page.locator(".leaflet-popup-content .sa-carousel img").count() > 0
        assert _comes_within(page, ".leaflet-popup-content-wrapper", ".sa-atlas-map")
        page.screenshot(path=str(CARDS / f"atlas-home-{width}.png"))
        # A subject leads to its search.
        page.click(".leaflet-popup-content .sa-subjects a")
        page.wait_for_selector(".sa-spot, .sa-message")
        assert "/search?q=" in page.url


@pytest.mark.parametrize("width, height", SIZES)
def test_what_else_is_here_from_a_results_map_lists_spots(atlas_server, width, height):
    with _chromium_page(atlas_server, width, height, phone=width < 800) as (page, _):
        page.goto(atlas_server + "/search?q=cn+tower")
        page.wait_for_selector(".leaflet-marker-icon")
        cfg = json.loads(page.text_content("#sa-map-config"))
        # A click on the map where there is no marker: near the tower's base.
        page.evaluate("([m, lat, lon]) => { const map = window[m]; map.closePopup();"
                      " map.setView([lat, lon], 15, {animate: false}); }",
                      [cfg["map"], TOWER[0] + 0.003, TOWER[1] + 0.003])
        page.wait_for_function(_MAP_AT_REST, arg=cfg["map"], timeout=10_000)
        point = page.evaluate(
            "(m) => { const map = window[m], box = map.getContainer().getBoundingClientRect();"
            " const p = map.latLngToContainerPoint(map.getCenter());"
            " return {x: box.left + p.x, y: box.top + p.y}; }", cfg["map"])
        page.mouse.click(point["x"], point["y"])
        link = page.wait_for_selector(".sa-here-link", timeout=10_000)
        assert link.inner_text() == "What else is here?"
        href = link.get_attribute("href")
        assert href.startswith("/near?lat=")
        link.click()
        page.wait_for_selector(".sa-near-page")
        assert page.locator(".sa-spot").count() > 0
        page.wait_for_selector(".leaflet-marker-icon.sa-atlas-icon")
        _no_wider_than_the_screen(page)


@pytest.mark.parametrize("width, height", SIZES)
def test_use_my_location_loads_the_spots_around_it(atlas_server, width, height):
    with _chromium_page(atlas_server, width, height, phone=width < 800,
                        permissions=["geolocation"],
                        geolocation={"latitude": TOWER[0], "longitude": TOWER[1]}) as (page, _):
        page.goto(atlas_server + "/")
        button = page.locator(".sa-atlas .sa-locate")
        assert button.is_visible()
        button.click()
        page.wait_for_url("**/near?**", timeout=10_000)
        page.wait_for_selector(".sa-spot")
        assert f"lat={TOWER[0]:.5f}" in page.url and f"lon={TOWER[1]:.5f}" in page.url
        assert page.locator(".sa-spot .sa-where").count() == page.locator(".sa-spot").count()
        _no_wider_than_the_screen(page)
        cfg = json.loads(page.text_content("#sa-map-config"))
        page.wait_for_function(_MAP_AT_REST, arg=cfg["map"], timeout=10_000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(CARDS / f"near-{width}.png"))
        # From the near page itself too.
        page.locator(".sa-near-form input[name=radius_m]").fill("300")
        page.locator(".sa-near-form .sa-locate").click()
        page.wait_for_url("**radius_m=300**", timeout=10_000)
        page.wait_for_selector(".sa-near-page")
