"""Marks customers (and purchase days) whose figures changed, inside the writer's own transaction.

A session listener notices new, changed and deleted purchases, purchase lines, tickets, interactions, claims and
customers at every flush and writes `stats_dirty` rows through the same connection: the mark commits with the
change or not at all, and no service needs a call site. A new purchase is marked with its id (the refresh adds
just that purchase to its month); any other purchase change marks its day (the refresh recomputes the month).
Writers that bypass the ORM (the demo loader's bulk inserts) run a full refresh instead.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.reports.models import StatsDirty
from helpdesk.sales.models import Purchase, PurchaseLine
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Ticket
from helpdesk.timeutil import utcnow

_DIRTY = StatsDirty.__table__
_PURCHASE = Purchase.__table__
# Customer rows change for loyalty points and the like; only these attributes move any figure.
_CUSTOMER_ATTRIBUTES = ("tier",)

Mark = tuple[int, date | None, int | None]  # customer id, purchase day, new purchase id


def _old_value(obj, name: str):
    """The value an attribute had before this flush, if it changed (a purchase moved to another customer or day)."""
    history = inspect(obj).attrs[name].history
    return history.deleted[0] if history.deleted else None


def _marks_for(obj, *, is_new: bool) -> set[Mark]:
    if isinstance(obj, Purchase):
        if is_new:
            return {(obj.customer_id, obj.purchased_on, obj.id)}
        old_customer = _old_value(obj, "customer_id") or obj.customer_id
        old_day = _old_value(obj, "purchased_on") or obj.purchased_on
        return {(obj.customer_id, obj.purchased_on, None), (old_customer, old_day, None)}
    if isinstance(obj, (Ticket, Interaction, WarrantyClaim)):
        marks = {(obj.customer_id, None, None)}
        if old := _old_value(obj, "customer_id"):
            marks.add((old, None, None))
        return marks
    if isinstance(obj, Customer) and obj.id is not None:
        if is_new or any(inspect(obj).attrs[name].history.has_changes() for name in _CUSTOMER_ATTRIBUTES):
            return {(obj.id, None, None)}
    return set()


def _line_marks(connection, purchase_ids: set[int], new_purchase_ids: set[int]) -> set[Mark]:
    """Marks for changed lines: their purchase's customer and day, unless the purchase is itself still new."""
    known_new = set(connection.execute(
        select(_DIRTY.c.purchase_id).where(_DIRTY.c.purchase_id.in_(purchase_ids))).scalars()) | new_purchase_ids
    changed = purchase_ids - known_new
    if not changed:
        return set()
    rows = connection.execute(
        select(_PURCHASE.c.customer_id, _PURCHASE.c.purchased_on).where(_PURCHASE.c.id.in_(changed)))
    return {(customer_id, day, None) for customer_id, day in rows}


def _after_flush(session: Session, _flush_context) -> None:
    marks: set[Mark] = set()
    line_purchases: set[int] = set()
    changed = [(obj, True) for obj in session.new]
    changed += [(obj, False) for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    changed += [(obj, False) for obj in session.deleted]
    for obj, is_new in changed:
        if isinstance(obj, PurchaseLine):
            line_purchases.add(obj.purchase_id)
            if old := _old_value(obj, "purchase_id"):
                line_purchases.add(old)
        else:
            marks |= _marks_for(obj, is_new=is_new)
    line_purchases.discard(None)
    if not marks and not line_purchases:
        return
    connection = session.connection()
    if line_purchases:
        marks |= _line_marks(connection, line_purchases, {purchase_id for _, _, purchase_id in marks if purchase_id})
    marks = {mark for mark in marks if mark[0] is not None}
    if marks:
        now = utcnow()
        connection.execute(insert(_DIRTY), [
            {"customer_id": customer_id, "day": day, "purchase_id": purchase_id, "created_at": now}
            for customer_id, day, purchase_id in sorted(marks, key=lambda m: (m[0], m[1] or date.min, m[2] or 0))
        ])


event.listen(Session, "after_flush", _after_flush)
