"""The built-in demo scenario: money invariants, calendar, special cases, determinism."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sommit_pipeline.scenarios.demo import (
    DEMO_FIRST_DAY,
    DEMO_LAST_DAY,
    LOCATION_ID,
    build_catalog,
    build_library,
    generate_demo,
    special_cases,
)
from sommit_pipeline.scenarios.format import (
    LIBRARY_COLUMNS,
    LIBRARY_FILE,
    LINK_COLUMNS,
    LINKS_FILE,
    iter_closures,
    read_catalog,
    read_csv_rows,
    read_meta,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def closures(demo: Path) -> list[dict[str, Any]]:
    return list(iter_closures(demo))


@pytest.fixture(scope="module")
def real_closures(closures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in closures if not c["isTraining"]]


@pytest.fixture(scope="module")
def catalog(demo: Path) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in read_catalog(demo)}


@pytest.fixture(scope="module")
def library(demo: Path) -> list[dict[str, str]]:
    return read_csv_rows(demo / LIBRARY_FILE, LIBRARY_COLUMNS)


def _paris(stamp: str) -> datetime:
    assert stamp.endswith("Z")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(PARIS)


def _service_day(closure: dict[str, Any]) -> date:
    return _paris(closure["startedAt"]).date()


def _all_items(closures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for c in closures for order in c["orders"] for item in order["items"]]


def _live_orders(closure: dict[str, Any]) -> list[dict[str, Any]]:
    return [order for order in closure["orders"] if not order["isCanceled"]]


def _order_discount(order: dict[str, Any]) -> int:
    return sum(d["amount"] for d in order.get("x_orderDiscounts", []))


# --- scenario description ---------------------------------------------------------------------


def test_meta(demo: Path) -> None:
    meta = read_meta(demo)
    assert (meta.name, meta.timezone, meta.currency) == ("demo", "Europe/Paris", "EUR")
    assert meta.location_id == LOCATION_ID


# --- money invariants -------------------------------------------------------------------------


def test_every_line_carries_its_tax_split(closures: list[dict[str, Any]]) -> None:
    for item in _all_items(closures):
        tax = item["tax"]
        rate = tax["taxRate"]
        # HT = total / (1 + rate) rounded half up, per line
        assert tax["taxableAmount"] == int(item["total"] * 10000 / (10000 + rate) + 0.5)
        assert tax["taxableAmount"] + tax["taxAmount"] == item["total"]
        assert tax["taxName"] == {2000: "TVA 20", 1000: "TVA 10"}[rate]


def test_line_totals(closures: list[dict[str, Any]]) -> None:
    for item in _all_items(closures):
        gross = item["quantity"] * item["unitPrice"]
        assert isinstance(item["quantity"], int) and item["quantity"] >= 1
        assert item["tier"] == "Normal"
        if item["isLoss"]:
            assert item["total"] == 0 and item["lossReason"]
        elif item.get("x_offered"):
            assert item["total"] == 0
            assert item["x_discounts"] == [{"name": "Offert", "amount": gross}]
        elif "x_discounts" in item:
            assert item["total"] == gross - sum(d["amount"] for d in item["x_discounts"])
        else:
            assert item["total"] == gross  # cancelled lines keep their price too


def test_orders_add_up(real_closures: list[dict[str, Any]]) -> None:
    for closure in real_closures:
        for order in closure["orders"]:
            assert order["reportId"] == closure["id"]
            assert order["locationId"] == LOCATION_ID
            paid = sum(p["paymentAmount"] for p in order["payments"])
            if order["isCanceled"]:
                assert order["cancelReason"] and order["payments"] == []
                continue
            live = [i for i in order["items"] if not i["isCanceled"]]
            items_total = sum(i["total"] for i in live)
            assert order["total"] == items_total - _order_discount(order)
            assert order["total"] == paid > 0
            line_discounts = sum(d["amount"] for i in live for d in i.get("x_discounts", []))
            assert order["totalDiscount"] == line_discounts + _order_discount(order)
            if "x_orderDiscounts" not in order:
                assert order["totalTax"] == sum(i["tax"]["taxAmount"] for i in live)


def test_closures_add_up(
    real_closures: list[dict[str, Any]], catalog: dict[str, dict[str, Any]]
) -> None:
    for closure in real_closures:
        live = _live_orders(closure)
        total = sum(order["total"] for order in live)
        assert closure["totalSales"] == total
        assert sum(p["paymentAmount"] for p in closure["reportPayments"]) == total
        assert sum(p["productSales"] for p in closure["reportProducts"]) == total
        assert closure["guestsNumber"] == sum(order["guests"] for order in live)
        cash = sum(
            p["paymentAmount"] for o in live for p in o["payments"] if p["paymentName"] == "Espèces"
        )
        assert closure["finalCashBalance"] == closure["initialCashBalance"] + cash

        # Per tax rate: HT + tax = TTC, TTC being the sales of the products at that rate.
        ttc_by_rate: Counter[int] = Counter()
        for product in closure["reportProducts"]:
            rate = catalog[product["productCatalogId"]]["priceList"][0]["taxRate"]
            ttc_by_rate[rate] += product["productSales"]
        taxes = {t["taxRate"]: t for t in closure["reportTaxes"]}
        for rate in set(taxes) | set(ttc_by_rate):
            tax = taxes.get(rate, {"taxableAmount": 0, "taxAmount": 0})
            assert tax["taxableAmount"] + tax["taxAmount"] == ttc_by_rate[rate]
            # HT close to TTC / (1 + rate): per-line rounding drifts by at most a cent a line
            assert abs(tax["taxableAmount"] - ttc_by_rate[rate] * 10000 / (10000 + rate)) < 100

        # Payments by method, recomputed from the orders.
        by_method: Counter[str] = Counter()
        for order in live:
            for payment in order["payments"]:
                by_method[payment["paymentName"]] += payment["paymentAmount"]
        assert {p["paymentName"]: p["paymentAmount"] for p in closure["reportPayments"]} == {
            k: v for k, v in by_method.items() if v
        }


def test_report_products_match_sold_lines(real_closures: list[dict[str, Any]]) -> None:
    """Without order-level discounts, a product's sales are the plain sum of its lines."""
    for closure in real_closures:
        live = _live_orders(closure)
        if any("x_orderDiscounts" in order for order in live):
            continue
        sales: Counter[str] = Counter()
        quantity: Counter[str] = Counter()
        for order in live:
            for item in order["items"]:
                if item["isCanceled"] or item["isLoss"]:
                    continue
                sales[item["itemCatalogId"]] += item["total"]
                quantity[item["itemCatalogId"]] += item["quantity"]
        reported = {p["productCatalogId"]: p for p in closure["reportProducts"]}
        assert set(reported) == set(sales)
        for product_id, product in reported.items():
            assert product["productSales"] == sales[product_id]
            assert product["productQuantity"] == quantity[product_id]


def test_ids_resolve(
    demo: Path,
    closures: list[dict[str, Any]],
    catalog: dict[str, dict[str, Any]],
    library: list[dict[str, str]],
) -> None:
    for item in _all_items(closures):
        product = catalog[item["itemCatalogId"]]
        assert item["description"] == product["name"]
        assert item["category"] == product["category"]
        assert item["subCategory"] == product["subCategories"][0]["name"]
        assert item["unitPrice"] == product["priceList"][0]["unitPrice"]
    links = read_csv_rows(demo / LINKS_FILE, LINK_COLUMNS)
    library_ids = {row["library_ref_id"] for row in library}
    assert 10 <= len(links) <= 15
    for link in links:
        assert link["pos_product_id"] in catalog
        assert link["library_ref_id"] in library_ids
        assert 0 < float(link["serving_factor"]) <= 1
    linked = [link["pos_product_id"] for link in links]
    assert len(linked) == len(set(linked)), "a POS reference links to one library reference"
    factors = {float(link["serving_factor"]) for link in links}
    assert {1.0, 0.16, 0.6667, 0.0571} <= factors


def test_ids_are_unique(closures: list[dict[str, Any]], catalog: dict[str, Any]) -> None:
    closure_ids = [c["id"] for c in closures]
    order_ids = [o["id"] for c in closures for o in c["orders"]]
    assert len(set(closure_ids)) == len(closure_ids)
    assert len(set(order_ids)) == len(order_ids)
    names = [p["name"] for p in catalog.values()]
    assert len(set(names)) == len(names)


def test_closures_in_created_order(closures: list[dict[str, Any]]) -> None:
    created = [_paris(c["createdAt"]) for c in closures]
    assert created == sorted(created)
    numbers = [c["reportNumber"] for c in closures]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for closure in closures:
        assert closure["createdAt"] == closure["updatedAt"] == closure["finalizedAt"]
        start, end = _paris(closure["startedAt"]), _paris(closure["finalizedAt"])
        for order in closure["orders"]:
            opened, closed = _paris(order["openedAt"]), _paris(order["closedAt"])
            assert start <= opened <= closed <= end


# --- calendar ---------------------------------------------------------------------------------


def test_calendar(real_closures: list[dict[str, Any]]) -> None:
    days = Counter(_service_day(c) for c in real_closures)
    assert min(days) >= DEMO_FIRST_DAY and max(days) <= DEMO_LAST_DAY
    assert len(days) >= 100
    assert all(day.weekday() != 0 for day in days), "closed on Mondays"
    every_day = [
        DEMO_FIRST_DAY + timedelta(days=n) for n in range((DEMO_LAST_DAY - DEMO_FIRST_DAY).days + 1)
    ]
    assert [d for d in every_day if d.weekday() != 0 and d not in days] == []
    two_closure_days = [day for day, n in days.items() if n == 2]
    assert len(two_closure_days) >= 10
    assert all(day.weekday() == 5 for day in two_closure_days)
    for closure in real_closures:
        assert 30 <= len(closure["orders"]) <= 70
        assert all(1 <= len(o["items"]) <= 7 for o in closure["orders"])


def test_dinner_closes_after_midnight(real_closures: list[dict[str, Any]]) -> None:
    dinners = [c for c in real_closures if _paris(c["startedAt"]).hour >= 17]
    after_midnight = 0
    for closure in dinners:
        day = _service_day(closure)
        end = _paris(closure["finalizedAt"])
        assert end.date() == day + timedelta(days=1) and 1 <= end.hour <= 2
        late = [o for o in closure["orders"] if _paris(o["openedAt"]).date() > day]
        after_midnight += bool(late)
    assert after_midnight >= len(dinners) * 0.7


def test_one_training_closure(closures: list[dict[str, Any]]) -> None:
    training = [c for c in closures if c["isTraining"]]
    assert len(training) == 1
    assert _service_day(training[0]) == date(2026, 7, 14)
    assert training[0]["orders"]
    same_day = [c for c in closures if _service_day(c) == date(2026, 7, 14)]
    assert len(same_day) == 2


# --- special cases ----------------------------------------------------------------------------


def test_special_lines_and_orders(real_closures: list[dict[str, Any]]) -> None:
    live_orders = [o for c in real_closures for o in _live_orders(c)]
    items = [i for o in live_orders for i in o["items"]]
    assert sum(1 for i in items if i["isCanceled"] and i["cancelReason"]) >= 1
    assert sum(1 for c in real_closures for o in c["orders"] if o["isCanceled"]) >= 1
    assert sum(1 for i in items if i.get("x_offered") and not i["isCanceled"]) >= 1
    losses = [i for i in items if i["isLoss"]]
    assert 1 <= len(losses) <= 5 and all(i["lossReason"] == "Casse" for i in losses)
    line_discounts = [
        i for i in items if any(d["name"] == "Remise 10%" for d in i.get("x_discounts", []))
    ]
    assert line_discounts
    for item in line_discounts:
        gross = item["quantity"] * item["unitPrice"]
        assert item["total"] == gross - int(gross * 0.1 + 0.5)
    discounted = [o for o in live_orders if o.get("x_orderDiscounts")]
    assert discounted
    for order in discounted:
        items_total = sum(i["total"] for i in order["items"] if not i["isCanceled"])
        assert _order_discount(order) == int(items_total * 0.1 + 0.5)
        assert order["total"] < items_total


def test_cancellations_are_reported(real_closures: list[dict[str, Any]]) -> None:
    for closure in real_closures:
        expected = 0
        for order in closure["orders"]:
            for item in order["items"]:
                if order["isCanceled"] or item["isCanceled"]:
                    expected += item["total"]
        assert sum(c["amount"] for c in closure["reportCancellations"]) == expected


def test_library(library: list[dict[str, str]]) -> None:
    wines = [row for row in library if row["kind"] == "wine"]
    assert len(wines) >= 150
    assert {row["colour"] for row in wines} == {"red", "white", "rose", "sparkling"}
    colours = Counter(row["colour"] for row in wines)
    assert min(colours.values()) >= 5
    assert {row["kind"] for row in library} == {"wine", "beer", "spirit", "soft"}
    ids = [row["library_ref_id"] for row in library]
    assert len(set(ids)) == len(ids) and all(i.startswith("LIB-") for i in ids)
    assert any(row["vintage"] == "" for row in wines if row["appellation"] == "Champagne")
    assert {"150", "37.5"} <= {row["format_cl"] for row in wines}
    for row in wines:
        assert row["vintage"] == "" or 2014 <= int(row["vintage"]) <= 2023
        assert int(row["sale_price_ttc_cents"]) > int(row["purchase_cost_ht_cents"]) > 0


def test_catalogue(catalog: dict[str, dict[str, Any]], closures: list[dict[str, Any]]) -> None:
    assert 260 <= len(catalog) <= 320
    subs = Counter(p["subCategories"][0]["name"] for p in catalog.values())
    assert subs["Vin bouteille"] >= 100 and 35 <= subs["Vin au verre"] <= 45
    for product in catalog.values():
        price = product["priceList"][0]
        assert price["priceTypeId"] == 0 and price["priceTypeName"] == "Normal"
        expected_rate = (
            1000
            if product["category"] in ("Softs", "Boissons chaudes", "Planches", "Plats", "Desserts")
            else 2000
        )
        assert price["taxRate"] == expected_rate
    sold = {i["itemCatalogId"] for i in _all_items(closures)}
    never_sold = [pid for pid in catalog if pid not in sold]
    cases = defaultdict(list)
    for case, product_id, label in special_cases():
        assert catalog[product_id]["name"] == label
        cases[case].append(product_id)
    assert sorted(never_sold) == sorted(cases["never_sold"])
    assert 8 <= len(cases["almost"]) <= 12 and len(cases["not_in_library"]) == 8


def test_almost_labels_show_another_vintage(library: list[dict[str, str]]) -> None:
    """An "almost" label shows a vintage the library does not hold for that wine."""
    catalog = build_catalog(build_library())
    held = {
        (r["producer"], r["cuvee"], r["appellation"], r["colour"], r["format_cl"], r["vintage"])
        for r in library
    }
    for product in catalog.almost:
        wine = product.library_ref
        assert wine is not None and wine.vintage
        match = re.search(r"'(\d\d)\b|\b(20\d\d)\b", product.name)
        assert match, product.name
        shown = match.group(2) or "20" + match.group(1)
        assert shown != wine.vintage
        key = (wine.producer, wine.cuvee, wine.appellation, wine.colour, wine.format_cl)
        assert (*key, wine.vintage) in held and (*key, shown) not in held


# --- determinism ------------------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def test_byte_identical_across_runs(tmp_path: Path, demo: Path) -> None:
    first = _digest(generate_demo(tmp_path / "a"))
    second = _digest(generate_demo(tmp_path / "b"))
    assert first == second == _digest(demo)
    assert set(first) == {
        "scenario.json",
        "catalog.json",
        "closures.jsonl",
        "library.csv",
        "links.csv",
    }
