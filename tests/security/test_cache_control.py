"""No page or answer with customer data may be kept by a cache: `Cache-Control: no-store` everywhere but our assets."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import delete

from helpdesk.throttle.models import Throttle
from helpdesk.tickets import satisfaction, service as tickets
from tests import factories
from tests.claims.conftest import JPEG
from tests.conftest import csrf_from, parse


def _no_store(response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.headers.get("cache-control") == "no-store", response.url


def test_agents_pages_and_answers(client, world):
    code = world.customer.code
    for path in ("/", f"/customers/{code}", f"/tickets/{world.open_ticket.number}", "/tickets",
                 f"/claims/{world.claim.number}", "/claims", f"/api/tickets/{world.open_ticket.number}",
                 f"/api/claims/{world.claim.number}", f"/lookup?q={code}&x=1"):
        response = client.get(path)
        if response.status_code == 200:
            _no_store(response)
        else:  # the lookup answers with a redirect to the customer page: still not for caches
            assert response.headers.get("cache-control") == "no-store"


def test_claim_photos_are_not_cached(client, buyer):
    client.get("/")
    data = {"customer": buyer.customer.code, "purchase_line_id": str(buyer.washer_line.id),
            "fault_category": "Drum not spinning", "description": "Drum stopped", "remedy": "repair"}
    filed = client.post("/claims", data=data, files=[("photos", ("front.jpg", JPEG, "image/jpeg"))],
                        headers={"x-csrftoken": client.cookies.get("csrftoken")}, follow_redirects=True)
    src = parse(filed.text).css_first("img.claim-photo").attributes["src"]
    _no_store(client.get(src))


@pytest.fixture
def public(app, db):
    with db.write() as session:
        session.execute(delete(Throttle))
        session.commit()
    with TestClient(app) as browser:
        yield browser


def test_public_pages_verified_warranty_status_link_and_survey(public, db, buyer):
    page = public.get("/warranty")
    _no_store(page)
    verified = public.post("/warranty", data={"customer": buyer.customer.code, "second": buyer.order_number,
                                              "_csrf_token": csrf_from(page.text)})
    _no_store(verified)  # the customer's own items
    form = parse(verified.text)
    filed = public.post("/warranty/claim", data={
        "purchase_line_id": str(buyer.washer_line.id), "fault_category": "Not draining", "description": "Paani ruka hai",
        "remedy": "repair", "_csrf_token": csrf_from(form.html)}, files=[("photos", ("", b"", "application/octet-stream"))])
    _no_store(filed)
    link = parse(filed.text).css_first("#status-link").attributes["href"]
    _no_store(public.get(link[link.index("/warranty/status/"):]))

    solved = factories.ticket(db, buyer.customer, subject="Fixed", status="solved")
    with db.write() as session:
        token = satisfaction.new_link(session, ticket=tickets.get_ticket(session, solved.number))
    _no_store(public.get(f"/satisfaction/{token}"))


def test_our_own_assets_may_be_cached(anon):
    response = anon.get("/static/app.css")
    assert response.status_code == 200 and response.headers.get("cache-control") != "no-store"
