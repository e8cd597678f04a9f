"""Which service days a link decision touches: the days the POS products concerned sold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from sommit_pipeline.warehouse.schema import ensure_tables

# Decisions that change what a POS product's sales deplete or whom their revenue goes to.
# ("seed" links are written by the nightly run itself, before its books: nothing to redo.)
BOOK_ACTIONS = ("link", "relink", "unlink", "set_factor")


@dataclass(frozen=True)
class PendingChanges:
    last_audit_id: int
    pos_product_ids: tuple[str, ...]  # whose books must be redone
    list_changed: bool  # the drinks to synchronise changed (any decision does)


def changes_since(conn: duckdb.DuckDBPyConnection, audit_id: int) -> PendingChanges:
    ensure_tables(conn, "link_audit")
    rows = conn.execute(
        "SELECT audit_id, action, pos_product_id FROM link_audit WHERE audit_id > ? "
        "ORDER BY audit_id",
        [audit_id],
    ).fetchall()
    if not rows:
        return PendingChanges(audit_id, (), False)
    products = sorted({pid for _, action, pid in rows if action in BOOK_ACTIONS and pid})
    decisions = any(action != "seed" for _, action, _ in rows)
    return PendingChanges(rows[-1][0], tuple(products), decisions)


def sold_days(conn: duckdb.DuckDBPyConnection, pos_product_ids: tuple[str, ...]) -> list[date]:
    """Service days on which any of these POS products has a line (cancelled ones included:
    their revenue rows carry the link too)."""
    if not pos_product_ids:
        return []
    ensure_tables(conn, "popina_sales")
    rows = conn.execute(
        "SELECT DISTINCT service_day FROM popina_sales WHERE list_contains(?, pos_product_id) "
        "ORDER BY service_day",
        [list(pos_product_ids)],
    ).fetchall()
    return [day for (day,) in rows]


def consecutive_ranges(
    days: list[date], service_days: list[date] | None = None
) -> list[tuple[date, date]]:
    """[d1, d2, d3, d5] -> [(d1, d3), (d5, d5)]: one run per stretch of consecutive days, so
    only days where the products sold are materialised again. A stretch goes on over days
    with no service at all (closed days: ``service_days`` lists the days that had one), whose
    books are empty whatever the links."""
    served = set(service_days) if service_days is not None else None
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and _only_closed_days_between(ranges[-1][1], day, served):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def service_days_between(conn: duckdb.DuckDBPyConnection, first: date, last: date) -> list[date]:
    rows = conn.execute(
        "SELECT DISTINCT service_day FROM popina_sales WHERE service_day BETWEEN ? AND ?",
        [first, last],
    ).fetchall()
    return [day for (day,) in rows]


def _only_closed_days_between(previous: date, day: date, served: set[date] | None) -> bool:
    gap = [previous + timedelta(days=n) for n in range(1, (day - previous).days)]
    if served is None:
        return not gap
    return not any(d in served for d in gap)
