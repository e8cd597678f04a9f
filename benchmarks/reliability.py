"""Reliability report: faults injected into the Popina simulator, idempotence, concurrent runs.

Prints Markdown tables (RELIABILITY.md is written from one run of this script):

1. ``faults``: a clean reference run of a week of the demo, then one run per fault kind (HTTP
   429/5xx, timeout, dropped connection, truncated or non-JSON body, malformed payloads, revoked
   key, data moved between pages), each into a copy of the reference DuckDB file: run outcome,
   root cause shown, lines lost or duplicated, and whether every table still equals the reference.
2. ``idempotence``: every demo day as one range run, three times into one file (table hashes after
   each run); the week day by day against the week as one range run.
3. ``concurrency``: two ``execute_nightly`` runs started at the same time in two processes, on the
   same DuckDB file and the same sqlite Dagster instance (overlapping days), against the same two
   runs made one after the other.

Tables are compared by a content hash (rows sorted, write-time columns left out).

    PYTHONPATH=. python benchmarks/reliability.py [--parts faults,idempotence,concurrency]
                                                  [--first 2026-07-06] [--last 2026-07-12]
                                                  [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import dagster as dg  # noqa: E402
import duckdb  # noqa: E402

warnings.filterwarnings("ignore", category=dg.BetaWarning)  # `backfill_policy` on an asset

from sommit_pipeline.cli import DAGSTER_YAML  # noqa: E402
from sommit_pipeline.definitions import build_definitions  # noqa: E402
from sommit_pipeline.resources.library_files import LibraryFiles  # noqa: E402
from sommit_pipeline.resources.popina import PopinaResource, RawArchive  # noqa: E402
from sommit_pipeline.resources.warehouse import DuckDBWarehouse  # noqa: E402
from sommit_pipeline.runs import execute_nightly  # noqa: E402
from sommit_pipeline.scenarios.demo import (  # noqa: E402
    DEMO_FIRST_DAY,
    DEMO_LAST_DAY,
    generate_demo,
)
from sommit_pipeline.scenarios.format import LIBRARY_FILE, LINKS_FILE  # noqa: E402
from sommit_pipeline.simulator.server import Fault, PopinaSimulator  # noqa: E402

API_KEY = "rel-key-5ecret-9d2f7c41"  # distinctive: it must appear in no error shown
# Columns holding the time a row was written: they differ between two identical runs.
WRITE_TIME_COLUMNS = frozenset(
    {"created_at", "linked_at", "ingested_at", "recorded_at", "ignored_at"}
)
PAGE_SIZE = 40  # demo closures have 34..70 orders: 1 or 2 pages of /v1/orders each
BACKOFF_S = 0.05
TIMEOUT_S = 1.0
PERSISTENT = 1000
PARTS = ("faults", "idempotence", "concurrency")


# -- helpers ------------------------------------------------------------------------------------


def resources(base_url: str, scenario: Path, warehouse: Path, page_size: int = PAGE_SIZE) -> dict:
    return {
        "popina": PopinaResource(
            base_url=base_url,
            api_key=API_KEY,
            backoff_s=BACKOFF_S,
            timeout_s=TIMEOUT_S,
            page_size=page_size,
        ),
        "warehouse": DuckDBWarehouse(path=str(warehouse)),
        "archive": RawArchive(path=str(warehouse.with_suffix(".archive"))),
        "library_files": LibraryFiles(
            library_csv=str(scenario / LIBRARY_FILE), links_csv=str(scenario / LINKS_FILE)
        ),
    }


@dataclass
class RunOutcome:
    success: bool
    wall_s: float
    error: str  # root cause of the first failure, one line, or ""
    failed_checks: list[str]
    all_error_text: str  # every error of the run in full (messages, stacks, causes)


def run_days(
    base_url: str,
    scenario: Path,
    warehouse: Path,
    instance: dg.DagsterInstance,
    first: date,
    last: date,
    page_size: int = PAGE_SIZE,
) -> RunOutcome:
    defs = build_definitions(resources(base_url, scenario, warehouse, page_size))
    started = time.perf_counter()
    result = execute_nightly(defs, instance, first, last, log_level="CRITICAL")
    wall = time.perf_counter() - started
    first_error, texts, checks = "", [], []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed:
                checks.append(evaluation.check_name)
        error = None
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
        elif event.event_type == dg.DagsterEventType.RUN_FAILURE and event.event_specific_data:
            error = getattr(event.event_specific_data, "error", None)
        if error is None:
            continue
        texts.append(error.to_string())
        if not first_error:
            root = pipeline_error(error)
            line = (root.message.strip().splitlines() or [""])[0]
            first_error = shorten(re.sub(r"^(?:\w+\.)+(\w+): ", r"\1: ", line), 100)
    return RunOutcome(result.success, wall, first_error, checks, "\n".join(texts))


def pipeline_error(error: Any) -> Any:
    """What the pipeline raised: the first error of the chain that is not Dagster's wrapper
    (not the deepest one: a PopinaPayloadError raised from a JSONDecodeError is what names the
    endpoint), else the deepest one."""
    chain = [error]
    while chain[-1].cause is not None:
        chain.append(chain[-1].cause)
    return next((e for e in chain if not e.cls_name.startswith("Dagster")), chain[-1])


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def md(text: str) -> str:
    """A Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def table_hashes(path: Path) -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of its sorted rows, write-time columns left out."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            columns = [
                name
                for (name,) in conn.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "AND schema_name = 'main' ORDER BY column_index",
                    [table],
                ).fetchall()
                if name not in WRITE_TIME_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = sorted(
                repr(row) for row in conn.execute(f"SELECT {select} FROM {table}").fetchall()
            )
            digest = hashlib.sha256("\n".join([",".join(columns), *rows]).encode()).hexdigest()
            out[table] = (len(rows), digest[:12])
    return out


def sales_lines(path: Path) -> tuple[set[str], int, int]:
    """Line ids, lines stored twice (same order and line index) and sum of total_ttc_cents."""
    with duckdb.connect(str(path), read_only=True) as conn:
        ids = {row[0] for row in conn.execute("SELECT line_id FROM popina_sales").fetchall()}
        (twice, ttc) = conn.execute(
            "SELECT count(*) - count(DISTINCT (order_id, line_index)), "
            "coalesce(sum(total_ttc_cents), 0) FROM popina_sales"
        ).fetchone()
    return ids, twice, ttc


def copy_warehouse(source: Path, target: Path) -> None:
    for suffix in ("", ".wal"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)


def differing(a: dict[str, tuple[int, str]], b: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t))


def print_table(header: list[str], rows: list[list[Any]], align: str = "") -> None:
    align = align or "l" * len(header)
    marks = ["---:" if a == "r" else "---" for a in align]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(marks) + "|")
    for row in rows:
        print("| " + " | ".join(md(str(cell)) for cell in row) + " |")
    print(flush=True)


# -- 1. fault matrix -----------------------------------------------------------------------------


def _items(body: Any) -> list[dict]:
    """Order lines of a /v1/orders page, in order."""
    if not isinstance(body, dict):
        return []
    return [item for order in body.get("data") or [] for item in order.get("items") or []]


def drop_line_total(body: Any) -> Any:
    for item in _items(body)[:1]:
        del item["total"]
    return body


def quantity_as_text(body: Any) -> Any:
    for item in _items(body)[:1]:
        item["quantity"] = "two"
    return body


def euros_for_cents(body: Any) -> Any:
    for item in _items(body):
        item["total"] = item["total"] / 100
    return body


@dataclass
class Case:
    kind: str
    make: Callable[[], Fault]
    expect_success: bool
    page_size: int = PAGE_SIZE

    @property
    def injected(self) -> str:
        fault = self.make()
        where = fault.path_prefix + (f" page {fault.page_index}" if fault.page_index else "")
        return f"{where}, " + ("once" if fault.times == 1 else f"{fault.times}×")


ORDERS = "/v1/orders"
CASES = [
    Case(
        "429 Retry-After: 1", lambda: Fault(ORDERS, status=429, headers={"Retry-After": "1"}), True
    ),
    Case("500", lambda: Fault(ORDERS, status=500), True),
    Case("502", lambda: Fault(ORDERS, status=502), True),
    Case("503", lambda: Fault(ORDERS, status=503), True),
    Case("timeout (2 s delay > 1 s)", lambda: Fault(ORDERS, delay_s=2.0), True),
    Case("connection reset", lambda: Fault(ORDERS, reset=True), True),
    Case("truncated body (100 bytes)", lambda: Fault(ORDERS, truncate_to=100), True),
    Case(
        "data moved between pages (last page)",
        lambda: Fault(ORDERS, shift=1, page_index=1),
        True,
    ),
    Case(
        "data moved between pages (page 1 of 3: an order skipped)",
        lambda: Fault(ORDERS, shift=1, page_index=1),
        True,  # fewer distinct orders than announced: the client reads the list again
        page_size=20,
    ),
    Case("503 persistent", lambda: Fault(ORDERS, status=503, times=PERSISTENT), False),
    Case(
        "non-JSON body, status 200 (once)",
        lambda: Fault(ORDERS, status=200, body="<html>Bad gateway</html>"),
        True,  # a proxy's error page is read again
    ),
    Case(
        "non-JSON body, status 200",
        lambda: Fault(ORDERS, status=200, body="<html>Bad gateway</html>", times=PERSISTENT),
        False,
    ),
    Case(
        "missing required field (line `total`)",
        lambda: Fault(ORDERS, mutate=drop_line_total, times=PERSISTENT),
        False,
    ),
    Case(
        'wrong type (`quantity` = "two")',
        lambda: Fault(ORDERS, mutate=quantity_as_text, times=PERSISTENT),
        False,
    ),
    Case(
        "amounts in euros (line `total` / 100)",
        lambda: Fault(ORDERS, mutate=euros_for_cents, times=PERSISTENT),
        False,
    ),
    Case(
        "revoked key (401 on every /v1/ call)",
        lambda: Fault("/v1/", status=401, body='{"error": "unauthorized"}', times=PERSISTENT),
        False,
    ),
]


def fault_matrix(simulator: PopinaSimulator, scenario: Path, work: Path, first: date, last: date):
    instance = dg.DagsterInstance.ephemeral()
    reference = work / "reference.duckdb"
    outcome = run_days(simulator.base_url, scenario, reference, instance, first, last)
    if not outcome.success:
        raise SystemExit(f"the clean reference run failed: {outcome.error}")
    ref_hashes = table_hashes(reference)
    ref_ids, _, ref_ttc = sales_lines(reference)
    ref_checks = set(outcome.failed_checks)
    print(f"### Reference: clean run of {first}..{last} ({outcome.wall_s:.1f} s)\n")
    print(f"popina_sales: {len(ref_ids):,} lines, sum(total_ttc_cents) = {ref_ttc:,}.")
    print(
        "Asset checks failing in the clean run too (left out of the outcomes below): "
        + (", ".join(sorted(ref_checks)) or "none")
        + "\n"
    )
    print_table(
        ["table", "rows", "content hash"],
        [[t, f"{n:,}", h] for t, (n, h) in sorted(ref_hashes.items())],
        "lrl",
    )

    rows = []
    for number, case in enumerate(CASES, 1):
        target = work / f"fault-{number:02d}.duckdb"
        copy_warehouse(reference, target)
        fault = case.make()
        planned = fault.times
        simulator.inject(fault)
        outcome = run_days(
            simulator.base_url, scenario, target, instance, first, last, case.page_size
        )
        hits = planned - fault.times
        fault.times = 0  # a persistent fault ends with its run
        assert API_KEY not in outcome.all_error_text, f"{case.kind}: the API key leaked"
        assert API_KEY not in outcome.error
        ids, twice, _ = sales_lines(target)
        diff = differing(ref_hashes, table_hashes(target))
        result = "success" if outcome.success else "failed"
        new_checks = sorted(set(outcome.failed_checks) - ref_checks)
        if new_checks:
            result += " (check failed: " + ", ".join(new_checks) + ")"
        as_expected = (
            outcome.success == case.expect_success
            and not new_checks
            and not diff
            and not (ref_ids - ids)
            and twice == 0
        )
        rows.append(
            [
                case.kind,
                case.injected + (f", size={case.page_size}" if case.page_size != PAGE_SIZE else ""),
                hits,
                "success" if case.expect_success else "failed",
                result,
                f"{outcome.wall_s:.1f}",
                outcome.error or "–",
                len(ref_ids - ids),
                twice,
                "yes" if not diff else "no: " + ", ".join(diff),
                "yes" if as_expected else "**NO**",
            ]
        )
        print(f"  [{number}/{len(CASES)}] {case.kind}: {result}", file=sys.stderr, flush=True)
    print("### Fault matrix\n")
    print_table(
        [
            "fault",
            "injected on",
            "hits",
            "expected",
            "outcome",
            "wall s",
            "error shown (root cause, first line)",
            "lines lost",
            "lines duplicated",
            "tables = reference",
            "as expected",
        ],
        rows,
        "llrllrlrrll",
    )


# -- 2. idempotence ------------------------------------------------------------------------------


def idempotence(simulator: PopinaSimulator, scenario: Path, work: Path, first: date, last: date):
    instance = dg.DagsterInstance.ephemeral()
    base = simulator.base_url
    repeated = work / "idempotence.duckdb"
    snapshots, walls = [], []
    for _ in range(3):
        outcome = run_days(base, scenario, repeated, instance, DEMO_FIRST_DAY, DEMO_LAST_DAY)
        if not outcome.success:
            raise SystemExit(f"a demo range run failed: {outcome.error}")
        walls.append(outcome.wall_s)
        snapshots.append(table_hashes(repeated))
    days = (DEMO_LAST_DAY - DEMO_FIRST_DAY).days + 1
    print(
        f"### Idempotence: {DEMO_FIRST_DAY}..{DEMO_LAST_DAY} ({days} days) as one range run, "
        f"3 times into one file (wall s: {', '.join(f'{w:.1f}' for w in walls)})\n"
    )
    rows = []
    for table in sorted(set().union(*snapshots)):
        cells = [snapshots[i].get(table, (0, "absent")) for i in range(3)]
        same = len(set(cells)) == 1
        rows.append([table, *(f"{n:,} / {h}" for n, h in cells), "yes" if same else "**NO**"])
    print_table(
        ["table", "after run 1 (rows / hash)", "after run 2", "after run 3", "identical"], rows
    )

    by_range, by_day = work / "week-range.duckdb", work / "week-by-day.duckdb"
    outcome = run_days(base, scenario, by_range, instance, first, last)
    range_wall = outcome.wall_s
    if not outcome.success:
        raise SystemExit(f"the week range run failed: {outcome.error}")
    day_wall, day = 0.0, first
    while day <= last:
        outcome = run_days(base, scenario, by_day, instance, day, day)
        if not outcome.success:
            raise SystemExit(f"the run of {day} failed: {outcome.error}")
        day_wall += outcome.wall_s
        day += timedelta(days=1)
    a, b = table_hashes(by_range), table_hashes(by_day)
    print(
        f"### Idempotence: {first}..{last} as one range run ({range_wall:.1f} s) vs "
        f"day by day, {(last - first).days + 1} runs ({day_wall:.1f} s), each into a fresh file\n"
    )
    rows = []
    for table in sorted(a.keys() | b.keys()):
        ra, rb = a.get(table, (0, "absent")), b.get(table, (0, "absent"))
        rows.append(
            [table, f"{ra[0]:,} / {ra[1]}", f"{rb[0]:,} / {rb[1]}", "yes" if ra == rb else "**NO**"]
        )
    print_table(["table", "range run (rows / hash)", "day by day", "identical"], rows)


# -- 3. concurrency ------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json
    import sys
    from datetime import date
    import dagster as dg
    from sommit_pipeline.definitions import build_definitions
    from sommit_pipeline.runs import execute_nightly

    first, last = date.fromisoformat(sys.argv[1]), date.fromisoformat(sys.argv[2])
    with dg.DagsterInstance.get() as instance:
        result = execute_nightly(build_definitions(), instance, first, last, log_level="ERROR")
        steps = {}  # step key -> [start, end] (epoch seconds), from the instance's event log
        for record in instance.all_logs(result.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                steps.setdefault(event.step_key, [record.timestamp, None])
            elif event.event_type in (
                dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE
            ):
                steps.setdefault(event.step_key, [None, None])[1] = record.timestamp
    print("STEPS " + json.dumps(steps))
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            print(f"FAILED {event.step_key}: {error.cls_name}: {error.message.strip()}",
                  file=sys.stderr)
    sys.exit(0 if result.success else 1)
    """
)


def child_env(base_url: str, scenario: Path, warehouse: Path, home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    env = {
        **os.environ,
        "POPINA_BASE_URL": base_url,
        "POPINA_API_KEY": API_KEY,
        "SOMMIT_WAREHOUSE": str(warehouse),
        "SOMMIT_ARCHIVE": str(warehouse.with_suffix(".archive")),
        "SOMMIT_LIBRARY_CSV": str(scenario / LIBRARY_FILE),
        "SOMMIT_LINKS_CSV": str(scenario / LINKS_FILE),
        "DAGSTER_HOME": str(home),
    }
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


def start_child(env: dict[str, str], days: tuple[date, date], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, days[0].isoformat(), days[1].isoformat()],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def step_overlap(texts: list[str]) -> tuple[float, int]:
    """From the two children's ``STEPS`` lines: how long the spans from their first step start to
    their last step end overlap, and how many (step of A, step of B) pairs ran at the same time."""
    runs = []
    for text in texts:
        lines = [line for line in text.splitlines() if line.startswith("STEPS ")]
        steps = json.loads(lines[-1][len("STEPS ") :]) if lines else {}
        runs.append([(a, b) for a, b in steps.values() if a is not None and b is not None])
    if not all(runs):
        return 0.0, 0

    def overlap(x: tuple[float, float], y: tuple[float, float]) -> float:
        return max(0.0, min(x[1], y[1]) - max(x[0], y[0]))

    a, b = runs
    span_a = (min(s for s, _ in a), max(e for _, e in a))
    span_b = (min(s for s, _ in b), max(e for _, e in b))
    return overlap(span_a, span_b), sum(overlap(x, y) > 0 for x in a for y in b)


def last_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("STEPS ")]
    failed = [ln for ln in lines if ln.startswith("FAILED")]
    return (failed or lines or ["(no output)"])[-1].strip()


def concurrency(simulator: PopinaSimulator, scenario: Path, work: Path, first: date, last: date):
    middle = first + (last - first) // 2
    week_b = (middle, middle + timedelta(days=6))
    # (label, days of run A, days of run B, both runs on one Dagster instance). The shared
    # instance is created before the pair starts, except in the last trial ("new instance").
    trials = [
        ("demo range + 1 day", (DEMO_FIRST_DAY, DEMO_LAST_DAY), (middle, middle), True),
        ("week range + 1 day", (first, last), (middle, middle), True),
        ("week range + overlapping week", (first, last), week_b, True),
        # Two instances: no shared `duckdb` pool, only DuckDB's file lock keeps them apart.
        (
            "demo range + 1 day, two instances",
            (DEMO_FIRST_DAY, DEMO_LAST_DAY),
            (middle, middle),
            False,
        ),
        ("week range + overlapping week, two instances", (first, last), week_b, False),
        ("week range + 1 day, new instance", (first, last), (middle, middle), None),
    ]
    rows = []
    for number, (label, days_a, days_b, shared) in enumerate(trials, 1):
        # Sequential reference: the same two runs, one after the other, in the same way.
        ref = work / f"concurrency-{number}-sequential.duckdb"
        env = child_env(simulator.base_url, scenario, ref, work / f"home-{number}-sequential")
        for i, days in enumerate((days_a, days_b)):
            log = work / f"concurrency-{number}-sequential-{i}.log"
            code = start_child(env, days, log).wait()
            if code != 0:
                raise SystemExit(f"sequential run {days} failed:\n{log.read_text()[-2000:]}")
        # The concurrent pair: same file, same DAGSTER_HOME (unless not `shared`), started together.
        target = work / f"concurrency-{number}.duckdb"
        envs = [
            child_env(simulator.base_url, scenario, target, work / f"home-{number}-{home}")
            for home in (("a", "b") if shared is False else ("a", "a"))
        ]
        if shared:  # the instance's sqlite storage exists, as after any earlier run
            subprocess.run(
                [sys.executable, "-c", "import dagster as dg; dg.DagsterInstance.get().dispose()"],
                cwd=PROJECT_ROOT,
                env=envs[0],
                check=True,
                capture_output=True,
            )
        logs = [work / f"concurrency-{number}-{i}.log" for i in (0, 1)]
        started = time.perf_counter()
        children = [
            start_child(env, d, log)
            for env, d, log in zip(envs, (days_a, days_b), logs, strict=True)
        ]
        codes: list[int | None] = [None, None]
        walls = [0.0, 0.0]
        while None in codes:
            for i, child in enumerate(children):
                if codes[i] is None and child.poll() is not None:
                    codes[i], walls[i] = child.returncode, time.perf_counter() - started
            time.sleep(0.05)
        texts = [log.read_text() for log in logs]
        assert not any(API_KEY in text for text in texts), "the API key leaked in a child's output"
        lock_errors = [
            i for i, text in enumerate(texts) if codes[i] != 0 and "lock" in text.lower()
        ]
        # What a failed child printed last (its root cause, or the traceback's last line).
        failed = [
            "AB"[i] + ": " + shorten(last_line(text), 100)
            for i, text in enumerate(texts)
            if codes[i]
        ]
        waited = [i for i, text in enumerate(texts) if "waiting up to" in text]
        diff = differing(table_hashes(ref), table_hashes(target))
        spans, pairs = step_overlap(texts)
        rows.append(
            [
                label,
                {True: "one", False: "two", None: "one, created by the runs"}[shared],
                f"{days_a[0]}..{days_a[1]}",
                f"{days_b[0]}..{days_b[1]}",
                f"{codes[0]} / {codes[1]}",
                f"{walls[0]:.1f} / {walls[1]:.1f}",
                f"{spans:.1f}",
                pairs,
                ("run " + ", ".join("AB"[i] for i in waited)) if waited else "no",
                "yes" if lock_errors else "no",
                "; ".join(failed) or "–",
                "yes" if not diff else "**NO**: " + ", ".join(diff),
            ]
        )
        print(f"  [{number}/{len(trials)}] {label}: exit {codes}", file=sys.stderr, flush=True)
    print(
        "### Concurrency: two processes started together on the same DuckDB file "
        "(sqlite Dagster instance, shared or not)\n"
    )
    print_table(
        [
            "trial",
            "Dagster instances",
            "run A days",
            "run B days",
            "exit codes A / B",
            "done after s A / B",
            "steps of A and B overlap s",
            "step pairs running together",
            "printed 'waiting for lock'",
            "lock error",
            "failure shown",
            "tables = sequential A then B",
        ],
        rows,
    )


# -- main ----------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, dagster {dg.__version__}, "
        f"duckdb {duckdb.__version__}; load average at start {load}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=",".join(PARTS))
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 7, 6))
    parser.add_argument("--last", type=date.fromisoformat, default=date(2026, 7, 12))
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    # The client's retry warnings and Dagster's own loggers: not part of the report.
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("sommit_pipeline").setLevel(logging.ERROR)

    work = Path(tempfile.mkdtemp(prefix="sommit-reliability-"))
    print(f"Machine: {machine()}\n")
    print(f"Days: {args.first}..{args.last} (faults, day-by-day); scratch: {work}\n", flush=True)
    started = time.perf_counter()
    try:
        scenario = generate_demo(work / "demo")
        with PopinaSimulator(scenario, api_key=API_KEY) as simulator:
            if "faults" in parts:
                fault_matrix(simulator, scenario, work, args.first, args.last)
            if "idempotence" in parts:
                idempotence(simulator, scenario, work, args.first, args.last)
            if "concurrency" in parts:
                concurrency(simulator, scenario, work, args.first, args.last)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Total wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
