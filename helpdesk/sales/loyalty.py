"""Loyalty points: earned on each sale, taken back on a return, redeemed at the till; a ledger with a cached balance.

The rule (README, "Loyalty points"): an order earns one point per HELPDESK_LOYALTY_RUPEES_PER_POINT rupees of what the
customer kept (price and tax, less returns), rounded down. A return takes back what the order no longer earns, so an
order fully returned has earned nothing. Redeeming more than the balance is refused. customer.loyalty_points is the
sum of the customer's ledger entries, changed by the same statement that writes each entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from helpdesk import ids
from helpdesk.customers.models import Customer
from helpdesk.paging import Page, next_offset, parse_offset
from helpdesk.sales.errors import PosInvalid
from helpdesk.sales.models import LoyaltyEntry, LoyaltyKind, Purchase
from helpdesk.sales.pos_input import RedemptionIn

ENTRIES_PER_PAGE = 10


def points_for(amount_paise: int, *, rupees_per_point: int) -> int:
    """Points an order worth `amount_paise` earns (never negative)."""
    if rupees_per_point <= 0:
        return 0
    return max(0, amount_paise) // (rupees_per_point * 100)


_CUSTOMER = Customer.__table__
# A Core statement, built once: the ORM's UPDATE would also try to synchronise loaded objects, for nothing here.
_ADD = (update(_CUSTOMER).where(_CUSTOMER.c.id == bindparam("customer_id"))
        .values(loyalty_points=_CUSTOMER.c.loyalty_points + bindparam("points"))
        .returning(_CUSTOMER.c.loyalty_points))


def _move(session: Session, *, customer_id: int, kind: LoyaltyKind, points: int, purchase_id: int | None = None,
          reference: str | None = None, store: str | None = None) -> LoyaltyEntry | None:
    """Write one entry and move the cached balance with it: one UPDATE … RETURNING and one INSERT."""
    if points == 0:
        return None
    balance = session.execute(_ADD, {"customer_id": customer_id, "points": points}).scalar_one()
    entry = LoyaltyEntry(customer_id=customer_id, kind=kind, points=points, balance_after=balance,
                         purchase_id=purchase_id, reference=reference, store=store)
    session.add(entry)
    return entry


def earn(session: Session, *, customer_id: int, purchase_id: int, amount_paise: int, rupees_per_point: int,
         store: str | None = None) -> int:
    """Credit the points a new sale earns; returns them. In the caller's transaction."""
    points = points_for(amount_paise, rupees_per_point=rupees_per_point)
    _move(session, customer_id=customer_id, kind=LoyaltyKind.EARN, points=points, purchase_id=purchase_id, store=store)
    return points


def earned_at_sale(session: Session, purchase_id: int) -> int:
    """What an order earned when it was recorded (returns aside): part of the push's answer, the same on a repeat."""
    return int(session.exec(select(func.coalesce(func.sum(LoyaltyEntry.points), 0))
                            .where(LoyaltyEntry.purchase_id == purchase_id, LoyaltyEntry.kind == LoyaltyKind.EARN)).one())


def earned_by(session: Session, purchase_id: int) -> int:
    """What an order has earned so far, net of what its returns took back."""
    return int(session.exec(select(func.coalesce(func.sum(LoyaltyEntry.points), 0))
                            .where(LoyaltyEntry.purchase_id == purchase_id,
                                   col(LoyaltyEntry.kind).in_((LoyaltyKind.EARN, LoyaltyKind.RETURN)))).one())


def take_back(session: Session, *, customer_id: int, original_purchase_id: int, kept_paise: int,
              rupees_per_point: int, store: str | None = None) -> int:
    """After a return: take back what the order no longer earns on what the customer kept. Returns the points taken
    (positive). The balance may go below zero when the points were already spent: the shop is owed them."""
    now_earned = earned_by(session, original_purchase_id)
    taken = max(0, now_earned - points_for(kept_paise, rupees_per_point=rupees_per_point))
    _move(session, customer_id=customer_id, kind=LoyaltyKind.RETURN, points=-taken,
          purchase_id=original_purchase_id, store=store)
    return taken


def redeem(session: Session, *, customer_id: int, points: int, store: str, reference: str | None) -> LoyaltyEntry:
    """Spend points at the till, or PosInvalid when the balance is short. Commits."""
    balance = session.exec(select(Customer.loyalty_points).where(Customer.id == customer_id)
                           .with_for_update()).one()
    if points > balance:
        raise PosInvalid({"points": f"The customer has {balance:,} points; {points:,} cannot be redeemed."})
    entry = _move(session, customer_id=customer_id, kind=LoyaltyKind.REDEEM, points=-points, reference=reference,
                  store=store)
    if entry.balance_after < 0:  # a twin redemption got in first (PostgreSQL): refuse this one
        session.rollback()
        raise PosInvalid({"points": "The balance changed meanwhile and is now short; try again."})
    session.commit()
    return entry


@dataclass
class RedemptionOut:
    customer_id: str
    points: int
    balance: int


def redeem_at_till(session: Session, data: RedemptionIn) -> RedemptionOut:
    """A redemption the POS sends, for the customer it names by ID. Commits."""
    try:
        code = ids.parse(data.customer_id)
    except ids.InvalidCustomerId as exc:
        raise PosInvalid({"customer_id": exc.reason}) from None
    customer_id = session.exec(select(Customer.id).where(Customer.code == code)).first()
    if customer_id is None:
        raise PosInvalid({"customer_id": f"No customer has the ID {code}."})
    entry = redeem(session, customer_id=customer_id, points=data.points, store=data.store, reference=data.reference)
    return RedemptionOut(customer_id=code, points=data.points, balance=entry.balance_after)


@dataclass
class LedgerRow:
    at: datetime
    kind: str
    points: int
    balance_after: int
    order_number: str | None
    reference: str | None
    store: str | None


def history_page(session: Session, customer_id: int, *, cursor: str | None = None,
                 page_size: int = ENTRIES_PER_PAGE) -> Page[LedgerRow]:
    """The customer's points history, newest first: one query per page."""
    offset = parse_offset(cursor)
    rows = session.exec(
        select(LoyaltyEntry.created_at, LoyaltyEntry.kind, LoyaltyEntry.points, LoyaltyEntry.balance_after,
               Purchase.order_number, LoyaltyEntry.reference, LoyaltyEntry.store)
        .join(Purchase, col(Purchase.id) == LoyaltyEntry.purchase_id, isouter=True)
        .where(LoyaltyEntry.customer_id == customer_id)
        .order_by(col(LoyaltyEntry.id).desc()).offset(offset).limit(page_size + 1)
    ).all()
    return Page(items=[LedgerRow(*row) for row in rows[:page_size]], next_cursor=next_offset(offset, page_size, len(rows)))
