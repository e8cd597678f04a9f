"""Writing the user-owned tables: the library and the link table."""

from __future__ import annotations

import duckdb
import polars as pl

from sommit_pipeline.warehouse.io import transaction
from sommit_pipeline.warehouse.schema import ensure_tables


class LinkTargetError(ValueError):
    """A link pointing at a library reference that does not exist."""


def import_library(conn: duckdb.DuckDBPyConnection, references: pl.DataFrame) -> int:
    """Add the references the library does not have yet; never overwrite one (the user may
    have edited it). Returns how many were added."""
    with transaction(conn):
        ensure_tables(conn, "library")
        conn.register("incoming_library", references)
        try:
            added = conn.execute(
                """
                INSERT INTO library BY NAME
                SELECT * FROM incoming_library
                WHERE library_ref_id NOT IN (SELECT library_ref_id FROM library)
                """
            ).fetchall()[0]
        finally:
            conn.unregister("incoming_library")
    return int(added[0]) if added else 0


def seed_links(conn: duckdb.DuckDBPyConnection, links: pl.DataFrame | None) -> int | None:
    """Seed the link table with ``links`` once, while it is empty and was never seeded:
    afterwards it is the user's and the pipeline never writes it. Returns the number of seeded
    links, or None when there was nothing to do."""
    with transaction(conn):
        ensure_tables(conn, "library", "pos_links", "link_audit")
        seeded, links_now = conn.execute(
            "SELECT (SELECT count(*) FROM link_audit WHERE action = 'seed'), "
            "(SELECT count(*) FROM pos_links)"
        ).fetchall()[0]
        if seeded or links_now:
            return None
        if links is None or links.height == 0:
            return 0
        conn.register("incoming_links", links)
        try:
            orphans = conn.execute(
                """
                SELECT pos_product_id, library_ref_id FROM incoming_links
                WHERE library_ref_id NOT IN (SELECT library_ref_id FROM library)
                ORDER BY pos_product_id
                """
            ).fetchall()
            if orphans:
                raise LinkTargetError(
                    f"{len(orphans)} seed link(s) point at unknown library references, "
                    f"for example {orphans[0][0]} -> {orphans[0][1]}"
                )
            conn.execute("INSERT INTO pos_links BY NAME SELECT * FROM incoming_links")
            conn.execute(
                """
                INSERT INTO link_audit
                    (action, pos_product_id, new_library_ref_id, new_factor, decided_by)
                SELECT 'seed', pos_product_id, library_ref_id, serving_factor, 'seed'
                FROM incoming_links ORDER BY pos_product_id
                """
            )
        finally:
            conn.unregister("incoming_links")
        return links.height
