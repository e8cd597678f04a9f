"""A read-only client for Popina's partner API (``reference/popina-api.md``).

It pages through every list, retries what is transient (429 honouring ``Retry-After``, 5xx,
timeouts, dropped connections) with exponential backoff, refuses to send anything but GET, and
turns a malformed payload into a :class:`PopinaPayloadError` naming the endpoint and the field.
The API key is sent in a header only; it never appears in an error message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from sommit_pipeline.popina.models import Order, PageMeta, Product, Report

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_PAGE_SIZE = 100  # Popina caps `size` at 100.
MAX_RETRY_AFTER_S = 60.0


class PopinaError(Exception):
    """Base class of the errors this client raises."""


class PopinaAuthError(PopinaError):
    """Popina refused the API key (401/403)."""


class PopinaNotFoundError(PopinaError):
    """An id that Popina does not know (404)."""


class PopinaHTTPError(PopinaError):
    """A response we cannot use, or a transient failure that outlived every retry."""


class PopinaPayloadError(PopinaError):
    """A 200 response whose body is not what the API documents."""

    def __init__(self, endpoint: str, field: str, problem: str) -> None:
        self.endpoint = endpoint
        self.field = field
        self.problem = problem
        super().__init__(f"malformed Popina payload from GET {endpoint}: field `{field}` {problem}")


def _reject_non_get(request: httpx.Request) -> None:
    # The integration is one-way by contract: we never write to the till.
    if request.method != "GET":
        raise PopinaError(f"refusing to send {request.method} {request.url.path}: read-only client")


class PopinaClient:
    """Synchronous client over one keep-alive connection pool. Use as a context manager."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 30.0,
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        page_size: int = MAX_PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_body: Callable[[str, dict[str, str], Any], None] | None = None,
    ) -> None:
        """``on_body(endpoint, params, body)`` sees every JSON body received, as received
        (the raw archive of ingested closures is built from it)."""
        if not api_key:
            raise PopinaAuthError("no Popina API key configured (set POPINA_API_KEY)")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}, got {page_size}")
        self._max_attempts = max(1, max_attempts)
        self._backoff_s = backoff_s
        self._page_size = page_size
        self._sleep = sleep
        self._on_body = on_body
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout_s,
            transport=transport,
            event_hooks={"request": [_reject_non_get]},
        )

    def __enter__(self) -> PopinaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- endpoints ------------------------------------------------------------------------

    def list_reports(self, since: date, until: date) -> list[Report]:
        """Closures listed by Popina for ``since``..``until`` (both inclusive)."""
        params = {"since": since.isoformat(), "until": until.isoformat()}
        return self._read_list("/v1/reports", params, Report)

    def get_report(self, report_id: str) -> Report:
        endpoint = f"/v1/reports/{report_id}"
        return _validate(endpoint, self._get_json(endpoint, {}), Report)

    def list_orders(self, report_id: str) -> list[Order]:
        """Every order of one closure."""
        return self._read_list("/v1/orders", {"reportId": report_id}, Order)

    def get_catalog(self) -> list[Product]:
        endpoint = "/v1/catalog/"
        body = self._get_json(endpoint, {})
        return _validate(endpoint, body, _PRODUCTS)

    # -- plumbing -------------------------------------------------------------------------

    def _read_list(self, endpoint: str, params: dict[str, str], model: type[ModelT]) -> list:
        """Every item of a paged list, each once. Data can move while we page (Popina pages by
        position): an item seen on two pages is kept once, and when fewer distinct items came
        than the list announced, one was skipped, so the whole list is read again."""
        for attempt in range(1, self._max_attempts + 1):
            items: dict[str, Any] = {}
            announced = 0
            for item, total_count in self._paged(endpoint, params, model):
                items[item.id] = item  # type: ignore[attr-defined]
                announced = total_count
            if len(items) >= announced:
                return list(items.values())
            log.warning(
                "GET %s %s: %d of %d items read, the list moved while paging "
                "(attempt %d/%d), reading it again",
                endpoint,
                params,
                len(items),
                announced,
                attempt,
                self._max_attempts,
            )
        raise PopinaHTTPError(
            f"GET {endpoint}?{urlencode(params)}: the list kept changing while paging "
            f"({len(items)} of {announced} items read, {self._max_attempts} attempts)"
        )

    def _paged(
        self, endpoint: str, params: dict[str, str], model: type[ModelT]
    ) -> Iterator[tuple[ModelT, int]]:
        """(item, the list's announced total count) for every item of every page."""
        index, total_pages = 0, 1
        item_list = TypeAdapter(list[model])  # type: ignore[valid-type]
        while index < total_pages:
            page_params = {**params, "index": str(index), "size": str(self._page_size)}
            body = self._get_json(endpoint, page_params)
            # Name the page and its filter: the closure (reportId) or the dates asked for.
            where = f"{endpoint}?{urlencode({**params, 'index': index})}"
            if not isinstance(body, dict):
                raise PopinaPayloadError(where, "<body>", f"is a {type(body).__name__}, not a page")
            if "data" not in body:
                raise PopinaPayloadError(where, "data", "is missing")
            if "meta" not in body:
                raise PopinaPayloadError(where, "meta", "is missing")
            meta = _validate(where, body["meta"], PageMeta, prefix="meta")
            for item in _validate(where, body["data"], item_list, prefix="data"):
                yield item, meta.total_count
            total_pages = meta.total_page
            index += 1

    def _get_json(self, endpoint: str, params: dict[str, str]) -> Any:
        # A body that is not JSON (a proxy's error page, a body cut short) is retried like a
        # 5xx; only a body that stays unreadable is an error.
        for attempt in range(1, self._max_attempts + 1):
            response = self._get(endpoint, params)
            try:
                body = response.json()
                break
            except ValueError as exc:
                snippet = response.text[:60]
                if attempt == self._max_attempts:
                    raise PopinaPayloadError(
                        endpoint, "<body>", f"is not JSON: {snippet!r}"
                    ) from exc
                log.warning(
                    "GET %s: body is not JSON (attempt %d/%d), retrying",
                    endpoint,
                    attempt,
                    self._max_attempts,
                )
                self._sleep(self._backoff(attempt))
        if self._on_body is not None:
            self._on_body(endpoint, params, body)
        return body

    def _get(self, endpoint: str, params: dict[str, str]) -> httpx.Response:
        last_problem = ""
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._http.get(endpoint, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                delay = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return response
                if response.status_code in (401, 403):
                    raise PopinaAuthError(
                        f"Popina refused the API key ({response.status_code}) on GET {endpoint}: "
                        "check POPINA_API_KEY (a key is valid for one location)"
                    )
                if response.status_code == 404:
                    raise PopinaNotFoundError(f"GET {endpoint}: not found (404)")
                if response.status_code not in RETRYABLE_STATUSES:
                    raise PopinaHTTPError(
                        f"GET {endpoint} failed with HTTP {response.status_code}: "
                        f"{response.text[:200]!r}"
                    )
                last_problem = f"HTTP {response.status_code}"
                delay = _retry_after(response) or self._backoff(attempt)
            if attempt < self._max_attempts:
                log.warning(
                    "GET %s: %s (attempt %d/%d), retrying in %.1fs",
                    endpoint,
                    last_problem,
                    attempt,
                    self._max_attempts,
                    delay,
                )
                self._sleep(delay)
        raise PopinaHTTPError(
            f"GET {endpoint} still failing after {self._max_attempts} attempts: {last_problem}"
        )

    def _backoff(self, attempt: int) -> float:
        return self._backoff_s * (2 ** (attempt - 1))


_PRODUCTS = TypeAdapter(list[Product])


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return None


def _validate(endpoint: str, payload: Any, model: Any, prefix: str = "") -> Any:
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    try:
        return adapter.validate_python(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
        got = repr(first.get("input"))
        if len(got) > 80:
            got = got[:77] + "..."
        problem = first["msg"].lower()
        if first["type"] == "missing":
            raise PopinaPayloadError(endpoint, path or "<body>", "is missing") from None
        raise PopinaPayloadError(endpoint, path or "<body>", f"{problem} (got {got})") from None
