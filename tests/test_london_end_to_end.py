"""End to end on a real till stream: the London take-away export (74,818 lines, 1,207 days).

Convert it, serve it from the simulator, backfill every day in one run, then check DuckDB
against the CSV itself, read here independently of the converter.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sommit_pipeline.scenarios.till_export import cached_conversion
from sommit_pipeline.simulator.server import PopinaSimulator
from tests.conftest import API_KEY, SHARED, Pipeline

EXPORT = SHARED / "data" / "external" / "pos_takeaway_london_restaurant1"
ORDERS_CSV = EXPORT / "restaurant-1-orders.csv"
PRICES_CSV = EXPORT / "restaurant-1-products-price.csv"
LONDON_DATA = Path(__file__).resolve().parents[1] / "data" / "london"

# Every drink of the price list, as typed in the till (SOURCE.md of the export).
DRINK_LABELS = {
    "Bottle Coke",
    "Bottle Diet Coke",
    "Lemonade 1.5 ltr",
    "Diet Coke 1.5 ltr",
    "Coke 1.5 ltr",
    "Perrier Water (750ml)",
    "Prier Water (750ml)",
    "Still Water (750ml)",
    "COBRA (330ML)",
    "COBRA ( LARGE )",
    "COBRA (660ML)",
    "House Red wine 75cl",
    "House white wine 75cl",
}

LAST_PRIER_SALE = date(2017, 11, 22)  # the newest "Prier Water" line of the CSV

pytestmark = pytest.mark.skipif(
    not ORDERS_CSV.is_file(),
    reason=f"the real London export is not there ({EXPORT}): ../shared is absent",
)


def read_export() -> tuple[list[dict[str, str]], dict[str, Decimal]]:
    with PRICES_CSV.open(encoding="utf-8-sig", newline="") as handle:
        prices = {row["Item Name"]: Decimal(row["Product Price"]) for row in csv.DictReader(handle)}
    with ORDERS_CSV.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    return lines, prices


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    from dagster import instance_for_test

    cache = tmp_path_factory.mktemp("cache")
    scenario = cached_conversion(
        ORDERS_CSV,
        PRICES_CSV,
        name="london",
        cache_dir=cache,
        library_csv=LONDON_DATA / "library.csv",
        links_csv=LONDON_DATA / "links.csv",
    )
    warehouse = tmp_path_factory.mktemp("warehouse") / "london.duckdb"
    with instance_for_test() as instance, PopinaSimulator(scenario, api_key=API_KEY) as sim:
        pipeline = Pipeline(sim, scenario, warehouse, instance)
        result = pipeline.run("2015-09-01", "2019-08-03")
        yield pipeline, result


def test_backfill_of_every_day_is_one_successful_run(london):
    pipeline, result = london
    assert result.success
    assert len(pipeline.instance.get_run_records()) == 1
    assert pipeline.query("SELECT count(*), count(DISTINCT service_day) FROM popina_closures") == [
        (1207, 1207)
    ]


def test_duckdb_holds_exactly_the_csv_lines(london):
    pipeline, _ = london
    lines, _ = read_export()
    expected = Counter((r["Order Number"], r["Item Name"], float(r["Quantity"])) for r in lines)
    stored = pipeline.query("SELECT order_number, label, quantity FROM popina_sales")
    assert len(stored) == len(lines) == 74818
    assert Counter(stored) == expected


def test_each_day_revenue_equals_quantity_times_price_to_the_cent(london):
    pipeline, _ = london
    lines, prices = read_export()
    expected: dict[date, int] = defaultdict(int)
    for row in lines:
        day = datetime.strptime(row["Order Date"], "%d/%m/%Y %H:%M").date()
        expected[day] += int(prices[row["Item Name"]] * 100 * int(row["Quantity"]))
    revenue = dict(
        pipeline.query("SELECT service_day, sum(total_ttc_cents) FROM revenue GROUP BY service_day")
    )
    assert len(expected) == 1207
    assert revenue == dict(expected)
    sales = dict(
        pipeline.query(
            "SELECT service_day, sum(total_ttc_cents) FROM popina_sales GROUP BY service_day"
        )
    )
    assert sales == dict(expected)


def test_every_drink_label_is_linked_or_waiting_to_be_synchronised(london):
    pipeline, _ = london
    linked = {
        label
        for (label,) in pipeline.query(
            "SELECT c.label FROM pos_links l JOIN popina_catalog c USING (pos_product_id) "
        )
    }
    waiting = {label for (label,) in pipeline.query("SELECT label FROM unmatched_items")}
    assert linked == {"COBRA (330ML)", "House Red wine 75cl"}
    assert DRINK_LABELS - linked <= waiting
    # the misspelt duplicate was sold: it waits, marked sold, with its last sale date
    assert pipeline.query(
        "SELECT is_sold, last_sale_day FROM unmatched_items WHERE label = 'Prier Water (750ml)'"
    ) == [(True, LAST_PRIER_SALE)]


def test_linked_sales_deplete_stock(london):
    pipeline, _ = london
    lines, _ = read_export()
    cobra_330 = sum(int(r["Quantity"]) for r in lines if r["Item Name"] == "COBRA (330ML)")
    depleted = pipeline.query(
        "SELECT sum(quantity) FROM stock_movements WHERE library_ref_id = 'LDN-001'"
    )[0][0]
    assert depleted == pytest.approx(cobra_330)
