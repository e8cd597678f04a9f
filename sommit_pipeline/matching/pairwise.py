"""Pairwise comparison of structured records (entity matching), from the engine's parts.

``RecordMatcher`` compares two records field by field. Words are normalised like till labels
(``normalize``, possessives glued: "Barley John 's" -> "barley johns"), weighted by their idf over
a corpus of records, and match exactly or through a one- or two-letter typo (rapidfuzz ratio
>= 80). ``features`` gives one similarity in [0, 1] per ``FieldSpec`` (soft TF-IDF, one-way word
coverage, rapidfuzz ratios, unexplained words, numbers, model codes). ``match_score`` (0-100) is
either the weighted mean of the features or, when a ``LogisticModel`` is set, 100 x its match
probability; ``is_match`` compares it with a threshold. Weights, model and threshold are set on
training pairs only (see ``benchmarks/matching_em.py``).
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
_POSSESSIVE = re.compile(r"(\w)\s*(?:'|_|&#39;)\s*s\b", re.IGNORECASE)
_RATIOS = {
    "ratio": fuzz.ratio,
    "partial": fuzz.partial_ratio,
    "token_set": fuzz.token_set_ratio,
    "token_sort": fuzz.token_sort_ratio,
}


def words(text: str) -> list[str]:
    text = _POSSESSIVE.sub(r"\1s", text or "")
    return [w for w in normalize(text).split() if w not in STOPWORDS]


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
    """How one similarity feature is computed from the record fields ``left`` / ``right``
    (several fields are joined). ``kind``:

    - "text": soft TF-IDF of the words, both ways;
    - "cover": idf share of one side's words found in the other; ``method`` "min" or "max"
      of the two directions (a name contained in a longer one gives max 1, min < 1);
    - "ratio": rapidfuzz ``method`` ("ratio", "partial", "token_set", "token_sort") / 100;
    - "extra": idf share of the words of both sides found neither in the other side's fields
      nor in the ``strip`` field of either record (a brewery repeated in the name);
    - "number": 1 if equal within ``tolerance``, 0 if not, 0.5 if one is missing;
    - "numdiff": |difference| / ``tolerance``, capped at 1 (0.5 if one is missing);
    - "code": 1 if the records share a model-number-like word, 0 if both have some and none
      shared, 0.5 otherwise; "digits": the same on the sets of numbers in the text.

    ``strip`` also names, for "text", "cover" and "ratio", a field whose words are removed first.
    """

    name: str
    kind: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    weight: float = 1.0
    strip: str | None = None
    tolerance: float = 0.01
    method: str = ""


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (small dense systems)."""
    n = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col] or 1e-12
        for r in range(col + 1, n):
            factor = rows[r][col] / head
            if factor:
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[col], strict=True)]
    out = [0.0] * n
    for col in range(n - 1, -1, -1):
        done = sum(rows[col][k] * out[k] for k in range(col + 1, n))
        out[col] = (rows[col][n] - done) / (rows[col][col] or 1e-12)
    return out


@dataclass
class LogisticModel:
    """L2-regularised logistic regression on standardised features, fitted by Newton's method
    (iteratively reweighted least squares): deterministic, no learning rate. ``l2`` penalises
    the coefficients (not the intercept)."""

    names: Sequence[str]
    l2: float = 1.0
    iterations: int = 25
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    coef: list[float] = field(default_factory=list)  # intercept first

    def _row(self, features: Mapping[str, float]) -> list[float]:
        return [1.0] + [
            (features[n] - m) / s for n, m, s in zip(self.names, self.mean, self.scale, strict=True)
        ]

    def fit(self, rows: Sequence[Mapping[str, float]], labels: Sequence[int]) -> LogisticModel:
        count = len(rows)
        self.mean = [sum(r[n] for r in rows) / count for n in self.names]
        self.scale = []
        for n, m in zip(self.names, self.mean, strict=True):
            spread = math.sqrt(sum((r[n] - m) ** 2 for r in rows) / count)
            self.scale.append(spread or 1.0)
        data = [self._row(r) for r in rows]
        size = len(self.names) + 1
        self.coef = [0.0] * size
        for _ in range(self.iterations):
            gradient = [self.l2 * c for c in self.coef]
            hessian = [[0.0] * size for _ in range(size)]
            gradient[0] = 0.0
            for i in range(1, size):
                hessian[i][i] = self.l2
            for x, y in zip(data, labels, strict=True):
                p = _sigmoid(sum(c * v for c, v in zip(self.coef, x, strict=True)))
                w = p * (1 - p)
                for i in range(size):
                    gradient[i] += (p - y) * x[i]
                    wx = w * x[i]
                    row = hessian[i]
                    for j in range(i + 1):
                        row[j] += wx * x[j]
            for i in range(size):
                for j in range(i):
                    hessian[j][i] = hessian[i][j]
            step = _solve(hessian, gradient)
            self.coef = [c - s for c, s in zip(self.coef, step, strict=True)]
            if max(abs(s) for s in step) < 1e-8:
                break
        return self

    def predict_proba(self, features: Mapping[str, float]) -> float:
        x = self._row(features)
        return _sigmoid(sum(c * v for c, v in zip(self.coef, x, strict=True)))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass
class RecordMatcher:
    specs: Sequence[FieldSpec]
    threshold: float = 50.0
    idf: dict[str, float] = field(default_factory=dict)
    default_idf: float = 1.0
    model: LogisticModel | None = None

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

    def _covered(self, xs: list[str], ys: list[str]) -> tuple[float, float]:
        """(idf weight of the words of ``xs`` found in ``ys``, total idf weight of ``xs``);
        a typo match (ratio >= 80, words of 4+ letters) counts in proportion to its ratio."""
        total = got = 0.0
        yset = set(ys)
        for x in xs:
            weight = self.idf.get(x, self.default_idf)
            total += weight
            if x in yset:
                got += weight
            elif ys and len(x) >= 4 and not x.isdigit():
                best = max(fuzz.ratio(x, y) for y in ys)
                if best >= 80:
                    got += weight * best / 100.0
        return got, total

    def _soft_tfidf(self, a: list[str], b: list[str]) -> float:
        if not a or not b:
            return 0.0
        got_a, total_a = self._covered(a, b)
        got_b, total_b = self._covered(b, a)
        return (got_a + got_b) / (total_a + total_b)

    def _feature(self, spec: FieldSpec, a: Record, b: Record) -> float:
        kind = spec.kind
        if kind in ("text", "cover", "ratio"):
            x, y = self._text(a, spec, spec.left), self._text(b, spec, spec.right)
            if not x or not y:
                return 0.0
            if kind == "text":
                return self._soft_tfidf(x, y)
            if kind == "ratio":
                return _RATIOS[spec.method](" ".join(x), " ".join(y)) / 100.0
            shares = [got / total for got, total in (self._covered(x, y), self._covered(y, x))]
            return min(shares) if spec.method == "min" else max(shares)
        if kind == "extra":
            x = words(" ".join(a.get(n, "") for n in spec.left))
            y = words(" ".join(b.get(n, "") for n in spec.right))
            # the brewery of the other record may explain a word ("Pike Unite Red Rye Ale" vs
            # "Unite Red Rye Ale" by "The Pike Brewing Company"); "both": either brewery
            a_context = words(a.get(spec.strip, "")) if spec.strip else []
            b_context = words(b.get(spec.strip, "")) if spec.strip else []
            if spec.method == "both":
                a_context = b_context = a_context + b_context
            got_x, total_x = self._covered(x, y + b_context)
            got_y, total_y = self._covered(y, x + a_context)
            total = total_x + total_y
            return 1.0 - (got_x + got_y) / total if total else 0.0
        left = " ".join(a.get(n, "") or "" for n in spec.left)
        right = " ".join(b.get(n, "") or "" for n in spec.right)
        if kind in ("number", "numdiff"):
            x, y = number(left), number(right)
            if x is None or y is None:
                return 0.5
            if kind == "number":
                return 1.0 if abs(x - y) <= spec.tolerance else 0.0
            return min(abs(x - y) / spec.tolerance, 1.0)
        if kind in ("code", "digits"):
            if kind == "code":
                xs, ys = codes(left), codes(right)
            else:
                xs = {w for w in words(left) if w.isdigit()}
                ys = {w for w in words(right) if w.isdigit()}
            if xs & ys:
                return 1.0
            return 0.0 if xs and ys else 0.5
        raise ValueError(f"unknown field kind {kind!r}")

    def features(self, a: Record, b: Record) -> dict[str, float]:
        return {spec.name: self._feature(spec, a, b) for spec in self.specs}

    def score_features(self, features: Mapping[str, float]) -> float:
        if self.model is not None:
            return 100.0 * self.model.predict_proba(features)
        total = sum(spec.weight for spec in self.specs) or 1.0
        return 100.0 * sum(spec.weight * features[spec.name] for spec in self.specs) / total

    def match_score(self, a: Record, b: Record) -> float:
        """0-100: the model's match probability x 100, or the weighted mean of the features."""
        return self.score_features(self.features(a, b))

    def is_match(self, a: Record, b: Record) -> bool:
        return self.match_score(a, b) >= self.threshold
