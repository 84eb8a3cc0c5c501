"""From records of a file to parsed rows: every cell checked, every problem of a row reported at once.

A purchase is one or more consecutive rows with the same order number. If any of its rows is broken the whole
order is rejected, so no purchase is ever imported without some of its lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from helpdesk.imports import values
from helpdesk.imports.columns import Layout
from helpdesk.imports.rows import CustomerRow, LineRow, OrderRow, PersonRow, ProductRow, Rejection
from helpdesk.imports.source import Record
from helpdesk.sales.models import Channel, PaymentStatus

Parsed = Any  # ProductRow | CustomerRow | OrderRow, or a list of Rejections
CHANNELS = {channel.value: channel.value for channel in Channel}
PAYMENT_STATUSES = {status.value: status.value for status in PaymentStatus} | {"partially_paid": PaymentStatus.PARTIAL}
# Shopify's financial statuses; a voided order sold nothing and is refused with its reason.
SHOPIFY_STATUSES = {"paid": PaymentStatus.PAID, "pending": PaymentStatus.PENDING, "authorized": PaymentStatus.PENDING,
                    "partially_paid": PaymentStatus.PARTIAL, "refunded": PaymentStatus.REFUNDED,
                    "partially_refunded": PaymentStatus.PAID}
MAX_LINES_PER_ORDER = 1_000
SHOPIFY_ONLINE_STORE = "Online store"


class Cells:
    """One record's cells read through the layout; problems are collected, not raised, so all are reported."""

    def __init__(self, record: Record, layout: Layout, column_name: Callable[[str], str]) -> None:
        self.record = record
        self.layout = layout
        self.column_name = column_name
        self.rejections: list[Rejection] = []
        if record.extra:
            self.rejections.append(Rejection(record.row, "", "has more cells than the header has columns"))

    def raw(self, name: str) -> str:
        key = self.layout.keys.get(name)
        return self.record.cells.get(key, "") if key else ""

    def read(self, name: str, reader: Callable[..., Any], **options: Any) -> Any:
        key = self.layout.keys.get(name)
        column = self.column_name(key) if key else name
        try:
            return reader(self.record.cells.get(key, "") if key else "", column, **options)
        except values.FieldError as exc:
            self.rejections.append(Rejection(self.record.row, exc.column, exc.reason))
            return None


def _person(cells: Cells, *, with_since: bool = False, today: date | None = None) -> PersonRow:
    person = PersonRow(
        customer_code=cells.read("customer_id", values.customer_code),
        full_name=cells.read("full_name", values.text, max_length=120),
        phone=cells.read("phone", values.phone),
        alt_phone=cells.read("alt_phone", values.phone),
        email=cells.read("email", values.email),
        address_line=cells.read("address_line", values.text, max_length=300),
        city=cells.read("city", values.text, max_length=80),
        state=cells.read("state", values.text, max_length=80),
        pin_code=cells.read("pin_code", values.pin_code),
        gstin=cells.read("gstin", values.gstin),
    )
    if with_since and cells.layout.has("customer_since") and values.clean(cells.raw("customer_since")):
        person.customer_since = cells.read("customer_since", values.day, today=today)
    return person


def parse_products(records: Iterable[Record], layout: Layout, column_name: Callable[[str], str]) -> Iterator[Parsed]:
    for record in records:
        cells = Cells(record, layout, column_name)
        row = ProductRow(
            row=record.row,
            sku=cells.read("sku", values.text, max_length=40, required=True),
            name=cells.read("name", values.text, max_length=200, required=True),
            brand=cells.read("brand", values.text, max_length=80) or "",
            category=cells.read("category", values.text, max_length=60) or "",
            model_number=cells.read("model_number", values.text, max_length=60, required=True),
            warranty_months=cells.read("warranty_months", values.whole_number, low=0, high=240, default=0),
            hsn_code=cells.read("hsn", values.hsn),
            gst_rate_basis_points=cells.read("gst_rate", values.gst_rate_basis_points),
        )
        yield cells.rejections or row


def parse_customers(records: Iterable[Record], layout: Layout, column_name: Callable[[str], str], *,
                    today: date) -> Iterator[Parsed]:
    for record in records:
        cells = Cells(record, layout, column_name)
        person = _person(cells, with_since=True, today=today)
        if not cells.rejections and not person.is_findable:
            cells.rejections.append(Rejection(record.row, "", "has no customer ID, phone or e-mail: a re-run could not "
                                                              "find this customer again, so it would be added twice"))
        yield cells.rejections or CustomerRow(record.row, person)


def group_orders(records: Iterable[Record], order_key: str) -> Iterator[list[Record]]:
    """Consecutive records with the same order number; a run of rows without one belongs to no order."""
    group: list[Record] = []
    current: str | None = None
    for record in records:
        number = values.clean(record.cells.get(order_key, ""))
        if group and (number != current or not number):
            yield group
            group = []
        current = number
        group.append(record)
    if group:
        yield group


def _reject_order(group: list[Record], rejections: list[Rejection]) -> list[Rejection]:
    """Every row of a broken order is listed: its own problem, or that another row of the order was broken."""
    broken = {rejection.row for rejection in rejections}
    first = rejections[0]
    others = [Rejection(record.row, first.column, f"not imported: row {first.row} of the same order is rejected")
              for record in group if record.row not in broken]
    return sorted(rejections + others, key=lambda rejection: rejection.row)


def _line(cells: Cells) -> LineRow:
    return LineRow(
        row=cells.record.row,
        sku=cells.read("sku", values.text, max_length=40, required=True),
        quantity=cells.read("quantity", values.quantity),
        unit_price_paise=cells.read("unit_price", values.money_paise, required=True),
        serial_number=cells.read("serial_number", values.text, max_length=60),
        tax_paise=cells.read("line_tax", values.money_paise),
        hsn_code=cells.read("hsn", values.hsn),
    )


def _order_of(group: list[Record], layout: Layout, column_name: Callable[[str], str], today: date,
              order_fields: Callable[[Cells, date], OrderRow]) -> Parsed:
    rejections: list[Rejection] = []
    order: OrderRow | None = None
    if len(group) > MAX_LINES_PER_ORDER:
        return _reject_order(group, [Rejection(group[0].row, column_name(layout.keys["order_number"]),
                                               f"the order has more than {MAX_LINES_PER_ORDER} lines")])
    for position, record in enumerate(group):
        cells = Cells(record, layout, column_name)
        if position == 0:
            order = order_fields(cells, today)
        line = _line(cells)
        rejections += cells.rejections
        if order is not None and not cells.rejections:
            order.lines.append(line)
    if order is not None and not rejections and not order.person.is_findable and not order.person.full_name:
        rejections.append(Rejection(order.row, "", "names no customer: give a customer ID, or the buyer's name with "
                                                   "a phone or e-mail"))
    elif order is not None and not rejections and not order.person.is_findable:
        rejections.append(Rejection(order.row, "", "has a name but no phone, e-mail or customer ID: a re-run could not "
                                                   "find this customer again"))
    return _reject_order(group, rejections) if rejections else order


def _desk_order(cells: Cells, today: date) -> OrderRow:
    return OrderRow(
        row=cells.record.row,
        order_number=cells.read("order_number", values.text, max_length=40, required=True),
        store=cells.read("store", values.text, max_length=120, required=True),
        channel=cells.read("channel", values.choice, allowed=CHANNELS, default=Channel.STORE.value),
        purchased_on=cells.read("purchased_on", values.day, today=today),
        payment_status=cells.read("payment_status", values.choice, allowed=PAYMENT_STATUSES,
                                  default=PaymentStatus.PAID.value),
        person=_person(cells),
        total_paise=cells.read("total", values.money_paise),
        amount_due_paise=cells.read("amount_due", values.money_paise) or 0,
        tax_paise=cells.read("order_tax", values.money_paise),
        store_gstin=cells.read("store_gstin", values.gstin),
    )


def _shopify_order(cells: Cells, today: date) -> OrderRow:
    location = cells.read("location", values.text, max_length=120)
    # Shopify's own POS writes "pos" as the source; an order with no location was sold online.
    in_store = bool(location) or values.clean(cells.raw("source")).lower() == "pos"
    address = ", ".join(part for part in (values.clean(cells.raw("address_line")),
                                          values.clean(cells.raw("address_line2"))) if part)
    person = _person(cells)
    if address and len(address) <= 300:
        person.address_line = address
    status = values.clean(cells.raw("financial_status")).lower()
    if status == "voided":
        cells.rejections.append(Rejection(cells.record.row, cells.column_name(cells.layout.keys["financial_status"]),
                                          "the order was voided: nothing was sold"))
    return OrderRow(
        row=cells.record.row,
        order_number=cells.read("order_number", values.text, max_length=40, required=True),
        store=location or SHOPIFY_ONLINE_STORE,
        channel=Channel.STORE.value if in_store else Channel.ONLINE.value,
        purchased_on=cells.read("created_at", values.day, today=today),
        payment_status=(PaymentStatus.PAID.value if status in ("", "voided") else
                        cells.read("financial_status", values.choice, allowed=SHOPIFY_STATUSES, default="paid")),
        person=person,
        total_paise=cells.read("total", values.money_paise),
        amount_due_paise=cells.read("amount_due", values.money_paise) or 0,
        tax_paise=cells.read("order_tax", values.money_paise),
    )


def parse_orders(records: Iterable[Record], layout: Layout, column_name: Callable[[str], str], *,
                 today: date) -> Iterator[Parsed]:
    order_fields = _shopify_order if layout.format == "shopify" else _desk_order
    for group in group_orders(records, layout.keys["order_number"]):
        yield _order_of(group, layout, column_name, today, order_fields)
