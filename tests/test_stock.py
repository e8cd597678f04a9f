"""Counts, purchases, the current-stock view and BEVCOST; and a property: whatever the order of
link / unlink / relink decisions, stock = count + purchases - the linked depletions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sommit_pipeline.popina.models import Order, Report
from sommit_pipeline.sync import links
from sommit_pipeline.sync.links import SyncError
from sommit_pipeline.transforms import books
from sommit_pipeline.transforms.library import read_library_csv
from sommit_pipeline.transforms.sales import closures_frame, sales_frame
from sommit_pipeline.warehouse.io import replace_days
from sommit_pipeline.warehouse.library import import_library
from sommit_pipeline.warehouse.schema import ensure_tables
from sommit_pipeline.warehouse.stock import (
    StockInputError,
    ensure_stock_view,
    read_counts_csv,
    read_purchases_csv,
    record_counts,
    record_purchases,
)
from tests.builders import (
    P_BOTTLE_CHABLIS,
    P_GLASS_CDR,
    P_GLASS_CHABLIS,
    P_KIR,
    P_WATER,
    closures,
    write_test_scenario,
)

D13, D14, D15 = dt.date(2025, 3, 13), dt.date(2025, 3, 14), dt.date(2025, 3, 15)
PARIS = ZoneInfo("Europe/Paris")


def warehouse_with_sales(tmp_path) -> duckdb.DuckDBPyConnection:
    """The hand-made closures' lines and library in an in-memory DuckDB, no links."""
    conn = duckdb.connect()
    scenario = write_test_scenario(tmp_path / "s")
    import_library(conn, read_library_csv(scenario / "library.csv"))
    reports, orders = [], {}
    for closure in closures():
        if closure["isTraining"]:
            continue
        reports.append(Report.model_validate(closure))
        orders[closure["id"]] = [Order.model_validate(o) for o in closure["orders"]]
    frames = {
        "popina_closures": closures_frame(reports, orders, PARIS),
        "popina_sales": sales_frame(reports, orders, PARIS),
    }
    replace_days(conn, frames, D14, D15)
    ensure_tables(conn)
    ensure_stock_view(conn)
    return conn


def redo_books(conn: duckdb.DuckDBPyConnection) -> None:
    """What the runs requested by link_changes_sensor do for these days."""
    replace_days(conn, {"stock_movements": books.stock_movements(conn, D14, D15)}, D14, D15)


def on_hand(conn, ref: str) -> float:
    return conn.execute(
        "SELECT current_stock FROM current_stock WHERE library_ref_id = ?", [ref]
    ).fetchall()[0][0]


def test_bevcost_is_cost_ht_over_sale_price_ht(tmp_path):
    conn = warehouse_with_sales(tmp_path)
    # The source's example: 231.00 EUR TTC at 20 % = 192.50 HT; a cost of 70.00 HT -> 36.36 %.
    ref = links.create_reference(
        conn,
        {
            "kind": "wine",
            "producer": "Château Brane-Cantenac",
            "appellation": "Margaux",
            "vintage": 2016,
            "format_cl": 75.0,
            "purchase_cost_ht_cents": 7000,
            "sale_price_ttc_cents": 23100,
            "vat_rate": 2000,
        },
        decided_by="t",
    )
    assert conn.execute(
        "SELECT sale_price_ht_cents, bevcost_pct FROM current_stock WHERE library_ref_id = ?",
        [ref],
    ).fetchall() == [(19250.0, 36.36)]


def test_stock_is_last_count_plus_purchases_since_minus_depletions_since(tmp_path):
    conn = warehouse_with_sales(tmp_path)
    links.link(conn, P_BOTTLE_CHABLIS, "LIB-CHABLIS", decided_by="t")
    links.link(conn, P_GLASS_CDR, "LIB-CDR", decided_by="t")
    redo_books(conn)
    # Chablis: 1 bottle sold on the 14th, 1 sold and 1 broken on the 15th.
    record_counts(conn, [("LIB-CHABLIS", D13, 12.0, None)])
    record_purchases(
        conn,
        [
            ("LIB-CHABLIS", D13, 24.0, 1400, "before the count: ignored"),
            ("LIB-CHABLIS", D15, 6.0, 1400, "Fèvre"),
        ],
    )
    assert on_hand(conn, "LIB-CHABLIS") == 12 + 6 - 3
    # A count after the 14th: only the 15th's depletions follow it.
    record_counts(conn, [("LIB-CHABLIS", D14, 20.0, None)])
    assert on_hand(conn, "LIB-CHABLIS") == 20 + 6 - 2
    # CdR glasses: factor inferred from "12cl" on a 75 cl bottle, 0.16; 3 + 3 glasses.
    assert conn.execute(
        "SELECT serving_factor FROM pos_links WHERE pos_product_id = ?", [P_GLASS_CDR]
    ).fetchall() == [(0.16,)]
    assert on_hand(conn, "LIB-CDR") == pytest.approx(-0.96)
    assert conn.execute(
        "SELECT sold_since, lost_since FROM current_stock WHERE library_ref_id = 'LIB-CHABLIS'"
    ).fetchall() == [(1.0, 1.0)]


def test_count_and_purchase_files_are_all_or_nothing(tmp_path):
    conn = warehouse_with_sales(tmp_path)
    good = tmp_path / "counts.csv"
    good.write_text('library_ref_id,counted_on,quantity,note\nLIB-CDR,2025-03-13,"4,5",\n')
    assert record_counts(conn, read_counts_csv(good)) == 1
    bad = tmp_path / "purchases.csv"
    bad.write_text(
        "library_ref_id,received_on,quantity\nLIB-CDR,2025-03-14,6\nLIB-X,2025-03-14,1\n"
    )
    with pytest.raises(StockInputError, match=r"unknown library reference.*LIB-X"):
        record_purchases(conn, read_purchases_csv(bad))
    assert conn.execute("SELECT count(*) FROM purchases").fetchall() == [(0,)]
    dated = tmp_path / "dated.csv"
    dated.write_text("library_ref_id,received_on,quantity\nLIB-CDR,14/03/2025,6\n")
    with pytest.raises(StockInputError, match=r"dated.csv:2: received_on '14/03/2025'"):
        read_purchases_csv(dated)


SOLD = [P_GLASS_CDR, P_GLASS_CHABLIS, P_BOTTLE_CHABLIS, P_WATER, P_KIR]
REFS = ["LIB-CDR", "LIB-CHABLIS", "LIB-WATER", "LIB-POMEROL"]
operations = st.lists(
    st.tuples(
        st.sampled_from(["link", "unlink"]),
        st.sampled_from(SOLD),
        st.sampled_from(REFS),
        st.sampled_from([0.16, 0.5, 1.0, 2 / 3]),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(ops=operations)
def test_any_order_of_link_decisions_keeps_stock_equal_to_its_definition(tmp_path_factory, ops):
    conn = warehouse_with_sales(tmp_path_factory.mktemp("prop"))
    record_counts(conn, [("LIB-CHABLIS", D13, 10.0, None), ("LIB-CDR", D14, 5.0, None)])
    record_purchases(conn, [("LIB-CHABLIS", D15, 6.0, None, None)])
    model: dict[str, tuple[str, float]] = {}
    for action, product, ref, factor in ops:
        if action == "link":
            links.link(conn, product, ref, factor, decided_by="prop")
            model[product] = (ref, factor)
        else:
            try:
                links.unlink(conn, product, decided_by="prop")
                del model[product]
            except SyncError:
                assert product not in model
    redo_books(conn)

    stored = {
        p: (r, f)
        for p, r, f in conn.execute(
            "SELECT pos_product_id, library_ref_id, serving_factor FROM pos_links"
        ).fetchall()
    }
    assert stored == model
    lines = conn.execute(
        "SELECT pos_product_id, service_day, quantity FROM popina_sales "
        "WHERE movement_kind IS NOT NULL"
    ).fetchall()
    counted = {"LIB-CHABLIS": (D13, 10.0), "LIB-CDR": (D14, 5.0)}
    purchased = {"LIB-CHABLIS": 6.0}
    for ref in REFS:
        since, base = counted.get(ref, (None, 0.0))
        depleted = sum(
            quantity * model[product][1]
            for product, day, quantity in lines
            if product in model and model[product][0] == ref and (since is None or day > since)
        )
        assert on_hand(conn, ref) == pytest.approx(base + purchased.get(ref, 0.0) - depleted)
    audit = conn.execute("SELECT count(*) FROM link_audit").fetchall()[0][0]
    assert audit <= len(ops)  # one row per decision that changed something, never more


@pytest.mark.parametrize("quantity", [float("nan"), float("inf"), -1.0])
def test_a_count_must_be_a_finite_number_not_below_zero(tmp_path, quantity):
    conn = warehouse_with_sales(tmp_path)
    with pytest.raises(StockInputError, match="finite number >= 0"):
        record_counts(conn, [("LIB-CDR", D13, quantity, None)])
    assert conn.execute("SELECT count(*) FROM stock_counts").fetchall() == [(0,)]


def test_a_purchase_needs_a_finite_quantity_and_a_cost_not_below_zero(tmp_path):
    conn = warehouse_with_sales(tmp_path)
    with pytest.raises(StockInputError, match="finite quantity > 0"):
        record_purchases(conn, [("LIB-CDR", D14, float("nan"), None, None)])
    with pytest.raises(StockInputError, match="cannot be negative"):
        record_purchases(conn, [("LIB-CDR", D14, 6.0, -300, None)])
    assert conn.execute("SELECT count(*) FROM purchases").fetchall() == [(0,)]


def test_bevcost_follows_the_latest_delivery_cost(tmp_path):
    conn = warehouse_with_sales(tmp_path)
    # LIB-CHABLIS: 42.00 TTC at 20 % = 35.00 HT; library cost 14.00 -> 40 %.
    assert conn.execute(
        "SELECT bevcost_pct FROM current_stock WHERE library_ref_id = 'LIB-CHABLIS'"
    ).fetchall() == [(40.0,)]
    record_purchases(
        conn, [("LIB-CHABLIS", D13, 6.0, 1225, None), ("LIB-CHABLIS", D15, 6.0, 1050, None)]
    )
    # the latest delivery, 10.50 HT: 30 %
    assert conn.execute(
        "SELECT purchase_cost_ht_cents, bevcost_pct FROM current_stock "
        "WHERE library_ref_id = 'LIB-CHABLIS'"
    ).fetchall() == [(1050, 30.0)]
