"""A Popina read-API simulator: a real HTTP server on 127.0.0.1 serving a scenario folder.

Endpoints (``reference/popina-api.md`` §A): ``GET /v1/reports`` (``since``/``until`` inclusive,
``index``/``size`` paging with ``meta``), ``GET /v1/reports/{id}``, ``GET /v1/orders``
(``reportId`` filter, paging), ``GET /v1/orders/{id}``, ``GET /v1/catalog/`` and ``GET /``
(health). ``Authorization: Bearer <key>``; 401 on a missing or wrong key, 404 on unknown ids,
400 on bad parameters, 405 on anything but GET.

Like the prod clients observed in the wild, we cannot know which timestamp Popina's
``since``/``until`` filter on; the simulator filters on the UTC date of ``createdAt`` (when the
report was recorded, i.e. at closing), so a client must widen its window and re-filter on
``startedAt`` itself.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sommit_pipeline.scenarios.format import iter_closures, read_catalog, read_meta

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


@dataclass
class ScenarioData:
    """A scenario held in memory, indexed for the endpoints."""

    location_id: str
    catalog: list[dict[str, Any]]
    reports: list[dict[str, Any]] = field(default_factory=list)  # in createdAt order
    reports_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders_by_report: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    orders_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> ScenarioData:
        meta = read_meta(folder)
        data = cls(location_id=meta.location_id, catalog=read_catalog(folder))
        for closure in iter_closures(folder):
            data.add_closure(closure)
        return data

    def add_closure(self, closure: dict[str, Any]) -> None:
        orders = closure.get("orders") or []
        report = {**closure, "orders": [o["id"] for o in orders]}
        report.setdefault("createdAt", closure.get("finalizedAt") or closure.get("startedAt"))
        report.setdefault("updatedAt", report["createdAt"])
        self.reports.append(report)
        self.reports_by_id[report["id"]] = report
        self.orders_by_report[report["id"]] = list(orders)
        for order in orders:
            self.orders_by_id[order["id"]] = order

    # -- what happens to a till after the fact (late closings, corrections) ----------------

    def shift_days(self, days: int) -> None:
        """Move every timestamp by whole days, e.g. so that a past scenario ends yesterday."""
        delta = timedelta(days=days)
        for report in self.reports:
            for key in ("createdAt", "updatedAt", "startedAt", "finalizedAt"):
                report[key] = _shifted(report.get(key), delta)
        for order in self.orders_by_id.values():
            for key in ("createdAt", "updatedAt", "openedAt", "closedAt"):
                order[key] = _shifted(order.get(key), delta)

    def hold_back(self, report_id: str) -> dict[str, Any]:
        """Take a closure out of the lists, as a till not yet closed would be."""
        report = self.reports_by_id[report_id]
        self.reports.remove(report)
        return report

    def close_late(self, report_id: str, recorded_at: str) -> None:
        """A held-back closure is recorded now: listed again, created and finalized late."""
        report = self.reports_by_id[report_id]
        report["createdAt"] = report["updatedAt"] = recorded_at
        report["finalizedAt"] = report["finalizedAt"] or recorded_at
        if report not in self.reports:
            self.reports.append(report)

    def cancel_after_finalization(
        self, report_id: str, order_index: int, line_index: int, recorded_at: str
    ) -> int:
        """Cancel a line of a finalized closure, as Popina records it: the line is flagged, the
        order and closure totals drop, a cancellation "after finalization" is added and the
        closure's updatedAt moves. Returns the amount cancelled, in cents."""
        order = self.orders_by_report[report_id][order_index]
        item = order["items"][line_index]
        if item.get("isCanceled"):
            raise ValueError(f"line {line_index} of order {order['id']} is already cancelled")
        item["isCanceled"] = True
        amount = item["total"]
        order["total"] -= amount
        order["updatedAt"] = recorded_at
        if order.get("payments"):
            order["payments"][0]["paymentAmount"] -= amount
        report = self.reports_by_id[report_id]
        report["totalSales"] -= amount
        if report.get("reportPayments"):
            report["reportPayments"][0]["paymentAmount"] -= amount
        report.setdefault("reportCancellations", []).append(
            {
                "name": "Annulation",
                "quantity": item["quantity"],
                "amount": amount,
                "afterFinalization": True,
                "productList": [
                    {"name": item["description"], "quantity": item["quantity"], "amount": amount}
                ],
            }
        )
        report["updatedAt"] = recorded_at
        return amount


class BadRequest(ValueError):
    pass


@dataclass
class Fault:
    """A misbehaviour served instead of the real answer, ``times`` times, on GETs whose path
    starts with ``path_prefix``: an HTTP status (with headers and body), a delay, a dropped
    connection, a body cut short, a body changed by ``mutate``, or a page that shifts."""

    path_prefix: str
    status: int | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"error": "injected fault"}'
    times: int = 1
    # Data moved between page requests: this page starts `shift` items earlier, as if that many
    # items had been inserted before it (the client then sees an item twice).
    shift: int = 0
    page_index: int | None = None  # only on this page (``index`` parameter), else any request
    reset: bool = False  # close the connection without answering
    truncate_to: int | None = None  # announce the whole body, send this many bytes, close
    # Change the real answer before it is sent (missing field, wrong type, euros for cents...).
    mutate: Callable[[Any], Any] | None = None


def _page(
    items: list[Any], query: dict[str, list[str]], path: str, shift: int = 0
) -> dict[str, Any]:
    try:
        index = int(query.get("index", ["0"])[0])
        size = int(query.get("size", [str(DEFAULT_PAGE_SIZE)])[0])
    except ValueError as exc:
        raise BadRequest("index and size must be integers") from exc
    if index < 0 or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"index must be >= 0 and size within 1..{MAX_PAGE_SIZE}")
    total_pages = math.ceil(len(items) / size)
    start = max(index * size - shift, 0)
    chunk = items[start : start + size]

    def link(i: int) -> str:
        return f"{path}?index={i}&size={size}"

    return {
        "data": chunk,
        "meta": {
            "totalPage": total_pages,
            "totalCount": len(items),
            "currentPageIndex": index,
            "pageSize": size,
            "hiddenByFilterCount": 0,
        },
        "links": {
            "self": link(index),
            "first": link(0),
            "last": link(max(total_pages - 1, 0)),
            "next": link(index + 1) if index + 1 < total_pages else None,
            "prev": link(index - 1) if index > 0 else None,
        },
        "nextPageToken": str(index + 1) if index + 1 < total_pages else None,
    }


def _date_param(query: dict[str, list[str]], name: str) -> date | None:
    if name not in query:
        return None
    try:
        return date.fromisoformat(query[name][0])
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date YYYY-MM-DD") from exc


def _shifted(timestamp: str | None, delta: timedelta) -> str | None:
    if timestamp is None:
        return None
    moved = datetime.fromisoformat(timestamp.replace("Z", "+00:00")) + delta
    return moved.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_date(timestamp: str) -> date:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).date()


class PopinaSimulator:
    """Serve a scenario on 127.0.0.1. ``port=0`` picks a free port; see :attr:`base_url`."""

    def __init__(
        self, scenario: ScenarioData | Path, api_key: str, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.scenario = ScenarioData.load(scenario) if isinstance(scenario, Path) else scenario
        self.api_key = api_key
        self.requests_served = 0
        self._faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> PopinaSimulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="popina-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def __enter__(self) -> PopinaSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, fault: Fault) -> None:
        with self._faults_lock:
            self._faults.append(fault)

    def _take_fault(self, path: str, query: dict[str, list[str]]) -> Fault | None:
        with self._faults_lock:
            for fault in self._faults:
                if fault.times <= 0 or not path.startswith(fault.path_prefix):
                    continue
                if fault.page_index is not None and query.get("index") != [str(fault.page_index)]:
                    continue
                fault.times -= 1
                return fault
        return None

    # -- routing --------------------------------------------------------------------------

    def route(self, path: str, query: dict[str, list[str]], shift: int = 0) -> tuple[int, Any]:
        data = self.scenario
        parts = [p for p in path.split("/") if p]
        if not parts:
            return 200, {"status": "ok", "apiVersions": ["v1"], "simulator": True}
        if parts[:2] == ["v1", "reports"]:
            if len(parts) == 2:
                since, until = _date_param(query, "since"), _date_param(query, "until")
                reports = [
                    r
                    for r in data.reports
                    if (since is None or _utc_date(r["createdAt"]) >= since)
                    and (until is None or _utc_date(r["createdAt"]) <= until)
                ]
                return 200, _page(reports, query, "/v1/reports", shift)
            if len(parts) == 3 and parts[2] in data.reports_by_id:
                return 200, data.reports_by_id[parts[2]]
            return 404, {"error": "not_found", "message": f"no report {parts[2:]}"}
        if parts[:2] == ["v1", "orders"]:
            if len(parts) == 2:
                report_id = query.get("reportId", [None])[0]
                if report_id is None:
                    orders = [o for r in data.reports for o in data.orders_by_report[r["id"]]]
                elif report_id in data.orders_by_report:
                    orders = data.orders_by_report[report_id]
                else:
                    return 404, {"error": "not_found", "message": f"no report {report_id}"}
                return 200, _page(orders, query, "/v1/orders", shift)
            if len(parts) == 3 and parts[2] in data.orders_by_id:
                return 200, data.orders_by_id[parts[2]]
            return 404, {"error": "not_found", "message": f"no order {parts[2:]}"}
        if parts == ["v1", "catalog"]:
            return 200, data.catalog
        return 404, {"error": "not_found", "message": f"no route {path}"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one connection serves a whole backfill
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and
            # delayed ACKs add ~40 ms to every response.
            disable_nagle_algorithm = True
            server_version = "PopinaSimulator/1"

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                if self.headers.get("Authorization") != f"Bearer {simulator.api_key}":
                    self._send(401, {"error": "unauthorized", "message": "missing or invalid key"})
                    return
                simulator.requests_served += 1
                query = parse_qs(split.query)
                fault = simulator._take_fault(split.path, query)
                if fault is not None:
                    time.sleep(fault.delay_s)
                    if fault.reset:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if fault.status is not None:
                        self._send_raw(fault.status, fault.body.encode(), fault.headers)
                        return
                try:
                    status, body = simulator.route(split.path, query, fault.shift if fault else 0)
                except BadRequest as exc:
                    status, body = 400, {"error": "bad_request", "message": str(exc)}
                if fault is not None and fault.mutate is not None and status == 200:
                    body = fault.mutate(copy.deepcopy(body))
                if fault is not None and fault.truncate_to is not None:
                    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: fault.truncate_to])
                    self.close_connection = True
                    return
                self._send(status, body)

            def _refuse(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self._send(405, {"error": "method_not_allowed", "message": "read-only API"})

            do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

            def _send(self, status: int, body: Any) -> None:
                self._send_raw(status, json.dumps(body, ensure_ascii=False).encode("utf-8"))

            def _send_raw(
                self, status: int, payload: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status, HTTPStatus(status).phrase)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("simulator: " + format, *args)

        return Handler
