"""After a ticket merge, search finds the moved entries under the ticket kept."""

from __future__ import annotations

from helpdesk.search import service
from helpdesk.search.indexer import Indexer
from helpdesk.search.service import SearchParams
from helpdesk.tickets import merging
from helpdesk.tickets import service as tickets
from helpdesk.tickets.models import TicketCreate
from tests import factories
from tests.search.conftest import build_index, make_agent


def _hits(store, indexer, words: str):
    while indexer.run_once():
        pass
    with store.db.read() as session:
        return service.search(session, indexer.engine, SearchParams(q=words)).hits


def test_moved_entries_are_found_under_the_primary(store, tmp_path):
    agent = make_agent(store.db, "Merge Searcher")
    customer = factories.customer(store.db, name="Merge Customer")
    with store.db.write() as session:
        owner = session.merge(customer)
        primary = tickets.open_ticket(session, customer=owner, agent_id=agent.id,
                                      data=TicketCreate(subject="AC noisy", body="compressor rattles loudly"))
        secondary = tickets.open_ticket(session, customer=owner, agent_id=agent.id,
                                        data=TicketCreate(subject="AC again", body="कंप्रेसर zanzibarish खड़खड़"))
    layout, engine = build_index(store.db, tmp_path / "index")
    indexer = Indexer(store.db, layout, engine)
    before = [hit for hit in _hits(store, indexer, "zanzibarish") if hit.key.startswith("interaction:")]
    assert [hit.ticket_number for hit in before] == [secondary.number]

    with store.db.write() as session:
        merging.merge_tickets(session, secondary=tickets.get_ticket(session, secondary.number),
                              primary_number=primary.number, version=secondary.version, agent_id=agent.id)
    after = [hit for hit in _hits(store, indexer, "zanzibarish") if hit.key.startswith("interaction:")]
    assert [hit.ticket_number for hit in after] == [primary.number]
    marker = _hits(store, indexer, f"Merged {secondary.number}")
    assert any(hit.ticket_number == primary.number for hit in marker)
