"""Display text of camera settings, hours and months, and the spot colours."""
import pytest

from snapassist.web.format import (BACKGROUND_COLOUR, PALETTE, format_exposure, format_fnumber,
                                   format_focal, format_hours, format_iso, format_months,
                                   rank_colour)


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
