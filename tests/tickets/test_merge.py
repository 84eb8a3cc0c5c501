"""Ticket merge: a supervisor merges two tickets of one customer; the thread moves, both threads say so."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from tests import factories
from tests.conftest import csrf_from, parse, sign_in, texts


@pytest.fixture(scope="module")
def supervisor(db):
    return factories.agent(db, f"merge.sup.{secrets.token_hex(3)}@helpdesk.local", role="supervisor",
                           name="Mohan Supervisor")


@pytest.fixture
def boss(app, supervisor):
    with TestClient(app) as client:
        assert sign_in(client, supervisor.email).status_code == 303
        yield client


def _two_tickets(db, customer=None, other_customer=None):
    customer = customer or factories.customer(db, name="Kiran Das")
    primary = factories.ticket(db, customer, subject="Fridge not cooling")
    secondary = factories.ticket(db, other_customer or customer, subject="Fridge again (second call)")
    factories.interactions(db, customer, ["first call about cooling"], start=datetime(2026, 11, 1, tzinfo=UTC),
                           ticket_id=primary.id)
    factories.interactions(db, other_customer or customer, ["फ्रिज ठंडा नहीं करता, second call"],
                           start=datetime(2026, 11, 2, tzinfo=UTC), ticket_id=secondary.id)
    return primary, secondary


def _merge(client: TestClient, secondary, primary_number: str, **headers):
    page = client.get(f"/tickets/{secondary.number}/merge")
    version = parse(page.text).css_first("#merge-form input[name=version]").attributes["value"]
    return client.post(f"/tickets/{secondary.number}/merge", headers=headers, follow_redirects=False,
                       data={"primary": primary_number, "version": version, "_csrf_token": csrf_from(page.text)})


def test_merging_moves_the_thread_and_marks_both_tickets(db, boss):
    primary, secondary = _two_tickets(db)
    response = _merge(boss, secondary, primary.number)
    assert response.status_code == 303 and response.headers["location"] == f"/tickets/{primary.number}"

    kept = parse(boss.get(f"/tickets/{primary.number}").text)
    thread = texts(kept, "#thread li")
    assert any("first call about cooling" in entry for entry in thread)
    assert any("फ्रिज ठंडा नहीं करता, second call" in entry for entry in thread)
    assert any(f"Merged {secondary.number}" in entry for entry in thread)

    closed = parse(boss.get(f"/tickets/{secondary.number}").text)
    assert closed.css_first("#ticket-status").text(strip=True) == "Closed"
    link = closed.css_first("#merged-into a")
    assert link.attributes["href"] == f"/tickets/{primary.number}"
    secondary_thread = texts(closed, "#thread li")
    assert any(f"Merged into {primary.number}" in entry for entry in secondary_thread)
    assert not any("second call" in entry for entry in secondary_thread)


def test_tickets_of_different_customers_cannot_merge(db, boss):
    primary, secondary = _two_tickets(db, other_customer=factories.customer(db, name="Someone Else"))
    response = _merge(boss, secondary, primary.number)
    tree = parse(response.text)
    assert response.status_code == 400
    assert "another customer" in tree.css_first("#primary-error").text()
    assert tree.css_first("#merge-primary").attributes["value"] == primary.number
    still = parse(boss.get(f"/tickets/{secondary.number}").text)
    assert any("second call" in entry for entry in texts(still, "#thread li"))


def test_bad_merge_input_is_a_clear_refusal(db, boss):
    primary, secondary = _two_tickets(db)
    assert _merge(boss, secondary, secondary.number).status_code == 400
    missing = _merge(boss, secondary, "T-999999999")
    assert missing.status_code == 400 and "no ticket" in parse(missing.text).css_first("#primary-error").text()
    htmx = _merge(boss, secondary, "", **{"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.text
    assert parse(htmx.text).css_first("#primary-error") is not None


def test_agents_cannot_merge(db, client):
    primary, secondary = _two_tickets(db)
    assert client.get(f"/tickets/{secondary.number}/merge").status_code == 403
    token = csrf_from(client.get(f"/tickets/{secondary.number}").text)
    response = client.post(f"/tickets/{secondary.number}/merge", data={"primary": primary.number, "version": "1",
                                                                       "_csrf_token": token})
    assert response.status_code == 403
    assert parse(client.get(f"/tickets/{secondary.number}").text).css_first("#merge-link") is None
