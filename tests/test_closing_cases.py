"""Real closing cases, reproduced with the simulator and run through the real job."""

from __future__ import annotations

import datetime as dt

from sommit_pipeline.runs import step_failures
from sommit_pipeline.simulator.server import PopinaSimulator
from tests.builders import DOC_REPORT_ID, closures, day2_closure, doc_closure, write_test_scenario
from tests.conftest import API_KEY, Pipeline

D14, D15 = dt.date(2025, 3, 14), dt.date(2025, 3, 15)


def pipeline_for(tmp_path, instance, closure_list) -> tuple[Pipeline, PopinaSimulator]:
    scenario = write_test_scenario(tmp_path / "scenario", closure_list)
    simulator = PopinaSimulator(scenario, api_key=API_KEY).start()
    return Pipeline(simulator, scenario, tmp_path / "w.duckdb", instance), simulator


def test_a_closure_recorded_three_days_late_is_found(tmp_path, instance):
    late = doc_closure()
    late["createdAt"] = late["updatedAt"] = late["finalizedAt"] = "2025-03-17T23:55:00Z"
    pipeline, simulator = pipeline_for(tmp_path, instance, [late])
    try:
        assert pipeline.run(D14).success
    finally:
        simulator.stop()
    assert pipeline.query("SELECT count(*), sum(total_ttc_cents) FROM popina_sales") == [(9, 9080)]


def test_a_correction_after_finalization_replaces_the_day(pipeline):
    assert pipeline.run(D14).success
    # After the Z: the last glass of Côtes-du-Rhône (order 103, 650) is cancelled.
    data = pipeline.simulator.scenario
    order_103 = data.orders_by_report[DOC_REPORT_ID][2]
    order_103["items"][1]["isCanceled"] = True
    order_103["total"] = 900
    report = data.reports_by_id[DOC_REPORT_ID]
    report["totalSales"] = 8430
    report["reportPayments"] = [
        {"paymentName": "Carte bancaire", "paymentAmount": 7100},
        {"paymentName": "Espèces", "paymentAmount": 1330},
    ]
    report["updatedAt"] = "2025-03-16T09:00:00Z"
    report["reportCancellations"] = [
        {"name": "Erreur", "quantity": 1, "amount": 650, "afterFinalization": True}
    ]

    result = pipeline.run(D14)
    assert result.success
    passed = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert passed["revenue_matches_closures"] and passed["no_order_line_counted_twice"]
    assert pipeline.query("SELECT count(*), sum(total_ttc_cents) FROM popina_sales") == [(9, 8430)]
    assert pipeline.query("SELECT sum(total_ttc_cents) FROM revenue") == [(8430,)]
    # two CdR glasses left on the day: 2 x 0.16
    assert pipeline.query(
        "SELECT quantity FROM stock_movements WHERE library_ref_id = 'LIB-CDR'"
    ) == [(0.32,)]


def test_a_till_still_open_fails_the_day_and_writes_nothing(tmp_path, instance):
    still_open = doc_closure()
    still_open["finalizedAt"] = None
    pipeline, simulator = pipeline_for(tmp_path, instance, [still_open, day2_closure()])
    try:
        assert pipeline.run(D15).success
        before = pipeline.query("SELECT count(*) FROM popina_sales")
        result = pipeline.run(D14)
    finally:
        simulator.stop()
    assert not result.success
    [(_, error)] = step_failures(result)
    assert "ServiceDayNotFinal" in error.cls_name
    assert DOC_REPORT_ID in error.message and "service day 2025-03-14" in error.message
    assert pipeline.query("SELECT count(*) FROM popina_sales") == before == [(5,)]
    assert pipeline.query("SELECT count(*) FROM popina_sales WHERE service_day = ?", [D14]) == [
        (0,)
    ]


def test_two_closures_on_one_day_and_a_training_one(tmp_path, instance):
    lunch = day2_closure()
    dinner = doc_closure()  # moved to the evening of the 15th
    dinner["id"] = "7d1c2a90-5f1e-4c7a-9a10-000000000047"
    dinner["startedAt"] = "2025-03-15T18:30:00Z"
    dinner["finalizedAt"] = dinner["createdAt"] = dinner["updatedAt"] = "2025-03-16T00:30:00Z"
    for order in dinner["orders"]:
        order["reportId"] = dinner["id"]
    training = closures()[1]
    pipeline, simulator = pipeline_for(tmp_path, instance, [lunch, training, dinner])
    try:
        assert pipeline.run(D15).success
    finally:
        simulator.stop()
    assert pipeline.query(
        "SELECT status, closures, order_lines, revenue_ttc_cents FROM service_days"
    ) == [("served", 2, 14, 6030 + 9080)]


def test_an_order_that_moves_to_another_days_closure_is_refused_not_counted_twice(
    tmp_path, instance
):
    first = doc_closure()
    moved = day2_closure()
    moved["orders"].append({**first["orders"][2], "reportId": moved["id"]})  # order 103 again
    moved["totalSales"] += 1550
    moved["reportPayments"][0]["paymentAmount"] += 1550
    pipeline, simulator = pipeline_for(tmp_path, instance, [first, moved])
    try:
        assert pipeline.run(D14).success
        result = pipeline.run(D15)
    finally:
        simulator.stop()
    assert not result.success
    [(_, error)] = step_failures(result)
    assert "SalesIntegrityError" in error.cls_name
    assert (
        "order 0a000000-0000-4000-8000-000000000003 of service day 2025-03-15 is already "
        "stored under service day 2025-03-14" in error.message
    )
    assert pipeline.query("SELECT service_day, count(*) FROM popina_sales GROUP BY 1") == [(D14, 9)]
