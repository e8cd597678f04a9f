"""Reconciliation of line revenue with the till's own closure totals (pure polars)."""

from __future__ import annotations

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
