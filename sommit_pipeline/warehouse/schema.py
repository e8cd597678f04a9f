"""DuckDB tables of the warehouse. Money is integer cents; service days are DATEs."""

from __future__ import annotations

import duckdb

TABLES: dict[str, str] = {
    "popina_closures": """
        service_day DATE NOT NULL,
        report_id VARCHAR NOT NULL PRIMARY KEY,
        report_number BIGINT,
        started_at TIMESTAMPTZ NOT NULL,
        finalized_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ,
        order_count BIGINT NOT NULL,
        total_sales_cents BIGINT NOT NULL,
        payments_cents BIGINT NOT NULL
    """,
    # Every day of every ingested window: served (with the till's closures) or "no service".
    "service_days": """
        service_day DATE NOT NULL PRIMARY KEY,
        status VARCHAR NOT NULL,
        closures BIGINT NOT NULL,
        order_lines BIGINT NOT NULL,
        revenue_ttc_cents BIGINT NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL
    """,
    "popina_sales": """
        service_day DATE NOT NULL,
        report_id VARCHAR NOT NULL,
        order_id VARCHAR NOT NULL,
        order_number VARCHAR,
        line_index INTEGER NOT NULL,
        line_id VARCHAR NOT NULL PRIMARY KEY,
        pos_product_id VARCHAR,
        label VARCHAR NOT NULL,
        category VARCHAR,
        sub_category VARCHAR,
        quantity DOUBLE NOT NULL,
        unit_price_cents BIGINT NOT NULL,
        line_total_cents BIGINT NOT NULL,
        total_ttc_cents BIGINT NOT NULL,
        total_ht_cents BIGINT NOT NULL,
        tax_rate INTEGER NOT NULL,
        is_cancelled BOOLEAN NOT NULL,
        is_offered BOOLEAN NOT NULL,
        is_loss BOOLEAN NOT NULL,
        movement_kind VARCHAR,
        cancel_reason VARCHAR,
        loss_reason VARCHAR,
        ordered_at TIMESTAMPTZ
    """,
    # One snapshot of the till's catalogue per day it was seen (the API has no history).
    "popina_catalog": """
        seen_on DATE NOT NULL,
        pos_product_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        category VARCHAR,
        sub_category VARCHAR,
        unit_price_cents BIGINT,
        tax_rate INTEGER,
        price_types INTEGER NOT NULL,
        PRIMARY KEY (seen_on, pos_product_id)
    """,
    "library": """
        library_ref_id VARCHAR NOT NULL PRIMARY KEY,
        kind VARCHAR NOT NULL,
        producer VARCHAR,
        cuvee VARCHAR,
        appellation VARCHAR,
        region VARCHAR,
        colour VARCHAR,
        vintage INTEGER,
        format_cl DOUBLE,
        purchase_cost_ht_cents BIGINT,
        sale_price_ttc_cents BIGINT,
        vat_rate INTEGER,
        display_name VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    """,
    # The link table belongs to the user: the pipeline seeds it once and never rewrites it.
    "pos_links": """
        pos_product_id VARCHAR NOT NULL PRIMARY KEY,
        library_ref_id VARCHAR NOT NULL,
        serving_factor DOUBLE NOT NULL CHECK (serving_factor > 0),
        linked_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        linked_by VARCHAR NOT NULL DEFAULT 'seed'
    """,
    # Every link decision, appended, never updated: nothing is overwritten without a trace.
    "link_audit": """
        audit_id BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('link_audit_seq'),
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        action VARCHAR NOT NULL,
        pos_product_id VARCHAR,
        previous_library_ref_id VARCHAR,
        new_library_ref_id VARCHAR,
        previous_factor DOUBLE,
        new_factor DOUBLE,
        decided_by VARCHAR NOT NULL,
        note VARCHAR
    """,
    # What is not tracked (food, services): off the list of drinks to synchronise, reversibly.
    "ignored_items": """
        pos_product_id VARCHAR NOT NULL PRIMARY KEY,
        ignored_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        reason VARCHAR
    """,
    # Inventory: the quantity on hand (library units) at the end of service day `counted_on`.
    "stock_counts": """
        library_ref_id VARCHAR NOT NULL,
        counted_on DATE NOT NULL,
        quantity DOUBLE NOT NULL,
        note VARCHAR,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (library_ref_id, counted_on)
    """,
    "purchases": """
        purchase_id BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('purchases_seq'),
        library_ref_id VARCHAR NOT NULL,
        received_on DATE NOT NULL,
        quantity DOUBLE NOT NULL,
        unit_cost_ht_cents BIGINT,
        supplier VARCHAR,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    """,
    "unmatched_items": """
        pos_product_id VARCHAR NOT NULL PRIMARY KEY,
        label VARCHAR NOT NULL,
        category VARCHAR,
        is_sold BOOLEAN NOT NULL,
        last_sale_day DATE,
        unlinked_quantity DOUBLE NOT NULL,
        unlinked_revenue_ttc_cents BIGINT NOT NULL,
        suggested_library_ref_id VARCHAR,
        suggested_name VARCHAR,
        suggestion_score DOUBLE,
        suggestion_confidence VARCHAR,
        suggestion_is_almost BOOLEAN,
        relink_from VARCHAR
    """,
    "stock_movements": """
        service_day DATE NOT NULL,
        library_ref_id VARCHAR NOT NULL,
        movement_kind VARCHAR NOT NULL,
        quantity DOUBLE NOT NULL,
        pos_quantity DOUBLE NOT NULL,
        lines BIGINT NOT NULL,
        PRIMARY KEY (service_day, library_ref_id, movement_kind)
    """,
    "revenue": """
        service_day DATE NOT NULL,
        pos_product_id VARCHAR,
        label VARCHAR NOT NULL,
        category VARCHAR,
        library_ref_id VARCHAR,
        quantity DOUBLE NOT NULL,
        total_ttc_cents BIGINT NOT NULL,
        total_ht_cents BIGINT NOT NULL,
        lines BIGINT NOT NULL
    """,
}


SEQUENCES = {"link_audit": "link_audit_seq", "purchases": "purchases_seq"}


def ensure_tables(conn: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Create the tables that do not exist yet (all of them without names). Creates nothing
    when they all exist, so a read-only connection can call it too."""
    existing = {
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    for name in names or TABLES:
        if name in existing:
            continue
        if name in SEQUENCES:
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCES[name]}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({TABLES[name]})")
