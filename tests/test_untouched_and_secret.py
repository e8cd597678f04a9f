"""Odd labels go through untouched; the API key never shows in logs, errors or run metadata."""

from __future__ import annotations

import datetime as dt

from sommit_pipeline.resources.popina import PopinaResource
from tests.builders import P_KIR, doc_closure, write_test_scenario
from tests.conftest import API_KEY, Pipeline

ODD_LABEL = "Côte d'Or; DROP TABLE library; -- \"Cuvée\" 🍷 ' OR 1=1"


def test_labels_with_quotes_semicolons_emoji_and_sql_go_through_untouched(tmp_path, instance):
    from sommit_pipeline.simulator.server import PopinaSimulator

    closure = doc_closure()
    for order in closure["orders"]:
        for item in order["items"]:
            if item["itemCatalogId"] == P_KIR:
                item["description"] = ODD_LABEL
    scenario = write_test_scenario(tmp_path / "s", [closure])
    with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
        simulator.scenario.catalog[5]["name"] = ODD_LABEL  # the Kir, in the catalogue too
        pipeline = Pipeline(simulator, scenario, tmp_path / "w.duckdb", instance)
        assert pipeline.run(dt.date(2025, 3, 14)).success
    assert pipeline.query(
        "SELECT DISTINCT label FROM popina_sales WHERE pos_product_id = ?", [P_KIR]
    ) == [(ODD_LABEL,)]
    assert pipeline.query(
        "SELECT label FROM unmatched_items WHERE pos_product_id = ?", [P_KIR]
    ) == [(ODD_LABEL,)]
    assert pipeline.query("SELECT count(*) FROM library") == [(4,)]  # nothing was dropped


def test_the_api_key_appears_in_no_event_of_a_run_even_a_failed_one(pipeline, tmp_path):
    assert pipeline.run(dt.date(2025, 3, 14)).success
    wrong = "sk_live_SECRET_in_no_log_9d2f"
    failing = Pipeline(
        pipeline.simulator, pipeline.scenario, tmp_path / "other.duckdb", pipeline.instance
    )
    resources = failing.resources()
    resources["popina"] = PopinaResource(base_url=pipeline.simulator.base_url, api_key=wrong)
    from sommit_pipeline.definitions import build_definitions
    from sommit_pipeline.runs import execute_nightly

    result = execute_nightly(
        build_definitions(resources), pipeline.instance, dt.date(2025, 3, 14), dt.date(2025, 3, 14)
    )
    assert not result.success
    for run in pipeline.instance.get_run_records():
        text = "".join(str(event) for event in pipeline.instance.all_logs(run.dagster_run.run_id))
        text += str(run.dagster_run.run_config) + str(run.dagster_run.tags)
        assert API_KEY not in text and wrong not in text
