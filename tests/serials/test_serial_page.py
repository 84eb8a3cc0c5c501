"""The service record of one unit: every claim, ticket and entry about its serial number, across owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from helpdesk.tickets.models import Ticket
from tests import factories
from tests.conftest import parse, texts

SERIAL = "WM9-SN-31337"


@dataclass
class Unit:
    first_owner: object
    second_owner: object
    first_line: object
    second_line: object
    claims: list
    tickets: list


def _ticket_about(db, customer, line, subject: str):
    ticket = factories.ticket(db, customer, subject=subject)
    with db.write() as session:
        row = session.get(Ticket, ticket.id)
        row.purchase_line_id = line.id
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


@pytest.fixture(scope="module")
def unit(db, agent) -> Unit:
    """A washing machine sold twice (returned, then resold to a second owner), with claims under both owners."""
    washer = factories.product(db, name="Top-load washer 9 kg", model_number="WM-9T", warranty_months=24)
    first_owner = factories.customer(db, name="Anil Kapoor")
    second_owner = factories.customer(db, name="सीमा गुप्ता")
    first = factories.line_of(db, factories.purchase(db, first_owner, on=date(2024, 2, 1), lines=[(washer, SERIAL, 2_000_000)]))
    second = factories.line_of(db, factories.purchase(db, second_owner, on=date(2025, 8, 1), lines=[(washer, SERIAL, 1_500_000)]))
    claims = [factories.claim(db, first_owner, first, status="closed", description="Drum leaks"),
              factories.claim(db, second_owner, second, status="closed", description="ड्रम से पानी")]
    tickets = [_ticket_about(db, first_owner, first, "Washer leaking"),
               _ticket_about(db, second_owner, second, "वॉशर फिर से लीक")]
    factories.interactions(db, second_owner, ["engineer visit booked for the leaking washer"],
                           start=datetime(2025, 9, 1, tzinfo=UTC), ticket_id=tickets[1].id)
    return Unit(first_owner, second_owner, first, second, claims, tickets)


def test_the_serial_page_lists_every_claim_ticket_and_entry_across_owners(client, unit):
    response = client.get(f"/serials/{SERIAL}")
    tree = parse(response.text)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert sorted(texts(tree, "#serial-claims td:first-child a")) == sorted(c.number for c in unit.claims)
    assert sorted(texts(tree, "#serial-tickets td:first-child a")) == sorted(t.number for t in unit.tickets)
    owners = [link.attributes["href"] for link in tree.css("#serial-owners td a")]
    assert owners == [f"/customers/{unit.first_owner.code}", f"/customers/{unit.second_owner.code}"]
    assert "सीमा गुप्ता" in texts(tree, "#serial-owners td a")
    assert any("engineer visit booked" in entry for entry in texts(tree, "#serial-entries li"))


def test_the_serial_page_is_a_page_or_a_partial(client, unit):
    partial = client.get(f"/serials/{SERIAL}", headers={"HX-Request": "true"})
    boosted = client.get(f"/serials/{SERIAL}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" not in partial.text and parse(partial.text).css_first("#serial-record") is not None
    assert "<html" in boosted.text


def test_an_unknown_serial_is_a_404_page(client):
    response = client.get("/serials/NO-SUCH-SERIAL-1")
    assert response.status_code == 404
    assert parse(response.text).css_first("#serial-not-found") is not None
    assert client.get("/serials/" + "X" * 61).status_code == 400


def test_the_lookup_box_falls_through_to_serials(client, unit):
    response = client.get("/lookup", params={"q": f"  {SERIAL.lower()} "}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get(response.headers["location"]).status_code == 200  # typed in small letters, stored in capitals
    htmx = client.get("/lookup", params={"q": SERIAL}, headers={"HX-Request": "true"})
    assert htmx.headers["hx-redirect"] == f"/serials/{SERIAL}"
    # Not an ID, not a phone, not a serial: the lookup still says what is wrong.
    assert client.get("/lookup", params={"q": "ZZ-NOTHING"}, follow_redirects=False).status_code != 303


def test_the_purchase_line_links_to_the_serial_page(client, unit):
    tree = parse(client.get(f"/customers/{unit.second_owner.code}").text)
    assert f"/serials/{SERIAL}" in [link.attributes["href"] for link in tree.css("a.serial-link")]


def test_claim_intake_says_this_is_the_third_claim_for_the_unit(client, unit):
    response = client.get("/claims/new", params={"customer": unit.second_owner.code, "line": unit.second_line.id})
    note = parse(response.text).css_first("#unit-history")
    assert note is not None and "third claim for this unit" in note.text()
    fresh = factories.customer(client.app.state.db, name="First Time")
    kettle = factories.product(client.app.state.db, name="Kettle", model_number="KT-1", warranty_months=12)
    line = factories.line_of(client.app.state.db, factories.purchase(client.app.state.db, fresh, on=date(2026, 6, 1),
                                                                     lines=[(kettle, "KT1-SN-UNIQUE", 150_000)]))
    first_claim = client.get("/claims/new", params={"customer": fresh.code, "line": line.id})
    assert parse(first_claim.text).css_first("#unit-history") is None
