"""Backfill benchmark: every day of a scenario in one run, as ``sommit london``/``sommit demo``.

The Popina simulator runs in its own process (``sommit serve``); each measured run is a child
process with a fresh ``DAGSTER_HOME`` and a fresh DuckDB file, so imports and peak memory are
per run. Variants:

- ``sqlite``: the on-disk sqlite instance that ``sommit`` and ``dagster dev`` use;
- ``memory``: ``DagsterInstance.ephemeral()``, to show what the instance's event writes cost;
- ``sqlite-per-day-events``: the sqlite instance without the
  ``DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS`` switch of ``runs.execute_nightly``
  (one "planned" event per asset and day), to record what that switch saves.

    python benchmarks/backfill.py [--scenario london|demo|all] [--repeat N]
                                  [--variants sqlite,memory,sqlite-per-day-events]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
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

VARIANTS = ("sqlite", "memory", "sqlite-per-day-events")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--variants", default="sqlite,memory", help=",".join(VARIANTS))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--last", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.variant, args.first, args.last)

    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(sorted(unknown))}")
    names = SCENARIOS if args.scenario == "all" else (args.scenario,)
    print(HEADER, flush=True)
    summary: list[str] = []
    for name in names:
        found = scenario(name)
        if found is None:
            continue
        folder, first, last = found
        days = (last - first).days + 1
        with simulator(folder) as base_url:
            for variant in variants:
                results = []
                for i in range(args.repeat):
                    results.append(measure(variant, folder, base_url, first, last))
                    label = f"{name} {first}..{last} ({days} d)"
                    print(row(label, variant, str(i + 1), results[-1]), flush=True)
                if args.repeat > 1:
                    summary.append(median_row(f"{name} ({days} d)", variant, results))
    if summary:
        print("\n" + HEADER)
        print("\n".join(summary))
    return 0


def measure(variant: str, folder: Path, base_url: str, first: date, last: date) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="sommit-bench-"))
    try:
        env = {
            "DAGSTER_HOME": str(scratch / "dagster_home"),
            "POPINA_BASE_URL": base_url,
            "POPINA_API_KEY": API_KEY,
            "SOMMIT_LIBRARY_CSV": str(folder / "library.csv"),
            "SOMMIT_LINKS_CSV": str(folder / "links.csv"),
            "SOMMIT_WAREHOUSE": str(scratch / "sommit.duckdb"),
        }
        args = ["--variant", variant, "--first", first.isoformat(), "--last", last.isoformat()]
        return run_child(Path(__file__), args, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def child(variant: str, first: date, last: date) -> int:
    started = time.perf_counter()
    import dagster as dg

    from sommit_pipeline.cli import ensure_dagster_home
    from sommit_pipeline.definitions import build_definitions
    from sommit_pipeline.runs import SUBSET_PLANNED_EVENTS, execute_nightly

    defs = build_definitions()
    imported = time.perf_counter()
    if variant == "memory":
        instance = dg.DagsterInstance.ephemeral()
    else:
        ensure_dagster_home()  # writes dagster.yaml into the fresh DAGSTER_HOME, as `sommit` does
        instance = dg.DagsterInstance.get()
    ready = time.perf_counter()
    with instance:
        t0 = time.perf_counter()
        if variant == "sqlite-per-day-events":
            os.environ.pop(SUBSET_PLANNED_EVENTS, None)
            result = defs.resolve_job_def("nightly").execute_in_process(
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": first.isoformat(),
                    "dagster/asset_partition_range_end": last.isoformat(),
                },
                raise_on_error=False,
            )
        else:
            result = execute_nightly(defs, instance, first, last)
        wall = time.perf_counter() - t0
        rss = peak_rss_mib()
        # Every event the instance stored for the run (planned materializations included).
        events = len(instance.all_logs(result.run_id))
    if not result.success:
        print("the run failed", file=sys.stderr)
        return 1

    import duckdb

    with duckdb.connect(os.environ["SOMMIT_WAREHOUSE"], read_only=True) as conn:
        (lines,) = conn.execute("SELECT count(*) FROM popina_sales").fetchone()
    report_result(
        {
            "wall_s": wall,
            "lines": lines,
            "peak_rss_mib": rss,
            "setup_s": ready - started,
            "notes": f"import+defs {imported - started:.2f} s; {events:,} events stored",
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
