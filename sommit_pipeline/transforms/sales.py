"""Popina closures and orders -> typed polars frames (pure; no I/O, no Dagster).

Accounting (``reference/domain-rules.md``):
- a cancelled line, or any line of a cancelled order, earns nothing and depletes nothing;
- an offered line (``x_offered``, or a zero total on a priced, non-loss line) earns nothing and
  depletes stock; a loss line (``isLoss``) likewise;
- revenue is the till's figure: the order total, spread over its lines in proportion to their
  totals when an order-level discount makes them differ, so that lines sum to the order total;
- HT is the line's ``taxableAmount`` when its TTC is untouched, else TTC / (1 + rate), per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from sommit_pipeline.popina.models import Order, OrderItem, Product, Report

CLOSURES_SCHEMA = pl.Schema(
    {
        "service_day": pl.Date,
        "report_id": pl.String,
        "report_number": pl.Int64,
        "started_at": pl.Datetime("us", "UTC"),
        "finalized_at": pl.Datetime("us", "UTC"),
        "updated_at": pl.Datetime("us", "UTC"),
        "order_count": pl.Int64,
        "total_sales_cents": pl.Int64,
        "payments_cents": pl.Int64,
    }
)

SALES_SCHEMA = pl.Schema(
    {
        "service_day": pl.Date,
        "report_id": pl.String,
        "order_id": pl.String,
        "order_number": pl.String,
        "line_index": pl.Int32,
        "line_id": pl.String,
        "pos_product_id": pl.String,
        "label": pl.String,
        "category": pl.String,
        "sub_category": pl.String,
        "quantity": pl.Float64,
        "unit_price_cents": pl.Int64,
        "line_total_cents": pl.Int64,  # the line's total as rung, before order-level discounts
        "total_ttc_cents": pl.Int64,  # revenue: what the till cashed for this line
        "total_ht_cents": pl.Int64,
        "tax_rate": pl.Int32,  # percent x 100
        "is_cancelled": pl.Boolean,
        "is_offered": pl.Boolean,
        "is_loss": pl.Boolean,
        "movement_kind": pl.String,  # sale | offered | loss | NULL when cancelled
        "cancel_reason": pl.String,
        "loss_reason": pl.String,
        "ordered_at": pl.Datetime("us", "UTC"),
    }
)

CATALOG_SCHEMA = pl.Schema(
    {
        "seen_on": pl.Date,
        "pos_product_id": pl.String,
        "label": pl.String,
        "category": pl.String,
        "sub_category": pl.String,
        "unit_price_cents": pl.Int64,
        "tax_rate": pl.Int32,
        "price_types": pl.Int32,
    }
)


class SalesIntegrityError(ValueError):
    """Orders whose figures cannot be reconciled with their lines."""


def service_day(report: Report, tz: ZoneInfo) -> date:
    """The local calendar date of the closure's start: an order rung at 00:40 belongs to the
    service its closure started on."""
    return report.started_at.astimezone(tz).date()


def closures_frame(reports: Iterable[Report], orders: Mapping[str, list[Order]], tz: ZoneInfo):
    rows = [
        {
            "service_day": service_day(r, tz),
            "report_id": r.id,
            "report_number": r.report_number,
            "started_at": r.started_at,
            "finalized_at": r.finalized_at,
            "updated_at": r.updated_at,
            "order_count": len(orders.get(r.id, [])),
            "total_sales_cents": r.total_sales,
            "payments_cents": sum(p.payment_amount for p in r.report_payments),
        }
        for r in reports
    ]
    return pl.DataFrame(rows, schema=CLOSURES_SCHEMA)


@dataclass
class _Columns:
    """Column-wise accumulation: much faster than a dict per line for 10^5 lines."""

    values: dict[str, list]

    @classmethod
    def for_schema(cls, schema: pl.Schema) -> _Columns:
        return cls({name: [] for name in schema})

    def frame(self, schema: pl.Schema) -> pl.DataFrame:
        return pl.DataFrame(self.values, schema=schema)


def sales_frame(reports: Iterable[Report], orders: Mapping[str, list[Order]], tz: ZoneInfo):
    """One row per order line of the given closures."""
    cols = _Columns.for_schema(SALES_SCHEMA)
    v = cols.values
    for report in reports:
        day = service_day(report, tz)
        for order in orders.get(report.id, []):
            revenues, unallocated = allocate_order_revenue(order)
            ordered_at = order.closed_at or order.opened_at
            for index, (item, revenue) in enumerate(zip(order.items, revenues, strict=True)):
                cancelled = order.is_canceled or item.is_canceled
                offered = not cancelled and is_offered(item)
                loss = not cancelled and item.is_loss
                rate = item.tax.tax_rate if item.tax else 0
                v["service_day"].append(day)
                v["report_id"].append(report.id)
                v["order_id"].append(order.id)
                v["order_number"].append(order.order_number)
                v["line_index"].append(index)
                v["line_id"].append(f"{order.id}/{index}")
                v["pos_product_id"].append(item.item_catalog_id)
                v["label"].append(item.description)
                v["category"].append(item.category)
                v["sub_category"].append(item.sub_category)
                v["quantity"].append(item.quantity)
                v["unit_price_cents"].append(item.unit_price)
                v["line_total_cents"].append(item.total)
                v["total_ttc_cents"].append(revenue)
                v["total_ht_cents"].append(_line_ht(item, revenue, rate))
                v["tax_rate"].append(rate)
                v["is_cancelled"].append(cancelled)
                v["is_offered"].append(offered)
                v["is_loss"].append(loss)
                v["movement_kind"].append(
                    None if cancelled else "loss" if loss else "offered" if offered else "sale"
                )
                v["cancel_reason"].append(item.cancel_reason if item.is_canceled else None)
                v["loss_reason"].append(item.loss_reason if loss else None)
                v["ordered_at"].append(ordered_at)
            if unallocated:
                _adjustment_row(v, day, report.id, order, unallocated, ordered_at)
    return cols.frame(SALES_SCHEMA)


def _adjustment_row(
    v: dict[str, list], day: date, report_id: str, order: Order, cents: int, ordered_at
) -> None:
    """An order amount no line can carry (e.g. a service charge on offered lines): kept as its
    own line, without a product, so that the day's revenue is still what the till cashed."""
    rates = [item.tax.tax_rate for item in order.items if item.tax]
    rate = max(set(rates), key=rates.count) if rates else 0
    row = {
        "service_day": day,
        "report_id": report_id,
        "order_id": order.id,
        "order_number": order.order_number,
        "line_index": len(order.items),
        "line_id": f"{order.id}/adjustment",
        "pos_product_id": None,
        "label": "(order adjustment)",
        "category": None,
        "sub_category": None,
        "quantity": 0.0,
        "unit_price_cents": 0,
        "line_total_cents": 0,
        "total_ttc_cents": cents,
        "total_ht_cents": round_half_up(cents * 10000, 10000 + rate),
        "tax_rate": rate,
        "is_cancelled": False,
        "is_offered": False,
        "is_loss": False,
        "movement_kind": None,
        "cancel_reason": None,
        "loss_reason": None,
        "ordered_at": ordered_at,
    }
    for name, value in row.items():
        v[name].append(value)


def is_offered(item: OrderItem) -> bool:
    # Popina has no "offered" field: an offered line is a 100 % discount, i.e. a priced line
    # whose total is zero, unless it is a declared loss.
    if item.x_offered:
        return True
    return item.total == 0 and item.unit_price * item.quantity > 0 and not item.is_loss


def allocate_order_revenue(order: Order) -> tuple[list[int], int]:
    """Revenue per line, in cents, and what no line can carry (0 but in the case below).

    Lines keep their own total unless an order-level discount or surcharge makes the order
    total differ from their sum; then the order total is spread over the earning lines in
    proportion to their totals (largest remainder, so the cents add up exactly). When the lines
    sum to zero (an exchange, offered lines plus a service charge) nothing can carry the order
    total: it is returned apart, for an adjustment row, so the day still reconciles."""
    if order.is_canceled:
        return [0] * len(order.items), 0
    earning = [i for i, item in enumerate(order.items) if not item.is_canceled and item.total != 0]
    revenues = [0] * len(order.items)
    lines_total = sum(order.items[i].total for i in earning)
    if lines_total == order.total or lines_total == 0:
        for i in earning:
            revenues[i] = order.items[i].total
        return revenues, order.total - lines_total
    # Work on positive sums (a refund order is the mirror of a sale), then restore the sign.
    sign = 1 if lines_total > 0 else -1
    target, total = sign * order.total, sign * lines_total
    shares = [(target * sign * order.items[i].total, i) for i in earning]
    floors = {i: share // total for share, i in shares}
    leftover = target - sum(floors.values())
    # Hand the leftover cents to the largest remainders (ties: first line first).
    by_remainder = sorted(shares, key=lambda s: (-(s[0] % total), s[1]))
    for _, i in by_remainder[:leftover]:
        floors[i] += 1
    for i, amount in floors.items():
        revenues[i] = sign * amount
    return revenues, 0


def _line_ht(item: OrderItem, revenue: int, rate: int) -> int:
    if item.tax and item.tax.taxable_amount is not None and revenue == item.total:
        return item.tax.taxable_amount
    return round_half_up(revenue * 10000, 10000 + rate)


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (not banker's rounding)."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def catalog_frame(products: Iterable[Product], seen_on: date) -> pl.DataFrame:
    """The catalogue as seen on ``seen_on``; the price is the "Normal" price type's."""
    cols = _Columns.for_schema(CATALOG_SCHEMA)
    v = cols.values
    for product in products:
        normal = next((p for p in product.price_list if p.price_type_id == 0), None)
        price = normal or (product.price_list[0] if product.price_list else None)
        v["seen_on"].append(seen_on)
        v["pos_product_id"].append(product.id)
        v["label"].append(product.name)
        v["category"].append(product.category)
        v["sub_category"].append(product.sub_categories[0].name if product.sub_categories else None)
        v["unit_price_cents"].append(price.unit_price if price else None)
        v["tax_rate"].append(price.tax_rate if price else None)
        v["price_types"].append(len(product.price_list))
    return cols.frame(CATALOG_SCHEMA)


SERVICE_DAYS_SCHEMA = pl.Schema(
    {
        "service_day": pl.Date,
        "status": pl.String,
        "closures": pl.Int64,
        "order_lines": pl.Int64,
        "revenue_ttc_cents": pl.Int64,
        "ingested_at": pl.Datetime("us", "UTC"),
    }
)


def service_days_frame(
    first_day: date,
    last_day: date,
    closures: pl.DataFrame,
    lines: pl.DataFrame,
    ingested_at: datetime,
) -> pl.DataFrame:
    """One row per day of the window: "served" with its figures, or "no service"."""
    days = pl.DataFrame(
        {"service_day": pl.date_range(first_day, last_day, eager=True)},
        schema={"service_day": pl.Date},
    )
    per_closure = closures.group_by("service_day").agg(closures=pl.len())
    per_line = lines.group_by("service_day").agg(
        order_lines=pl.len(), revenue_ttc_cents=pl.col("total_ttc_cents").sum()
    )
    return (
        days.join(per_closure, on="service_day", how="left")
        .join(per_line, on="service_day", how="left")
        .with_columns(pl.col("closures", "order_lines", "revenue_ttc_cents").fill_null(0))
        .with_columns(
            status=pl.when(pl.col("closures") > 0)
            .then(pl.lit("served"))
            .otherwise(pl.lit("no service")),
            ingested_at=pl.lit(ingested_at),
        )
        .cast(dict(SERVICE_DAYS_SCHEMA))
        .select(list(SERVICE_DAYS_SCHEMA))
    )
