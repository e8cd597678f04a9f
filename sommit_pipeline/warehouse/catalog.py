"""What the till's catalogue changes mean for us: price and label history, library prices."""

from __future__ import annotations

import duckdb

from sommit_pipeline.warehouse.schema import ensure_tables

# One row per stretch of days a POS reference kept the same label and price: valid_from is the
# first snapshot showing it, valid_to the first showing a change (NULL: still so). A reference
# that left the catalogue keeps its rows; `in_latest_catalogue` says whether it is still sold.
HISTORY_VIEW = """
CREATE OR REPLACE VIEW pos_reference_history AS
WITH ordered AS (
    SELECT pos_product_id, seen_on, label, unit_price_cents, tax_rate,
           lag(label) OVER w AS previous_label,
           lag(unit_price_cents) OVER w AS previous_price
    FROM popina_catalog
    WINDOW w AS (PARTITION BY pos_product_id ORDER BY seen_on)
),
changes AS (
    SELECT * FROM ordered
    WHERE previous_label IS DISTINCT FROM label OR previous_price IS DISTINCT FROM unit_price_cents
)
SELECT
    pos_product_id,
    label,
    unit_price_cents,
    tax_rate,
    seen_on AS valid_from,
    lead(seen_on) OVER (PARTITION BY pos_product_id ORDER BY seen_on) AS valid_to,
    pos_product_id IN (
        SELECT pos_product_id FROM popina_catalog
        WHERE seen_on = (SELECT max(seen_on) FROM popina_catalog)
    ) AS in_latest_catalogue
FROM changes
"""

# Prices come from the POS: a reference sold whole (factor 1) takes its POS price, when its
# factor-1 POS references agree on one.
POS_PRICES_SQL = """
SELECT l.library_ref_id, min(c.unit_price_cents) AS pos_price, any_value(b.sale_price_ttc_cents)
FROM pos_links AS l
JOIN popina_catalog AS c ON c.pos_product_id = l.pos_product_id
    AND c.seen_on = (SELECT max(seen_on) FROM popina_catalog)
JOIN library AS b ON b.library_ref_id = l.library_ref_id
WHERE l.serving_factor = 1 AND c.unit_price_cents IS NOT NULL
GROUP BY l.library_ref_id
HAVING count(DISTINCT c.unit_price_cents) = 1
   AND min(c.unit_price_cents) IS DISTINCT FROM any_value(b.sale_price_ttc_cents)
ORDER BY 1
"""


def ensure_history_view(conn: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(conn, "popina_catalog")
    conn.execute(HISTORY_VIEW)


def apply_pos_prices(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None, int]]:
    """Set the library's sale price from the POS (in the caller's transaction), each change
    appended to link_audit. Returns (reference, old price, new price) per change."""
    ensure_tables(conn, "library", "pos_links", "link_audit", "popina_catalog")
    changes = [(ref, old, new) for ref, new, old in conn.execute(POS_PRICES_SQL).fetchall()]
    for ref, old, new in changes:
        conn.execute(
            "UPDATE library SET sale_price_ttc_cents = ? WHERE library_ref_id = ?", [new, ref]
        )
        conn.execute(
            "INSERT INTO link_audit (action, new_library_ref_id, decided_by, note) "
            "VALUES ('sale_price_from_pos', ?, 'popina_catalog', ?)",
            [ref, f"sale price TTC {old} -> {new} cents"],
        )
    return changes
