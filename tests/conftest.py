from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sommit_pipeline.definitions import build_definitions
from sommit_pipeline.resources.library_files import LibraryFiles
from sommit_pipeline.resources.popina import PopinaResource, RawArchive
from sommit_pipeline.resources.warehouse import DuckDBWarehouse
from sommit_pipeline.runs import execute_nightly
from sommit_pipeline.scenarios.format import LIBRARY_FILE, LINKS_FILE
from sommit_pipeline.simulator.server import PopinaSimulator
from tests.builders import write_test_scenario

API_KEY = "test-key-0123456789"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@dataclass
class Pipeline:
    """A real simulator, a real DuckDB file and a real Dagster instance, wired together."""

    simulator: PopinaSimulator
    scenario: Path
    warehouse: Path
    instance: dg.DagsterInstance
    replay: bool = False

    def resources(self) -> dict:
        return {
            "popina": PopinaResource(
                base_url=self.simulator.base_url, api_key=API_KEY, backoff_s=0.01
            ),
            "warehouse": DuckDBWarehouse(path=str(self.warehouse)),
            "archive": RawArchive(path=str(self.warehouse.parent / "archive"), replay=self.replay),
            "library_files": LibraryFiles(
                library_csv=str(self.scenario / LIBRARY_FILE),
                links_csv=str(self.scenario / LINKS_FILE),
            ),
        }

    def run(self, first_day: str | date, last_day: str | date | None = None):
        """Run the nightly job on one day (a partition key) or a range (one run), as the
        ``sommit`` command does."""
        first = date.fromisoformat(str(first_day))
        last = date.fromisoformat(str(last_day)) if last_day is not None else first
        defs = build_definitions(self.resources())
        return execute_nightly(defs, self.instance, first, last)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def test_scenario(tmp_path: Path) -> Path:
    return write_test_scenario(tmp_path / "scenario")


@pytest.fixture
def simulator(test_scenario: Path) -> Iterator[PopinaSimulator]:
    with PopinaSimulator(test_scenario, api_key=API_KEY) as sim:
        yield sim


@pytest.fixture
def pipeline(simulator, test_scenario, tmp_path, instance) -> Pipeline:
    return Pipeline(simulator, test_scenario, tmp_path / "warehouse.duckdb", instance)
