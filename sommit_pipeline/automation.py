"""Schedules and sensors: the morning run, and days requested as their tills close."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from sommit_pipeline import settings
from sommit_pipeline.closings import (
    NO_SERVICE,
    day_versions,
    days_to_request,
    days_without_service,
)
from sommit_pipeline.jobs import nightly_job
from sommit_pipeline.resources.popina import PopinaResource
from sommit_pipeline.resources.warehouse import DuckDBWarehouse
from sommit_pipeline.sync.effects import (
    changes_since,
    consecutive_ranges,
    service_days_between,
    sold_days,
)

# 06:00 Europe/Paris (the partitions' zone) every day, for yesterday's service day.
morning_schedule = dg.build_schedule_from_partitioned_job(
    nightly_job,
    name="morning_schedule",
    hour_of_day=6,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


@dg.sensor(
    job=nightly_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def closed_tills_sensor(
    context: dg.SensorEvaluationContext, popina: PopinaResource
) -> dg.SensorResult:
    """Requests a service day once every closure started that day is finalized, and again if
    its closures change (the run key carries their version). Lists closures only: sales are
    downloaded by the run, never inside the tick."""
    tz = ZoneInfo(settings.timezone_name())
    today = datetime.now(tz).date()
    first = max(
        today - timedelta(days=settings.sensor_lookback_days()),
        date.fromisoformat(settings.first_service_day()),
    )
    processed: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    with popina.open() as client:
        # Popina lists closures by the date they were recorded: one day more covers them all.
        reports = client.list_reports(first - timedelta(days=1), today)
    versions = {day: v for day, v in day_versions(reports, tz).items() if day >= first}
    ready = days_to_request(versions, processed, today - timedelta(days=1))
    grace_end = today - timedelta(days=settings.no_service_grace_days())
    quiet = days_without_service(versions, processed, first, grace_end)
    requests = [
        dg.RunRequest(partition_key=day.isoformat(), run_key=f"{day.isoformat()}:{version}")
        for day, version in ready
    ] + [
        # Recorded once as "no service" (service_days table) by an ordinary run of the day.
        dg.RunRequest(partition_key=day.isoformat(), run_key=f"{day.isoformat()}:{NO_SERVICE}")
        for day in quiet
    ]
    processed.update({day.isoformat(): version for day, version in ready})
    processed.update({day.isoformat(): NO_SERVICE for day in quiet})
    # Compact: one short version per day of the lookback window, nothing older.
    cursor = {day: v for day, v in processed.items() if day >= first.isoformat()}
    return dg.SensorResult(
        run_requests=requests,
        cursor=json.dumps(cursor, sort_keys=True, separators=(",", ":")),
        skip_reason=None if requests else "no newly closed, corrected or quiet service day",
    )


BOOKS = ("stock_movements", "revenue")
SENSOR_LOCK_WAIT_S = 10.0


@dg.sensor(
    target=dg.AssetSelection.assets(*BOOKS, "unmatched_items"),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def link_changes_sensor(
    context: dg.SensorEvaluationContext, warehouse: DuckDBWarehouse
) -> dg.SensorResult:
    """After link decisions (``sommit sync``, ``sommit link`` ...), materialises the books again
    for exactly the service days where the POS products concerned sold (one run per stretch of
    consecutive days), and the drinks to synchronise once."""
    after = int(context.cursor or 0)
    try:
        # A tick must stay short: if a run holds the file, try again next tick.
        with warehouse.connect(lock_wait_s=SENSOR_LOCK_WAIT_S) as conn:
            pending = changes_since(conn, after)
            days = sold_days(conn, pending.pos_product_ids)
            served = service_days_between(conn, days[0], days[-1]) if days else []
    except duckdb.IOException as exc:
        return dg.SensorResult(skip_reason=f"warehouse busy: {exc}", cursor=str(after))
    if not pending.list_changed:
        return dg.SensorResult(skip_reason="no new link decision", cursor=str(after))
    books = [dg.AssetKey(key) for key in BOOKS]
    stamp = f"links-{pending.last_audit_id}"
    requests = [
        dg.RunRequest(
            asset_selection=books,
            run_key=f"{stamp}:{first}:{last}",
            **(
                {"partition_key": first.isoformat()}
                if first == last
                else {
                    "tags": {
                        "dagster/asset_partition_range_start": first.isoformat(),
                        "dagster/asset_partition_range_end": last.isoformat(),
                    }
                }
            ),
        )
        for first, last in consecutive_ranges(days, served)
    ]
    requests.append(
        dg.RunRequest(asset_selection=[dg.AssetKey("unmatched_items")], run_key=f"{stamp}:list")
    )
    return dg.SensorResult(run_requests=requests, cursor=str(pending.last_audit_id))
