"""Column sets, dtypes and coercion of the four tables."""
import numpy as np
import pandas as pd
import pytest

from snapassist import schema

OLD_2018_COLUMNS = ["id", "owner", "title", "datetaken", "views", "tags", "machine_tags",
                    "latitude", "longitude", "accuracy", "context", "place_id", "woeid",
                    "url_s", "width_s", "height_s", "url_m", "url_l", "url_o", "o_width"]


def test_2018_names_are_kept():
    for name in OLD_2018_COLUMNS:
        assert name in schema.RAW_MASTER
        assert name in schema.PROCESSED_MASTER


def test_table_relations():
    assert set(schema.PROCESSED_MASTER) - set(schema.RAW_MASTER) == {
        "title_cleaned", "hour", "month", "sun_elevation", "light"}
    assert set(schema.PROCESSED_POPULAR) == set(schema.PROCESSED_MASTER) | set(schema.EXIF)
    assert set(schema.RAW_POPULAR) == set(schema.RAW_MASTER) | set(schema.EXIF)
    assert set(schema.REQUIRED_COLUMNS) <= set(schema.PROCESSED_MASTER)
    assert set(schema.DESCRIPTIONS) >= set(schema.PROCESSED_POPULAR)
    assert all(kind == "str" for kind in schema.RAW_MASTER.values())


@pytest.mark.parametrize("name, kind", [
    ("datetaken", "datetime"), ("views", "int"), ("latitude", "float"),
    ("longitude", "float"), ("tags", "str"), ("ExposureTime", "float"),
    ("Camera", "str"), ("ISO", "float"), ("hour", "float"), ("license", "int"),
])
def test_kinds(name, kind):
    assert schema.PROCESSED_POPULAR[name] == kind


def test_empty_frame_has_the_dtypes():
    frame = schema.empty_frame(schema.PROCESSED_POPULAR)
    assert list(frame.columns) == list(schema.PROCESSED_POPULAR)
    assert frame["views"].dtype == np.int64
    assert frame["datetaken"].dtype == "datetime64[ns]"
    assert schema.is_text_dtype(frame["title"].dtype)


def test_coerce_frame_mixed_types_and_bad_values():
    raw = pd.DataFrame({
        "id": [26701234567, "2", 3.0],
        "views": ["196", 7, None],
        "latitude": [-37.899, "0", "north"],
        "datetaken": ["2015-07-04 11:50:06", "not a date", None],
        "dateupload": ["1436010606", 1436010607, ""],
        "tags": ["a b", None, "c"],
        "mystery": [1, 2, 3],
    })
    frame, bad = schema.coerce_frame(raw, schema.PROCESSED_MASTER)
    assert list(frame["id"]) == ["26701234567", "2", "3"]
    assert list(frame["views"]) == [196, 7, 0]
    np.testing.assert_array_equal(frame["latitude"], [-37.899, 0.0, np.nan])
    assert frame["datetaken"].iloc[0] == pd.Timestamp("2015-07-04 11:50:06")
    assert frame["dateupload"].iloc[1] == pd.Timestamp(1436010607, unit="s")
    assert list(frame["tags"]) == ["a b", "", "c"]
    assert list(frame["mystery"]) == [1, 2, 3]          # unknown columns kept
    assert "title_cleaned" in frame.columns             # missing columns added
    assert list(bad) == [False, True, True]             # "north", "not a date"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown column kind 'blob'"):
        schema.coerce_column(pd.Series([1]), "blob", "x")
