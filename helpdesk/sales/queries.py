"""Reading a customer's purchases: pages of orders with their lines and warranty status, and items to pick from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select

from helpdesk.paging import Page, next_offset, parse_offset
from helpdesk.sales.models import Product, Purchase, PurchaseKind, PurchaseLine
from helpdesk.sales.service import warranty_status

PURCHASES_PER_PAGE = 10


@dataclass
class PurchaseLineView:
    line_id: int
    product_name: str
    category: str
    model_number: str
    serial_number: str | None
    quantity: int
    unit_price_paise: int
    warranty_months: int
    in_warranty: bool
    warranty_last_day: date
    warranty_label: str
    returned_quantity: int = 0
    returns_line_id: int | None = None

    @property
    def fully_returned(self) -> bool:
        return self.quantity > 0 and self.returned_quantity >= self.quantity


@dataclass
class PurchaseView:
    order_number: str
    purchased_on: date
    store: str
    channel: str
    payment_status: str
    total_paise: int
    amount_due_paise: int
    lines: list[PurchaseLineView] = field(default_factory=list)
    kind: str = PurchaseKind.SALE


# Built once at import: the customer page runs these while a caller waits (see customers/queries.py).
_PURCHASES = (
    select(Purchase.id, Purchase.order_number, Purchase.purchased_on, Purchase.store, Purchase.channel,
           Purchase.payment_status, Purchase.total_paise, Purchase.amount_due_paise, Purchase.kind)
    .where(Purchase.customer_id == bindparam("customer_id"))
    .order_by(col(Purchase.purchased_on).desc(), col(Purchase.id).desc())
    .limit(bindparam("limit")).offset(bindparam("offset"))
)

_LINES = (
    select(PurchaseLine.id, PurchaseLine.purchase_id, PurchaseLine.serial_number, PurchaseLine.quantity,
           PurchaseLine.unit_price_paise, Product.name, Product.category, Product.model_number, Product.warranty_months,
           PurchaseLine.returned_quantity, PurchaseLine.returns_line_id)
    .join(Product, col(Product.id) == PurchaseLine.product_id)
    .where(col(PurchaseLine.purchase_id).in_(bindparam("purchase_ids", expanding=True)))
    .order_by(col(PurchaseLine.id))
)


def purchases_page(session: Session, customer_id: int, *, today: date, cursor: str | None = None,
                   page_size: int = PURCHASES_PER_PAGE) -> Page[PurchaseView]:
    """Newest purchases first with their lines and warranty status: two queries per page."""
    offset = parse_offset(cursor)
    rows = session.execute(_PURCHASES, {"customer_id": customer_id, "limit": page_size + 1, "offset": offset}).all()
    shown = rows[:page_size]
    lines: dict[int, list[PurchaseLineView]] = defaultdict(list)
    if shown:
        bought_on = {row.id: row.purchased_on for row in shown}
        for (line_id, purchase_id, serial, quantity, price, name, category, model, months, returned,
             returns_line) in session.execute(_LINES, {"purchase_ids": list(bought_on)}):
            status = warranty_status(bought_on[purchase_id], months, on=today)
            view = PurchaseLineView(
                line_id=line_id, product_name=name, category=category, model_number=model, serial_number=serial,
                quantity=quantity, unit_price_paise=price, warranty_months=months, in_warranty=status.in_warranty,
                warranty_last_day=status.last_day, warranty_label=status.label, returned_quantity=returned,
                returns_line_id=returns_line,
            )
            if view.fully_returned or quantity < 0:
                # A returned item is no longer the customer's: no warranty to show or claim.
                view.in_warranty, view.warranty_label = False, "Returned" if quantity > 0 else "Credit note"
            elif returned:
                view.warranty_label += f" ({quantity - returned} of {quantity}; {returned} returned)"
            lines[purchase_id].append(view)
    items = [
        PurchaseView(order_number=row.order_number, purchased_on=row.purchased_on, store=row.store, channel=row.channel,
                     payment_status=row.payment_status, total_paise=row.total_paise, amount_due_paise=row.amount_due_paise,
                     lines=lines[row.id], kind=row.kind)
        for row in shown
    ]
    return Page(items=items, next_cursor=next_offset(offset, page_size, len(rows)))


@dataclass
class PurchasedItem:
    """One purchased item, for choosing it in a form."""

    line_id: int
    product_name: str
    model_number: str
    serial_number: str | None
    purchased_on: date
    order_number: str
    category: str = ""
    warranty_months: int = 0
    returned: bool = False  # every unit of the line came back (credit notes): no warranty claim


# Item pickers show this many at a time; a search box narrows longer lists (a customer may own hundreds).
ITEMS_PER_PAGE = 20
ITEM_QUERY_MAX = 60

_ITEM_COLUMNS = (PurchaseLine.id, Product.name, Product.model_number, PurchaseLine.serial_number,
                 Purchase.purchased_on, Purchase.order_number, Product.category, Product.warranty_months,
                 col(PurchaseLine.returned_quantity) >= col(PurchaseLine.quantity))


@dataclass
class ItemPage:
    """A page of a customer's items matching what was typed, newest first."""

    items: list[PurchasedItem]
    total: int
    page: int
    query: str
    page_size: int = ITEMS_PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _items_matching(customer_id: int, query: str):
    # Sale lines only: a credit note's lines (negative quantities) are not items the customer owns.
    conditions = [Purchase.customer_id == customer_id, col(PurchaseLine.quantity) > 0]
    if query:
        needle = query.lower()
        conditions.append(or_(*(func.lower(column).contains(needle, autoescape=True) for column in (
            col(Product.name), col(Product.model_number), col(PurchaseLine.serial_number), col(Purchase.order_number)))))
    return conditions


def _joined(statement):
    return (statement.select_from(PurchaseLine)
            .join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
            .join(Product, col(Product.id) == PurchaseLine.product_id))


def find_items(session: Session, customer_id: int, *, query: str = "", page: int = 1) -> ItemPage:
    """One page of the customer's items whose product, model, serial or order number contains `query`: two queries."""
    query = (query or "").strip()[:ITEM_QUERY_MAX]
    conditions = _items_matching(customer_id, query)
    total = session.exec(_joined(select(func.count(PurchaseLine.id))).where(*conditions)).one()
    pages = max(1, -(-total // ITEMS_PER_PAGE))
    page = min(max(page, 1), pages)  # a page past the end shows the last one
    rows = session.exec(
        _joined(select(*_ITEM_COLUMNS)).where(*conditions)
        .order_by(col(Purchase.purchased_on).desc(), col(PurchaseLine.id).desc())
        .offset((page - 1) * ITEMS_PER_PAGE).limit(ITEMS_PER_PAGE)
    ).all()
    return ItemPage(items=[PurchasedItem(*row) for row in rows], total=total, page=page, query=query)


def customer_item(session: Session, customer_id: int, line_id: int | None) -> PurchasedItem | None:
    """One of this customer's items by its line id (None if it is not theirs): the choice a form already holds."""
    if not line_id:
        return None
    row = session.exec(_joined(select(*_ITEM_COLUMNS)).where(PurchaseLine.id == line_id, col(PurchaseLine.quantity) > 0,
                                                             Purchase.customer_id == customer_id)).first()
    return PurchasedItem(*row) if row else None


@dataclass
class ItemWarranty:
    """The item a ticket is about: what it is, when it was bought, and its warranty today."""

    line_id: int
    product_name: str
    model_number: str
    serial_number: str | None
    purchased_on: date
    order_number: str
    in_warranty: bool
    warranty_last_day: date
    warranty_label: str


def item_warranty(session: Session, line_id: int | None, *, today: date) -> ItemWarranty | None:
    """Product, model, serial and warranty status of one purchased item: one query."""
    if line_id is None:
        return None
    row = session.exec(_joined(select(*_ITEM_COLUMNS)).where(PurchaseLine.id == line_id)).first()
    if row is None:
        return None
    item = PurchasedItem(*row)
    status = warranty_status(item.purchased_on, item.warranty_months, on=today)
    return ItemWarranty(line_id=item.line_id, product_name=item.product_name, model_number=item.model_number,
                        serial_number=item.serial_number, purchased_on=item.purchased_on,
                        order_number=item.order_number, in_warranty=status.in_warranty,
                        warranty_last_day=status.last_day, warranty_label=status.label)
