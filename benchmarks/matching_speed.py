"""Speed and quality at scale: 10,000 till labels against a 100,000-reference library.

    PYTHONPATH=. python benchmarks/matching_speed.py [--labels 10000] [--refs 100000]
        [--workers N]

Prints wall times (library loading is not timed; index build and matching are), the peak RSS of
this process and of its forked workers (resource.getrusage), and top-1 / top-5 / sure precision /
almost detection on the labels (their true reference is known, see matching_data.till_label).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.matching_data import big_labels, big_library
from sommit_pipeline.matching import MatchEngine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--refs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    entries = big_library(args.refs)
    cases = big_labels(entries, args.labels)
    labels = [label for label, _, _ in cases]
    print(f"library: {len(entries):,} references; labels: {len(labels):,}")

    start = time.perf_counter()
    engine = MatchEngine(entries)
    built = time.perf_counter()
    results = engine.suggest_many(labels, limit=5, workers=args.workers)
    done = time.perf_counter()

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"index build: {built - start:.2f} s; matching: {done - built:.2f} s; total "
        f"{done - start:.2f} s ({args.labels / (done - built):,.0f} labels/s)"
    )
    print(f"peak RSS: this process {own:,.0f} MiB, largest worker {children:,.0f} MiB")
    total = done - start
    print(
        f"target < 10 s and < 2 GB: {'met' if total < 10 and own + children < 2048 else 'NOT met'}"
    )

    by_id = {e.ref_id: e for e in entries}

    def wine(ref: str) -> tuple[object, ...]:
        e = by_id[ref]
        return (e.producer, e.cuvee, e.appellation, e.colour)

    same_wine = 0
    top1 = top5 = sure = sure_ok = almost_true = almost_pred = almost_hit = 0
    for (_, ref, almost), found in zip(cases, results, strict=True):
        ok = bool(found) and found[0].ref_id == ref
        top1 += ok
        same_wine += bool(found) and wine(found[0].ref_id) == wine(ref)
        top5 += any(s.ref_id == ref for s in found)
        pred_almost = bool(found) and found[0].is_almost
        if found and found[0].confidence == "sure":
            sure += 1
            sure_ok += ok and pred_almost == almost
        almost_true += almost
        almost_pred += pred_almost
        almost_hit += almost and pred_almost and ok
    n = len(cases)
    print(
        f"top-1 right wine (any vintage/format; 30 % of labels show no vintage): "
        f"{same_wine / n:.1%}"
    )
    print(
        f"top-1 {top1 / n:.1%}  top-5 {top5 / n:.1%}  sure {sure / n:.1%} of labels, "
        f"precision {sure_ok / max(sure, 1):.2%}"
    )
    print(
        f"almost: {almost_true} true, {almost_pred} flagged, right wine and flagged "
        f"{almost_hit} -> recall {almost_hit / max(almost_true, 1):.1%}, precision "
        f"{almost_hit / max(almost_pred, 1):.1%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
