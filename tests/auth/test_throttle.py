"""Sign-in is throttled per account and per client address, in the database, with the same answer for every account."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import delete, select

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.auth import signin
from helpdesk.throttle.models import Throttle
from helpdesk.timeutil import utcnow
from tests import factories
from tests.conftest import PASSWORD, csrf_from, parse

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def fresh_counts(db):
    """Every test here starts from no failures, and leaves none behind for the rest of the suite (one client address)."""
    def clear():
        with db.write() as session:
            session.execute(delete(Throttle))
            session.commit()
    clear()
    yield
    clear()


def _try(client, email: str, password: str):
    page = client.get("/signin")
    return client.post("/signin", data={"email": email, "password": password, "_csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def _message(response) -> str:
    return parse(response.text).css_first("#signin-error").text(strip=True)


def test_ten_wrong_passwords_then_the_right_one_is_refused(anon, db):
    target = factories.agent(db, "target.agent@helpdesk.local")
    answers = [_try(anon, target.email, WRONG) for _ in range(10)]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert all(a.status_code == 429 for a in answers[4:])
    right = _try(anon, target.email, PASSWORD)
    assert right.status_code == 429, "signed in after ten wrong passwords"
    assert 0 < int(right.headers["retry-after"]) <= 15 * 60
    assert _message(right) == "Too many failed sign-ins. Try again in 15 minutes."
    assert anon.get("/", follow_redirects=False).status_code == 303  # still not signed in


def test_an_unknown_account_gets_the_same_answer(anon, db):
    known = factories.agent(db, "known.agent@helpdesk.local")
    known_answers = [_try(anon, known.email, WRONG) for _ in range(6)]
    unknown_answers = [_try(anon, "nobody.here@helpdesk.local", WRONG) for _ in range(6)]
    assert [a.status_code for a in known_answers] == [a.status_code for a in unknown_answers]
    assert _message(known_answers[-1]) == _message(unknown_answers[-1])
    assert known_answers[-1].headers["retry-after"] and unknown_answers[-1].headers["retry-after"]


def test_one_client_trying_many_accounts_is_stopped(anon, db, agent):
    for index in range(signin.CLIENT_LIMIT.failures):
        assert _try(anon, f"guess{index}@helpdesk.local", WRONG).status_code in (400, 429)
    blocked = _try(anon, agent.email, PASSWORD)
    assert blocked.status_code == 429 and "Too many failed sign-ins" in _message(blocked)


def test_a_lock_is_audited_once_with_the_client_address(anon, db):
    target = factories.agent(db, "audited.agent@helpdesk.local")
    started = utcnow()
    for _ in range(8):
        _try(anon, target.email, WRONG)
    with db.read() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == AuditAction.SIGN_IN_LOCK,
                                                        AuditEntry.at >= started - timedelta(seconds=1))).all()
    entries = [entry for entry in entries if "a***@helpdesk.local" in (entry.details or "")]
    assert len(entries) == 1
    assert entries[0].actor_label == "public" and entries[0].client_address == "testclient"
    assert "a***@helpdesk.local" in entries[0].details and "audited.agent" not in entries[0].details


def test_a_success_clears_the_accounts_failures(anon, db):
    target = factories.agent(db, "forgetful.agent@helpdesk.local")
    for _ in range(4):
        assert _try(anon, target.email, WRONG).status_code == 400
    assert _try(anon, target.email, PASSWORD).status_code == 303
    anon.cookies.clear()
    for _ in range(4):
        assert _try(anon, target.email, WRONG).status_code == 400


def test_the_lock_ends(db):
    target = factories.agent(db, "patient.agent@helpdesk.local")
    start = utcnow()
    for _ in range(signin.ACCOUNT_LIMIT.failures):
        signin.sign_in(db, email=target.email, password=WRONG, client="10.0.0.9", now=start)
    assert signin.sign_in(db, email=target.email, password=PASSWORD, client="10.0.0.9", now=start).throttled
    later = start + signin.ACCOUNT_LIMIT.lock_for + timedelta(seconds=1)
    assert signin.sign_in(db, email=target.email, password=PASSWORD, client="10.0.0.9", now=later).agent is not None


def test_simultaneous_tries_do_not_get_past_the_limit(db):
    """Twelve tries at once from twelve addresses: no more passwords are checked than the limit allows."""
    outcomes = []
    barrier = threading.Barrier(12)

    def attempt(index: int) -> None:
        barrier.wait()
        outcomes.append(signin.sign_in(db, email="racer@helpdesk.local", password=WRONG, client=f"10.1.0.{index}"))

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = [outcome for outcome in outcomes if not outcome.throttled]
    assert len(outcomes) == 12
    # The try that reaches the limit is checked and then answered as a lock; none beyond it is checked at all.
    assert len(checked) == signin.ACCOUNT_LIMIT.failures - 1
