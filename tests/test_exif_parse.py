"""Parsing of flickr.photos.getExif answers."""
import math

import pytest

from snapassist.scrapers._exif_parse import camera_name, exif_values, parse_exif, parse_number


@pytest.mark.parametrize("raw,value", [
    ("1/50", 0.02), ("1/2.5", 0.4), ("0.5", 0.5), ("10/1", 10.0), ("2", 2.0),
    ("1.8", 1.8), ("71/10", 7.1), ("f/1.8", 1.8), ("70.0 mm", 70.0), ("18 mm", 18.0),
    ("250", 250.0), (250, 250.0), (3.5, 3.5), (" 1 / 60 ", 1 / 60), ("35mm", 35.0),
])
def test_numbers(raw, value):
    assert parse_number(raw) == pytest.approx(value)


@pytest.mark.parametrize("raw", [None, "", "abc", "1/0", True, float("inf"), "n/a"])
def test_unreadable_numbers_are_nan(raw):
    assert math.isnan(parse_number(raw))


def _entry(tag, raw=None, clean=None, space="ExifIFD"):
    e = {"tagspace": space, "tagspaceid": 0, "tag": tag, "label": tag}
    e["raw"] = {"_content": raw} if raw is not None else {}
    if clean is not None:
        e["clean"] = {"_content": clean}
    return e


def test_full_answer():
    photo = {"camera": "Nikon D750", "exif": [
        _entry("Make", "NIKON CORPORATION", space="IFD0"), _entry("Model", "NIKON D750"),
        _entry("ExposureTime", "1/2.5"), _entry("ExposureTime", "9", space="XMP-exif"),
        _entry("FNumber", "71/10", clean="f/7.1"), _entry("ISO", 250),
        _entry("FocalLength", "70.0 mm"), _entry("FocalLengthIn35mmFormat", "105 mm"),
        _entry("LensModel", "24-70mm f/2.8"), _entry("Lens", "other lens"),
    ]}
    assert parse_exif(photo) == {
        "Camera": "Nikon D750", "Lens": "24-70mm f/2.8", "FocalLength": 70.0,
        "FocalLengthIn35mmFormat": 105.0, "FNumber": pytest.approx(7.1),
        "ExposureTime": pytest.approx(0.4), "ISO": 250.0}


def test_same_tag_in_several_tagspaces_first_usable_wins():
    values = exif_values({"exif": [_entry("ISO", ""), _entry("ISO", "400", space="XMP"),
                                   _entry("ISO", "800")]})
    assert values["ISO"] == "400"


def test_clean_used_when_raw_is_empty():
    assert parse_exif({"exif": [_entry("FNumber", clean="f/2.8")]})["FNumber"] == 2.8


@pytest.mark.parametrize("camera,make,model,expected", [
    ("", "Canon", "Canon EOS 5D", "Canon EOS 5D"),
    ("", "NIKON", "D750", "NIKON D750"),
    (None, "", "D750", "D750"),
    ("Apple iPhone 12", "Apple", "iPhone 12", "Apple iPhone 12"),
    ("", "", "", ""),
])
def test_camera_falls_back_to_make_and_model(camera, make, model, expected):
    photo = {"camera": camera}
    assert camera_name(photo, {"Make": make, "Model": model}) == expected


def test_lens_falls_back_to_lens_tag_and_missing_values_are_empty():
    out = parse_exif({"camera": "", "exif": [_entry("Lens", "EF50mm f/1.8")]})
    assert out["Lens"] == "EF50mm f/1.8" and out["Camera"] == ""
    assert math.isnan(out["ISO"]) and math.isnan(out["ExposureTime"])
    assert parse_exif({})["Lens"] == ""
