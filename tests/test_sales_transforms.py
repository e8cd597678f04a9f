"""Pure transformation rules, without Dagster or HTTP."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from sommit_pipeline.popina.models import Order, Report
from sommit_pipeline.transforms.sales import (
    SalesIntegrityError,
    allocate_order_revenue,
    round_half_up,
    service_day,
)
from tests.builders import P_KIR, P_WATER, line, order

PARIS = ZoneInfo("Europe/Paris")


def make_order(total: int, line_totals: list[int], **extra) -> Order:
    items = [line(P_KIR, "Kir", 1, t, t, 2000) for t in line_totals]
    return Order.model_validate(order("o-1", "r-1", "2025-03-14T20:00:00Z", total, items, **extra))


def test_lines_keep_their_totals_when_they_add_up_to_the_order():
    assert allocate_order_revenue(make_order(1550, [900, 650])) == [900, 650]


def test_an_order_discount_is_spread_by_largest_remainder():
    # 1000 and 333 rung (1333), 1200 cashed: 900.225 -> 900 and 299.77 -> 300.
    assert allocate_order_revenue(make_order(1200, [1000, 333])) == [900, 300]
    # Three equal lines, 100 cashed for 300: 33.33 each, the first line gets the spare cent.
    assert allocate_order_revenue(make_order(100, [100, 100, 100])) == [34, 33, 33]


def test_cancelled_order_and_cancelled_or_offered_lines_earn_nothing():
    assert allocate_order_revenue(make_order(1550, [900, 650], isCanceled=True)) == [0, 0]
    items = [
        line(P_KIR, "Kir", 2, 450, 900, 2000),
        line(P_WATER, "Eau", 1, 650, 650, 1000, isCanceled=True),
    ]
    partly_cancelled = Order.model_validate(order("o-2", "r-1", "2025-03-14T20:00:00Z", 900, items))
    assert allocate_order_revenue(partly_cancelled) == [900, 0]


def test_an_order_total_with_no_line_to_carry_it_is_an_integrity_error():
    with pytest.raises(SalesIntegrityError, match="o-1"):
        allocate_order_revenue(make_order(500, [0]))


def test_service_day_is_the_paris_date_of_the_closure_start():
    report = Report.model_validate(
        {
            "id": "r",
            "startedAt": "2025-03-14T23:30:00Z",
            "finalizedAt": "2025-03-15T03:00:00Z",
            "totalSales": 0,
        }
    )
    # 23:30 UTC is 00:30 in Paris (UTC+1 in March): the service day is the 15th.
    assert str(service_day(report, PARIS)) == "2025-03-15"
    summer = report.model_copy(update={"started_at": report.started_at.replace(month=7)})
    assert str(service_day(summer, PARIS)) == "2025-07-15"


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 2, 3), (7, 2, 4), (-5, 2, -3), (3000 * 10000, 11000, 2727), (1950 * 10000, 12000, 1625)],
)
def test_round_half_up(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


def test_amounts_must_be_integer_cents():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Order.model_validate(
            order("o", "r", "2025-03-14T20:00:00Z", 12.5, [line(P_WATER, "Eau", 1, 400, 400, 1000)])
        )
