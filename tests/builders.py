"""Small hand-made Popina closures for tests. Figures are chosen to be checked by hand.

The main fixture is the documented example closure (popina-api.md §D, service day 2025-03-14,
totalSales 9080), plus a second day (2025-03-15) with an order-level discount, a loss, a
cancelled order and a training closure, and a closed day (2025-03-16).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sommit_pipeline.scenarios.format import LIBRARY_COLUMNS, ScenarioMeta, write_scenario

DATA = Path(__file__).parent / "data"
LOCATION = "3b9f6e21-8c44-4d2e-b1a7-0000000000aa"

P_GLASS_CDR = "f0000000-0000-4000-8000-000000000001"
P_GLASS_CHABLIS = "f0000000-0000-4000-8000-000000000003"
P_BOTTLE_CHABLIS = "f0000000-0000-4000-8000-000000000004"
P_PLANCHE = "f0000000-0000-4000-8000-000000000005"
P_WATER = "f0000000-0000-4000-8000-000000000006"
P_KIR = "f0000000-0000-4000-8000-000000000007"
P_COFFEE = "f0000000-0000-4000-8000-000000000008"
P_MAGNUM_POMEROL = "f0000000-0000-4000-8000-000000000009"  # in the catalogue, never sold

DOC_REPORT_ID = "7d1c2a90-5f1e-4c7a-9a10-000000000045"
DAY2_REPORT_ID = "7d1c2a90-5f1e-4c7a-9a10-000000000046"
TRAINING_REPORT_ID = "7d1c2a90-5f1e-4c7a-9a10-0000000000ee"


def doc_closure() -> dict[str, Any]:
    return json.loads((DATA / "popina_doc_closure.json").read_text(encoding="utf-8"))


def product(pid: str, name: str, category: str, sub: str, cents: int, rate: int) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "category": category,
        "categoryId": None,
        "subCategories": [{"id": None, "name": sub}],
        "priceList": [
            {"priceTypeId": 0, "priceTypeName": "Normal", "unitPrice": cents, "taxRate": rate}
        ],
    }


CATALOG = [
    product(P_GLASS_CDR, "Verre Côtes-du-Rhône 12cl", "Vins", "Vin au verre", 650, 2000),
    product(P_GLASS_CHABLIS, "Verre Chablis 12cl", "Vins", "Vin au verre", 800, 2000),
    product(P_BOTTLE_CHABLIS, "Bouteille Chablis 75cl", "Vins", "Vin bouteille", 4200, 2000),
    product(P_PLANCHE, "Planche mixte", "Planches", "Planches", 1800, 1000),
    product(P_WATER, "Eau minérale 50cl", "Softs", "Eaux", 400, 1000),
    product(P_KIR, "Kir", "Apéritifs", "Apéritifs", 450, 2000),
    product(P_COFFEE, "Café", "Boissons chaudes", "Cafés", 250, 1000),
    product(
        P_MAGNUM_POMEROL, "MAG POMEROL CHT BEAUREGARD 2016", "Vins", "Vin bouteille", 18000, 2000
    ),
]

LIBRARY = [
    # library_ref_id, kind, producer, cuvee, appellation, region, colour, vintage, format_cl,
    # cost HT, price TTC, vat
    (
        "LIB-CDR",
        "wine",
        "Domaine de la Janasse",
        "",
        "Côtes du Rhône",
        "Rhône",
        "red",
        2022,
        75,
        600,
        3200,
        2000,
    ),
    (
        "LIB-CHABLIS",
        "wine",
        "Domaine William Fèvre",
        "",
        "Chablis",
        "Bourgogne",
        "white",
        2022,
        75,
        1400,
        4200,
        2000,
    ),
    ("LIB-WATER", "soft", "Evian", "Eau minérale", "", "", "", None, 50, 60, 400, 1000),
    (
        "LIB-POMEROL",
        "wine",
        "Château Beauregard",
        "",
        "Pomerol",
        "Bordeaux",
        "red",
        2016,
        150,
        6000,
        18000,
        2000,
    ),
]

LINKS = [
    {"pos_product_id": P_GLASS_CDR, "library_ref_id": "LIB-CDR", "serving_factor": 0.16},
    {"pos_product_id": P_BOTTLE_CHABLIS, "library_ref_id": "LIB-CHABLIS", "serving_factor": 1},
    {"pos_product_id": P_GLASS_CHABLIS, "library_ref_id": "LIB-CHABLIS", "serving_factor": 0.16},
]


def line(pid: str, name: str, qty: int, unit: int, total: int, rate: int, **extra: Any) -> dict:
    taxable = round(total * 10000 / (10000 + rate))
    return {
        "description": name,
        "category": "Vins",
        "subCategory": None,
        "quantity": qty,
        "unitPrice": unit,
        "total": total,
        "tier": "Normal",
        "isCanceled": False,
        "tax": {
            "taxName": "TVA",
            "taxRate": rate,
            "taxAmount": total - taxable,
            "taxableAmount": taxable,
        },
        "itemCatalogId": pid,
        **extra,
    }


def order(oid: str, report_id: str, at: str, total: int, items: list[dict], **extra: Any) -> dict:
    return {
        "id": oid,
        "reportId": report_id,
        "openedAt": at,
        "closedAt": at,
        "orderNumber": oid[-3:],
        "total": total,
        "isCanceled": False,
        "items": items,
        "payments": []
        if extra.get("isCanceled")
        else [{"paymentName": "Carte bancaire", "paymentAmount": total}],
        **extra,
    }


def day2_closure() -> dict[str, Any]:
    """2025-03-15, 18:00-23:30 Paris (UTC+1). Orders:
    - 201: bottle of Chablis 4200 + water 333 = 4533 rung, loyalty discount: order total 4080.
      Spread: 4200*4080/4533 = 3780.27 -> 3780, 333*4080/4533 = 299.72 -> 299, 1 cent left
      goes to the larger remainder (water): 3780 + 300 = 4080.
    - 202: cancelled order (2 glasses of Côtes-du-Rhône, 1300): earns and depletes nothing.
    - 203: a bottle of Chablis broken (loss, total 0) and 3 glasses of CdR 1950.
    totalSales = 4080 + 1950 = 6030."""
    rid = DAY2_REPORT_ID
    orders = [
        order(
            "0b000000-0000-4000-8000-000000000201",
            rid,
            "2025-03-15T18:30:00Z",
            4080,
            [
                line(P_BOTTLE_CHABLIS, "Bouteille Chablis 75cl", 1, 4200, 4200, 2000),
                line(P_WATER, "Eau minérale 50cl", 1, 333, 333, 1000),
            ],
            x_orderDiscounts=[{"name": "Remise fidélité", "amount": 453}],
        ),
        order(
            "0b000000-0000-4000-8000-000000000202",
            rid,
            "2025-03-15T19:00:00Z",
            1300,
            [
                line(P_GLASS_CDR, "Verre Côtes-du-Rhône 12cl", 2, 650, 1300, 2000),
            ],
            isCanceled=True,
            cancelReason="Client parti",
        ),
        order(
            "0b000000-0000-4000-8000-000000000203",
            rid,
            "2025-03-15T21:00:00Z",
            1950,
            [
                line(
                    P_BOTTLE_CHABLIS,
                    "Bouteille Chablis 75cl",
                    1,
                    4200,
                    0,
                    2000,
                    isLoss=True,
                    lossReason="Casse",
                ),
                line(P_GLASS_CDR, "Verre Côtes-du-Rhône 12cl", 3, 650, 1950, 2000),
            ],
        ),
    ]
    return {
        "id": rid,
        "createdAt": "2025-03-15T22:30:00Z",
        "updatedAt": "2025-03-15T22:30:00Z",
        "locationId": LOCATION,
        "startedAt": "2025-03-15T17:00:00Z",
        "finalizedAt": "2025-03-15T22:30:00Z",
        "isTraining": False,
        "reportNumber": 46,
        "totalSales": 6030,
        "reportPayments": [{"paymentName": "Carte bancaire", "paymentAmount": 6030}],
        "orders": orders,
    }


def training_closure() -> dict[str, Any]:
    """A training (school mode) closure on 2025-03-15: must be ignored entirely."""
    rid = TRAINING_REPORT_ID
    return {
        "id": rid,
        "createdAt": "2025-03-15T16:00:00Z",
        "locationId": LOCATION,
        "startedAt": "2025-03-15T15:00:00Z",
        "finalizedAt": "2025-03-15T16:00:00Z",
        "isTraining": True,
        "totalSales": 9999,
        "reportPayments": [{"paymentName": "Espèces", "paymentAmount": 9999}],
        "orders": [
            order(
                "0c000000-0000-4000-8000-000000000301",
                rid,
                "2025-03-15T15:30:00Z",
                9999,
                [line(P_KIR, "Kir", 1, 9999, 9999, 2000)],
            )
        ],
    }


def closures() -> list[dict[str, Any]]:
    return [doc_closure(), training_closure(), day2_closure()]


def write_test_scenario(folder: Path, closure_list: list[dict] | None = None) -> Path:
    library = [dict(zip(LIBRARY_COLUMNS, row, strict=True)) for row in LIBRARY]
    return write_scenario(
        folder,
        ScenarioMeta(name="test", location_id=LOCATION),
        copy.deepcopy(CATALOG),
        closure_list if closure_list is not None else closures(),
        library,
        LINKS,
    )


def simple_closure(
    report_id: str,
    started_at: str,
    finalized_at: str | None,
    total: int = 1000,
    updated_at: str | None = None,
) -> dict[str, Any]:
    """A closure with one order of one glass of Côtes-du-Rhône worth ``total`` cents."""
    recorded = finalized_at or started_at
    return {
        "id": report_id,
        "createdAt": recorded,
        "updatedAt": updated_at or recorded,
        "locationId": LOCATION,
        "startedAt": started_at,
        "finalizedAt": finalized_at,
        "isTraining": False,
        "totalSales": total,
        "reportPayments": [{"paymentName": "Carte bancaire", "paymentAmount": total}],
        "orders": [
            order(
                f"{report_id}-o1",
                report_id,
                started_at,
                total,
                [line(P_GLASS_CDR, "Verre Côtes-du-Rhône 12cl", 1, total, total, 2000)],
            )
        ],
    }
