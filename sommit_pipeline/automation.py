"""Schedules and sensors: the morning run, and days requested as their tills close."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from sommit_pipeline import settings
from sommit_pipeline.closings import day_versions, days_to_request
from sommit_pipeline.jobs import nightly_job
from sommit_pipeline.resources.popina import PopinaResource

SENSOR_LOOKBACK_DAYS = 7

# 06:00 Europe/Paris (the partitions' zone) every day, for yesterday's service day.
morning_schedule = dg.build_schedule_from_partitioned_job(
    nightly_job, name="morning_schedule", hour_of_day=6, minute_of_hour=0
)


@dg.sensor(
    job=nightly_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def closed_tills_sensor(
    context: dg.SensorEvaluationContext, popina: PopinaResource
) -> dg.SensorResult:
    """Requests a service day once every closure started that day is finalized, and again if
    its closures change (the run key carries their version). Lists closures only: sales are
    downloaded by the run, never inside the tick."""
    tz = ZoneInfo(settings.timezone_name())
    today = datetime.now(tz).date()
    processed: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    with popina.open() as client:
        reports = client.list_reports(today - timedelta(days=SENSOR_LOOKBACK_DAYS + 1), today)
    ready = days_to_request(day_versions(reports, tz), processed, today - timedelta(days=1))
    requests = [
        dg.RunRequest(partition_key=day.isoformat(), run_key=f"{day.isoformat()}:{version}")
        for day, version in ready
    ]
    processed.update({day.isoformat(): version for day, version in ready})
    horizon = (today - timedelta(days=SENSOR_LOOKBACK_DAYS + 1)).isoformat()
    cursor = {day: v for day, v in processed.items() if day >= horizon}  # stays compact
    return dg.SensorResult(
        run_requests=requests,
        cursor=json.dumps(cursor, sort_keys=True),
        skip_reason=None if requests else "no newly closed or corrected service day",
    )
