"""The public identity check: a per-ID daily cap on failures on top of the 15-minute limits; a lock is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.claims import self_service
from helpdesk.timeutil import utcnow
from tests import factories
from tests.conftest import csrf_from, parse


def _patient_attacker(db, code: str, tries: int, *, start) -> int:
    """Wrong phone digits from a new address every 20 minutes (the 15-minute limits never see two tries); how many
    of the tries were refused unchecked."""
    refused = 0
    for index in range(tries):
        with db.write() as session:
            try:
                result = self_service.verify(session, customer_id_text=code, second_fact=f"{index:04d}",
                                             client=f"203.0.113.{index}", now=start + index * timedelta(minutes=20))
            except self_service.TooManyAttempts:
                refused += 1
            else:
                assert result is None
    return refused


def _wrong_digits(buyer) -> None:
    assert not any(f"{index:04d}" == buyer.phone_last4 for index in range(self_service.DAILY_LIMIT.failures))


def test_an_id_that_keeps_failing_is_locked_for_the_day(db, buyer):
    _wrong_digits(buyer)
    start = utcnow() - timedelta(hours=5)
    assert _patient_attacker(db, buyer.customer.code, self_service.DAILY_LIMIT.failures, start=start) == 0
    now = start + timedelta(hours=4)
    with db.write() as session, pytest.raises(self_service.TooManyAttempts) as refused:
        self_service.verify(session, customer_id_text=buyer.customer.code, second_fact=buyer.order_number,
                            client="198.51.100.1", now=now)
    assert str(refused.value) == self_service.LOCKED_FOR_THE_DAY
    assert 20 * 3600 < refused.value.retry_after <= 24 * 3600
    # A day after the lock, the customer gets in with the right pair.
    with db.write() as session:
        later = start + timedelta(hours=3) + self_service.DAILY_LIMIT.lock_for + timedelta(minutes=1)
        assert self_service.verify(session, customer_id_text=buyer.customer.code, second_fact=buyer.order_number,
                                   client="198.51.100.1", now=later) is not None


def test_the_lock_is_audited_once_as_the_public_with_the_address(db, buyer):
    _wrong_digits(buyer)
    start = utcnow() - timedelta(hours=6)
    assert _patient_attacker(db, buyer.customer.code, self_service.DAILY_LIMIT.failures + 3, start=start) == 3
    with db.read() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == AuditAction.SELF_SERVICE_LOCK,
                                                        AuditEntry.customer_code == buyer.customer.code)).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor_label == "public" and entry.actor_id is None
    assert entry.client_address == f"203.0.113.{self_service.DAILY_LIMIT.failures - 1}"
    assert "locked until" in entry.details


def test_the_public_page_answers_a_locked_id_with_429(app, db, buyer):
    _wrong_digits(buyer)
    _patient_attacker(db, buyer.customer.code, self_service.DAILY_LIMIT.failures, start=utcnow() - timedelta(hours=4))
    with TestClient(app) as browser:
        page = browser.get("/warranty")
        response = browser.post("/warranty", data={"customer": buyer.customer.code, "second": buyer.order_number,
                                                   "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 3600
    assert parse(response.text).css_first("#verify-message").text(strip=True) == self_service.LOCKED_FOR_THE_DAY
    assert parse(response.text).css_first("#public-claim-form") is None


def test_an_unknown_id_is_locked_the_same_way(db):
    code = factories.unique_code()
    start = utcnow() - timedelta(hours=4)
    _patient_attacker(db, code, self_service.DAILY_LIMIT.failures, start=start)
    with db.write() as session, pytest.raises(self_service.TooManyAttempts) as refused:
        self_service.verify(session, customer_id_text=code, second_fact="ORD-1", client="198.51.100.2",
                            now=start + timedelta(hours=4))
    assert str(refused.value) == self_service.LOCKED_FOR_THE_DAY
