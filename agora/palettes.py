"""Colours shared by the maps and the charts, chosen to stay apart for colour-blind readers.

Categories use Okabe and Ito's palette (status, ownership, shop mix) and Paul Tol's
"muted" palette (the ten asset categories); classes that rank from bad to good use
ColorBrewer's RdYlBu, whose red and blue ends stay distinct under every common
colour-vision deficiency (red-green schemes do not). Every map and chart also labels its
colours in a legend and has a table beside it, so no reading depends on colour alone.
"""

from __future__ import annotations

from .layers import ASSET_CATEGORIES

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#CCCCCC"  # light enough to stay apart from every colour above under each simulation

STATUS_COLOURS = {"occupied": OKABE_ITO["blue"], "vacant": OKABE_ITO["vermillion"], "unknown": GREY}
OWNERSHIP_COLOURS = {
    "independent": OKABE_ITO["bluish_green"],
    "chain": OKABE_ITO["reddish_purple"],
    "symbol_group": OKABE_ITO["orange"],
    "unknown": GREY,
}
#: Paul Tol's muted scheme (nine colours) and a grey for "other".
ASSET_COLOURS = dict(zip(
    ASSET_CATEGORIES,
    ("#332288", "#88CCEE", "#DDCC77", "#882255", "#999933", "#44AA99", "#CC6677", "#117733", "#AA4499", GREY),
))
#: Shop mix (LDC classes) and vacancy.
SHOP_MIX_COLOURS = {
    "comparison": OKABE_ITO["blue"],
    "convenience": OKABE_ITO["sky_blue"],
    "leisure": OKABE_ITO["bluish_green"],
    "service": OKABE_ITO["reddish_purple"],
    "vacant": OKABE_ITO["vermillion"],
}
#: Worst to best (ColorBrewer RdYlBu, 5 classes; colour-blind safe).
GOODNESS_COLOURS = ["#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"]
#: Reference figures on charts: the median centre (a dark dashed rule), the middle half of centres (a grey
#: band) and a national series (Okabe & Ito's reddish purple, apart from the blue of a town's own line).
REFERENCE_COLOURS = {"median": "#333333", "band": "#999999", "national": OKABE_ITO["reddish_purple"]}
