"""Label matching: till labels -> library references (pure code, no Dagster, no DuckDB).

Public API::

    engine = MatchEngine(entries)            # entries: Sequence[LibraryEntry]
    engine.suggest(label, limit=5)           # -> list[Suggestion], best first
    engine.suggest_many(labels, limit=5)     # -> list[list[Suggestion]]
    infer_serving_factor(label, format_cl)   # -> float | None
    parse_label(label)                       # -> ParsedLabel
    normalize(text)                          # -> str
"""

from sommit_pipeline.matching.engine import LibraryEntry, MatchEngine, Suggestion
from sommit_pipeline.matching.library import entries_from_rows, entry_from_row
from sommit_pipeline.matching.normalize import normalize
from sommit_pipeline.matching.pairwise import RecordMatcher
from sommit_pipeline.matching.parse import ParsedLabel, parse_label
from sommit_pipeline.matching.serving import infer_serving_factor

__all__ = [
    "LibraryEntry",
    "MatchEngine",
    "ParsedLabel",
    "RecordMatcher",
    "Suggestion",
    "entries_from_rows",
    "entry_from_row",
    "infer_serving_factor",
    "normalize",
    "parse_label",
]
