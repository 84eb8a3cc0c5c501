"""Idempotency keys belong to whoever sent them: another agent's (or customer's) key never returns their row."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import func, select

from helpdesk.claims import service as claims
from helpdesk.claims.models import ClaimCreate
from helpdesk.customers import service as customers
from helpdesk.history.models import Interaction
from helpdesk.timeutil import shop_today
from tests import factories
from tests.conftest import csrf_from, sign_in


def _headers(client: TestClient) -> dict[str, str]:
    client.get("/")
    return {"x-csrftoken": client.cookies.get("csrftoken")}


@pytest.fixture
def other_agent(app, db) -> Iterator[TestClient]:
    """A second agent's browser, signed in."""
    bharat = factories.agent(db, "bharat.agent@helpdesk.local", name="Bharat Agent")
    with TestClient(app) as browser:
        assert sign_in(browser, bharat.email).status_code == 303
        yield browser


@pytest.fixture
def key() -> str:
    return "key-" + secrets.token_hex(6)


def _ticket(client, customer_code: str, key: str, subject: str = "Fridge not cooling"):
    body = {"customer_id": customer_code, "subject": subject, "body": "Since Monday", "idempotency_key": key}
    return client.post("/api/tickets", json=body, headers=_headers(client))


def test_another_agents_key_creates_its_own_ticket(client, other_agent, db, key):
    victim = factories.customer(db, name="Meera Iyer")
    other = factories.customer(db, name="Ravi Kumar")
    first = _ticket(client, victim.code, key)
    assert first.status_code == 201
    # The same key from another agent, for another customer: its own ticket, nothing of Meera's.
    second = _ticket(other_agent, other.code, key)
    assert second.status_code == 201, second.text
    assert second.json()["number"] != first.json()["number"]
    assert second.json()["customer_id"] == other.code and "Meera" not in second.text
    # The first agent's own retry is still answered with its own ticket.
    assert _ticket(client, victim.code, key).json()["number"] == first.json()["number"]


def test_another_agents_key_is_not_a_retry_even_for_the_same_request(client, other_agent, db, key):
    customer = factories.customer(db, name="Farah Khan")
    first = _ticket(client, customer.code, key)
    second = _ticket(other_agent, customer.code, key)
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] != second.json()["number"]


def test_one_agent_reusing_a_key_for_another_customer_is_refused(client, db, key):
    first, second = factories.customer(db, name="Anil"), factories.customer(db, name="Sunil")
    assert _ticket(client, first.code, key).status_code == 201
    reused = _ticket(client, second.code, key)
    assert reused.status_code == 422
    assert reused.json()["extra"][0]["key"] == "idempotency_key"
    assert "Anil" not in reused.text


def test_interaction_keys_are_per_agent(client, other_agent, db, key):
    number = factories.ticket(db, factories.customer(db, name="Zoya"), subject="Noisy fan").number
    mine = client.post(f"/api/tickets/{number}/interactions", json={"body": "Called back", "idempotency_key": key},
                       headers=_headers(client))
    theirs = other_agent.post(f"/api/tickets/{number}/interactions", json={"body": "Sent parts", "idempotency_key": key},
                              headers=_headers(other_agent))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and theirs.json()["body"] == "Sent parts"


def test_claim_keys_are_per_agent(client, other_agent, db, key):
    product = factories.product(db, name="Geyser 15 L", model_number="GY-15", warranty_months=24, category="Geyser")
    owners = [factories.customer(db, name=name) for name in ("Pooja", "Kiran")]
    lines = [factories.line_of(db, factories.purchase(db, owner, on=shop_today() - timedelta(days=30),
                                                      lines=[(product, f"GY-{owner.code}", 900_000)])) for owner in owners]
    numbers = []
    for browser, owner, line in zip((client, other_agent), owners, lines):
        body = {"customer_id": owner.code, "purchase_line_id": line.id, "fault_category": "Not heating",
                "description": "Cold water only", "idempotency_key": key}
        response = browser.post("/api/claims", json=body, headers=_headers(browser))
        assert response.status_code == 201, response.text
        assert response.json()["customer_id"] == owner.code
        numbers.append(response.json()["number"])
    assert numbers[0] != numbers[1]


def test_public_claims_are_scoped_to_the_verified_customer(db, settings, key):
    """Two customers' browsers may send the same key (or an attacker may replay one): each gets only their own claim."""
    product = factories.product(db, name="Mixer 750 W", model_number="MX-750", warranty_months=24, category="Mixer grinder")
    filed = []
    for name in ("Lata", "Gopal"):
        owner = factories.customer(db, name=name)
        line = factories.line_of(db, factories.purchase(db, owner, on=shop_today() - timedelta(days=10),
                                                        lines=[(product, None, 300_000)]))
        with db.write() as session:
            result = claims.file_claim(
                session, customer=customers.customer_by_row_id(session, owner.id), photos=[], today=shop_today(), agent_id=None, self_service=True,
                data=ClaimCreate(purchase_line_id=line.id, fault_category="Motor not running", description="Stopped",
                                 idempotency_key=key))
        assert not result.already_filed and result.claim.customer_id == owner.id
        filed.append(result.claim.number)
    assert filed[0] != filed[1]


def test_logged_calls_are_scoped_per_agent(client, other_agent, db, key):
    code = factories.customer(db, name="Imran").code
    for browser in (client, other_agent):
        page = browser.get(f"/customers/{code}/call-form")
        response = browser.post(f"/customers/{code}/calls", data={"summary": "Asked about delivery", "idempotency_key": key,
                                                                  "_csrf_token": csrf_from(page.text)},
                                follow_redirects=False)
        assert response.status_code == 303
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Interaction).where(Interaction.idempotency_key == key)).one() == 2
