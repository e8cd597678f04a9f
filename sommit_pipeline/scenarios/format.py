"""On-disk format of a till *scenario*: what the Popina simulator serves.

A scenario is a folder:

- ``scenario.json``: ``{"name", "location_id", "timezone", "currency", "description"}``;
- ``catalog.json``: the ``GET /v1/catalog/`` answer, a list of Popina products
  (``id, name, category, categoryId, subCategories, priceList[{priceTypeId, priceTypeName,
  unitPrice, taxRate}]``);
- ``closures.jsonl``: one closure (Popina report) per line, in ``createdAt`` order, with its
  orders embedded under ``"orders"`` as full order objects (``popina-api.md`` §D). The simulator
  serves the report with ``orders`` reduced to ids and the orders from ``/v1/orders``;
- ``library.csv``: the restaurant's beverage references (columns: ``LIBRARY_COLUMNS``);
- ``links.csv``: the links shipped with the scenario (columns: ``LINK_COLUMNS``).

Money is integer cents TTC, tax rates percent x 100, timestamps ISO 8601 UTC (``...Z``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCENARIO_FILE = "scenario.json"
CATALOG_FILE = "catalog.json"
CLOSURES_FILE = "closures.jsonl"
LIBRARY_FILE = "library.csv"
LINKS_FILE = "links.csv"

LIBRARY_COLUMNS = (
    "library_ref_id",
    "kind",  # wine | beer | spirit | soft
    "producer",
    "cuvee",
    "appellation",
    "region",
    "colour",  # red | white | rose | sparkling | "" for non-wines
    "vintage",  # year, or "" for non-vintage
    "format_cl",
    "purchase_cost_ht_cents",
    "sale_price_ttc_cents",
    "vat_rate",  # percent x 100
)
LINK_COLUMNS = ("pos_product_id", "library_ref_id", "serving_factor")


class ScenarioError(ValueError):
    """A scenario folder that is not what it claims to be."""


@dataclass(frozen=True)
class ScenarioMeta:
    name: str
    location_id: str
    timezone: str = "Europe/Paris"
    currency: str = "EUR"
    description: str = ""


def write_scenario(
    folder: Path,
    meta: ScenarioMeta,
    catalog: list[dict[str, Any]],
    closures: Iterable[dict[str, Any]],
    library: Iterable[dict[str, Any]] = (),
    links: Iterable[dict[str, Any]] = (),
) -> Path:
    """Write a scenario folder atomically enough for our use: files are written to temporary
    names and renamed, so a reader never sees half a closure file."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / SCENARIO_FILE, json.dumps(meta.__dict__, indent=2, ensure_ascii=False))
    _write_atomic(folder / CATALOG_FILE, json.dumps(catalog, ensure_ascii=False))
    _write_atomic(
        folder / CLOSURES_FILE,
        "".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) + "\n" for c in closures),
    )
    _write_csv(folder / LIBRARY_FILE, LIBRARY_COLUMNS, library)
    _write_csv(folder / LINKS_FILE, LINK_COLUMNS, links)
    return folder


def read_meta(folder: Path) -> ScenarioMeta:
    path = folder / SCENARIO_FILE
    if not path.is_file():
        raise ScenarioError(f"{folder} is not a scenario folder: {SCENARIO_FILE} is missing")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ScenarioMeta(**raw)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ScenarioError(f"{path}: not a valid scenario description ({exc})") from exc


def read_catalog(folder: Path) -> list[dict[str, Any]]:
    path = folder / CATALOG_FILE
    try:
        catalog = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScenarioError(f"{path} is missing") from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(catalog, list):
        raise ScenarioError(f"{path}: expected a list of products, got {type(catalog).__name__}")
    return catalog


def iter_closures(folder: Path) -> Iterator[dict[str, Any]]:
    path = folder / CLOSURES_FILE
    if not path.is_file():
        raise ScenarioError(f"{path} is missing")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                closure = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ScenarioError(f"{path}:{number}: not JSON ({exc})") from exc
            if not isinstance(closure, dict) or "id" not in closure:
                raise ScenarioError(f"{path}:{number}: a closure needs an object with an id")
            yield closure


def read_csv_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a library or links CSV, checking the header names the expected columns."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ScenarioError(f"{path}: missing column(s) {', '.join(missing)}")
        return list(reader)


def _write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: ("" if row.get(c) is None else row.get(c)) for c in columns})
    tmp.replace(path)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
