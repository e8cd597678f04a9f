"""The label-matching engine: normalisation, extraction, scoring, serving factors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sommit_pipeline.matching import (
    LibraryEntry,
    MatchEngine,
    entries_from_rows,
    infer_serving_factor,
    normalize,
    parse_label,
)

# --------------------------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Château Brane-Cantenac", "chateau brane cantenac"),
        ("CHT BRANE CANTENAC", "chateau brane cantenac"),
        ("CH. BRANE CANTENAC", "chateau brane cantenac"),
        ("BTL MARGAUX", "bouteille margaux"),
        ("BTLE MARGAUX", "bouteille margaux"),
        ("BOUT MARGAUX", "bouteille margaux"),
        ("VRE CHINON", "verre chinon"),
        ("VERRE CHINON", "verre chinon"),
        ("DOM TEMPIER", "domaine tempier"),
        ("ST JULIEN", "saint julien"),
        ("ST-ÉMILION", "saint emilion"),
        ("STE CLAIRE", "sainte claire"),
        ("CDR", "cotes du rhone"),
        ("BLC RGE RSE", "blanc rouge rose"),
        ("Rosé", "rose"),
        ("MAG POL ROGER", "magnum pol roger"),
        ("1/2 BTL SAUTERNES", "demi bouteille sauternes"),
        ("PICHET CDR 50CL", "pichet cotes du rhone 50cl"),
        ("CARAFE 50 cl", "carafe 50cl"),
        ("CH'TI AMBREE", "chti ambree"),  # not a château
        ("Château d'Aqueria", "chateau d aqueria"),
        ("COBRA (330ML)", "cobra 33cl"),
        ("Coke 1.5 ltr", "coke 150cl"),
        ("Château X 37,5 cl", "chateau x 37.5cl"),
        ("BTL CHT BRANE CANTENAC '16", "bouteille chateau brane cantenac '16"),
    ],
)
def test_normalize(label: str, expected: str) -> None:
    assert normalize(label) == expected


TILL_TEXT = (
    "BTL VRE CHT CH. DOM ST STE CDR BLC RGE MAG 1/2 PICHET '19 2019 12CL (330ML) 1.5L "
    "D'ISSAN CH'TI & - MARGAUX"
)
TILL_WORDS = TILL_TEXT.split()


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(
    st.lists(
        st.sampled_from(TILL_WORDS),
        max_size=8,
    )
)
def test_normalize_is_idempotent_on_till_words(words: list[str]) -> None:
    once = normalize(" ".join(words))
    assert normalize(once) == once


# --------------------------------------------------------------------------------------------
# extraction
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "vintage"),
    [
        ("CHATEAU GLANA 2019", 2019),
        ("CHT GLANA '19", 2019),
        ("CHT GLANA ’19", 2019),
        ("BTL CHT GLANA 19", 2019),  # a bare 19 at the end of a wine label
        ("VERRE MERCUREY RGE 12CL", None),  # 12CL is a volume, not a vintage
        ("GLENMORANGIE 10", None),  # no wine context: "10 ans", not 2010
        ("PAGE 24 BTL 33CL", None),  # not the last word of the name
        ("CHT X '98", 1998),
        ("CHT X", None),
    ],
)
def test_vintage(label: str, vintage: int | None) -> None:
    assert parse_label(label).vintage == vintage


@pytest.mark.parametrize(
    ("label", "serving", "volume"),
    [
        ("VERRE MERCUREY RGE 12CL", "glass", 12.0),
        ("VRE CHINON RGE", "glass", None),
        ("BTL MARGAUX", "bottle", None),
        ("Bottle Coke", "bottle", None),
        ("1/2 BTL SAUTERNES", "half-bottle", None),
        ("MAG CHAMP. POL ROGER", "magnum", None),
        ("PICHET CDR 50CL", "carafe", 50.0),
        ("CARAFE 50CL MACON", "carafe", 50.0),
        ("PINT OF COBRA", "pint", None),
        ("COBRA CAN (330ML)", "can", 33.0),
        ("COBRA (330ML)", None, 33.0),
        ("Coke 1.5 ltr", None, 150.0),
        ("SAN PELLEGRINO 1.5L", None, 150.0),
        ("EVIAN 50 cl", None, 50.0),
        ("COGNAC FERRAND 4CL", "glass", 4.0),
    ],
)
def test_serving_and_volume(label: str, serving: str | None, volume: float | None) -> None:
    parsed = parse_label(label)
    assert (parsed.serving, parsed.volume_cl) == (serving, volume)


def test_parsed_label_keeps_name_words_only() -> None:
    parsed = parse_label("BTL CHT BRANE CANTENAC '16 75CL")
    assert parsed.tokens == ("chateau", "brane", "cantenac")
    assert (parsed.vintage, parsed.serving, parsed.volume_cl) == (2016, "bottle", 75.0)


# --------------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------------

BORDEAUX = [
    LibraryEntry("BC16", "wine", "Château Brane-Cantenac", "", "Margaux", "red", 2016, 75),
    LibraryEntry("BC15", "wine", "Château Brane-Cantenac", "", "Margaux", "red", 2015, 75),
    LibraryEntry("CM15", "wine", "Château Margaux", "", "Margaux", "red", 2015, 75),
    LibraryEntry("GL15", "wine", "Château Glana", "", "Saint-Julien", "red", 2015, 75),
    LibraryEntry("LG18", "wine", "Château La Gurgue", "", "Margaux", "red", 2018, 75),
    LibraryEntry("BG20", "wine", "Domaine Faiveley", "", "Bourgogne", "red", 2020, 75),
    LibraryEntry("BG20M", "wine", "Domaine Faiveley", "", "Bourgogne", "red", 2020, 150),
    LibraryEntry("CDR21", "wine", "Maison Guigal", "", "Côtes du Rhône", "red", 2021, 75),
    LibraryEntry("MB22", "wine", "Domaine Michel", "", "Mâcon", "white", 2022, 75),
]


@pytest.fixture(scope="module")
def engine() -> MatchEngine:
    return MatchEngine(BORDEAUX)


def test_exact_label_is_sure(engine: MatchEngine) -> None:
    top = engine.suggest("BTL CHT BRANE CANTENAC '16")[0]
    assert top.ref_id == "BC16"
    assert top.confidence == "sure"
    assert not top.is_almost
    assert (top.label_vintage, top.entry_vintage) == (2016, 2016)


def test_other_vintage_is_almost() -> None:
    engine = MatchEngine([e for e in BORDEAUX if e.ref_id != "BC16"])
    top = engine.suggest("BTL CHT BRANE CANTENAC 2017")[0]
    assert top.ref_id == "BC15"
    assert top.is_almost
    assert (top.label_vintage, top.entry_vintage) == (2017, 2015)
    assert top.score < 100


def test_held_vintage_beats_the_other(engine: MatchEngine) -> None:
    found = engine.suggest("CHT BRANE CANTENAC 2015")
    assert [s.ref_id for s in found[:2]] == ["BC15", "BC16"]
    assert not found[0].is_almost and found[1].is_almost


def test_subset_name_is_not_a_perfect_match() -> None:
    """'Château Margaux' is contained in 'Château Brane-Cantenac, Margaux' word for word."""
    only_brane = MatchEngine([e for e in BORDEAUX if e.ref_id != "CM15"])
    top = only_brane.suggest("CHATEAU MARGAUX 2015")[0]
    assert top.ref_id == "BC15"
    assert top.score < 80
    assert top.confidence != "sure"
    # With Château Margaux in the library, it wins clearly.
    found = MatchEngine(BORDEAUX).suggest("CHATEAU MARGAUX 2015")
    assert found[0].ref_id == "CM15"
    assert found[0].score - found[1].score > 15
    # And the reverse: the longer label does not fully match the shorter name.
    reverse = MatchEngine([e for e in BORDEAUX if not e.ref_id.startswith("BC")])
    assert reverse.suggest("CHT BRANE CANTENAC MARGAUX 2015")[0].score < 80


def test_truncated_last_word(engine: MatchEngine) -> None:
    assert engine.suggest("BTL DOM FAIVELEY BOURG")[0].ref_id == "BG20"
    assert engine.suggest("BTL CHT LA GURGUE MARGA")[0].ref_id == "LG18"


def test_swapped_words_and_typos(engine: MatchEngine) -> None:
    assert engine.suggest("CANTENAC BRANE CHT 2016")[0].ref_id == "BC16"
    assert engine.suggest("CHT BRANE CANTENAK 2016")[0].ref_id == "BC16"  # one letter
    assert engine.suggest("CHT BRAEN CANTENACC 2016")[0].ref_id == "BC16"  # two words off
    assert engine.suggest("CHT GLNA 2015")[0].ref_id == "GL15"


def test_abbreviations_reach_the_library(engine: MatchEngine) -> None:
    assert engine.suggest("CDR RGE GUIGAL")[0].ref_id == "CDR21"
    assert engine.suggest("VRE MACON BLC")[0].ref_id == "MB22"


def test_format_from_label(engine: MatchEngine) -> None:
    assert engine.suggest("MAG FAIVELEY 2020")[0].ref_id == "BG20M"
    assert engine.suggest("BTL FAIVELEY 2020")[0].ref_id == "BG20"


def test_unknown_label_gives_nothing_sure(engine: MatchEngine) -> None:
    found = engine.suggest("PLANCHE MIXTE")
    assert not found or found[0].confidence == "unsure"
    assert engine.suggest("") == []
    assert engine.suggest("CHT GLANA", limit=0) == []


def test_suggest_many_matches_suggest(engine: MatchEngine) -> None:
    labels = ["CHT GLANA '15", "CDR GUIGAL", "PLANCHE"]
    assert engine.suggest_many(labels, limit=3) == [engine.suggest(x, 3) for x in labels]
    assert engine.suggest_many(labels * 2, limit=3, workers=2) == [
        engine.suggest(x, 3) for x in labels * 2
    ]


@given(
    st.text(alphabet=st.sampled_from(list("ABCDEFGHIJKLMNOPRSTUVXYZ '0123456789.-/")), max_size=40),
    st.integers(min_value=0, max_value=8),
)
@settings(max_examples=200, deadline=None)
def test_suggestions_sorted_and_limited(label: str, limit: int) -> None:
    found = MatchEngine(BORDEAUX).suggest(label, limit)
    assert len(found) <= limit
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert sum(s.confidence == "sure" for s in found) <= 1


# --------------------------------------------------------------------------------------------
# demo catalogue
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> tuple[MatchEngine, dict[str, str]]:
    from sommit_pipeline.scenarios.demo import build_catalog, build_library

    library = build_library()
    catalog = build_catalog(library)
    truth = {p.name: p.library_ref.ref_id for p in catalog.products if p.library_ref}
    return MatchEngine(entries_from_rows(ref.row() for ref in library)), truth


@pytest.mark.parametrize(
    "label",
    [
        "BTL MARGAUX CH. LA GURGUE 2016",
        "CHT GLANA '15 75CL",
        "BOUT CDR CHATEAU DE SAINT-COSME 2020",
        "MAG CHAMP. POL ROGER BRUT RESERVE",
        "1/2 BTL SAUTERNES CHATEAU HAUT-BERGERON",
        "TAVEL RSE CH. D'AQUERIA '20",
        "CH'TI AMBREE 33CL",
        "SAN PELLEGRINO 1L",
    ],
)
def test_demo_top1(demo: tuple[MatchEngine, dict[str, str]], label: str) -> None:
    engine, truth = demo
    assert engine.suggest(label)[0].ref_id == truth[label]


def test_demo_almost_cases(demo: tuple[MatchEngine, dict[str, str]]) -> None:
    from sommit_pipeline.scenarios.demo import build_catalog, build_library

    engine, _ = demo
    for product in build_catalog(build_library()).almost:
        top = engine.suggest(product.name)[0]
        assert top.ref_id == product.library_ref.ref_id, product.name
        assert top.is_almost, product.name


def test_demo_sure_is_right(demo: tuple[MatchEngine, dict[str, str]]) -> None:
    engine, truth = demo
    sure = [(label, engine.suggest(label)[0]) for label in truth]
    sure = [(label, top) for label, top in sure if top.confidence == "sure"]
    assert len(sure) >= 80
    assert all(top.ref_id == truth[label] for label, top in sure)


# --------------------------------------------------------------------------------------------
# serving factor
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "fmt", "factor"),
    [
        ("VERRE MERCUREY RGE 12CL", 75, 0.16),
        ("CARAFE 50CL COTES DU RHONE", 75, 0.6667),
        ("PICHET CDR", 75, 0.6667),
        ("VRE CHINON RGE", 75, 0.1667),  # 12.5 cl: 1/6
        ("MAG CHATEAU FOMBRAUGE", 75, 2.0),
        ("BTL MARGAUX", 75, 1.0),
        ("1/2 BTL SAUTERNES", 75, 0.5),
        ("1/2 BTL SAUTERNES", 37.5, 1.0),
        ("PINT OF COBRA", 33, 1.7212),
        ("COBRA (330ML)", 66, 0.5),
        ("Coke 1.5 ltr", 150, 1.0),
        ("PRESSION 25CL", 3000, 0.0083),
        ("COGNAC FERRAND 4CL", 70, 0.0571),
        ("CHT GLANA '15", 75, None),
        ("COBRA ( LARGE )", 66, None),
        ("BTL MARGAUX", 0, None),
    ],
)
def test_serving_factor(label: str, fmt: float, factor: float | None) -> None:
    assert infer_serving_factor(label, fmt) == factor


def test_no_volume_glass_is_a_sixth() -> None:
    assert infer_serving_factor("VRE BANDOL RSE", 75) == pytest.approx(1 / 6, abs=1e-4)


def test_unrelated_wines_in_another_vintage_are_not_almost(
    demo: tuple[MatchEngine, dict[str, str]],
) -> None:
    engine, _ = demo
    first, *others = engine.suggest("TAVEL RSE CH. D'AQUERIA '20")
    assert (first.confidence, first.is_almost) == ("sure", False)  # library holds 2020
    # e.g. Domaine Vacheron Rosé Sancerre 2021, scored ~25: another wine, not "almost"
    assert [s.is_almost for s in others] == [False] * len(others)


def test_a_runner_up_is_never_more_confident_than_an_unsure_first(
    demo: tuple[MatchEngine, dict[str, str]],
) -> None:
    engine, _ = demo
    suggestions = engine.suggest("BTLE COTES DE PROVENCE CH")  # four Côtes de Provence rosés
    assert suggestions[0].confidence == "unsure"
    assert {s.confidence for s in suggestions} == {"unsure"}


# --- Pairwise record matching (pairwise.py): features, LogisticModel ---------------------------

from sommit_pipeline.matching.pairwise import (  # noqa: E402
    FieldSpec,
    LogisticModel,
    RecordMatcher,
    words,
)

_BEER = ("Beer_Name",)
_BREWERY = "Brew_Factory_Name"


def _beer(name: str, brewery: str, abv: str = "-") -> dict[str, str]:
    return {"Beer_Name": name, "Brew_Factory_Name": brewery, "ABV": abv}


def test_words_glue_possessives() -> None:
    assert words("Barley John 's Brew Pub") == words("Barley Johns Brew Pub")
    assert words("Chapman_s Red RYEding Hood") == words("Chapmans Red RYEding Hood")


def test_cover_extra_and_ratio_features() -> None:
    specs = [
        FieldSpec("min", "cover", _BEER, _BEER, strip=_BREWERY, method="min"),
        FieldSpec("max", "cover", _BEER, _BEER, strip=_BREWERY, method="max"),
        FieldSpec("extra", "extra", _BEER, _BEER, strip=_BREWERY),
        FieldSpec("set", "ratio", _BEER, _BEER, method="token_set"),
    ]
    matcher = RecordMatcher(specs)
    left = _beer("Unite Red Rye Ale", "The Pike Brewing Company")
    # the brewery prefix of the RateBeer name is explained by the other record's brewery
    same = matcher.features(left, _beer("Pike Unite Red Rye Ale", "Pike Brewing Company"))
    assert same["max"] == 1.0 and same["extra"] == 0.0 and same["set"] == 1.0
    other = matcher.features(left, _beer("Aftershock Unite Red Rye Ale", "Aftershock Brewing"))
    assert other["extra"] == pytest.approx(1 / 9)  # "aftershock": 1 of 9 words, same idf
    longer = matcher.features(left, _beer("Barrel Aged Unite Red Rye Ale", "Pike Brewing"))
    assert longer["max"] == 1.0 and longer["min"] < 1.0 and longer["extra"] > 0.0


def test_number_digit_and_unknown_features() -> None:
    abv = ("ABV",)
    specs = [
        FieldSpec("abv", "number", abv, abv, tolerance=0.05),
        FieldSpec("abv_diff", "numdiff", abv, abv, tolerance=1.0),
        FieldSpec("digits", "digits", _BEER, _BEER),
    ]
    matcher = RecordMatcher(specs)
    got = matcher.features(
        _beer("Regimental 80", "x", "4.70 %"), _beer("Regimental 90", "x", "5 %")
    )
    assert got["abv"] == 0.0 and got["abv_diff"] == pytest.approx(0.3) and got["digits"] == 0.0
    missing = matcher.features(_beer("Ale", "x", "-"), _beer("Ale", "x", "5 %"))
    assert missing["abv"] == missing["abv_diff"] == missing["digits"] == 0.5
    with pytest.raises(ValueError):
        RecordMatcher([FieldSpec("bad", "nope", _BEER, _BEER)]).features({}, {})


def test_logistic_model_learns_and_is_deterministic() -> None:
    # label = 1 iff a > b, with one flipped label; b is noise-free, c is irrelevant
    rows = [{"a": i / 10, "b": (i * 7 % 10) / 10, "c": (i * 3 % 5) / 5} for i in range(40)]
    labels = [int(r["a"] > r["b"]) for r in rows]
    labels[3] = 1 - labels[3]
    model = LogisticModel(["a", "b", "c"], l2=0.1).fit(rows, labels)
    again = LogisticModel(["a", "b", "c"], l2=0.1).fit(rows, labels)
    assert model.coef == again.coef
    assert model.coef[1] > 0 > model.coef[2]
    assert abs(model.coef[3]) < min(abs(model.coef[1]), abs(model.coef[2]))
    correct = sum(
        (model.predict_proba(r) >= 0.5) == bool(y) for r, y in zip(rows, labels, strict=True)
    )
    assert correct >= 36
    assert 0.0 < model.predict_proba({"a": 0.0, "b": 1.0, "c": 0.0}) < 0.5
    assert model.predict_proba({"a": 1.0, "b": 0.0, "c": 0.0}) > 0.5


def test_a_stronger_l2_shrinks_the_coefficients() -> None:
    rows = [{"a": float(i % 2), "b": float(i % 3 == 0)} for i in range(30)]
    labels = [int(r["a"] == 1.0) for r in rows]
    weak = LogisticModel(["a", "b"], l2=0.1).fit(rows, labels)
    strong = LogisticModel(["a", "b"], l2=10.0).fit(rows, labels)
    assert abs(strong.coef[1]) < abs(weak.coef[1])


def test_record_matcher_scores_with_its_model() -> None:
    spec = FieldSpec("set", "ratio", _BEER, _BEER, method="token_set")
    matcher = RecordMatcher([spec], threshold=50.0)
    rows = [{"set": v / 10} for v in range(11)]
    matcher.model = LogisticModel(["set"], l2=0.1).fit(rows, [int(v >= 6) for v in range(11)])
    same = (_beer("Fat Tire Amber Ale", "x"), _beer("Fat Tire Amber Ale", "y"))
    other = (_beer("Fat Tire Amber Ale", "x"), _beer("Levitation", "y"))
    assert matcher.match_score(*same) == pytest.approx(
        100 * matcher.model.predict_proba({"set": 1})
    )
    assert matcher.is_match(*same) and not matcher.is_match(*other)
