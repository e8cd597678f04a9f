"""The raw archive: every ingested closure kept as received, and days replayed without the API."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from sommit_pipeline.popina.archive import ArchiveError, read_archive
from tests.builders import DAY2_REPORT_ID, DOC_REPORT_ID
from tests.conftest import Pipeline
from tests.test_assets import TABLES, snapshot

D14, D15, D16 = dt.date(2025, 3, 14), dt.date(2025, 3, 15), dt.date(2025, 3, 16)


def test_ingested_closures_are_archived_as_received_and_replay_without_the_api(
    pipeline, tmp_path, instance
):
    assert pipeline.run(D14, D16).success
    archive = pipeline.warehouse.parent / "archive"
    [stamp] = list((archive / "2025-03-14").iterdir())
    with gzip.open(stamp / f"{DOC_REPORT_ID}.json.gz", "rt", encoding="utf-8") as handle:
        body = json.load(handle)
    # exactly what Popina sent: the report with its order ids, the orders with their lines
    assert body["report"]["totalSales"] == 9080
    assert body["report"]["orders"] == [o["id"] for o in body["orders"]]
    assert [o["orderNumber"] for o in body["orders"]] == ["101", "102", "103"]
    manifest = json.loads((archive / "2025-03-16" / stamp.name / "day.json").read_text())
    assert manifest["closures"] == []  # a closed day is archived too: it replays as empty
    assert json.loads((archive / "2025-03-15" / stamp.name / "day.json").read_text())[
        "closures"
    ] == [DAY2_REPORT_ID]  # not the training closure

    # Replay into a new warehouse with Popina gone: the same books.
    pipeline.simulator.stop()
    replayed = Pipeline(
        pipeline.simulator, pipeline.scenario, tmp_path / "replayed.duckdb", instance, replay=True
    )
    (tmp_path / "archive").rename(tmp_path / "archive.kept")  # replayed reads its own folder
    (tmp_path / "archive.kept").rename(replayed.warehouse.parent / "archive")
    assert replayed.run(D14, D16).success
    original, again = snapshot(pipeline), snapshot(replayed)
    for table in TABLES:
        assert again[table] == original[table], table


def test_a_day_ingested_again_keeps_its_previous_archive(pipeline):
    assert pipeline.run(D14).success
    assert pipeline.run(D14).success
    assert len(list((pipeline.warehouse.parent / "archive" / "2025-03-14").iterdir())) == 2


def test_replaying_a_day_never_archived_is_a_clear_error(tmp_path):
    with pytest.raises(ArchiveError, match="service day 2025-03-14 was never archived"):
        read_archive(tmp_path, D14, D14)


def test_a_damaged_archive_file_is_named(pipeline):
    assert pipeline.run(D14).success
    [stamp] = list((pipeline.warehouse.parent / "archive" / "2025-03-14").iterdir())
    (stamp / f"{DOC_REPORT_ID}.json.gz").write_bytes(b"not gzip")
    with pytest.raises(ArchiveError, match=f"{DOC_REPORT_ID}.json.gz: damaged archive file"):
        read_archive(pipeline.warehouse.parent / "archive", D14, D14)
