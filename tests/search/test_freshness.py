"""Search stays true to the database: after each kind of change to the history, once the indexer has run,
searching with the status and agent filters finds exactly the documents the database says it should."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from helpdesk.auth.service import CurrentAgent
from helpdesk.claims import service as claims
from helpdesk.claims.models import ClaimCreate, ClaimStatusChange, WarrantyClaim
from helpdesk.history.models import Interaction
from helpdesk.search import service
from helpdesk.search.indexer import Indexer
from helpdesk.search import changes
from helpdesk.search.cursor import read_cursor
from helpdesk.search.service import SearchParams
from helpdesk.tickets import calls, properties, satisfaction
from helpdesk.tickets import service as tickets
from helpdesk.tickets.models import CallLog, MessageCreate, Tag, Ticket, TicketCreate, TicketStatus, TicketUpdate
from helpdesk.timeutil import shop_today
from tests import factories
from tests.search.conftest import build_index, make_agent


TAG = "fresh-noise"


@dataclass
class World:
    author: object
    other: object
    customer: object
    product: object


@pytest.fixture(scope="module")
def world(store) -> World:
    author, other = make_agent(store.db, "Fresh Author"), make_agent(store.db, "Fresh Other")
    customer = factories.customer(store.db, name="Fresh Customer")
    product = factories.product(store.db, name="Inverter AC 1.5 t", model_number="AC-15INV", warranty_months=24)
    with store.db.write() as session:
        session.add(Tag(name=TAG))
        session.commit()
    return World(author, other, customer, product)


@pytest.fixture(scope="module")
def indexer(store, tmp_path_factory) -> Indexer:
    layout, engine = build_index(store.db, tmp_path_factory.mktemp("fresh-index"))
    return Indexer(store.db, layout, engine)


def _documents_of(session, ticket: Ticket) -> dict[str, str | None]:
    """Every search document the ticket is in, with the agent the index should file it under (from the database)."""
    assignee = str(ticket.assignee_id) if ticket.assignee_id else None
    docs = {f"ticket:{ticket.id}": assignee}
    for entry_id, author_id in session.exec(
            select(Interaction.id, Interaction.author_id).where(Interaction.ticket_id == ticket.id)).all():
        docs[f"interaction:{entry_id}"] = str(author_id) if author_id else None
    for claim_id in session.exec(select(WarrantyClaim.id).where(WarrantyClaim.ticket_id == ticket.id)).all():
        docs[f"claim:{claim_id}"] = assignee
    return docs


def _found(store, indexer, number: str, **filters) -> set[str]:
    with store.db.read() as session:
        results = service.search(session, indexer.engine, SearchParams(q=number, **filters))
    assert results.unavailable is None and not results.problems
    assert results.total < service.PAGE_SIZE, "the check reads one page: keep test threads short"
    return {hit.key for hit in results.hits}


def assert_search_matches_database(store, indexer, number: str, agents: list) -> None:
    """Status and agent filters each return exactly what the database holds for this ticket."""
    while indexer.run_once():
        pass
    with store.db.read() as session:
        ticket = tickets.get_ticket(session, number)
        docs = _documents_of(session, ticket)
    assert changes.pending_count(store.db, read_cursor(indexer.layout.current_dir())) == 0, "changes left behind"
    assert _found(store, indexer, number, status=ticket.status) == set(docs)
    for status in TicketStatus:
        if status != ticket.status:
            assert _found(store, indexer, number, status=status) == set(), f"still found under {status}"
    for agent in agents:
        expected = {key for key, agent_id in docs.items() if agent_id == str(agent.id)}
        assert _found(store, indexer, number, agent=str(agent.id)) == expected, f"agent filter for {agent.name}"
        assert _found(store, indexer, number, agent=str(agent.id), status=ticket.status) == expected


def _open(store, world, *, channel="phone") -> Ticket:
    with store.db.write() as session:
        customer = session.merge(world.customer)
        return tickets.open_ticket(session, customer=customer, agent_id=world.author.id,
                                   data=TicketCreate(subject="Cooling weak", body="Room does not cool", channel=channel))


def _fresh(session, ticket: Ticket) -> Ticket:
    return tickets.get_ticket(session, ticket.number)


def _update(store, world, ticket, **change) -> None:
    with store.db.write() as session:
        fresh = _fresh(session, ticket)
        properties.update_ticket(session, ticket=fresh, data=TicketUpdate(version=fresh.version, **change),
                                 agent_id=world.author.id)


def _message(store, world, ticket, kind: str, status: str | None = None) -> None:
    with store.db.write() as session:
        tickets.add_message(session, ticket=_fresh(session, ticket), agent_id=world.author.id,
                            data=MessageCreate(kind=kind, body=f"A {kind} on the case", status=status))


def _call(store, world, ticket) -> None:
    with store.db.write() as session:
        calls.log_call(session, customer=session.merge(world.customer), agent_id=world.author.id,
                       data=CallLog(summary="Called back", ticket_number=ticket.number))


def _file_claim(store, world, tmp_path) -> str:
    # One open claim per item: each claim gets an item of its own.
    purchase = factories.purchase(store.db, world.customer, on=shop_today() - timedelta(days=30),
                                  lines=[(world.product, None, 3_500_000)])
    line_id = factories.line_of(store.db, purchase).id
    with store.db.write() as session:
        filed = claims.file_claim(
            session, customer=session.merge(world.customer), photos=[], today=shop_today(),
            agent_id=world.author.id,
            data=ClaimCreate(purchase_line_id=line_id, fault_category="Does not work", description="Not cooling"),
        )
        return filed.ticket_number


def _claim_step(store, world, number: str, status: str) -> None:
    with store.db.write() as session:
        claim = session.exec(select(WarrantyClaim).join(Ticket, Ticket.id == WarrantyClaim.ticket_id)
                             .where(Ticket.number == number)).one()
        supervisor = CurrentAgent(id=world.author.id, email="x@helpdesk.local", name="Fresh Author", role="supervisor")
        claims.change_status(session, claim=claim, change=ClaimStatusChange(status=status), agent=supervisor)


def _solved(store, world) -> Ticket:
    ticket = _open(store, world)
    _update(store, world, ticket, status="solved")
    return ticket


def _opened(store, world, tmp) -> str:
    return _open(store, world).number


def _solved_number(store, world, tmp) -> str:
    return _solved(store, world).number


def _assigned(store, world, tmp) -> str:
    number = _opened(store, world, tmp)
    _update(store, world, _by_number(store, number), assignee_id=world.other.id)
    return number


def _nothing_yet(store, world, tmp) -> None:
    return None


def _by_number(store, number: str) -> Ticket:
    with store.db.read() as session:
        return tickets.get_ticket(session, number)


# Each change: how to reach the state before it (indexed first), then the change itself (indexed from the queue).
CHANGES: dict[str, tuple[Callable, Callable]] = {
    "ticket opened": (_nothing_yet, lambda store, world, tmp, number: _open(store, world).number),
    "call logged on it": (_opened, lambda store, world, tmp, number: _call(store, world, _by_number(store, number))),
    "public reply (opens it)": (_opened, lambda store, world, tmp, number: _message(store, world, _by_number(store, number), "reply")),
    "e-mail": (_opened, lambda store, world, tmp, number: _message(store, world, _by_number(store, number), "email")),
    "internal note": (_opened, lambda store, world, tmp, number: _message(store, world, _by_number(store, number), "note")),
    "reply that sets pending": (_opened, lambda store, world, tmp, number: _message(
        store, world, _by_number(store, number), "reply", status="pending")),
    "status new → open": (_opened, lambda store, world, tmp, number: _update(store, world, _by_number(store, number),
                                                                             status="open")),
    "status new → pending": (_opened, lambda store, world, tmp, number: _update(store, world, _by_number(store, number),
                                                                                status="pending")),
    "priority changed": (_opened, lambda store, world, tmp, number: _update(store, world, _by_number(store, number),
                                                                            priority="urgent")),
    "assigned to another agent": (_opened, lambda store, world, tmp, number: _update(
        store, world, _by_number(store, number), assignee_id=world.other.id)),
    "unassigned": (_assigned, lambda store, world, tmp, number: _update(store, world, _by_number(store, number),
                                                                        unassign=True)),
    "tags set": (_opened, lambda store, world, tmp, number: _update(store, world, _by_number(store, number), tags=[TAG])),
    "solved": (_opened, lambda store, world, tmp, number: _update(store, world, _by_number(store, number), status="solved")),
    "the agent's score": (_solved_number, lambda store, world, tmp, number: _update(
        store, world, _by_number(store, number), satisfaction_score=4)),
    "the customer's own score": (_solved_number, lambda store, world, tmp, number: _customer_score(store, world, number)),
    "reopened": (_solved_number, lambda store, world, tmp, number: _update(store, world, _by_number(store, number),
                                                                           status="open")),
    "claim filed": (_nothing_yet, lambda store, world, tmp, number: _file_claim(store, world, tmp)),
    "claim step": (lambda store, world, tmp: _file_claim(store, world, tmp),
                   lambda store, world, tmp, number: _claim_step(store, world, number, "in_review")),
}


def _customer_score(store, world, number: str) -> None:
    ticket = _by_number(store, number)
    with store.db.write() as session:
        token = satisfaction.new_link(session, ticket=_fresh(session, ticket))
    with store.db.write() as session:
        satisfaction.record_from_customer(session, token=token, score=5, comment="Quick fix")


@pytest.mark.parametrize("change", list(CHANGES))
def test_search_filters_match_the_database_after(change, store, world, indexer, tmp_path):
    before, make_change = CHANGES[change]
    number = before(store, world, tmp_path)
    if number:
        assert_search_matches_database(store, indexer, number, [world.author, world.other])
    # The change alone reaches the index through the queue.
    number = make_change(store, world, tmp_path, number) or number
    assert_search_matches_database(store, indexer, number, [world.author, world.other])


def test_a_status_change_moves_every_entry_to_the_new_status(store, world, indexer):
    """The reported case: open → pending, then the status filter finds the entries under pending only."""
    ticket = _open(store, world)
    _message(store, world, ticket, "reply")
    assert_search_matches_database(store, indexer, ticket.number, [world.author])
    assert _found(store, indexer, ticket.number, status="open")
    _update(store, world, ticket, status="pending")
    while indexer.run_once():
        pass
    assert _found(store, indexer, ticket.number, status="open") == set()
    assert len(_found(store, indexer, ticket.number, status="pending")) >= 4  # ticket, first call, reply, two events
