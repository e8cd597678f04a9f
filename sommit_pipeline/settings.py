"""Deployment settings read from the environment (non-secret ones; the API key is read by the
Popina resource through ``dg.EnvVar`` so that it never lands in run configuration)."""

from __future__ import annotations

import os
from datetime import date
from zoneinfo import ZoneInfo

DEFAULT_POPINA_BASE_URL = "https://api.pragma-project.dev"


def timezone_name() -> str:
    """Service days are local dates in the restaurant's zone (Europe/Paris for Popina)."""
    name = os.environ.get("SOMMIT_TIMEZONE", "Europe/Paris")
    ZoneInfo(name)  # fail at load time on a typo, not in the middle of a run
    return name


def first_service_day() -> str:
    """The first partition. The default covers every data set this project ships with."""
    value = os.environ.get("SOMMIT_FIRST_SERVICE_DAY", "2015-01-01")
    date.fromisoformat(value)
    return value


def closure_lookahead_days() -> int:
    """How many days after a service day its closure may still be recorded by Popina."""
    return int(os.environ.get("SOMMIT_CLOSURE_LOOKAHEAD_DAYS", "7"))


def warehouse_path() -> str:
    return os.environ.get("SOMMIT_WAREHOUSE", "data/sommit.duckdb")


def popina_base_url() -> str:
    return os.environ.get("POPINA_BASE_URL", DEFAULT_POPINA_BASE_URL)


def library_csv() -> str:
    """The restaurant's library export (CSV, see ``scenarios/format.py``), or empty."""
    return os.environ.get("SOMMIT_LIBRARY_CSV", "")


def links_csv() -> str:
    """Links to seed the link table with, the first time it is created, or empty."""
    return os.environ.get("SOMMIT_LINKS_CSV", "")


def sensor_lookback_days() -> int:
    """How far back the till sensor looks for closed or corrected service days."""
    return int(os.environ.get("SOMMIT_SENSOR_LOOKBACK_DAYS", "45"))


def no_service_grace_days() -> int:
    """After this many days without any closure, a day is recorded as "no service"."""
    return int(os.environ.get("SOMMIT_NO_SERVICE_GRACE_DAYS", "3"))


def archive_path() -> str:
    """Where the raw responses of every ingested closure are kept (compressed JSON)."""
    return os.environ.get("SOMMIT_ARCHIVE", "data/archive")


def replay_archive() -> bool:
    """Replay days from the raw archive instead of calling Popina."""
    return os.environ.get("SOMMIT_REPLAY_ARCHIVE", "").lower() in ("1", "true", "yes")
