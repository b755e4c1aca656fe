"""How SnapAssist shows things: the spot colours and the display text of numbers.

One home for the palette (the map, the list and the reachability plot use the
same colour for a spot), for turning settings, hours and months into text,
for the sentences that say what a photographer needs at each spot (the
spot's card, :mod:`.card`, shows them short and keeps these as tooltips),
and for the placeholder images of the demo's photos, which do not exist on
Flickr.

The sentences read a spot's optional facts with ``getattr`` and a
default, so a spot without them (an answer stored by an older version)
simply gets fewer.
"""

import base64
import calendar
import zlib

import numpy as np
from markupsafe import escape

#: Colours of ranks 1, 2, ... (cycled).
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
           "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#393b79")
#: Colour of photos that belong to no spot.
BACKGROUND_COLOUR = "#8c8c8c"


def rank_colour(rank):
    """The colour of spot ``rank`` (1-based); grey for background (-1 or None)."""
    if rank is None or rank < 1:
        return BACKGROUND_COLOUR
    return PALETTE[(rank - 1) % len(PALETTE)]


# --- camera settings, hours and months as text --------------------------------

def format_exposure(seconds):
    """``1/250 s`` below a second, ``2 s`` or ``2.5 s`` from a second on."""
    if seconds is None or not np.isfinite(seconds) or seconds <= 0:
        return None
    if seconds >= 1:
        return f"{seconds:g} s"
    return f"1/{round(1 / seconds):d} s"


def format_focal(mm):
    """``50 mm``."""
    return None if mm is None or not np.isfinite(mm) or mm <= 0 else f"{mm:.0f} mm"


def format_fnumber(f):
    """``f/2.8``."""
    return None if f is None or not np.isfinite(f) or f <= 0 else f"f/{f:g}"


def format_iso(iso):
    """``ISO 400``."""
    return None if iso is None or not np.isfinite(iso) or iso <= 0 else f"ISO {iso:.0f}"


def settings_lines(settings):
    """``[(label, text), ...]`` for the settings that are known, each on its line."""
    focal = settings.get("FocalLength")
    focal35 = settings.get("FocalLengthIn35mmFormat")
    focal_text = format_focal(focal)
    if focal_text and focal35 and format_focal(focal35) != focal_text:
        focal_text += f" ({format_focal(focal35)} equiv.)"
    elif not focal_text:
        focal_text = format_focal(focal35)
    lines = [
        ("Camera", settings.get("Camera")),
        ("Lens", settings.get("Lens")),
        ("Focal length", focal_text),
        ("Exposure", format_exposure(settings.get("ExposureTime"))),
        ("Aperture", format_fnumber(settings.get("FNumber"))),
        ("ISO", format_iso(settings.get("ISO"))),
    ]
    return [(label, text) for label, text in lines if text]


def format_hours(hours, top=3):
    """The busiest hours of day as text, e.g. ``"19:00, 20:00, 7:00"``."""
    best = [h for h in np.argsort(-np.asarray(hours), kind="stable")[:top] if hours[h] > 0]
    return ", ".join(f"{h}:00" for h in best)


def format_months(months, top=3):
    """The busiest months as text, e.g. ``"Jul, Aug, Dec"``."""
    best = [m for m in np.argsort(-np.asarray(months), kind="stable")[:top] if months[m] > 0]
    return ", ".join(calendar.month_abbr[m + 1] for m in best)


# --- what a photographer needs at each spot -----------------------------------

#: How each light reads in a sentence, in the order ties are broken (the
#: photographer's lights first).
LIGHT_TEXT = {"golden": "at golden hour", "blue": "at blue hour", "night": "at night",
              "day": "in daylight"}


def dominant_light(light):
    """``(light, share, admired)`` of a spot's light shares, or ``None``.

    The commonest light of its admired photos (``admired`` True), else of
    all its photos when the admired ones have no known light; ties go to
    the photographer's lights first (golden, blue, night, day).
    """
    light = light or {}
    for key in ("admired", "all"):
        shares = {name: share for name, share in (light.get(key) or {}).items()
                  if name in LIGHT_TEXT and share}
        if shares:
            best = max(LIGHT_TEXT, key=lambda name: (shares.get(name, 0.0),
                                                     -list(LIGHT_TEXT).index(name)))
            return best, shares[best], key == "admired"
    return None


def light_line(light):
    """``"62% of its admired photos were taken at golden hour"``, or None.

    The dominant light of the spot's most viewed quarter; of all its photos
    when the admired ones have no known light (:func:`dominant_light`).
    """
    dominant = dominant_light(light)
    if dominant is None:
        return None
    name, share, admired = dominant
    whose = "of its admired photos" if admired else "of its photos"
    return f"{round(100 * share):d}% {whose} were taken {LIGHT_TEXT[name]}"


def format_distance(metres):
    """``"350 m"`` below a kilometre, ``"1.9 km"`` below ten, ``"12 km"`` beyond."""
    if round(metres, -1) < 1000:
        return f"{max(10, round(metres, -1)):.0f} m"
    return f"{metres / 1000:.1f} km" if metres < 10_000 else f"{metres / 1000:.0f} km"


def direction_line(h, anchor=None):
    """``"1.9 km south-west of spot #3"``; for the anchor itself, what it is.

    ``anchor`` is the rank of the search's anchor (``SpotsAnswer.anchor_rank``).
    None when the spot's direction is unknown.
    """
    distance, side, towards = (getattr(h, "distance_m", None), getattr(h, "side", None),
                               getattr(h, "anchor_rank", None))
    if towards is not None and distance is not None and side:
        return f"{format_distance(distance)} {side} of spot #{towards}"
    if anchor is not None and getattr(h, "rank", None) == anchor:
        return "The most photographed spot: the others are placed from it"
    return None


def sun_facing_line(h):
    """Where the setting sun stands for someone at the spot facing the anchor.

    ``"At sunset the sun is behind you"``, ``"... ahead of you"`` (backlit) or
    ``"... on your left"``/``"right"``, from the bearing to the anchor and
    the sun's azimuth at sunset; from ``sun_behind_at_sunset`` when only that
    is known. None when neither is.
    """
    bearing = getattr(h, "bearing_deg", None)
    azimuth = (getattr(h, "sun", None) or {}).get("sunset_azimuth_deg")
    anchor = getattr(h, "anchor_rank", None)
    facing = f", facing spot #{anchor}" if anchor is not None else ""
    if bearing is not None and azimuth is not None:
        # Angle of the sun clockwise from the direction faced; the same 60
        # degree cones as spots.sun_behind.
        turn = (float(azimuth) - float(bearing)) % 360.0
        if turn <= 60 or turn >= 300:
            where = "ahead of you (backlit)"
        elif 120 <= turn <= 240:
            where = "behind you"
        else:
            where = "on your right" if turn < 180 else "on your left"
        return f"At sunset{facing}, the sun is {where}"
    behind = getattr(h, "sun_behind_at_sunset", None)
    if behind is None:
        return None
    return f"At sunset{facing}, the sun is {'behind you' if behind else 'not behind you'}"


def focal_line(focal_range):
    """``"People use 70-200 mm here"`` (35 mm equivalent), or None."""
    if not focal_range:
        return None
    low, high = (round(float(v)) for v in focal_range)
    return f"People use {low} mm here" if low == high else f"People use {low}-{high} mm here"


def day_range(days):
    """``"Oct 5-7"``, ``"Oct 5"`` or ``"Sep 30-Oct 1"``: the first and last of ``days``."""
    first, last = days[0], days[-1]
    if first == last:
        return first
    if first.split()[0] == last.split()[0]:
        return f"{first}-{last.split()[1]}"
    return f"{first}-{last}"


def when_line(when):
    """When a spot is photographed, in words; None if unknown.

    ``"An event: one night each year, early October (92% of its dated
    photos, 16 years)"``, ``"An event: Oct 5-7 each year (...)"``, ``"A
    one-off event: a few days, May 5-7 2014 (...)"`` (the event's own
    ``text``, see :func:`snapassist.spots.when`), ``"Seasonal: Apr-May
    (...)"`` or ``"Year-round"``. An answer stored before events had a
    ``text`` still reads ``"An event: Oct 5-7 (...)"``.
    """
    if not when:
        return None
    kind = when.get("kind")
    share = when.get("share")
    of = f" ({round(100 * share):d}% of its dated photos)" if share else ""
    if kind == "event" and when.get("text"):
        years = when.get("years") or 0
        if share and years > 1:
            of = f" ({round(100 * share):d}% of its dated photos, {years} years)"
        return f"{when['text']}{of}"
    if kind == "event" and when.get("days"):
        return f"An event: {day_range(when['days'])}{of}"
    if kind == "seasonal" and when.get("months"):
        months = when["months"]
        span = months[0] if len(months) == 1 else f"{months[0]}-{months[-1]}"
        return f"Seasonal: {span}{of}"
    return "Year-round" if kind == "year-round" else None


def one_photographer_line(h):
    """``"Mostly one photographer (64% of its photos)"`` when one person took most."""
    share = getattr(h, "one_photographer_share", None)
    flagged = getattr(h, "one_photographer", None)
    if flagged is None and share is not None:
        flagged = share > 0.5
    if not flagged or share is None:
        return None
    return f"Mostly one photographer ({round(100 * share):d}% of its photos)"


# --- placeholder images --------------------------------------------------------

def placeholder_image(key, label, sub=""):
    """A generated image (an SVG ``data:`` URI) standing in for a photo.

    The demo's photos do not exist on Flickr; each gets this instead of a
    broken image. Its colour comes from ``key`` (a photo id) through CRC-32,
    so a photo looks the same on every page and in every process; ``label``
    and ``sub`` are drawn as (XML-escaped) text.
    """
    hue = zlib.crc32(str(key).encode("utf-8")) % 360
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" '
           'viewBox="0 0 240 160">'
           f'<rect width="240" height="160" fill="hsl({hue},45%,62%)"/>'
           f'<path d="M0 160 L80 70 L130 120 L170 85 L240 160 Z" fill="hsl({hue},40%,42%)"/>'
           f'<circle cx="190" cy="45" r="18" fill="hsl({(hue + 40) % 360},80%,85%)"/>'
           '<text x="120" y="60" font-family="sans-serif" font-size="22" font-weight="bold" '
           f'text-anchor="middle" fill="#fff">{escape(label)}</text>'
           '<text x="120" y="88" font-family="sans-serif" font-size="15" '
           f'text-anchor="middle" fill="#fff">{escape(sub)}</text></svg>')
    # base64 rather than percent-encoding: as short, and several times faster
    # for the few hundred placeholders of a broad page.
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
