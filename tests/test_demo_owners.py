"""The demo's photographers (snapassist.demo.owners): the figures, and owners drawn to match them."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snapassist.demo import photographer_figures
from snapassist.demo.owners import draw_owners
from snapassist.errors import ValidationError

# The real photos sit beside the checkout (../shared), or beside its folder for a clone.
DRESDEN = next((p for p in (Path(__file__).resolve().parents[i] / "shared" / "data" / "dresden"
                            / "flickr_dresden_cc-by-licenses.csv" for i in (2, 3)) if p.is_file()),
               Path("no-dresden-sample"))
# The Dresden sample's figures (17,879 photos by 909 photographers).
DRESDEN_FIGURES = {"median": 3.0, "mean": 17_879 / 909, "top1_share": 0.44}


def within_twice(figures, reference=DRESDEN_FIGURES):
    """The figures that are not within a factor of 2 of the reference's."""
    return {k: (figures[k], v) for k, v in reference.items() if not v / 2 <= figures[k] <= 2 * v}


def test_figures_by_hand():
    figures = photographer_figures(["ann", "ann", "ann", "bob", "cy"])
    assert figures == {"photos": 5, "photographers": 3, "median": 1.0, "mean": 5 / 3,
                       "top1_share": 3 / 5}


def test_the_busiest_one_percent_is_the_nearest_whole_number():
    # 250 photographers: the busiest 1% are the 2 (2.5 rounded to even) with 10 photos each.
    owners = np.repeat(np.arange(250), [10, 10, 9] + [1] * 247)
    figures = photographer_figures(pd.Series(owners))
    assert figures["photographers"] == 250 and figures["median"] == 1.0
    assert figures["top1_share"] == pytest.approx(20 / 276)


@pytest.mark.parametrize("owners, match", [
    ([], "owners must hold at least one photo, got none"),
    (["a", None, "b"], "owners must name the photographer of every photo; 1 of 3 photos have none"),
    (pd.Series(["a", np.nan, np.nan]), "2 of 3 photos have none"),
])
def test_bad_owners_are_refused(owners, match):
    with pytest.raises(ValidationError, match=match):
        photographer_figures(owners)


@pytest.mark.skipif(not DRESDEN.is_file(), reason="the Dresden sample is not at hand")
def test_figures_of_the_dresden_sample():
    figures = photographer_figures(pd.read_csv(DRESDEN, usecols=["user_guid"])["user_guid"])
    assert figures["photos"] == 17_879 and figures["photographers"] == 909
    assert figures["median"] == 3.0 and figures["mean"] == pytest.approx(19.67, abs=0.01)
    assert figures["top1_share"] == pytest.approx(0.44, abs=0.005)


@pytest.mark.parametrize("n", [12_000, 60_000, 1_000_000])
def test_owners_are_as_unequal_as_dresdens_at_every_size(n):
    owner_of, n_owners, busy = draw_owners(np.random.default_rng(3), n)
    owner = owner_of(np.full(n, -1))
    figures = photographer_figures(owner)
    assert figures["photos"] == n and figures["photographers"] == n_owners
    assert not within_twice(figures), within_twice(figures)
    assert busy.sum() == max(1, round(n_owners / 100))


def test_each_bulk_upload_has_one_photographer_who_takes_that_many_photos():
    n, sizes = 20_000, np.array([200, 120, 50, 50])
    group = np.full(n, -1)
    group[:420] = np.repeat(np.arange(4), sizes)
    owner_of, n_owners, _ = draw_owners(np.random.default_rng(5), n, sizes)
    owner = owner_of(group)
    per_upload = [np.unique(owner[group == g]) for g in range(4)]
    assert all(len(u) == 1 for u in per_upload)
    counts = np.bincount(owner, minlength=n_owners)
    assert all(counts[u[0]] >= s for u, s in zip(per_upload, sizes))
    assert counts.min() >= 1 and counts.sum() == n


def test_uploads_bigger_than_anyone_still_get_one_owner():
    # 300 photos: the busiest photographer takes about 50, fewer than the upload.
    group = np.full(300, -1)
    group[:200] = 0
    owner_of, n_owners, _ = draw_owners(np.random.default_rng(1), 300, np.array([200]))
    owner = owner_of(group)
    assert len(np.unique(owner[:200])) == 1
    assert np.bincount(owner, minlength=n_owners).min() >= 1


def test_the_same_seed_draws_the_same_owners():
    group = np.full(5000, -1)
    first = draw_owners(np.random.default_rng(9), 5000)[0](group)
    again = draw_owners(np.random.default_rng(9), 5000)[0](group)
    np.testing.assert_array_equal(first, again)
