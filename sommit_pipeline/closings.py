"""When is a service day ready? Pure logic behind the till sensor."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sommit_pipeline.popina.models import Report
from sommit_pipeline.transforms.sales import service_day

NO_SERVICE = "no-service"  # the version of a day without any closure


def day_versions(reports: Iterable[Report], tz: ZoneInfo) -> dict[date, str | None]:
    """Per service day, a short hash of what its closures say (ids, updatedAt, finalizedAt,
    totals, cancellations), or None while one of them is still open. Training closures do not
    count."""
    by_day: dict[date, list[Report]] = defaultdict(list)
    for report in reports:
        if not report.is_training:
            by_day[service_day(report, tz)].append(report)
    versions: dict[date, str | None] = {}
    for day, closures in by_day.items():
        if any(not r.is_finalized for r in closures):
            versions[day] = None
            continue
        fingerprint = "|".join(
            f"{r.id},{r.updated_at},{r.finalized_at},{r.total_sales},"
            f"{len(r.report_cancellations)},{sum(c.amount for c in r.report_cancellations)}"
            for r in sorted(closures, key=lambda r: r.id)
        )
        versions[day] = hashlib.sha256(fingerprint.encode()).hexdigest()[:12]
    return versions


def days_to_request(
    versions: dict[date, str | None], processed: dict[str, str], last_requestable: date
) -> list[tuple[date, str]]:
    """Days whose closures are all finalized, that can be requested (not after
    ``last_requestable``), and whose version differs from the one last processed."""
    return sorted(
        (day, version)
        for day, version in versions.items()
        if version is not None
        and day <= last_requestable
        and processed.get(day.isoformat()) != version
    )


def days_without_service(
    versions: dict[date, str | None],
    processed: dict[str, str],
    first: date,
    last: date,
) -> list[date]:
    """Days of ``first``..``last`` with no closure at all, not yet recorded as such."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [
        day for day in days if day not in versions and processed.get(day.isoformat()) != NO_SERVICE
    ]
