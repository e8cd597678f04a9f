"""Extraction of vintage, serving and volume from a till label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sommit_pipeline.matching.normalize import STOPWORDS, is_short_vintage, normalize

MIN_VINTAGE = 1900
MAX_VINTAGE = date.today().year + 1

# Serving words (after normalisation) -> serving.
SERVING_WORDS = {
    "bouteille": "bottle",
    "verre": "glass",
    "magnum": "magnum",
    "pichet": "carafe",
    "carafe": "carafe",
    "pinte": "pint",
    "canette": "can",
    "pression": "draught",
}
SERVINGS = ("glass", "bottle", "half-bottle", "magnum", "carafe", "pint", "can", "draught")
SIZE_WORDS = {"large": "large", "lge": "large", "small": "small", "sml": "small"}
# Words that tell a label is about wine: a bare two-digit number is then read as a vintage.
WINE_CONTEXT = frozenset(
    [
        "bouteille",
        "verre",
        "magnum",
        "pichet",
        "carafe",
        "demi",
        "chateau",
        "domaine",
        "clos",
        "cuvee",
        "rouge",
        "blanc",
        "rose",
        "vin",
        "cru",
        "grand",
        "premier",
        "millesime",
    ]
)
_VOLUME = re.compile(r"^(\d+(?:\.\d+)?)cl$")
_FOUR_DIGITS = re.compile(r"^\d{4}$")
_TWO_DIGITS = re.compile(r"^\d\d$")
SERVING_VOLUME_MAX_CL = 18.0  # 4 cl, 12 cl, 15 cl are servings; 20 cl and more are formats


@dataclass(frozen=True)
class ParsedLabel:
    """A till label taken apart.

    ``tokens`` are the words that name the product (servings, volume, vintage and stopwords
    removed), ``words`` every normalised word. ``size`` is "large" / "small" when the label
    only says so ("COBRA ( LARGE )").
    """

    text: str
    tokens: tuple[str, ...]
    vintage: int | None
    serving: str | None
    volume_cl: float | None
    words: tuple[str, ...] = ()
    size: str | None = None

    @property
    def format_cl(self) -> float | None:
        """The bottle/can format the label names, when it names one."""
        if self.serving == "magnum":
            return 150.0
        if self.serving == "half-bottle":
            return 37.5
        if self.serving in ("glass", "carafe", "pint", "draught"):
            return None
        if self.volume_cl is not None and self.volume_cl > SERVING_VOLUME_MAX_CL:
            return self.volume_cl
        return None


def _expand_short_year(two: int) -> int | None:
    year = 2000 + two if 2000 + two <= MAX_VINTAGE else 1900 + two
    return year if year >= 1950 else None


@lru_cache(maxsize=200_000)
def parse_label(text: str) -> ParsedLabel:
    words = normalize(text).split()
    vintage: int | None = None
    volume: float | None = None
    serving: str | None = None
    size: str | None = None
    half = False
    used: set[int] = set()
    context = any(w in WINE_CONTEXT for w in words)

    for i, word in enumerate(words):
        if _FOUR_DIGITS.match(word) and MIN_VINTAGE <= int(word) <= MAX_VINTAGE:
            vintage = int(word)
            used.add(i)
        elif is_short_vintage(word):
            year = _expand_short_year(int(word[1:]))
            if year is not None:
                vintage = year
            used.add(i)
        elif (match := _VOLUME.match(word)) is not None:
            volume = float(match.group(1))
            used.add(i)
        elif word in SERVING_WORDS:
            serving = serving or SERVING_WORDS[word]
            if word == "magnum":
                serving = "magnum"
            used.add(i)
        elif word == "demi" and (i + 1 >= len(words) or words[i + 1] != "sec"):
            half = True
            used.add(i)
        elif word in SIZE_WORDS:
            size = SIZE_WORDS[word]
            used.add(i)
    if vintage is None and context:
        # A bare two-digit number is a vintage only when it is the last word of the name
        # (volume words may follow), in a wine label, and a plausible recent year.
        rest = [i for i in range(len(words)) if i not in used]
        last = rest[-1] if rest else -1
        trailing_volumes = all(_VOLUME.match(w) for w in words[last + 1 :])
        if len(rest) > 1 and trailing_volumes and _TWO_DIGITS.match(words[last]):
            two = int(words[rest[-1]])
            if 2000 + two <= MAX_VINTAGE:
                vintage = 2000 + two
                used.add(rest[-1])
            elif two >= 85:
                vintage = 1900 + two
                used.add(rest[-1])
    if half and serving in (None, "bottle"):
        serving = "half-bottle"
    if serving is None and volume is not None and volume <= SERVING_VOLUME_MAX_CL:
        serving = "glass"
    name = tuple(w for i, w in enumerate(words) if i not in used and w not in STOPWORDS)
    return ParsedLabel(text, name, vintage, serving, volume, tuple(words), size)
