"""The public warranty page: both facts or nothing, own items only, the rate limit, status links."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import delete

from helpdesk.throttle.models import Throttle
from helpdesk.claims.self_service import NOT_VERIFIED
from tests import factories
from tests.claims.conftest import JPEG
from tests.conftest import csrf_from, parse, texts


@pytest.fixture
def public(app, db):
    with db.write() as session:
        session.execute(delete(Throttle))
        session.commit()
    with TestClient(app) as client:
        yield client


def _verify(client, customer, second):
    page = client.get("/warranty")
    return client.post("/warranty", data={"customer": customer, "second": second, "_csrf_token": csrf_from(page.text)},
                       follow_redirects=True)


def _message(response) -> str:
    node = parse(response.text).css_first("#verify-message")
    return node.text(strip=True) if node else ""


def test_page_is_open_to_anyone(public):
    response = public.get("/warranty")
    assert response.status_code == 200 and parse(response.text).css_first("#warranty-customer") is not None


def test_right_pair_by_order_number_shows_own_items_only(public, db, buyer):
    other = factories.customer(db, name="Other Person", city="Chennai")
    product = factories.product(db, name="Air cooler 40 L", model_number="CL-40", warranty_months=12, category="Air cooler")
    factories.purchase(db, other, on=factories.date(2026, 6, 1), lines=[(product, "CL-SN", 900_000)])
    response = _verify(public, buyer.customer.code, buyer.order_number)
    assert response.status_code == 200
    tree = parse(response.text)
    values = {node.attributes["value"] for node in tree.css("input[name=purchase_line_id]")}
    assert values == {str(buyer.washer_line.id), str(buyer.fridge_line.id)}
    text = tree.body.text()
    assert "CL-40" not in text and "Sunita" not in text and "Other Person" not in text


def test_right_pair_by_phone_digits(public, buyer):
    response = _verify(public, buyer.customer.code, buyer.phone_last4)
    assert parse(response.text).css_first("#public-claim-form") is not None


@pytest.mark.parametrize("which", ["wrong_order", "wrong_digits", "wrong_id", "malformed_id", "other_customers_order"])
def test_wrong_pair_gets_the_same_message(public, db, buyer, which):
    stranger = factories.customer(db, name="Stranger")
    product = factories.product(db, name="Fan", model_number="FN-1", warranty_months=24)
    strangers_order = factories.purchase(db, stranger, on=factories.date(2026, 1, 1), lines=[(product, None, 100)]).order_number
    customer, second = {
        "wrong_order": (buyer.customer.code, "ORD-NOPE-1"),
        "wrong_digits": (buyer.customer.code, "0000" if buyer.phone_last4 != "0000" else "1111"),
        "wrong_id": (factories.unique_code(), buyer.order_number),
        "malformed_id": ("12345", buyer.order_number),
        "other_customers_order": (buyer.customer.code, strangers_order),
    }[which]
    response = _verify(public, customer, second)
    assert response.status_code == 400
    assert _message(response) == NOT_VERIFIED
    assert parse(response.text).css_first("#public-claim-form") is None


def test_rate_limit_per_customer_id(public, buyer):
    for _ in range(5):
        assert _verify(public, buyer.customer.code, "ORD-WRONG").status_code == 400
    blocked = _verify(public, buyer.customer.code, buyer.order_number)
    assert blocked.status_code == 429 and "Too many attempts for this customer ID" in _message(blocked)


def test_rate_limit_per_client(public, db):
    for index in range(20):
        _verify(public, factories.unique_code(), f"ORD-{index}")
    blocked = _verify(public, factories.unique_code(), "ORD-X")
    assert blocked.status_code == 429 and "from this connection" in _message(blocked)


def test_file_a_claim_and_follow_it(public, client, buyer):
    _verify(public, buyer.customer.code, buyer.order_number)
    form = parse(public.get("/warranty").text)
    data = {"purchase_line_id": str(buyer.washer_line.id), "fault_category": "Not draining",
            "description": "पानी नहीं निकल रहा, drum me paani ruka hai", "remedy": "repair",
            "idempotency_key": form.css_first("input[name=idempotency_key]").attributes["value"],
            "_csrf_token": csrf_from(form.html)}
    filed = public.post("/warranty/claim", data=data, files=[("photos", ("leak.jpg", JPEG, "image/jpeg"))])
    assert filed.status_code == 200
    tree = parse(filed.text)
    number = tree.css_first("#filed-number").text(strip=True)
    link = tree.css_first("#status-link").attributes["href"]
    status_path = link[link.index("/warranty/status/"):]
    with TestClient(public.app) as stranger:
        status = stranger.get(status_path)
        assert status.status_code == 200 and number in status.text
        assert parse(status.text).css_first("#public-status").text(strip=True) == "Submitted"
        assert "Sunita" not in status.text
        assert stranger.get(status_path[:-3] + "xyz").status_code == 404
    agent_view = parse(client.get(f"/claims/{number}").text)
    assert "by the customer" in agent_view.text() and len(agent_view.css("img.claim-photo")) == 1


def test_claim_form_errors_keep_input(public, buyer):
    _verify(public, buyer.customer.code, buyer.order_number)
    form = parse(public.get("/warranty").text)
    data = {"purchase_line_id": str(buyer.washer_line.id), "fault_category": "", "description": "Kuch kaam nahi kar raha",
            "remedy": "repair", "_csrf_token": csrf_from(form.html)}
    response = public.post("/warranty/claim", data=data, files=[("photos", ("", b"", "application/octet-stream"))])
    tree = parse(response.text)
    assert response.status_code == 400
    assert tree.css_first("#fault-error") is not None
    assert tree.css_first("#public-description").text() == "Kuch kaam nahi kar raha"


def test_cannot_claim_someone_elses_item_even_when_verified(public, db, buyer):
    other = factories.customer(db, name="Not You")
    product = factories.product(db, name="Geyser", model_number="GY-9", warranty_months=24, category="Geyser")
    line = factories.line_of(db, factories.purchase(db, other, on=factories.date(2026, 5, 1), lines=[(product, None, 100)]))
    _verify(public, buyer.customer.code, buyer.order_number)
    form = parse(public.get("/warranty").text)
    data = {"purchase_line_id": str(line.id), "fault_category": "Not heating", "description": "x", "remedy": "repair",
            "_csrf_token": csrf_from(form.html)}
    response = public.post("/warranty/claim", data=data, files=[("photos", ("", b"", "application/octet-stream"))])
    assert response.status_code == 400 and "not one of this customer" in parse(response.text).css_first("#line-error").text()


def test_claim_without_verification_goes_back_to_the_start(public):
    page = public.get("/warranty")
    response = public.post("/warranty/claim", data={"_csrf_token": csrf_from(page.text)},
                           files=[("photos", ("", b"", "application/octet-stream"))], follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/warranty"


def test_done_forgets_the_verification(public, buyer):
    _verify(public, buyer.customer.code, buyer.order_number)
    page = public.get("/warranty")
    public.post("/warranty/done", data={"_csrf_token": csrf_from(page.text)})
    assert parse(public.get("/warranty").text).css_first("#public-claim-form") is None


def test_verified_visitor_is_not_an_agent(public, buyer):
    _verify(public, buyer.customer.code, buyer.order_number)
    assert public.get(f"/customers/{buyer.customer.code}", follow_redirects=False).status_code == 303
    assert public.get("/api/claims").status_code == 401


def test_items_listing_hides_names(public, buyer):
    response = _verify(public, buyer.customer.code, buyer.order_number)
    assert "WM 8KG-Z" in texts(parse(response.text), ".item-choice .mono")
