"""Shared helpers of the benchmark scripts: scenarios, a simulator in its own process, child
processes that report one measurement as JSON, and the Markdown table they print."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key"
RESULT_PREFIX = "BENCH-RESULT "
SCENARIOS = ("london", "demo")


def scenario(name: str) -> tuple[Path, date, date] | None:
    """The folder and service days of a scenario, or None (with a message) when unavailable."""
    from sommit_pipeline import cli

    if name == "demo":
        return (cli.demo_scenario(), *cli.demo_days())
    if not cli.LONDON_EXPORT.is_dir():
        print(f"skipping london: the export is not at {cli.LONDON_EXPORT} (../shared is missing)")
        return None
    folder = cli.london_scenario()
    return (folder, *cli.scenario_days(folder))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


@contextlib.contextmanager
def simulator(folder: Path, timeout_s: float = 300.0) -> Iterator[str]:
    """``sommit serve <folder>`` in its own process; yields its base URL once ``GET /`` answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sommit_pipeline.cli", "serve", str(folder), "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=child_env(POPINA_API_KEY=API_KEY),
        stdout=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {API_KEY}"}
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the simulator exited with {process.returncode}")
            try:
                if httpx.get(base_url + "/", headers=auth, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the simulator did not answer on {base_url}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_child(script: Path, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``script --child ...`` and return the JSON result it prints last."""
    completed = subprocess.run(
        [sys.executable, str(script), "--child", *args],
        cwd=PROJECT_ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
    raise SystemExit(f"{script.name} child failed with exit code {completed.returncode}")


def report_result(result: dict[str, Any]) -> None:
    """What a child prints last: its measurement, for the parent."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


HEADER = (
    "| scenario | variant | run | wall s | lines | lines/s | peak RSS MiB | setup s | notes |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---|"
)


def row(scenario: str, variant: str, run: str, r: dict[str, Any]) -> str:
    wall, lines = r["wall_s"], r["lines"]
    return (
        f"| {scenario} | {variant} | {run} | {wall:.2f} | {lines:,} | {lines / wall:,.0f} | "
        f"{r['peak_rss_mib']:.0f} | {r.get('setup_s', 0):.2f} | {r.get('notes', '')} |"
    )


def median_row(scenario: str, variant: str, results: list[dict[str, Any]]) -> str:
    walls = [r["wall_s"] for r in results]
    merged = {
        "wall_s": statistics.median(walls),
        "lines": results[0]["lines"],
        "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in results),
        "setup_s": statistics.median(r.get("setup_s", 0) for r in results),
        "notes": "runs: " + ", ".join(f"{w:.2f}" for w in walls),
    }
    return row(scenario, variant, f"median of {len(results)}", merged)
