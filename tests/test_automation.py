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


def served(result) -> list:
    """The requests for days with closures (not the "no service" ones)."""
    return [r for r in result.run_requests if not r.run_key.endswith(":no-service")]


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
        assert [r.partition_key for r in served(first)] == [d3.isoformat()]
        assert served(first)[0].run_key.startswith(f"{d3.isoformat()}:")

        replay = tick(instance, simulator, first.cursor)
        assert replay.run_requests == []

        # The dinner closes, and d3 is corrected after finalization (a cancellation).
        reports = simulator.scenario.reports_by_id
        reports["r-d2-dinner"]["finalizedAt"] = _utc(d2 + timedelta(days=1), 1)
        reports["r-d3"]["updatedAt"] = _utc(d3 + timedelta(days=1), 10)
        reports["r-d3"]["totalSales"] = 0
        third = tick(instance, simulator, replay.cursor)

    requested = {r.partition_key: r.run_key for r in served(third)}
    assert set(requested) == {d3.isoformat(), d2.isoformat()}
    assert requested[d3.isoformat()] != served(first)[0].run_key  # a new version
    versions = json.loads(third.cursor)
    assert versions[d3.isoformat()] != versions[d2.isoformat()]
    assert len(versions) <= 46  # one short entry per day of the 45-day lookback at most


def test_sensor_ignores_training_closures_and_today(tmp_path, instance):
    today = datetime.now(PARIS).date()
    yesterday = today - timedelta(days=1)
    training = simple_closure("r-train", _utc(yesterday, 10), _utc(yesterday, 11))
    training["isTraining"] = True
    lunch_today = simple_closure("r-today", _utc(today, 0, 5), _utc(today, 0, 30))
    scenario = write_test_scenario(tmp_path / "s", [training, lunch_today])
    with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
        result = tick(instance, simulator, None)
    assert served(result) == []


def test_a_day_without_any_closure_is_recorded_as_no_service_after_the_grace_period(
    tmp_path, instance, monkeypatch
):
    monkeypatch.setenv("SOMMIT_SENSOR_LOOKBACK_DAYS", "6")
    monkeypatch.setenv("SOMMIT_NO_SERVICE_GRACE_DAYS", "3")
    today = datetime.now(PARIS).date()
    d5 = today - timedelta(days=5)
    closed = simple_closure("r-d5", _utc(d5, 18), _utc(d5, 23))
    scenario = write_test_scenario(tmp_path / "s", [closed])
    with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
        first = tick(instance, simulator, None)
        again = tick(instance, simulator, first.cursor)
    quiet = [r.partition_key for r in first.run_requests if r.run_key.endswith(":no-service")]
    # today-6, today-4 and today-3 had no closure and are past the 3-day grace; today-2 and
    # today-1 may still see a late closure.
    assert quiet == [(today - timedelta(days=n)).isoformat() for n in (6, 4, 3)]
    assert [r.partition_key for r in served(first)] == [d5.isoformat()]
    assert again.run_requests == []


def test_a_day_requested_for_a_closure_recorded_weeks_late_is_ingested(tmp_path, instance):
    from tests.conftest import Pipeline

    today = datetime.now(PARIS).date()
    day = today - timedelta(days=20)
    # closed 15 days after its service: beyond the 7-day lookahead of a run
    late = simple_closure("r-late", _utc(day, 18), _utc(today - timedelta(days=5), 10))
    scenario = write_test_scenario(tmp_path / "s", [late])
    with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
        result = tick(instance, simulator, None)
        assert day.isoformat() in [r.partition_key for r in served(result)]
        pipeline = Pipeline(simulator, scenario, tmp_path / "w.duckdb", instance)
        assert pipeline.run(day).success
    assert pipeline.query("SELECT status, closures, revenue_ttc_cents FROM service_days") == [
        ("served", 1, 1000)
    ]
