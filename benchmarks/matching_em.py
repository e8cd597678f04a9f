"""Entity-matching benchmarks (DeepMatcher splits): Beer (BeerAdvocate-RateBeer) and Abt-Buy.

    PYTHONPATH=. python benchmarks/matching_em.py

Field weights and the decision threshold are chosen by grid search on train + valid only (F1 of
the positive class); the test split is then scored once, as the papers do (a test pair is
predicted a match iff ``RecordMatcher.is_match``). For Beer, also top-1 retrieval: for each
left record of a positive test pair, the best-scoring record among all of tableB.
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.matching_data import EXTERNAL
from sommit_pipeline.matching.pairwise import FieldSpec, RecordMatcher

EM = EXTERNAL / "em_deepmatcher_beer_abtbuy"
PUBLISHED = {
    "beer": "Magellan 78.8, DeepMatcher 72.7, Ditto 94.37",
    "abt_buy": "Magellan 43.6, DeepMatcher 62.8, Ditto 89.33",
}


def table(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def pairs(path: Path) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(r["ltable_id"], r["rtable_id"], int(r["label"])) for r in csv.DictReader(handle)]


def f1(predicted: list[bool], truth: list[int]) -> tuple[float, float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum((not p) and t for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return 100 * score, 100 * precision, 100 * recall


def specs_for(name: str) -> list[FieldSpec]:
    if name == "beer":
        return [
            FieldSpec("name", "text", ("Beer_Name",), ("Beer_Name",), strip="Brew_Factory_Name"),
            FieldSpec("brewery", "text", ("Brew_Factory_Name",), ("Brew_Factory_Name",)),
            FieldSpec(
                "brewery_in_name",
                "text",
                ("Brew_Factory_Name", "Beer_Name"),
                ("Brew_Factory_Name", "Beer_Name"),
            ),
            FieldSpec("style", "text", ("Style",), ("Style",)),
            FieldSpec("abv", "number", ("ABV",), ("ABV",), tolerance=0.05),
        ]
    return [
        FieldSpec("name", "text", ("name",), ("name",)),
        FieldSpec("code", "code", ("name",), ("name", "description")),
        FieldSpec("desc", "text", ("name",), ("name", "description")),
    ]


def tune(
    matcher: RecordMatcher, features: list[dict[str, float]], truth: list[int]
) -> tuple[float, dict[str, float]]:
    """Grid search of weights (0, 1, 2, 3 per feature) and of the threshold (60 quantiles of
    the scores) on training pairs."""
    names = [spec.name for spec in matcher.specs]
    best = (-1.0, {}, 0.0)
    for weights in itertools.product((0.0, 1.0, 2.0, 3.0), repeat=len(names)):
        if not any(weights):
            continue
        total = sum(weights)
        scores = [
            100 * sum(w * f[n] for w, n in zip(weights, names, strict=True)) / total
            for f in features
        ]
        ordered = sorted(scores)
        cuts = {round(ordered[i * (len(ordered) - 1) // 59], 2) for i in range(60)}
        for threshold in sorted(cuts):
            score = f1([s >= threshold for s in scores], truth)[0]
            if score > best[0]:
                best = (score, dict(zip(names, weights, strict=True)), threshold)
    train_f1, weights, threshold = best
    for spec in matcher.specs:
        spec.weight = weights[spec.name]
    matcher.threshold = threshold
    return train_f1, weights


def run(name: str) -> None:
    folder = EM / name
    left, right = table(folder / "tableA.csv"), table(folder / "tableB.csv")
    matcher = RecordMatcher(specs_for(name)).fit_idf(itertools.chain(left.values(), right.values()))
    training = pairs(folder / "train.csv") + pairs(folder / "valid.csv")
    start = time.perf_counter()
    features = [matcher.features(left[a], right[b]) for a, b, _ in training]
    train_f1, weights = tune(matcher, features, [t for _, _, t in training])
    test = pairs(folder / "test.csv")
    predicted = [matcher.is_match(left[a], right[b]) for a, b, _ in test]
    score, precision, recall = f1(predicted, [t for _, _, t in test])
    print(f"## {name}: {len(training)} train+valid pairs, {len(test)} test pairs")
    print(
        f"tuned on train+valid: weights {weights}, threshold {matcher.threshold}, "
        f"train+valid F1 {train_f1:.1f}"
    )
    print(
        f"TEST F1 {score:.1f} (precision {precision:.1f}, recall {recall:.1f}); "
        f"published {PUBLISHED[name]}"
    )
    if name == "beer":
        positives = [a for a, _, t in test if t]
        truth = {a: b for a, b, t in test if t}
        hits = 0
        for a in positives:
            best = max(right, key=lambda b, a=a: matcher.match_score(left[a], right[b]))
            hits += best == truth[a]
        print(
            f"top-1 retrieval among all {len(right):,} tableB records for the "
            f"{len(positives)} positive test pairs: {hits}/{len(positives)} "
            f"({100 * hits / len(positives):.1f} %)"
        )
    print(f"time {time.perf_counter() - start:.1f} s\n")


def main() -> int:
    for name in ("beer", "abt_buy"):
        run(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
