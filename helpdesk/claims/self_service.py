"""The public warranty page's checks: who you are (customer ID + a second fact) and how often you may try."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from helpdesk import ids
from helpdesk.audit.models import AuditAction
from helpdesk.audit.service import Actor, record
from helpdesk.customers.models import Customer
from helpdesk.i18n.text import Translatable
from helpdesk.privacy import store as personal
from helpdesk.sales.models import Purchase
from helpdesk.throttle import service as throttle

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_CUSTOMER = 5
MAX_ATTEMPTS_PER_CLIENT = 20
VERIFIED_FOR = timedelta(minutes=30)
# Counted in the shared throttle table (helpdesk/throttle): charged before the check under a row lock, so tries
# arriving together on any worker or machine can never see the same count. Every try from a client counts (it is
# never refunded); only failed tries count against a customer ID, and the fifth failure locks the ID for a window.
CLIENT_LIMIT = throttle.Limit("warranty-client", failures=MAX_ATTEMPTS_PER_CLIENT, window=WINDOW, lock_for=WINDOW)
CUSTOMER_LIMIT = throttle.Limit("warranty-id", failures=MAX_FAILURES_PER_CUSTOMER, window=WINDOW, lock_for=WINDOW)
# The last four phone digits are a weak second fact: an attacker rotating addresses gets 5 tries per ID every
# 15 minutes from the limits above. A per-ID cap over a day stops that; an ID that reaches it is locked for a day.
DAILY_LIMIT = throttle.Limit("warranty-id-day", failures=10, window=timedelta(days=1), lock_for=timedelta(days=1))
# The same words whichever half was wrong (or whether the ID exists at all): nothing to learn from it.
NOT_VERIFIED = Translatable("We could not match those details. Check the customer ID and the order number or phone digits.")
LOCKED_FOR_THE_DAY = Translatable("This customer ID is locked for today after too many failed attempts. "
                                  "Please try again tomorrow, or call us.")
TOO_MANY_FROM_CLIENT = Translatable("Too many attempts from this connection. Please wait {minutes} minutes and try again.",
                                    minutes=int(WINDOW.total_seconds()) // 60)
TOO_MANY_FOR_CUSTOMER = Translatable("Too many attempts for this customer ID. Please wait {minutes} minutes, or call us.",
                                     minutes=int(WINDOW.total_seconds()) // 60)


class TooManyAttempts(RuntimeError):
    """The rate limit for this customer ID or this client was reached; `retry_after` in seconds."""

    def __init__(self, message: Translatable, retry_after: int) -> None:
        super().__init__(message)
        self.message = message  # str(exc) would be plain English: the page shows it in the customer's language
        self.retry_after = retry_after


@dataclass(frozen=True)
class Verified:
    customer_id: int
    code: str


def _retry_after(charge: throttle.Charge, now: datetime) -> int:
    return max(1, int((charge.refused_until - now).total_seconds()))


def charge_rate_limits(session: Session, *, code: str, client: str, now: datetime) -> tuple[throttle.Charge, ...]:
    """Count this try against its client, its customer ID and the ID's day; TooManyAttempts when any is spent.

    Always in this order (client, ID, day), so simultaneous tries lock the same rows in the same order.
    """
    by_client = throttle.charge(session, CLIENT_LIMIT, client[:60], now=now)
    if by_client.refused:
        raise TooManyAttempts(TOO_MANY_FROM_CLIENT, retry_after=_retry_after(by_client, now))
    by_customer = throttle.charge(session, CUSTOMER_LIMIT, code, now=now)
    if by_customer.refused:
        raise TooManyAttempts(TOO_MANY_FOR_CUSTOMER, retry_after=_retry_after(by_customer, now))
    # Charged before the check, like sign-in: simultaneous tries cannot get past the day's cap.
    today = throttle.charge(session, DAILY_LIMIT, code, now=now)
    if today.refused:
        raise TooManyAttempts(LOCKED_FOR_THE_DAY, retry_after=_retry_after(today, now))
    return by_client, by_customer, today


def _second_fact_matches(session: Session, customer: Customer, second_fact: str) -> bool:
    fact = second_fact.strip().upper().replace(" ", "")
    if not fact.isprintable():
        return False  # no order number has control characters (and PostgreSQL cannot compare text with NUL)
    if fact.isdigit() and len(fact) == 4:
        record = personal.read(session, customer.code)
        phone = record.phone if record else None
        return bool(phone) and hmac.compare_digest(phone[-4:], fact)
    if not fact or len(fact) > 40:
        return False
    owner = session.exec(select(Purchase.customer_id).where(Purchase.order_number == fact)).first()
    return owner == customer.id


def verify(session: Session, *, customer_id_text: str, second_fact: str, client: str, now: datetime) -> Verified | None:
    """Check both facts together; every try is counted (and committed) whatever the answer."""
    try:
        code = ids.parse(customer_id_text)
        valid_id = True
    except ids.InvalidCustomerId:
        # Whatever was typed still counts against itself; only printable characters go into the key (no NUL).
        code = "".join(ch for ch in ids.normalise(customer_id_text) if ch.isprintable())[:20] or "-"
        valid_id = False
    _by_client, by_customer, today = charge_rate_limits(session, code=code, client=client, now=now)
    customer = session.exec(select(Customer).where(Customer.code == code)).first()
    ok = customer is not None and _second_fact_matches(session, customer, second_fact)
    if ok:
        throttle.refund(session, by_customer)
        throttle.refund(session, today)
    else:
        if by_customer.is_last_chance:
            throttle.lock(session, by_customer, now=now)
        if today.is_last_chance:
            until = throttle.lock(session, today, now=now)
            record(session, actor=Actor(label="public", client_address=client),
                   action=AuditAction.SELF_SERVICE_LOCK, customer_code=code if valid_id else None, at=now,
                   details=f"{DAILY_LIMIT.failures} failed identity checks for this customer ID within a day on "
                           f"the public warranty page{'' if valid_id else ' (not a valid customer ID)'}: "
                           f"locked until {until:%d %b %Y %H:%M} UTC")
    session.commit()
    return Verified(customer.id, customer.code) if ok and customer else None
