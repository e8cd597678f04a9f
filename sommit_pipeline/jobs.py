"""The main job: every asset, for a service day or a range of them (one run). Its partitions
(service days) are inferred from the assets."""

from __future__ import annotations

import dagster as dg

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Pull the day's closed sales and catalogue from Popina, then stock and revenue.",
)
