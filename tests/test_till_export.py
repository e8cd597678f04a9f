"""Converting a till export (order lines + price list) into a scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sommit_pipeline.scenarios.format import ScenarioError, iter_closures, read_catalog
from sommit_pipeline.scenarios.till_export import (
    cached_conversion,
    convert_till_export,
    product_id,
)

ORDERS = """Order Number,Order Date,Item Name,Quantity
12,4/8/2019 0:35,COBRA (330ML),2
11,3/8/2019 20:25,"Chicken Tikka; ""hot"" 🌶",1
11,3/8/2019 20:25,House white wine 75cl,1
10,3/8/2019 19:05,COBRA (330ML),3
"""
PRICES = (
    "\ufeffItem Name,Product Price\r\nCOBRA (330ML),3.95\r\n"
    '"Chicken Tikka; ""hot"" 🌶",8.95\r\nHouse white wine 75cl,17.95\r\n'
)


def write(tmp_path: Path, orders: str = ORDERS, prices: str = PRICES) -> tuple[Path, Path]:
    (tmp_path / "orders.csv").write_text(orders, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(prices, encoding="utf-8")
    return tmp_path / "orders.csv", tmp_path / "prices.csv"


def test_one_closure_per_day_with_labels_quantities_and_prices_untouched(tmp_path):
    orders, prices = write(tmp_path)
    folder = convert_till_export(orders, prices, tmp_path / "s", name="t")
    closures = list(iter_closures(folder))
    assert [c["totalSales"] for c in closures] == [
        3 * 395 + 895 + 1795,  # 3 August: orders 10 and 11
        2 * 395,  # 4 August, 00:35: a day of its own, as the export dates it
    ]
    first = closures[0]
    assert [o["orderNumber"] for o in first["orders"]] == ["10", "11"]
    tikka = first["orders"][1]["items"][0]
    assert tikka["description"] == 'Chicken Tikka; "hot" 🌶'
    assert (tikka["quantity"], tikka["unitPrice"], tikka["total"]) == (1, 895, 895)
    assert tikka["itemCatalogId"] == product_id('Chicken Tikka; "hot" 🌶')
    # 19:05 London (BST, UTC+1) is 18:05 UTC; the closure starts at 10:00 London.
    assert first["orders"][0]["openedAt"] == "2019-08-03T18:05:00Z"
    assert first["startedAt"] == "2019-08-03T09:00:00Z"
    # 00:35 on the 4th: the closure starts a minute before its first order.
    assert closures[1]["startedAt"] == "2019-08-03T23:34:00Z"
    catalog = {p["name"]: p for p in read_catalog(folder)}
    assert catalog["House white wine 75cl"]["category"] == "Drinks"
    assert catalog['Chicken Tikka; "hot" 🌶']["category"] == "Food"
    assert catalog["COBRA (330ML)"]["priceList"][0]["unitPrice"] == 395


def test_conversion_is_cached_by_content(tmp_path):
    orders, prices = write(tmp_path)
    first = cached_conversion(orders, prices, name="t", cache_dir=tmp_path / "cache")
    again = cached_conversion(orders, prices, name="t", cache_dir=tmp_path / "cache")
    assert first == again and (first / ".complete").is_file()
    prices.write_text(PRICES.replace("3.95", "4.10"), encoding="utf-8")
    changed = cached_conversion(orders, prices, name="t", cache_dir=tmp_path / "cache")
    assert changed != first
    assert json.loads((changed / "catalog.json").read_text())[0]["priceList"][0]["unitPrice"] == 410


@pytest.mark.parametrize(
    ("orders", "prices", "message"),
    [
        (
            "Order,Date,Item,Qty\n1,3/8/2019 20:25,X,1\n",
            PRICES,
            "missing column(s) Order Number, Order Date, Item Name, Quantity",
        ),
        (
            ORDERS.replace("3/8/2019 19:05", "2019-08-03 19:05"),
            PRICES,
            "orders.csv:5: Order Date '2019-08-03 19:05' is not D/M/YYYY H:MM",
        ),
        (ORDERS.replace(",3\n", ",three\n"), PRICES, "orders.csv:5: Quantity 'three'"),
        (ORDERS, PRICES.replace("17.95", "17.955"), "'17.955' is not a whole cent amount"),
        (
            ORDERS,
            PRICES.replace("House white wine 75cl,17.95\r\n", ""),
            "labels without a price in",
        ),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_a_clear_error(tmp_path, orders, prices, message):
    orders_csv, prices_csv = write(tmp_path, orders, prices)
    with pytest.raises(ScenarioError) as err:
        convert_till_export(orders_csv, prices_csv, tmp_path / "s", name="t")
    assert message in str(err.value)
    assert not (tmp_path / "s").exists()  # nothing half written
