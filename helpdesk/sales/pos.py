"""Sales pushed by the point-of-sale system: one purchase at a time, recognised again by its order number.

The natural key is the order number (unique across stores today, see the README): the same order sent twice is
recorded once and the second push gets the first answer; the same order number with other content is a conflict.
Customers are named by ID, or matched by phone or e-mail through the personal store's blind indexes, or registered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk import ids, phones
from helpdesk.customers.models import Customer
from helpdesk.privacy import store as personal
from helpdesk.sales import loyalty
from helpdesk.sales.errors import PosConflict, PosInvalid
from helpdesk.sales.models import Product, Purchase, PurchaseKind, PurchaseLine
from helpdesk.sales.pos_input import CustomerIn, PurchaseIn
from helpdesk.timeutil import to_shop_time

# Tills' clocks drift; a sale a few minutes "ahead" is a clock, not a forgery.
CLOCK_SKEW = timedelta(minutes=5)
_NEW_ID_TRIES = 5


@dataclass
class LineOut:
    line: int
    line_id: int
    sku: str
    quantity: int


@dataclass
class PurchaseOut:
    """What the desk recorded: the customer ID (new or matched) and each line's number for later returns."""

    order_number: str
    store: str
    kind: str
    customer_id: str
    total_paise: int
    points: int
    lines: list[LineOut]


def content_hash(data) -> str:
    """A digest of what was sent, to tell a repeat from a different order under the same number."""
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def answer_for(session: Session, purchase: Purchase) -> PurchaseOut:
    """The answer for a recorded purchase or credit note (the same for the first push and every repeat)."""
    code = session.exec(select(Customer.code).where(Customer.id == purchase.customer_id)).one()
    rows = session.exec(select(PurchaseLine.id, Product.sku, PurchaseLine.quantity)
                        .join(Product, col(Product.id) == PurchaseLine.product_id)
                        .where(PurchaseLine.purchase_id == purchase.id).order_by(col(PurchaseLine.id))).all()
    return PurchaseOut(order_number=purchase.order_number, store=purchase.store, kind=purchase.kind, customer_id=code,
                       total_paise=purchase.total_paise, points=loyalty.earned_at_sale(session, purchase.id),
                       lines=[LineOut(n, line_id, sku, quantity) for n, (line_id, sku, quantity) in enumerate(rows, 1)])


# Every push asks this first and nearly every answer is "new": columns only, no entity to build.
_RECORDED = select(Purchase.id, Purchase.store, Purchase.content_hash).where(
    Purchase.order_number == bindparam("order_number"))


def repeat_of(session: Session, *, order_number: str, store: str, digest: str) -> Purchase | None:
    """The purchase this push repeats, None if the order number is new; PosConflict if it is taken by another."""
    found = session.execute(_RECORDED, {"order_number": order_number}).first()
    if found is None:
        return None
    existing = session.get(Purchase, found.id)
    if existing.store != store:
        raise PosConflict(f"Order number {order_number} was already recorded for {existing.store}.")
    if existing.content_hash != digest:
        raise PosConflict(f"Order {order_number} was already recorded with different content; a new sale needs a "
                          "new order number.")
    return existing


def check_time(at: datetime, *, now: datetime, field: str) -> dict[str, str]:
    if at > now + CLOCK_SKEW:
        return {field: f"The time {at.isoformat()} is in the future; check the till's clock."}
    return {}


def _products(session: Session, data: PurchaseIn) -> tuple[dict[str, int], dict[str, str]]:
    skus = {line.sku for line in data.lines}
    found = dict(session.exec(select(Product.sku, Product.id).where(col(Product.sku).in_(skus))).all())
    errors = {f"lines.{n}.sku": f"No product has the SKU {line.sku!r}; add it to the catalogue first."
              for n, line in enumerate(data.lines) if line.sku not in found}
    return found, errors


def _check_total(data: PurchaseIn) -> dict[str, str]:
    added = sum(line.quantity * line.unit_price_paise + line.tax_paise for line in data.lines)
    if added != data.total_paise:
        return {"total_paise": f"The lines add up to {added:,} paise (quantity × unit price + tax), not "
                               f"{data.total_paise:,}."}
    return {}


def _new_customer(session: Session, who: CustomerIn) -> Customer:
    """Register the buyer under a new random ID with their details in the personal store (encrypted)."""
    for _ in range(_NEW_ID_TRIES):
        code = ids.generate()
        if session.exec(select(Customer.id).where(Customer.code == code)).first() is None:
            break
    customer = Customer(code=code)
    session.add(customer)
    session.flush()
    personal.save(session, personal.PersonalDetails(code, full_name=who.name, phone=who.phone, email=who.email))
    return customer


def resolve_customer(session: Session, who: CustomerIn) -> Customer:
    """The customer a push names: by ID, else matched by phone then e-mail, else newly registered."""
    if who.customer_id is not None:
        try:
            code = ids.parse(who.customer_id)
        except ids.InvalidCustomerId as exc:
            raise PosInvalid({"customer.customer_id": exc.reason}) from None
        customer = session.exec(select(Customer).where(Customer.code == code)).first()
        if customer is None:
            raise PosInvalid({"customer.customer_id": f"No customer has the ID {code}."})
        return customer
    try:
        phone = phones.normalise(who.phone or "")
    except phones.InvalidPhone as exc:
        raise PosInvalid({"customer.phone": str(exc)}) from None
    codes = personal.codes_by_phone(session, phone) or (personal.codes_by_email(session, who.email) if who.email else [])
    if codes:
        # Several people may share a number (a family phone): the longest-standing customer is the likeliest buyer.
        match = session.exec(select(Customer).where(col(Customer.code).in_(codes)).order_by(col(Customer.id))).first()
        if match is not None:
            return match
    return _new_customer(session, who.model_copy(update={"phone": phone}))


def _insert(session: Session, data: PurchaseIn, *, digest: str, products: dict[str, int],
            rupees_per_point: int) -> PurchaseOut:
    """Write the sale, its lines and its points; the answer is built from what was written (no read-back)."""
    customer = resolve_customer(session, data.customer)
    purchase = Purchase(order_number=data.order_number, customer_id=customer.id, store=data.store, channel=data.channel,
                        purchased_on=to_shop_time(data.purchased_at).date(), purchased_at=data.purchased_at,
                        total_paise=data.total_paise, tax_paise=sum(line.tax_paise for line in data.lines),
                        buyer_gstin=data.buyer_gstin, kind=PurchaseKind.SALE, content_hash=digest)
    session.add(purchase)
    session.flush()  # the purchase's id, for its lines and points
    points = loyalty.earn(session, customer_id=customer.id, purchase_id=purchase.id, amount_paise=data.total_paise,
                          rupees_per_point=rupees_per_point, store=data.store)
    lines = [PurchaseLine(purchase_id=purchase.id, product_id=products[line.sku], serial_number=line.serial_number,
                          quantity=line.quantity, unit_price_paise=line.unit_price_paise, tax_paise=line.tax_paise,
                          hsn_code=line.hsn_code) for line in data.lines]
    session.add_all(lines)
    session.flush()  # the lines' ids, for the answer (the same flush writes the points entry)
    return PurchaseOut(order_number=purchase.order_number, store=purchase.store, kind=purchase.kind,
                       customer_id=customer.code, total_paise=purchase.total_paise, points=points,
                       lines=[LineOut(n, row.id, line.sku, line.quantity)
                              for n, (row, line) in enumerate(zip(lines, data.lines), 1)])


def record_purchase(session: Session, data: PurchaseIn, *, now: datetime, rupees_per_point: int) -> PurchaseOut:
    """Record one sale (with its customer and points), or answer as the first time for a repeat. Commits."""
    digest = content_hash(data)
    existing = repeat_of(session, order_number=data.order_number, store=data.store, digest=digest)
    if existing is not None:
        return answer_for(session, existing)
    products, errors = _products(session, data)
    errors |= _check_total(data) | check_time(data.purchased_at, now=now, field="purchased_at")
    if errors:
        raise PosInvalid(errors)
    try:
        answer = _insert(session, data, digest=digest, products=products, rupees_per_point=rupees_per_point)
        session.commit()
    except IntegrityError:
        # A twin push committed the same order number first (PostgreSQL lets both past the check): answer as it did.
        session.rollback()
        existing = repeat_of(session, order_number=data.order_number, store=data.store, digest=digest)
        if existing is None:
            raise
        return answer_for(session, existing)
    return answer
