"""Reconciliation: line revenue against the till's own totals, and lines counted twice."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl


def revenue_gaps(closures: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Service days whose line revenue differs from Σ totalSales or Σ payments of their
    closures, with the three figures in cents. Empty when everything reconciles."""
    till = closures.group_by("service_day").agg(
        pl.col("total_sales_cents").sum(), pl.col("payments_cents").sum()
    )
    ours = lines.group_by("service_day").agg(line_revenue_cents=pl.col("total_ttc_cents").sum())
    return (
        till.join(ours, on="service_day", how="full", coalesce=True)
        .with_columns(pl.exclude("service_day").fill_null(0))
        .filter(
            (pl.col("line_revenue_cents") != pl.col("total_sales_cents"))
            | (pl.col("line_revenue_cents") != pl.col("payments_cents"))
        )
        .sort("service_day")
    )


def lines_counted_twice(
    conn: duckdb.DuckDBPyConnection, lines: pl.DataFrame, first_day: date, last_day: date
) -> list[str]:
    """Order lines that would be counted twice: listed twice in the pulled closures, or already
    stored under a service day outside the window being replaced (an order that moved from one
    closure to another). One message per order concerned."""
    problems = [
        f"order {row['order_id']} is listed under closures {', '.join(sorted(row['report_id']))}"
        for row in lines.group_by("order_id")
        .agg(pl.col("report_id").unique())
        .filter(pl.col("report_id").list.len() > 1)
        .iter_rows(named=True)
    ]
    conn.register("incoming_line_ids", lines.select("line_id", "order_id", "service_day"))
    try:
        elsewhere = conn.execute(
            """
            SELECT DISTINCT i.order_id, i.service_day, s.service_day
            FROM incoming_line_ids AS i JOIN popina_sales AS s USING (line_id)
            WHERE s.service_day NOT BETWEEN ? AND ?
            ORDER BY 1
            """,
            [first_day, last_day],
        ).fetchall()
    finally:
        conn.unregister("incoming_line_ids")
    problems += [
        f"order {order} of service day {day} is already stored under service day {other}"
        for order, day, other in elsewhere
    ]
    return problems
