"""Dagster resource for the DuckDB warehouse file."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb

from sommit_pipeline.warehouse.io import connect


class DuckDBWarehouse(dg.ConfigurableResource):
    """One DuckDB file holding every table. Writers wait for the file's lock instead of failing
    (see also the ``duckdb`` pool on the assets)."""

    path: str
    lock_wait_s: float = 120.0

    @contextlib.contextmanager
    def connect(self, lock_wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        wait = self.lock_wait_s if lock_wait_s is None else lock_wait_s
        with connect(self.path, lock_wait_s=wait) as conn:
            yield conn
