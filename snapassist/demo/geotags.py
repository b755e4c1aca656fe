"""Random Toronto-like photo positions for testing and timing the clustering.

Much smaller and faster than the demo world: tight landmark clusters (30 m to
300 m across) over a sparse background about 25 km wide, as radians of
``[latitude, longitude]``, the input the haversine OPTICS takes.
"""
import numpy as np


def random_geotags(n, seed, n_landmarks=8, centre_sd_deg=(0.02, 0.03), decimals=None):
    """``n`` positions in radians: a quarter background, the rest around landmarks.

    ``decimals`` rounds the degrees first (ties between points, as real
    geotags stored to a few decimals have).
    """
    rng = np.random.default_rng(seed)
    centres = np.column_stack((43.65 + rng.normal(0, centre_sd_deg[0], n_landmarks),
                               -79.38 + rng.normal(0, centre_sd_deg[1], n_landmarks)))
    n_bg = n // 4
    background = np.column_stack((43.65 + rng.uniform(-0.22, 0.22, n_bg),
                                  -79.38 + rng.uniform(-0.3, 0.3, n_bg)))
    which = rng.integers(0, n_landmarks, n - n_bg)
    spread = rng.uniform(0.0003, 0.003, n_landmarks)[which]
    spots = centres[which] + rng.normal(0, 1, (n - n_bg, 2)) * spread[:, None]
    points = np.vstack((spots, background))
    if decimals is not None:
        points = np.round(points, decimals)
    return np.radians(points)
