"""The live list of drinks to synchronise, and the match engine over the library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from sommit_pipeline.matching.engine import LibraryEntry, MatchEngine
from sommit_pipeline.matching.library import entries_from_rows
from sommit_pipeline.transforms.unmatched import REGENERATED_IDS_SQL, unlinked_items
from sommit_pipeline.warehouse.schema import ensure_tables


@dataclass(frozen=True)
class SyncItem:
    pos_product_id: str
    label: str
    category: str | None
    is_sold: bool
    last_sale_day: date | None
    unlinked_quantity: float
    unlinked_revenue_ttc_cents: int
    relink_from: str | None = None  # a departed linked product with this label and price
    relink_target: str | None = None  # ... and the library reference it was linked to


def pending_items(
    conn: duckdb.DuckDBPyConnection, include_catalogue_only: bool = True
) -> list[SyncItem]:
    """Unlinked, not ignored POS references as they stand now (not as last materialised):
    sold ones first, by revenue not yet linked."""
    ensure_tables(conn)
    relinks = {
        pid: (old, target) for pid, old, target in conn.execute(REGENERATED_IDS_SQL).fetchall()
    }
    items = [
        SyncItem(
            **row,
            relink_from=relinks.get(row["pos_product_id"], (None, None))[0],
            relink_target=relinks.get(row["pos_product_id"], (None, None))[1],
        )
        for row in unlinked_items(conn).iter_rows(named=True)
    ]
    return [i for i in items if i.is_sold or include_catalogue_only]


def library_entries(conn: duckdb.DuckDBPyConnection) -> list[LibraryEntry]:
    ensure_tables(conn, "library")
    rows = conn.sql(
        "SELECT library_ref_id, kind, producer, cuvee, appellation, colour, vintage, format_cl "
        "FROM library ORDER BY library_ref_id"
    ).pl()
    return entries_from_rows(rows.iter_rows(named=True))


def library_engine(conn: duckdb.DuckDBPyConnection) -> tuple[MatchEngine, dict[str, str]]:
    """The match engine over the library, and display names by reference id."""
    names = dict(conn.execute("SELECT library_ref_id, display_name FROM library").fetchall())
    return MatchEngine(library_entries(conn)), names
