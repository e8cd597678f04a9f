"""The label -> library reference search engine.

Library entries that differ only by vintage or format form one *wine* (group). A label is
matched against wines with an inverted token index (blocking), then each candidate wine is
scored on its names, and its entries on vintage and format:

- name score (0-1) = 0.55 x label coverage + 0.45 x entry coverage. Label coverage is the
  idf-weighted share of the label's words that the wine explains; entry coverage the share of the
  wine's words (producer weighted 1, cuvée 0.7, appellation 0.45, colour 0.2, times idf) that the
  label mentions. A label that names only part of a longer name ("Château Margaux" against
  "Château Brane-Cantenac, Margaux") therefore cannot reach 100.
- words match exactly, by a one- or two-letter typo (rapidfuzz ratio >= 80 against the
  library's vocabulary) or, for the label's last word, as a prefix (a truncated button).
- entry factor: same vintage 1, other vintage 0.9 (an *almost*: same wine, other vintage),
  format named by the label and different 0.92.

The score is 100 x name x factors. Confidence looks at the best score and at its margin over the
best *other* wine; the thresholds were set on the demo catalogue and benchmark training sets
(see ``BENCHMARKS.md``, part 2).
"""

from __future__ import annotations

import bisect
import heapq
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rapidfuzz import fuzz, process

from sommit_pipeline.matching.normalize import STOPWORDS, normalize
from sommit_pipeline.matching.parse import ParsedLabel, parse_label

Confidence = Literal["sure", "likely", "unsure"]

FIELD_WEIGHTS = {"producer": 1.0, "cuvee": 0.7, "appellation": 0.45, "colour": 0.2}
COLOUR_WORDS = {"red": "rouge", "white": "blanc", "rose": "rose", "rosé": "rose"}
AUX_WORDS = {
    "wine": ("vin", "wine", "chateau", "domaine", "maison", "cuvee", "brut", "house"),
    "beer": ("biere", "beer", "brasserie", "pression", "lager"),
    "spirit": ("whisky", "rhum", "gin", "liqueur"),
    "soft": ("eau", "water", "jus", "soda"),
}
AUX_ALL = frozenset(word for words in AUX_WORDS.values() for word in words)
AUX_IDF = 1.0  # weight of a generic word ("biere", "water") the library does not hold
Q_WEIGHT = 0.55
OTHER_VINTAGE = 0.9
NO_VINTAGE_ENTRY = 0.9
OTHER_FORMAT = 0.92
FUZZY_CUTOFF = 80.0
PREFIX_SIM = 0.9
SHORT_PREFIX_SIM = 0.6
RARE_DF = 400  # postings longer than this are not walked, only checked on candidates
CANDIDATES = 30

# Confidence thresholds (score 0-100, margin over the best other wine).
SURE_SCORE = 80.0
SURE_MARGIN = 12.0
LIKELY_SCORE = 60.0
LIKELY_MARGIN = 4.0


@dataclass(frozen=True)
class LibraryEntry:
    ref_id: str
    kind: str  # wine | beer | spirit | soft | ...
    producer: str
    cuvee: str = ""
    appellation: str = ""
    colour: str = ""
    vintage: int | None = None
    format_cl: float | None = None


@dataclass(frozen=True)
class Suggestion:
    ref_id: str
    score: float  # 0-100
    confidence: Confidence
    is_almost: bool  # same wine, other vintage than the label's
    label_vintage: int | None
    entry_vintage: int | None


class _Wine:
    """Entries sharing kind, producer, cuvée, appellation and colour."""

    __slots__ = ("aux", "entries", "formats", "tokens", "tokset", "wsum")

    def __init__(self) -> None:
        self.tokens: list[tuple[str, float]] = []  # (word, field weight x idf)
        self.tokset: dict[str, float] = {}  # word -> share of the wine's weight
        self.aux: tuple[str, ...] = ()
        self.entries: list[int] = []
        self.wsum = 1.0
        self.formats: tuple[float, ...] = ()


def _words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in STOPWORDS]


class MatchEngine:
    """Suggests library references for till labels."""

    def __init__(self, entries: Sequence[LibraryEntry]) -> None:
        self.entries: list[LibraryEntry] = list(entries)
        wines: dict[tuple[str, ...], _Wine] = {}
        fields: dict[tuple[str, ...], dict[str, float]] = {}
        for index, entry in enumerate(self.entries):
            colour = COLOUR_WORDS.get(entry.colour.lower(), "") if entry.colour else ""
            key = (
                entry.kind,
                normalize(entry.producer),
                normalize(entry.cuvee),
                normalize(entry.appellation),
                colour,
            )
            wine = wines.get(key)
            if wine is None:
                wine = wines[key] = _Wine()
                weights: dict[str, float] = {}
                for name, text in (
                    ("producer", key[1]),
                    ("cuvee", key[2]),
                    ("appellation", key[3]),
                    ("colour", colour),
                ):
                    for word in text.split():
                        if word not in STOPWORDS:
                            weights[word] = max(weights.get(word, 0.0), FIELD_WEIGHTS[name])
                fields[key] = weights
                wine.aux = AUX_WORDS.get(entry.kind, ())
            wine.entries.append(index)
        self._wines: list[_Wine] = list(wines.values())
        df: dict[str, int] = {}
        for key in wines:
            for word in fields[key]:
                df[word] = df.get(word, 0) + 1
        n = len(self._wines)
        self._idf = {w: math.log((n + 1) / (d + 0.5)) + 0.1 for w, d in df.items()}
        self._max_idf = math.log((n + 1) / 0.5) + 0.1
        self._df = df
        # word -> [(wine id, field weight x idf / the wine's total weight)]
        postings: dict[str, list[tuple[int, float]]] = {}
        for wid, (key, wine) in enumerate(zip(wines, self._wines, strict=True)):
            wine.tokens = [(w, fw * self._idf[w]) for w, fw in fields[key].items()]
            wine.wsum = sum(weight for _, weight in wine.tokens) or 1.0
            wine.tokset = {w: weight / wine.wsum for w, weight in wine.tokens}
            for word, share in wine.tokset.items():
                postings.setdefault(word, []).append((wid, share))
            wine.formats = tuple(sorted({self.entries[i].format_cl or 0.0 for i in wine.entries}))
        self._vocab = sorted(df)
        # Typo lookup: vocabulary bucketed by first letter and by last two letters.
        self._by_first: dict[str, list[str]] = {}
        self._by_last: dict[str, list[str]] = {}
        for word in self._vocab:
            if len(word) >= 3 and not word.isdigit():
                self._by_first.setdefault(word[0], []).append(word)
                self._by_last.setdefault(word[-2:], []).append(word)
        self._postings = postings
        self._by_aux: dict[str, list[int]] = {}
        for wid, wine in enumerate(self._wines):
            for word in wine.aux:
                self._by_aux.setdefault(word, []).append(wid)
        self._fuzzy_cache: dict[str, list[tuple[str, float]]] = {}

    # ----------------------------------------------------------------------------------------
    # word expansions
    # ----------------------------------------------------------------------------------------

    def _fuzzy(self, word: str) -> list[tuple[str, float]]:
        """Vocabulary words one or two letters away from ``word`` (not itself in it)."""
        found = self._fuzzy_cache.get(word)
        if found is not None:
            return found
        found = []
        if len(word) >= 4 and not word.isdigit():
            pool = set(self._by_first.get(word[0], ())) | set(self._by_last.get(word[-2:], ()))
            low, high = len(word) * 2 / 3, len(word) * 3 / 2
            choices = [w for w in pool if low <= len(w) <= high]
            for match, ratio, _ in process.extract(
                word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
            ):
                found.append((match, ratio / 100.0))
        if len(self._fuzzy_cache) < 500_000:
            self._fuzzy_cache[word] = found
        return found

    def _prefixed(self, word: str, cap: int = 50) -> list[str]:
        start = bisect.bisect_left(self._vocab, word)
        end = bisect.bisect_left(self._vocab, word + "\x7f", start)
        if end - start > cap:
            return []
        return [w for w in self._vocab[start:end] if w != word]

    def _expand(
        self, parsed: ParsedLabel
    ) -> tuple[dict[str, tuple[int, float]], list[float], str | None]:
        """vocabulary word -> (label word index, similarity); label word weights; short prefix."""
        qmatch: dict[str, tuple[int, float]] = {}
        weights: list[float] = []
        words = list(dict.fromkeys(parsed.tokens))
        short_prefix = None

        def offer(word: str, qi: int, sim: float) -> None:
            old = qmatch.get(word)
            if old is None or old[1] < sim:
                qmatch[word] = (qi, sim)

        for qi, word in enumerate(words):
            last = qi == len(words) - 1
            if word in self._idf:
                offer(word, qi, 1.0)
                weight = self._idf[word]
            elif word in AUX_ALL:
                offer(word, qi, 1.0)
                weight = AUX_IDF
            else:
                fuzzy = self._fuzzy(word)
                for match, sim in fuzzy:
                    offer(match, qi, sim)
                weight = max((self._idf[m] for m, _ in fuzzy), default=self._max_idf * 0.8)
            if last and len(parsed.text) >= 12:
                if len(word) >= 3 and not word.isdigit():
                    completions = self._prefixed(word)
                    for match in completions:
                        offer(match, qi, PREFIX_SIM)
                    if completions and word not in self._idf:
                        weight = min(self._idf[m] for m in completions)
                elif len(word) <= 2 and word.isalpha():
                    short_prefix = word
                    weight = min(weight, 1.0)
            weights.append(weight)
        return qmatch, weights, short_prefix

    # ----------------------------------------------------------------------------------------
    # search
    # ----------------------------------------------------------------------------------------

    def _candidates(
        self, qmatch: dict[str, tuple[int, float]], qweights: list[float], qtotal: float
    ) -> list[int]:
        """Blocking: wines sharing a word with the label, best CANDIDATES by an estimate of
        the name score (rare words walk their postings, common ones are only checked)."""
        df = self._df
        terms = sorted(qmatch.items(), key=lambda item: df.get(item[0], 0))
        acc: dict[int, float] = {}
        common: list[tuple[str, float, float]] = []
        aux: list[tuple[str, float]] = []
        q_share = Q_WEIGHT / qtotal
        e_share = 1.0 - Q_WEIGHT
        for word, (qi, sim) in terms:
            q_gain = qweights[qi] * sim * q_share
            e_gain = sim * e_share
            if word not in df:
                aux.append((word, q_gain))
            elif df[word] <= RARE_DF or (not acc and not common):
                get = acc.get
                for wid, share in self._postings[word]:
                    acc[wid] = get(wid, 0.0) + q_gain + e_gain * share
            else:
                common.append((word, q_gain, e_gain))
        wines = self._wines
        if not acc and not common:
            # Only generic words ("BIERE BTL 25CL", "PRESSION"): the wines of that kind.
            for word, _ in aux:
                seeds = self._by_aux.get(word, ())
                if len(seeds) <= RARE_DF:
                    acc.update(dict.fromkeys(seeds, 0.0))
        for word, q_gain, e_gain in common:
            for wid in acc:
                share = wines[wid].tokset.get(word)
                if share is not None:
                    acc[wid] += q_gain + e_gain * share
        for word, q_gain in aux:
            for wid in acc:
                if word in wines[wid].aux:
                    acc[wid] += q_gain
        if len(acc) <= CANDIDATES:
            return list(acc)
        return heapq.nlargest(CANDIDATES, acc, key=acc.__getitem__)

    def _name_score(
        self,
        wine: _Wine,
        qmatch: dict[str, tuple[int, float]],
        qweights: list[float],
        qtotal: float,
        short_prefix: str | None,
    ) -> float:
        best = [0.0] * len(qweights)
        covered = 0.0
        last = len(qweights) - 1
        for word, weight in wine.tokens:
            hit = qmatch.get(word)
            if hit is None:
                if short_prefix is not None and word.startswith(short_prefix):
                    hit = (last, SHORT_PREFIX_SIM)
                else:
                    continue
            qi, sim = hit
            covered += weight * sim
            if sim > best[qi]:
                best[qi] = sim
        for word in wine.aux:
            hit = qmatch.get(word)
            if hit is not None and hit[1] > best[hit[0]]:
                best[hit[0]] = hit[1]
        q_cov = sum(w * b for w, b in zip(qweights, best, strict=True)) / qtotal
        e_cov = covered / wine.wsum
        return Q_WEIGHT * q_cov + (1 - Q_WEIGHT) * e_cov

    def _entry_factor(self, entry: LibraryEntry, parsed: ParsedLabel, wine: _Wine) -> float:
        factor = 1.0
        if parsed.vintage is not None:
            if entry.vintage is None:
                factor *= NO_VINTAGE_ENTRY
            elif entry.vintage != parsed.vintage:
                factor *= OTHER_VINTAGE - 0.004 * min(abs(entry.vintage - parsed.vintage), 10)
        target = parsed.format_cl
        if target is None and len(wine.formats) > 1:
            if parsed.size == "large":
                target = wine.formats[-1]
            elif parsed.size == "small":
                target = wine.formats[0]
            elif entry.kind == "wine" or parsed.serving in ("glass", "carafe", "bottle"):
                target = 75.0
        if target is not None and entry.format_cl and abs(entry.format_cl - target) > 0.01:
            factor *= OTHER_FORMAT
        return factor

    def _scored(self, label: str, limit: int) -> list[tuple[float, int, int]]:
        """(score, wine id, entry index) of the best candidates, best first: every entry that
        can reach the ``limit`` best, from two wines at least."""
        parsed = parse_label(label)
        if not parsed.tokens:
            # Only serving words ("PRESSION 25CL"): let them speak for the name.
            words = tuple(w for w in parsed.words if w.isalpha() and w not in STOPWORDS)
            if not words:
                return []
            parsed = replace(parsed, tokens=words)
        qmatch, qweights, short_prefix = self._expand(parsed)
        if not qmatch and short_prefix is None:
            return []
        qtotal = sum(qweights) or 1.0
        named = []
        for wid in self._candidates(qmatch, qweights, qtotal):
            name = self._name_score(self._wines[wid], qmatch, qweights, qtotal, short_prefix)
            if name > 0.0:
                named.append((name, wid))
        named.sort(reverse=True)
        rows: list[tuple[float, int, int]] = []
        floor = -1.0  # the limit-th best score so far; factors are <= 1, so a wine whose
        for count, (name, wid) in enumerate(named):  # name score is below it cannot enter
            if count >= 2 and 100.0 * name < floor:
                break
            wine = self._wines[wid]
            for index in wine.entries:
                factor = self._entry_factor(self.entries[index], parsed, wine)
                rows.append((100.0 * name * factor, wid, index))
            if len(rows) >= limit:
                floor = heapq.nlargest(limit, (r[0] for r in rows))[-1]
        # Best first; ties go to the most recent vintage, then library order.
        entries = self.entries
        rows.sort(key=lambda r: (-round(r[0], 6), -(entries[r[2]].vintage or 0), r[2]))
        return rows

    def suggest(self, label: str, limit: int = 5) -> list[Suggestion]:
        """The ``limit`` best library references for ``label``, best first."""
        if limit <= 0:
            return []
        rows = self._scored(label, max(limit, 2))
        if not rows:
            return []
        parsed = parse_label(label)
        top_score, top_wine, _ = rows[0]
        other = next((r[0] for r in rows if r[1] != top_wine), 0.0)
        twin = len(rows) > 1 and rows[1][1] == top_wine and rows[1][0] >= top_score - 0.5
        margin = top_score - other
        suggestions = []
        top_confidence = self._confidence(top_score, margin, twin)
        for rank, (score, wid, index) in enumerate(rows[:limit]):
            entry = self.entries[index]
            if rank == 0:
                confidence = top_confidence
            else:
                # A runner-up is "likely" only beside a confident, near-equal first (another
                # vintage or format of it); next to an unsure first it is unsure too.
                close = top_score - score < 1.0
                likely = close and score >= LIKELY_SCORE and top_confidence != "unsure"
                confidence = "likely" if likely else "unsure"
            suggestions.append(
                Suggestion(
                    ref_id=entry.ref_id,
                    score=round(min(100.0, score), 2),
                    confidence=confidence,
                    # "Same wine, other vintage": the best-named wine, or one named as well.
                    is_almost=parsed.vintage is not None
                    and entry.vintage != parsed.vintage
                    and (wid == top_wine or score >= LIKELY_SCORE),
                    label_vintage=parsed.vintage,
                    entry_vintage=entry.vintage,
                )
            )
        return suggestions

    @staticmethod
    def _confidence(score: float, margin: float, twin: bool) -> Confidence:
        if score >= SURE_SCORE and margin >= SURE_MARGIN and not twin:
            return "sure"
        if score >= LIKELY_SCORE and margin >= LIKELY_MARGIN:
            return "likely"
        return "unsure"

    def suggest_many(
        self, labels: Iterable[str], limit: int = 5, workers: int | None = None
    ) -> list[list[Suggestion]]:
        """``suggest`` for each label, in order. Large batches are split over ``workers``
        forked processes (default: the machine's cores, only for 2,000 labels or more)."""
        labels = list(labels)
        if workers is None:
            workers = (os.cpu_count() or 1) if len(labels) >= 2_000 else 1
        if workers <= 1 or len(labels) < 2 or not hasattr(os, "fork"):
            return [self.suggest(label, limit) for label in labels]
        return _parallel(self, labels, limit, workers)


_ENGINE: MatchEngine | None = None


def _work(args: tuple[list[str], int]) -> list[list[Suggestion]]:
    labels, limit = args
    assert _ENGINE is not None
    return [_ENGINE.suggest(label, limit) for label in labels]


def _parallel(
    engine: MatchEngine, labels: list[str], limit: int, workers: int
) -> list[list[Suggestion]]:
    import multiprocessing

    global _ENGINE
    _ENGINE = engine  # inherited by the forked workers, never pickled
    try:
        size = math.ceil(len(labels) / (workers * 4))
        chunks = [(labels[i : i + size], limit) for i in range(0, len(labels), size)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_work, chunks)
    finally:
        _ENGINE = None
    return [suggestions for part in parts for suggestions in part]
