"""Issue 13: desk-wide results show the customer's name beside the ID and group a ticket's hits under it;
the customer page's history search says what it found and how to get back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests import factories
from tests.conftest import parse, texts
from tests.search.conftest import make_agent, note
from tests.search.test_web import wait_until_searchable


@dataclass
class Data:
    agent: object
    meera: object
    ticket: object


@pytest.fixture(scope="module")
def data(store) -> Data:
    agent = make_agent(store.db, "Grouping Agent")
    meera = factories.customer(store.db, name="Meera <b>Iyer</b>")
    other = factories.customer(store.db, name="Other Grouped")
    ticket = factories.ticket(store.db, meera, subject="Geyser thermostat", status="open", assignee_id=agent.id)
    when = datetime(2025, 9, 1, 10, 0, tzinfo=UTC)
    for index in range(3):
        note(store.db, meera, f"grouptest thermostat visit {index}", author_id=agent.id, ticket_id=ticket.id, created_at=when)
    note(store.db, other, "grouptest outside any ticket", author_id=agent.id, created_at=when)
    return Data(agent, meera, ticket)


@pytest.fixture
def client(store, data, client_for):
    client = client_for(store, data.agent)
    wait_until_searchable(client)
    return client


def test_a_tickets_hits_appear_once_under_the_ticket_with_the_customers_name(client, data):
    tree = parse(client.get("/search", params={"q": "grouptest"}).text)
    groups = tree.css(".hit-group")
    assert len(groups) == 1 and groups[0].attributes["data-ticket"] == data.ticket.number
    assert len(groups[0].css(".hit")) == 3
    assert texts(tree, "a.group-ticket") == [data.ticket.number]
    assert not tree.css(".hit-group .hit a.hit-ticket")  # the ticket is named once, in the group's head
    names = texts(tree, "a.hit-customer .customer-name")
    assert "Meera <b>Iyer</b>" in names and "Other Grouped" in names  # shown as text, escaped
    assert not tree.css("#search-results b")
    assert len(tree.css(".hit")) == 4


def test_history_search_counts_and_offers_the_way_back(client, data):
    found = parse(client.get("/search", params={"q": "thermostat", "customer": data.meera.code, "in": "history"},
                             headers={"HX-Request": "true"}).text)
    assert "found in this customer's history" in found.css_first("#result-count").text()
    assert found.css_first("[data-history-reset]") is not None
    none = parse(client.get("/search", params={"q": "zzznomatch", "customer": data.meera.code, "in": "history"},
                            headers={"HX-Request": "true"}).text)
    assert "No entries match" in none.css_first("#result-count").text()
