"""The tier sets the service level: a premium customer's new ticket gets the tier's (tighter) due times; overrides
are recorded and take effect at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from helpdesk.customers.models import Customer
from helpdesk.reports import tiers
from helpdesk.reports.models import TierChange, TierOverride
from helpdesk.tickets import properties, service
from helpdesk.tickets.models import TicketCreate, TicketUpdate
from tests import factories


@pytest.fixture
def supervisor_id(db):
    return factories.agent(db, "tier.supervisor@helpdesk.local", role="supervisor", name="Tara Supervisor").id


OPENED: list[str] = []


@pytest.fixture(autouse=True)
def _solve_what_we_opened(db, supervisor_id):
    """Leave the shared desk's queues as we found them: the tickets opened here are solved afterwards."""
    yield
    while OPENED:
        number = OPENED.pop()
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            properties.update_ticket(session, ticket=ticket, data=TicketUpdate(version=ticket.version, status="solved"),
                                  agent_id=supervisor_id)


def _customer(db, name: str, tier: str, supervisor_id: int):
    """A customer with this tier, set as an override (the background refresher would re-derive a plain tier)."""
    customer = factories.customer(db, name=name)
    if tier != "standard":
        with db.write() as session:
            tiers.set_override(session, customer=session.get(Customer, customer.id), tier=tier, reason="test",
                               agent_id=supervisor_id)
    return customer


def _open(db, customer, priority="normal"):
    with db.write() as session:
        ticket = service.open_ticket(session, customer=session.get(Customer, customer.id),
                                     data=TicketCreate(subject="No cooling", body="Since yesterday.", priority=priority),
                                     agent_id=None)
    OPENED.append(ticket.number)
    return ticket


@pytest.mark.parametrize("tier, priority, first_minutes, resolution_minutes", [
    ("platinum", "normal", 60, 480),  # tier_sla_policy
    ("gold", "urgent", 20, 180),
    ("silver", "low", 360, 3600),
    ("standard", "normal", 240, 1440),  # no tier row: sla_policy
])
def test_a_new_ticket_gets_its_tiers_due_times(db, supervisor_id, tier, priority, first_minutes, resolution_minutes):
    customer = _customer(db, "Tiered Buyer", tier, supervisor_id)
    ticket = _open(db, customer, priority)
    assert ticket.first_response_due - ticket.created_at == timedelta(minutes=first_minutes)
    assert ticket.resolution_due - ticket.created_at == timedelta(minutes=resolution_minutes)


def test_premium_customers_get_tighter_targets_than_standard(db, supervisor_id):
    standard = _open(db, _customer(db, "Standard Buyer", "standard", supervisor_id))
    premium = _open(db, _customer(db, "Premium Buyer", "platinum", supervisor_id))
    assert premium.first_response_due - premium.created_at < standard.first_response_due - standard.created_at
    assert premium.resolution_due - premium.created_at < standard.resolution_due - standard.created_at


def test_a_priority_change_uses_the_customers_tier(db, supervisor_id):
    customer = _customer(db, "Gold Buyer", "gold", supervisor_id)
    ticket = _open(db, customer, "low")
    with db.write() as session:
        fresh = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=fresh, data=TicketUpdate(version=fresh.version, priority="high"),
                              agent_id=supervisor_id)
    with db.read() as session:
        fresh = service.get_ticket(session, ticket.number)
    assert fresh.first_response_due - fresh.created_at == timedelta(minutes=45)  # gold, high


def test_an_override_takes_effect_at_once_and_is_recorded(db, supervisor_id):
    customer = factories.customer(db, name="Override Buyer")
    with db.write() as session:
        tiers.set_override(session, customer=session.get(Customer, customer.id), tier="platinum",
                           reason="Builder buying for 40 flats", agent_id=supervisor_id)
    ticket = _open(db, customer)
    assert ticket.first_response_due - ticket.created_at == timedelta(minutes=60)  # platinum at once
    with db.write() as session:
        tiers.set_override(session, customer=session.get(Customer, customer.id), tier=None,
                           reason="Project finished", agent_id=supervisor_id)
    with db.read() as session:
        assert session.get(Customer, customer.id).tier == "standard"
        assert session.get(TierOverride, customer.id) is None
        changes = session.exec(select(TierChange).where(TierChange.customer_id == customer.id)
                               .order_by(TierChange.id)).all()
    assert [(c.old_tier, c.new_tier, c.override, c.reason) for c in changes] == [
        ("standard", "platinum", True, "Builder buying for 40 flats"), ("platinum", "standard", False, "Project finished")]


@pytest.mark.parametrize("tier, reason, field", [("diamond", "x", "tier"), ("gold", "  ", "reason"),
                                                 ("gold", "x" * 501, "reason"), (None, "nothing to clear", "tier")])
def test_bad_overrides_are_refused(db, supervisor_id, tier, reason, field):
    customer = factories.customer(db, name="Refused Buyer")
    with db.write() as session, pytest.raises(tiers.TierInvalid) as refused:
        tiers.set_override(session, customer=session.get(Customer, customer.id), tier=tier, reason=reason,
                           agent_id=supervisor_id)
    assert field in refused.value.errors
