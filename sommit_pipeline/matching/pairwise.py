"""Pairwise comparison of structured records (entity matching), from the engine's parts.

``RecordMatcher`` compares two records field by field with a soft TF-IDF similarity: words are
normalised like till labels (``normalize``), weighted by their idf over a corpus of records, and
match exactly or through a one- or two-letter typo (rapidfuzz ratio >= 80). Numeric fields (an
ABV, a price) compare as numbers. ``match_score`` is the weighted mean of the field similarities
(0-100) and ``is_match`` compares it with a threshold; both are set on training pairs (see
``benchmarks/matching_em.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from sommit_pipeline.matching.normalize import STOPWORDS, normalize

Record = Mapping[str, str]
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CODE = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9]{3,}$")


def words(text: str) -> list[str]:
    return [w for w in normalize(text or "").split() if w not in STOPWORDS]


def codes(text: str) -> set[str]:
    """Model-number-like words: letters and digits mixed ("pslx350h", "am53bk"), also with
    their hyphens removed ("f3h982-10" -> "f3h98210")."""
    raw = (text or "").lower()
    found = {w for w in re.split(r"[^a-z0-9]+", raw) if _CODE.match(w)}
    found |= {w.replace("-", "") for w in raw.split() if "-" in w}
    return {w for w in found if _CODE.match(w)}


def number(text: str) -> float | None:
    match = _NUMBER.search(text or "")
    return float(match.group()) if match else None


@dataclass
class FieldSpec:
    """How one similarity feature is computed: ``kind`` is "text" (soft TF-IDF of the words),
    "number" (1 if equal within ``tolerance``, 0 if not, 0.5 if one is missing) or "code"
    (1 if the two records share a model-number-like word, 0 if both have some and none
    shared, 0.5 otherwise). ``left`` / ``right`` name the record fields compared (several
    fields are joined); ``strip`` names a field whose words are removed first (a brewery
    repeated in the beer's name)."""

    name: str
    kind: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    weight: float = 1.0
    strip: str | None = None
    tolerance: float = 0.01


@dataclass
class RecordMatcher:
    specs: Sequence[FieldSpec]
    threshold: float = 50.0
    idf: dict[str, float] = field(default_factory=dict)
    default_idf: float = 1.0

    def fit_idf(self, records: Iterable[Record]) -> RecordMatcher:
        """Word idf over ``records`` (all text fields of the specs)."""
        df: dict[str, int] = {}
        n = 0
        names = {f for spec in self.specs for f in (*spec.left, *spec.right)}
        for record in records:
            n += 1
            seen = set()
            for name in names:
                seen.update(words(record.get(name, "")))
            for word in seen:
                df[word] = df.get(word, 0) + 1
        self.idf = {w: math.log((n + 1) / (d + 0.5)) for w, d in df.items()}
        self.default_idf = math.log((n + 1) / 0.5)
        return self

    def _text(self, record: Record, spec: FieldSpec, side: tuple[str, ...]) -> list[str]:
        text = " ".join(record.get(name, "") or "" for name in side)
        found = words(text)
        if spec.strip:
            strip = set(words(record.get(spec.strip, "")))
            kept = [w for w in found if w not in strip]
            found = kept or found
        return found

    def _soft_tfidf(self, a: list[str], b: list[str]) -> float:
        if not a or not b:
            return 0.0
        idf = self.idf
        default = self.default_idf

        def covered(xs: list[str], ys: list[str]) -> tuple[float, float]:
            total = got = 0.0
            yset = set(ys)
            for x in xs:
                weight = idf.get(x, default)
                total += weight
                if x in yset:
                    got += weight
                elif len(x) >= 4 and not x.isdigit():
                    best = max(fuzz.ratio(x, y) for y in ys)
                    if best >= 80:
                        got += weight * best / 100.0
            return got, total

        got_a, total_a = covered(a, b)
        got_b, total_b = covered(b, a)
        return (got_a + got_b) / (total_a + total_b)

    def features(self, a: Record, b: Record) -> dict[str, float]:
        out: dict[str, float] = {}
        for spec in self.specs:
            if spec.kind == "text":
                out[spec.name] = self._soft_tfidf(
                    self._text(a, spec, spec.left), self._text(b, spec, spec.right)
                )
            elif spec.kind == "number":
                x = number(" ".join(a.get(n, "") for n in spec.left))
                y = number(" ".join(b.get(n, "") for n in spec.right))
                if x is None or y is None:
                    out[spec.name] = 0.5
                else:
                    out[spec.name] = 1.0 if abs(x - y) <= spec.tolerance else 0.0
            elif spec.kind == "code":
                x = codes(" ".join(a.get(n, "") for n in spec.left))
                y = codes(" ".join(b.get(n, "") for n in spec.right))
                if x & y:
                    out[spec.name] = 1.0
                elif x and y:
                    out[spec.name] = 0.0
                else:
                    out[spec.name] = 0.5
            else:
                raise ValueError(f"unknown field kind {spec.kind!r}")
        return out

    def score_features(self, features: Mapping[str, float]) -> float:
        total = sum(spec.weight for spec in self.specs) or 1.0
        return 100.0 * sum(spec.weight * features[spec.name] for spec in self.specs) / total

    def match_score(self, a: Record, b: Record) -> float:
        """0-100: the weighted mean of the field similarities."""
        return self.score_features(self.features(a, b))

    def is_match(self, a: Record, b: Record) -> bool:
        return self.match_score(a, b) >= self.threshold
