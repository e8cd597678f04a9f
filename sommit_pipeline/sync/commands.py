"""Scriptable link and stock commands of ``sommit`` (``sommit link``, ``sommit stock count``...).

Each command opens the warehouse, applies one decision in one transaction and prints what it
did. Unknown ids and bad input exit with status 2 and a message naming what was wrong.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from sommit_pipeline import settings
from sommit_pipeline.money import euros_to_cents
from sommit_pipeline.sync import links
from sommit_pipeline.sync.links import SyncError
from sommit_pipeline.warehouse import stock
from sommit_pipeline.warehouse.io import connect
from sommit_pipeline.warehouse.stock import StockInputError

Handler = Callable[[duckdb.DuckDBPyConnection, argparse.Namespace], None]


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the link and stock commands on the ``sommit`` parser."""
    sync = commands.add_parser("sync", help="clear the drinks to synchronise, interactively")
    sync.add_argument("--all", action="store_true", help="also catalogue-only references")
    sync.set_defaults(handler=_sync)

    link = commands.add_parser("link", help="link a POS product to a library reference")
    link.add_argument("pos_product_id")
    link.add_argument("library_ref_id")
    link.add_argument(
        "--factor",
        type=float,
        help="library units per POS unit (default: "
        "inferred from the label and the format, e.g. 0.16 for 12 cl of 75 cl)",
    )
    link.set_defaults(handler=_link)

    unlink = commands.add_parser("unlink", help="break a POS product's link")
    unlink.add_argument("pos_product_id")
    unlink.set_defaults(handler=_unlink)

    ignore = commands.add_parser("ignore", help="take an untracked POS product off the list")
    ignore.add_argument("pos_product_id")
    ignore.add_argument("--reason")
    ignore.set_defaults(handler=_ignore)
    unignore = commands.add_parser("unignore", help="put an ignored POS product back")
    unignore.add_argument("pos_product_id")
    unignore.set_defaults(handler=_unignore)

    show = commands.add_parser(
        "show", help="what a POS product is linked to, or what feeds a library reference"
    )
    show.add_argument("id")
    show.set_defaults(handler=_show)

    library = commands.add_parser("library", help="search or add library references")
    library_commands = library.add_subparsers(dest="library_command", required=True)
    search = library_commands.add_parser("search", help="search the library")
    search.add_argument("text")
    search.set_defaults(handler=_search)
    add = library_commands.add_parser("add", help="create a library reference")
    add.add_argument("--kind", choices=links.KINDS, default="wine")
    for name in ("producer", "cuvee", "appellation", "region"):
        add.add_argument(f"--{name}")
    add.add_argument("--colour", choices=("red", "white", "rose", "sparkling"))
    add.add_argument("--vintage", type=int)
    add.add_argument("--format-cl", type=float, default=75.0)
    add.add_argument("--cost-ht", type=_euros, help="purchase cost HT, euros (70.00)")
    add.add_argument("--price-ttc", type=_euros, help="sale price TTC, euros (231.00)")
    add.add_argument("--vat-rate", type=int, default=2000, help="percent x 100 (2000 = 20 %%)")
    add.set_defaults(handler=_add_reference)

    stock_parser = commands.add_parser("stock", help="stock counts, purchases, current stock")
    stock_commands = stock_parser.add_subparsers(dest="stock_command", required=True)
    count = stock_commands.add_parser("count", help="record an inventory count")
    count.add_argument("library_ref_id")
    count.add_argument("quantity", type=float)
    count.add_argument(
        "--on",
        type=date.fromisoformat,
        default=date.today(),
        help="the service day the count closes (default: today)",
    )
    count.add_argument("--note")
    count.set_defaults(handler=_count)
    purchase = stock_commands.add_parser("purchase", help="record a delivery")
    purchase.add_argument("library_ref_id")
    purchase.add_argument("quantity", type=float)
    purchase.add_argument("--on", type=_day, default=date.today())
    purchase.add_argument("--cost-ht", type=_euros, help="unit cost HT, euros")
    purchase.add_argument("--supplier")
    purchase.set_defaults(handler=_purchase)
    for kind in ("counts", "purchases"):
        importer = stock_commands.add_parser(f"import-{kind}", help=f"import {kind} from CSV")
        importer.add_argument("csv", type=Path)
        importer.set_defaults(handler=_import_counts if kind == "counts" else _import_purchases)
    show_stock = stock_commands.add_parser("show", help="current stock and BEVCOST")
    show_stock.add_argument("library_ref_id", nargs="?")
    show_stock.set_defaults(handler=_show_stock)

    for parser in (sync, link, unlink, ignore, unignore, add, count, purchase):
        parser.add_argument("--by", default=_user(), help="who decides (audit trail)")


def run(args: argparse.Namespace) -> int:
    try:
        if args.handler is _sync:
            _sync(args)
            return 0
        with connect(settings.warehouse_path()) as conn:
            args.handler(conn, args)
    except (SyncError, StockInputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _user() -> str:
    try:
        return os.environ.get("SOMMIT_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day YYYY-MM-DD") from None


def _euros(text: str) -> int:
    try:
        return euros_to_cents(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# -- handlers ---------------------------------------------------------------------------------


def _sync(args: argparse.Namespace) -> None:
    from sommit_pipeline.sync.terminal import SyncSession

    path = settings.warehouse_path()
    SyncSession(lambda: connect(path), decided_by=args.by, include_catalogue_only=args.all).run()


def _link(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    made = links.link(
        conn, args.pos_product_id, args.library_ref_id, args.factor, decided_by=args.by
    )
    label = links.pos_reference(conn, made.pos_product_id).label
    print(
        f"linked {label!r} ({made.pos_product_id}) -> {made.library_ref_id}, "
        f"serving factor {made.serving_factor:g}"
    )


def _unlink(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    broken = links.unlink(conn, args.pos_product_id, decided_by=args.by)
    print(f"unlinked {broken.pos_product_id} (was -> {broken.library_ref_id})")


def _ignore(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    links.ignore(conn, args.pos_product_id, decided_by=args.by, reason=args.reason)
    print(f"ignored {args.pos_product_id}")


def _unignore(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    links.unignore(conn, args.pos_product_id, decided_by=args.by)
    print(f"{args.pos_product_id} is back on the list")


def _show(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    for line in links.describe(conn, args.id):
        print(line)


def _search(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    from sommit_pipeline.sync.queue import library_engine

    if not args.text.strip():
        raise SyncError("give some text to search the library with")
    engine, names = library_engine(conn)
    found = engine.suggest(args.text, limit=10)
    if not found:
        print(f"nothing in the library looks like {args.text!r}")
    for suggestion in found:
        print(
            f"{suggestion.ref_id:<12} {suggestion.score:5.1f} {suggestion.confidence:<7} "
            f"{names[suggestion.ref_id]}"
        )


def _add_reference(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    ref_id = links.create_reference(
        conn,
        {
            "kind": args.kind,
            "producer": args.producer,
            "cuvee": args.cuvee,
            "appellation": args.appellation,
            "region": args.region,
            "colour": args.colour,
            "vintage": args.vintage,
            "format_cl": args.format_cl,
            "purchase_cost_ht_cents": args.cost_ht,
            "sale_price_ttc_cents": args.price_ttc,
            "vat_rate": args.vat_rate,
        },
        decided_by=args.by,
    )
    print(f"created {ref_id}")


def _count(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    stock.record_counts(conn, [(args.library_ref_id, args.on, args.quantity, args.note)])
    print(f"count recorded: {args.library_ref_id} = {args.quantity:g} at the end of {args.on}")


def _purchase(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    stock.record_purchases(
        conn, [(args.library_ref_id, args.on, args.quantity, args.cost_ht, args.supplier)]
    )
    print(f"purchase recorded: {args.quantity:g} x {args.library_ref_id} on {args.on}")


def _import_counts(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    print(f"{stock.record_counts(conn, stock.read_counts_csv(args.csv))} count(s) imported")


def _import_purchases(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    imported = stock.record_purchases(conn, stock.read_purchases_csv(args.csv))
    print(f"{imported} purchase(s) imported")


def _show_stock(conn: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    stock.ensure_stock_view(conn)
    where = "WHERE library_ref_id = ?" if args.library_ref_id else ""
    rows = conn.execute(
        f"SELECT library_ref_id, display_name, last_count_on, current_stock, bevcost_pct "
        f"FROM current_stock {where} ORDER BY display_name",
        [args.library_ref_id] if args.library_ref_id else [],
    ).fetchall()
    if args.library_ref_id and not rows:
        raise SyncError(f"unknown library reference {args.library_ref_id!r}")
    for ref, name, counted_on, on_hand, bevcost in rows:
        since = f"counted {counted_on}" if counted_on else "never counted"
        cost = f"BEVCOST {bevcost:.2f} %" if bevcost is not None else "BEVCOST -"
        print(f"{ref:<10} {on_hand:>9.2f}  {name:<55} {since:<20} {cost}")
