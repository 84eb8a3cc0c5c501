"""Only a rejection's reason written for the customer reaches the customer's status page; agents' notes never do."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from litestar.testing import TestClient

from helpdesk.claims import service
from helpdesk.claims.models import ClaimCreate
from helpdesk.customers import service as customers
from helpdesk.timeutil import shop_today
from tests.conftest import csrf_from, parse

INTERNAL = "INTERNAL: suspected misuse, check the serial"
FOR_CUSTOMER = "The damage was caused by a fall, which the warranty does not cover."


@dataclass
class SelfServiceClaim:
    number: str
    status_path: str


@pytest.fixture
def filed(db, settings, buyer) -> SelfServiceClaim:
    """A claim the customer filed on the public page, with its status link."""
    with db.write() as session:
        customer = customers.customer_by_row_id(session, buyer.customer.id)
        result = service.file_claim(
            session, customer=customer, photos=[], today=shop_today(), agent_id=None,
            self_service=True, data=ClaimCreate(purchase_line_id=buyer.washer_line.id, fault_category="Not draining",
                                                description="Paani ruka hai"))
    return SelfServiceClaim(result.claim.number, f"/warranty/status/{result.status_token}")


def _move(client, number, status, **texts):
    page = client.get(f"/claims/{number}")
    current = parse(page.text).css_first("input[name=current]").attributes["value"]
    return client.post(f"/claims/{number}/status", data={"status": status, "current": current, **texts,
                                                         "_csrf_token": csrf_from(page.text)})


def _public_text(app, path) -> str:
    with TestClient(app) as stranger:
        response = stranger.get(path)
        assert response.status_code == 200
        return parse(response.text).body.text()


def test_an_internal_reason_never_reaches_the_status_page(client, app, filed):
    assert _move(client, filed.number, "in_review", reason=INTERNAL).status_code == 200
    text = _public_text(app, filed.status_path)
    assert "In review" in text
    assert "INTERNAL" not in text and "misuse" not in text
    # The agents still have it.
    assert INTERNAL in parse(client.get(f"/claims/{filed.number}").text).css_first("#claim-reason").text()


def test_a_rejection_shows_only_the_reason_for_the_customer(client, app, filed):
    _move(client, filed.number, "in_review")
    response = _move(client, filed.number, "rejected", reason=INTERNAL, customer_reason=FOR_CUSTOMER)
    assert parse(response.text).css_first("#claim-status").text(strip=True) == "Rejected"
    text = _public_text(app, filed.status_path)
    assert FOR_CUSTOMER in text and "INTERNAL" not in text and "misuse" not in text
    # Closing the rejected claim keeps the customer's explanation, and still nothing internal.
    _move(client, filed.number, "closed", reason="Closed after a call: " + INTERNAL)
    text = _public_text(app, filed.status_path)
    assert FOR_CUSTOMER in text and "INTERNAL" not in text


def test_a_reason_for_the_customer_goes_only_with_a_rejection(client, filed):
    response = _move(client, filed.number, "in_review", customer_reason="We are looking into it")
    tree = parse(response.text)
    assert response.status_code == 400
    assert "Only a rejection" in tree.css_first("#claim-customer-reason-error").text()
    assert tree.css_first("#claim-status").text(strip=True) == "Submitted"


def test_the_form_says_which_text_the_customer_sees(client, filed):
    tree = parse(client.get(f"/claims/{filed.number}").text)
    assert "status page" in tree.css_first("#claim-customer-reason-help").text()
    assert "never shown to the customer" in tree.css_first("#claim-reason-help").text()
    assert tree.css_first("label[for=claim-customer-reason-input]").text().startswith("Reason for the customer")
    assert tree.css_first("label[for=claim-reason-input]").text().startswith("Internal note")


def test_the_api_keeps_the_two_texts_apart(client, app, filed):
    client.get("/")
    headers = {"x-csrftoken": client.cookies.get("csrftoken")}
    url = f"/api/claims/{filed.number}/status"
    assert client.post(url, json={"status": "in_review", "reason": INTERNAL}, headers=headers).status_code == 200
    refused = client.post(url, json={"status": "rejected", "reason": INTERNAL}, headers=headers)
    assert refused.status_code == 422 and refused.json()["extra"][0]["key"] == "customer_reason"
    body = client.post(url, json={"status": "rejected", "reason": INTERNAL, "customer_reason": FOR_CUSTOMER},
                       headers=headers).json()
    assert (body["decision_reason"], body["customer_reason"]) == (INTERNAL, FOR_CUSTOMER)
    text = _public_text(app, filed.status_path)
    assert FOR_CUSTOMER in text and "INTERNAL" not in text
