"""Display text of camera settings, hours, months and spot facts; colours; placeholders."""
import base64
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from snapassist.web.format import (BACKGROUND_COLOUR, PALETTE, day_range, direction_line,
                                   dominant_light, focal_line, format_distance,
                                   format_exposure, format_fnumber, format_focal,
                                   format_hours, format_iso, format_months, light_line,
                                   one_photographer_line, placeholder_image, rank_colour,
                                   sun_facing_line, when_line)


@pytest.mark.parametrize("fn, value, text", [
    (format_exposure, 1 / 250, "1/250 s"), (format_exposure, 2.0, "2 s"),
    (format_exposure, 2.5, "2.5 s"), (format_exposure, 1.0, "1 s"),
    (format_exposure, 0.0, None), (format_exposure, None, None),
    (format_focal, 50.0, "50 mm"), (format_fnumber, 2.8, "f/2.8"),
    (format_iso, 400.0, "ISO 400"), (format_iso, float("nan"), None),
])
def test_formatting(fn, value, text):
    assert fn(value) == text


def test_busiest_hours_and_months():
    hours = [0] * 24
    hours[19], hours[7], hours[20] = 5, 3, 9
    assert format_hours(hours) == "20:00, 19:00, 7:00"
    months = [0] * 12
    months[6], months[11] = 4, 2
    assert format_months(months) == "Jul, Dec"


def test_rank_colours_cycle_and_grey_for_the_rest():
    assert rank_colour(1) == PALETTE[0] and rank_colour(len(PALETTE) + 1) == PALETTE[0]
    assert rank_colour(-1) == rank_colour(None) == BACKGROUND_COLOUR


# --- what a photographer needs at each spot -----------------------------------

def spot(**facts):
    """A hand-made spot with only the given facts (as the page reads them)."""
    return SimpleNamespace(rank=2, **facts)


def test_light_line_names_the_dominant_light_of_the_admired_photos():
    light = {"all": {"night": 0.1, "blue": 0.1, "golden": 0.3, "day": 0.5},
             "admired": {"night": 0.0, "blue": 0.2, "golden": 0.62, "day": 0.18},
             "n_known": 40}
    assert light_line(light) == "62% of its admired photos were taken at golden hour"


def test_light_line_falls_back_to_all_photos_and_breaks_ties_towards_golden():
    light = {"all": {"night": 0.0, "blue": 0.0, "golden": 0.5, "day": 0.5},
             "admired": {}, "n_known": 8}
    assert light_line(light) == "50% of its photos were taken at golden hour"
    assert light_line({"all": {"night": 0.75, "day": 0.25}, "admired": {}}) == \
        "75% of its photos were taken at night"
    assert light_line({"all": {}, "admired": {}, "n_known": 0}) is None
    assert light_line(None) is None


@pytest.mark.parametrize("metres, text", [(4, "10 m"), (346, "350 m"), (994, "990 m"), (996, "1.0 km"),
                                          (1900, "1.9 km"), (12_345, "12 km")])
def test_distances(metres, text):
    assert format_distance(metres) == text


def test_direction_line_places_a_spot_from_the_anchor():
    h = spot(bearing_deg=45.0, distance_m=1900.0, side="south-west", anchor_rank=3)
    assert direction_line(h, anchor=3) == "1.9 km south-west of spot #3"
    # The anchor carries no direction, like a spot whose direction is unknown:
    # the search's anchor rank tells them apart.
    anchor = SimpleNamespace(rank=3, bearing_deg=None, distance_m=None, side=None,
                             anchor_rank=None)
    assert direction_line(anchor, anchor=3).startswith("The most photographed spot")
    assert direction_line(anchor, anchor=None) is None
    assert direction_line(spot(anchor_rank=None), anchor=3) is None
    assert direction_line(spot()) is None


@pytest.mark.parametrize("azimuth, where", [
    (225.0, "behind you"), (180.0, "behind you"), (45.0, "ahead of you (backlit)"),
    (350.0, "ahead of you (backlit)"), (135.0, "on your right"), (315.0, "on your left")])
def test_where_the_setting_sun_stands_for_someone_facing_the_anchor(azimuth, where):
    # Facing north-east (towards the anchor), the sun setting at ``azimuth``.
    h = spot(bearing_deg=45.0, anchor_rank=3, sun={"sunset_azimuth_deg": azimuth})
    assert sun_facing_line(h) == f"At sunset, facing spot #3, the sun is {where}"


def test_sun_facing_line_without_angles():
    assert sun_facing_line(spot(anchor_rank=1, sun_behind_at_sunset=True)) == \
        "At sunset, facing spot #1, the sun is behind you"
    assert sun_facing_line(spot(anchor_rank=None, bearing_deg=None, sun=None,
                                sun_behind_at_sunset=None)) is None
    assert sun_facing_line(spot()) is None


def test_focal_and_when_lines():
    assert focal_line([70.0, 200.0]) == "People use 70-200 mm here"
    assert focal_line([35.0, 35.0]) == "People use 35 mm here"
    assert focal_line(None) is None
    assert when_line({"kind": "event", "days": ["Oct 5", "Oct 6", "Oct 7"], "share": 0.8}) == \
        "An event: Oct 5-7 (80% of its dated photos)"
    assert when_line({"kind": "event", "days": ["Sep 30", "Oct 1"], "share": 0.7}) == \
        "An event: Sep 30-Oct 1 (70% of its dated photos)"
    assert when_line({"kind": "event", "days": ["Jul 1"], "share": 0.9}) == \
        "An event: Jul 1 (90% of its dated photos)"
    assert when_line({"kind": "seasonal", "months": ["Dec", "Jan"], "share": 0.66}) == \
        "Seasonal: Dec-Jan (66% of its dated photos)"
    assert when_line({"kind": "year-round"}) == "Year-round"
    # An event says itself (spots.when's text); the years it was seen follow the share.
    moving = {"kind": "event", "days": ["Oct 1", "Oct 7"], "share": 0.92, "years": 16,
              "text": "An event: one night each year, early October"}
    assert when_line(moving) == \
        "An event: one night each year, early October (92% of its dated photos, 16 years)"
    once = {"kind": "event", "days": ["May 5", "May 7"], "share": 0.94, "years": 1,
            "text": "A one-off event: a few days, May 5-7 2014"}
    assert when_line(once) == "A one-off event: a few days, May 5-7 2014 (94% of its dated photos)"
    assert when_line(None) is None


def test_one_photographer_flag():
    assert one_photographer_line(spot(one_photographer_share=0.64, one_photographer=True)) == \
        "Mostly one photographer (64% of its photos)"
    assert one_photographer_line(spot(one_photographer_share=0.5, one_photographer=False)) is None
    # The share alone decides when the flag is missing: more than half.
    assert one_photographer_line(spot(one_photographer_share=0.7)) is not None
    assert one_photographer_line(spot(one_photographer_share=0.5)) is None
    assert one_photographer_line(spot()) is None


def test_dominant_light_prefers_the_admired_photos():
    assert dominant_light({"all": {"day": 0.9, "night": 0.1},
                           "admired": {"night": 0.8, "day": 0.2}}) == ("night", 0.8, True)
    assert dominant_light({"all": {"day": 0.9, "night": 0.1}, "admired": {}}) == \
        ("day", 0.9, False)
    assert dominant_light({"all": {}, "admired": {}}) is None and dominant_light(None) is None


@pytest.mark.parametrize("days, text", [(["Oct 5", "Oct 6", "Oct 7"], "Oct 5-7"),
                                        (["Jul 1"], "Jul 1"), (["Sep 30", "Oct 1"], "Sep 30-Oct 1")])
def test_day_ranges(days, text):
    assert day_range(days) == text


# --- placeholder images --------------------------------------------------------

def _svg_of(uri):
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix):], validate=True).decode("utf-8")


def test_placeholder_is_a_valid_svg_with_escaped_text():
    uri = placeholder_image("12345", "Spot #3", '<script>alert("x")</script> & co')
    root = ET.fromstring(_svg_of(uri))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Spot #3", '<script>alert("x")</script> & co']
    # Nothing in the URI can end an HTML attribute or start a tag.
    assert not set(uri) & set("<>\"' #")


def test_placeholder_colour_follows_the_photo_id():
    def fill(uri):
        return ET.fromstring(_svg_of(uri)).find("{http://www.w3.org/2000/svg}rect").get("fill")
    assert placeholder_image("1", "a") == placeholder_image("1", "a")
    colours = {fill(placeholder_image(str(i), "a")) for i in range(20)}
    assert len(colours) > 10
