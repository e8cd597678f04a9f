"""Pure transformation rules, without Dagster or HTTP."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from sommit_pipeline.popina.models import Order, Report
from sommit_pipeline.transforms.sales import (
    allocate_order_revenue,
    round_half_up,
    sales_frame,
    service_day,
)
from tests.builders import P_KIR, P_WATER, line, order

PARIS = ZoneInfo("Europe/Paris")


def make_order(total: int, line_totals: list[int], **extra) -> Order:
    items = [line(P_KIR, "Kir", 1, t, t, 2000) for t in line_totals]
    return Order.model_validate(order("o-1", "r-1", "2025-03-14T20:00:00Z", total, items, **extra))


def test_lines_keep_their_totals_when_they_add_up_to_the_order():
    assert allocate_order_revenue(make_order(1550, [900, 650])) == ([900, 650], 0)


def test_an_order_discount_is_spread_by_largest_remainder():
    # 1000 and 333 rung (1333), 1200 cashed: 900.225 -> 900 and 299.77 -> 300.
    assert allocate_order_revenue(make_order(1200, [1000, 333])) == ([900, 300], 0)
    # Three equal lines, 100 cashed for 300: 33.33 each, the first line gets the spare cent.
    assert allocate_order_revenue(make_order(100, [100, 100, 100])) == ([34, 33, 33], 0)


def test_cancelled_order_and_cancelled_or_offered_lines_earn_nothing():
    assert allocate_order_revenue(make_order(1550, [900, 650], isCanceled=True)) == ([0, 0], 0)
    items = [
        line(P_KIR, "Kir", 2, 450, 900, 2000),
        line(P_WATER, "Eau", 1, 650, 650, 1000, isCanceled=True),
    ]
    partly_cancelled = Order.model_validate(order("o-2", "r-1", "2025-03-14T20:00:00Z", 900, items))
    assert allocate_order_revenue(partly_cancelled) == ([900, 0], 0)


def test_a_refund_with_an_order_discount_mirrors_a_sale():
    # -1000 and -500 refunded, -1000 paid back: -666.67 and -333.33 -> -667 and -333, the
    # mirror of the sale case (1000 and 500 for 1000: 667 and 333).
    assert allocate_order_revenue(make_order(1000, [1000, 500])) == ([667, 333], 0)
    assert allocate_order_revenue(make_order(-1000, [-1000, -500])) == ([-667, -333], 0)
    assert allocate_order_revenue(make_order(-250, [100, -400])) == ([83, -333], 0)


def test_an_amount_no_line_can_carry_is_kept_apart_for_an_adjustment_row():
    # an exchange (+500, -500) with a 100 service charge: the lines sum to zero
    assert allocate_order_revenue(make_order(100, [500, -500])) == ([500, -500], 100)


def test_the_adjustment_row_keeps_the_day_reconciled():
    items = [line(P_KIR, "Kir", 1, 450, 0, 2000, x_offered=True)]
    charged = Order.model_validate(order("o-3", "r-1", "2025-03-14T20:00:00Z", 300, items))
    report = Report.model_validate(
        {
            "id": "r-1",
            "startedAt": "2025-03-14T17:00:00Z",
            "finalizedAt": "2025-03-14T23:00:00Z",
            "totalSales": 300,
        }
    )
    lines = sales_frame([report], {"r-1": [charged]}, PARIS)
    assert lines.select("label", "total_ttc_cents", "total_ht_cents", "movement_kind").rows() == [
        ("Kir", 0, 0, "offered"),
        ("(order adjustment)", 300, 250, None),  # 300 / 1.2
    ]


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
