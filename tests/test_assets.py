"""Every asset on hand-made closures, through the real job, simulator, DuckDB and instance.

Figures come from tests/builders.py: the documented closure of 2025-03-14 (9080 cents) and the
2025-03-15 closure (6030 cents); 2025-03-16 has no closure.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.builders import (
    P_BOTTLE_CHABLIS,
    P_COFFEE,
    P_GLASS_CDR,
    P_GLASS_CHABLIS,
    P_KIR,
    P_MAGNUM_POMEROL,
    P_PLANCHE,
    P_WATER,
    TRAINING_REPORT_ID,
)

D14, D15, D16 = dt.date(2025, 3, 14), dt.date(2025, 3, 15), dt.date(2025, 3, 16)
TABLES = (
    "popina_closures",
    "popina_sales",
    "popina_catalog",
    "library",
    "pos_links",
    "unmatched_items",
    "stock_movements",
    "revenue",
)


def snapshot(pipeline) -> dict[str, list[tuple]]:
    return {
        t: sorted(pipeline.query(f"SELECT {_data_columns(t)} FROM {t}"), key=repr) for t in TABLES
    }


def _data_columns(table: str) -> str:
    # Leave out the timestamps of when *we* wrote a row: they are not data.
    volatile = {"library": "created_at", "pos_links": "linked_at"}.get(table)
    return f"* EXCLUDE ({volatile})" if volatile else "*"


def test_one_day_materialises_every_asset_with_hand_checked_values(pipeline):
    result = pipeline.run(D14)
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert sorted((c.check_name, c.passed) for c in checks) == [
        ("every_sold_reference_is_accounted_for", True),
        ("no_negative_stock", False),  # a warning: nothing was ever counted (test below)
        ("no_order_line_counted_twice", True),
        ("revenue_matches_closures", True),
    ]

    # popina_closures: the one closure of the day, with the till's totals.
    assert pipeline.query(
        "SELECT service_day, report_number, order_count, total_sales_cents, payments_cents "
        "FROM popina_closures"
    ) == [(D14, 45, 3, 9080, 9080)]

    # popina_sales: 9 lines; order 103 was rung at 00:21 Paris on the 15th but belongs to the
    # 14th's service.
    lines = pipeline.query(
        "SELECT order_number, line_index, pos_product_id, quantity, total_ttc_cents, "
        "total_ht_cents, tax_rate, is_cancelled, is_offered, movement_kind, service_day "
        "FROM popina_sales ORDER BY order_number, line_index"
    )
    assert lines == [
        ("101", 0, P_GLASS_CDR, 2.0, 1300, 1083, 2000, False, False, "sale", D14),
        ("101", 1, P_PLANCHE, 1.0, 1800, 1636, 1000, False, False, "sale", D14),
        ("101", 2, P_GLASS_CHABLIS, 1.0, 0, 0, 2000, True, False, None, D14),
        ("102", 0, P_BOTTLE_CHABLIS, 1.0, 3780, 3150, 2000, False, False, "sale", D14),
        ("102", 1, P_WATER, 1.0, 400, 364, 1000, False, False, "sale", D14),
        ("102", 2, P_COFFEE, 1.0, 250, 227, 1000, False, False, "sale", D14),
        ("102", 3, P_COFFEE, 1.0, 0, 0, 1000, False, True, "offered", D14),
        ("103", 0, P_KIR, 2.0, 900, 750, 2000, False, False, "sale", D14),
        ("103", 1, P_GLASS_CDR, 1.0, 650, 542, 2000, False, False, "sale", D14),
    ]

    # popina_catalog: the 8 catalogue products, as seen today (the API keeps no history).
    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    assert pipeline.query("SELECT count(*), min(seen_on), max(seen_on) FROM popina_catalog") == [
        (8, today, today)
    ]
    assert pipeline.query(
        "SELECT label, unit_price_cents, tax_rate, sub_category FROM popina_catalog "
        "WHERE pos_product_id = ?",
        [P_MAGNUM_POMEROL],
    ) == [("MAG POMEROL CHT BEAUREGARD 2016", 18000, 2000, "Vin bouteille")]

    # library and pos_links: seeded from the scenario.
    assert pipeline.query("SELECT count(*) FROM library") == [(4,)]
    assert pipeline.query(
        "SELECT display_name FROM library WHERE library_ref_id = 'LIB-POMEROL'"
    ) == [("Château Beauregard Pomerol 2016 (150 cl)",)]
    assert pipeline.query("SELECT count(*) FROM pos_links") == [(3,)]

    # stock_movements: CdR glasses 2 + 1 = 3 x 0.16 = 0.48 bottle; one Chablis bottle; the
    # cancelled Chablis glass depletes nothing.
    assert pipeline.query(
        "SELECT library_ref_id, movement_kind, quantity, pos_quantity, lines "
        "FROM stock_movements ORDER BY 1, 2"
    ) == [("LIB-CDR", "sale", 0.48, 3.0, 2), ("LIB-CHABLIS", "sale", 1.0, 1.0, 1)]

    # revenue: per POS product, TTC and HT; the day sums to totalSales 9080 (HT 7752).
    assert pipeline.query(
        "SELECT pos_product_id, library_ref_id, quantity, total_ttc_cents, total_ht_cents "
        "FROM revenue ORDER BY pos_product_id"
    ) == [
        (P_GLASS_CDR, "LIB-CDR", 3.0, 1950, 1625),
        (P_GLASS_CHABLIS, "LIB-CHABLIS", 0.0, 0, 0),
        (P_BOTTLE_CHABLIS, "LIB-CHABLIS", 1.0, 3780, 3150),
        (P_PLANCHE, None, 1.0, 1800, 1636),
        (P_WATER, None, 1.0, 400, 364),
        (P_KIR, None, 2.0, 900, 750),
        (P_COFFEE, None, 2.0, 250, 227),
    ]
    assert pipeline.query("SELECT sum(total_ttc_cents), sum(total_ht_cents) FROM revenue") == [
        (9080, 7752)
    ]

    # unmatched_items: sold references first (by revenue not yet linked), then catalogue-only.
    assert pipeline.query(
        "SELECT pos_product_id, is_sold, last_sale_day, unlinked_quantity, "
        "unlinked_revenue_ttc_cents FROM unmatched_items"
    ) == [
        (P_PLANCHE, True, D14, 1.0, 1800),
        (P_KIR, True, D14, 2.0, 900),
        (P_WATER, True, D14, 1.0, 400),
        (P_COFFEE, True, D14, 2.0, 250),
        (P_MAGNUM_POMEROL, False, None, 0.0, 0),
    ]
    suggestion = pipeline.query(
        "SELECT suggested_library_ref_id, suggestion_score > 80 FROM unmatched_items "
        "WHERE pos_product_id = ?",
        [P_MAGNUM_POMEROL],
    )
    assert suggestion == [("LIB-POMEROL", True)]
    water = pipeline.query(
        "SELECT suggested_library_ref_id FROM unmatched_items WHERE pos_product_id = ?", [P_WATER]
    )
    assert water == [("LIB-WATER",)]


def test_order_discount_loss_cancelled_order_and_training_closure(pipeline):
    assert pipeline.run(D15).success
    assert pipeline.query("SELECT report_id FROM popina_closures") != [(TRAINING_REPORT_ID,)]
    assert pipeline.query("SELECT count(*), sum(total_sales_cents) FROM popina_closures") == [
        (1, 6030)
    ]
    assert pipeline.query(
        "SELECT order_number, line_index, line_total_cents, total_ttc_cents, total_ht_cents, "
        "is_cancelled, movement_kind FROM popina_sales ORDER BY order_number, line_index"
    ) == [
        # 4533 rung, 4080 cashed: 4200 -> 3780 (HT 3150), 333 -> 300 (HT 300/1.1 = 272.7 -> 273)
        ("201", 0, 4200, 3780, 3150, False, "sale"),
        ("201", 1, 333, 300, 273, False, "sale"),
        ("202", 0, 1300, 0, 0, True, None),
        ("203", 0, 0, 0, 0, False, "loss"),
        ("203", 1, 1950, 1950, 1625, False, "sale"),
    ]
    assert pipeline.query(
        "SELECT library_ref_id, movement_kind, quantity FROM stock_movements ORDER BY 1, 2"
    ) == [("LIB-CDR", "sale", 0.48), ("LIB-CHABLIS", "loss", 1.0), ("LIB-CHABLIS", "sale", 1.0)]
    assert pipeline.query("SELECT sum(total_ttc_cents) FROM revenue") == [(6030,)]


def test_a_day_materialised_twice_gives_the_same_rows(pipeline):
    assert pipeline.run(D14).success
    first = snapshot(pipeline)
    assert pipeline.run(D14).success
    assert snapshot(pipeline) == first
    assert pipeline.query("SELECT count(*) FROM popina_sales") == [(9,)]


def test_range_backfill_is_one_run_and_equals_day_by_day(
    pipeline, tmp_path, simulator, test_scenario, instance
):
    result = pipeline.run(D14, D16)
    assert result.success
    assert len(instance.get_run_records()) == 1
    ranged = snapshot(pipeline)
    assert pipeline.query(
        "SELECT service_day, sum(total_ttc_cents) FROM revenue GROUP BY 1 ORDER BY 1"
    ) == [(D14, 9080), (D15, 6030)]
    # one catalogue snapshot, however many days the run covers
    assert pipeline.query("SELECT count(DISTINCT seen_on), count(*) FROM popina_catalog") == [
        (1, 8)
    ]

    from tests.conftest import Pipeline

    day_by_day = Pipeline(simulator, test_scenario, tmp_path / "daily.duckdb", instance)
    for day in (D14, D15, D16):
        assert day_by_day.run(day).success
    assert snapshot(day_by_day) == ranged
    # and the range again changes nothing
    assert pipeline.run(D14, D16).success
    assert snapshot(pipeline) == ranged


def test_links_are_seeded_once_and_then_belong_to_the_user(pipeline):
    assert pipeline.run(D14).success
    with __import__("duckdb").connect(str(pipeline.warehouse)) as conn:
        conn.execute("DELETE FROM pos_links WHERE pos_product_id = ?", [P_GLASS_CDR])
    assert pipeline.run(D14).success
    assert pipeline.query("SELECT count(*) FROM pos_links") == [(2,)]
    # the broken link takes the CdR glasses off stock and out of linked revenue
    assert pipeline.query("SELECT library_ref_id FROM stock_movements") == [("LIB-CHABLIS",)]
    assert pipeline.query(
        "SELECT library_ref_id FROM revenue WHERE pos_product_id = ?", [P_GLASS_CDR]
    ) == [(None,)]
    assert pipeline.query(
        "SELECT unlinked_revenue_ttc_cents FROM unmatched_items WHERE pos_product_id = ?",
        [P_GLASS_CDR],
    ) == [(1950,)]


def test_a_closed_day_writes_no_sales_and_is_recorded_as_no_service(pipeline):
    assert pipeline.run(D16).success
    assert pipeline.query("SELECT count(*) FROM popina_sales") == [(0,)]
    assert pipeline.query("SELECT count(*) FROM revenue") == [(0,)]
    assert pipeline.query(
        "SELECT service_day, status, closures, order_lines, revenue_ttc_cents FROM service_days"
    ) == [(D16, "no service", 0, 0, 0)]


def test_service_days_of_a_range(pipeline):
    assert pipeline.run(D14, D16).success
    assert pipeline.query(
        "SELECT service_day, status, closures, order_lines, revenue_ttc_cents FROM service_days "
        "ORDER BY 1"
    ) == [
        (D14, "served", 1, 9, 9080),
        (D15, "served", 1, 5, 6030),  # the training closure does not count
        (D16, "no service", 0, 0, 0),
    ]


def test_coverage_and_negative_stock_checks(pipeline):
    result = pipeline.run(D14)
    evaluations = {c.check_name: c for c in result.get_asset_check_evaluations()}
    coverage = evaluations["every_sold_reference_is_accounted_for"]
    assert coverage.passed and coverage.metadata["unaccounted"].value == 0
    # Nothing was ever counted: 0.48 bottle of CdR and 1 Chablis below zero, named.
    stock = evaluations["no_negative_stock"]
    assert not stock.passed and stock.severity.value == "WARN"
    assert stock.metadata["references_below_zero"].value == 2
    assert stock.metadata["worst"].value == (
        "LIB-CHABLIS Domaine William Fèvre Chablis 2022: -1; "
        "LIB-CDR Domaine de la Janasse Côtes du Rhône 2022: -0.48"
    )
    assert result.success  # a warning does not fail the run
