"""The restaurant's beverage library and the link table from POS products to it."""

import dagster as dg

from sommit_pipeline.resources.library_files import LibraryFiles
from sommit_pipeline.resources.warehouse import DuckDBWarehouse
from sommit_pipeline.transforms.library import read_library_csv, read_links_csv
from sommit_pipeline.warehouse.catalog import apply_pos_prices
from sommit_pipeline.warehouse.io import transaction
from sommit_pipeline.warehouse.library import import_library, seed_links
from sommit_pipeline.warehouse.schema import ensure_tables


@dg.asset(pool="duckdb", group_name="library", kinds={"duckdb"})
def library(warehouse: DuckDBWarehouse, library_files: LibraryFiles) -> dg.MaterializeResult:
    """Beverage references (wines, beers, spirits, softs): producer, cuvée, appellation,
    vintage, format, cost and price. References from the library export are added when new;
    existing ones are never overwritten."""
    path = library_files.library_path()
    references = read_library_csv(path) if path else None
    with warehouse.connect() as conn:
        added = import_library(conn, references) if references is not None else 0
        ensure_tables(conn, "library")
        total, wines = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE kind = 'wine') FROM library"
        ).fetchall()[0]
    return dg.MaterializeResult(
        metadata={
            "references": total,
            "wines": wines,
            "added_from_export": added,
            "export": str(path) if path else "none",
        }
    )


@dg.asset(deps=[library], pool="duckdb", group_name="library", kinds={"duckdb"})
def pos_links(warehouse: DuckDBWarehouse, library_files: LibraryFiles) -> dg.MaterializeResult:
    """POS product id -> library reference, with a serving factor (library units one POS unit
    consumes). The table is the user's: it is seeded once, then only the user changes it."""
    path = library_files.links_path()
    with warehouse.connect() as conn:
        seeded = seed_links(conn, read_links_csv(path) if path else None)
        links, references = conn.execute(
            "SELECT count(*), count(DISTINCT library_ref_id) FROM pos_links"
        ).fetchall()[0]
    return dg.MaterializeResult(
        metadata={
            "links": links,
            "library_references_fed": references,
            "seeded_now": seeded if seeded is not None else 0,
        }
    )


@dg.asset(deps=["popina_catalog", pos_links], pool="duckdb", group_name="library", kinds={"duckdb"})
def library_prices(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    """Prices come from the POS: a library reference sold whole (serving factor 1) takes the
    till's current price as its sale price, when its POS references agree on one. Each change
    is appended to ``link_audit``."""
    with warehouse.connect() as conn, transaction(conn):
        changes = apply_pos_prices(conn)
    return dg.MaterializeResult(
        metadata={
            "prices_updated": len(changes),
            "changes": "; ".join(f"{ref}: {old} -> {new}" for ref, old, new in changes[:10]),
        }
    )
