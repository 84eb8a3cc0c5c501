"""Returns from the till as credit notes: negative lines that each point at the sale line they return.

A credit note lowers the customer's lifetime spend (its total is negative), the quantity still under warranty
(`returned_quantity` on the sale line, kept in the same transaction) and the points the order earned. Returning
more than was bought, or than is left after earlier returns, is refused line by line.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk.sales import loyalty
from helpdesk.sales.errors import PosInvalid
from helpdesk.sales.models import Purchase, PurchaseKind, PurchaseLine
from helpdesk.sales.pos import PurchaseOut, answer_for, check_time, content_hash, repeat_of
from helpdesk.sales.pos_input import ReturnIn
from helpdesk.timeutil import to_shop_time


def _original(session: Session, order_number: str) -> Purchase:
    original = session.exec(select(Purchase).where(Purchase.order_number == order_number,
                                                   Purchase.kind == PurchaseKind.SALE)).first()
    if original is None:
        raise PosInvalid({"original_order_number": f"No sale has the order number {order_number}."})
    return original


def _sale_lines(session: Session, purchase_id: int) -> list[PurchaseLine]:
    # Locked on PostgreSQL so two returns of the same line cannot both take the last item back.
    return list(session.exec(select(PurchaseLine).where(PurchaseLine.purchase_id == purchase_id)
                             .order_by(col(PurchaseLine.id)).with_for_update()).all())


def _returned_amounts(data: ReturnIn, lines: list[PurchaseLine]) -> dict[int, tuple[int, int]]:
    """{position: (quantity, tax share)} to return, or PosInvalid naming each line that cannot be."""
    wanted = Counter()
    for returned in data.lines:
        wanted[returned.line] += returned.quantity
    errors: dict[str, str] = {}
    for n, returned in enumerate(data.lines):
        if returned.line > len(lines):
            errors[f"lines.{n}.line"] = (f"Order {data.original_order_number} has {len(lines)} line(s); "
                                         f"there is no line {returned.line}.")
            continue
        sale = lines[returned.line - 1]
        left = sale.quantity - sale.returned_quantity
        if wanted[returned.line] > left:
            errors[f"lines.{n}.quantity"] = (f"Only {left} of line {returned.line} can be returned ({sale.quantity} "
                                             f"bought, {sale.returned_quantity} already returned).")
    if errors:
        raise PosInvalid(errors)
    return {position: (quantity, lines[position - 1].tax_paise * quantity // lines[position - 1].quantity)
            for position, quantity in wanted.items()}


def _write_credit_note(session: Session, data: ReturnIn, *, original: Purchase, lines: list[PurchaseLine],
                       amounts: dict[int, tuple[int, int]], refund: int, digest: str) -> Purchase:
    """The credit note and its negative lines; each returned sale line counts what came back."""
    note = Purchase(order_number=data.credit_note_number, customer_id=original.customer_id, store=data.store,
                    channel=original.channel, purchased_on=to_shop_time(data.returned_at).date(),
                    purchased_at=data.returned_at, payment_status=original.payment_status, total_paise=-refund,
                    tax_paise=-sum(tax for _, tax in amounts.values()), kind=PurchaseKind.RETURN,
                    credits_purchase_id=original.id, content_hash=digest)
    session.add(note)
    session.flush()
    for position, (quantity, tax) in sorted(amounts.items()):
        sale = lines[position - 1]
        session.add(PurchaseLine(purchase_id=note.id, product_id=sale.product_id, serial_number=sale.serial_number,
                                 quantity=-quantity, unit_price_paise=sale.unit_price_paise, tax_paise=-tax,
                                 hsn_code=sale.hsn_code, returns_line_id=sale.id))
        sale.returned_quantity += quantity
        session.add(sale)
    session.flush()
    return note


def record_return(session: Session, data: ReturnIn, *, now: datetime, rupees_per_point: int) -> PurchaseOut:
    """Record a credit note against an earlier sale, or answer as the first time for a repeat. Commits."""
    digest = content_hash(data)
    existing = repeat_of(session, order_number=data.credit_note_number, store=data.store, digest=digest)
    if existing is not None:
        return answer_for(session, existing)
    original = _original(session, data.original_order_number)
    errors = check_time(data.returned_at, now=now, field="returned_at")
    if errors:
        raise PosInvalid(errors)
    lines = _sale_lines(session, original.id)
    amounts = _returned_amounts(data, lines)
    refund = sum(lines[p - 1].unit_price_paise * q + tax for p, (q, tax) in amounts.items())
    if data.total_paise is not None and data.total_paise != refund:
        raise PosInvalid({"total_paise": f"The returned lines come to {refund:,} paise (price and tax pro rata), "
                                         f"not {data.total_paise:,}."})
    try:
        note = _write_credit_note(session, data, original=original, lines=lines, amounts=amounts, refund=refund,
                                  digest=digest)
        credited = session.exec(select(func.coalesce(func.sum(Purchase.total_paise), 0))
                                .where(Purchase.credits_purchase_id == original.id)).one()
        loyalty.take_back(session, customer_id=original.customer_id, original_purchase_id=original.id,
                          kept_paise=original.total_paise + int(credited), rupees_per_point=rupees_per_point,
                          store=data.store)
        answer = answer_for(session, note)
        session.commit()
    except IntegrityError:
        # A twin credit note committed first (PostgreSQL): answer as it did, or refuse a different one (409).
        session.rollback()
        existing = repeat_of(session, order_number=data.credit_note_number, store=data.store, digest=digest)
        if existing is None:
            raise
        return answer_for(session, existing)
    return answer
