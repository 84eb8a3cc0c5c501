"""From records of a file to parsed rows: every cell checked, every problem of a row reported at once.

A purchase is one or more consecutive rows with the same order number. If any of its rows is broken the whole
order is rejected, so no purchase is ever imported without some of its lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import partial
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
# Parsed values remembered per field: days, prices, SKUs, stores and returning customers repeat all through a file.
MEMO_SIZE = 4_096
_MISS = object()


def _readers(today: date) -> dict[str, Callable[[str, str], Any]]:
    """How each field is read (the same field name means the same thing in every kind of file)."""
    text = values.text
    return {
        "customer_id": values.customer_code, "full_name": partial(text, max_length=120), "phone": values.phone,
        "alt_phone": values.phone, "email": values.email, "address_line": partial(text, max_length=300),
        "address_line2": partial(text, max_length=300), "city": partial(text, max_length=80),
        "state": partial(text, max_length=80), "pin_code": values.pin_code, "gstin": values.gstin,
        "customer_since": partial(values.day, today=today, required=False),
        "sku": partial(text, max_length=40, required=True), "name": partial(text, max_length=200, required=True),
        "brand": partial(text, max_length=80), "category": partial(text, max_length=60),
        "model_number": partial(text, max_length=60, required=True),
        "warranty_months": partial(values.whole_number, low=0, high=240, default=0), "hsn": values.hsn,
        "gst_rate": values.gst_rate_basis_points,
        "order_number": partial(text, max_length=40, required=True), "store": partial(text, max_length=120, required=True),
        "channel": partial(values.choice, allowed=CHANNELS, default=Channel.STORE.value),
        "purchased_on": partial(values.day, today=today), "created_at": partial(values.day, today=today),
        "payment_status": partial(values.choice, allowed=PAYMENT_STATUSES, default=PaymentStatus.PAID.value),
        "financial_status": partial(values.choice, allowed=SHOPIFY_STATUSES, default=PaymentStatus.PAID.value),
        "total": values.money_paise, "amount_due": values.money_paise, "order_tax": values.money_paise,
        "store_gstin": values.gstin, "location": partial(text, max_length=120), "source": partial(text, max_length=40),
        "serial_number": partial(text, max_length=60), "quantity": values.quantity,
        "unit_price": partial(values.money_paise, required=True), "line_tax": values.money_paise,
    }


class Plan:
    """Where each field is in this file and how it is read, worked out once per file."""

    def __init__(self, layout: Layout, column_name: Callable[[str], str], today: date) -> None:
        self.layout = layout
        self.fields: dict[str, tuple[str | None, str, Callable, dict]] = {}
        # A column the file does not have reads as empty on every row: its value is worked out once, here.
        self.absent: dict[str, Any] = {}
        for name, reader in _readers(today).items():
            key = layout.keys.get(name)
            self.fields[name] = (key, column_name(key) if key else name, reader, {})
            if key is None:
                try:
                    self.absent[name] = reader("", name)
                except values.FieldError:
                    pass  # required columns are checked when the layout is resolved
        self.person_fields = [(name, attribute) for name, attribute in _PERSON_FIELDS.items() if name in layout.keys]

    def column(self, name: str) -> str:
        return self.fields[name][1]


class Cells:
    """One record read through the plan; problems are collected, not raised, so all of a row's are reported."""

    __slots__ = ("record", "plan", "rejections")

    def __init__(self, record: Record, plan: Plan) -> None:
        self.record = record
        self.plan = plan
        self.rejections: list[Rejection] = []
        if record.extra:
            self.rejections.append(Rejection(record.row, "", "has more cells than the header has columns"))

    def raw(self, name: str) -> str:
        key = self.plan.fields[name][0]
        return self.record.cells.get(key, "") if key else ""

    def read(self, name: str) -> Any:
        key, column, reader, memo = self.plan.fields[name]
        if key is None and name in self.plan.absent:
            return self.plan.absent[name]
        raw = self.record.cells.get(key, "") if key else ""
        found = memo.get(raw, _MISS)
        if found is not _MISS:
            return found
        try:
            found = reader(raw, column)
        except values.FieldError as exc:
            self.rejections.append(Rejection(self.record.row, exc.column, exc.reason))
            return None
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[raw] = found
        return found


# PersonRow's attribute for each field; a field the file has no column for keeps PersonRow's default (None).
_PERSON_FIELDS = {"customer_id": "customer_code", "full_name": "full_name", "phone": "phone", "alt_phone": "alt_phone",
                  "email": "email", "address_line": "address_line", "city": "city", "state": "state",
                  "pin_code": "pin_code", "gstin": "gstin", "customer_since": "customer_since"}


def _person(cells: Cells) -> PersonRow:
    read = cells.read
    return PersonRow(**{attribute: read(name) for name, attribute in cells.plan.person_fields})


def parse_products(records: Iterable[Record], plan: Plan) -> Iterator[Parsed]:
    for record in records:
        cells = Cells(record, plan)
        read = cells.read
        row = ProductRow(row=record.row, sku=read("sku"), name=read("name"), brand=read("brand") or "",
                         category=read("category") or "", model_number=read("model_number"),
                         warranty_months=read("warranty_months"), hsn_code=read("hsn"),
                         gst_rate_basis_points=read("gst_rate"))
        yield cells.rejections or row


def parse_customers(records: Iterable[Record], plan: Plan) -> Iterator[Parsed]:
    for record in records:
        cells = Cells(record, plan)
        person = _person(cells)
        if not cells.rejections and not person.is_findable:
            cells.rejections.append(Rejection(record.row, "", "has no customer ID, phone or e-mail: a re-run could not "
                                                              "find this customer again, so it would be added twice"))
        yield cells.rejections or CustomerRow(record.row, person)


def group_orders(records: Iterable[Record], order_key: str) -> Iterator[list[Record]]:
    """Consecutive records with the same order number; a run of rows without one belongs to no order."""
    group: list[Record] = []
    current: str | None = None
    for record in records:
        number = record.cells.get(order_key, "").strip()
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
    read = cells.read
    return LineRow(row=cells.record.row, sku=read("sku"), quantity=read("quantity"), unit_price_paise=read("unit_price"),
                   serial_number=read("serial_number"), tax_paise=read("line_tax"), hsn_code=read("hsn"))


def _order_of(group: list[Record], plan: Plan, order_fields: Callable[[Cells], OrderRow]) -> Parsed:
    rejections: list[Rejection] = []
    order: OrderRow | None = None
    if len(group) > MAX_LINES_PER_ORDER:
        return _reject_order(group, [Rejection(group[0].row, plan.column("order_number"),
                                               f"the order has more than {MAX_LINES_PER_ORDER} lines")])
    for position, record in enumerate(group):
        cells = Cells(record, plan)
        if position == 0:
            order = order_fields(cells)
        line = _line(cells)
        rejections += cells.rejections
        if order is not None and not cells.rejections:
            order.lines.append(line)
    if order is not None and not rejections and not order.person.is_findable:
        reason = ("has a name but no phone, e-mail or customer ID: a re-run could not find this customer again"
                  if order.person.full_name else
                  "names no customer: give a customer ID, or the buyer's name with a phone or e-mail")
        rejections.append(Rejection(order.row, "", reason))
    return _reject_order(group, rejections) if rejections else order


def _desk_order(cells: Cells) -> OrderRow:
    read = cells.read
    return OrderRow(row=cells.record.row, order_number=read("order_number"), store=read("store"),
                    channel=read("channel"), purchased_on=read("purchased_on"), payment_status=read("payment_status"),
                    person=_person(cells), total_paise=read("total"), amount_due_paise=read("amount_due") or 0,
                    tax_paise=read("order_tax"), store_gstin=read("store_gstin"))


def _shopify_order(cells: Cells) -> OrderRow:
    read = cells.read
    location = read("location")
    # Shopify's own POS writes "pos" as the source; an order with no location was sold online.
    in_store = bool(location) or values.clean(cells.raw("source")).lower() == "pos"
    person = _person(cells)
    address = ", ".join(part for part in (person.address_line, read("address_line2")) if part)
    if address and len(address) <= 300:
        person.address_line = address
    status = values.clean(cells.raw("financial_status")).lower()
    if status == "voided":
        cells.rejections.append(Rejection(cells.record.row, cells.plan.column("financial_status"),
                                          "the order was voided: nothing was sold"))
    return OrderRow(row=cells.record.row, order_number=read("order_number"), store=location or SHOPIFY_ONLINE_STORE,
                    channel=Channel.STORE.value if in_store else Channel.ONLINE.value,
                    purchased_on=read("created_at"),
                    payment_status=PaymentStatus.PAID.value if status == "voided" else read("financial_status"),
                    person=person, total_paise=read("total"), amount_due_paise=read("amount_due") or 0,
                    tax_paise=read("order_tax"))


def parse_orders(records: Iterable[Record], plan: Plan) -> Iterator[Parsed]:
    order_fields = _shopify_order if plan.layout.format == "shopify" else _desk_order
    for group in group_orders(records, plan.layout.keys["order_number"]):
        yield _order_of(group, plan, order_fields)
