"""The service-day partitions every daily asset shares."""

from __future__ import annotations

from datetime import date

import dagster as dg

from sommit_pipeline import settings

# A service day is the local date of a closure's start (Europe/Paris unless configured).
# end_offset=0: the newest partition is yesterday, the last day whose tills can be closed.
service_days = dg.DailyPartitionsDefinition(
    start_date=settings.first_service_day(),
    timezone=settings.timezone_name(),
)


def service_day_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """First and last service day of the run: one day, or a whole range in a single-run
    backfill (where ``context.partition_key`` would raise)."""
    key_range = context.partition_key_range
    return date.fromisoformat(key_range.start), date.fromisoformat(key_range.end)
