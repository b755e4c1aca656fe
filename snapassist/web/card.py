"""A spot's card: five facts read at a glance, the rest on demand.

A photographer scanning six spots compares them line by line, so every
card shows the same short facts in the same order (:data:`GLANCE`), each
behind a label, and leaves out a fact that is unknown rather than writing
a sentence about it:

1. ``photos``: its photos and photographers (and a warning when one
   photographer took most of them);
2. ``light``: the light its admired photos share;
3. ``when``: an event, a season, or all year;
4. ``where``: its direction and distance from the search's anchor;
5. ``lens``: the focal lengths people use there (35 mm equivalent).

The rest (:func:`detail_facts`: busiest hours and months, typical camera
settings, the sun on the date asked, views and score) opens on demand.
No fact is said twice: the focal length is the lens fact only, and the
busiest months are left out when the ``when`` fact already names a season
or an event. Facts that do not fit the spot are left out too: a spot shot
at night (:func:`shot_at_night`) gets no golden hour, no morning and no
"at sunset the sun is behind you".

Every value is plain text; the template and the popup escape it.
"""
from dataclasses import dataclass

from .format import (day_range, direction_line, dominant_light, focal_line, format_distance,
                     format_focal, format_hours, format_months, light_line,
                     one_photographer_line, settings_lines, sun_facing_line, when_line)

#: The glance facts, in the order every card shows them, with their labels.
GLANCE = (("photos", "Photos"), ("light", "Light"), ("when", "When"), ("where", "Where"),
          ("lens", "Lens"))
#: Share of a spot's admired photos taken at night above which it is a night spot.
NIGHT_SHARE = 0.75

_LIGHT_NAMES = {"golden": "golden hour", "blue": "blue hour", "night": "night",
                "day": "daylight"}
_SHORT_SIDE = {"north": "N", "north-east": "NE", "east": "E", "south-east": "SE",
               "south": "S", "south-west": "SW", "west": "W", "north-west": "NW"}


@dataclass(frozen=True)
class Fact:
    """One line of a card: what it is (``kind``), its label, its short text.

    ``title`` is the same fact in a sentence, for a tooltip (``None`` when
    the text says it all).
    """

    kind: str
    label: str
    text: str
    title: str = None


def shot_at_night(h):
    """Whether spot ``h`` is a night spot: a night event, or admired at night.

    A night event is one whose photos of known time are mostly at night
    (``when["unit"] == "night"``); otherwise at least :data:`NIGHT_SHARE`
    of its admired photos must have been taken at night.
    """
    when = getattr(h, "when", None) or {}
    if when.get("kind") == "event" and when.get("unit") == "night":
        return True
    dominant = dominant_light(getattr(h, "light", None))
    return (dominant is not None and dominant[0] == "night" and dominant[2]
            and dominant[1] >= NIGHT_SHARE)


def glance_facts(h, anchor=None):
    """The facts of spot ``h`` read at a glance: at most five :class:`Fact`, in :data:`GLANCE` order.

    ``anchor`` is the rank of the search's anchor
    (``SpotsAnswer.anchor_rank``), which lets the anchor say what it is.
    A fact whose values are unknown is left out.
    """
    texts = {"photos": _photos(h), "light": _light(h), "when": _when(h),
             "where": _where(h, anchor), "lens": _lens(h)}
    return [Fact(kind, label, *texts[kind]) for kind, label in GLANCE if texts[kind]]


def _photos(h):
    n_photos, n_owners = getattr(h, "n_photos", None), getattr(h, "n_owners", None)
    if n_photos is None or n_owners is None:
        return None
    text = (f"{n_photos:,} photo{'' if n_photos == 1 else 's'} · {n_owners:,} "
            f"photographer{'' if n_owners == 1 else 's'}")
    flag = one_photographer_line(h)
    if flag:
        share = round(100 * h.one_photographer_share)
        return f"{text} · {share}% by one", flag
    return text, None


def _light(h):
    dominant = dominant_light(getattr(h, "light", None))
    if dominant is None:
        return None
    name, share, admired = dominant
    text = f"{_LIGHT_NAMES[name]} {round(100 * share):d}%"
    return text[0].upper() + text[1:], light_line(h.light)


def _when(h):
    when = getattr(h, "when", None)
    if not when:
        return None
    kind, sentence = when.get("kind"), when_line(when)
    if kind == "event" and when.get("text"):
        text = when["text"]
        for long, short in (("An event: ", "Event: "), ("A one-off event: ", "Once: ")):
            if text.startswith(long):
                text = short + text[len(long):]
        return text, sentence
    if kind == "event" and when.get("days"):
        return f"Event: {day_range(when['days'])}", sentence
    if kind == "seasonal" and when.get("months"):
        months = when["months"]
        return f"Season: {months[0]}" + (f"-{months[-1]}" if len(months) > 1 else ""), sentence
    if kind == "year-round":
        return "All year", None
    return None


def _where(h, anchor):
    distance, side, towards = (getattr(h, "distance_m", None), getattr(h, "side", None),
                               getattr(h, "anchor_rank", None))
    if towards is not None and distance is not None and side:
        return (f"{format_distance(distance)} {_SHORT_SIDE.get(side, side)} of #{towards}",
                direction_line(h, anchor))
    if anchor is not None and getattr(h, "rank", None) == anchor:
        return "Anchor: most photographers", direction_line(h, anchor)
    return None


def _lens(h):
    focal_range = getattr(h, "focal_range_mm", None)
    if focal_range:
        low, high = (round(float(v)) for v in focal_range)
        text = f"{low} mm" if low == high else f"{low}-{high} mm"
        return text, focal_line(focal_range) + " (35 mm equivalent)"
    # Too few photos for a range: the typical photo's focal length, if known.
    settings = getattr(h, "settings", None) or {}
    focal = settings.get("FocalLengthIn35mmFormat") or settings.get("FocalLength")
    text = format_focal(focal)
    return (text, "The typical photo's focal length") if text else None


def detail_facts(h):
    """The facts of spot ``h`` shown on demand, as :class:`Fact` (none said at a glance).

    Busiest hours; busiest months unless the spot is an event or seasonal
    (its ``when`` says so already); typical exposure, aperture and ISO (not
    the focal length: that is the lens fact); the sun on the date asked
    and, facing the anchor, where it sets (a night spot gets only its
    sunset and blue hour); views and score.
    """
    facts = []
    hours = format_hours(getattr(h, "hours", None) or [0] * 24)
    if hours:
        facts.append(Fact("hours", "Busiest hours", hours))
    when = getattr(h, "when", None) or {}
    months = format_months(getattr(h, "months", None) or [0] * 12)
    if months and when.get("kind") not in ("event", "seasonal"):
        facts.append(Fact("months", "Busiest months", months))
    camera = " · ".join(text for label, text in settings_lines(getattr(h, "settings", None) or {})
                        if label in ("Exposure", "Aperture", "ISO"))
    if camera:
        facts.append(Fact("camera", "Typical", camera))
    facts += _sun_facts(h)
    mean, score = getattr(h, "mean_views", None), getattr(h, "score", None)
    if mean is not None and score is not None:
        facts.append(Fact("views", "Views", f"{mean:,.0f} a photo · score {score:,.1f}"))
    return facts


def _span(pair):
    return f"{pair[0]}-{pair[1]}" if pair and pair[0] and pair[1] else None


def _sun_facts(h):
    sun = getattr(h, "sun", None)
    if not sun:
        return []
    night = shot_at_night(h)
    evening = [("sunset", sun.get("sunset")), ("blue hour", _span(sun.get("blue_evening")))]
    if not night:
        evening.insert(0, ("golden hour", _span(sun.get("golden_evening"))))
    text = ", ".join(f"{name} {value}" for name, value in evening if value)
    facts = [Fact("sun", f"Sun on {sun.get('date')}",
                  text or "the sun neither rises nor sets")]
    if not night:
        morning = [("blue hour", _span(sun.get("blue_morning"))), ("sunrise", sun.get("sunrise")),
                   ("golden hour", _span(sun.get("golden_morning")))]
        text = ", ".join(f"{name} {value}" for name, value in morning if value)
        if text:
            facts.append(Fact("sun-morning", "Morning", text))
        facing = sun_facing_line(h)
        if facing:
            facts.append(Fact("sun-facing", "Facing", facing))
    return facts


#: Subjects a card of the city's atlas names (its marker's label: the first two).
N_CARD_SUBJECTS = 5
N_LABEL_SUBJECTS = 2


def subject_labels(h, limit=N_CARD_SUBJECTS):
    """The top ``limit`` subjects of an atlas spot ``h``, as people type them (``[]`` if none).

    Each is a search phrase (``"cn tower"``): a card links it to its search.
    """
    return [s["label"] for s in (getattr(h, "subjects", None) or [])[:limit] if s.get("label")]
