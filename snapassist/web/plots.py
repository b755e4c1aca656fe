"""Geometry of the reachability plot, drawn as inline SVG by a template."""
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup

from .format import rank_colour


@dataclass
class ReachabilityPlot:
    """Bars of an OPTICS reachability plot, in SVG user units.

    One bar per photo (square-root scale, so shallow valleys show) in cluster order, or per group of neighbouring photos
    when there are more photos than ``width`` (the group's highest
    reachability, coloured by its most common spot), so the SVG stays
    small with 10,000 photos.
    """

    width: int
    height: int
    bars: list          # (x, y, w, h, colour)
    band_y: float       # the strip under the bars showing each photo's spot
    band_h: float
    top_m: float        # reachability at the top of the plot, metres
    n_points: int

    @property
    def svg(self):
        """The bars and the band under them as SVG ``<rect>`` elements.

        Written here rather than by the template: a page's 800 bars are
        6,400 values, which Jinja would escape one by one. Every value is a
        number or one of our palette's colours, so nothing needs escaping.
        """
        return Markup("".join(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}"/>'
            f'<rect x="{x}" y="{self.band_y}" width="{w}" height="{self.band_h}" '
            f'fill="{colour}"/>' for x, y, w, h, colour in self.bars))


def build_reachability_plot(result, width=800, height=140):
    """A :class:`ReachabilityPlot` of a :class:`~snapassist.spots.SpotsAnswer`."""
    reach = np.asarray(result.reachability, dtype=np.float64)
    ranks = np.asarray(result.reachability_rank)
    n = len(reach)
    finite = reach[np.isfinite(reach)]
    top = float(finite.max()) if len(finite) else 1.0
    top = top if top > 0 else 1.0
    # Undefined reachability (the start of each connected part) is drawn full height.
    reach = np.where(np.isfinite(reach), reach, top)
    n_bins = min(n, width)
    starts = np.linspace(0, n, n_bins + 1).astype(int)[:-1]
    bar_w = width / max(n_bins, 1)
    band_h = 8.0
    plot_h = height - band_h - 2
    if n == 0:
        bars = []
    else:
        tops = np.maximum.reduceat(reach, starts)
        # Most common rank per bar: count each rank's members per bar at once.
        values, codes = np.unique(ranks, return_inverse=True)
        one_hot = np.zeros((n, len(values)), dtype=np.int32)
        one_hot[np.arange(n), codes] = 1
        bar_ranks = values[np.argmax(np.add.reduceat(one_hot, starts, axis=0), axis=1)]
        # Square-root scale: valleys a few metres deep stay visible beside
        # kilometre-high jumps between places.
        heights = np.maximum(np.sqrt(tops / top) * plot_h, 0.5)
        bars = [(round(i * bar_w, 2), round(plot_h - h, 2), round(bar_w, 2), round(h, 2),
                 rank_colour(int(r))) for i, (h, r) in enumerate(zip(heights, bar_ranks))]
    return ReachabilityPlot(width=width, height=height, bars=bars, top_m=top, n_points=n,
                            band_y=height - band_h, band_h=band_h)
