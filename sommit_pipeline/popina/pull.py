"""Pull the closures of a range of service days, with their orders, from Popina."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sommit_pipeline.popina.client import PopinaClient, PopinaError, PopinaPayloadError
from sommit_pipeline.popina.models import Order, Report
from sommit_pipeline.transforms.sales import service_day


class ServiceDayNotFinal(PopinaError):
    """A closure of the requested days is still open: its day must wait."""


@dataclass
class PulledDays:
    first_day: date
    last_day: date
    reports: list[Report] = field(default_factory=list)  # finalized, not training, in range
    orders: dict[str, list[Order]] = field(default_factory=dict)
    training_reports: int = 0


def pull_service_days(
    client: PopinaClient,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    *,
    lookahead_days: int = 7,
    workers: int = 4,
) -> PulledDays:
    """Closures whose service day (local date of ``startedAt``) is in ``first_day..last_day``.

    Popina does not say which timestamp ``since``/``until`` filter on, and a closure may be
    recorded days or weeks after it started, so we list from the day before until today (at
    least ``lookahead_days`` after the last day) and keep closures by service day.
    Raises :class:`ServiceDayNotFinal` naming any closure of those days that is still open.
    """
    # Until today at least: the till sensor may request a day for a closure recorded weeks
    # late, and the run must see what the sensor saw.
    until = max(last_day + timedelta(days=lookahead_days), datetime.now(tz).date())
    listed = client.list_reports(first_day - timedelta(days=1), until)
    pulled = PulledDays(first_day, last_day)
    by_id: dict[str, Report] = {}
    for report in listed:
        if not first_day <= service_day(report, tz) <= last_day:
            continue
        if report.is_training:
            pulled.training_reports += 1
            continue
        by_id[report.id] = report  # a report listed twice (data moved while paging) counts once
    still_open = [r for r in by_id.values() if not r.is_finalized]
    if still_open:
        names = ", ".join(
            f"{r.id} (service day {service_day(r, tz)}, started {r.started_at.isoformat()})"
            for r in still_open
        )
        raise ServiceDayNotFinal(f"closure(s) still open, their day waits: {names}")
    pulled.reports = sorted(by_id.values(), key=lambda r: (r.started_at, r.id))

    def orders_of(report: Report) -> tuple[str, list[Order]]:
        orders = client.list_orders(report.id)
        for order in orders:
            if order.report_id not in (None, report.id):
                raise PopinaPayloadError(
                    f"/v1/orders?reportId={report.id}",
                    f"order {order.id}.reportId",
                    f"is {order.report_id!r}, not the closure asked for",
                )
        return report.id, orders

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pulled.orders = dict(pool.map(orders_of, pulled.reports))
    return pulled
