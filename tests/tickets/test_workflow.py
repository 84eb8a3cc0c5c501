"""Ticket rules without HTTP: status transitions, SLA due times and states, the version check, numbering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.tickets import properties, service
from helpdesk.tickets.models import MessageCreate, TicketCreate, TicketUpdate
from helpdesk.tickets.workflow import SlaState, SlaTargets, can_change_status, sla_due_times, sla_state
from tests import factories

T0 = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [("new", "open", True), ("new", "solved", True), ("open", "pending", True), ("pending", "open", True),
     ("solved", "open", True), ("solved", "closed", True), ("closed", "open", False), ("open", "new", False),
     ("new", "closed", False), ("pending", "closed", False), ("open", "open", False)],
)
def test_transitions(current, new, allowed):
    assert can_change_status(current, new) is allowed


def test_due_times_cross_midnight():
    first, resolution = sla_due_times(T0, SlaTargets(first_response_minutes=60, resolution_minutes=8 * 60))
    assert first == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    assert resolution == datetime(2026, 11, 24, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "responded", "state"),
    [(T0, None, SlaState.OK), (T0 + timedelta(minutes=61), None, SlaState.BREACHING),
     (T0 + timedelta(minutes=121), None, SlaState.BREACHED), (T0 + timedelta(minutes=121), T0, SlaState.OK),
     (T0 + timedelta(hours=7, minutes=10), T0, SlaState.BREACHING), (T0 + timedelta(hours=9), T0, SlaState.BREACHED)],
)
def test_sla_states(now, responded, state):
    # "Breaching" means a target falls due within the hour.
    assert sla_state(status="open", now=now, first_response_due=T0 + timedelta(hours=2), first_responded_at=responded,
                     resolution_due=T0 + timedelta(hours=8)) == state


def test_solved_tickets_are_done():
    assert sla_state(status="solved", now=T0 + timedelta(days=9), first_response_due=T0, first_responded_at=None,
                     resolution_due=T0) == SlaState.DONE


def test_sla_targets_come_from_the_policy_table(db):
    with db.read() as session:
        assert service.sla_targets(session, "urgent") == SlaTargets(30, 240)
        assert service.sla_targets(session, "low") == SlaTargets(480, 4320)


def _new_ticket(db, agent, priority="high"):
    customer = factories.customer(db, name="Workflow Customer")
    with db.write() as session:
        return service.open_ticket(session, customer=customer, agent_id=agent.id,
                                   data=TicketCreate(subject="Fridge not cooling", body="Since Monday", priority=priority))


def test_open_ticket_gets_a_number_and_due_times(db, agent):
    first = _new_ticket(db, agent)
    second = _new_ticket(db, agent)
    assert first.number.startswith("T-") and len(first.number) == 8
    assert int(second.number[2:]) == int(first.number[2:]) + 1
    assert first.resolution_due - first.created_at == timedelta(hours=8)
    assert first.first_response_due - first.created_at == timedelta(hours=1)


def test_stale_version_is_refused(db, agent):
    ticket = _new_ticket(db, agent)
    seen = ticket.version
    with db.write() as session:
        fresh = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=fresh, data=TicketUpdate(version=seen, priority="urgent"), agent_id=agent.id)
    with db.write() as session, pytest.raises(service.StaleTicket):
        fresh = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=fresh, data=TicketUpdate(version=seen, priority="low"), agent_id=agent.id)
    with db.read() as session:
        assert service.get_ticket(session, ticket.number).priority == "urgent"


def test_concurrent_save_between_read_and_commit_is_refused(db, agent):
    """Two sessions load the same version; the second commit must fail, not overwrite."""
    ticket = _new_ticket(db, agent)
    with db.read() as first_session:
        first = service.get_ticket(first_session, ticket.number)
        version = first.version
    with db.write() as session:
        winner = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=winner, data=TicketUpdate(version=version, priority="low"), agent_id=agent.id)
    # The loser's object still carries the old version: the ORM's version check stops the UPDATE.
    with db.write() as session:
        loser = session.merge(first, load=False)
        loser.priority = "urgent"
        with pytest.raises(service.StaleTicket), service.versioned_save(session, loser):
            pass


def test_illegal_transition_is_refused_and_nothing_changes(db, agent):
    ticket = _new_ticket(db, agent)
    with db.write() as session, pytest.raises(service.TicketInvalid, match="can move to"):
        fresh = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=fresh, data=TicketUpdate(version=fresh.version, status="closed"), agent_id=agent.id)
    with db.read() as session:
        assert service.get_ticket(session, ticket.number).status == "new"


def test_first_reply_opens_a_new_ticket_and_counts_as_first_response(db, agent):
    ticket = _new_ticket(db, agent)
    with db.write() as session:
        fresh = service.get_ticket(session, ticket.number)
        service.add_message(session, ticket=fresh, data=MessageCreate(kind="reply", body="We will send a technician."), agent_id=agent.id)
    with db.read() as session:
        after = service.get_ticket(session, ticket.number)
        assert after.status == "open" and after.first_responded_at is not None


def test_internal_note_is_not_a_response(db, agent):
    ticket = _new_ticket(db, agent)
    with db.write() as session:
        fresh = service.get_ticket(session, ticket.number)
        service.add_message(session, ticket=fresh, data=MessageCreate(kind="note", body="Check stock first"), agent_id=agent.id)
    with db.read() as session:
        after = service.get_ticket(session, ticket.number)
        assert after.status == "new" and after.first_responded_at is None


def test_same_idempotency_key_creates_one_ticket(db, agent):
    customer = factories.customer(db, name="Double Click")
    data = TicketCreate(subject="AC leaking", body="Water drips", idempotency_key="key-double-click-1")
    with db.write() as session:
        first = service.open_ticket(session, customer=customer, agent_id=agent.id, data=data)
    with db.write() as session:
        second = service.open_ticket(session, customer=customer, agent_id=agent.id, data=data)
    assert first.number == second.number


def test_satisfaction_only_after_solving(db, agent):
    ticket = _new_ticket(db, agent)
    with db.write() as session, pytest.raises(service.TicketInvalid, match="once the ticket is solved"):
        fresh = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=fresh, data=TicketUpdate(version=fresh.version, satisfaction_score=5), agent_id=agent.id)
