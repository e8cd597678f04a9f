"""Dagster resource for Popina's read API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg
from pydantic import Field

from sommit_pipeline.popina.client import PopinaClient


class PopinaResource(dg.ConfigurableResource):
    """Popina's partner API for one location. Wire ``api_key`` with ``dg.EnvVar`` so the key is
    read at run time from the environment and never shown in the UI or run config."""

    base_url: str
    api_key: str = Field(repr=False)
    timeout_s: float = 30.0
    max_attempts: int = 5
    backoff_s: float = 0.5
    page_size: int = 100
    workers: int = Field(4, description="closures whose orders are fetched concurrently")

    def open(
        self, on_body: Callable[[str, dict[str, str], Any], None] | None = None
    ) -> PopinaClient:
        return PopinaClient(
            self.base_url,
            self.api_key,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            backoff_s=self.backoff_s,
            page_size=self.page_size,
            on_body=on_body,
        )


class RawArchive(dg.ConfigurableResource):
    """Where the raw responses of ingested closures are archived, and whether runs replay the
    archive instead of calling Popina (``SOMMIT_REPLAY_ARCHIVE=1``)."""

    path: str
    replay: bool = False
