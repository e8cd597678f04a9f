"""Raw Popina data per service day: closures, order lines and the catalogue."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl

from sommit_pipeline import settings
from sommit_pipeline.partitions import service_day_window, service_days
from sommit_pipeline.popina.archive import (
    RawResponses,
    read_archive,
    read_catalog_archive,
    write_archive,
    write_catalog_archive,
)
from sommit_pipeline.popina.pull import pull_service_days
from sommit_pipeline.resources.popina import PopinaResource, RawArchive
from sommit_pipeline.resources.warehouse import DuckDBWarehouse
from sommit_pipeline.transforms.reconciliation import lines_counted_twice, revenue_gaps
from sommit_pipeline.transforms.sales import (
    SalesIntegrityError,
    catalog_frame,
    closures_frame,
    sales_frame,
    service_days_frame,
)
from sommit_pipeline.warehouse.catalog import ensure_history_view
from sommit_pipeline.warehouse.io import replace_days
from sommit_pipeline.warehouse.schema import ensure_tables

REVENUE_CHECK = "revenue_matches_closures"
NO_LINE_TWICE_CHECK = "no_order_line_counted_twice"


@dg.asset(
    check_specs=[
        dg.AssetCheckSpec(
            REVENUE_CHECK,
            asset="popina_sales",
            blocking=True,
            description="Each day's line revenue equals its closures' totalSales and payments.",
        ),
        dg.AssetCheckSpec(
            NO_LINE_TWICE_CHECK,
            asset="popina_sales",
            blocking=True,
            description="No order line is stored twice, within the run or across days.",
        ),
    ],
    partitions_def=service_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb",
    group_name="popina",
    kinds={"duckdb", "polars"},
)
def popina_sales(
    context: dg.AssetExecutionContext,
    popina: PopinaResource,
    warehouse: DuckDBWarehouse,
    archive: RawArchive,
):
    """One row per order line of the day's finalized, non-training closures, with revenue in
    cents (table ``popina_sales``); the closures themselves, with the till's own totals, go to
    ``popina_closures`` in the same transaction. Training closures are ignored; a closure still
    open fails the run and its day waits."""
    first_day, last_day = service_day_window(context)
    tz = ZoneInfo(settings.timezone_name())
    ingested_at = datetime.now(UTC)
    if archive.replay:
        pulled = read_archive(Path(archive.path), first_day, last_day)
    else:
        raw = RawResponses()
        with popina.open(on_body=raw) as client:
            pulled = pull_service_days(
                client,
                first_day,
                last_day,
                tz,
                lookahead_days=settings.closure_lookahead_days(),
                workers=popina.workers,
            )
        # Archived before anything is written: a day in the warehouse can always be replayed.
        write_archive(Path(archive.path), pulled, raw, tz, ingested_at)
    closures = closures_frame(pulled.reports, pulled.orders, tz)
    lines = sales_frame(pulled.reports, pulled.orders, tz)
    days = service_days_frame(first_day, last_day, closures, lines, ingested_at)
    with warehouse.connect() as conn:
        ensure_tables(conn, "popina_sales")
        twice = lines_counted_twice(conn, lines, first_day, last_day)
        if twice:  # refuse the whole window rather than store a line twice
            raise SalesIntegrityError(
                f"{len(twice)} order(s) would be counted twice, nothing written: "
                + "; ".join(twice[:5])
            )
        tables = {"popina_closures": closures, "popina_sales": lines, "service_days": days}
        replace_days(conn, tables, first_day, last_day)
        stored, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (order_id, line_index)) FROM popina_sales "
            "WHERE service_day BETWEEN ? AND ?",
            [first_day, last_day],
        ).fetchall()[0]
    gaps = revenue_gaps(closures, lines)
    yield dg.MaterializeResult(
        metadata={
            "service_days": f"{first_day}..{last_day}",
            "days_without_service": int((days["status"] == "no service").sum()),
            "closures": closures.height,
            "training_closures_ignored": pulled.training_reports,
            "source": "raw archive (replay)" if archive.replay else "Popina API",
            "order_lines": lines.height,
            "cancelled_lines": int(lines["is_cancelled"].sum()),
            "revenue_ttc_eur": dg.MetadataValue.float(lines["total_ttc_cents"].sum() / 100),
        },
    )
    yield dg.AssetCheckResult(
        asset_key="popina_sales",
        check_name=REVENUE_CHECK,
        passed=gaps.height == 0,
        metadata={
            "days_checked": closures["service_day"].n_unique(),
            "days_off": gaps.height,
            "first_gaps": dg.MetadataValue.md(_markdown(gaps.head(10))) if gaps.height else "",
        },
    )
    yield dg.AssetCheckResult(
        asset_key="popina_sales",
        check_name=NO_LINE_TWICE_CHECK,
        passed=stored == distinct == lines.height,
        metadata={"lines_stored": stored, "distinct_lines": distinct, "lines_pulled": lines.height},
    )


@dg.asset(pool="duckdb", group_name="popina", kinds={"duckdb", "polars"})
def popina_catalog(
    popina: PopinaResource, warehouse: DuckDBWarehouse, archive: RawArchive
) -> dg.MaterializeResult:
    """The till's catalogue (products, categories, prices) as seen today. Popina keeps no
    history of it, so each day's snapshot is kept (``seen_on``), one per day however often it
    runs; a backfill of past days records today's catalogue, not a made-up past one. Its raw
    answer is archived; when replaying, the newest archived catalogue is used instead. Price and
    label changes show in the ``pos_reference_history`` view."""
    if archive.replay:
        seen_on, products = read_catalog_archive(Path(archive.path))
    else:
        seen_on = datetime.now(ZoneInfo(settings.timezone_name())).date()
        bodies: list[Any] = []
        with popina.open(on_body=lambda _endpoint, _params, body: bodies.append(body)) as client:
            products = client.get_catalog()
        write_catalog_archive(Path(archive.path), seen_on, bodies[-1], datetime.now(UTC))
    frame = catalog_frame(products, seen_on)
    with warehouse.connect() as conn:
        replace_days(conn, {"popina_catalog": frame}, seen_on, seen_on, day_column="seen_on")
        ensure_history_view(conn)
    return dg.MaterializeResult(
        metadata={
            "seen_on": seen_on.isoformat(),
            "products": len(products),
            "source": "raw archive (replay)" if archive.replay else "Popina API",
        }
    )


def _markdown(frame: pl.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])
