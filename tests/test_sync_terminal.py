"""`sommit sync` driven like a person would, through its prompts (answers on stdin)."""

from __future__ import annotations

import io

import duckdb

from sommit_pipeline.sync.terminal import SyncSession
from sommit_pipeline.warehouse.io import connect
from tests.builders import P_COFFEE, P_KIR, P_PLANCHE, P_WATER


def session(pipeline, answers: str, **options) -> tuple[SyncSession, str]:
    out = io.StringIO()
    sync = SyncSession(
        lambda: connect(pipeline.warehouse),
        decided_by="sommelier",
        stdin=io.StringIO(answers),
        stdout=out,
        **options,
    )
    sync.run()
    return sync, out.getvalue()


def test_ignore_yes_search_and_create_from_the_terminal(pipeline):
    assert pipeline.run("2025-03-14", "2025-03-15").success
    # Sold and unlinked, by revenue at stake: planche 1800, kir 900, water 400 + 300, coffee 250.
    answers = (
        "\n".join(
            [
                "i",  # planche: food, not tracked
                "n",
                "+",
                "spirit",
                "Maison Védrenne",
                "Crème de cassis",
                "",
                "",
                "",
                "70",
                "12,00",
                "45",  # kir: no -> create a reference
                "n",
                "evian",
                "1",  # water: no -> search -> first result
                "q",  # coffee: stop here
            ]
        )
        + "\n"
    )
    sync, screen = session(pipeline, answers)
    assert sync.decisions == 3
    assert "4 drink(s) to synchronise (4 sold)" in screen
    assert "[3/4] ● sold  Eau minérale 50cl  (Softs)" in screen
    assert "last sale 2025-03-15   revenue at stake 7.00 €" in screen
    assert "created USR-0001: Maison Védrenne Crème de cassis (70 cl)" in screen
    with duckdb.connect(str(pipeline.warehouse), read_only=True) as conn:
        assert conn.execute("SELECT pos_product_id FROM ignored_items").fetchall() == [(P_PLANCHE,)]
        assert dict(
            conn.execute(
                "SELECT pos_product_id, library_ref_id FROM pos_links WHERE linked_by = 'sommelier'"
            ).fetchall()
        ) == {P_KIR: "USR-0001", P_WATER: "LIB-WATER"}
        assert conn.execute(
            "SELECT purchase_cost_ht_cents, sale_price_ttc_cents FROM library "
            "WHERE library_ref_id = 'USR-0001'"
        ).fetchall() == [(1200, 4500)]
        assert conn.execute(
            "SELECT count(*) FROM pos_links WHERE pos_product_id = ?", [P_COFFEE]
        ).fetchall() == [(0,)]


def test_a_wrong_key_explains_the_keys_and_asks_again(pipeline):
    assert pipeline.run("2025-03-14").success
    sync, screen = session(pipeline, "x\ns\nq\n")
    assert sync.decisions == 0
    assert screen.count("[y]es  [1-5] pick  [a]lmost") == 2  # the header, then the reminder
