"""``sommit``: run the pipeline on the demo, on a till export, or against a real Popina key.

sommit demo                 generate the demo bar, serve it, run every demo day in one run
sommit london               the same on the real London export from ../shared
sommit ui                   serve the demo and open the Dagster UI on it
sommit serve [SCENARIO]     serve a scenario (demo, or a folder) as a Popina simulator
sommit convert-export ORDERS PRICES --name NAME   a till export -> scenario (cache folder)
sommit run FIRST_DAY [LAST_DAY]   run the nightly job on a day or range, as configured
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sommit_pipeline.scenarios.format import LIBRARY_FILE, LINKS_FILE, iter_closures, read_meta
from sommit_pipeline.simulator.server import PopinaSimulator, ScenarioData
from sommit_pipeline.sync.commands import add_commands
from sommit_pipeline.sync.commands import run as run_decision_command

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
DEMO_API_KEY = "demo-key"
LONDON_EXPORT = (
    PROJECT_ROOT.parent / "shared" / "data" / "external" / "pos_takeaway_london_restaurant1"
)
DAGSTER_YAML = """\
# Written by `sommit`: a local instance for the demo and `dagster dev`.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1  # one step at a time on the `duckdb` pool: DuckDB has one writer per file
"""


def main(argv: list[str] | None = None) -> int:
    # backfill_policy is marked beta in dagster 1.13; we rely on it knowingly (README, runs.py).
    warnings.filterwarnings("ignore", message="Parameter `backfill_policy`")
    parser = argparse.ArgumentParser(
        prog="sommit", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run every demo service day in one run")
    commands.add_parser("london", help="run every day of the real London export in one run")
    ui = commands.add_parser("ui", help="serve the demo and start `dagster dev`")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument(
        "--live",
        action="store_true",
        help="the demo moved to end yesterday, with a late closing and a correction "
        "arriving after two minutes, for the sensor to pick up (own warehouse)",
    )
    serve = commands.add_parser("serve", help="serve a scenario as a Popina simulator")
    serve.add_argument("scenario", nargs="?", default="demo")
    serve.add_argument("--port", type=int, default=8765)
    convert = commands.add_parser("convert-export", help="till export CSVs -> scenario")
    convert.add_argument("orders_csv", type=Path)
    convert.add_argument("prices_csv", type=Path)
    convert.add_argument("--name", required=True)
    convert.add_argument("--library", type=Path)
    convert.add_argument("--links", type=Path)
    add_commands(commands)  # sync, link, unlink, ignore, show, library, stock
    run = commands.add_parser("run", help="run the nightly job on a day or a range")
    run.add_argument("first_day", type=service_day_argument)
    run.add_argument("last_day", type=service_day_argument, nargs="?")
    run.add_argument(
        "--replay", action="store_true", help="replay the raw archive instead of calling Popina"
    )
    args = parser.parse_args(argv)
    if hasattr(args, "handler"):
        return run_decision_command(args)

    if args.command == "demo":
        return run_scenario(demo_scenario(), *demo_days())
    if args.command == "london":
        folder = london_scenario()
        first, last = scenario_days(folder)
        return run_scenario(folder, first, last)
    if args.command == "ui":
        return open_ui(args.port, live=args.live)
    if args.command == "serve":
        return serve_forever(resolve_scenario(args.scenario), args.port)
    if args.command == "convert-export":
        from sommit_pipeline.scenarios.till_export import cached_conversion

        print(
            cached_conversion(
                args.orders_csv,
                args.prices_csv,
                name=args.name,
                library_csv=args.library,
                links_csv=args.links,
            )
        )
        return 0
    if args.replay:
        os.environ["SOMMIT_REPLAY_ARCHIVE"] = "1"
    last_day = args.last_day or args.first_day
    if last_day < args.first_day:
        parser.error(f"the range ends ({last_day}) before it starts ({args.first_day})")
    if not os.environ.get("POPINA_API_KEY") and os.environ.get("SOMMIT_REPLAY_ARCHIVE") != "1":
        parser.error(
            "POPINA_API_KEY is not set: export the key from Popina's back office "
            "(README, 'On a real Popina key'), or replay the archive with --replay. "
            f"On the demo simulator (sommit serve demo) the key is {DEMO_API_KEY!r}."
        )
    return run_days(args.first_day, last_day)


def service_day_argument(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day YYYY-MM-DD") from None


# -- scenarios ----------------------------------------------------------------------------------


def demo_scenario() -> Path:
    from sommit_pipeline.scenarios.demo import generate_demo

    return generate_demo(DEMO_DIR)  # deterministic and quick: always regenerated


def demo_days() -> tuple[date, date]:
    from sommit_pipeline.scenarios.demo import DEMO_FIRST_DAY, DEMO_LAST_DAY

    return DEMO_FIRST_DAY, DEMO_LAST_DAY


def london_scenario(export_dir: Path = LONDON_EXPORT) -> Path:
    from sommit_pipeline.scenarios.till_export import cached_conversion

    if not export_dir.is_dir():
        raise SystemExit(f"the London export is not at {export_dir} (../shared is missing)")
    london = PROJECT_ROOT / "data" / "london"
    return cached_conversion(
        export_dir / "restaurant-1-orders.csv",
        export_dir / "restaurant-1-products-price.csv",
        name="london",
        library_csv=london / "library.csv",
        links_csv=london / "links.csv",
    )


def resolve_scenario(name: str) -> Path:
    if name == "demo":
        return demo_scenario()
    if name == "london":
        return london_scenario()
    folder = Path(name)
    read_meta(folder)  # a clear error when the folder is not a scenario
    return folder


def scenario_days(folder: Path) -> tuple[date, date]:
    """First and last service day of a scenario's closures."""
    tz = ZoneInfo(os.environ.get("SOMMIT_TIMEZONE", "Europe/Paris"))
    days = [
        datetime.fromisoformat(c["startedAt"].replace("Z", "+00:00")).astimezone(tz).date()
        for c in iter_closures(folder)
    ]
    return min(days), max(days)


# -- running ------------------------------------------------------------------------------------


@contextlib.contextmanager
def simulated_popina(
    folder: Path, first_day: date, port: int = 0, data: ScenarioData | None = None
) -> Iterator[PopinaSimulator]:
    """Serve ``folder`` (or ``data`` loaded from it) and point this process's configuration
    at it."""
    with PopinaSimulator(data or folder, api_key=DEMO_API_KEY, port=port) as simulator:
        os.environ["POPINA_BASE_URL"] = simulator.base_url
        os.environ["POPINA_API_KEY"] = DEMO_API_KEY
        os.environ["SOMMIT_LIBRARY_CSV"] = str(folder / LIBRARY_FILE)
        os.environ["SOMMIT_LINKS_CSV"] = str(folder / LINKS_FILE)
        os.environ.setdefault("SOMMIT_WAREHOUSE", str(PROJECT_ROOT / "data" / "sommit.duckdb"))
        os.environ.setdefault("SOMMIT_ARCHIVE", str(PROJECT_ROOT / "data" / "archive"))
        # Partitions start with the scenario, so the UI shows its days, not years of gaps.
        os.environ.setdefault("SOMMIT_FIRST_SERVICE_DAY", first_day.isoformat())
        yield simulator


LIVE_EVENTS_AFTER_S = 120.0


def live_demo(folder: Path) -> tuple[ScenarioData, date]:
    """The demo moved so that it ends yesterday, its last closure held back (a till not closed
    yet). After two minutes that closure is recorded late and a line of the day before is
    cancelled after finalization: ``closed_tills_sensor`` (every 5 minutes) requests both days,
    with nobody touching anything. Uses its own warehouse and Dagster instance."""
    os.environ.setdefault("SOMMIT_WAREHOUSE", str(PROJECT_ROOT / "data" / "live.duckdb"))
    os.environ.setdefault("SOMMIT_ARCHIVE", str(PROJECT_ROOT / "data" / "live-archive"))
    os.environ["DAGSTER_HOME"] = str(PROJECT_ROOT / ".dagster_home_live")
    first_day, last_day = demo_days()
    yesterday = datetime.now(ZoneInfo("Europe/Paris")).date() - timedelta(days=1)
    shift = (yesterday - last_day).days
    data = ScenarioData.load(folder)
    data.shift_days(shift)
    late = data.reports[-1]
    corrected = next(r for r in reversed(data.reports[:-1]) if not r.get("isTraining"))
    data.hold_back(late["id"])

    def events() -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        data.close_late(late["id"], now)
        cents = data.cancel_after_finalization(corrected["id"], 0, 0, now)
        print(
            f"[live demo] closure {late['id']} recorded late; {cents / 100:.2f} cancelled after "
            f"finalization in closure {corrected['id']}: the sensor will request both days",
            flush=True,
        )

    delay = float(os.environ.get("SOMMIT_LIVE_EVENTS_AFTER_S", LIVE_EVENTS_AFTER_S))
    timer = threading.Timer(delay, events)
    timer.daemon = True
    timer.start()
    return data, first_day + timedelta(days=shift)


def ensure_dagster_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    # Two `sommit` processes creating a new sqlite instance at the same moment race inside
    # Dagster ("table secondary_indexes already exists"): create its storage under a file lock.
    import dagster as dg

    with (home / ".sommit-init.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with dg.DagsterInstance.get() as instance:
            instance.get_runs(limit=1)
    return home


def run_scenario(folder: Path, first_day: date, last_day: date) -> int:
    with simulated_popina(folder, first_day) as simulator:
        print(f"Popina simulator serving {folder.name} at {simulator.base_url}")
        return run_days(first_day, last_day)


def run_days(first_day: date, last_day: date) -> int:
    """Run the nightly job on ``first_day``..``last_day`` as one run on the local instance."""
    ensure_dagster_home()
    import dagster as dg

    from sommit_pipeline.definitions import build_definitions
    from sommit_pipeline.runs import execute_nightly, step_failures

    print(f"Running the nightly job on {first_day}..{last_day} (one run)...")
    with dg.DagsterInstance.get() as instance:
        result = execute_nightly(build_definitions(), instance, first_day, last_day)
    print(
        f"Run {result.run_id}: {'success' if result.success else 'FAILURE'} "
        "(see it in the Dagster UI: make ui)"
    )
    if not result.success:
        for step, error in step_failures(result):
            print(f"FAILED {step}: {error.message.strip()}", file=sys.stderr)
        return 1
    print_summary()
    return 0


def print_summary() -> None:
    from sommit_pipeline import settings
    from sommit_pipeline.warehouse.io import connect

    path = settings.warehouse_path()
    with connect(path) as conn:
        days, lines, revenue = conn.execute(
            "SELECT count(DISTINCT service_day), count(*), sum(total_ttc_cents) FROM popina_sales"
        ).fetchall()[0]
        unmatched, sold = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_sold) FROM unmatched_items"
        ).fetchall()[0]
        top = conn.execute(
            "SELECT label, last_sale_day, unlinked_revenue_ttc_cents, suggested_name, "
            "suggestion_score, suggestion_confidence FROM unmatched_items WHERE is_sold LIMIT 5"
        ).fetchall()
    print(f"\nDuckDB warehouse: {path}")
    print(f"  {days} service days, {lines} order lines, revenue {(revenue or 0) / 100:,.2f}")
    print(f"  drinks to synchronise: {unmatched} ({sold} sold). Top by revenue at stake:")
    for label, last_sale, cents, suggestion, score, confidence in top:
        hint = f"-> {suggestion} ({score:.0f}, {confidence})" if suggestion else "-> no suggestion"
        print(f"    {label:<32} last sold {last_sale}  {cents / 100:>9,.2f}  {hint}")
    print(f"\nQuery it (README, 'Querying DuckDB'): {path}")
    print("Clear the drinks to synchronise: .venv/bin/sommit sync")


def serve_forever(folder: Path, port: int) -> int:
    api_key = os.environ.get("POPINA_API_KEY", DEMO_API_KEY)
    simulator = PopinaSimulator(folder, api_key=api_key, port=port)
    print(f"Popina simulator serving {folder} at {simulator.base_url} (Ctrl-C to stop)")
    shown = api_key if api_key == DEMO_API_KEY else "the value of POPINA_API_KEY"
    print(f"  POPINA_BASE_URL={simulator.base_url} POPINA_API_KEY: {shown}")
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()
    return 0


def open_ui(port: int, live: bool = False) -> int:
    folder, first_day, data = demo_scenario(), demo_days()[0], None
    if live:
        data, first_day = live_demo(folder)
    else:
        # The static demo's till stopped on its last day: recording every day since as "no
        # service" would only launch dozens of empty runs. `--live` shows the sensor at work.
        os.environ.setdefault("SOMMIT_NO_SERVICE_GRACE_DAYS", "36500")
    ensure_dagster_home()
    with simulated_popina(folder, first_day, data=data) as simulator:
        print(f"Popina simulator at {simulator.base_url}; Dagster UI on http://127.0.0.1:{port}")
        command = [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ]
        with contextlib.suppress(KeyboardInterrupt):
            return subprocess.call(command, cwd=PROJECT_ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
