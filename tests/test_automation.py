"""The morning schedule and the closed-tills sensor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from sommit_pipeline.automation import closed_tills_sensor
from sommit_pipeline.definitions import defs
from sommit_pipeline.resources.popina import PopinaResource
from sommit_pipeline.simulator.server import PopinaSimulator
from tests.builders import simple_closure, write_test_scenario
from tests.conftest import API_KEY

PARIS = ZoneInfo("Europe/Paris")


def test_morning_schedule_requests_yesterday_at_six_paris_time():
    schedule = defs.resolve_schedule_def("morning_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Europe/Paris")
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2026, 3, 16, 6, 0, tzinfo=PARIS),
        )
        result = schedule.evaluate_tick(context)
    assert [r.partition_key for r in result.run_requests] == ["2026-03-15"]


def _utc(day, hour: int, minute: int = 0) -> str:
    local = datetime.combine(day, time(hour, minute), tzinfo=PARIS)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tick(instance, simulator, cursor):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"popina": PopinaResource(base_url=simulator.base_url, api_key=API_KEY)},
    )
    return closed_tills_sensor(context)


def test_sensor_requests_a_day_once_all_its_closures_are_final_and_again_when_corrected(
    tmp_path, instance
):
    today = datetime.now(PARIS).date()
    d3, d2 = today - timedelta(days=3), today - timedelta(days=2)
    closed = simple_closure("r-d3", _utc(d3, 18), _utc(d3 + timedelta(days=1), 1, 30))
    lunch = simple_closure("r-d2-lunch", _utc(d2, 11), _utc(d2, 15))
    dinner_open = simple_closure("r-d2-dinner", _utc(d2, 18), None)
    scenario = write_test_scenario(tmp_path / "s", [closed, lunch, dinner_open])

    with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
        first = tick(instance, simulator, None)
        # d3 is final; d2 still has its dinner till open, so it waits.
        assert [r.partition_key for r in first.run_requests] == [d3.isoformat()]
        assert first.run_requests[0].run_key.startswith(f"{d3.isoformat()}:")

        replay = tick(instance, simulator, first.cursor)
        assert replay.run_requests == []

        # The dinner closes, and d3 is corrected after finalization (a cancellation).
        reports = simulator.scenario.reports_by_id
        reports["r-d2-dinner"]["finalizedAt"] = _utc(d2 + timedelta(days=1), 1)
        reports["r-d3"]["updatedAt"] = _utc(d3 + timedelta(days=1), 10)
        reports["r-d3"]["totalSales"] = 0
        third = tick(instance, simulator, replay.cursor)

    requested = {r.partition_key: r.run_key for r in third.run_requests}
    assert set(requested) == {d3.isoformat(), d2.isoformat()}
    assert requested[d3.isoformat()] != first.run_requests[0].run_key  # a new version
    assert set(json.loads(third.cursor)) == {d3.isoformat(), d2.isoformat()}


def test_sensor_ignores_training_closures_and_today(tmp_path, instance):
    today = datetime.now(PARIS).date()
    yesterday = today - timedelta(days=1)
    training = simple_closure("r-train", _utc(yesterday, 10), _utc(yesterday, 11))
    training["isTraining"] = True
    lunch_today = simple_closure("r-today", _utc(today, 0, 5), _utc(today, 0, 30))
    scenario = write_test_scenario(tmp_path / "s", [training, lunch_today])
    with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
        result = tick(instance, simulator, None)
    assert result.run_requests == []
