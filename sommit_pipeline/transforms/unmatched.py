"""The drinks to synchronise: POS references not linked to the library, with suggestions."""

from __future__ import annotations

import duckdb
import polars as pl

from sommit_pipeline.matching.engine import MatchEngine

# Products of the latest catalogue snapshot, plus products that were sold but have left the
# catalogue since; minus the linked and the ignored ones. Sold references first, by revenue
# at stake.
UNLINKED_SQL = """
WITH latest_catalog AS (
    SELECT pos_product_id, label, category
    FROM popina_catalog
    WHERE seen_on = (SELECT max(seen_on) FROM popina_catalog)
),
sold AS (
    SELECT
        pos_product_id,
        arg_max(label, ordered_at) AS label,
        arg_max(category, ordered_at) AS category,
        max(service_day) AS last_sale_day,
        sum(quantity) AS quantity,
        sum(total_ttc_cents) AS revenue_ttc_cents
    FROM popina_sales
    WHERE pos_product_id IS NOT NULL AND NOT is_cancelled
    GROUP BY pos_product_id
)
SELECT
    coalesce(c.pos_product_id, s.pos_product_id) AS pos_product_id,
    coalesce(c.label, s.label) AS label,
    coalesce(c.category, s.category) AS category,
    s.pos_product_id IS NOT NULL AS is_sold,
    s.last_sale_day,
    coalesce(s.quantity, 0) AS unlinked_quantity,
    coalesce(s.revenue_ttc_cents, 0) AS unlinked_revenue_ttc_cents
FROM latest_catalog AS c
FULL OUTER JOIN sold AS s ON s.pos_product_id = c.pos_product_id
WHERE coalesce(c.pos_product_id, s.pos_product_id) NOT IN (SELECT pos_product_id FROM pos_links)
  AND coalesce(c.pos_product_id, s.pos_product_id)
      NOT IN (SELECT pos_product_id FROM ignored_items)
ORDER BY is_sold DESC, unlinked_revenue_ttc_cents DESC, label
"""

UNMATCHED_SCHEMA = pl.Schema(
    {
        "pos_product_id": pl.String,
        "label": pl.String,
        "category": pl.String,
        "is_sold": pl.Boolean,
        "last_sale_day": pl.Date,
        "unlinked_quantity": pl.Float64,
        "unlinked_revenue_ttc_cents": pl.Int64,
        "suggested_library_ref_id": pl.String,
        "suggested_name": pl.String,
        "suggestion_score": pl.Float64,
        "suggestion_confidence": pl.String,  # sure | likely | unsure
        "suggestion_is_almost": pl.Boolean,  # same wine, other vintage than the label's
        "relink_from": pl.String,  # the linked product id this one replaces (ids regenerated)
    }
)
SUGGESTION_COLUMNS = (
    "suggested_library_ref_id",
    "suggested_name",
    "suggestion_score",
    "suggestion_confidence",
    "suggestion_is_almost",
)


def unlinked_items(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return conn.sql(UNLINKED_SQL).pl()


def suggest(labels: list[str], engine: MatchEngine, names: dict[str, str]) -> pl.DataFrame:
    """The engine's best library reference per label, with its score, confidence class and
    whether it is the same wine in another vintage (*almost*)."""
    best = [
        suggestions[0] if suggestions else None
        for suggestions in engine.suggest_many(labels, limit=1)
    ]
    return pl.DataFrame(
        {
            "suggested_library_ref_id": [s.ref_id if s else None for s in best],
            "suggested_name": [names.get(s.ref_id) if s else None for s in best],
            "suggestion_score": [round(s.score, 1) if s else None for s in best],
            "suggestion_confidence": [s.confidence if s else None for s in best],
            "suggestion_is_almost": [s.is_almost if s else None for s in best],
        },
        schema={name: UNMATCHED_SCHEMA[name] for name in SUGGESTION_COLUMNS},
    )


# Popina has been seen regenerating its product ids: a new id with the label and price of a
# linked product that has left the catalogue is the same product. Its old link is offered.
REGENERATED_IDS_SQL = """
WITH latest AS (SELECT max(seen_on) AS day FROM popina_catalog),
current_products AS (
    SELECT pos_product_id, label, unit_price_cents FROM popina_catalog
    WHERE seen_on = (SELECT day FROM latest)
),
departed_links AS (
    SELECT l.pos_product_id, l.library_ref_id,
           arg_max(c.label, c.seen_on) AS label,
           arg_max(c.unit_price_cents, c.seen_on) AS unit_price_cents
    FROM pos_links AS l JOIN popina_catalog AS c USING (pos_product_id)
    WHERE l.pos_product_id NOT IN (SELECT pos_product_id FROM current_products)
    GROUP BY l.pos_product_id, l.library_ref_id
)
SELECT n.pos_product_id, min(d.pos_product_id) AS relink_from, min(d.library_ref_id) AS target
FROM current_products AS n
JOIN departed_links AS d ON d.label = n.label AND d.unit_price_cents = n.unit_price_cents
WHERE n.pos_product_id NOT IN (SELECT pos_product_id FROM pos_links)
GROUP BY n.pos_product_id
HAVING count(DISTINCT d.library_ref_id) = 1
"""


def unmatched_items(
    conn: duckdb.DuckDBPyConnection, engine: MatchEngine, names: dict[str, str]
) -> pl.DataFrame:
    items = unlinked_items(conn)
    suggestions = suggest(items["label"].to_list(), engine, names)
    frame = pl.concat([items, suggestions], how="horizontal").with_columns(
        relink_from=pl.lit(None, pl.String)
    )
    relinks = conn.sql(REGENERATED_IDS_SQL).pl()
    if relinks.height:
        frame = (
            frame.join(relinks, on="pos_product_id", how="left", suffix="_old")
            .with_columns(
                suggested_library_ref_id=pl.coalesce("target", "suggested_library_ref_id"),
                suggested_name=pl.when(pl.col("target").is_not_null())
                .then(pl.col("target").replace_strict(names, default=None))
                .otherwise(pl.col("suggested_name")),
                suggestion_score=pl.when(pl.col("target").is_not_null())
                .then(100.0)
                .otherwise(pl.col("suggestion_score")),
                suggestion_confidence=pl.when(pl.col("target").is_not_null())
                .then(pl.lit("sure"))
                .otherwise(pl.col("suggestion_confidence")),
                suggestion_is_almost=pl.when(pl.col("target").is_not_null())
                .then(False)
                .otherwise(pl.col("suggestion_is_almost")),
                relink_from=pl.col("relink_from_old"),
            )
            .drop("target", "relink_from_old")
        )
    return frame.cast(dict(UNMATCHED_SCHEMA)).select(list(UNMATCHED_SCHEMA))
