"""The words of the synthetic Toronto world: tags, titles and owner names (data only).

Tag lists are ``(tag, p)``: the tag (one word, or words each added as a
tag) and the share of the photos it is added to.
"""
from .places import DAY, INDOOR, NIGHT, SUNRISE, SUNSET

COTAGS = (("toronto", .78), ("ontario", .45), ("canada", .5), ("to", .04), ("the6ix", .03),
          ("gta", .05), ("city", .12))
KIND_TAGS = {
    DAY: (("bluesky", .05), ("summer", .08)),
    SUNSET: (("sunset", .85), ("goldenhour", .2), ("dusk", .15), ("clouds", .2)),
    NIGHT: (("night", .65), ("nightphotography", .2), ("lights", .2), ("citylights", .1)),
    SUNRISE: (("sunrise", .85), ("dawn", .2), ("morning", .2)),
    INDOOR: (("indoor", .1), ("inside", .05)),
}
CHERRY_TAGS = (("cherryblossom", .75), ("cherryblossoms", .3), ("sakura", .5), ("spring", .4),
               ("cherry blossom", .2), ("blossoms", .3))
WINTER_TAGS = (("christmas", .5), ("lights", .4), ("winter", .5), ("snow", .15), ("holiday", .2))
LONG_EXPOSURE_TAGS = (("longexposure", .65), ("tripod", .15), ("bluehour", .2))

# Generic tags people add to anything; none names a subject or a kind.
NOISE_TAGS = tuple("""photography photo photooftheday travel vacation trip weekend fun love
beautiful design wall window door bike bicycle road water river reflection
colour color blue red yellow orange white black bw blackandwhite monochrome hdr
shadow sky friends family instagood iphoneography vsco explore flickr
geotagged urbanphotography cityscape landscape 50mm 35mm 24mm wideangle bokeh analog
35mmfilm kodak portra ilford texture pattern minimal abstract details walk walking
afternoon evening rain fog mist cloudy weather trees grass green summertime july august
downtowntoronto torontophotography torontolife discovertoronto seetorontonow blogto
ig_toronto canon nikon sony fujifilm iphone samsung pentax olympus lumix dslr mirrorless
digital photographer amateur hobby""".split())
NON_ASCII_TAGS = ("québec", "montréal", "crème", "torontö", "façade", "naïve", "über",
                  "crêpe", "piñata", "déjàvu", "トロント", "夜景")
MACHINE_TAGS = (("uploaded:by=instagram", .035), ("uploaded:by=flickrmobile", .015),
                ("foursquare:venue=4ad4c05ef964a520e0f720e3", .005), ("dc:identifier=img", .003))

# Titles that are no subject's name.
GENERIC_TITLES = ("Untitled", "Toronto", "Toronto, ON", "Downtown", "Summer in the city",
                  "Walking around", "Weekend", "Home", "Canada Day", "TO", "Toronto 2014",
                  "City life", "Lake Ontario", "toronto", "Just another day")
FILENAME_PREFIXES = ("IMG_", "DSC_", "DSC0", "_MG_", "DSCF", "P10", "PICT", "IMG_20")
# User-written titles that exercise escaping and transliteration downstream.
TRICKY_TITLES = ('"Toronto" at night', "It's Toronto's tallest", "Tom & Jerry's <3",
                 "5 > 4 & 3 < 4", "Toronto &amp; the lake", "<i>Untitled</i>",
                 "Torontö", "Montréal? Non, Toronto", "Journée à Toronto", "Toronto – Ontario",
                 "多伦多的夜景", "トロントの夜景", "🌆 Toronto", "❤️ TO", "Canada 🇨🇦",
                 "Sunset 🌅🌅🌅", "Café ☕", "¡Hola Toronto!", "Straße? No: street",
                 "A very long title " + "that goes on and on " * 9 + "and ends.")
SCRIPT_TITLE = '"><script>alert(1)</script>'

# Owner names: pieces combined per owner.
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Chris", "Taylor", "Priya", "Wei", "Mohamed", "Olga",
               "José", "Zoë", "François", "Björn", "Mélanie", "Łukasz", "Aiko", "Nadia",
               "Kevin", "Sarah", "David", "Emily", "Raj", "Ana", "Tom", "Maria", "Liam")
LAST_NAMES = ("Smith", "Chen", "Patel", "Nguyen", "Tremblay", "Gagnon", "Singh", "Kim",
              "O'Neil", "Da Silva", "Müller", "Kowalski", "Roy", "Brown", "Lee", "Wong",
              "MacDonald", "Côté", "Ali", "Ivanova")
HANDLES = ("photog", "shoots", "lens", "pix", "clicks", "_to", "416", "captures", "visuals",
           "eye", "imagery", "snaps")
ODD_OWNER_NAMES = ('Ben "the lens" Smith', "<b>pix</b>", "王伟", "☀️ sunny ☀️", "Ａｌｅｘ")
