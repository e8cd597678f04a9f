"""The floor under the backfill: read the same closures and write one DuckDB row per order line,
with nothing else (no Dagster, no validation, no transforms, one thread).

- ``http``: ``GET /v1/reports`` over the pipeline's listing window (first day - 1 .. last day
  + 7), ``size=100``, then ``GET /v1/orders?reportId=...`` paged, from the simulator running in
  its own process, with a plain ``httpx.Client`` and ``json``;
- ``disk`` (``--no-http``): ``closures.jsonl`` read from the scenario folder.

The lines (report id, order id, label, quantity, total) go into a fresh DuckDB file through a
polars frame (``conn.register`` + ``INSERT ... SELECT``). Each run is a child process.

    python benchmarks/floor.py [--scenario london|demo|all] [--repeat N] [--no-http]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import (
    API_KEY,
    HEADER,
    SCENARIOS,
    median_row,
    peak_rss_mib,
    report_result,
    row,
    run_child,
    scenario,
    simulator,
)

PAGE_SIZE = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-http", action="store_true", help="read closures.jsonl from disk")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)  # base URL or scenario folder
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--last", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.source, Path(args.warehouse), args.first, args.last)

    names = SCENARIOS if args.scenario == "all" else (args.scenario,)
    variant = "floor, disk" if args.no_http else "floor, HTTP"
    print(HEADER, flush=True)
    summary: list[str] = []
    for name in names:
        found = scenario(name)
        if found is None:
            continue
        folder, first, last = found
        days = (last - first).days + 1
        if args.no_http:
            results = repeat(args.repeat, str(folder), first, last, f"{name} ({days} d)", variant)
        else:
            with simulator(folder) as base_url:
                label = f"{name} ({days} d)"
                results = repeat(args.repeat, base_url, first, last, label, variant)
        if args.repeat > 1:
            summary.append(median_row(f"{name} ({days} d)", variant, results))
    if summary:
        print("\n" + HEADER)
        print("\n".join(summary))
    return 0


def repeat(n: int, source: str, first: date, last: date, label: str, variant: str) -> list:
    results = []
    for i in range(n):
        scratch = Path(tempfile.mkdtemp(prefix="sommit-floor-"))
        try:
            args = ["--source", source, "--warehouse", str(scratch / "floor.duckdb")]
            args += ["--first", first.isoformat(), "--last", last.isoformat()]
            results.append(run_child(Path(__file__), args, {}))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(row(label, variant, str(i + 1), results[-1]), flush=True)
    return results


def child(source: str, warehouse: Path, first: date, last: date) -> int:
    started = time.perf_counter()
    import duckdb
    import httpx
    import polars as pl

    setup = time.perf_counter() - started
    t0 = time.perf_counter()
    columns: dict[str, list] = {k: [] for k in ("report_id", "order_id", "label", "qty", "total")}
    requests = 0

    def add(report_id: str, orders: list[dict]) -> None:
        for order in orders:
            for item in order["items"]:
                columns["report_id"].append(report_id)
                columns["order_id"].append(order["id"])
                columns["label"].append(item["description"])
                columns["qty"].append(item["quantity"])
                columns["total"].append(item["total"])

    if source.startswith("http"):
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client(base_url=source, headers=headers, timeout=30) as client:

            def paged(path: str, params: dict[str, str]) -> list[dict]:
                nonlocal requests
                items, index = [], 0
                while True:
                    response = client.get(
                        path, params={**params, "index": index, "size": PAGE_SIZE}
                    )
                    response.raise_for_status()
                    requests += 1
                    page = json.loads(response.content)
                    items += page["data"]
                    index += 1
                    if index >= page["meta"]["totalPage"]:
                        return items

            window = {
                "since": (first - timedelta(days=1)).isoformat(),
                "until": (last + timedelta(days=7)).isoformat(),
            }
            for report in paged("/v1/reports", window):
                add(report["id"], paged("/v1/orders", {"reportId": report["id"]}))
    else:
        with (Path(source) / "closures.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    closure = json.loads(line)
                    add(closure["id"], closure["orders"])

    frame = pl.DataFrame(
        columns,
        schema={
            "report_id": pl.String,
            "order_id": pl.String,
            "label": pl.String,
            "qty": pl.Float64,
            "total": pl.Int64,
        },
    )
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(
            "CREATE TABLE order_lines (report_id VARCHAR, order_id VARCHAR, label VARCHAR, "
            "qty DOUBLE, total BIGINT)"
        )
        conn.register("frame", frame)
        conn.execute("INSERT INTO order_lines SELECT * FROM frame")
        (lines_written,) = conn.execute("SELECT count(*) FROM order_lines").fetchone()
    wall = time.perf_counter() - t0
    report_result(
        {
            "wall_s": wall,
            "lines": lines_written,
            "peak_rss_mib": peak_rss_mib(),
            "setup_s": setup,
            "notes": f"{requests:,} HTTP requests" if requests else "closures.jsonl",
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
