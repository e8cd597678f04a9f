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
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.path, lock_wait_s=self.lock_wait_s) as conn:
            yield conn
