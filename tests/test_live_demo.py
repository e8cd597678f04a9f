"""On the demo bar made recent: a late closing and a correction after finalization reach DuckDB
through the till sensor alone (the test only plays the daemon: it runs what the sensor asks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from sommit_pipeline.automation import closed_tills_sensor
from sommit_pipeline.definitions import build_definitions
from sommit_pipeline.popina.models import Report
from sommit_pipeline.resources.popina import PopinaResource
from sommit_pipeline.runs import execute_nightly
from sommit_pipeline.scenarios.demo import DEMO_LAST_DAY, generate_demo
from sommit_pipeline.simulator.server import PopinaSimulator, ScenarioData
from sommit_pipeline.transforms.sales import service_day
from tests.conftest import API_KEY, Pipeline

PARIS = ZoneInfo("Europe/Paris")


def play_sensor(pipeline: Pipeline, cursor: str | None):
    context = dg.build_sensor_context(
        instance=pipeline.instance,
        cursor=cursor,
        resources={"popina": PopinaResource(base_url=pipeline.simulator.base_url, api_key=API_KEY)},
    )
    result = closed_tills_sensor(context)
    defs = build_definitions(pipeline.resources())
    for request in result.run_requests:
        day = date.fromisoformat(request.partition_key)
        assert execute_nightly(defs, pipeline.instance, day, day).success
    return result


def test_a_late_closing_and_a_correction_flow_through_the_sensor(tmp_path, instance, monkeypatch):
    monkeypatch.setenv("SOMMIT_SENSOR_LOOKBACK_DAYS", "4")
    monkeypatch.setenv("SOMMIT_NO_SERVICE_GRACE_DAYS", "3")
    folder = generate_demo(tmp_path / "demo")
    data = ScenarioData.load(folder)
    today = datetime.now(PARIS).date()
    data.shift_days((today - timedelta(days=1) - DEMO_LAST_DAY).days)  # the demo ends yesterday

    def day_of(report: dict) -> date:
        return service_day(Report.model_validate({**report, "orders": []}), PARIS)

    recent = [r for r in data.reports if today - timedelta(days=4) <= day_of(r) < today]
    late, corrected = recent[0], recent[-1]
    if day_of(late) == day_of(corrected):
        pytest.skip("the demo has a single closure in the window")
    data.hold_back(late["id"])  # its till is not closed yet

    with PopinaSimulator(data, api_key=API_KEY) as simulator:
        pipeline = Pipeline(simulator, folder, tmp_path / "w.duckdb", instance)
        first = play_sensor(pipeline, None)
        revenue_before = dict(
            pipeline.query("SELECT service_day, sum(total_ttc_cents) FROM popina_sales GROUP BY 1")
        )

        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        data.close_late(late["id"], now)
        cancelled = data.cancel_after_finalization(corrected["id"], 0, 0, now)
        second = play_sensor(pipeline, first.cursor)
        replay = play_sensor(pipeline, second.cursor)

    assert replay.run_requests == []  # nothing new: nothing asked
    assert {r.partition_key for r in second.run_requests} == {
        day_of(late).isoformat(),
        day_of(corrected).isoformat(),
    }
    late_total = sum(
        r["totalSales"] for r in data.reports if day_of(r) == day_of(late) and not r["isTraining"]
    )
    assert pipeline.query(
        "SELECT sum(total_ttc_cents) FROM popina_sales WHERE service_day = ?", [day_of(late)]
    ) == [(late_total,)]
    assert pipeline.query(
        "SELECT sum(total_ttc_cents) FROM popina_sales WHERE service_day = ?", [day_of(corrected)]
    ) == [(revenue_before[day_of(corrected)] - cancelled,)]
    assert pipeline.query("SELECT count(*) - count(DISTINCT line_id) FROM popina_sales") == [(0,)]
