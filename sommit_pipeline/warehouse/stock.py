"""Stock counts, purchases and the current-stock view (with BEVCOST) for analysts."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import duckdb

from sommit_pipeline.warehouse.io import transaction
from sommit_pipeline.warehouse.schema import ensure_tables

STOCK_TABLES = ("library", "stock_counts", "purchases", "stock_movements")

# Stock = last count + purchases received after it - depletions of the service days after it.
# A reference never counted starts from zero. BEVCOST = purchase cost HT / sale price HT, the
# purchase cost being the latest delivery's unit cost, else the library's.
CURRENT_STOCK_VIEW = """
CREATE OR REPLACE VIEW current_stock AS
WITH last_count AS (
    SELECT library_ref_id, max(counted_on) AS counted_on,
           arg_max(quantity, counted_on) AS counted
    FROM stock_counts GROUP BY library_ref_id
),
basis AS (
    SELECT l.library_ref_id, c.counted_on, coalesce(c.counted, 0) AS counted
    FROM library AS l LEFT JOIN last_count AS c USING (library_ref_id)
),
received AS (
    SELECT p.library_ref_id, sum(p.quantity) AS purchased
    FROM purchases AS p JOIN basis AS b USING (library_ref_id)
    WHERE b.counted_on IS NULL OR p.received_on > b.counted_on
    GROUP BY p.library_ref_id
),
last_cost AS (
    SELECT library_ref_id, arg_max(unit_cost_ht_cents, received_on) AS unit_cost_ht_cents
    FROM purchases WHERE unit_cost_ht_cents IS NOT NULL GROUP BY library_ref_id
),
depleted AS (
    SELECT m.library_ref_id,
           sum(m.quantity) AS depleted,
           sum(m.quantity) FILTER (WHERE m.movement_kind = 'sale') AS sold,
           sum(m.quantity) FILTER (WHERE m.movement_kind = 'offered') AS offered,
           sum(m.quantity) FILTER (WHERE m.movement_kind = 'loss') AS lost
    FROM stock_movements AS m JOIN basis AS b USING (library_ref_id)
    WHERE b.counted_on IS NULL OR m.service_day > b.counted_on
    GROUP BY m.library_ref_id
)
SELECT
    l.library_ref_id,
    l.display_name,
    l.kind,
    b.counted_on AS last_count_on,
    b.counted AS last_count,
    coalesce(r.purchased, 0) AS purchased_since,
    coalesce(d.sold, 0) AS sold_since,
    coalesce(d.offered, 0) AS offered_since,
    coalesce(d.lost, 0) AS lost_since,
    round(b.counted + coalesce(r.purchased, 0) - coalesce(d.depleted, 0), 6) AS current_stock,
    coalesce(lc.unit_cost_ht_cents, l.purchase_cost_ht_cents) AS purchase_cost_ht_cents,
    l.sale_price_ttc_cents,
    round(l.sale_price_ttc_cents * 10000 / (10000 + l.vat_rate)) AS sale_price_ht_cents,
    round(100 * coalesce(lc.unit_cost_ht_cents, l.purchase_cost_ht_cents)
          / nullif(l.sale_price_ttc_cents * 10000 / (10000 + l.vat_rate), 0), 2) AS bevcost_pct
FROM library AS l
JOIN basis AS b USING (library_ref_id)
LEFT JOIN received AS r USING (library_ref_id)
LEFT JOIN depleted AS d USING (library_ref_id)
LEFT JOIN last_cost AS lc USING (library_ref_id)
"""


class StockInputError(ValueError):
    """A count or purchase that cannot be recorded; nothing written."""


def ensure_stock_view(conn: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(conn, *STOCK_TABLES)
    conn.execute(CURRENT_STOCK_VIEW)


def record_counts(
    conn: duckdb.DuckDBPyConnection, counts: list[tuple[str, date, float, str | None]]
) -> int:
    """Record inventory counts (library ref, counted on, quantity, note); a count for the same
    reference and day replaces the earlier one. All or nothing."""
    with transaction(conn):
        ensure_tables(conn, *STOCK_TABLES)
        _check_references(conn, [ref for ref, *_ in counts])
        for ref, counted_on, quantity, note in counts:
            if not math.isfinite(quantity) or quantity < 0:
                raise StockInputError(f"{ref}: a count must be a finite number >= 0 ({quantity})")
            conn.execute(
                "INSERT OR REPLACE INTO stock_counts (library_ref_id, counted_on, quantity, note) "
                "VALUES (?, ?, ?, ?)",
                [ref, counted_on, quantity, note],
            )
    return len(counts)


def record_purchases(
    conn: duckdb.DuckDBPyConnection,
    purchases: list[tuple[str, date, float, int | None, str | None]],
) -> int:
    """Record deliveries (library ref, received on, quantity, unit cost HT cents, supplier)."""
    with transaction(conn):
        ensure_tables(conn, *STOCK_TABLES)
        _check_references(conn, [ref for ref, *_ in purchases])
        for ref, received_on, quantity, cost, supplier in purchases:
            if not math.isfinite(quantity) or quantity <= 0:
                raise StockInputError(f"{ref}: a purchase needs a finite quantity > 0 ({quantity})")
            if cost is not None and cost < 0:
                raise StockInputError(f"{ref}: a unit cost cannot be negative ({cost} cents)")
            conn.execute(
                "INSERT INTO purchases (library_ref_id, received_on, quantity, "
                "unit_cost_ht_cents, supplier) VALUES (?, ?, ?, ?, ?)",
                [ref, received_on, quantity, cost, supplier],
            )
    return len(purchases)


def read_counts_csv(path: Path) -> list[tuple[str, date, float, str | None]]:
    """``library_ref_id, counted_on, quantity[, note]``."""
    return [
        (
            row["library_ref_id"],
            _date(path, n, row, "counted_on"),
            _number(path, n, row, "quantity"),
            row.get("note") or None,
        )
        for n, row in _rows(path, ("library_ref_id", "counted_on", "quantity"))
    ]


def read_purchases_csv(path: Path) -> list[tuple[str, date, float, int | None, str | None]]:
    """``library_ref_id, received_on, quantity[, unit_cost_ht_cents, supplier]``."""
    return [
        (
            row["library_ref_id"],
            _date(path, n, row, "received_on"),
            _number(path, n, row, "quantity"),
            int(_number(path, n, row, "unit_cost_ht_cents"))
            if row.get("unit_cost_ht_cents")
            else None,
            row.get("supplier") or None,
        )
        for n, row in _rows(path, ("library_ref_id", "received_on", "quantity"))
    ]


def _check_references(conn: duckdb.DuckDBPyConnection, refs: list[str]) -> None:
    known = {r for (r,) in conn.execute("SELECT library_ref_id FROM library").fetchall()}
    unknown = sorted(set(refs) - known)
    if unknown:
        raise StockInputError(f"unknown library reference(s): {', '.join(unknown[:5])}")


def _rows(path: Path, required: tuple[str, ...]):
    if not path.is_file():
        raise StockInputError(f"{path}: no such file")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise StockInputError(f"{path}: missing column(s) {', '.join(missing)}")
        yield from enumerate(reader, start=2)


def _date(path: Path, line: int, row: dict[str, str], column: str) -> date:
    try:
        return date.fromisoformat(row[column].strip())
    except ValueError:
        raise StockInputError(
            f"{path}:{line}: {column} {row[column]!r} is not a date YYYY-MM-DD"
        ) from None


def _number(path: Path, line: int, row: dict[str, str], column: str) -> float:
    try:
        return float(row[column].replace(",", "."))
    except ValueError:
        raise StockInputError(f"{path}:{line}: {column} {row[column]!r} is not a number") from None
