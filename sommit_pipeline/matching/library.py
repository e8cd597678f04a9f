"""Library rows (the project's library.csv columns) -> :class:`LibraryEntry`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sommit_pipeline.matching.engine import LibraryEntry


def _int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(float(text)) if text and text.replace(".", "", 1).isdigit() else None


def _float_or_none(value: Any) -> float | None:
    text = str(value or "").strip().replace(",", ".")
    try:
        return float(text) if text else None
    except ValueError:
        return None


def entry_from_row(row: Mapping[str, Any]) -> LibraryEntry:
    """A row with ``library_ref_id, kind, producer, cuvee, appellation, colour, vintage,
    format_cl`` (library.csv, ``LibraryRef.row()``)."""
    return LibraryEntry(
        ref_id=str(row.get("library_ref_id") or row.get("ref_id")),
        kind=str(row.get("kind") or ""),
        producer=str(row.get("producer") or ""),
        cuvee=str(row.get("cuvee") or ""),
        appellation=str(row.get("appellation") or ""),
        colour=str(row.get("colour") or ""),
        vintage=_int_or_none(row.get("vintage")),
        format_cl=_float_or_none(row.get("format_cl")),
    )


def entries_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[LibraryEntry]:
    return [entry_from_row(row) for row in rows]
