"""Running the nightly job in this process, for one service day or a range (one run)."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import dagster as dg

# Past this many days, a run records one "materialization planned" event per asset for the whole
# range instead of one per day and asset: 3,600 fewer writes to the instance for the London
# backfill (32 s of its 80 s, BENCHMARKS.md). Dagster's trade-off: a failed range run leaves its
# days "missing" rather than "failed" in the UI. Nightly and sensor runs (one day) keep the
# per-day events.
LARGE_RANGE_DAYS = 31
SUBSET_PLANNED_EVENTS = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def execute_nightly(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    first_day: date,
    last_day: date,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    if last_day < first_day:
        raise ValueError(f"the range ends ({last_day}) before it starts ({first_day})")
    job = defs.resolve_job_def("nightly")
    # The console logger shows every engine event at DEBUG: keep the terminal readable.
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if first_day == last_day:
        return job.execute_in_process(
            run_config=run_config,
            instance=instance,
            partition_key=first_day.isoformat(),
            raise_on_error=False,
        )
    tags = {
        "dagster/asset_partition_range_start": first_day.isoformat(),
        "dagster/asset_partition_range_end": last_day.isoformat(),
    }
    if (last_day - first_day).days + 1 < LARGE_RANGE_DAYS:
        return job.execute_in_process(
            run_config=run_config, instance=instance, tags=tags, raise_on_error=False
        )
    previous = os.environ.get(SUBSET_PLANNED_EVENTS)
    os.environ[SUBSET_PLANNED_EVENTS] = "true"
    try:
        return job.execute_in_process(
            run_config=run_config, instance=instance, tags=tags, raise_on_error=False
        )
    finally:
        if previous is None:
            del os.environ[SUBSET_PLANNED_EVENTS]
        else:
            os.environ[SUBSET_PLANNED_EVENTS] = previous


def step_failures(result: dg.ExecuteInProcessResult) -> list[tuple[str, Any]]:
    """(step key, the error our code raised) for each failed step. Dagster wraps what a step
    raises in its own errors; the root cause is the one that says what went wrong."""
    failures = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            failures.append((event.step_key, error))
    return failures
