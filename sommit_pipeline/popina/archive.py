"""The raw archive: every ingested closure as Popina sent it, compressed, so that any service day
can be replayed without the API.

Layout: ``<root>/<service_day>/<ingested_at>/`` holds ``day.json`` (the closures of the day, the
training closures ignored) and one ``<report_id>.json.gz`` per closure (``{"report": ...,
"orders": [...]}``, the bodies as received). A day ingested again gets a new ``<ingested_at>``
folder: nothing is overwritten; replay reads the newest. The catalogue is kept the same way,
under ``<root>/catalog/<seen_on>/``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sommit_pipeline.popina.models import Order, Product, Report
from sommit_pipeline.popina.pull import PulledDays
from sommit_pipeline.transforms.sales import service_day

MANIFEST = "day.json"
_ORDERS = TypeAdapter(list[Order])


class ArchiveError(ValueError):
    """A day that cannot be replayed: never archived, or an archive file that is damaged."""


@dataclass
class RawResponses:
    """Collects the JSON bodies a :class:`PopinaClient` receives (its ``on_body`` hook)."""

    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, endpoint: str, params: dict[str, str], body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            return
        with self._lock:
            if endpoint == "/v1/reports":
                for report in body["data"]:
                    if isinstance(report, dict) and "id" in report:
                        self.reports[report["id"]] = report
            elif endpoint == "/v1/orders" and "reportId" in params:
                kept = self.orders.setdefault(params["reportId"], {})
                for order in body["data"]:
                    if isinstance(order, dict) and "id" in order:
                        kept[order["id"]] = order


def write_archive(
    root: Path, pulled: PulledDays, raw: RawResponses, tz: Any, ingested_at: datetime
) -> Path:
    """Archive the pulled window: one folder per service day, written whole then renamed."""
    stamp = ingested_at.strftime("%Y%m%dT%H%M%S%fZ")
    by_day: dict[date, list[Report]] = {}
    for report in pulled.reports:
        by_day.setdefault(service_day(report, tz), []).append(report)
    day = pulled.first_day
    while day <= pulled.last_day:
        target = root / day.isoformat() / stamp
        staging = target.with_name(f".{stamp}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        closures = by_day.get(day, [])
        for report in closures:
            body = {
                "report": raw.reports[report.id],
                "orders": list(raw.orders.get(report.id, {}).values()),
            }
            with gzip.open(staging / f"{report.id}.json.gz", "wt", encoding="utf-8") as handle:
                json.dump(body, handle, ensure_ascii=False)
        manifest = {
            "service_day": day.isoformat(),
            "ingested_at": ingested_at.isoformat(),
            "closures": [r.id for r in closures],
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(staging, target)
        day += timedelta(days=1)
    return root


def read_archive(root: Path, first_day: date, last_day: date) -> PulledDays:
    """The newest archive of each day of the window, validated like an API answer."""
    pulled = PulledDays(first_day, last_day)
    day = first_day
    while day <= last_day:
        folder = _newest(root / day.isoformat(), day, root)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        for report_id in manifest["closures"]:
            path = folder / f"{report_id}.json.gz"
            try:
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    body = json.load(handle)
                report = Report.model_validate(body["report"])
                orders = _ORDERS.validate_python(body["orders"])
            except (OSError, EOFError, json.JSONDecodeError, KeyError, ValidationError) as exc:
                raise ArchiveError(f"{path}: damaged archive file ({exc})") from exc
            pulled.reports.append(report)
            pulled.orders[report.id] = orders
        day += timedelta(days=1)
    pulled.reports.sort(key=lambda r: (r.started_at, r.id))
    return pulled


def _newest(day_folder: Path, day: date, root: Path) -> Path:
    stamps = (
        sorted(p for p in day_folder.glob("*") if p.is_dir() and not p.name.startswith("."))
        if day_folder.is_dir()
        else []
    )
    if not stamps:
        raise ArchiveError(f"service day {day} was never archived in {root}: nothing to replay")
    return stamps[-1]


_PRODUCTS = TypeAdapter(list[Product])


def write_catalog_archive(root: Path, seen_on: date, body: Any, ingested_at: datetime) -> Path:
    """Keep the catalogue as received: ``<root>/catalog/<seen_on>/<ingested_at>.json.gz``."""
    folder = root / "catalog" / seen_on.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{ingested_at.strftime('%Y%m%dT%H%M%S%fZ')}.json.gz"
    staging = target.with_name(f".{target.name}.partial")
    with gzip.open(staging, "wt", encoding="utf-8") as handle:
        json.dump(body, handle, ensure_ascii=False)
    os.replace(staging, target)
    return target


def read_catalog_archive(root: Path) -> tuple[date, list[Product]]:
    """The newest archived catalogue and the day it was seen."""
    files = sorted((root / "catalog").glob("*/*.json.gz"))
    if not files:
        raise ArchiveError(f"no catalogue was ever archived in {root}: nothing to replay")
    newest = files[-1]
    try:
        with gzip.open(newest, "rt", encoding="utf-8") as handle:
            products = _PRODUCTS.validate_python(json.load(handle))
    except (OSError, EOFError, json.JSONDecodeError, ValidationError) as exc:
        raise ArchiveError(f"{newest}: damaged archive file ({exc})") from exc
    return date.fromisoformat(newest.parent.name), products
