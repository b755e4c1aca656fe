"""Parse the answer of ``flickr.photos.getExif`` into plain numbers and text.

Raw values come in many spellings ("1/50", "10/1", "0.5" for exposures;
"71/10" for f-numbers; "70.0 mm" for focal lengths), ``_content`` may be a
number, ``raw`` may be empty with only ``clean`` set, and one tag can appear
in several tagspaces: the first usable value wins.
"""
import math
import re

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:\s*/\s*[-+]?(?:\d+\.?\d*|\.\d+))?")


def parse_number(value):
    """``"1/50"`` -> 0.02, ``"71/10"`` -> 7.1, ``"70.0 mm"`` -> 70.0, ``"f/1.8"`` -> 1.8.

    Returns NaN when no finite number can be read (or on division by zero).
    """
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else math.nan
    text = str(value).strip().lower()
    if text.startswith("f/"):  # "f/1.8" is an aperture, not a fraction
        text = text[2:]
    match = _NUMBER.search(text)
    if not match:
        return math.nan
    num, _, den = match.group(0).partition("/")
    try:
        result = float(num) / float(den) if den else float(num)
    except (ValueError, ZeroDivisionError):
        return math.nan
    return result if math.isfinite(result) else math.nan


def _content(entry, key):
    part = entry.get(key)
    if isinstance(part, dict):
        part = part.get("_content")
    if part is None:
        return None
    text = str(part).strip() if not isinstance(part, (int, float)) else part
    return None if text == "" else text


def exif_values(photo):
    """``tag -> first non-empty value`` (raw preferred, else clean)."""
    values = {}
    for entry in photo.get("exif") or []:
        if not isinstance(entry, dict):
            continue
        tag = entry.get("tag")
        if not tag or tag in values:
            continue
        value = _content(entry, "raw")
        if value is None:
            value = _content(entry, "clean")
        if value is not None:
            values[tag] = value
    return values


def camera_name(photo, values):
    """Flickr's ``camera``, else Make + Model (without repeating the make)."""
    camera = str(photo.get("camera") or "").strip()
    if camera:
        return camera
    make = str(values.get("Make", "")).strip()
    model = str(values.get("Model", "")).strip()
    if make and model.lower().startswith(make.lower()):
        return model
    return " ".join(p for p in (make, model) if p)


def parse_exif(photo):
    """The EXIF columns of the popular table from one getExif ``photo`` object."""
    values = exif_values(photo)
    lens = values.get("LensModel", values.get("Lens", ""))
    return {
        "Camera": camera_name(photo, values),
        "Lens": str(lens).strip(),
        "FocalLength": parse_number(values.get("FocalLength")),
        "FocalLengthIn35mmFormat": parse_number(values.get("FocalLengthIn35mmFormat")),
        "FNumber": parse_number(values.get("FNumber")),
        "ExposureTime": parse_number(values.get("ExposureTime")),
        "ISO": parse_number(values.get("ISO")),
    }
