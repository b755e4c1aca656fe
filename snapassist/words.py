"""Words as SnapAssist compares them: normalised text and singulars (pure, no state).

A tag, a search phrase and an atlas subject are compared in this one form:
lower-case ASCII without punctuation, each word in its singular, so that
"Cafés" and ``cafe`` are one word and "towers" finds ``tower``.
"""
import re

from unidecode import unidecode

_NOT_ALNUM = re.compile(r"[^a-z0-9\s]")


def normalize_text(text):
    """Lower-case ASCII with punctuation dropped: ``"Café-Noir!"`` -> ``"cafenoir"``.

    Non-ASCII letters are transliterated (unidecode); white space is kept so
    that the caller can split on it.
    """
    return _NOT_ALNUM.sub("", unidecode(text).lower())


def singular(word):
    """The singular of a normalised word, by plain English rules.

    ``"towers"`` -> ``"tower"``, ``"cities"`` -> ``"city"``, ``"churches"``
    -> ``"church"``, ``"boxes"`` -> ``"box"``; words ending in ``ss``, ``us``
    or ``is`` (``glass``, ``campus``, ``paris``) and words that would keep
    fewer than three letters (``bus``, ``gas``) are left as they are.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(_ES_AFTER) and len(word) - 2 >= _MIN_SINGULAR:
        return word[:-2]
    if (word.endswith("s") and not word.endswith(("ss", "us", "is"))
            and len(word) - 1 >= _MIN_SINGULAR):
        return word[:-1]
    return word


#: Words the rules would get wrong: singulars that end in s, and their plurals.
_IRREGULAR = {word: word for word in (
    "news", "lens", "christmas", "texas", "canvas", "atlas", "series", "species",
    "always", "its", "this", "has", "was", "yes", "ops", "chaos", "cosmos")}
_IRREGULAR.update(lenses="lens", buses="bus", canvases="canvas", atlases="atlas",
                  people="person", children="child", men="man", women="woman",
                  geese="goose", mice="mouse", leaves="leaf", wolves="wolf")
_ES_AFTER = tuple(ending + "es" for ending in ("ch", "sh", "ss", "x", "z"))
_MIN_SINGULAR = 3


def word_forms(word):
    """The tags a search word stands for: the tags whose :func:`singular` is its own.

    ``"tower"`` and ``"towers"`` both stand for ``tower`` and ``towers``.
    """
    base = singular(word)
    candidates = {base, base + "s", base + "es"}
    candidates.update(plural for plural, one in _IRREGULAR.items() if one == base)
    if base.endswith("y"):
        candidates.add(base[:-1] + "ies")
    return sorted(c for c in candidates if singular(c) == base)
