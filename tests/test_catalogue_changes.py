"""Catalogue changes: prices and labels that move, references that leave, ids regenerated."""

from __future__ import annotations

import datetime as dt

import duckdb

from tests.builders import P_BOTTLE_CHABLIS, P_GLASS_CDR

D14 = dt.date(2025, 3, 14)
P_NEW_GLASS_CDR = "f0000000-0000-4000-8000-0000000000aa"


def yesterday_snapshot(pipeline) -> None:
    """Make today's catalogue snapshot yesterday's, as if the previous night had run."""
    with duckdb.connect(str(pipeline.warehouse)) as conn:
        conn.execute("UPDATE popina_catalog SET seen_on = seen_on - 1")


def catalog_product(pipeline, pid: str) -> dict:
    return next(p for p in pipeline.simulator.scenario.catalog if p["id"] == pid)


def test_a_pos_price_change_becomes_the_library_price_and_stays_in_history(pipeline):
    assert pipeline.run(D14).success
    yesterday_snapshot(pipeline)
    catalog_product(pipeline, P_BOTTLE_CHABLIS)["priceList"][0]["unitPrice"] = 4500
    assert pipeline.run(D14).success
    # the bottle is linked with factor 1: the library takes the till's price
    assert pipeline.query(
        "SELECT sale_price_ttc_cents FROM library WHERE library_ref_id = 'LIB-CHABLIS'"
    ) == [(4500,)]
    assert pipeline.query("SELECT note FROM link_audit WHERE action = 'sale_price_from_pos'") == [
        ("sale price TTC 4200 -> 4500 cents",)
    ]
    today = pipeline.query("SELECT max(seen_on) FROM popina_catalog")[0][0]
    assert pipeline.query(
        "SELECT unit_price_cents, valid_from, valid_to FROM pos_reference_history "
        "WHERE pos_product_id = ? ORDER BY valid_from",
        [P_BOTTLE_CHABLIS],
    ) == [(4200, today - dt.timedelta(days=1), today), (4500, today, None)]
    # the CdR glass (factor 0.16) does not set its bottle's price
    assert pipeline.query(
        "SELECT sale_price_ttc_cents FROM library WHERE library_ref_id = 'LIB-CDR'"
    ) == [(3200,)]


def test_a_renamed_reference_keeps_its_link_and_its_history(pipeline):
    assert pipeline.run(D14).success
    yesterday_snapshot(pipeline)
    catalog_product(pipeline, P_GLASS_CDR)["name"] = "VRE CDR JANASSE 2023"
    assert pipeline.run(D14).success
    assert pipeline.query(
        "SELECT library_ref_id FROM pos_links WHERE pos_product_id = ?", [P_GLASS_CDR]
    ) == [("LIB-CDR",)]
    assert pipeline.query(
        "SELECT label FROM pos_reference_history WHERE pos_product_id = ? ORDER BY valid_from",
        [P_GLASS_CDR],
    ) == [("Verre Côtes-du-Rhône 12cl",), ("VRE CDR JANASSE 2023",)]
    assert pipeline.query(
        "SELECT count(*) FROM unmatched_items WHERE pos_product_id = ?", [P_GLASS_CDR]
    ) == [(0,)]


def test_a_regenerated_id_is_offered_its_old_link_and_the_old_one_keeps_its_history(pipeline):
    assert pipeline.run(D14).success
    yesterday_snapshot(pipeline)
    catalog_product(pipeline, P_GLASS_CDR)["id"] = P_NEW_GLASS_CDR  # same label and price
    assert pipeline.run(D14).success
    assert pipeline.query(
        "SELECT relink_from, suggested_library_ref_id, suggestion_confidence "
        "FROM unmatched_items WHERE pos_product_id = ?",
        [P_NEW_GLASS_CDR],
    ) == [(P_GLASS_CDR, "LIB-CDR", "sure")]
    assert pipeline.query(
        "SELECT in_latest_catalogue FROM pos_reference_history WHERE pos_product_id = ?",
        [P_GLASS_CDR],
    ) == [(False,)]


def test_sync_offers_the_old_link_first_for_a_regenerated_id(pipeline):
    import io

    from sommit_pipeline.sync.terminal import SyncSession
    from sommit_pipeline.warehouse.io import connect

    assert pipeline.run(D14).success
    yesterday_snapshot(pipeline)
    catalog_product(pipeline, P_GLASS_CDR)["id"] = P_NEW_GLASS_CDR
    assert pipeline.run(D14).success
    from sommit_pipeline.sync.queue import pending_items

    with connect(pipeline.warehouse) as conn:
        ids = [item.pos_product_id for item in pending_items(conn)]
    answers = "s\n" * ids.index(P_NEW_GLASS_CDR) + "y\nq\n"  # yes on the regenerated one
    out = io.StringIO()
    session = SyncSession(
        lambda: connect(pipeline.warehouse),
        decided_by="t",
        include_catalogue_only=True,
        stdin=io.StringIO(answers),
        stdout=out,
    )
    session.run()
    assert f"relink: same label and price as {P_GLASS_CDR}, linked to LIB-CDR" in out.getvalue()
    assert pipeline.query(
        "SELECT library_ref_id FROM pos_links WHERE pos_product_id = ?", [P_NEW_GLASS_CDR]
    ) == [("LIB-CDR",)]
