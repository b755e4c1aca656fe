"""How SnapAssist shows things: the spot colours and the display text of numbers.

One home for the palette (the map, the list and the reachability plot use the
same colour for a spot) and for turning settings, hours and months into text.
"""

import calendar

import numpy as np

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
