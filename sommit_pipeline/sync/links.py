"""Link decisions on the warehouse: link, unlink, ignore, create a library reference, *almost*.

Each operation runs in one transaction and appends to ``link_audit`` (when, what, previous and new
target and factor, who): a failure writes nothing, and nothing is overwritten without a trace.
Links are keyed on the Popina product id, never on the label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from sommit_pipeline.matching.serving import infer_serving_factor
from sommit_pipeline.scenarios.format import LIBRARY_COLUMNS
from sommit_pipeline.transforms.library import KINDS, LIBRARY_SCHEMA, display_name_expr
from sommit_pipeline.warehouse.io import transaction
from sommit_pipeline.warehouse.schema import ensure_tables

SYNC_TABLES = (
    "library",
    "pos_links",
    "link_audit",
    "ignored_items",
    "popina_sales",
    "popina_catalog",
)
# Every library column but the id, in the library file's order.
REFERENCE_FIELDS = LIBRARY_COLUMNS[1:]


class SyncError(ValueError):
    """A decision that cannot be applied (unknown id, contradictory state); nothing written."""


@dataclass(frozen=True)
class Link:
    pos_product_id: str
    library_ref_id: str
    serving_factor: float


@dataclass(frozen=True)
class PosReference:
    pos_product_id: str
    label: str
    category: str | None


def pos_reference(conn: duckdb.DuckDBPyConnection, pos_product_id: str) -> PosReference:
    """The POS product as the till names it now (latest catalogue, else its last sale)."""
    rows = conn.execute(
        """
        SELECT label, category FROM (
            SELECT label, category, 1 AS rank, seen_on::TIMESTAMPTZ AS seen_at FROM popina_catalog
            WHERE pos_product_id = $id
            UNION ALL
            SELECT label, category, 2 AS rank, ordered_at AS seen_at FROM popina_sales
            WHERE pos_product_id = $id
        ) ORDER BY rank, seen_at DESC LIMIT 1
        """,
        {"id": pos_product_id},
    ).fetchall()
    if not rows:
        raise SyncError(f"unknown POS product id {pos_product_id!r}: not in the catalogue or sales")
    return PosReference(pos_product_id, rows[0][0], rows[0][1])


def current_link(conn: duckdb.DuckDBPyConnection, pos_product_id: str) -> Link | None:
    rows = conn.execute(
        "SELECT library_ref_id, serving_factor FROM pos_links WHERE pos_product_id = ?",
        [pos_product_id],
    ).fetchall()
    return Link(pos_product_id, rows[0][0], rows[0][1]) if rows else None


def library_format_cl(conn: duckdb.DuckDBPyConnection, library_ref_id: str) -> float | None:
    rows = conn.execute(
        "SELECT format_cl FROM library WHERE library_ref_id = ?", [library_ref_id]
    ).fetchall()
    if not rows:
        raise SyncError(f"unknown library reference {library_ref_id!r}")
    return rows[0][0]


def link(
    conn: duckdb.DuckDBPyConnection,
    pos_product_id: str,
    library_ref_id: str,
    serving_factor: float | None = None,
    *,
    decided_by: str,
    note: str | None = None,
) -> Link:
    """Link a POS product to a library reference (or move its link). Without a factor, it is
    inferred from the label and the reference's format (12 cl of 75 cl: 0.16), else 1."""
    with transaction(conn):
        ensure_tables(conn, *SYNC_TABLES)
        return _link(conn, pos_product_id, library_ref_id, serving_factor, decided_by, note)


def _link(
    conn: duckdb.DuckDBPyConnection,
    pos_product_id: str,
    library_ref_id: str,
    serving_factor: float | None,
    decided_by: str,
    note: str | None,
) -> Link:
    product = pos_reference(conn, pos_product_id)
    format_cl = library_format_cl(conn, library_ref_id)
    if serving_factor is None:
        inferred = infer_serving_factor(product.label, format_cl) if format_cl else None
        serving_factor = inferred or 1.0
    if not math.isfinite(serving_factor) or serving_factor <= 0:
        raise SyncError(f"serving factor must be a finite number > 0, got {serving_factor}")
    previous = current_link(conn, pos_product_id)
    new = Link(pos_product_id, library_ref_id, float(serving_factor))
    if previous == new:
        return new
    conn.execute(
        """
        INSERT OR REPLACE INTO pos_links
            (pos_product_id, library_ref_id, serving_factor, linked_at, linked_by)
        VALUES (?, ?, ?, current_timestamp, ?)
        """,
        [pos_product_id, library_ref_id, new.serving_factor, decided_by],
    )
    conn.execute("DELETE FROM ignored_items WHERE pos_product_id = ?", [pos_product_id])
    if previous is None:
        action = "link"
    elif previous.library_ref_id == library_ref_id:
        action = "set_factor"
    else:
        action = "relink"
    _audit(conn, action, pos_product_id, previous, new, decided_by, note)
    return new


def unlink(
    conn: duckdb.DuckDBPyConnection,
    pos_product_id: str,
    *,
    decided_by: str,
    note: str | None = None,
) -> Link:
    """Break a link: that POS product's sales leave stock and linked revenue (once the books
    of the days it sold are re-materialised); other POS products of the reference stay."""
    with transaction(conn):
        ensure_tables(conn, *SYNC_TABLES)
        previous = current_link(conn, pos_product_id)
        if previous is None:
            raise SyncError(f"POS product {pos_product_id!r} is not linked")
        conn.execute("DELETE FROM pos_links WHERE pos_product_id = ?", [pos_product_id])
        _audit(conn, "unlink", pos_product_id, previous, None, decided_by, note)
        return previous


def ignore(
    conn: duckdb.DuckDBPyConnection,
    pos_product_id: str,
    *,
    decided_by: str,
    reason: str | None = None,
) -> None:
    """Take a POS product that is not tracked (food, a service) off the list; reversible."""
    with transaction(conn):
        ensure_tables(conn, *SYNC_TABLES)
        pos_reference(conn, pos_product_id)
        linked = current_link(conn, pos_product_id)
        if linked is not None:
            raise SyncError(
                f"POS product {pos_product_id!r} is linked to {linked.library_ref_id}: "
                "unlink it before ignoring it"
            )
        conn.execute(
            "INSERT OR REPLACE INTO ignored_items (pos_product_id, reason) VALUES (?, ?)",
            [pos_product_id, reason],
        )
        _audit(conn, "ignore", pos_product_id, None, None, decided_by, reason)


def unignore(conn: duckdb.DuckDBPyConnection, pos_product_id: str, *, decided_by: str) -> None:
    with transaction(conn):
        ensure_tables(conn, *SYNC_TABLES)
        removed = conn.execute(
            "DELETE FROM ignored_items WHERE pos_product_id = ? RETURNING pos_product_id",
            [pos_product_id],
        ).fetchall()
        if not removed:
            raise SyncError(f"POS product {pos_product_id!r} is not ignored")
        _audit(conn, "unignore", pos_product_id, None, None, decided_by, None)


def create_reference(
    conn: duckdb.DuckDBPyConnection, fields: dict[str, Any], *, decided_by: str
) -> str:
    """Add a library reference (producer, cuvée, appellation, colour, vintage, format, cost...)
    and return its id."""
    with transaction(conn):
        ensure_tables(conn, *SYNC_TABLES)
        return _insert_reference(conn, fields, decided_by)


def almost(
    conn: duckdb.DuckDBPyConnection,
    pos_product_id: str,
    same_wine_ref_id: str,
    vintage: int | None,
    serving_factor: float | None = None,
    *,
    decided_by: str,
) -> tuple[Link, bool]:
    """*Almost*: the same wine in the label's vintage. Links to that vintage's reference,
    creating it (as a copy of the suggested one) when the library lacks it. Returns the link
    and whether a reference was created."""
    with transaction(conn):
        ensure_tables(conn, *SYNC_TABLES)
        rows = conn.execute(
            f"SELECT {', '.join(REFERENCE_FIELDS)} FROM library WHERE library_ref_id = ?",
            [same_wine_ref_id],
        ).fetchall()
        if not rows:
            raise SyncError(f"unknown library reference {same_wine_ref_id!r}")
        wine = dict(zip(REFERENCE_FIELDS, rows[0], strict=True))
        same = conn.execute(
            """
            SELECT library_ref_id FROM library
            WHERE kind = $kind AND producer IS NOT DISTINCT FROM $producer
              AND cuvee IS NOT DISTINCT FROM $cuvee
              AND appellation IS NOT DISTINCT FROM $appellation
              AND colour IS NOT DISTINCT FROM $colour
              AND format_cl IS NOT DISTINCT FROM $format_cl
              AND vintage IS NOT DISTINCT FROM $vintage
            ORDER BY library_ref_id LIMIT 1
            """,
            {
                **{
                    k: wine[k]
                    for k in ("kind", "producer", "cuvee", "appellation", "colour", "format_cl")
                },
                "vintage": vintage,
            },
        ).fetchall()
        created = not same
        target = (
            same[0][0]
            if same
            else _insert_reference(
                conn,
                {**wine, "vintage": vintage},
                decided_by,
                note=f"almost: {same_wine_ref_id} in vintage {vintage or 'NV'}",
            )
        )
        note = f"almost: same wine as {same_wine_ref_id}"
        return _link(conn, pos_product_id, target, serving_factor, decided_by, note), created


def feeding(conn: duckdb.DuckDBPyConnection, library_ref_id: str) -> list[tuple[str, str, float]]:
    """The POS references that feed a library reference: (id, label, serving factor)."""
    ensure_tables(conn, *SYNC_TABLES)
    library_format_cl(conn, library_ref_id)
    links = conn.execute(
        "SELECT pos_product_id, serving_factor FROM pos_links WHERE library_ref_id = ? "
        "ORDER BY pos_product_id",
        [library_ref_id],
    ).fetchall()
    return [(pid, _label_or_unknown(conn, pid), factor) for pid, factor in links]


def _label_or_unknown(conn: duckdb.DuckDBPyConnection, pos_product_id: str) -> str:
    try:
        return pos_reference(conn, pos_product_id).label
    except SyncError:
        return "(not seen in the till yet)"


def _insert_reference(
    conn: duckdb.DuckDBPyConnection,
    fields: dict[str, Any],
    decided_by: str,
    note: str | None = None,
) -> str:
    unknown = set(fields) - set(REFERENCE_FIELDS)
    if unknown:
        raise SyncError(f"unknown library field(s): {', '.join(sorted(unknown))}")
    if fields.get("kind") not in KINDS:
        raise SyncError(f"kind must be one of {', '.join(KINDS)}, got {fields.get('kind')!r}")
    if not (fields.get("producer") or fields.get("cuvee") or fields.get("appellation")):
        raise SyncError("a reference needs at least a producer, a cuvée or an appellation")
    # The highest USR- number, not their count: a library file may bring USR- ids with gaps.
    number = conn.execute(
        "SELECT coalesce(max(try_cast(substr(library_ref_id, 5) AS INTEGER)), 0) FROM library "
        "WHERE library_ref_id LIKE 'USR-%'"
    ).fetchall()[0][0]
    ref_id = f"USR-{number + 1:04d}"
    values = {name: fields.get(name) for name in REFERENCE_FIELDS}
    values["vat_rate"] = values["vat_rate"] if values["vat_rate"] is not None else 2000
    display = (
        pl.DataFrame([values], schema={k: LIBRARY_SCHEMA[k] for k in REFERENCE_FIELDS})
        .select(display_name_expr())
        .item()
    )
    columns = ["library_ref_id", *REFERENCE_FIELDS, "display_name"]
    conn.execute(
        f"INSERT INTO library ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [ref_id, *values.values(), display],
    )
    conn.execute(
        "INSERT INTO link_audit (action, new_library_ref_id, decided_by, note) "
        "VALUES ('create_reference', ?, ?, ?)",
        [ref_id, decided_by, note or display],
    )
    return ref_id


def _audit(
    conn: duckdb.DuckDBPyConnection,
    action: str,
    pos_product_id: str,
    previous: Link | None,
    new: Link | None,
    decided_by: str,
    note: str | None,
) -> None:
    conn.execute(
        """
        INSERT INTO link_audit (action, pos_product_id, previous_library_ref_id,
            new_library_ref_id, previous_factor, new_factor, decided_by, note)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            action,
            pos_product_id,
            previous.library_ref_id if previous else None,
            new.library_ref_id if new else None,
            previous.serving_factor if previous else None,
            new.serving_factor if new else None,
            decided_by,
            note,
        ],
    )


def describe(conn: duckdb.DuckDBPyConnection, some_id: str) -> list[str]:
    """Human lines for ``sommit show``: what a library reference is fed by (its POS products
    and factors), or what a POS product is linked to."""
    ensure_tables(conn, *SYNC_TABLES)
    names = conn.execute(
        "SELECT display_name FROM library WHERE library_ref_id = ?", [some_id]
    ).fetchall()
    if names:
        fed = feeding(conn, some_id)
        lines = [f"{some_id}  {names[0][0]}", f"  fed by {len(fed)} POS reference(s):"]
        lines += [f"    {pid}  {label!r}  x {factor:g}" for pid, label, factor in fed]
        return lines
    try:
        product = pos_reference(conn, some_id)
    except SyncError:
        raise SyncError(
            f"unknown id {some_id!r}: neither a library reference nor a POS product"
        ) from None
    linked = current_link(conn, some_id)
    ignored = conn.execute(
        "SELECT reason FROM ignored_items WHERE pos_product_id = ?", [some_id]
    ).fetchall()
    head = f"{some_id}  {product.label!r} ({product.category or 'no category'})"
    if linked:
        target = conn.execute(
            "SELECT display_name FROM library WHERE library_ref_id = ?", [linked.library_ref_id]
        ).fetchall()
        name = target[0][0] if target else "(missing from the library)"
        return [head, f"  linked to {linked.library_ref_id}  {name}  x {linked.serving_factor:g}"]
    if ignored:
        return [head, f"  ignored ({ignored[0][0] or 'no reason given'})"]
    return [head, "  not linked: waiting in the drinks to synchronise"]
