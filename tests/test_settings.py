"""The method's settings: one frozen object, built from config and the environment, hashed."""
import dataclasses

import pandas as pd
import pytest

from snapassist import config
from snapassist.errors import ConfigError
from snapassist.settings import Settings
from snapassist.spots import find_spots


def test_the_defaults_are_configs_constants():
    settings = Settings()
    for name, default, help_text in Settings.describe():
        assert default == getattr(config, name.upper()) == getattr(settings, name)
        assert help_text
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.optics_xi = 0.5


def test_the_environment_overrides_each_field_by_name():
    settings = Settings.from_environ({"SNAPASSIST_MAX_SPOT_SPREAD_M": " 200 ",
                                      "SNAPASSIST_MIN_SPOT_OWNERS": "4",
                                      "SNAPASSIST_MIN_SPOT_SEPARATION_M": "none",
                                      "SNAPASSIST_LIVE_MAX_PHOTOS": "5000",
                                      "SNAPASSIST_UNRELATED": "x"})
    assert settings.max_spot_spread_m == 200.0 and settings.min_spot_owners == 4
    assert settings.min_spot_separation_m is None and settings.live_max_photos == 5000
    assert Settings.from_environ({}) == Settings()
    assert Settings.from_environ({}, optics_xi=0.02).optics_xi == 0.02


@pytest.mark.parametrize("name, value, message", [
    ("SNAPASSIST_MIN_SPOT_OWNERS", "three", r"SNAPASSIST_MIN_SPOT_OWNERS='three' is not a whole"),
    ("SNAPASSIST_MIN_SPOT_OWNERS", "2.5", "is not a whole number"),
    ("SNAPASSIST_OPTICS_XI", "none", r"SNAPASSIST_OPTICS_XI='none' is not a number$"),
    ("SNAPASSIST_MIN_SPOT_PHOTOS", "x", "is not a whole number or none"),
    ("SNAPASSIST_TRIM_FACTOR", "-1", "must not be negative"),
    ("SNAPASSIST_TRIM_FACTOR", "nan", "must not be negative"),
])
def test_a_bad_value_names_the_variable(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_environ({name: value})


def test_the_digest_follows_the_method_and_ignores_the_budget():
    base = Settings()
    assert base.digest() == Settings().digest()
    assert Settings(max_spot_spread_m=200.0).digest() != base.digest()
    assert Settings(live_max_photos=5).digest() == base.digest()
    assert "live_max_photos" not in base.method()


def test_the_method_reads_the_settings_it_is_given():
    # 40 photos of one place by 2 photographers: a spot only when 2 are enough.
    photos = pd.DataFrame({"id": [f"p{i}" for i in range(40)],
                           "owner": [f"u{i % 2}" for i in range(40)],
                           "views": [1000] * 40,
                           "latitude": [43.65 + (i % 7) * 1e-4 for i in range(40)],
                           "longitude": [-79.38 + (i % 5) * 1e-4 for i in range(40)]})
    assert find_spots(photos, 10.0).spots == []
    relaxed = Settings(min_spot_owners=2, spot_visit_m=1.0)
    (spot,) = find_spots(photos, 10.0, settings=relaxed).spots
    assert spot.n_photos == 40
