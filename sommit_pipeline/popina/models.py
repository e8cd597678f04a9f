"""Typed views of Popina's read API payloads (``reference/popina-api.md`` §B).

Only the fields the pipeline relies on are declared; unknown fields are ignored so that Popina can
add fields without breaking us. Money is *strict* integer cents: an amount sent as ``12.5``
(euros instead of cents) is rejected rather than silently rounded.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

Cents = StrictInt
# Popina writes taxRate as percent x 100 (2000 = 20 %).
TaxRate = Annotated[StrictInt, Field(ge=0, le=10000)]


class _PopinaModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Price(_PopinaModel):
    price_type_id: int = Field(0, alias="priceTypeId")
    price_type_name: str = Field("Normal", alias="priceTypeName")
    unit_price: Cents = Field(alias="unitPrice")
    tax_rate: TaxRate = Field(alias="taxRate")


class SubCategory(_PopinaModel):
    id: str | None = None
    name: str


class Product(_PopinaModel):
    """A ``GET /v1/catalog/`` product."""

    id: str
    name: str
    category: str | None = None
    category_id: str | None = Field(None, alias="categoryId")
    sub_categories: list[SubCategory] = Field(default_factory=list, alias="subCategories")
    price_list: list[Price] = Field(default_factory=list, alias="priceList")


class LineTax(_PopinaModel):
    tax_name: str | None = Field(None, alias="taxName")
    tax_rate: TaxRate = Field(alias="taxRate")
    tax_amount: Cents | None = Field(None, alias="taxAmount")
    taxable_amount: Cents | None = Field(None, alias="taxableAmount")


class NamedAmount(_PopinaModel):
    name: str
    amount: Cents


class OrderItem(_PopinaModel):
    description: str
    category: str | None = None
    sub_category: str | None = Field(None, alias="subCategory")
    quantity: float
    unit_price: Cents = Field(alias="unitPrice")
    total: Cents
    tier: str | None = None
    is_canceled: StrictBool = Field(False, alias="isCanceled")
    cancel_reason: str | None = Field(None, alias="cancelReason")
    is_loss: StrictBool = Field(False, alias="isLoss")
    loss_reason: str | None = Field(None, alias="lossReason")
    # Simulator extension (popina-api.md §D): Popina documents no "offered" field.
    x_offered: StrictBool = False
    tax: LineTax | None = None
    item_catalog_id: str | None = Field(None, alias="itemCatalogId")


class Payment(_PopinaModel):
    payment_name: str | None = Field(None, alias="paymentName")
    payment_amount: Cents = Field(alias="paymentAmount")


class Order(_PopinaModel):
    """A ``GET /v1/orders`` order, with its lines."""

    id: str
    report_id: str | None = Field(None, alias="reportId")
    order_number: str | None = Field(None, alias="orderNumber")
    opened_at: AwareDatetime | None = Field(None, alias="openedAt")
    closed_at: AwareDatetime | None = Field(None, alias="closedAt")
    total: Cents
    is_canceled: StrictBool = Field(False, alias="isCanceled")
    items: list[OrderItem]
    payments: list[Payment] = Field(default_factory=list)


class ReportPayment(_PopinaModel):
    payment_name: str | None = Field(None, alias="paymentName")
    payment_amount: Cents = Field(alias="paymentAmount")


class ReportCancellation(_PopinaModel):
    quantity: float = 0
    amount: Cents = 0
    after_finalization: StrictBool = Field(False, alias="afterFinalization")


class Report(_PopinaModel):
    """A ``GET /v1/reports`` closure (clôture)."""

    id: str
    created_at: AwareDatetime | None = Field(None, alias="createdAt")
    updated_at: AwareDatetime | None = Field(None, alias="updatedAt")
    started_at: AwareDatetime = Field(alias="startedAt")
    finalized_at: AwareDatetime | None = Field(None, alias="finalizedAt")
    is_training: StrictBool = Field(False, alias="isTraining")
    report_number: int | None = Field(None, alias="reportNumber")
    total_sales: Cents = Field(alias="totalSales")
    report_payments: list[ReportPayment] = Field(default_factory=list, alias="reportPayments")
    report_cancellations: list[ReportCancellation] = Field(
        default_factory=list, alias="reportCancellations"
    )

    @property
    def is_finalized(self) -> bool:
        return self.finalized_at is not None


class PageMeta(_PopinaModel):
    total_page: StrictInt = Field(alias="totalPage", ge=0)
    total_count: StrictInt = Field(alias="totalCount", ge=0)
    current_page_index: StrictInt = Field(alias="currentPageIndex", ge=0)
    page_size: StrictInt = Field(alias="pageSize", ge=1)
