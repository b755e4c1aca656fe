"""How SnapAssist shows things: the spot colours and the display text of numbers.

One home for the palette (the map, the list and the reachability plot use the
same colour for a spot) and for turning settings, hours and months into text.
"""

#: Colours of ranks 1, 2, ... (cycled).
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
           "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#393b79")
#: Colour of photos that belong to no spot.
BACKGROUND_COLOUR = "#8c8c8c"


def rank_colour(rank):
    """The colour of spot ``rank`` (1-based); grey for background (-1 or None)."""
    if rank is None or rank < 1:
        return BACKGROUND_COLOUR
    return PALETTE[(rank - 1) % len(PALETTE)]
