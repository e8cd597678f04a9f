"""Two real runs at the same time, in two processes, on one DuckDB file and one Dagster
instance: neither fails on DuckDB's file lock, and the books are what a sequential run gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from sommit_pipeline.cli import DAGSTER_YAML
from tests.conftest import API_KEY, Pipeline
from tests.test_assets import snapshot

ROOT = Path(__file__).resolve().parents[1]
RUN = """
import sys
from datetime import date
import dagster as dg
from sommit_pipeline.definitions import build_definitions
from sommit_pipeline.runs import execute_nightly
first, last = (date.fromisoformat(d) for d in sys.argv[1:3])
with dg.DagsterInstance.get() as instance:
    result = execute_nightly(build_definitions(), instance, first, last)
sys.exit(0 if result.success else 1)
"""


def test_a_range_and_a_day_run_at_once_on_one_file(pipeline, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)  # sommit's: a `duckdb` pool of 1
    # Create the instance's storage first: two processes creating a new sqlite instance at the
    # same moment race inside Dagster ("table secondary_indexes already exists").
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DAGSTER_HOME": str(home),
        "POPINA_BASE_URL": pipeline.simulator.base_url,
        "POPINA_API_KEY": API_KEY,
        "SOMMIT_WAREHOUSE": str(pipeline.warehouse),
        "SOMMIT_ARCHIVE": str(tmp_path / "archive"),
        "SOMMIT_LIBRARY_CSV": str(pipeline.scenario / "library.csv"),
        "SOMMIT_LINKS_CSV": str(pipeline.scenario / "links.csv"),
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN, *days],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for days in (("2025-03-14", "2025-03-16"), ("2025-03-15", "2025-03-15"))
    ]
    outputs = [run.communicate(timeout=240)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    assert not any("Could not set lock" in out for out in outputs)

    sequential = Pipeline(
        pipeline.simulator, pipeline.scenario, tmp_path / "seq.duckdb", pipeline.instance
    )
    assert sequential.run("2025-03-14", "2025-03-16").success
    assert snapshot(pipeline) == snapshot(sequential)
