"""The audit log: entries are written in the caller's transaction and can never be changed or removed."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction, AuditEntry


def _count(db) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_an_entry_exists_exactly_when_its_transaction_commits(db, agent):
    before = _count(db)
    with db.write() as session:
        audit.record(session, actor=audit.Actor.agent(agent, "10.0.0.7"), action=AuditAction.REVEAL,
                     customer_code="912345674", field="phone", reason="Caller asked for a callback")
        session.rollback()
    assert _count(db) == before
    with db.write() as session:
        entry = audit.record(session, actor=audit.Actor.agent(agent, "10.0.0.7"), action=AuditAction.REVEAL,
                             customer_code="912345674", field="phone", reason="x" * 5_000)
        session.commit()
        entry_id = entry.id
    with db.read() as session:
        stored = session.get(AuditEntry, entry_id)
    assert (stored.actor_id, stored.actor_label, stored.client_address) == (agent.id, agent.email, "10.0.0.7")
    assert stored.action == "reveal" and stored.field == "phone" and len(stored.reason) == audit.REASON_MAX
    assert stored.at.year >= 2026


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(reason="rewritten"),
    delete(AuditEntry),
], ids=["update", "delete"])
def test_the_database_refuses_to_change_or_remove_entries(db, agent, statement):
    with db.write() as session:
        audit.record(session, actor=audit.SYSTEM, action=AuditAction.KEY_CHANGE, details="rotated to k2")
        session.commit()
    before = _count(db)
    with db.write() as session, pytest.raises(DatabaseError, match="append-only"):
        session.execute(statement)
        session.commit()
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.reason == "rewritten")).scalar_one() == 0
    assert _count(db) == before
