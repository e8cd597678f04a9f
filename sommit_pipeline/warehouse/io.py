"""Opening the DuckDB file and replacing service days in it, atomically."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from sommit_pipeline.warehouse.schema import TABLES, ensure_tables

LOCK_WAIT_S = 120.0


@contextlib.contextmanager
def connect(
    path: str | Path, *, lock_wait_s: float = LOCK_WAIT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, waiting while another process holds the file's write lock
    (DuckDB allows one writing process per file)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait_s
    delay = 0.05
    told = False
    while True:
        try:
            conn = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            if not told:  # say why nothing happens: another process has the file
                print(
                    f"waiting up to {lock_wait_s:.0f} s for {path}, held by another process "
                    f"({str(exc).split('(', 1)[-1].rstrip(')')})",
                    file=sys.stderr,
                )
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def replace_days(
    conn: duckdb.DuckDBPyConnection,
    frames: Mapping[str, pl.DataFrame],
    first_day: date,
    last_day: date,
    day_column: str = "service_day",
) -> dict[str, int]:
    """Replace the rows of ``first_day``..``last_day`` (inclusive) of each table by the frame's,
    all tables in one transaction: a day is never half written, and running a day again never
    duplicates it. Columns are matched by name, never by position."""
    written = {}
    with transaction(conn):
        ensure_tables(conn, *frames)
        for table, frame in frames.items():
            _check_columns(table, frame)
            conn.execute(
                f"DELETE FROM {table} WHERE {day_column} BETWEEN ? AND ?", [first_day, last_day]
            )
            outside = frame.filter(
                (pl.col(day_column) < first_day) | (pl.col(day_column) > last_day)
            )
            if outside.height:
                raise ValueError(
                    f"{table}: {outside.height} row(s) fall outside {first_day}..{last_day}"
                )
            conn.register("incoming_rows", frame)
            try:
                conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
            finally:
                conn.unregister("incoming_rows")
            written[table] = frame.height
    return written


def _check_columns(table: str, frame: pl.DataFrame) -> None:
    declared = {
        line.split()[0]
        for line in TABLES[table].strip().splitlines()
        if line.strip() and not line.strip().startswith(("PRIMARY", "--"))
    }
    unknown = set(frame.columns) - declared
    if unknown:
        raise ValueError(f"{table}: frame has columns the table does not: {sorted(unknown)}")
