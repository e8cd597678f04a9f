"""Data for the matching benchmarks: a 100,000-reference library built from the public wine-name
files in ../shared/data/external, and till-style labels derived from library references by
documented, seeded rules (see ``till_label``)."""

from __future__ import annotations

import ast
import csv
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sommit_pipeline.matching import LibraryEntry

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
if not EXTERNAL.is_dir():  # run from another checkout: fall back on the shared absolute path
    EXTERNAL = Path("/work/shared/data/external")
SEED = "sommit-matching-bench-v1"
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")
XWINES_COLOURS = {"Red": "red", "White": "white", "Rosé": "rose", "Sparkling": "sparkling"}


@dataclass(frozen=True)
class BaseWine:
    source: str
    producer: str
    cuvee: str
    appellation: str
    colour: str
    vintage: int | None


def _csv(path: Path, **kwargs: object) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, **kwargs))  # type: ignore[arg-type]


def base_wines() -> list[BaseWine]:
    """Distinct wines (no vintage, no format) from the four sources:

    - vivino (13,763 names): the name minus its vintage is the producer+cuvée (one field:
      Vivino does not separate them), the region is the appellation;
    - winemag (5,810 reviews): winery / designation (else variety) / region_1 (else province);
    - X-Wines Slim 1K + Test 100: winery / wine name / region, colour from the type;
    - AOC/IGP (4,441 product names): each appellation with a producer invented from a seeded
      pick of two surnames of the other sources ("Domaine <name>"), twice.
    Duplicates (same normalised fields) are dropped.
    """
    wines: list[BaseWine] = []
    for row in _csv(EXTERNAL / "vivino_scrape_openwinesdatabase" / "vivino_wines_dedup.csv"):
        name = row["name"]
        years = _YEAR.findall(name)
        name = _YEAR.sub("", name).strip()
        wines.append(
            BaseWine("vivino", name, "", row["region"], "", int(years[-1]) if years else None)
        )
    for row in _csv(EXTERNAL / "winemag_130k_first5810" / "winemag-data-130k-v2.first5810.csv"):
        years = _YEAR.findall(row["title"])
        wines.append(
            BaseWine(
                "winemag",
                row["winery"],
                row["designation"] or row["variety"],
                row["region_1"] or row["province"],
                "",
                int(years[0]) if years else None,
            )
        )
    for name in ("XWines_Slim_1K_wines.csv", "XWines_Test_100_wines.csv"):
        for row in _csv(EXTERNAL / "xwines_cc0" / name):
            vintages = [v for v in ast.literal_eval(row["Vintages"]) if isinstance(v, int)]
            wines.append(
                BaseWine(
                    "xwines",
                    row["WineryName"],
                    row["WineName"],
                    row["RegionName"],
                    XWINES_COLOURS.get(row["Type"], ""),
                    max(vintages) if vintages else None,
                )
            )
    rng = random.Random(f"{SEED}:aoc")
    surnames = sorted(
        {w.producer.split()[-1] for w in wines if w.producer and w.producer.split()[-1].isalpha()}
    )
    aoc = _csv(EXTERNAL / "fr_aoc_igp_wine_names_openwines" / "aoc_igp_wine_product_names.csv")
    for row in aoc:
        name = row["product_name"]
        colour = next(
            (
                c
                for word, c in (("rouge", "red"), ("blanc", "white"), ("rosé", "rose"))
                if word in name.split()
            ),
            "",
        )
        for _ in range(2):
            producer = f"Domaine {rng.choice(surnames)} {rng.choice(surnames)}"
            wines.append(BaseWine("aoc", producer, "", name, colour, None))
    seen: set[tuple[str, ...]] = set()
    unique = []
    for wine in wines:
        key = (wine.producer.lower(), wine.cuvee.lower(), wine.appellation.lower(), wine.colour)
        if key not in seen:
            seen.add(key)
            unique.append(wine)
    return unique


def big_library(size: int = 100_000) -> list[LibraryEntry]:
    """``size`` distinct references: every base wine in three consecutive vintages (its own,
    else a seeded one in 2012-2022, and the two before), every fourth wine also as a magnum of
    its latest vintage, then older vintages (a fourth, a fifth, ...) wine after wine until
    ``size`` is reached."""
    rng = random.Random(f"{SEED}:library")
    wines = base_wines()
    entries: list[LibraryEntry] = []
    latest = [w.vintage or rng.randint(2012, 2022) for w in wines]

    def add(wine: BaseWine, vintage: int, fmt: float) -> None:
        entries.append(
            LibraryEntry(
                ref_id=f"BIG-{len(entries) + 1:06d}",
                kind="wine",
                producer=wine.producer,
                cuvee=wine.cuvee,
                appellation=wine.appellation,
                colour=wine.colour,
                vintage=vintage,
                format_cl=fmt,
            )
        )

    for wine, year in zip(wines, latest, strict=True):
        for back in range(3):
            add(wine, year - back, 75.0)
    for i, (wine, year) in enumerate(zip(wines, latest, strict=True)):
        if i % 4 == 0:
            add(wine, year, 150.0)
    i = 0
    while len(entries) < size:
        add(wines[i % len(wines)], latest[i % len(wines)] - 3 - i // len(wines), 75.0)
        i += 1
    return entries[:size]


# --------------------------------------------------------------------------------------------
# Till labels
# --------------------------------------------------------------------------------------------

ABBREVIATE = (
    ("CHATEAU ", ("CHT ", "CH. ", "CHATEAU ")),
    ("DOMAINE ", ("DOM ", "DNE ", "DOMAINE ")),
    ("SAINT-", ("ST ", "ST-")),
    ("SAINT ", ("ST ",)),
    ("SAINTE-", ("STE ",)),
    (" ROUGE", (" RGE",)),
    (" BLANC", (" BLC",)),
    ("COTES DU RHONE", ("CDR",)),
)


def ascii_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def typo(rng: random.Random, word: str) -> str:
    """One edit in a word of 5+ letters: a dropped, doubled or swapped letter."""
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def till_label(rng: random.Random, entry: LibraryEntry, shown: int | None) -> str:
    """A label an operator could type for ``entry``, showing the vintage ``shown`` (or none).

    Rules (each drawn with the seeded generator): upper-case ASCII; CHATEAU -> CHT/CH.,
    DOMAINE -> DOM/DNE, SAINT -> ST, colours -> RGE/BLC; the appellation kept (60 %); the cuvée
    kept (70 %); the words of the name in reverse order (10 %); a typo in one word of 5+ letters
    (15 %); the vintage as 2019 (45 %), '19 (25 %) or left off (30 %, never for an *almost*
    label, whose vintage is the point); a BTL / VRE prefix (30 %), MAG for a
    magnum; the result cut to the till button's 25-30 characters (35 %)."""
    parts = [entry.producer]
    if entry.cuvee and rng.random() < 0.7:
        parts.append(entry.cuvee)
    if entry.appellation and rng.random() < 0.6 and entry.appellation not in entry.producer:
        parts.append(entry.appellation)
    name = ascii_upper(" ".join(parts))
    for long, shorts in ABBREVIATE:
        if long in name:
            name = name.replace(long, rng.choice(shorts))
    words = name.split()
    if rng.random() < 0.1:
        words.reverse()
    if rng.random() < 0.15:
        candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if candidates:
            i = rng.choice(candidates)
            words[i] = typo(rng, words[i])
    draw = rng.random()
    if shown != entry.vintage:
        draw = 0.3 + draw * 0.7
    if shown is None or draw < 0.3:
        vintage_text = ""
    elif draw < 0.55:
        vintage_text = f"'{shown % 100:02d}"
    else:
        vintage_text = str(shown)
    prefix = ""
    if entry.format_cl == 150:
        prefix = "MAG "
    elif rng.random() < 0.3:
        prefix = rng.choice(("BTL ", "VRE "))
    label = f"{prefix}{' '.join(words)}"
    if rng.random() < 0.35 and len(label) > 25:
        label = label[: rng.randint(25, 30)].rstrip()
    if vintage_text:
        label = f"{label} {vintage_text}"
    return label


def big_labels(entries: list[LibraryEntry], count: int = 10_000) -> list[tuple[str, str, bool]]:
    """(label, true ref id, is_almost) for ``count`` references drawn with a seeded generator.

    For 10 % of the labels (an *almost*) the vintage shown is one the library does not hold for
    that wine: one year after its latest vintage in that format; the expected suggestion is
    then that latest vintage, flagged almost. Other labels show the entry's own vintage or none
    (then every vintage of the wine fits the label, and the expected reference is only one of
    them: see the "right wine" figure)."""
    rng = random.Random(f"{SEED}:labels")
    latest: dict[tuple[object, ...], LibraryEntry] = {}
    for entry in entries:
        key = (entry.producer, entry.cuvee, entry.appellation, entry.colour, entry.format_cl)
        held = latest.get(key)
        if held is None or (entry.vintage or 0) > (held.vintage or 0):
            latest[key] = entry
    picks = rng.sample(range(len(entries)), count)
    out = []
    for i in picks:
        entry = entries[i]
        almost = entry.vintage is not None and rng.random() < 0.1
        if almost:
            key = (entry.producer, entry.cuvee, entry.appellation, entry.colour, entry.format_cl)
            entry = latest[key]
            assert entry.vintage is not None
            label = till_label(rng, entry, shown=entry.vintage + 1)
        else:
            label = till_label(rng, entry, shown=entry.vintage)
        out.append((label, entry.ref_id, almost))
    return out
