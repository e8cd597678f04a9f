"""Dagster definitions: ``dagster dev -w workspace.yaml`` loads ``defs`` from here."""

from __future__ import annotations

from typing import Any

import dagster as dg

from sommit_pipeline import settings
from sommit_pipeline.assets.books import current_stock, revenue, stock_movements, unmatched_items
from sommit_pipeline.assets.library import library, library_prices, pos_links
from sommit_pipeline.assets.popina import popina_catalog, popina_sales
from sommit_pipeline.automation import closed_tills_sensor, link_changes_sensor, morning_schedule
from sommit_pipeline.jobs import nightly_job
from sommit_pipeline.resources.library_files import LibraryFiles
from sommit_pipeline.resources.popina import PopinaResource, RawArchive
from sommit_pipeline.resources.warehouse import DuckDBWarehouse

ASSETS = [
    popina_sales,
    popina_catalog,
    library,
    pos_links,
    library_prices,
    unmatched_items,
    stock_movements,
    revenue,
    current_stock,
]


def default_resources() -> dict[str, Any]:
    return {
        # The key is resolved from the environment at run time: never in config or the UI.
        "popina": PopinaResource(
            base_url=settings.popina_base_url(), api_key=dg.EnvVar("POPINA_API_KEY")
        ),
        "warehouse": DuckDBWarehouse(path=settings.warehouse_path()),
        "archive": RawArchive(path=settings.archive_path(), replay=settings.replay_archive()),
        "library_files": LibraryFiles(
            library_csv=settings.library_csv(), links_csv=settings.links_csv()
        ),
    }


def build_definitions(resources: dict[str, Any] | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS,
        jobs=[nightly_job],
        schedules=[morning_schedule],
        sensors=[closed_tills_sensor, link_changes_sensor],
        resources=resources or default_resources(),
    )


defs = build_definitions()
