"""Stock movements and revenue of service days, from the sales and the link table (SQL)."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

# Linked, non-cancelled lines deplete quantity x serving factor of their library reference.
STOCK_MOVEMENTS_SQL = """
SELECT
    s.service_day,
    l.library_ref_id,
    s.movement_kind,
    round(sum(s.quantity * l.serving_factor), 6) AS quantity,
    sum(s.quantity) AS pos_quantity,
    count(*) AS lines
FROM popina_sales AS s
JOIN pos_links AS l USING (pos_product_id)
WHERE s.service_day BETWEEN $first_day AND $last_day
  AND s.movement_kind IS NOT NULL
GROUP BY s.service_day, l.library_ref_id, s.movement_kind
ORDER BY s.service_day, l.library_ref_id, s.movement_kind
"""

# Every line counts (linked or not) so that a day's revenue equals what the till cashed. Lines
# without a POS product id are kept apart per label.
REVENUE_SQL = """
SELECT
    s.service_day,
    s.pos_product_id,
    arg_max(s.label, s.ordered_at) AS label,
    arg_max(s.category, s.ordered_at) AS category,
    l.library_ref_id,
    coalesce(sum(s.quantity) FILTER (WHERE NOT s.is_cancelled), 0) AS quantity,
    sum(s.total_ttc_cents) AS total_ttc_cents,
    sum(s.total_ht_cents) AS total_ht_cents,
    count(*) AS lines
FROM popina_sales AS s
LEFT JOIN pos_links AS l USING (pos_product_id)
WHERE s.service_day BETWEEN $first_day AND $last_day
GROUP BY s.service_day, s.pos_product_id, l.library_ref_id,
         CASE WHEN s.pos_product_id IS NULL THEN s.label END
ORDER BY s.service_day, s.pos_product_id, label
"""

STOCK_MOVEMENTS_SCHEMA = pl.Schema(
    {
        "service_day": pl.Date,
        "library_ref_id": pl.String,
        "movement_kind": pl.String,
        "quantity": pl.Float64,
        "pos_quantity": pl.Float64,
        "lines": pl.Int64,
    }
)
REVENUE_SCHEMA = pl.Schema(
    {
        "service_day": pl.Date,
        "pos_product_id": pl.String,
        "label": pl.String,
        "category": pl.String,
        "library_ref_id": pl.String,
        "quantity": pl.Float64,
        "total_ttc_cents": pl.Int64,
        "total_ht_cents": pl.Int64,
        "lines": pl.Int64,
    }
)


def stock_movements(conn: duckdb.DuckDBPyConnection, first_day: date, last_day: date):
    return _query(conn, STOCK_MOVEMENTS_SQL, STOCK_MOVEMENTS_SCHEMA, first_day, last_day)


def revenue(conn: duckdb.DuckDBPyConnection, first_day: date, last_day: date) -> pl.DataFrame:
    return _query(conn, REVENUE_SQL, REVENUE_SCHEMA, first_day, last_day)


def _query(conn, sql: str, schema: pl.Schema, first_day: date, last_day: date) -> pl.DataFrame:
    frame = conn.sql(sql, params={"first_day": first_day, "last_day": last_day}).pl()
    return frame.cast(dict(schema)).select(list(schema))
