"""What the pipeline is for: drinks to synchronise, stock movements and revenue."""

import dagster as dg

from sommit_pipeline.assets.library import library, library_prices, pos_links
from sommit_pipeline.partitions import service_day_window, service_days
from sommit_pipeline.resources.warehouse import DuckDBWarehouse
from sommit_pipeline.sync.queue import library_engine
from sommit_pipeline.transforms import books
from sommit_pipeline.transforms.unmatched import unmatched_items as compute_unmatched
from sommit_pipeline.warehouse.io import replace_days, transaction
from sommit_pipeline.warehouse.schema import ensure_tables
from sommit_pipeline.warehouse.stock import ensure_stock_view

COVERAGE_CHECK = "every_sold_reference_is_accounted_for"
NEGATIVE_STOCK_CHECK = "no_negative_stock"

# Sold POS references that are neither linked, nor ignored, nor waiting to be synchronised.
UNACCOUNTED_SQL = """
SELECT DISTINCT pos_product_id FROM popina_sales
WHERE pos_product_id IS NOT NULL AND NOT is_cancelled
EXCEPT SELECT pos_product_id FROM pos_links
EXCEPT SELECT pos_product_id FROM ignored_items
EXCEPT SELECT pos_product_id FROM unmatched_items
ORDER BY 1
"""


@dg.asset(
    deps=["popina_sales", "popina_catalog", library, pos_links],
    check_specs=[
        dg.AssetCheckSpec(
            COVERAGE_CHECK,
            asset="unmatched_items",
            description="Every sold POS reference is linked, ignored or in unmatched_items.",
        )
    ],
    pool="duckdb",
    group_name="books",
    kinds={"duckdb", "polars"},
)
def unmatched_items(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    """The drinks to synchronise: POS references with no link, sold ones first (with their
    last sale date and the revenue not yet linked), each with its best library suggestion."""
    with warehouse.connect() as conn:
        ensure_tables(conn)
        engine, names = library_engine(conn)
        items = compute_unmatched(conn, engine, names)
        with transaction(conn):
            # Fully derived: rebuilt whole, so a newer schema replaces an older one.
            conn.execute("DROP TABLE IF EXISTS unmatched_items")
            ensure_tables(conn, "unmatched_items")
            conn.register("incoming_unmatched", items)
            conn.execute("INSERT INTO unmatched_items BY NAME SELECT * FROM incoming_unmatched")
            conn.unregister("incoming_unmatched")
        unaccounted = [pid for (pid,) in conn.execute(UNACCOUNTED_SQL).fetchall()]
    sold = items.filter("is_sold")
    coverage = dg.AssetCheckResult(
        check_name=COVERAGE_CHECK,
        passed=not unaccounted,
        metadata={"unaccounted": len(unaccounted), "first_ids": ", ".join(unaccounted[:10])},
    )
    return dg.MaterializeResult(
        check_results=[coverage],
        metadata={
            "unmatched": items.height,
            "sold_unmatched": sold.height,
            "unlinked_revenue_eur": dg.MetadataValue.float(
                float(sold["unlinked_revenue_ttc_cents"].sum()) / 100
            ),
            "with_suggestion": items["suggested_library_ref_id"].is_not_null().sum(),
            "sure_suggestions": (items["suggestion_confidence"] == "sure").sum(),
        },
    )


@dg.asset(
    deps=["popina_sales", pos_links, library],
    partitions_def=service_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb",
    group_name="books",
    kinds={"duckdb"},
)
def stock_movements(
    context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
) -> dg.MaterializeResult:
    """Per service day and library reference, the quantity (in library units) depleted by linked
    lines: quantity x serving factor, by kind (sale, offered, loss). Cancelled lines deplete
    nothing."""
    first_day, last_day = service_day_window(context)
    with warehouse.connect() as conn:
        ensure_tables(conn, "pos_links", "popina_sales")
        frame = books.stock_movements(conn, first_day, last_day)
        replace_days(conn, {"stock_movements": frame}, first_day, last_day)
    return dg.MaterializeResult(
        metadata={
            "service_days": f"{first_day}..{last_day}",
            "rows": frame.height,
            "units_depleted": dg.MetadataValue.float(round(float(frame["quantity"].sum()), 3)),
        }
    )


@dg.asset(
    deps=["popina_sales", pos_links],
    partitions_def=service_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb",
    group_name="books",
    kinds={"duckdb"},
)
def revenue(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    """Per service day and POS product (with its library reference when linked), what the till
    cashed, TTC and HT, in cents. A day sums to its closures' totalSales."""
    first_day, last_day = service_day_window(context)
    with warehouse.connect() as conn:
        ensure_tables(conn, "pos_links", "popina_sales")
        frame = books.revenue(conn, first_day, last_day)
        replace_days(conn, {"revenue": frame}, first_day, last_day)
    linked = frame.filter(frame["library_ref_id"].is_not_null())
    return dg.MaterializeResult(
        metadata={
            "service_days": f"{first_day}..{last_day}",
            "revenue_ttc_eur": dg.MetadataValue.float(float(frame["total_ttc_cents"].sum()) / 100),
            "linked_revenue_ttc_eur": dg.MetadataValue.float(
                float(linked["total_ttc_cents"].sum()) / 100
            ),
        }
    )


@dg.asset(
    deps=[stock_movements, library, library_prices],
    check_specs=[
        dg.AssetCheckSpec(
            NEGATIVE_STOCK_CHECK,
            asset="current_stock",
            description="Warns, naming them, about references whose stock is below zero "
            "(a missing count or purchase, or a wrong link or factor).",
        )
    ],
    pool="duckdb",
    group_name="books",
    kinds={"duckdb"},
)
def current_stock(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    """A view: per library reference, last stock count + purchases since - depletions since
    (sales, offered, losses), with BEVCOST (purchase cost HT / sale price HT). Always current:
    it reads the tables when queried."""
    with warehouse.connect() as conn:
        ensure_stock_view(conn)
        counted = conn.execute(
            "SELECT count(*) FROM current_stock WHERE last_count_on IS NOT NULL"
        ).fetchall()[0][0]
        negative = conn.execute(
            "SELECT library_ref_id, display_name, current_stock FROM current_stock "
            "WHERE current_stock < 0 ORDER BY current_stock"
        ).fetchall()
    below_zero = dg.AssetCheckResult(
        check_name=NEGATIVE_STOCK_CHECK,
        passed=not negative,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "references_below_zero": len(negative),
            "worst": "; ".join(f"{ref} {name}: {qty:g}" for ref, name, qty in negative[:10]),
        },
    )
    return dg.MaterializeResult(
        metadata={"references_counted": counted, "references_below_zero": len(negative)},
        check_results=[below_zero],
    )
