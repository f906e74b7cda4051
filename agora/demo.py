"""Fictional demo towns: centres, units, footfall and community assets.

Six made-up English towns that differ the way real ones do: a clone town of national
chains, a home town of independents (its ownership recorded by a survey), one in
between, a seaside town, a small market town with symbol-group stores and a weekly
market, and a suburban district centre. Everything is drawn from one seeded
:class:`numpy.random.Generator`, so two runs with the same seed write identical files.

The tables are loaded through :func:`agora.loaders.load`, exactly like a user's files,
so the demo goes through the same validation, categorisation and centre assignment.

Run ``python -m agora.demo [--out data/demo] [--seed 2026]``.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

from .layers import BNG_CRS, DISPLAY_CRS, LAYERS, conform
from .loaders import load
from .loaders.report import LoadReport, LoadResult

SOURCE = "Demo towns (fictional)"
DEFAULT_SEED = 2026
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "demo"
SURVEY_DATES = (date(2025, 6, 14), date(2026, 6, 13))
FOOTFALL_END = date(2026, 10, 31)
FOOTFALL_DAYS = 730
#: The day the asset listings are written against (ACV listings expiring within a year of it).
ASSETS_AS_OF = date(2026, 11, 23)
#: Bank holidays in England in the footfall period.
BANK_HOLIDAYS = frozenset(date.fromisoformat(d) for d in (
    "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26",
    "2025-08-25", "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
    "2026-05-25", "2026-08-31",
))

_TO_BNG = Transformer.from_crs(DISPLAY_CRS, BNG_CRS, always_xy=True)
_TO_WGS = Transformer.from_crs(BNG_CRS, DISPLAY_CRS, always_xy=True)


# --------------------------------------------------------------------------------------
# Chains: brand | Wikidata id (only where checked) | OSM tag | group | weight
# --------------------------------------------------------------------------------------
_CHAIN_TABLE = """
Greggs|Q3403981|shop=bakery|food|3
Costa Coffee|Q608845|amenity=cafe|food|2.5
Caffè Nero|Q675808|amenity=cafe|food|1.2
Starbucks|Q37158|amenity=cafe|food|0.8
Pret A Manger||amenity=cafe|food|0.4
Subway|Q244457|amenity=fast_food|food|1.5
McDonald's|Q38076|amenity=fast_food|food|1
KFC|Q524757|amenity=fast_food|food|0.8
Domino's|Q839466|amenity=fast_food|food|1
Papa John's||amenity=fast_food|food|0.5
Burger King||amenity=fast_food|food|0.4
Pizza Hut||amenity=restaurant|food|0.4
Nando's||amenity=restaurant|food|0.5
Prezzo||amenity=restaurant|food|0.3
Wetherspoon|Q6109362|amenity=pub|food|0.8
Boots|Q6123139|shop=chemist|health|3
Superdrug|Q7643261|shop=chemist|health|2
Savers|Q7428189|shop=chemist|health|1
Holland & Barrett|Q5880870|shop=health_food|health|1.5
Specsavers|Q2000610|shop=optician|health|2
Vision Express||shop=optician|health|0.7
Boots Opticians||shop=optician|health|0.6
Scrivens||shop=optician|health|0.4
Lush||shop=cosmetics|health|0.3
JD Sports|Q6108019|shop=clothes|fashion|1
Sports Direct|Q7579661|shop=sports|fashion|0.7
New Look||shop=clothes|fashion|0.8
Peacocks||shop=clothes|fashion|0.8
Next||shop=clothes|fashion|0.6
Marks & Spencer||shop=department_store|fashion|0.5
Primark||shop=clothes|fashion|0.3
River Island||shop=clothes|fashion|0.4
TK Maxx||shop=department_store|fashion|0.3
Matalan||shop=clothes|fashion|0.3
Select||shop=clothes|fashion|0.4
Bon Marché||shop=clothes|fashion|0.4
Yours||shop=clothes|fashion|0.3
Mountain Warehouse||shop=outdoor|fashion|0.4
Clarks|Q1095857|shop=shoes|fashion|0.6
Shoe Zone||shop=shoes|fashion|1
Schuh||shop=shoes|fashion|0.3
H. Samuel||shop=jewelry|fashion|0.7
Warren James||shop=jewelry|fashion|0.7
Claire's||shop=fashion_accessories|fashion|0.6
Tesco Express|Q98456772|shop=convenience|convenience|1.5
Co-op Food|Q3277439|shop=supermarket|convenience|1.5
Sainsbury's Local||shop=convenience|convenience|0.8
One Stop|Q65954217|shop=convenience|convenience|0.6
Iceland|Q721810|shop=frozen_food|convenience|1
Poundland|Q1434528|shop=variety_store|value|1.5
Home Bargains|Q5888229|shop=variety_store|value|0.6
B&M||shop=variety_store|value|0.6
Card Factory|Q5038192|shop=gift|value|2
Clintons||shop=gift|value|0.6
WHSmith|Q1548712|shop=newsagent|value|1.5
The Works|Q7775853|shop=books|value|0.8
Waterstones|Q151779|shop=books|value|0.6
The Entertainer||shop=toys|value|0.4
CeX||shop=electronics|value|0.6
Vodafone|Q122141|shop=mobile_phone|service|1.2
EE|Q5322942|shop=mobile_phone|service|1.2
Three||shop=mobile_phone|service|0.8
O2||shop=mobile_phone|service|0.8
Ladbrokes|Q1799875|shop=bookmaker|service|1.5
William Hill|Q4053147|shop=bookmaker|service|1.5
Betfred|Q4897425|shop=bookmaker|service|1.5
Coral||shop=bookmaker|service|1
Paddy Power||shop=bookmaker|service|0.6
Timpson|Q7807658|shop=shoe_repair|service|1.5
Max Spielmann||shop=photo|service|0.5
Cash Converters||shop=pawnbroker|service|0.6
H&T Pawnbrokers||shop=pawnbroker|service|0.4
Hays Travel||shop=travel_agency|service|0.6
TUI||shop=travel_agency|service|0.4
Connells||shop=estate_agent|service|0.8
Your Move||shop=estate_agent|service|0.6
Martin & Co||shop=estate_agent|service|0.4
Barclays|Q245343|amenity=bank|service|1
Lloyds Bank|Q1152847|amenity=bank|service|1
Nationwide|Q846735|amenity=bank|service|1
Halifax||amenity=bank|service|0.8
Santander||amenity=bank|service|0.7
HSBC||amenity=bank|service|0.6
NatWest||amenity=bank|service|0.6
Yorkshire Building Society||amenity=bank|service|0.4
Oxfam|Q267941|shop=charity|charity|1.2
British Heart Foundation|Q4970039|shop=charity|charity|1.5
Cancer Research UK|Q326079|shop=charity|charity|1.5
Sue Ryder||shop=charity|charity|1
Age UK||shop=charity|charity|1
Barnardo's||shop=charity|charity|0.8
Scope||shop=charity|charity|0.6
British Red Cross||shop=charity|charity|0.6
Mind||shop=charity|charity|0.6
YMCA||shop=charity|charity|0.4
Esquires Coffee||amenity=cafe|food|0.3
Coffee#1||amenity=cafe|food|0.3
Muffin Break||amenity=cafe|food|0.3
Five Guys||amenity=fast_food|food|0.3
Chopstix||amenity=fast_food|food|0.4
German Doner Kebab||amenity=fast_food|food|0.4
Taco Bell||amenity=fast_food|food|0.2
Popeyes||amenity=fast_food|food|0.2
Harry Ramsden's||amenity=fast_food|food|0.2
Millie's Cookies||shop=confectionery|food|0.3
Wagamama||amenity=restaurant|food|0.3
Zizzi||amenity=restaurant|food|0.3
Bella Italia||amenity=restaurant|food|0.3
Frankie & Benny's||amenity=restaurant|food|0.3
Slug and Lettuce||amenity=bar|food|0.3
The Body Shop||shop=cosmetics|health|0.3
Optical Express||shop=optician|health|0.3
Leightons||shop=optician|health|0.3
Amplifon||shop=hearing_aids|health|0.4
mydentist||amenity=dentist|health|0.5
Bupa Dental Care||amenity=dentist|health|0.3
Superdry||shop=clothes|fashion|0.2
Fat Face||shop=clothes|fashion|0.3
White Stuff||shop=clothes|fashion|0.2
Joules||shop=clothes|fashion|0.2
Seasalt Cornwall||shop=clothes|fashion|0.2
Regatta||shop=outdoor|fashion|0.3
Trespass||shop=outdoor|fashion|0.3
Footasylum||shop=shoes|fashion|0.2
Skechers||shop=shoes|fashion|0.2
Hotter||shop=shoes|fashion|0.2
Monsoon||shop=clothes|fashion|0.2
Accessorize||shop=fashion_accessories|fashion|0.2
Quiz||shop=clothes|fashion|0.2
Pandora||shop=jewelry|fashion|0.4
Ernest Jones||shop=jewelry|fashion|0.3
Goldsmiths||shop=jewelry|fashion|0.3
Beaverbrooks||shop=jewelry|fashion|0.3
Hobbycraft||shop=craft|value|0.3
Smiggle||shop=stationery|value|0.2
Game||shop=video_games|value|0.3
HMV||shop=music|value|0.3
Robert Dyas||shop=hardware|value|0.3
Poundstretcher||shop=variety_store|value|0.5
Ryman||shop=stationery|value|0.3
Currys||shop=electronics|value|0.3
Farmfoods||shop=frozen_food|convenience|0.5
Heron Foods||shop=frozen_food|convenience|0.5
Morrisons Daily||shop=convenience|convenience|0.5
Cash Generator||shop=pawnbroker|service|0.4
Ramsdens||shop=pawnbroker|service|0.3
Hunters||shop=estate_agent|service|0.3
Belvoir||shop=estate_agent|service|0.3
Leaders||shop=estate_agent|service|0.3
Haart||shop=estate_agent|service|0.3
Reeds Rains||shop=estate_agent|service|0.3
Snappy Snaps||shop=photo|service|0.2
Mail Boxes Etc.||shop=copyshop|service|0.2
Toni & Guy||shop=hairdresser|service|0.3
Rush||shop=hairdresser|service|0.2
TSB||amenity=bank|service|0.6
Virgin Money||amenity=bank|service|0.3
Skipton Building Society||amenity=bank|service|0.3
Coventry Building Society||amenity=bank|service|0.3
PDSA||shop=charity|charity|0.5
Dogs Trust||shop=charity|charity|0.4
RSPCA||shop=charity|charity|0.4
Salvation Army||shop=charity|charity|0.5
Marie Curie||shop=charity|charity|0.4
Shelter||shop=charity|charity|0.3
Cats Protection||shop=charity|charity|0.4
Blue Cross||shop=charity|charity|0.3
Save the Children||shop=charity|charity|0.3
Spar|Q610492|shop=convenience|symbol|1.5
Londis|Q21008564|shop=convenience|symbol|1
Premier|Q7240340|shop=convenience|symbol|1
Costcutter|Q5175072|shop=convenience|symbol|1
Nisa Local|Q16999069|shop=convenience|symbol|0.8
Budgens||shop=supermarket|symbol|0.5
Mace||shop=convenience|symbol|0.4
"""

#: Brands a big town may hold twice.
_TWICE = frozenset({"Greggs", "Costa Coffee", "Subway", "Tesco Express", "Ladbrokes", "William Hill", "Betfred"})


@dataclass(frozen=True)
class Chain:
    brand: str
    wikidata: str | None
    key: str
    value: str
    group: str
    weight: float


def _chains() -> list[Chain]:
    out = []
    for line in _CHAIN_TABLE.strip().splitlines():
        brand, qid, tag, group, weight = line.split("|")
        key, value = tag.split("=")
        out.append(Chain(brand, qid or None, key, value, group, float(weight)))
    return out


CHAINS: list[Chain] = _chains()
POST_OFFICE = Chain("Post Office", "Q1783168", "amenity", "post_office", "service", 0.0)


# --------------------------------------------------------------------------------------
# Independents: use -> OSM tag and name templates ({S} surname, {S2} second surname,
# {F} first name, {T} town).
# --------------------------------------------------------------------------------------
SURNAMES = (
    "Hartley Ashworth Pickering Barraclough Whitfield Gledhill Thornton Mossop Rowntree Haworth Pennington "
    "Crossley Sutcliffe Lister Holroyd Fairbrother Denby Marsden Kershaw Ackroyd Booth Catterall Dewhurst "
    "Entwistle Fothergill Greenwood Halstead Illingworth Jowett Lumb Naylor Oldroyd Priestley Redman Shackleton "
    "Tattersall Varley Wadsworth Bramley Dobson Eastwood Firth Garside Hirst Kitson Lockwood Moorhouse Nuttall "
    "Ormerod Pollard Rushworth Stansfield Baxter Chadwick Dyson Gaskell Jagger Mellor Newbould Parkin Quarmby "
    "Riley Schofield Walsh Abbott Carter Dawson Fletcher Gibson Harper Jennings Knowles Lambert Morley Osborne "
    "Patel Reid Shah Turner Underwood Vaughan Webb Khan Ahmed Nowak Rossi Demir Chen Singh Okafor Murphy "
    "Campbell Evans Hughes Pritchard Tanner Sowerby Cawthorne Peel Brearley Hinchliffe Blackburn Wainwright"
).split()
FIRST_NAMES = (
    "Anna Ben Claire Dan Ellie Frank Grace Harry Isla Jack Kate Liam Maya Nick Olivia Paul Rosie Sam Tom Zara "
    "Joe Lucy Amir Priya Kasia Marco Beth Callum Nadia Leon Freya Omar Hannah Reuben Sophie Ivy"
).split()

USES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # use: (key, value, name templates)
    "bakery": ("shop", "bakery", ("{S}'s Bakery", "{S} Bakers", "The Old Bakehouse", "{T} Bakehouse",
                                   "Bread & Butter", "{S} & Daughters Bakery", "The Crusty Cob", "Rise Bakery")),
    "butcher": ("shop", "butcher", ("{S}'s Butchers", "{S} Family Butchers", "{S} & Sons Butchers",
                                     "{T} Meat Company", "{S} Quality Meats")),
    "greengrocer": ("shop", "greengrocer", ("{S}'s Fruit & Veg", "The Green Grocer", "{S} Fresh Produce",
                                             "Market Garden Greengrocers", "{F}'s Fruit Barrow")),
    "fishmonger": ("shop", "seafood", ("{S}'s Fish", "Harbour Fresh Fish", "{T} Fishmongers")),
    "convenience": ("shop", "convenience", ("{T} Stores", "{S}'s Mini Market", "{S} Food & Wine", "Euro Foods",
                                             "Polski Sklep", "{F}'s Corner Shop", "Village Stores", "Daily Needs")),
    "newsagent": ("shop", "newsagent", ("{S}'s Newsagents", "{T} News", "The Paper Shop", "{S} News & Booze")),
    "off_licence": ("shop", "alcohol", ("{S} Wine Merchants", "The Bottle Shop", "{T} Wines", "Cork & Cask")),
    "deli": ("shop", "deli", ("{S}'s Deli", "The Cheese Board", "The Larder", "{T} Delicatessen", "Olive & Vine")),
    "health_food": ("shop", "health_food", ("Nature's Larder", "The Health Store", "{T} Wholefoods", "{S}'s Wholefoods")),
    "sweets": ("shop", "confectionery", ("Sweet Memories", "Ye Olde Sweet Shop", "The Fudge Pot", "{T} Rock Shop",
                                          "Humbugs", "{F}'s Sweet Shop", "{S}'s Rock & Fudge")),
    "pharmacy": ("amenity", "pharmacy", ("{S} Pharmacy", "{T} Chemist", "{S}'s Chemists", "{S} & {S2} Pharmacy")),
    "clothes": ("shop", "clothes", ("{F} Boutique", "Attic Clothing", "{S} Menswear", "The Dressing Room",
                                     "Willow & Wren", "Threads", "{F}'s Wardrobe", "Hem & Thread", "{S} Outfitters",
                                     "Vintage Vault")),
    "shoes": ("shop", "shoes", ("{S} Shoes", "Step Inside", "{S}'s Footwear", "Walk This Way")),
    "jewelry": ("shop", "jewelry", ("{S} Jewellers", "{S} Goldsmiths", "Silver Lining", "{F} & Co Jewellery")),
    "books": ("shop", "books", ("{T} Bookshop", "The Book Nook", "Chapter & Verse", "Second Chapter Books",
                                 "{S} Books")),
    "gift": ("shop", "gift", ("The Gift Box", "Treasure Trove", "Little Gems", "Something Special", "{F}'s Gifts",
                               "The Seaside Shop", "Shells & Sand", "The Gift Cupboard", "Happy Days Gifts",
                               "Bits & Bobs", "{F}'s Gift Shop", "{S} Gifts & Cards", "The {S} Gift Company")),
    "art": ("shop", "art", ("The Gallery", "{T} Art Gallery", "Studio {F}", "Frame & Canvas", "{S} Fine Art")),
    "craft": ("shop", "craft", ("Knit & Natter", "The Wool Shop", "{F}'s Craft Corner", "{S} Crafts")),
    "antiques": ("shop", "antiques", ("{T} Antiques", "Bygones", "The Old Curiosity Shop", "{S} Antiques")),
    "second_hand": ("shop", "second_hand", ("Second Time Around", "Pre-Loved", "Junk & Disorderly", "{S}'s Second Hand")),
    "charity": ("shop", "charity", ("{T} Hospice Shop", "{T} Animal Rescue Shop", "St Anne's Hospice Shop",
                                       "{T} Cancer Support Shop", "Friends of {T} Hospital Shop", "{T} Day Centre Shop")),
    "furniture": ("shop", "furniture", ("{S} Furniture", "Reclaimed Interiors", "{T} Beds")),
    "homeware": ("shop", "interior_decoration", ("Home & Hearth", "The Linen Cupboard", "{F} Interiors", "{S} Home")),
    "hardware": ("shop", "hardware", ("{S}'s Hardware", "{T} Ironmongers", "{S} DIY", "The Tool Box")),
    "florist": ("shop", "florist", ("Petals", "{F}'s Flowers", "The Flower Pot", "Blooms", "Wild Rose Florist", "{S} Florists")),
    "mobile_phone": ("shop", "mobile_phone", ("Phone Doctor", "{T} Mobile Repairs", "Fone Zone", "iFix {T}",
                                               "Unlock & Repair", "{S} Mobiles", "{F}'s Phone Repairs")),
    "computer": ("shop", "computer", ("{T} PC Repairs", "Byte Size Computers", "{S} Computers", "{F}'s PC Clinic")),
    "toys": ("shop", "toys", ("The Toy Box", "{T} Toys", "The Toy Chest", "{S}'s Toys")),
    "bicycle": ("shop", "bicycle", ("{S} Cycles", "Spokes", "{T} Bike Shop")),
    "pet": ("shop", "pet", ("Paws & Claws", "{S} Pet Supplies", "The Pet Pantry", "{F}'s Pet Shop")),
    "vape": ("shop", "e-cigarette", ("Vape Lounge", "{T} Vapes", "Cloud Nine Vapes", "Vapour Trail", "{F}'s Vape Shop", "{S} Vapes")),
    "tattoo": ("shop", "tattoo", ("Ink Well Tattoo", "{F} Ink", "True Blue Tattoo", "{S} Tattoo Studio")),
    "hairdresser": ("shop", "hairdresser", ("{F}'s Hair Studio", "Cut Above", "Shear Elegance", "{S} Barbers",
                                             "The Barber Shop", "Hair by {F}", "Mane Street", "Fringe Benefits",
                                             "The Cutting Room", "{F}'s Barbers", "Style Studio",
                                             "Head Office Hair")),
    "beauty": ("shop", "beauty", ("{F}'s Beauty Room", "Polished Nails", "Glow", "Serenity Beauty",
                                   "Luxe Lashes", "Bronze Tanning", "Pure Skin Clinic", "Nail Bar {F}",
                                   "{F}'s Nails", "Beauty by {F}", "{F} {S} Aesthetics")),
    "estate_agent": ("shop", "estate_agent", ("{S} & {S2} Estate Agents", "{S} Property", "{T} Lettings",
                                               "{S} Homes")),
    "travel_agency": ("shop", "travel_agency", ("{S} Travel", "Getaway Travel", "{F}'s Travel")),
    "funeral": ("shop", "funeral_directors", ("{S} & Sons Funeral Directors", "{S} Funeral Service")),
    "dry_cleaning": ("shop", "dry_cleaning", ("Sparkle Dry Cleaners", "{T} Dry Cleaners", "{S}'s Dry Cleaners")),
    "laundry": ("shop", "laundry", ("{T} Launderette", "Bubbles Launderette", "{S}'s Launderette")),
    "tailor": ("shop", "tailor", ("{S} Alterations", "Stitch in Time", "{F}'s Alterations")),
    "pawnbroker": ("shop", "pawnbroker", ("{T} Pawnbrokers", "{S} Gold Exchange", "{S} Pawnbrokers")),
    "photo": ("shop", "photo", ("{S} Photography", "Picture Perfect Studio", "{F} {S} Photography")),
    "copyshop": ("shop", "copyshop", ("{T} Print Shop", "Print Point", "{S} Print", "{F}'s Print & Copy")),
    "massage": ("shop", "massage", ("Thai Orchid Massage", "{F}'s Therapy Rooms", "{S} Sports Massage")),
    "music": ("shop", "music", ("Vinyl Revival", "Groove Records", "{S}'s Records")),
    "dentist": ("amenity", "dentist", ("{T} Dental Practice", "{S} Dental Care", "Smile Dental")),
    "cafe": ("amenity", "cafe", ("The Copper Kettle", "The Tea Rooms", "Bean There", "{F}'s Kitchen",
                                  "The Coffee Yard", "The Little Teapot", "Blue Door Cafe", "The Daily Grind",
                                  "{S}'s Cafe", "The Pantry", "Crumbs", "Cup & Saucer", "Brew", "The Cosy Cup",
                                  "Corner Cafe", "The Beach Hut Cafe", "Harbour Cafe", "The Sandwich Box",
                                  "Jam Jar Tea Room", "Marmalade")),
    "ice_cream": ("amenity", "ice_cream", ("{S}'s Ice Cream Parlour", "Scoops", "Gelato {F}", "The Ice Cream Hut")),
    "pub": ("amenity", "pub", ("The Red Lion", "The Black Bull", "The Crown", "The White Hart", "The King's Arms",
                                "The Plough", "The Royal Oak", "The George", "The Fleece", "The Swan",
                                "The Station Inn", "The Shoulder of Mutton", "The Market Tavern", "The Bay Horse",
                                "The Nag's Head", "The Wheatsheaf", "The Anchor", "The Ship Inn", "The Lord Nelson",
                                "The Three Tuns", "The Woolpack", "The Bell", "The Feathers", "The Star",
                                "The Old Vic", "The Rose & Crown", "The Fox & Hounds", "The Eagle", "The Mermaid",
                                "The Coach & Horses", "The Hare & Hounds", "The Greyhound", "The Black Horse",
                                "The White Horse", "The Queen's Head", "The King's Head", "The Bull", "The Globe",
                                "The Railway", "The Victoria", "The Albion", "The Cross Keys", "The Golden Lion",
                                "The Blue Bell", "The Dog & Partridge", "The Travellers Rest", "The Boot",
                                "The Malt Shovel", "The Hop Pole", "The Lamb", "The Angel", "The Sun Inn",
                                "The Half Moon", "The Volunteer", "The Prince of Wales", "The Duke of York",
                                "The Marquis of Granby", "The Black Swan", "The Old Bell", "The New Inn",
                                "The Waggon & Horses", "The Gardeners Arms", "The Masons Arms", "The Wellington",
                                "The Farmers Arms", "The Jolly Sailor", "The Fisherman's Rest", "The Smugglers",
                                "The Three Horseshoes", "The Golden Cross", "The Bridge Inn", "The Black Lion",
                                "The Brewers Arms", "The Millstone", "The Cricketers", "{S}'s Ale House")),
    "bar": ("amenity", "bar", ("The Wine Vault", "Hops & Barley", "Sip", "The Tap Room", "{T} Brewery Tap",
                                "Bar Eleven", "{F}'s Bar", "{S}'s Wine Bar")),
    "fast_food": ("amenity", "fast_food", ("{T} Fish Bar", "The Golden Fry", "{S}'s Chippy", "China Garden",
                                            "Mario's Pizza", "Kebab House", "Ocean Fish Bar", "The Codfather",
                                            "Jade Garden Takeaway", "Istanbul Grill", "Spice Hut Takeaway",
                                            "{S}'s Fish & Chips", "Harbour Fish Bar", "Salt & Vinegar",
                                            "{T} Fisheries", "Perfect Fried Chicken", "Lucky Star", "Pizza Roma",
                                            "Chicken Shack", "Noodle Bar")),
    "restaurant": ("amenity", "restaurant", ("The Lime Tree", "Trattoria {S}", "La Piazza", "Taj Mahal",
                                              "Golden Dragon", "The Olive Tree", "Bistro {F}", "Riverside Kitchen",
                                              "Thai Orchid", "Zorba's Taverna", "Saffron", "The Spice Room",
                                              "Casa {F}", "The Lobster Pot", "Himalaya Gurkha")),
    "arcade": ("amenity", "amusement_arcade", ("Golden Nugget Amusements", "Pleasureland Arcade", "Funland",
                                               "Las Vegas Amusements", "Silver Dollar Arcade", "Goldrush",
                                               "Playland", "Jackpot Amusements", "{S}'s Amusements",
                                               "The {S} Arcade", "{T} Leisure Arcade")),
}

#: Independent uses on an ordinary high street (relative weights).
_BASE_MIX = {
    "cafe": 8, "hairdresser": 9, "beauty": 6, "fast_food": 7, "restaurant": 5, "pub": 2.5, "bar": 1.2,
    "clothes": 4, "estate_agent": 3, "charity": 1, "convenience": 3, "newsagent": 2, "bakery": 1.5,
    "butcher": 1.2, "greengrocer": 1, "jewelry": 1.5, "florist": 1.5, "pharmacy": 1, "mobile_phone": 2.5,
    "gift": 2, "books": 0.6, "hardware": 1, "shoes": 0.5, "vape": 2, "tattoo": 1.5, "deli": 0.8,
    "antiques": 0.5, "furniture": 0.8, "pet": 0.5, "toys": 0.4, "bicycle": 0.4, "funeral": 0.6,
    "dry_cleaning": 0.6, "laundry": 0.4, "travel_agency": 0.4, "art": 0.5, "computer": 0.7, "second_hand": 0.6,
    "health_food": 0.3, "sweets": 0.5, "off_licence": 0.5, "dentist": 0.5, "massage": 0.6, "tailor": 0.6,
    "photo": 0.3, "music": 0.2, "craft": 0.4, "homeware": 0.6, "pawnbroker": 0.4, "fishmonger": 0.2,
    "copyshop": 0.3, "ice_cream": 0.3,
}

ASSET_TEMPLATES = {
    "library": ("library", "{T} Library"),
    "community_centre": ("community_centre", "{T} Community Centre"),
    "church_hall": ("community_centre", "St Mary's Church Hall"),
    "scout_hut": ("community_centre", "{T} Scout Hut"),
    "church": ("place_of_worship", "St Mary's Church"),
    "methodist": ("place_of_worship", "{T} Methodist Church"),
    "rc_church": ("place_of_worship", "Our Lady and St Joseph RC Church"),
    "mosque": ("place_of_worship", "{T} Mosque"),
    "market": ("marketplace", "{T} Market"),
    "market_hall": ("marketplace", "{T} Market Hall"),
    "health_centre": ("doctors", "{T} Health Centre"),
    "dental": ("dentist", "{T} Community Dental Clinic"),
    "park": ("park", "Victoria Park"),
    "gardens": ("park", "Memorial Gardens"),
    "green": ("village_green", "The Green"),
    "toilets": ("toilets", "Public Toilets"),
    "museum": ("museum", "{T} Museum"),
    "town_hall": ("townhall", "{T} Town Hall"),
    "cinema": ("cinema", "The Picture House"),
    "leisure_centre": ("sports_centre", "{T} Leisure Centre"),
    "pier": ("pier", "{T} Pier"),
    "lifeboat": ("lifeboat_station", "{T} Lifeboat Station"),
    "bandstand": ("bandstand", "The Bandstand"),
}
_ASSET_CATEGORY = {
    "library": "library", "community_centre": "community_centre", "place_of_worship": "place_of_worship",
    "marketplace": "market", "doctors": "health", "dentist": "health", "park": "green_space",
    "village_green": "green_space", "toilets": "toilets", "pub": "pub", "post_office": "post_office",
}


# --------------------------------------------------------------------------------------
# Towns
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Street:
    """A street in town-local metres: from `start` (a point or ``(parent, fraction)``) by `delta`."""

    name: str
    start: tuple
    delta: tuple[float, float]
    bend: float = 0.0
    prime: float = 1.0
    sides: tuple[int, ...] = (1, -1)
    half_width: float = 11.0


@dataclass(frozen=True)
class Town:
    """How one demo town is drawn."""

    name: str
    character: str
    typology: str
    region: str
    population: int
    lat: float
    lon: float
    streets: tuple[Street, ...]
    n_units: int
    chain_share: float
    symbol_share: float
    groups: dict[str, float]
    mix: dict[str, float]
    vacancy: tuple[float, float]
    footfall_peak: float
    footfall_trend: float
    seasonal: str
    sites: tuple[tuple[str, float, str, float], ...]
    assets: tuple[str, ...]
    surveyed: bool = False
    chains_close: float = 1.0
    relet_chain: float = 1.0
    market_day: int | None = None
    night_economy: float = 0.1

    @property
    def centre_id(self) -> str:
        return self.name.lower().replace(" ", "-")


def _mix(**changes: float) -> dict[str, float]:
    out = dict(_BASE_MIX)
    out.update(changes)
    return {k: v for k, v in out.items() if v > 0}


_G_ALL = {"food": 1, "health": 1, "fashion": 1, "convenience": 1, "value": 1, "service": 1, "charity": 1}

TOWNS: tuple[Town, ...] = (
    Town(
        name="Castlebridge", character="Clone town: national chains dominate", typology="Town centre",
        region="West Midlands", population=68_400, lat=52.46, lon=-2.50,
        streets=(
            Street("High Street", (-330, -20), (660, 50), bend=25, prime=1.35),
            Street("Market Street", ("High Street", 0.5), (40, 250), bend=15, prime=1.0),
            Street("Castle Walk", ("High Street", 0.3), (-20, -180), prime=1.3, half_width=9),
            Street("Bridge Street", ("High Street", 1.0), (150, -150), bend=10, prime=0.6),
            Street("Church Street", ("High Street", 0.0), (-150, 90), bend=-10, prime=0.55),
        ),
        n_units=270, chain_share=0.66, symbol_share=0.005,
        groups={**_G_ALL, "fashion": 1.3, "convenience": 0.6, "value": 1.3},
        mix=_mix(cafe=5, vape=3.5, tattoo=2, pawnbroker=1, mobile_phone=3, deli=0.2, antiques=0.1, art=0.1,
                 books=0.1, butcher=0.5, greengrocer=0.4, bakery=0.4),
        vacancy=(0.13, 0.17), footfall_peak=1400, footfall_trend=-0.07, seasonal="comparison",
        sites=(("High Street", 0.2, "High Street (west)", 1.0), ("High Street", 0.72, "High Street (east)", 0.8),
               ("Castle Walk", 0.55, "Castle Walk precinct", 0.65), ("Market Street", 0.6, "Market Street", 0.4)),
        assets=("library", "community_centre", "church", "rc_church", "mosque", "market_hall", "health_centre",
                "dental", "gardens", "toilets", "town_hall", "cinema", "leisure_centre", "pub", "post_office"),
        chains_close=1.6, relet_chain=0.6, night_economy=0.12,
    ),
    Town(
        name="Wendlow", character="Home town: independents, surveyed ownership", typology="Town centre",
        region="Yorkshire and The Humber", population=14_600, lat=54.12, lon=-1.92,
        streets=(
            Street("Market Street", (-250, 0), (500, -40), bend=20, prime=1.25),
            Street("Bridge Gate", ("Market Street", 0.55), (30, -220), bend=10, prime=1.0),
            Street("Crown Street", ("Market Street", 1.0), (200, 90), bend=-8, prime=0.8),
            Street("Albert Street", ("Market Street", 0.2), (-40, 180), prime=0.65),
        ),
        n_units=230, chain_share=0.10, symbol_share=0.01,
        groups={"food": 0.2, "health": 1.5, "fashion": 0.05, "convenience": 0.8, "value": 0.15, "service": 0.7,
                "charity": 1.5},
        mix=_mix(cafe=10, deli=3, books=2, art=2.5, antiques=2, gift=3.5, butcher=2, bakery=2.5, greengrocer=2,
                 clothes=5, craft=1.2, homeware=1.5, bicycle=1, health_food=1, vape=0.6, tattoo=0.6,
                 fast_food=3, pawnbroker=0, mobile_phone=0.8, bar=2, music=0.6, off_licence=1),
        vacancy=(0.12, 0.07), footfall_peak=380, footfall_trend=0.04, seasonal="speciality",
        sites=(("Market Street", 0.45, "Market Street", 1.0), ("Bridge Gate", 0.5, "Bridge Gate", 0.6)),
        assets=("library", "community_centre", "church_hall", "church", "methodist", "market", "health_centre",
                "park", "toilets", "museum", "pub", "post_office"),
        surveyed=True, chains_close=0.5, relet_chain=0.3, night_economy=0.1,
    ),
    Town(
        name="Hollinsford", character="In between: a mix of chains and independents", typology="Town centre",
        region="North West", population=31_200, lat=53.20, lon=-2.55,
        streets=(
            Street("High Street", (-300, 0), (600, 0), bend=-30, prime=1.3),
            Street("Station Road", ("High Street", 0.3), (60, -250), bend=8, prime=0.75),
            Street("King Street", ("High Street", 0.7), (-30, 220), bend=-10, prime=1.0),
            Street("Market Place", ("High Street", 0.5), (0, -120), prime=1.1, half_width=16),
        ),
        n_units=280, chain_share=0.42, symbol_share=0.01, groups=dict(_G_ALL, fashion=0.6),
        mix=_mix(), vacancy=(0.11, 0.11), footfall_peak=800, footfall_trend=-0.015, seasonal="comparison",
        sites=(("High Street", 0.4, "High Street", 1.0), ("King Street", 0.5, "King Street", 0.55),
               ("Market Place", 0.6, "Market Place", 0.7)),
        assets=("library", "community_centre", "scout_hut", "church", "methodist", "market", "health_centre",
                "park", "toilets", "leisure_centre", "pub", "post_office"),
        market_day=2, night_economy=0.1,
    ),
    Town(
        name="Gullhaven", character="Seaside town: cafes, chips, gifts and amusements", typology="Seaside town",
        region="East Midlands", population=22_300, lat=53.378, lon=0.218,
        streets=(
            # The promenade runs NNW along the coast; shops face the sea from its landward side.
            Street("Marine Parade", (163, -275), (-408, 688), bend=-15, prime=1.3, sides=(1,), half_width=14),
            Street("Harbour Street", ("Marine Parade", 0.8), (-258, -153), bend=10, prime=1.0),
            Street("Victoria Road", ("Marine Parade", 0.22), (-275, -163), bend=-10, prime=0.9),
            Street("King Street", ("Victoria Road", 0.6), (-153, 258), bend=8, prime=0.7),
        ),
        n_units=250, chain_share=0.20, symbol_share=0.012,
        groups={**_G_ALL, "food": 1.5, "fashion": 0.2, "convenience": 1.2, "value": 1.3},
        mix=_mix(cafe=14, fast_food=13, ice_cream=5, gift=10, arcade=4.5, sweets=3, pub=5, restaurant=6, bar=2,
                 estate_agent=1.5, clothes=2, antiques=1, jewelry=0.6, hardware=0.6, books=0.4, fishmonger=0.6),
        vacancy=(0.14, 0.19), footfall_peak=560, footfall_trend=-0.03, seasonal="holiday",
        sites=(("Marine Parade", 0.4, "Marine Parade", 1.0), ("Harbour Street", 0.4, "Harbour Street", 0.6),
               ("Victoria Road", 0.5, "Victoria Road", 0.45)),
        assets=("library", "community_centre", "church", "methodist", "health_centre", "gardens", "toilets",
                "toilets", "pier", "lifeboat", "bandstand", "museum", "pub", "post_office"),
        chains_close=1.0, night_economy=0.2,
    ),
    Town(
        name="Eddlesford", character="Small market town: symbol-group stores, weekly market", typology="Market town",
        region="East of England", population=6_800, lat=52.36, lon=0.90,
        streets=(
            Street("Market Place", (-90, 0), (180, 10), prime=1.35, half_width=26),
            Street("High Street", ("Market Place", 1.0), (260, -60), bend=20, prime=1.0),
            Street("Sheep Street", ("Market Place", 0.0), (-230, 40), bend=-15, prime=0.9),
            Street("Church Lane", ("Market Place", 0.5), (10, 160), prime=0.6),
        ),
        n_units=160, chain_share=0.12, symbol_share=0.035,
        groups={"food": 0.3, "health": 1, "fashion": 0.05, "convenience": 0.8, "value": 0.3, "service": 0.8,
                "charity": 1.3},
        mix=_mix(butcher=3, bakery=3, greengrocer=2, hardware=2.5, deli=2, florist=2.5, cafe=8, pub=3,
                 antiques=2, gift=3, clothes=3, vape=0.5, tattoo=0.3, pawnbroker=0, mobile_phone=0.6,
                 fast_food=3, funeral=1),
        vacancy=(0.08, 0.09), footfall_peak=260, footfall_trend=0.01, seasonal="multifunctional",
        sites=(("Market Place", 0.5, "Market Place", 1.0), ("High Street", 0.4, "High Street", 0.55)),
        assets=("library", "community_centre", "church", "methodist", "market", "health_centre", "green",
                "toilets", "town_hall", "pub", "post_office"),
        market_day=3, night_economy=0.06,
    ),
    Town(
        name="Larkmead Green", character="Suburban district centre: daily needs and services",
        typology="District centre", region="South East", population=18_900, lat=51.52, lon=-1.20,
        streets=(
            Street("Larkmead Road", (-320, 0), (640, 40), bend=10, prime=1.15),
            Street("Station Approach", ("Larkmead Road", 0.65), (20, -200), prime=0.8),
            Street("The Broadway", ("Larkmead Road", 0.3), (-20, 170), bend=6, prime=0.95),
        ),
        n_units=180, chain_share=0.40, symbol_share=0.012,
        groups={"food": 1.4, "health": 1.0, "fashion": 0.05, "convenience": 1.6, "value": 0.5, "service": 1.3,
                "charity": 0.8},
        mix=_mix(hairdresser=14, beauty=11, fast_food=13, convenience=5, dentist=1.5, estate_agent=4,
                 mobile_phone=3, cafe=5, dry_cleaning=2, laundry=1, pharmacy=1.5, restaurant=5, vape=2,
                 pub=1, antiques=0, art=0, books=0.1, gift=0.8, clothes=1, tattoo=0.8, massage=1.2),
        vacancy=(0.06, 0.065), footfall_peak=450, footfall_trend=0.02, seasonal="multifunctional",
        sites=(("Larkmead Road", 0.4, "Larkmead Road", 1.0), ("The Broadway", 0.5, "The Broadway", 0.5)),
        assets=("library", "community_centre", "church", "health_centre", "dental", "park", "pub",
                "post_office"),
        night_economy=0.08,
    ),
)


# --------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------
def _origin(town: Town) -> tuple[float, float]:
    x, y = _TO_BNG.transform(town.lon, town.lat)
    return round(x), round(y)


def street_lines(town: Town) -> dict[str, LineString]:
    """The town's streets as lines in British National Grid metres."""
    ox, oy = _origin(town)
    lines: dict[str, LineString] = {}
    for st in town.streets:
        if isinstance(st.start[0], str):
            p = lines[st.start[0]].interpolate(st.start[1], normalized=True)
            sx, sy = p.x, p.y
        else:
            sx, sy = ox + st.start[0], oy + st.start[1]
        dx, dy = st.delta
        length = math.hypot(dx, dy)
        nx, ny = -dy / length, dx / length
        t = np.linspace(0, 1, 17)
        off = st.bend * np.sin(np.pi * t)
        lines[st.name] = LineString(np.column_stack([sx + t * dx + off * nx, sy + t * dy + off * ny]))
    return lines


def _frontages(town: Town, lines: dict[str, LineString], rng: np.random.Generator) -> pd.DataFrame:
    """Unit positions along the streets: exactly ``town.n_units`` rows (x, y, street, prime)."""
    total = sum(lines[s.name].length * len(s.sides) for s in town.streets)
    for density in (0.85, 0.75, 0.65):
        slots = _slots(town, lines, rng, total / town.n_units * density)
        if len(slots) >= town.n_units:
            keep = np.sort(rng.choice(len(slots), town.n_units, replace=False))
            return slots.iloc[keep].reset_index(drop=True)
    raise ValueError(f"{town.name}: the streets hold only {len(slots)} units, not {town.n_units}")


def _slots(town: Town, lines: dict[str, LineString], rng: np.random.Generator, spacing: float) -> pd.DataFrame:
    rows = []
    for st in town.streets:
        line = lines[st.name]
        start_gap = 24.0 if isinstance(st.start[0], str) else 6.0
        for side in st.sides:
            pos = start_gap
            while pos < line.length - 6:
                a, b = line.interpolate(max(pos - 1, 0)), line.interpolate(min(pos + 1, line.length))
                tx, ty = b.x - a.x, b.y - a.y
                norm = math.hypot(tx, ty)
                c = line.interpolate(pos)
                x = c.x - ty / norm * st.half_width * side
                y = c.y + tx / norm * st.half_width * side
                rows.append((x, y, st.name, st.prime))
                pos += spacing * rng.uniform(0.7, 1.3)
    slots = pd.DataFrame(rows, columns=["x", "y", "street", "prime"])
    points = shapely.points(slots["x"].to_numpy(), slots["y"].to_numpy())
    clash = np.zeros(len(slots), dtype=bool)
    for st in town.streets:
        other = slots["street"].to_numpy() != st.name
        clash |= other & (shapely.distance(points, lines[st.name]) < st.half_width + 4)
    return slots.loc[~clash].reset_index(drop=True)


def _centre_polygon(town: Town, lines: dict[str, LineString], rng: np.random.Generator) -> Polygon:
    """An irregular boundary around the streets: buffered streets and a few bulges."""
    parts = [lines[s.name].buffer(s.half_width + rng.uniform(14, 30), quad_segs=4) for s in town.streets]
    for _ in range(int(rng.integers(3, 6))):
        st = town.streets[int(rng.integers(len(town.streets)))]
        c = lines[st.name].interpolate(rng.uniform(0.1, 0.9), normalized=True)
        ang = rng.uniform(0, 2 * math.pi)
        d = rng.uniform(10, 40)
        parts.append(Point(c.x + d * math.cos(ang), c.y + d * math.sin(ang)).buffer(rng.uniform(30, 60), quad_segs=3))
    shape = shapely.union_all(parts).simplify(3)
    coords = np.round(np.asarray(shape.exterior.coords), 1)
    return Polygon(coords)


def _to_lat_lon(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_WGS.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.round(lat, 6), np.round(lon, 6)


# --------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------
@dataclass
class _Namer:
    """Makes independent business names, unique across all towns."""

    rng: np.random.Generator
    used: set = field(default_factory=set)

    def __call__(self, use: str, town: str) -> str:
        templates = USES[use][2]
        for k in self.rng.permutation(len(templates)):
            for _ in range(8 if "{" in templates[k] else 1):
                name = self._fill(templates[k], town)
                if name not in self.used:
                    self.used.add(name)
                    return name
        while True:
            tpl = "{S} & {S2} " + use.replace("_", " ").title()
            name = self._fill(tpl, town)
            if name not in self.used:
                self.used.add(name)
                return name

    def _fill(self, tpl: str, town: str) -> str:
        s1, s2 = self.rng.choice(len(SURNAMES), 2, replace=False)
        return tpl.format(S=SURNAMES[s1], S2=SURNAMES[s2], F=FIRST_NAMES[int(self.rng.integers(len(FIRST_NAMES)))],
                          T=town.split()[0])


@dataclass
class _Occupants:
    """Draws who occupies a unit in one town."""

    town: Town
    rng: np.random.Generator
    namer: _Namer
    held: dict = field(default_factory=dict)

    def _chain_pool(self, symbol: bool) -> tuple[list[Chain], np.ndarray]:
        pool, weights = [], []
        for c in CHAINS:
            if (c.group == "symbol") != symbol:
                continue
            cap = 2 if c.brand in _TWICE else 1
            if self.held.get(c.brand, 0) >= cap:
                continue
            w = c.weight * (1.0 if symbol else self.town.groups.get(c.group, 0))
            if w > 0:
                pool.append(c)
                weights.append(w)
        return pool, np.asarray(weights)

    def draw(self, prime: float, chain_factor: float = 1.0) -> dict:
        p_chain = min(0.95, self.town.chain_share * prime * chain_factor)
        u = self.rng.random()
        if u < self.town.symbol_share:
            rec = self._chain(symbol=True)
            if rec:
                return rec
        elif u < self.town.symbol_share + p_chain:
            rec = self._chain(symbol=False)
            if rec:
                return rec
        return self._independent()

    def _chain(self, symbol: bool) -> dict | None:
        pool, weights = self._chain_pool(symbol)
        if not pool:
            return None
        c = pool[int(self.rng.choice(len(pool), p=weights / weights.sum()))]
        return self.chain(c)

    def chain(self, c: Chain) -> dict:
        self.held[c.brand] = self.held.get(c.brand, 0) + 1
        return {"name": c.brand, c.key: c.value, "brand": c.brand, "brand_wikidata": c.wikidata,
                "ownership": "symbol_group" if c.group == "symbol" else "chain"}

    def _independent(self) -> dict:
        uses = list(self.town.mix)
        w = np.asarray([self.town.mix[u] for u in uses])
        return self.independent(uses[int(self.rng.choice(len(uses), p=w / w.sum()))])

    def independent(self, use: str) -> dict:
        key, value, _ = USES[use]
        return {"name": self.namer(use, self.town.name), key: value, "ownership": "independent"}


def _months_before(day: date, months: float) -> date:
    return day - timedelta(days=int(round(months * 30.44)))


def _town_units(town: Town, rng: np.random.Generator, namer: _Namer) -> tuple[pd.DataFrame, Polygon]:
    lines = street_lines(town)
    slots = _frontages(town, lines, rng)
    polygon = _centre_polygon(town, lines, rng)
    occ = _Occupants(town, rng, namer)
    n = len(slots)
    prime = slots["prime"].to_numpy()

    # The Post Office and the pubs are placed first so every town has them.
    s1: list[dict | None] = [None] * n
    order = rng.permutation(n)
    forced = [occ.chain(POST_OFFICE)] + [occ.independent("pub") for _ in range(2)]
    for i, rec in zip(order[: len(forced)], forced):
        s1[i] = rec
    for i in order[len(forced):]:
        s1[i] = occ.draw(prime[i])

    # Vacancy: more likely off the prime streets; some vacant units stay vacant, some re-let.
    n_v1, n_v2 = round(town.vacancy[0] * n), round(town.vacancy[1] * n)
    protected = set(order[: len(forced)].tolist())
    free = np.array([i for i in range(n) if i not in protected])
    w = 1.0 / prime[free] ** 2
    v1 = rng.choice(free, n_v1, replace=False, p=w / w.sum())
    persist = rng.choice(v1, round(min(n_v1, n_v2) * 0.55), replace=False)
    relet = np.setdiff1d(v1, persist)
    occupied1 = np.setdiff1d(free, v1)
    close_w = np.array([(town.chains_close if s1[i]["ownership"] != "independent" else 1.0) / prime[i] ** 2
                        for i in occupied1])
    closes = rng.choice(occupied1, n_v2 - len(persist), replace=False, p=close_w / close_w.sum())
    stays = np.setdiff1d(occupied1, closes)
    changes = rng.choice(stays, max(1, round(0.03 * n)), replace=False)

    s2 = list(s1)
    since1: dict[int, date] = {}
    since2: dict[int, date] = {}
    for i in persist:
        long_term = rng.random() < 0.65
        since1[i] = _months_before(SURVEY_DATES[0], rng.uniform(13, 44) if long_term else rng.uniform(1, 11))
        since2[i] = since1[i]
    for i in relet:
        since1[i] = _months_before(SURVEY_DATES[0], rng.uniform(1, 20))
        s2[i] = occ.draw(prime[i], chain_factor=town.relet_chain)
    gap = (SURVEY_DATES[1] - SURVEY_DATES[0]).days
    for i in closes:
        since2[i] = SURVEY_DATES[0] + timedelta(days=int(rng.integers(20, gap - 20)))
    for i in changes:
        s2[i] = occ.draw(prime[i], chain_factor=town.relet_chain)
    for i in v1:
        s1[i] = None
    for i in list(persist) + list(closes):
        s2[i] = None

    lat, lon = _to_lat_lon(slots["x"], slots["y"])
    ids = [f"{town.centre_id}-{k + 1:03d}" for k in range(n)]
    frames = []
    for when, states, since in ((SURVEY_DATES[0], s1, since1), (SURVEY_DATES[1], s2, since2)):
        rows = []
        for i in range(n):
            rec = states[i]
            row = {"unit_id": ids[i], "street": slots.at[i, "street"], "lat": lat[i], "lon": lon[i],
                   "observed_on": when.isoformat()}
            if rec is None:
                row.update(status="vacant", shop="vacant", vacant_since=since[i].isoformat())
            else:
                row.update(rec, status="occupied")
            rows.append(row)
        frame = pd.DataFrame(rows)
        if not town.surveyed:
            frame = frame.drop(columns=["ownership"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), polygon


# --------------------------------------------------------------------------------------
# Footfall
# --------------------------------------------------------------------------------------
_WEEKDAY = np.array([.02, .01, .01, .01, .01, .02, .06, .17, .38, .58, .76, .9, 1.0, .96, .86, .8, .74, .58,
                     .36, .22, .16, .12, .08, .04])
_SATURDAY = np.array([.05, .03, .02, .01, .01, .01, .03, .08, .22, .5, .8, .98, 1.08, 1.1, 1.02, .92, .8, .6,
                      .38, .26, .22, .2, .15, .09])
_SUNDAY = np.array([.06, .03, .02, .01, .01, .01, .02, .04, .09, .2, .42, .62, .72, .72, .66, .56, .4, .22,
                    .13, .09, .07, .05, .03, .02])
#: The night-time economy: late evening (Friday and Saturday) and the small hours after.
_LATE = np.array([0] * 19 + [.2, .45, .7, .8, .75])
_EARLY = np.array([.55, .3, .12, .04] + [0] * 20)
_DOW = np.array([0.90, 0.92, 0.95, 0.97, 1.06, 1.32, 0.62])
_SEASON = {
    # mid-month multipliers, Jan..Dec (Christmas is added day by day), one per footfall signature of the
    # Institute of Place Management (agora.analysis.footfall.classify_signature)
    "comparison": np.array([0.88, 0.9, 0.96, 1.0, 1.0, 0.99, 1.03, 1.04, 0.97, 0.98, 1.02, 1.12]),
    "speciality": np.array([0.88, 0.9, 0.95, 1.0, 1.03, 1.06, 1.14, 1.16, 1.01, 0.97, 1.0, 1.1]),
    "multifunctional": np.array([0.97, 0.97, 1.0, 1.0, 1.01, 1.0, 0.99, 0.99, 1.0, 1.01, 1.0, 0.99]),
    "holiday": np.array([0.52, 0.6, 0.72, 0.95, 1.1, 1.28, 1.68, 1.9, 1.22, 0.9, 0.62, 0.7]),
}
#: How much busier the run-up to Christmas gets (by 23 December), per signature.
_XMAS_LIFT = {"comparison": 0.7, "speciality": 0.45, "multifunctional": 0.08, "holiday": 0.35}


def _season(days: pd.DatetimeIndex, kind: str) -> np.ndarray:
    months = _SEASON[kind]
    doy = days.day_of_year.to_numpy()
    mid = np.arange(12) * 30.44 + 15.2
    base = np.interp(doy, np.r_[mid[-1] - 365.25, mid, mid[0] + 365.25], np.r_[months[-1], months, months[0]])
    xmas = np.ones(len(days))
    m, d = days.month.to_numpy(), days.day.to_numpy()
    lift = _XMAS_LIFT[kind]
    dec = (m == 12) & (d <= 23)
    xmas[dec] = 1 + lift * (d[dec] / 23) ** 1.2
    xmas[(m == 12) & (d == 24)] = 1 + lift * 0.6
    xmas[(m == 12) & (d == 25)] = 0.04
    xmas[(m == 12) & (d == 26)] = 0.55
    xmas[(m == 12) & (d >= 27)] = 0.9
    xmas[(m == 1) & (d == 1)] = 0.35
    return base * xmas


def _town_counts(town: Town, sites: list[tuple[str, float]], rng: np.random.Generator, n_days: int) -> pd.DataFrame:
    end = pd.Timestamp(FOOTFALL_END)
    days = pd.date_range(end=end, periods=n_days, freq="D")
    dow = days.day_of_week.to_numpy().copy()
    holiday = np.array([d.date() in BANK_HOLIDAYS for d in days])
    day_mult = _DOW[dow].copy()
    if town.market_day is not None:
        day_mult[dow == town.market_day] *= 1.38
    if town.seasonal == "holiday":
        day_mult[dow == 6] = 0.9
        day_mult[holiday] = 1.4
    else:
        day_mult[holiday] = 0.7
    years = (days - days[0]).days.to_numpy() / 365.25
    trend = (1 + town.footfall_trend) ** years
    weather = np.empty(n_days)
    e = 0.0
    for k in range(n_days):
        e = 0.6 * e + rng.normal(0, 0.07)
        weather[k] = e
    daily = day_mult * _season(days, town.seasonal) * trend * np.exp(weather)

    kind = np.where(holiday | (dow == 6), 2, np.where(dow == 5, 1, 0))
    shapes = np.stack([_WEEKDAY, _SATURDAY, _SUNDAY])
    hourly_shape = shapes[kind]  # (days, 24)
    late = np.isin(dow, [4, 5]) * town.night_economy * 1.2
    early = np.isin(dow, [5, 6]) * town.night_economy * 1.2
    hourly_shape = hourly_shape + late[:, None] * _LATE[None, :] + early[:, None] * _EARLY[None, :]
    if town.market_day is not None:
        md = dow == town.market_day
        hourly_shape[md, 8:15] *= 1.25
    xmas_eve = (days.month == 12) & (days.day == 24)
    hourly_shape[xmas_eve, 16:] *= 0.3

    stamps = pd.date_range(days[0], periods=n_days * 24, freq="h")
    out = []
    for site_id, scale in sites:
        site_noise = np.exp(rng.normal(0, 0.04, n_days))
        lam = town.footfall_peak * scale * (daily * site_noise)[:, None] * hourly_shape
        counts = rng.poisson(lam.ravel()).astype("float64")
        out.append(pd.DataFrame({"site_id": site_id, "timestamp": stamps, "count": counts}))
    return pd.concat(out, ignore_index=True)


def _faults(counts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Gaps (missing days; missing counts) and one run of zeros, like real counters have."""
    sites = counts["site_id"].unique().tolist()
    ts = counts["timestamp"]
    first, last = ts.min().normalize(), ts.max().normalize()
    n_days = (last - first).days + 1
    drop = np.zeros(len(counts), dtype=bool)
    for site in sites:
        if rng.random() < 0.55 and n_days > 20:
            start = first + pd.Timedelta(days=int(rng.integers(5, n_days - 10)))
            length = pd.Timedelta(days=int(rng.integers(1, 6)))
            drop |= (counts["site_id"] == site).to_numpy() & ((ts >= start) & (ts < start + length)).to_numpy()
    for site in rng.choice(sites, 2, replace=False):
        start = first + pd.Timedelta(days=int(rng.integers(3, max(4, n_days - 3))), hours=int(rng.integers(0, 24)))
        hit = (counts["site_id"] == site) & (ts >= start) & (ts < start + pd.Timedelta(hours=int(rng.integers(20, 52))))
        counts.loc[hit, "count"] = np.nan
    site = sites[int(rng.integers(len(sites)))]
    start = first + pd.Timedelta(days=int(rng.integers(3, max(4, n_days - 3))), hours=9)
    zero = (counts["site_id"] == site) & (ts >= start) & (ts < start + pd.Timedelta(hours=30))
    counts.loc[zero, "count"] = 0.0
    return counts.loc[~drop].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Assets
# --------------------------------------------------------------------------------------
def _asset_owner(kind: str, town: Town) -> str:
    t = town.name
    return {
        "library": "County council", "community_centre": f"{t} Community Trust", "church_hall": "Parochial church council",
        "scout_hut": f"{t} Scout Group", "church": "Church of England", "methodist": "Methodist Church",
        "rc_church": "Roman Catholic diocese", "mosque": f"{t} Islamic Society", "market": f"{t} Town Council",
        "market_hall": f"{t} Borough Council", "health_centre": "NHS Property Services",
        "dental": "NHS Property Services", "park": f"{t} Town Council", "gardens": f"{t} Town Council",
        "green": f"{t} Town Council", "toilets": f"{t} Town Council", "museum": f"{t} Museum Trust",
        "town_hall": f"{t} Town Council", "cinema": "Private owner", "leisure_centre": "District council",
        "pier": f"{t} Pier Trust", "lifeboat": "Lifeboat charity", "bandstand": f"{t} Town Council",
        "pub": "Pub company", "post_office": "Post Office franchisee",
    }[kind]


def _asset_geometry(town: Town, lines: dict[str, LineString], source: str, rng: np.random.Generator):
    """Where an asset stands, in BNG metres: an open market in its street, parks and greens
    behind the frontages, buildings just behind a street's shops."""
    if source == "marketplace":
        st = next((s for s in town.streets if "Market" in s.name), town.streets[0])
        line = lines[st.name]
        a, b = line.interpolate(0.3, normalized=True), line.interpolate(0.7, normalized=True)
        strip = LineString([a, b]).buffer(st.half_width - 5, cap_style="flat")
        return shapely.transform(strip, lambda xy: np.round(xy, 1))
    streets = shapely.union_all([lines[s.name].buffer(s.half_width + 6) for s in town.streets])
    for _ in range(50):
        st = town.streets[int(rng.integers(len(town.streets)))]
        line = lines[st.name]
        pos = rng.uniform(0.15, 0.85) * line.length
        c, ahead = line.interpolate(pos), line.interpolate(min(pos + 1, line.length))
        tx, ty = ahead.x - c.x, ahead.y - c.y
        norm = math.hypot(tx, ty)
        tx, ty = tx / norm, ty / norm
        side = st.sides[int(rng.integers(len(st.sides)))]
        if source in ("pier", "lifeboat_station"):
            # On the open side of the promenade (the first street), facing the sea.
            st, side = town.streets[0], -town.streets[0].sides[0]
            line = lines[st.name]
            pos = rng.uniform(0.3, 0.7) * line.length
            c, ahead = line.interpolate(pos), line.interpolate(pos + 1)
            tx, ty = ahead.x - c.x, ahead.y - c.y
            norm = math.hypot(tx, ty)
            tx, ty = tx / norm, ty / norm
        if source in ("park", "village_green"):
            w, h = rng.uniform(50, 110), rng.uniform(35, 70)
            d = st.half_width + 12 + h / 2
            cx, cy = c.x - ty * d * side, c.y + tx * d * side
            corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
            geom = Polygon([(cx + u * tx - v * ty, cy + u * ty + v * tx) for u, v in corners])
        else:
            d = st.half_width + rng.uniform(7, 20)
            geom = Point(c.x - ty * d * side, c.y + tx * d * side)
        if not geom.intersects(streets):
            return shapely.transform(geom, lambda xy: np.round(xy, 1))
    raise ValueError(f"{town.name}: no room for a {source}")


def _town_assets(town: Town, units: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The town's community assets; its pub and post office are units open at both surveys."""
    lines = street_lines(town)
    first = units[units["observed_on"] == units["observed_on"].min()]
    last = units[units["observed_on"] == units["observed_on"].max()]
    open_both = set(first.loc[first["status"] == "occupied", "unit_id"]) & set(
        last.loc[last["status"] == "occupied", "unit_id"])
    stable = first[first["unit_id"].isin(open_both)].set_index("unit_id")
    stable = stable[stable["name"].eq(last.set_index("unit_id").loc[stable.index, "name"])]
    rows = []
    for k, kind in enumerate(town.assets, start=1):
        row = {"asset_id": f"{town.centre_id}-a{k:02d}", "owner": _asset_owner(kind, town), "centre_id": town.centre_id}
        if kind in ("pub", "post_office"):
            value = "pub" if kind == "pub" else "post_office"
            pick = stable[(stable["source_category"] == value)
                          & (stable["brand"].isna() if kind == "pub" else True)].sort_index()
            unit = pick.iloc[int(rng.integers(len(pick)))]
            row.update(name=unit["name"], source_category=value, geometry=unit.geometry)
        else:
            source, tpl = ASSET_TEMPLATES[kind]
            geom = _asset_geometry(town, lines, source if kind != "market_hall" else "hall", rng)
            row.update(name=tpl.format(T=town.name), source_category=source,
                       geometry=_wgs(geom))
        row["category"] = _ASSET_CATEGORY.get(row["source_category"], "other")
        rows.append(row)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=DISPLAY_CRS)
    frame["acv_status"] = "none"
    frame["listed_on"] = pd.NaT
    frame["expires_on"] = pd.NaT
    # Assets of community value: a listing lasts five years. The town's best-loved pub is
    # listed (expiring within a year of ASSETS_AS_OF); a few others are listed or nominated.
    pubs = frame.index[frame["category"] == "pub"].tolist()
    others = frame.index[frame["category"].isin(["community_centre", "library", "green_space", "market", "other",
                                                 "post_office"])]
    chosen = pubs + sorted(rng.choice(others, min(len(others), int(rng.integers(1, 4))), replace=False).tolist())
    for j, i in enumerate(chosen):
        step = j % 3
        if step == 0:
            listed = ASSETS_AS_OF - timedelta(days=5 * 365 - int(rng.integers(20, 330)))
        elif step == 1:
            listed = ASSETS_AS_OF - timedelta(days=int(rng.integers(200, 1200)))
        else:
            frame.at[i, "acv_status"] = "nominated"
            continue
        frame.at[i, "acv_status"] = "listed"
        frame.at[i, "listed_on"] = pd.Timestamp(listed)
        frame.at[i, "expires_on"] = pd.Timestamp(listed) + pd.DateOffset(years=5)
    return frame


def _wgs(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_WGS.transform(xy[:, 0], xy[:, 1])))


# --------------------------------------------------------------------------------------
# Putting it together
# --------------------------------------------------------------------------------------
@dataclass
class Demo:
    """The demo layers, as the loaders returned them."""

    results: dict[str, LoadResult]

    def layer(self, name: str) -> pd.DataFrame:
        return self.results[name].data


def _loaded(result: LoadResult, what: str) -> LoadResult:
    if result.report.rows_rejected or result.report.outside_centres:
        raise RuntimeError(f"demo {what}: the loader rejected rows: {result.report.summary()}")
    return result


def generate(seed: int = DEFAULT_SEED, *, footfall_days: int = FOOTFALL_DAYS) -> Demo:
    """Make the demo towns.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same towns.
    footfall_days : int
        Days of hourly footfall, ending on :data:`FOOTFALL_END` (730 = two years).

    Returns
    -------
    Demo
        One :class:`~agora.loaders.report.LoadResult` per layer.
    """
    rng = np.random.default_rng(seed)
    namer = _Namer(rng)
    centre_rows, unit_frames, site_rows, count_frames = [], [], [], []
    for town in TOWNS:
        units, polygon = _town_units(town, rng, namer)
        unit_frames.append(units)
        centre_rows.append({"centre_id": town.centre_id, "name": town.name, "population": town.population,
                            "region": town.region, "typology": town.typology, "source": SOURCE,
                            "geometry": polygon})
        lines = street_lines(town)
        sites = []
        for k, (street, frac, label, scale) in enumerate(town.sites, start=1):
            p = lines[street].interpolate(frac, normalized=True)
            site_id = f"{town.centre_id}-ff{k}"
            site_rows.append({"site_id": site_id, "name": f"{town.name} {label}", "easting": round(p.x, 1),
                              "northing": round(p.y, 1), "source": SOURCE})
            sites.append((site_id, scale))
        count_frames.append(_town_counts(town, sites, rng, footfall_days))

    centres = _loaded(load(gpd.GeoDataFrame(centre_rows, geometry="geometry", crs=BNG_CRS), "centres",
                           filename="demo centres"), "centres")
    all_units = pd.concat(unit_frames, ignore_index=True)
    all_units["source"] = SOURCE
    all_units["ownership"] = all_units["ownership"].astype("string")
    parts = []
    for when in SURVEY_DATES:
        # One load per survey: a unit appears once in each survey.
        survey = all_units[all_units["observed_on"] == when.isoformat()].reset_index(drop=True)
        parts.append(_loaded(load(survey, "units", centres=centres.data, filename=f"demo units {when}"), "units"))
    units_data = pd.concat([p.data for p in parts], ignore_index=True)
    units_data = gpd.GeoDataFrame(units_data, geometry="geometry", crs=DISPLAY_CRS)
    report = LoadReport(file="demo units", layer="units", crs=parts[0].report.crs,
                        rows_read=sum(p.report.rows_read for p in parts), rows_kept=len(units_data),
                        columns=parts[0].report.columns, notes=[n for p in parts for n in p.report.notes])
    units = LoadResult(data=units_data, report=report)

    sites = _loaded(load(pd.DataFrame(site_rows), "footfall_sites", centres=centres.data,
                         filename="demo footfall sites"), "footfall sites")
    counts = _faults(pd.concat(count_frames, ignore_index=True), rng)
    counts["interval"] = "hour"
    counts["direction"] = "total"
    counts["factored"] = False
    counts = _loaded(load(counts, "footfall_counts", filename="demo footfall"), "footfall counts")

    asset_frames = [
        _town_assets(town, units_data[units_data["centre_id"] == town.centre_id], rng) for town in TOWNS
    ]
    assets = _loaded(load(pd.concat(asset_frames, ignore_index=True).pipe(gpd.GeoDataFrame, crs=DISPLAY_CRS)
                          .assign(source=SOURCE), "assets", centres=centres.data, filename="demo assets"),
                     "assets")
    return Demo({"centres": centres, "units": units, "footfall_sites": sites, "footfall_counts": counts,
                 "assets": assets})


def _canonical(data: pd.DataFrame, name: str) -> pd.DataFrame:
    spec = LAYERS[name]
    out = conform(data, spec)
    cols = list(spec.columns) + (["geometry"] if spec.geometry else [])
    out = out[cols]
    if name == "footfall_counts":
        out = out.assign(count=out["count"].astype("Int32"))
    return out


def write(demo: Demo, out: Path) -> dict[str, Path]:
    """Write each layer as ``<out>/<layer>.parquet`` (GeoParquet when it has geometry)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, result in demo.results.items():
        table = _canonical(result.data, name)
        path = out / f"{name}.parquet"
        if isinstance(table, gpd.GeoDataFrame):
            table.to_parquet(path, index=False, compression="zstd", schema_version="1.0.0")
        else:
            table.to_parquet(path, index=False, compression="zstd")
        paths[name] = path
    return paths


def summary(units: pd.DataFrame, centres: pd.DataFrame) -> pd.DataFrame:
    """Units, vacancy rate per survey and chain share per town."""
    rows = []
    for _, c in centres.iterrows():
        u = units[units["centre_id"] == c["centre_id"]]
        row = {"town": c["name"], "typology": c["typology"], "units": u["unit_id"].nunique()}
        for when, grp in u.groupby("observed_on"):
            known = grp[grp["status"].isin(["occupied", "vacant"])]
            row[f"vacancy {when:%Y-%m-%d}"] = round(float((known["status"] == "vacant").mean()), 3)
        occ = u[(u["status"] == "occupied") & (u["observed_on"] == u["observed_on"].max())]
        row["chain share"] = round(float(occ["brand"].notna().mean()), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agora.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write (default data/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--footfall-days", type=int, default=FOOTFALL_DAYS,
                        help=f"days of hourly footfall ending {FOOTFALL_END} (default {FOOTFALL_DAYS})")
    args = parser.parse_args(argv)
    demo = generate(args.seed, footfall_days=args.footfall_days)
    paths = write(demo, args.out)
    for name, path in paths.items():
        print(f"{path}  {len(demo.layer(name)):>8,} rows  {path.stat().st_size / 1e6:6.2f} MB")
    print(summary(demo.layer("units"), demo.layer("centres")).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
