"""Matching quality on the demo catalogue, the Le Noailles (Bordeaux) wine list and the London
take-away labels.

    PYTHONPATH=. python benchmarks/matching_quality.py

- demo: every catalogue product with a true library reference (``build_catalog``), its label
  against the demo library: top-1, top-5, precision of "sure", almost recall/precision.
- noailles: the 186 priced lines of the Bordeaux list as a library; till labels derived from
  each line by the rules of ``noailles_labels``.
- london: each beverage label of restaurant 1 against data/london/library.csv, with what we
  expect (hand-made) and what the engine gives.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.matching_data import EXTERNAL, ascii_upper
from sommit_pipeline.matching import (
    LibraryEntry,
    MatchEngine,
    entries_from_rows,
    infer_serving_factor,
)

ROOT = Path(__file__).resolve().parent.parent


def report(name: str, cases: list[tuple[str, str, bool]], engine: MatchEngine) -> None:
    """cases: (label, true ref id, the label shows another vintage than the library's)."""
    top1 = top5 = sure = sure_ok = likely = likely_ok = 0
    almost_true = almost_flag = almost_hit = 0
    for label, ref, almost in cases:
        found = engine.suggest(label)
        ok = bool(found) and found[0].ref_id == ref
        top1 += ok
        top5 += any(s.ref_id == ref for s in found)
        flagged = bool(found) and found[0].is_almost
        if found and found[0].confidence == "sure":
            sure += 1
            sure_ok += ok and flagged == almost
        if found and found[0].confidence == "likely":
            likely += 1
            likely_ok += ok
        almost_true += almost
        almost_flag += flagged
        almost_hit += almost and flagged and ok
    n = len(cases)
    print(f"## {name}: {n} labels")
    print(f"top-1 {top1}/{n} ({100 * top1 / n:.1f} %), top-5 {top5}/{n} ({100 * top5 / n:.1f} %)")
    print(
        f"sure: {sure} labels ({100 * sure / n:.1f} %), precision {sure_ok}/{sure} "
        f"({100 * sure_ok / max(sure, 1):.1f} %); likely: {likely}, precision "
        f"{100 * likely_ok / max(likely, 1):.1f} %"
    )
    print(
        f"almost: {almost_true} true, {almost_flag} flagged, {almost_hit} right wine and "
        f"flagged: recall {100 * almost_hit / max(almost_true, 1):.1f} %, precision "
        f"{100 * almost_hit / max(almost_flag, 1):.1f} %\n"
    )


def demo() -> None:
    from sommit_pipeline.scenarios.demo import build_catalog, build_library

    library = build_library()
    catalog = build_catalog(library)
    engine = MatchEngine(entries_from_rows(ref.row() for ref in library))
    almost = {p.id for p in catalog.almost}
    cases = [
        (p.name, p.library_ref.ref_id, p.id in almost)
        for p in catalog.products
        if p.library_ref is not None
    ]
    report("demo catalogue (products with a library reference)", cases, engine)
    for kind in ("bottle", "glass", "carafe"):
        sub = [
            (p.name, p.library_ref.ref_id, p.id in almost)
            for p in catalog.products
            if p.library_ref is not None and p.sales_kind == kind
        ]
        hits = sum(bool(f := engine.suggest(lab)) and f[0].ref_id == ref for lab, ref, _ in sub)
        print(f"  {kind}: top-1 {hits}/{len(sub)}")
    print()


COLOURS = (("Rosé", "rose"), ("Blanc", "white"), ("Rouge", "red"), ("Champagne", "sparkling"))


def noailles_library() -> list[LibraryEntry]:
    """Each priced line: producer = text before the first " - " / " – " (else the whole label),
    the rest = cuvée/appellation text, subsection (e.g. "Margaux") = appellation, colour from
    the section title, format from bottle_size, vintage when given."""
    path = EXTERNAL / "carte_vins_le_noailles_bordeaux" / "carte_vins_le_noailles_2024.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    entries = []
    for i, row in enumerate(rows, start=1):
        parts = re.split(r"\s+[-–]\s*|\s*[-–]\s+", row["label"], maxsplit=1)
        producer = parts[0].strip()
        rest = parts[1].strip() if len(parts) > 1 else ""
        section = row["section"]
        colour = next((c for word, c in COLOURS if word.lower() in section.lower()), "red")
        entries.append(
            LibraryEntry(
                ref_id=f"NOA-{i:03d}",
                kind="wine",
                producer=producer,
                cuvee=rest,
                appellation=row["subsection"],
                colour=colour,
                vintage=int(row["vintage"]) if row["vintage"].strip().isdigit() else None,
                format_cl=float(row["bottle_size"].replace(" cl", "").replace(",", ".")),
            )
        )
    return entries


def noailles_labels(entries: list[LibraryEntry]) -> list[tuple[str, str, bool]]:
    """Per library line, with a seeded generator:

    1. bottle label: "BTL " (37.5 cl: "1/2 BTL ", 50 cl: "50CL ") + the producer and the first
       words of the cuvée/appellation text, upper-case ASCII, CHATEAU -> CHT / CH.,
       SAINT -> ST, cut to 25 characters, + the vintage as '19 (or none for a non-vintage);
    2. for 75 cl lines: a glass label "VRE " + producer (cut to 25) + the vintage as 2019;
    3. for the latest vintage of each wine and format: an *almost*: the bottle prefix, the
       producer (cut to 25) and a vintage the list holds for no line of that producer (the
       producer's latest + 1); the expected reference is that latest vintage.
    """
    rng = random.Random("sommit-matching-noailles-v1")
    latest: dict[tuple[object, ...], LibraryEntry] = {}
    newest: dict[str, int] = {}
    for e in entries:
        key = (e.producer, e.cuvee, e.format_cl)
        if key not in latest or (e.vintage or 0) > (latest[key].vintage or 0):
            latest[key] = e
        newest[e.producer] = max(newest.get(e.producer, 0), e.vintage or 0)

    def till(text: str) -> str:
        text = ascii_upper(text).replace("CHATEAU ", rng.choice(("CHT ", "CH. ")))
        text = re.sub(r"\bSAINT[- ]", "ST ", text)
        return " ".join(re.sub(r"[\"«»()]", " ", text).split())

    cases = []
    for e in entries:
        prefix = {37.5: "1/2 BTL ", 50.0: "50CL "}.get(e.format_cl or 75.0, "BTL ")
        name = till(f"{e.producer} {e.cuvee}")
        vintage = f" '{e.vintage % 100:02d}" if e.vintage else ""
        cases.append(((prefix + name)[:25].rstrip() + vintage, e.ref_id, False))
        if e.format_cl == 75.0:
            year = f" {e.vintage}" if e.vintage else ""
            cases.append((("VRE " + till(e.producer))[:25].rstrip() + year, e.ref_id, False))
        if e.vintage is not None and latest[(e.producer, e.cuvee, e.format_cl)] is e:
            label = (prefix + till(e.producer))[:25].rstrip()
            cases.append((f"{label} {newest[e.producer] + 1}", e.ref_id, True))
    return cases


LONDON_EXPECTED = {
    "COBRA (330ML)": "LDN-001",
    "COBRA (660ML)": "LDN-002",
    "COBRA ( LARGE )": "LDN-002",
    "House Red wine 75cl": "LDN-003",
    "House white wine 75cl": "LDN-004",
    "Perrier Water (750ml)": "LDN-005",
    "Prier Water (750ml)": "LDN-005",
    "Still Water (750ml)": "LDN-006",
    "Coke 1.5 ltr": "LDN-007",
    "Bottle Coke": "LDN-007",
    "Diet Coke 1.5 ltr": "LDN-008",
    "Bottle Diet Coke": "LDN-008",
    "Lemonade 1.5 ltr": "-",
}


def london() -> None:
    with (ROOT / "data" / "london" / "library.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    entries = entries_from_rows(rows)
    formats = {e.ref_id: e.format_cl for e in entries}
    engine = MatchEngine(entries)
    path = EXTERNAL / "pos_takeaway_london_restaurant1" / "restaurant-1-products-price.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        labels = [row["Item Name"] for row in csv.DictReader(handle)]
    print("## London take-away (restaurant 1) beverage labels vs data/london/library.csv")
    print("| label | expected | top suggestion | score | confidence | factor |")
    print("|---|---|---|---|---|---|")
    right = 0
    for label in labels:
        if label not in LONDON_EXPECTED:
            continue
        found = engine.suggest(label)
        top = found[0] if found else None
        factor = infer_serving_factor(label, formats[top.ref_id] or 0) if top else None
        expected = LONDON_EXPECTED[label]
        right += (top.ref_id if top and top.confidence != "unsure" else "-") == expected
        print(
            f"| {label} | {expected} | {top.ref_id if top else '-'} | "
            f"{top.score if top else '-'} | {top.confidence if top else '-'} | {factor} |"
        )
    print(f"\nright (an unsure top counts as no proposal): {right}/{len(LONDON_EXPECTED)}")
    food = [lab for lab in labels if lab not in LONDON_EXPECTED]
    sure_food = [lab for lab in food if (f := engine.suggest(lab)) and f[0].confidence == "sure"]
    likely_food = [
        lab for lab in food if (f := engine.suggest(lab)) and f[0].confidence == "likely"
    ]
    print(
        f"the {len(food)} food labels: {len(sure_food)} get a sure proposal {sure_food}, "
        f"{len(likely_food)} a likely one {likely_food}\n"
    )


def main() -> int:
    demo()
    entries = noailles_library()
    report(
        "Le Noailles wine list (till-style labels)", noailles_labels(entries), MatchEngine(entries)
    )
    london()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
