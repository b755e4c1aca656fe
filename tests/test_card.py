"""A spot's card: five short facts in one order, the rest on demand, nothing twice."""
import re
from types import SimpleNamespace

import pytest

from snapassist.web.card import GLANCE, NIGHT_SHARE, detail_facts, glance_facts, shot_at_night

KINDS = [kind for kind, _ in GLANCE]
SUN = {"date": "2026-06-21", "sunrise": "05:36", "sunset": "21:03",
       "golden_morning": ["05:36", "06:15"], "golden_evening": ["20:22", "21:03"],
       "blue_morning": ["05:02", "05:20"], "blue_evening": ["21:03", "21:25"],
       "sunset_azimuth_deg": 225.0}
HOURS = [0] * 24
HOURS[20], HOURS[21] = 9, 4
MONTHS = [0] * 12
MONTHS[9], MONTHS[6] = 7, 3


def spot(**facts):
    """A spot with every fact known (as a search leaves it), changed by ``facts``."""
    known = dict(
        rank=2, n_photos=40, n_owners=12, mean_views=1234.4, score=30.9,
        light={"all": {"golden": 0.4, "day": 0.6}, "admired": {"golden": 0.62, "day": 0.38},
               "n_known": 20},
        when={"kind": "seasonal", "months": ["Sep", "Oct"], "share": 0.7},
        bearing_deg=45.0, distance_m=1900.0, side="south-west", anchor_rank=3,
        focal_range_mm=[29.0, 35.0], one_photographer_share=0.2, one_photographer=False,
        sun=SUN, hours=HOURS, months=MONTHS,
        settings={"FocalLength": 22.0, "FocalLengthIn35mmFormat": 29.0, "FNumber": 8.0,
                  "ExposureTime": 1 / 125, "ISO": 100.0, "Camera": "Canon", "Lens": "EF"})
    known.update(facts)
    return SimpleNamespace(**known)


def texts(facts):
    return {fact.kind: fact.text for fact in facts}


def everything(h, anchor=3):
    """Every word of the card: labels, texts and tooltips, glance and details."""
    facts = glance_facts(h, anchor) + detail_facts(h)
    return " ".join(f"{f.label} {f.text} {f.title or ''}" for f in facts)


def test_five_short_facts_in_the_same_order_behind_labels():
    facts = glance_facts(spot(), anchor=3)
    assert [f.kind for f in facts] == KINDS
    assert [f.label for f in facts] == ["Photos", "Light", "When", "Where", "Lens"]
    assert texts(facts) == {"photos": "40 photos · 12 photographers", "light": "Golden hour 62%",
                            "when": "Season: Sep-Oct", "where": "1.9 km SW of #3",
                            "lens": "29-35 mm"}
    # The sentence behind each short text is its tooltip.
    titles = {f.kind: f.title for f in facts}
    assert titles["light"] == "62% of its admired photos were taken at golden hour"
    assert titles["where"] == "1.9 km south-west of spot #3"
    assert titles["lens"] == "People use 29-35 mm here (35 mm equivalent)"


@pytest.mark.parametrize("unknown", [
    {"light": {"all": {}, "admired": {}, "n_known": 0}}, {"when": None},
    {"distance_m": None, "side": None, "anchor_rank": None},
    {"focal_range_mm": None, "settings": {}}])
def test_an_unknown_fact_is_left_out_and_the_others_keep_their_order(unknown):
    kinds = [f.kind for f in glance_facts(spot(**unknown), anchor=3)]
    assert len(kinds) == 4 and kinds == [k for k in KINDS if k in kinds]


def test_photos_and_the_one_photographer_warning():
    assert texts(glance_facts(spot(n_photos=1, n_owners=1)))["photos"] == \
        "1 photo · 1 photographer"
    flagged = glance_facts(spot(one_photographer_share=0.64, one_photographer=True))
    assert flagged[0].text == "40 photos · 12 photographers · 64% by one"
    assert flagged[0].title == "Mostly one photographer (64% of its photos)"


def test_the_light_of_the_admired_photos_else_of_all():
    light = {"all": {"night": 0.7, "day": 0.3}, "admired": {}, "n_known": 9}
    fact = glance_facts(spot(light=light))[1]
    assert (fact.text, fact.title) == ("Night 70%", "70% of its photos were taken at night")


@pytest.mark.parametrize("when, text", [
    ({"kind": "event", "text": "An event: one night each year, early October", "share": 0.9,
      "years": 16, "unit": "night"}, "Event: one night each year, early October"),
    ({"kind": "event", "text": "A one-off event: a few days, May 5-7 2014", "share": 0.9,
      "years": 1, "unit": "day"}, "Once: a few days, May 5-7 2014"),
    ({"kind": "event", "days": ["Oct 5", "Oct 6"], "share": 0.7}, "Event: Oct 5-6"),
    ({"kind": "seasonal", "months": ["Dec"], "share": 0.8}, "Season: Dec"),
    ({"kind": "year-round"}, "All year"),
])
def test_when_is_an_event_a_season_or_all_year(when, text):
    assert texts(glance_facts(spot(when=when)))["when"] == text


def test_where_from_the_anchor_and_the_anchor_itself():
    anchor = spot(rank=3, bearing_deg=None, distance_m=None, side=None, anchor_rank=None)
    assert texts(glance_facts(anchor, anchor=3))["where"] == "Anchor: most photographers"
    assert "where" not in texts(glance_facts(anchor, anchor=None))
    assert texts(glance_facts(spot(distance_m=12_345.0, side="north")))["where"] == \
        "12 km N of #3"


def test_the_lens_is_the_range_people_use_else_the_typical_photo():
    assert texts(glance_facts(spot(focal_range_mm=[50.0, 50.0])))["lens"] == "50 mm"
    # Fewer than three focal lengths: the typical photo's, 35 mm equivalent first.
    fact = glance_facts(spot(focal_range_mm=None))[-1]
    assert (fact.kind, fact.text) == ("lens", "29 mm")
    settings = {"FocalLength": 22.0}
    assert texts(glance_facts(spot(focal_range_mm=None, settings=settings)))["lens"] == "22 mm"


def test_no_fact_is_said_twice():
    h = spot()
    details = texts(detail_facts(h))
    # The focal length is the lens fact, never a camera setting as well.
    assert details["camera"] == "1/125 s · f/8 · ISO 100"
    assert " mm" not in " ".join(details.values())
    # A season already says its months; so does an event; all year does not.
    assert "months" not in details
    event = {"kind": "event", "days": ["Oct 5"], "share": 0.9}
    assert "months" not in texts(detail_facts(spot(when=event)))
    assert texts(detail_facts(spot(when={"kind": "year-round"})))["months"] == "Oct, Jul"
    # No two facts of a card share a text.
    facts = glance_facts(h, 3) + detail_facts(h)
    assert len({f.text for f in facts}) == len(facts)


def test_the_rest_is_on_demand():
    details = detail_facts(spot(when={"kind": "year-round"}))
    assert [f.kind for f in details] == ["hours", "months", "camera", "sun", "sun-morning",
                                         "sun-facing", "views"]
    assert texts(details) == {
        "hours": "20:00, 21:00", "months": "Oct, Jul", "camera": "1/125 s · f/8 · ISO 100",
        "sun": "golden hour 20:22-21:03, sunset 21:03, blue hour 21:03-21:25",
        "sun-morning": "blue hour 05:02-05:20, sunrise 05:36, golden hour 05:36-06:15",
        "sun-facing": "At sunset, facing spot #3, the sun is behind you",
        "views": "1,234 a photo · score 30.9"}
    assert details[3].label == "Sun on 2026-06-21"


NIGHT_EVENT = {"kind": "event", "text": "An event: one night each year, early October",
               "share": 0.9, "years": 16, "unit": "night"}


@pytest.mark.parametrize("facts", [
    # A night event, most of whose admired photos are (not all) at night.
    {"when": NIGHT_EVENT, "light": {"all": {"night": 0.6, "blue": 0.4},
                                    "admired": {"night": 0.6, "blue": 0.4}, "n_known": 30}},
    {"light": {"all": {"night": 0.6, "day": 0.4}, "admired": {"night": NIGHT_SHARE},
               "n_known": 30}},
])
def test_a_night_spot_gets_no_golden_hour_no_morning_and_no_setting_sun(facts):
    h = spot(**facts)
    assert shot_at_night(h)
    words = everything(h).lower()
    assert "golden" not in words and "morning" not in words and "facing" not in words
    assert texts(detail_facts(h))["sun"] == "sunset 21:03, blue hour 21:03-21:25"


def test_a_spot_partly_shot_at_night_keeps_its_golden_hour():
    light = {"all": {"night": 0.6, "golden": 0.4}, "admired": {"night": 0.6, "golden": 0.4},
             "n_known": 30}
    day_event = dict(NIGHT_EVENT, unit="day")
    for h in (spot(light=light), spot(when=day_event)):
        assert not shot_at_night(h)
        assert texts(detail_facts(h))["sun"].startswith("golden hour 20:22-21:03")


def test_a_sun_that_neither_rises_nor_sets():
    polar = {key: None for key in SUN} | {"date": "2026-06-21"}
    details = texts(detail_facts(spot(sun=polar)))
    assert details["sun"] == "the sun neither rises nor sets" and "sun-morning" not in details


def test_a_spot_stored_before_the_facts_existed_shows_what_it_has():
    old = SimpleNamespace(rank=1, score=1.0, n_photos=20, n_owners=4, mean_views=2.0,
                          median_views=1.0, latitude=43.6, longitude=-79.4, spread_m=50.0,
                          photo_ids=[], best_photos=[], settings={}, hours=HOURS, months=MONTHS)
    assert [f.kind for f in glance_facts(old, anchor=2)] == ["photos"]
    assert [f.kind for f in detail_facts(old)] == ["hours", "months", "views"]


def test_every_card_of_a_real_search_passes_the_glance_test(client):
    """The demo's "cn tower": each card's facts short, in order, none twice."""
    answer = client.get("/api/search?q=cn+tower").get_json()
    assert len(answer["spots"]) >= 3
    page = client.get("/search?q=cn+tower").get_data(as_text=True)
    cards = re.findall(r'<li class="sa-spot".*?</li>', page, re.S)
    assert len(cards) == len(answer["spots"])
    for card in cards:
        glance = card[:card.index("</button>")]
        kinds = re.findall(r'class="sa-fact sa-fact-(\w+)"', glance)
        assert kinds[0] == "photos" and kinds == [k for k in KINDS if k in kinds]
        values = re.findall(r'<span class="sa-value">([^<]*)</span>', glance)
        assert len(values) == len(kinds) <= 5
        assert all(len(value) <= 48 for value in values), values
        assert len(set(values)) == len(values)
        # The rest is one click away, inside the card.
        assert '<details class="sa-more">' in card and "sa-fact-hours" in card
