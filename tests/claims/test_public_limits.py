"""The public page's 15-minute limits hold when tries arrive together (PostgreSQL lets them through at once)."""

from __future__ import annotations

from sqlmodel import delete

from helpdesk.claims import self_service
from helpdesk.throttle.models import Throttle
from helpdesk.timeutil import utcnow
from tests.test_concurrency import _race

TRIES = 30


def _fresh_limits(db) -> None:
    with db.write() as session:
        session.execute(delete(Throttle))
        session.commit()


def _outcomes(db, *, codes, clients) -> tuple[int, int]:
    """Fire one wrong try per (code, client) together; (checked, refused)."""
    now = utcnow()

    def try_once(index: int):
        with db.write() as session:
            return self_service.verify(session, customer_id_text=codes[index], second_fact="0000",
                                       client=clients[index], now=now)

    results = _race(try_once, count=len(codes))
    unexpected = [result for result in results
                  if result is not None and not isinstance(result, self_service.TooManyAttempts)]
    assert not unexpected, unexpected
    checked = sum(result is None for result in results)
    return checked, len(results) - checked


def test_simultaneous_wrong_tries_for_one_id_check_only_the_limit(db, buyer):
    _fresh_limits(db)
    assert buyer.phone_last4 != "0000"
    checked, refused = _outcomes(db, codes=[buyer.customer.code] * TRIES,
                                 clients=[f"198.51.100.{index}" for index in range(TRIES)])
    assert (checked, refused) == (self_service.MAX_FAILURES_PER_CUSTOMER,
                                  TRIES - self_service.MAX_FAILURES_PER_CUSTOMER)


def test_simultaneous_tries_from_one_client_pass_only_the_limit(db):
    _fresh_limits(db)
    checked, refused = _outcomes(db, codes=[f"{100_000_000 + index}" for index in range(TRIES)],
                                 clients=["203.0.113.77"] * TRIES)
    assert (checked, refused) == (self_service.MAX_ATTEMPTS_PER_CLIENT, TRIES - self_service.MAX_ATTEMPTS_PER_CLIENT)
