"""The places and events of the synthetic Toronto world (data only).

Coordinates are real (WGS84 degrees, from memory of the city's map and
accurate to a few tens of metres for the major landmarks; checked
against published coordinates where they were at hand). Weights are
relative photo densities; ``views`` multiplies a viewpoint's typical views,
so rare but admired viewpoints (Polson Pier, Humber Bay Park East) carry
high values: exactly the spots SnapAssist's ranking should surface. Some
admired viewpoints lie about a kilometre from their subject with a thin
trail of photos leading there (``Viewpoint.trail``), as Dresden's Canaletto
view lies across the Elbe from the Frauenkirche. The tags, titles and owner
names are in ``words``.
"""
from dataclasses import dataclass, field

import numpy as np

from .dates import MONDAY, SATURDAY, SUNDAY, Yearly

# Shot kinds: each sets the hour of day, some tags and the camera exposure.
DAY, SUNSET, NIGHT, SUNRISE, INDOOR = range(5)
KIND_NAMES = ("day", "sunset", "night", "sunrise", "indoor")

# Local sunrise and sunset hours in Toronto around the middle of each month
# (daylight saving time included), Jan..Dec.
SUNRISE_HOUR = (7.80, 7.35, 7.20, 6.70, 6.00, 5.65, 5.85, 6.40, 7.00, 7.55, 7.10, 7.65)
SUNSET_HOUR = (17.15, 17.75, 19.05, 19.95, 20.50, 20.95, 20.90, 20.35, 19.45, 18.50, 16.95, 16.75)

# Relative share of photos taken in each month, Jan..Dec.
MONTH_WEIGHTS = (6, 6, 7, 8, 9, 10, 11, 11, 10, 9, 6, 7)
# The scrape ended here (UTC): no photo is taken or uploaded later.
SCRAPE_END = np.datetime64("2025-10-31T23:59:59")
# The last local time a photo can be taken at: Toronto is up to 5 h behind UTC.
LAST_TAKEN = SCRAPE_END - np.timedelta64(5, "h")
# Years photos were taken in, weighted like Flickr's rise and decline.
YEARS = tuple(range(2006, 2026))
YEAR_WEIGHTS = (2, 4, 6, 7, 8, 9, 10, 10, 10, 9, 8, 7, 6, 5, 3, 3, 3, 3, 3, 2)


@dataclass(frozen=True)
class Viewpoint:
    """A real spot photos of a subject are taken from.

    ``trail`` (a weight like ``weight``) adds photos of the subject taken on
    the way from its first viewpoint to this one, through the ``via``
    waypoints ((lat, lon) pairs): people photographing as they walk. Those
    photos belong to no viewpoint.
    """

    label: str
    lat: float
    lon: float
    weight: float = 1.0
    spread_m: float = 60.0
    views: float = 1.0
    tags: str = ""
    trail: float = 0.0
    via: tuple = ()


@dataclass(frozen=True)
class Subject:
    """Something photographed: a landmark with viewpoints, or a background theme.

    ``joined`` are the one-word tags of the subject (``cntower``), ``words``
    its name as separate tags (``cn tower``); ``extra`` are ``(tags, p)``
    co-tags; ``kinds`` the probability of each shot kind; ``window`` an
    event's ``(first_day, n_days, p)``: a share ``p`` of the photos is taken
    in the ``n_days`` from ``first_day`` (a ``dates.Yearly``: the day moves
    with the year); ``months`` limits the season of the other photos.
    """

    key: str
    name: str
    weight: float
    joined: tuple
    words: str = ""
    extra: tuple = ()
    kinds: tuple = (0.75, 0.15, 0.10, 0.0, 0.0)
    cherry: float = 0.0
    winter: float = 0.0
    window: tuple = None
    months: tuple = None
    viewpoints: tuple = field(default_factory=tuple)
    titles: tuple = ()


V = Viewpoint
_SKY = (0.35, 0.35, 0.25, 0.05, 0.0)   # skyline viewpoints: many sunsets and nights
_IN = (0.15, 0.0, 0.05, 0.0, 0.80)     # mostly indoors

LANDMARKS = (
    Subject("cntower", "CN Tower", 14, ("cntower",), "cn tower",
            (("tower", .25), ("architecture", .2), ("torontoskyline", .08), ("landmark", .1)),
            kinds=(0.55, 0.18, 0.27, 0.0, 0.0),
            viewpoints=(
                V("its base", 43.6426, -79.3871, 40, 80, 0.55),
                V("Roundhouse Park", 43.6413, -79.3848, 8, 50, 0.9, "roundhouse"),
                V("Centre Island", 43.6227, -79.3760, 12, 110, 1.8, "skyline torontoislands centreisland lake"),
                V("Polson Pier", 43.6396, -79.3548, 3, 55, 3.6, "skyline polsonpier"),
                V("Humber Bay Park", 43.6237, -79.4737, 4, 90, 2.6, "skyline humberbay humberbayshores"),
                V("Riverdale Park", 43.6700, -79.3527, 4, 70, 2.3, "skyline riverdale"),
                V("Trillium Park", 43.6288, -79.4123, 3, 70, 2.1, "skyline ontarioplace trilliumpark"),
                V("HTO Park", 43.6384, -79.3878, 6, 60, 1.0, "harbourfront waterfront"),
                # Over the rail lands, the tower behind the trains; reached
                # along Front Street.
                V("the Bathurst Street bridge", 43.6397, -79.4010, 0.5, 45, 2.4,
                  "skyline bathurststreetbridge railway trains", trail=1.2,
                  via=((43.6440, -79.3905), (43.6428, -79.3965))),
            ),
            titles=("Toronto skyline", "The tower", "CN Tower at dusk", "Canada's National Tower")),
    Subject("nathanphillips", "Nathan Phillips Square", 7, ("nathanphillipssquare", "cityhall"),
            "nathan phillips square",
            (("torontosign", .3), ("toronto sign", .1), ("architecture", .2), ("skating", .08)),
            winter=0.3,
            viewpoints=(
                V("the Toronto sign", 43.6524, -79.3836, 10, 35, 1.0, "torontosign"),
                V("City Hall", 43.6534, -79.3841, 6, 55, 1.0, "newcityhall"),
                V("Old City Hall", 43.6524, -79.3818, 2, 35, 1.2, "oldcityhall"),
            ),
            titles=("City Hall", "TORONTO", "The sign")),
    Subject("casaloma", "Casa Loma", 5, ("casaloma",), "casa loma",
            (("castle", .5), ("architecture", .3), ("gardens", .1)),
            kinds=(0.6, 0.1, 0.05, 0.0, 0.25),
            viewpoints=(
                V("the castle", 43.6780, -79.4094, 8, 55, 1.0),
                V("the Baldwin Steps", 43.6766, -79.4075, 2, 30, 1.8, "baldwinsteps stairs"),
            ),
            titles=("The castle", "Casa Loma, Toronto's castle")),
    Subject("distillery", "Distillery District", 6, ("distillerydistrict",), "distillery district",
            (("distillery", .5), ("architecture", .2), ("brick", .15), ("christmasmarket", .1)),
            winter=0.25,
            viewpoints=(
                V("Trinity Street", 43.6503, -79.3596, 10, 65, 1.0),
                V("Tank House Lane", 43.6500, -79.3587, 3, 35, 1.3, "tankhouselane"),
            ),
            titles=("Distillery", "Gooderham & Worts")),
    Subject("graffitialley", "Graffiti Alley", 5, ("graffitialley",), "graffiti alley",
            (("graffiti", .8), ("streetart", .7), ("rushlane", .2), ("queenwest", .3), ("mural", .2)),
            kinds=(0.9, 0.05, 0.05, 0.0, 0.0),
            viewpoints=(
                V("Rush Lane", 43.6483, -79.3988, 6, 60, 1.0),
                V("Spadina end", 43.6486, -79.3967, 3, 40, 1.1),
            ),
            titles=("Graffiti", "Rush Lane", "Street art")),
    Subject("kensington", "Kensington Market", 5, ("kensingtonmarket",), "kensington market",
            (("kensington", .5), ("market", .3), ("café", .12), ("vintage", .1), ("streetart", .15)),
            kinds=(0.85, 0.05, 0.05, 0.0, 0.05),
            viewpoints=(
                V("Augusta Avenue", 43.6550, -79.4020, 8, 100, 1.0),
                V("Kensington Avenue", 43.6541, -79.4003, 4, 60, 1.1),
            ),
            titles=("Café in Kensington", "Kensington", "Market day")),
    Subject("stlawrence", "St. Lawrence Market", 4, ("stlawrencemarket",), "st lawrence market",
            (("market", .5), ("food", .4), ("oldtown", .1)),
            kinds=(0.35, 0.05, 0.05, 0.0, 0.55),
            viewpoints=(
                V("the market hall", 43.6487, -79.3716, 8, 45, 1.0),
                V("the Flatiron", 43.6484, -79.3741, 4, 35, 1.6, "flatiron gooderhambuilding"),
            ),
            titles=("Crème brûlée at St. Lawrence", "Peameal bacon")),
    Subject("rom", "Royal Ontario Museum", 4, ("rom", "royalontariomuseum"), "royal ontario museum",
            (("museum", .6), ("crystal", .2), ("dinosaur", .15)), kinds=_IN,
            viewpoints=(V("the Crystal", 43.6677, -79.3948, 8, 45, 1.0),),
            titles=("ROM", "The Crystal")),
    Subject("ago", "Art Gallery of Ontario", 3, ("ago", "artgalleryofontario"), "art gallery",
            (("museum", .5), ("gehry", .2), ("staircase", .2)), kinds=_IN,
            viewpoints=(V("Dundas Street", 43.6536, -79.3925, 8, 45, 1.0),
                        V("Grange Park", 43.6525, -79.3924, 2, 40, 1.1, "grangepark")),
            titles=("AGO", "Gehry's staircase")),
    Subject("unionstation", "Union Station", 4, ("unionstation",), "union station",
            (("train", .4), ("ttc", .2), ("gotransit", .2), ("architecture", .3)),
            kinds=(0.4, 0.05, 0.1, 0.0, 0.45),
            viewpoints=(V("Front Street", 43.6453, -79.3806, 8, 60, 1.0),),
            titles=("Union", "Waiting for the train")),
    Subject("bluffs", "Scarborough Bluffs", 4, ("scarboroughbluffs",), "scarborough bluffs",
            (("bluffs", .5), ("lakeontario", .4), ("beach", .3), ("cliffs", .2), ("scarborough", .5)),
            kinds=(0.55, 0.1, 0.05, 0.3, 0.0),
            viewpoints=(V("Bluffer's Park", 43.7068, -79.2330, 8, 140, 1.3, "blufferspark"),
                        V("the Brimley lookout", 43.7082, -79.2388, 2, 50, 2.4, "lookout")),
            titles=("The Bluffs", "Lake Ontario")),
    Subject("highpark", "High Park", 7, ("highpark",), "high park",
            (("park", .4), ("nature", .2), ("autumn", .1)), cherry=0.5,
            viewpoints=(V("the cherry grove", 43.6470, -79.4655, 10, 70, 1.3),
                        V("Grenadier Pond", 43.6440, -79.4695, 3, 90, 1.0, "grenadierpond pond"),
                        V("Hillside Gardens", 43.6462, -79.4630, 3, 70, 1.0, "gardens")),
            titles=("Sakura", "Spring in High Park")),
    Subject("humberbridge", "Humber Bay Arch Bridge", 4, ("humberbayarchbridge", "humberbaybridge"),
            "humber bridge", (("bridge", .6), ("humberriver", .2), ("lake", .2)),
            kinds=(0.4, 0.35, 0.2, 0.05, 0.0),
            viewpoints=(V("the river mouth", 43.6319, -79.4712, 6, 55, 1.5),
                        # Across the bay, along the Humber Bay Shores path.
                        V("Humber Bay Park East", 43.6243, -79.4742, 0.2, 45, 3.0,
                          "humberbaypark lake skyline", trail=0.35, via=((43.6298, -79.4748),))),
            titles=("The arch bridge", "Humber Bay")),
    Subject("islands", "Toronto Islands", 4, ("torontoislands", "torontoisland"), "toronto island",
            (("ferry", .2), ("beach", .2), ("lake", .3), ("summer", .2)),
            months=(5, 6, 7, 8, 9),
            viewpoints=(V("Centreville", 43.6210, -79.3755, 6, 180, 1.0, "centreisland"),
                        V("Gibraltar Point", 43.6133, -79.3849, 2, 80, 1.6, "lighthouse gibraltarpoint"),
                        V("the ferry terminal", 43.6403, -79.3755, 3, 60, 1.0, "ferry ferrydocks")),
            titles=("Island life", "On the ferry")),
    Subject("sugarbeach", "Sugar Beach", 3, ("sugarbeach",), "sugar beach",
            (("umbrellas", .3), ("pink", .3), ("redpath", .2), ("beach", .4)),
            months=(5, 6, 7, 8, 9, 10),
            viewpoints=(V("the pink umbrellas", 43.6430, -79.3674, 6, 55, 1.2),),
            titles=("Pink umbrellas",)),
    Subject("rogerscentre", "Rogers Centre", 4, ("rogerscentre", "skydome"), "rogers centre",
            (("bluejays", .5), ("baseball", .5), ("mlb", .2)),
            kinds=(0.55, 0.1, 0.35, 0.0, 0.0), months=(4, 5, 6, 7, 8, 9),
            viewpoints=(V("the stands", 43.6414, -79.3894, 8, 75, 0.9),),
            titles=("Go Jays Go!", "Ball game")),
    Subject("yongedundas", "Yonge-Dundas Square", 5, ("yongedundassquare", "dundassquare"),
            "yonge dundas square", (("billboards", .3), ("lights", .3), ("crowd", .15)),
            kinds=(0.5, 0.05, 0.45, 0.0, 0.0),
            viewpoints=(V("the square", 43.6561, -79.3802, 8, 45, 1.0),
                        V("the Eaton Centre", 43.6544, -79.3807, 3, 50, 0.8, "eatoncentre mall")),
            titles=("Toronto's Times Square", "Dundas Square")),
    Subject("harbourfront", "Harbourfront", 4, ("harbourfront", "harbourfrontcentre"), "",
            (("queensquay", .3), ("waterfront", .5), ("lake", .3), ("boats", .2)),
            viewpoints=(V("Harbourfront Centre", 43.6387, -79.3817, 8, 90, 1.0),
                        V("the Music Garden", 43.6368, -79.3955, 2, 55, 1.2, "musicgarden garden"),
                        V("the WaveDeck", 43.6397, -79.3836, 2, 40, 1.3, "wavedeck")),
            titles=("Queens Quay", "By the lake")),
    Subject("riverdale", "Riverdale Park", 3, ("riverdalepark",), "riverdale park",
            (("skyline", .6), ("donvalley", .2), ("park", .2)), kinds=_SKY,
            viewpoints=(V("Broadview hill", 43.6700, -79.3527, 4, 70, 2.0, "riverdaleparkeast"),
                        V("Riverdale Farm", 43.6673, -79.3615, 2, 60, 0.9, "farm animals")),
            titles=("View from Broadview",)),
    Subject("allangardens", "Allan Gardens", 3, ("allangardens",), "allan gardens",
            (("conservatory", .5), ("greenhouse", .3), ("flowers", .4), ("plants", .2)),
            kinds=(0.35, 0.0, 0.0, 0.0, 0.65),
            viewpoints=(V("the Palm House", 43.6616, -79.3746, 6, 45, 1.0),),
            titles=("Palm House", "Conservatory")),
    Subject("brickworks", "Evergreen Brick Works", 3, ("evergreenbrickworks", "brickworks"), "brick works",
            (("evergreen", .5), ("farmersmarket", .2), ("donvalley", .2), ("industrial", .3)),
            viewpoints=(V("the kilns", 43.6845, -79.3653, 5, 90, 1.0),
                        V("the quarry lookout", 43.6868, -79.3665, 1, 50, 2.2, "lookout skyline")),
            titles=("Brick Works",)),
    Subject("leslieville", "Leslieville", 2, ("leslieville",), "",
            (("queenstreeteast", .3), ("brunch", .1), ("streetcar", .2)),
            viewpoints=(V("Queen and Leslie", 43.6631, -79.3325, 4, 220, 1.0),),
            titles=("Queen East",)),
    Subject("chinatown", "Chinatown", 3, ("chinatown",), "",
            (("spadina", .4), ("food", .2), ("多伦多", .05), ("唐人街", .05)),
            viewpoints=(V("Spadina and Dundas", 43.6529, -79.3981, 6, 110, 1.0),),
            titles=("唐人街 Chinatown", "Spadina Avenue")),
    Subject("uoft", "University of Toronto", 3, ("uoft", "universityoftoronto"), "university",
            (("campus", .3), ("universitycollege", .2), ("architecture", .2)), cherry=0.12,
            viewpoints=(V("King's College Circle", 43.6623, -79.3953, 4, 110, 1.0),
                        V("Robarts Library", 43.6644, -79.3996, 2, 55, 1.1, "robarts")),
            titles=("Campus", "U of T")),
    Subject("bellwoods", "Trinity Bellwoods Park", 2, ("trinitybellwoods",), "trinity bellwoods",
            (("park", .4), ("picnic", .1), ("whitesquirrel", .1)), cherry=0.12,
            viewpoints=(V("the park", 43.6474, -79.4136, 4, 120, 1.0),),
            titles=("Bellwoods",)),
    Subject("queenspark", "Queen's Park", 2, ("queenspark", "ontariolegislature"), "queens park",
            (("legislature", .3), ("architecture", .3)),
            viewpoints=(V("the Legislature", 43.6624, -79.3918, 4, 70, 1.0),
                        # The Legislature closing the vista up University Avenue.
                        V("University Avenue", 43.6513, -79.3872, 0.17, 45, 2.2,
                          "universityavenue", trail=0.3)),
            titles=("The Pink Palace",)),
    Subject("viaduct", "Prince Edward Viaduct", 2, ("bloorviaduct", "princeedwardviaduct"), "bloor viaduct",
            (("bridge", .5), ("luminousveil", .3), ("donvalley", .3)), kinds=_SKY,
            viewpoints=(V("the Don Valley", 43.6754, -79.3631, 3, 90, 1.4),),
            titles=("Luminous Veil",)),
    Subject("woodbine", "Woodbine Beach", 3, ("woodbinebeach",), "woodbine beach",
            (("beach", .6), ("thebeaches", .3), ("lake", .3), ("volleyball", .1)),
            kinds=(0.55, 0.05, 0.05, 0.35, 0.0),
            viewpoints=(V("the sand", 43.6625, -79.3065, 5, 150, 1.0),
                        V("the Leuty lifeguard station", 43.6637, -79.2977, 2, 40, 1.8, "leuty lifeguard")),
            titles=("Morning at the beach",)),
    Subject("aquarium", "Ripley's Aquarium", 3, ("ripleysaquarium",), "aquarium",
            (("fish", .4), ("jellyfish", .3), ("shark", .2)), kinds=(0.05, 0, 0, 0, 0.95),
            viewpoints=(V("the tanks", 43.6424, -79.3860, 6, 35, 0.8),),
            titles=("Jellies", "Under the sea")),
    Subject("cne", "Canadian National Exhibition", 2, ("cne", "exhibitionplace"), "the ex",
            (("midway", .3), ("ferriswheel", .3), ("rides", .2)),
            kinds=(0.6, 0.15, 0.25, 0.0, 0.0), # The Ex's 18 days end on Labour Day.
            window=(Yearly("nth_weekday", (9, MONDAY, 1), -17), 18, 0.75),
            viewpoints=(V("the midway", 43.6336, -79.4186, 4, 180, 1.0),
                        V("the Princes' Gates", 43.6346, -79.4105, 1, 45, 1.4, "princesgates")),
            titles=("At the Ex",)),
    Subject("caribana", "Caribbean Carnival", 1.5, ("caribana", "torontocaribbeancarnival"), "carnival",
            (("costume", .4), ("parade", .4), ("festival", .3)),
            kinds=(0.95, 0.05, 0, 0, 0),
            # Its last ten days, to the Civic Holiday (the first Monday of August).
            window=(Yearly("nth_weekday", (8, MONDAY, 1), -9), 10, 0.95),
            viewpoints=(V("Lake Shore Boulevard", 43.6330, -79.4240, 3, 280, 1.3),),
            titles=("Caribana parade",)),
    Subject("pride", "Pride Toronto", 1.5, ("pridetoronto", "pride"), "pride parade",
            (("lgbt", .4), ("rainbow", .4), ("parade", .3)),
            kinds=(0.9, 0.05, 0.05, 0, 0),
            # The festival's last nine days, to the parade on the last Sunday of June.
            window=(Yearly("nth_weekday", (6, SUNDAY, -1), -8), 9, 0.9),
            viewpoints=(V("Church and Wellesley", 43.6652, -79.3807, 3, 150, 1.2, "churchstreet"),),
            titles=("Happy Pride!",)),
    Subject("nuitblanche", "Nuit Blanche", 1.5, ("nuitblanche",), "nuit blanche",
            (("art", .4), ("installation", .4), ("nuitblanchetoronto", .2)),
            kinds=(0, 0, 1.0, 0, 0),
            # One night: the first Saturday of October.
            window=(Yearly("nth_weekday", (10, SATURDAY, 1)), 1, 1.0),
            viewpoints=(V("Nathan Phillips Square", 43.6525, -79.3838, 3, 150, 1.2),
                        V("the Eaton Centre", 43.6544, -79.3807, 1, 120, 1.0)),
            titles=("Nuit Blanche installation",)),
    Subject("tiff", "Toronto International Film Festival", 1.5, ("tiff", "torontofilmfestival"),
            "film festival", (("redcarpet", .2), ("celebrity", .2), ("kingstreet", .3)),
            kinds=(0.5, 0.05, 0.45, 0, 0),
            # Eleven days from the Thursday after Labour Day.
            window=(Yearly("nth_weekday", (9, MONDAY, 1), 3), 11, 0.8),
            viewpoints=(V("the Lightbox", 43.6466, -79.3904, 3, 80, 1.3),),
            titles=("Red carpet",)),
    Subject("wonderland", "Canada's Wonderland", 1.5, ("canadaswonderland", "wonderland"), "",
            (("rollercoaster", .4), ("themepark", .3), ("vaughan", .3)),
            months=(5, 6, 7, 8, 9, 10),
            viewpoints=(V("the rides", 43.8430, -79.5395, 3, 250, 1.0),),
            titles=("Roller coasters",)),
    Subject("celebrationsquare", "Celebration Square", 1.2, ("celebrationsquare", "mississauga"),
            "celebration square", (("cityhall", .2), ("skyline", .2)),
            viewpoints=(V("Mississauga City Hall", 43.5890, -79.6425, 3, 110, 1.0),),
            titles=("Mississauga",)),
    Subject("agakhan", "Aga Khan Museum", 1.2, ("agakhanmuseum",), "aga khan museum",
            (("museum", .5), ("islamicart", .2), ("architecture", .3)), kinds=(0.6, 0, 0, 0, 0.4),
            viewpoints=(V("the courtyard", 43.7253, -79.3321, 3, 70, 1.1),),
            titles=("Aga Khan",)),
    Subject("edwards", "Edwards Gardens", 1.2, ("edwardsgardens", "torontobotanicalgarden"),
            "edwards gardens", (("garden", .5), ("flowers", .5), ("nature", .2)),
            months=(4, 5, 6, 7, 8, 9, 10),
            viewpoints=(V("the gardens", 43.7335, -79.3589, 3, 120, 1.0),),
            titles=("Flowers",)),
    Subject("sunnyside", "Sunnyside", 1.2, ("sunnyside", "sunnysidebeach"), "",
            (("beach", .4), ("lake", .4), ("pavilion", .2)), kinds=_SKY,
            viewpoints=(V("the pavilion", 43.6374, -79.4550, 3, 90, 1.1),),
            titles=("Sunnyside",)),
    Subject("easterparade", "Beaches Easter Parade", 1.2, ("beacheseasterparade", "easterparade"),
            "easter parade", (("easter", .6), ("thebeaches", .4), ("parade", .4), ("queenstreeteast", .2)),
            kinds=(0.95, 0.05, 0, 0, 0), months=(3, 4),
            # Easter Sunday afternoon, on Queen Street East.
            window=(Yearly("easter"), 1, 0.9),
            viewpoints=(V("Queen Street East", 43.6717, -79.2965, 3, 200, 1.1, "queenstreet"),),
            titles=("Easter parade", "Easter bonnets")),
    Subject("lunarnewyear", "Lunar New Year", 1.2, ("lunarnewyear", "chinesenewyear"),
            "lunar new year", (("liondance", .5), ("chinatown", .5), ("dragondance", .2),
                               ("firecrackers", .1), ("新年", .05)),
            kinds=(0.85, 0.05, 0.1, 0, 0), months=(1, 2),
            # Its eve, its first day and the day after, in Chinatown.
            window=(Yearly("lunar_new_year", (), -1), 3, 0.85),
            viewpoints=(V("Spadina Avenue", 43.6535, -79.3984, 3, 120, 1.2, "spadina"),),
            titles=("Lion dance", "Happy Lunar New Year", "新年快乐")),
    Subject("victoriaday", "Victoria Day fireworks", 1.2, ("victoriadayfireworks", "victoriaday"),
            "fireworks", (("fireworks", .6), ("may24", .2), ("longweekend", .1)),
            kinds=(0, 0, 1.0, 0, 0), months=(5,),
            # The Monday before May 25, over the lake at Ashbridge's Bay.
            window=(Yearly("weekday_before", (5, 25, MONDAY)), 1, 0.95),
            viewpoints=(V("Ashbridge's Bay", 43.6614, -79.3120, 3, 150, 1.3, "ashbridgesbay"),),
            titles=("Fireworks", "May two-four")),
)

# Background themes: photographed anywhere, over the sparse background.
THEMES = (
    Subject("street", "Street", 6, ("street",), "", (("streetphotography", .5), ("people", .3), ("urban", .4), ("city", .3))),
    Subject("architecture", "Architecture", 4, ("architecture",), "", (("building", .4), ("condo", .2), ("glass", .1))),
    Subject("nature", "Nature", 4, ("nature",), "", (("tree", .3), ("park", .3), ("autumn", .2), ("leaves", .2))),
    Subject("birds", "Birds", 2, ("bird", "birds"), "", (("wildlife", .5), ("heron", .1), ("cardinal", .1))),
    Subject("food", "Food", 3, ("food",), "", (("dinner", .3), ("restaurant", .3), ("yum", .1)), kinds=_IN),
    Subject("cars", "Cars", 1.5, ("car",), "", (("cars", .5), ("carshow", .2))),
    Subject("snow", "Snow", 1.5, ("snow",), "", (("winter", .7), ("cold", .2)), months=(12, 1, 2, 3)),
    Subject("dogs", "Dogs", 1.5, ("dog",), "", (("pets", .4), ("puppy", .2))),
    Subject("streetcar", "Streetcar", 1.5, ("streetcar", "ttc"), "", (("transit", .4), ("tram", .2))),
    Subject("graffiti", "Graffiti", 1.5, ("graffiti",), "", (("streetart", .6), ("mural", .3))),
    Subject("flowers", "Flowers", 1.5, ("flowers",), "", (("garden", .4), ("macro", .2)), months=(5, 6, 7, 8)),
    Subject("concert", "Concert", 1.2, ("concert",), "", (("music", .5), ("live", .3)), kinds=(0, 0, 0.3, 0, 0.7)),
    Subject("portrait", "Portrait", 1.5, ("portrait",), "", (("wedding", .2), ("model", .2)), kinds=(0.6, 0.2, 0, 0, 0.2)),
)

# Districts: tag, real centre, synthetic Flickr place id and WOEID.
DISTRICTS = (
    ("downtown", 43.6532, -79.3832, "zjRUrLFWULwU9q.Z", "4118"),
    ("etobicoke", 43.6205, -79.5132, "dQdJxgBQUL1oKmq2", "23400824"),
    ("northyork", 43.7615, -79.4111, "k5eYnLFWU7Im7ZPN", "23400834"),
    ("scarborough", 43.7764, -79.2318, "mq4w4TpWU7.sBVGl", "23400843"),
    ("eastyork", 43.6910, -79.3280, "sQ2VY3dQVbgqNqpR", "23400821"),
    ("york", 43.6896, -79.4874, "TvyQJ4VQV7mYkY.e", "23400855"),
    ("mississauga", 43.5890, -79.6441, "nuijOr5QVLJAVnGd", "4067"),
    ("vaughan", 43.8361, -79.4983, "C6OJqApQV7pJ5lXC", "29375164"),
    ("markham", 43.8561, -79.3370, "x2g.WwBQV7KLM9ti", "4043"),
    ("brampton", 43.7315, -79.7624, "ZLaC5QFQVbx9D0O_", "3444"),
    ("richmondhill", 43.8828, -79.4403, "2M9uNjFQVbLh8Fmd", "4087"),
)

# Lake Ontario's shore as (longitude, latitude): land lies north of it.
SHORE_LON = (-79.80, -79.67, -79.63, -79.585, -79.54, -79.50, -79.475, -79.45, -79.42,
             -79.40, -79.38, -79.36, -79.34, -79.32, -79.30, -79.28, -79.26, -79.24,
             -79.22, -79.20, -79.17)
SHORE_LAT = (43.40, 43.44, 43.49, 43.548, 43.585, 43.600, 43.625, 43.632, 43.630,
             43.635, 43.637, 43.640, 43.635, 43.650, 43.663, 43.672, 43.685, 43.700,
             43.715, 43.735, 43.755)
# The Toronto Islands (south, west, north, east): land south of the shore.
ISLANDS_BOX = (43.610, -79.398, 43.632, -79.345)

# Where the background crowds: downtown.
DOWNTOWN = (43.6480, -79.3810)
