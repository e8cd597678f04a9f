"""Normalisation of product labels as till operators type them, and of library names.

``normalize(text)`` gives lower-case ASCII words separated by single spaces, with the usual
till abbreviations expanded (BTL -> bouteille, CHT / CH. -> chateau, CDR -> cotes du rhone, ...)
and volumes written as one canonical token in centilitres (``75 cl``, ``(330ML)``, ``1.5 ltr`` ->
``75cl``, ``33cl``, ``150cl``). A short vintage keeps its apostrophe (``'19``) so that the parser
can still tell it from a bare number. The function is idempotent: ``normalize(normalize(x)) ==
normalize(x)``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# One token -> its expansion (one or several words). Applied once, on whole tokens; every
# expansion is made of words that map to themselves, which keeps normalisation idempotent.
ABBREVIATIONS: dict[str, str] = {
    # servings
    "btl": "bouteille",
    "btle": "bouteille",
    "btll": "bouteille",
    "bout": "bouteille",
    "bouteilles": "bouteille",
    "bottle": "bouteille",
    "bottles": "bouteille",
    "vre": "verre",
    "glass": "verre",
    "verres": "verre",
    "mag": "magnum",
    "magn": "magnum",
    "half": "demi",
    "demie": "demi",
    "pint": "pinte",
    "can": "canette",
    "cannette": "canette",
    "draft": "pression",
    "draught": "pression",
    "carafon": "carafe",
    # producers and places
    "ch": "chateau",
    "cht": "chateau",
    "chat": "chateau",
    "chateaux": "chateau",
    "dom": "domaine",
    "dne": "domaine",
    "dmn": "domaine",
    "dmne": "domaine",
    "domaines": "domaine",
    "st": "saint",
    "ste": "sainte",
    "cdr": "cotes du rhone",
    "cnp": "chateauneuf du pape",
    "cndp": "chateauneuf du pape",
    "nsg": "nuits saint georges",
    "hcdn": "hautes cotes de nuits",
    "bdx": "bordeaux",
    "bgne": "bourgogne",
    "bourgne": "bourgogne",
    "htes": "hautes",
    "hte": "haute",
    "prov": "provence",
    "champ": "champagne",
    "cote": "cotes",  # "Côte de Bourg" / "Côtes de Bourg": operators mix them up
    # colours
    "blc": "blanc",
    "bl": "blanc",
    "blanche": "blanc",
    "blancs": "blanc",
    "rge": "rouge",
    "rg": "rouge",
    "rse": "rose",
    "rs": "rose",
    "red": "rouge",
    "white": "blanc",
    # classifications and mentions
    "gc": "grand cru",
    "gcc": "grand cru classe",
    "cc": "cru classe",
    "grd": "grand",
    "gd": "grand",
    "gde": "grande",
    "1er": "premier",
    "1ere": "premiere",
    "prem": "premier",
    "sup": "superieur",
    "vv": "vieilles vignes",
    "vdf": "vin de france",
    "vdp": "vin de pays",
    "res": "reserve",
    "resa": "reserve",
    "&": "et",
    "and": "et",
}

# Words that carry no identity on their own (dropped from the name tokens of a label).
STOPWORDS = frozenset(
    "de du des la le les l d et en a au aux sur the of un une".split()  # noqa: SIM905
)

_UNIT_CL = {"cl": 1.0, "ml": 0.1, "l": 100.0, "lt": 100.0, "ltr": 100.0, "litre": 100.0}
_UNIT_CL |= {"litres": 100.0, "liter": 100.0, "liters": 100.0, "ltrs": 100.0, "dl": 10.0}
_NUMBER_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([a-z]+)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_SHORT_VINTAGE = re.compile(r"^'\d\d$")
_ELISION = re.compile(r"\b([dljnmstc]|qu)'(?=[a-z])")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _format_cl(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}cl"


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """Lower-case ASCII words, abbreviations expanded, volumes as ``<n>cl`` tokens."""
    text = html.unescape(text).replace("\x00", " ")
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("ß", "ss")
    text = strip_accents(text).lower()
    text = text.replace("\u2019", "'").replace("`", "'").replace("\u00b4", "'")
    text = text.replace("\u00bd", " 1/2 ")
    text = re.sub(r"(?<![\w/])1/2(?![\w/])", " demi ", text)
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)  # 37,5 cl -> 37.5 cl
    text = re.sub(r"\bc\.\s?b\b\.?", " cru bourgeois ", text)
    # '19 (a short vintage) keeps its apostrophe; an elided article is split off ("d'issan");
    # any other apostrophe joins ("ch'ti" -> "chti").
    text = re.sub(r"(?<![a-z0-9])'(\d\d)(?!\d)", " \x00\\1 ", text)
    text = _ELISION.sub(r"\1 ", text)
    text = text.replace("'", "")
    text = text.replace("&", " et ")
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # a dot is kept only inside a number
    text = re.sub(r"[^a-z0-9.\x00]+", " ", text)
    text = text.replace("\x00", "'")
    words = _glue_volumes(text.split())
    out: list[str] = []
    for word in words:
        out.append(ABBREVIATIONS.get(word, word))
    return " ".join(out)


def _glue_volumes(words: list[str]) -> list[str]:
    """``75 cl`` / ``330ml`` / ``1.5 ltr`` -> ``75cl`` / ``33cl`` / ``150cl``."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        match = _NUMBER_UNIT.match(word)
        if match and match.group(2) in _UNIT_CL:
            out.append(_format_cl(float(match.group(1)) * _UNIT_CL[match.group(2)]))
            i += 1
            continue
        if _NUMBER.match(word) and i + 1 < len(words) and words[i + 1] in _UNIT_CL:
            out.append(_format_cl(float(word) * _UNIT_CL[words[i + 1]]))
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def tokens(text: str) -> list[str]:
    """The words of ``normalize(text)``."""
    return normalize(text).split()


def is_short_vintage(token: str) -> bool:
    return bool(_SHORT_VINTAGE.match(token))
