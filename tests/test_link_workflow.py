"""Link decisions and their effect on the books, through the real sensor and real runs.

Books of the hand-made days (tests/builders.py), seeded links: CdR glass -> LIB-CDR x 0.16,
Chablis bottle and Chablis glass -> LIB-CHABLIS (x 1, x 0.16).
- 2025-03-14: 3 CdR glasses, 1 Chablis bottle, 1 Chablis glass cancelled, 1 water, 2 Kir.
- 2025-03-15: 1 Chablis bottle sold, 1 broken (loss), 3 CdR glasses, 1 water.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from sommit_pipeline.automation import link_changes_sensor
from sommit_pipeline.definitions import build_definitions
from sommit_pipeline.resources.warehouse import DuckDBWarehouse
from sommit_pipeline.sync import links
from sommit_pipeline.sync.effects import consecutive_ranges
from sommit_pipeline.sync.links import SyncError
from sommit_pipeline.warehouse.stock import ensure_stock_view, record_counts, record_purchases
from tests.builders import P_BOTTLE_CHABLIS, P_GLASS_CDR, P_KIR, P_WATER

D13, D14, D15 = dt.date(2025, 3, 13), dt.date(2025, 3, 14), dt.date(2025, 3, 15)


@pytest.fixture
def books(pipeline):
    assert pipeline.run(D14, D15).success
    return pipeline


def decide(pipeline, action, *args, **kwargs):
    with duckdb.connect(str(pipeline.warehouse)) as conn:
        return action(conn, *args, decided_by="test", **kwargs)


def tick(pipeline, cursor=None):
    """One sensor tick, then every run it requests, as the daemon would launch them."""
    context = dg.build_sensor_context(
        instance=pipeline.instance,
        cursor=cursor,
        resources={"warehouse": DuckDBWarehouse(path=str(pipeline.warehouse))},
    )
    result = link_changes_sensor(context)
    job = build_definitions(pipeline.resources()).resolve_implicit_global_asset_job_def()
    for request in result.run_requests:
        run = job.execute_in_process(
            instance=pipeline.instance,
            asset_selection=request.asset_selection,
            partition_key=request.partition_key,
            tags=request.tags,
        )
        assert run.success
    return result


def requested(result) -> list[tuple]:
    out = []
    for r in result.run_requests:
        keys = tuple(sorted(k.to_user_string() for k in r.asset_selection))
        start = r.partition_key or r.tags.get("dagster/asset_partition_range_start")
        end = r.partition_key or r.tags.get("dagster/asset_partition_range_end")
        out.append((keys, start, end))
    return out


def stock(pipeline, ref: str) -> float:
    with duckdb.connect(str(pipeline.warehouse)) as conn:
        ensure_stock_view(conn)
        return conn.execute(
            "SELECT current_stock FROM current_stock WHERE library_ref_id = ?", [ref]
        ).fetchall()[0][0]


def test_unlink_relink_and_a_new_link_flow_to_stock_and_revenue(books):
    with duckdb.connect(str(books.warehouse)) as conn:
        record_counts(conn, [("LIB-CHABLIS", D13, 10.0, "cellar count")])
        record_purchases(conn, [("LIB-CHABLIS", D15, 6.0, 1400, "Fèvre")])
    # 10 counted + 6 received - (1 sold on the 14th, 1 sold + 1 broken on the 15th) = 13
    assert stock(books, "LIB-CHABLIS") == 13.0
    assert stock(books, "LIB-CDR") == pytest.approx(-0.96)  # 6 glasses x 0.16, never counted
    first = tick(books)  # the seed links need nothing redone
    assert requested(first) == []

    # Break the bottle's link: its 3 bottles leave the stock; the glass link stays.
    decide(books, links.unlink, P_BOTTLE_CHABLIS)
    after_unlink = tick(books, first.cursor)
    assert requested(after_unlink) == [
        (("revenue", "stock_movements"), "2025-03-14", "2025-03-15"),
        (("unmatched_items",), None, None),
    ]
    assert stock(books, "LIB-CHABLIS") == 16.0
    assert stock(books, "LIB-CDR") == pytest.approx(-0.96)
    assert books.query(
        "SELECT service_day, library_ref_id, total_ttc_cents FROM revenue "
        "WHERE pos_product_id = ? ORDER BY 1",
        [P_BOTTLE_CHABLIS],
    ) == [(D14, None, 3780), (D15, None, 3780)]
    assert books.query(
        "SELECT is_sold, unlinked_revenue_ttc_cents FROM unmatched_items WHERE pos_product_id = ?",
        [P_BOTTLE_CHABLIS],
    ) == [(True, 7560)]

    # A new link, with the factor inferred from "Eau minérale 50cl" and a 50 cl reference: 1.
    made = decide(books, links.link, P_WATER, "LIB-WATER")
    assert made.serving_factor == 1.0
    # Relink the bottle: its past sales are reprocessed, nothing counted twice.
    decide(books, links.link, P_BOTTLE_CHABLIS, "LIB-CHABLIS")
    tick(books, after_unlink.cursor)
    assert stock(books, "LIB-CHABLIS") == 13.0
    assert stock(books, "LIB-WATER") == -2.0
    assert books.query(
        "SELECT sum(total_ttc_cents) FROM revenue WHERE library_ref_id = 'LIB-WATER'"
    ) == [(400 + 300,)]

    audit = books.query(
        "SELECT action, pos_product_id, previous_library_ref_id, new_library_ref_id, "
        "previous_factor, new_factor, decided_by FROM link_audit ORDER BY audit_id"
    )
    assert [row[0] for row in audit] == ["seed", "seed", "seed", "unlink", "link", "link"]
    assert audit[3:] == [
        ("unlink", P_BOTTLE_CHABLIS, "LIB-CHABLIS", None, 1.0, None, "test"),
        ("link", P_WATER, None, "LIB-WATER", None, 1.0, "test"),
        ("link", P_BOTTLE_CHABLIS, None, "LIB-CHABLIS", None, 1.0, "test"),
    ]


def test_a_new_reference_re_materialises_only_the_days_its_product_sold(books):
    first = tick(books)
    kir = decide(
        books,
        links.create_reference,
        {
            "kind": "spirit",
            "producer": "Maison Védrenne",
            "cuvee": "Crème de cassis",
            "format_cl": 70.0,
            "purchase_cost_ht_cents": 1200,
            "sale_price_ttc_cents": 4500,
        },
    )
    assert kir == "USR-0001"
    decide(books, links.link, P_KIR, kir, 0.1)  # 7 cl of cassis per kir
    result = tick(books, first.cursor)
    assert requested(result) == [
        (("revenue", "stock_movements"), "2025-03-14", "2025-03-14"),
        (("unmatched_items",), None, None),
    ]
    assert books.query(
        "SELECT service_day, quantity FROM stock_movements WHERE library_ref_id = ?", [kir]
    ) == [(D14, 0.2)]


def test_almost_links_the_labels_vintage_creating_it_once(books):
    with duckdb.connect(str(books.warehouse)) as conn:
        made, created = links.almost(conn, P_WATER, "LIB-CDR", 2021, decided_by="test")
        assert created and made.library_ref_id == "USR-0001"
        again, created_again = links.almost(conn, P_KIR, "LIB-CDR", 2021, decided_by="test")
        assert not created_again and again.library_ref_id == "USR-0001"
        assert conn.execute(
            "SELECT producer, appellation, vintage, display_name FROM library "
            "WHERE library_ref_id = 'USR-0001'"
        ).fetchall() == [
            (
                "Domaine de la Janasse",
                "Côtes du Rhône",
                2021,
                "Domaine de la Janasse Côtes du Rhône 2021",
            )
        ]


def test_decisions_on_unknown_ids_are_clear_errors_and_write_nothing(books):
    before = books.query("SELECT count(*) FROM link_audit")
    with duckdb.connect(str(books.warehouse)) as conn:
        with pytest.raises(SyncError, match="unknown POS product id 'nope'"):
            links.link(conn, "nope", "LIB-CDR", decided_by="t")
        with pytest.raises(SyncError, match="unknown library reference 'LIB-NOPE'"):
            links.link(conn, P_WATER, "LIB-NOPE", decided_by="t")
        with pytest.raises(SyncError, match="is not linked"):
            links.unlink(conn, P_WATER, decided_by="t")
        with pytest.raises(SyncError, match="unlink it before ignoring it"):
            links.ignore(conn, P_GLASS_CDR, decided_by="t")
        with pytest.raises(SyncError, match="kind must be one of"):
            links.create_reference(conn, {"kind": "cheese", "producer": "X"}, decided_by="t")
    assert books.query("SELECT count(*) FROM link_audit") == before
    assert books.query("SELECT count(*) FROM pos_links") == [(3,)]


def test_ignore_takes_food_off_the_list_reversibly(books):
    decide(books, links.ignore, "f0000000-0000-4000-8000-000000000005", reason="food")
    first = tick(books)
    assert books.query(
        "SELECT count(*) FROM unmatched_items WHERE pos_product_id LIKE '%0005'"
    ) == [(0,)]
    decide(books, links.unignore, "f0000000-0000-4000-8000-000000000005")
    tick(books, first.cursor)
    assert books.query(
        "SELECT count(*) FROM unmatched_items WHERE pos_product_id LIKE '%0005'"
    ) == [(1,)]


def test_show_says_what_feeds_a_reference_and_what_a_product_is_linked_to(books):
    with duckdb.connect(str(books.warehouse)) as conn:
        feeding = links.describe(conn, "LIB-CHABLIS")
        linked = links.describe(conn, P_GLASS_CDR)
    assert feeding == [
        "LIB-CHABLIS  Domaine William Fèvre Chablis 2022",
        "  fed by 2 POS reference(s):",
        "    f0000000-0000-4000-8000-000000000003  'Verre Chablis 12cl'  x 0.16",
        "    f0000000-0000-4000-8000-000000000004  'Bouteille Chablis 75cl'  x 1",
    ]
    assert linked[1] == "  linked to LIB-CDR  Domaine de la Janasse Côtes du Rhône 2022  x 0.16"


def test_consecutive_ranges_bridge_closed_days_only():
    days = [dt.date(2025, 3, d) for d in (1, 2, 3, 5, 7, 8)]
    assert consecutive_ranges(days) == [
        (dt.date(2025, 3, 1), dt.date(2025, 3, 3)),
        (dt.date(2025, 3, 5), dt.date(2025, 3, 5)),
        (dt.date(2025, 3, 7), dt.date(2025, 3, 8)),
    ]
    # The 4th was closed (no service), the 6th was open but the product did not sell.
    served = [dt.date(2025, 3, d) for d in (1, 2, 3, 5, 6, 7, 8)]
    assert consecutive_ranges(days, served) == [
        (dt.date(2025, 3, 1), dt.date(2025, 3, 5)),
        (dt.date(2025, 3, 7), dt.date(2025, 3, 8)),
    ]


@pytest.mark.parametrize("factor", [float("nan"), float("inf"), 0.0, -2.0])
def test_a_serving_factor_must_be_a_finite_positive_number(books, factor):
    with duckdb.connect(str(books.warehouse)) as conn, pytest.raises(SyncError, match="finite"):
        links.link(conn, P_WATER, "LIB-WATER", factor, decided_by="t")
    assert books.query("SELECT count(*) FROM pos_links WHERE pos_product_id = ?", [P_WATER]) == [
        (0,)
    ]


def test_show_an_unknown_id_says_it_is_neither(books):
    with (
        duckdb.connect(str(books.warehouse)) as conn,
        pytest.raises(SyncError, match="neither a library reference nor a POS product"),
    ):
        links.describe(conn, "LIB-9999")


def test_a_new_reference_id_follows_the_highest_one_not_the_count(books):
    with duckdb.connect(str(books.warehouse)) as conn:
        conn.execute(
            "INSERT INTO library (library_ref_id, kind, producer, display_name) "
            "VALUES ('USR-0007', 'wine', 'Imported', 'Imported')"
        )
        ref = links.create_reference(conn, {"kind": "wine", "producer": "New"}, decided_by="t")
    assert ref == "USR-0008"  # counting would give USR-0002
