"""Reading a customer's purchases: pages of orders with their lines and warranty status, and items to pick from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from helpdesk.paging import Page, next_offset, parse_offset
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.sales.service import warranty_status

PURCHASES_PER_PAGE = 10
# The ticket form's item list: enough for almost every customer without paging.
ITEMS_TO_CHOOSE_FROM = 200


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


# Built once at import: the customer page runs these while a caller waits (see customers/queries.py).
_PURCHASES = (
    select(Purchase.id, Purchase.order_number, Purchase.purchased_on, Purchase.store, Purchase.channel,
           Purchase.payment_status, Purchase.total_paise, Purchase.amount_due_paise)
    .where(Purchase.customer_id == bindparam("customer_id"))
    .order_by(col(Purchase.purchased_on).desc(), col(Purchase.id).desc())
    .limit(bindparam("limit")).offset(bindparam("offset"))
)

_LINES = (
    select(PurchaseLine.id, PurchaseLine.purchase_id, PurchaseLine.serial_number, PurchaseLine.quantity,
           PurchaseLine.unit_price_paise, Product.name, Product.category, Product.model_number, Product.warranty_months)
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
        for line_id, purchase_id, serial, quantity, price, name, category, model, months in session.execute(
            _LINES, {"purchase_ids": list(bought_on)}
        ):
            status = warranty_status(bought_on[purchase_id], months, on=today)
            lines[purchase_id].append(PurchaseLineView(
                line_id=line_id, product_name=name, category=category, model_number=model, serial_number=serial,
                quantity=quantity, unit_price_paise=price, warranty_months=months, in_warranty=status.in_warranty,
                warranty_last_day=status.last_day, warranty_label=status.label,
            ))
    items = [
        PurchaseView(order_number=row.order_number, purchased_on=row.purchased_on, store=row.store, channel=row.channel,
                     payment_status=row.payment_status, total_paise=row.total_paise, amount_due_paise=row.amount_due_paise,
                     lines=lines[row.id])
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


def purchased_items(session: Session, customer_id: int, *, limit: int = ITEMS_TO_CHOOSE_FROM) -> list[PurchasedItem]:
    """The customer's purchased items, newest first."""
    rows = session.exec(
        select(PurchaseLine.id, Product.name, Product.model_number, PurchaseLine.serial_number,
               Purchase.purchased_on, Purchase.order_number)
        .join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(Purchase.customer_id == customer_id)
        .order_by(col(Purchase.purchased_on).desc(), col(PurchaseLine.id).desc())
        .limit(limit)
    ).all()
    return [PurchasedItem(*row) for row in rows]
