"""Convert a real till export into a Popina scenario the simulator can serve.

Input: an order-lines CSV ``Order Number, Order Date, Item Name, Quantity`` (dates ``D/M/YYYY
H:MM`` in the restaurant's local time) and a price list ``Item Name, Product Price`` (decimal,
tax included). Output: one closure per calendar day of the export, holding that day's orders at
their real time, a catalogue with one product per label, and the restaurant's library and links.

Labels, quantities and prices are carried over untouched. Product ids are derived from the label
(uuid5), so that links written for one conversion hold for the next. The export has no
categories: a label is filed under "Drinks" when it names a drink (``DRINK_WORDS``), else "Food".
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sommit_pipeline.scenarios.format import (
    LIBRARY_COLUMNS,
    LINK_COLUMNS,
    ScenarioError,
    ScenarioMeta,
    read_csv_rows,
    write_scenario,
)

ID_NAMESPACE = uuid.UUID("5b0f3c1e-7d2a-4c59-9a0e-2f6c51d0a7b3")
ORDER_COLUMNS = ("Order Number", "Order Date", "Item Name", "Quantity")
PRICE_COLUMNS = ("Item Name", "Product Price")
DRINK_WORDS = ("wine", "water", "coke", "lemonade", "cobra", "beer", "lager", "juice")
TAX_RATE = 2000  # the export carries no tax: we file everything at 20 %
OPENING_TIME = time(10, 0)  # a closure starts at opening, or just before an earlier order


def product_id(label: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"product:{label}"))


def is_drink(label: str) -> bool:
    lowered = label.lower()
    return any(word in lowered for word in DRINK_WORDS)


@dataclass(frozen=True)
class ExportLine:
    order_number: str
    ordered_at: datetime  # local, naive as in the export
    label: str
    quantity: int
    row: int


def read_price_list(path: Path) -> dict[str, int]:
    """Label -> unit price in cents, exactly (decimal, not float)."""
    prices: dict[str, int] = {}
    for row_number, row in _read_rows(path, PRICE_COLUMNS):
        label, raw = row["Item Name"], row["Product Price"].strip()
        try:
            cents = Decimal(raw) * 100
        except InvalidOperation:
            raise ScenarioError(f"{path}:{row_number}: price {raw!r} is not a number") from None
        if cents != cents.to_integral_value() or cents < 0:
            raise ScenarioError(f"{path}:{row_number}: price {raw!r} is not a whole cent amount")
        if label in prices:
            raise ScenarioError(f"{path}:{row_number}: {label!r} is priced twice")
        prices[label] = int(cents)
    return prices


def read_order_lines(path: Path) -> list[ExportLine]:
    lines = []
    for row_number, row in _read_rows(path, ORDER_COLUMNS):
        try:
            ordered_at = datetime.strptime(row["Order Date"].strip(), "%d/%m/%Y %H:%M")
        except ValueError:
            raise ScenarioError(
                f"{path}:{row_number}: Order Date {row['Order Date']!r} is not D/M/YYYY H:MM"
            ) from None
        try:
            quantity = int(row["Quantity"])
        except ValueError:
            raise ScenarioError(
                f"{path}:{row_number}: Quantity {row['Quantity']!r} is not a whole number"
            ) from None
        if quantity <= 0:
            raise ScenarioError(f"{path}:{row_number}: Quantity {quantity} is not positive")
        lines.append(
            ExportLine(
                row["Order Number"].strip(), ordered_at, row["Item Name"], quantity, row_number
            )
        )
    return lines


def convert_till_export(
    orders_csv: Path,
    prices_csv: Path,
    out_folder: Path,
    *,
    name: str,
    export_timezone: str = "Europe/London",
    library_csv: Path | None = None,
    links_csv: Path | None = None,
) -> Path:
    """Write the scenario for one export into ``out_folder`` and return it."""
    prices = read_price_list(prices_csv)
    lines = read_order_lines(orders_csv)
    unpriced = sorted({line.label for line in lines} - prices.keys())
    if unpriced:
        raise ScenarioError(f"{orders_csv}: labels without a price in {prices_csv}: {unpriced[:5]}")
    tz = ZoneInfo(export_timezone)
    location_id = str(uuid.uuid5(ID_NAMESPACE, f"location:{name}"))

    by_day: dict[date, dict[str, list[ExportLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        by_day[line.ordered_at.date()][line.order_number].append(line)

    closures = [
        _closure(day, orders, prices, tz, location_id, report_number)
        for report_number, (day, orders) in enumerate(sorted(by_day.items()), start=1)
    ]
    catalog = [_product(label, cents) for label, cents in prices.items()]
    library = read_csv_rows(library_csv, LIBRARY_COLUMNS) if library_csv else []
    links = read_csv_rows(links_csv, LINK_COLUMNS) if links_csv else []
    meta = ScenarioMeta(
        name=name,
        location_id=location_id,
        timezone=export_timezone,
        currency="GBP",
        description=f"converted from {orders_csv.name} and {prices_csv.name}",
    )
    return write_scenario(out_folder, meta, catalog, closures, library, links)


def cached_conversion(
    orders_csv: Path,
    prices_csv: Path,
    *,
    name: str,
    cache_dir: Path | None = None,
    library_csv: Path | None = None,
    links_csv: Path | None = None,
) -> Path:
    """Convert once per content of the inputs, into the cache folder (outside the repository)."""
    digest = hashlib.sha256()
    for path in (orders_csv, prices_csv, library_csv, links_csv, Path(__file__)):
        if path is not None:
            digest.update(path.read_bytes())
    root = cache_dir or default_cache_dir()
    target = root / "scenarios" / f"{name}-{digest.hexdigest()[:12]}"
    if (target / ".complete").is_file():
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    convert_till_export(
        orders_csv, prices_csv, staging, name=name, library_csv=library_csv, links_csv=links_csv
    )
    (staging / ".complete").write_text("ok\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def default_cache_dir() -> Path:
    configured = os.environ.get("SOMMIT_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sommit-pipeline"


# -- building Popina objects -------------------------------------------------------------------


def _product(label: str, cents: int) -> dict[str, Any]:
    category = "Drinks" if is_drink(label) else "Food"
    return {
        "id": product_id(label),
        "name": label,
        "category": category,
        "categoryId": str(uuid.uuid5(ID_NAMESPACE, f"category:{category}")),
        "subCategories": [],
        "priceList": [
            {"priceTypeId": 0, "priceTypeName": "Normal", "unitPrice": cents, "taxRate": TAX_RATE}
        ],
    }


def _iso_utc(local: datetime, tz: ZoneInfo) -> str:
    return local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _taxable(total: int) -> int:
    return round(total * 10000 / (10000 + TAX_RATE))


def _closure(
    day: date,
    orders: dict[str, list[ExportLine]],
    prices: dict[str, int],
    tz: ZoneInfo,
    location_id: str,
    report_number: int,
) -> dict[str, Any]:
    report_id = str(uuid.uuid5(ID_NAMESPACE, f"report:{location_id}:{day.isoformat()}"))
    first = min(line.ordered_at for lines in orders.values() for line in lines)
    last = max(line.ordered_at for lines in orders.values() for line in lines)
    started = min(datetime.combine(day, OPENING_TIME), first - timedelta(minutes=1))
    finalized = last + timedelta(minutes=15)
    built_orders = []
    product_totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for order_number, order_lines in sorted(orders.items(), key=lambda kv: kv[1][0].ordered_at):
        items = []
        for line in order_lines:
            total = prices[line.label] * line.quantity
            taxable = _taxable(total)
            items.append(
                {
                    "description": line.label,
                    "category": "Drinks" if is_drink(line.label) else "Food",
                    "subCategory": None,
                    "quantity": line.quantity,
                    "unitPrice": prices[line.label],
                    "total": total,
                    "tier": "Normal",
                    "isCanceled": False,
                    "tax": {
                        "taxName": "VAT 20",
                        "taxRate": TAX_RATE,
                        "taxableAmount": taxable,
                        "taxAmount": total - taxable,
                    },
                    "itemCatalogId": product_id(line.label),
                }
            )
            product_totals[line.label][0] += line.quantity
            product_totals[line.label][1] += total
        order_total = sum(item["total"] for item in items)
        at = _iso_utc(order_lines[0].ordered_at, tz)
        built_orders.append(
            {
                "id": str(uuid.uuid5(ID_NAMESPACE, f"order:{location_id}:{order_number}")),
                "reportId": report_id,
                "locationId": location_id,
                "createdAt": at,
                "updatedAt": at,
                "openedAt": at,
                "closedAt": at,
                "orderNumber": order_number,
                "total": order_total,
                "totalTax": sum(item["tax"]["taxAmount"] for item in items),
                "totalDiscount": 0,
                "isCanceled": False,
                "isTransferred": False,
                "items": items,
                "payments": [{"paymentName": "Card", "paymentAmount": order_total}],
            }
        )
    total_sales = sum(order["total"] for order in built_orders)
    taxable_total = sum(i["tax"]["taxableAmount"] for o in built_orders for i in o["items"])
    return {
        "id": report_id,
        "createdAt": _iso_utc(finalized, tz),
        "updatedAt": _iso_utc(finalized, tz),
        "locationId": location_id,
        "startedAt": _iso_utc(started, tz),
        "finalizedAt": _iso_utc(finalized, tz),
        "isTraining": False,
        "reportNumber": report_number,
        "deviceName": "Till",
        "totalSales": total_sales,
        "reportPayments": [{"paymentName": "Card", "paymentAmount": total_sales}],
        "reportTaxes": [
            {
                "taxName": "VAT 20",
                "taxRate": TAX_RATE,
                "taxableAmount": taxable_total,
                "taxAmount": total_sales - taxable_total,
            }
        ],
        "reportProducts": [
            {
                "productName": label,
                "productQuantity": quantity,
                "productSales": sales,
                "category": "Drinks" if is_drink(label) else "Food",
                "productCatalogId": product_id(label),
            }
            for label, (quantity, sales) in sorted(product_totals.items())
        ],
        "orders": built_orders,
    }


def _read_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV whose header must name ``columns``."""
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [c for c in columns if c not in header]
        if missing:
            raise ScenarioError(
                f"{path}: not a till export of the expected form: missing column(s) "
                f"{', '.join(missing)} (found {header})"
            )
        reader.fieldnames = header
        yield from enumerate(reader, start=2)
