"""`sommit demo`: the README's first command, end to end on the built-in demo bar."""

from __future__ import annotations

import os

import duckdb
import pytest

from sommit_pipeline.cli import main


def test_demo_command_materialises_every_demo_day_and_reconciles(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(os, "environ", dict(os.environ))  # the command points env at its server
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("SOMMIT_WAREHOUSE", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("SOMMIT_ARCHIVE", str(tmp_path / "archive"))

    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "104 service days, 17740 order lines" in out

    with duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True) as conn:
        # Mondays are closed: 122 calendar days, 104 with closures (17 Saturdays have two).
        assert conn.execute(
            "SELECT count(DISTINCT service_day), count(*) FROM popina_closures"
        ).fetchall() == [(104, 121)]
        # every day's revenue is what its closures cashed, to the cent
        assert conn.execute(
            """
            SELECT count(*) FROM (
                SELECT service_day, sum(total_sales_cents) AS till FROM popina_closures GROUP BY 1
            ) c FULL JOIN (
                SELECT service_day, sum(total_ttc_cents) AS ours FROM revenue GROUP BY 1
            ) r USING (service_day)
            WHERE c.till IS DISTINCT FROM r.ours
            """
        ).fetchall() == [(0,)]
        # the demo's offered and loss lines (see scenarios/demo.py) deplete, earn nothing
        assert conn.execute(
            "SELECT movement_kind, count(*), sum(total_ttc_cents) FROM popina_sales "
            "WHERE movement_kind IN ('offered', 'loss') GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("loss", 2, 0), ("offered", 24, 0)]
        # 12 links shipped, the rest of the drinks wait to be synchronised
        assert conn.execute("SELECT count(*) FROM pos_links").fetchall() == [(12,)]
        assert (
            conn.execute("SELECT count(*) FROM unmatched_items WHERE is_sold").fetchall()[0][0]
            > 100
        )

    # and again: nothing changes
    before = _table_sizes(tmp_path / "demo.duckdb")
    assert main(["demo"]) == 0
    assert _table_sizes(tmp_path / "demo.duckdb") == before


def _table_sizes(path) -> dict[str, tuple]:
    """Row count and content hash per table, leaving out when rows were written (not data)."""
    volatile = {"library": "created_at", "pos_links": "linked_at", "service_days": "ingested_at"}
    sizes = {}
    with duckdb.connect(str(path), read_only=True) as conn:
        for (table,) in conn.execute("SHOW TABLES").fetchall():
            columns = f"* EXCLUDE ({volatile[table]})" if table in volatile else "*"
            sizes[table] = conn.execute(
                f"SELECT count(*), hash(list(x ORDER BY x)) FROM (SELECT {columns} FROM {table}) x"
            ).fetchall()[0]
    return sizes


def test_a_wrong_key_fails_the_run_with_a_clear_message_that_hides_the_key(
    simulator, tmp_path, monkeypatch, capsys
):
    secret = "sk_live_not_the_right_one_42"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("SOMMIT_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SOMMIT_ARCHIVE", str(tmp_path / "archive"))
    monkeypatch.setenv("POPINA_BASE_URL", simulator.base_url)
    monkeypatch.setenv("POPINA_API_KEY", secret)

    assert main(["run", "2025-03-14"]) == 1
    captured = capsys.readouterr()
    assert "FAILURE" in captured.out
    assert "PopinaAuthError: Popina refused the API key (401) on GET /v1/reports" in captured.err
    assert "FAILED popina_sales:" in captured.err
    assert secret not in captured.out + captured.err
    # nothing of the day was written
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        tables = {t for (t,) in conn.execute("SHOW TABLES").fetchall()}
        if "popina_sales" in tables:
            assert conn.execute("SELECT count(*) FROM popina_sales").fetchall() == [(0,)]


def test_run_refuses_a_reversed_range_and_a_missing_key_with_a_clear_message(monkeypatch, capsys):
    monkeypatch.delenv("POPINA_API_KEY", raising=False)
    monkeypatch.delenv("SOMMIT_REPLAY_ARCHIVE", raising=False)
    with pytest.raises(SystemExit) as reversed_range:
        main(["run", "2026-09-30", "2026-09-01"])
    assert reversed_range.value.code == 2
    assert "the range ends (2026-09-01) before it starts (2026-09-30)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "2026-09-30"])
    assert "POPINA_API_KEY is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "2026-13-45"])
    assert "'2026-13-45' is not a day YYYY-MM-DD" in capsys.readouterr().err
