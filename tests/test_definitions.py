"""The Dagster definitions load, with every asset partitioned as designed."""

from __future__ import annotations

import dagster as dg

from sommit_pipeline.definitions import defs

DAILY = {"popina_sales", "stock_movements", "revenue"}
CURRENT_STATE = {
    "popina_catalog",
    "library",
    "pos_links",
    "library_prices",
    "unmatched_items",
    "current_stock",
}


def test_definitions_load_with_every_asset():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == DAILY | CURRENT_STATE
    for key in DAILY:
        partitions = graph.get(dg.AssetKey(key)).partitions_def
        assert isinstance(partitions, dg.DailyPartitionsDefinition), key
        assert partitions.timezone == "Europe/Paris"
        assert graph.get(dg.AssetKey(key)).backfill_policy == dg.BackfillPolicy.single_run()
    for key in CURRENT_STATE:
        assert graph.get(dg.AssetKey(key)).partitions_def is None, key


def test_lineage_runs_from_popina_through_links_to_the_books():
    graph = defs.resolve_asset_graph()

    def parents(key: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey(key)).parent_keys}

    assert parents("stock_movements") == {"popina_sales", "pos_links", "library"}
    assert parents("revenue") == {"popina_sales", "pos_links"}
    assert parents("unmatched_items") == {"popina_sales", "popina_catalog", "library", "pos_links"}
    assert parents("pos_links") == {"library"}
    assert parents("current_stock") == {"stock_movements", "library", "library_prices"}
    assert parents("library_prices") == {"popina_catalog", "pos_links"}


def test_job_schedule_and_sensor_are_registered():
    job = defs.resolve_job_def("nightly")
    assert job.partitions_def is not None
    assert defs.resolve_sensor_def("closed_tills_sensor").job_name == "nightly"
    link_sensor = defs.resolve_sensor_def("link_changes_sensor")
    assert link_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert defs.resolve_schedule_def("morning_schedule").job_name == "nightly"


def test_the_api_key_is_an_environment_variable_not_a_value():
    popina = defs.resources["popina"]
    assert isinstance(popina.api_key, dg.EnvVar)
    assert popina.api_key.env_var_name == "POPINA_API_KEY"
