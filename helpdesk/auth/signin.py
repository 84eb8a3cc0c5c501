"""Signing in with limits: failed tries are counted per account and per client address, and locks are audited.

The password check runs between two short transactions (count the try; then refund it or lock), so no write lock
is held while Argon2 works.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk.audit.models import AuditAction
from helpdesk.audit.service import Actor, record
from helpdesk.auth.service import CurrentAgent, authenticate
from helpdesk.db import Database
from helpdesk.throttle import service as throttle
from helpdesk.timeutil import utcnow

# Five wrong passwords in a quarter of an hour is more than typos; an office behind one address has many agents.
ACCOUNT_LIMIT = throttle.Limit("sign-in-account", failures=5, window=timedelta(minutes=15),
                               lock_for=timedelta(minutes=15))
CLIENT_LIMIT = throttle.Limit("sign-in-client", failures=20, window=timedelta(minutes=15),
                              lock_for=timedelta(minutes=15))


@dataclass(frozen=True)
class SignInOutcome:
    """The agent, or nobody; `retry_after` (seconds) when sign-in is refused for now, whoever asked."""

    agent: CurrentAgent | None
    retry_after: int | None = None

    @property
    def throttled(self) -> bool:
        return self.retry_after is not None


def locked_message(retry_after: int) -> str:
    """The same words for every lock, whether or not the account exists."""
    minutes = max(1, math.ceil(retry_after / 60))
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


def _account_subject(email: str) -> str:
    # A digest: the table needs no readable address, and keeps nothing of what an attacker typed.
    return hashlib.sha256(email.encode()).hexdigest()[:40]


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"[:80] if domain else f"{name[:1]}***"


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def sign_in(db: Database, *, email: str, password: str, client: str, now: datetime | None = None) -> SignInOutcome:
    """Check the password unless this account or this client is locked; count, refund or lock accordingly."""
    now = now or utcnow()
    email = email.strip().lower()
    with db.write() as session:
        charges = (throttle.charge(session, ACCOUNT_LIMIT, _account_subject(email), now=now),
                   throttle.charge(session, CLIENT_LIMIT, client, now=now))
        refused = [charge.refused_until for charge in charges if charge.refused_until]
        if refused:
            # Nothing is checked, so nothing failed: the other counter does not pay for this one's lock.
            for charge in charges:
                if not charge.refused:
                    throttle.refund(session, charge)
        session.commit()
    if refused:
        return SignInOutcome(None, _seconds(max(refused), now))

    with db.read() as session:
        agent = authenticate(session, email=email, password=password)

    account, address = charges
    with db.write() as session:
        if agent is not None:
            throttle.refund(session, account, forget_failures=True)
            throttle.refund(session, address)
            session.commit()
            return SignInOutcome(agent)
        until = None
        actor = Actor(label="public", client_address=client)
        for charge, whose in ((account, f"for {_masked(email)}"), (address, "from this client address")):
            if charge.is_last_chance:
                until = max(until or now, throttle.lock(session, charge, now=now))
                record(session, actor=actor, action=AuditAction.SIGN_IN_LOCK, at=now,
                       details=f"{charge.limit.failures} failed sign-ins {whose} within "
                               f"{charge.limit.window.seconds // 60} minutes: sign-in refused until {until:%H:%M} UTC")
        session.commit()
    return SignInOutcome(None, _seconds(until, now) if until else None)
