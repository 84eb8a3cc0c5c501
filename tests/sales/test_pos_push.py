"""The POS pushes sales: who may (tokens), what it must send (a 422 per field), and who bought (ID, match, new)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from helpdesk.audit.service import SYSTEM
from helpdesk.auth import tokens
from helpdesk.privacy import store as personal
from helpdesk.sales.models import Purchase, PurchaseLine
from tests import factories
from tests.sales.conftest import sale

GSTIN = "27AAPFU0939F1ZV"  # a well-formed GSTIN (Maharashtra): state code, PAN, entity, Z, check character


def _keys(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {problem["key"]: problem["message"] for problem in response.json()["extra"]}


@pytest.fixture(scope="module")
def buyer(db):
    return factories.customer(db, name="Kavita Rao", phone="+919845000111", email="kavita@example.in")


# --- who may push ----------------------------------------------------------------------------------------------


def test_a_sale_is_recorded_with_a_pos_token(pos, db, buyer, fridge):
    response = pos.post("/api/pos/purchases", json=sale({"customer_id": buyer.code},
                                                        (fridge.sku, 1, 25_000_00, 4_500_00, "RF260-A1")))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["customer_id"] == buyer.code and body["total_paise"] == 29_500_00
    assert body["lines"][0]["line"] == 1 and body["lines"][0]["sku"] == fridge.sku
    assert response.headers["cache-control"] == "no-store"
    with db.read() as session:
        purchase = session.exec(select(Purchase).where(Purchase.order_number == body["order_number"])).one()
        line = session.exec(select(PurchaseLine).where(PurchaseLine.purchase_id == purchase.id)).one()
    assert (purchase.customer_id, purchase.tax_paise, line.serial_number, line.tax_paise) == (buyer.id, 4_500_00,
                                                                                           "RF260-A1", 4_500_00)


def test_no_token_an_unknown_token_and_a_revoked_token_get_401(app, db, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    with db.write() as session:
        revoked = tokens.create_token(session, name="old till", scope="pos", actor=SYSTEM)
        tokens.revoke_token(session, revoked.token.id, actor=SYSTEM)
    with TestClient(app) as client:
        for headers in ({}, {"Authorization": "Bearer hdk_not-a-real-token"}, {"Authorization": "Basic abc"},
                        {"Authorization": f"Bearer {revoked.secret}"}):
            response = client.post("/api/pos/purchases", json=body, headers=headers)
            assert response.status_code == 401, (headers, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_agents_session_cannot_push_without_a_token(client, buyer, fridge):
    """Signed in, with the CSRF token: still 401, because a cookie is not a token here."""
    client.get("/")
    response = client.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0)),
                           headers={"x-csrftoken": client.cookies.get("csrftoken") or ""})
    assert response.status_code == 401


def test_a_pos_token_cannot_read_customers(pos, buyer):
    for url in (f"/api/customers/{buyer.code}", "/api/lookup?phone=9845000111", "/api/tickets", "/schema"):
        assert pos.get(url).status_code in (401, 403), url


def test_the_token_records_its_last_use(pos, db, pos_token, buyer, fridge):
    pos.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0)))
    with db.read() as session:
        holder, last_used = tokens.holder_of(session, pos_token)
    assert last_used is not None and datetime.now(UTC) - last_used < timedelta(minutes=2)


# --- what it must send -------------------------------------------------------------------------------------------


def test_an_unknown_sku_is_named_by_its_line(pos, buyer, fridge):
    keys = _keys(pos.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0),
                                                          ("NO-SUCH-SKU", 1, 100_00, 0))))
    assert list(keys) == ["lines.1.sku"] and "NO-SUCH-SKU" in keys["lines.1.sku"]


@pytest.mark.parametrize("quantity", [-1, 0])
def test_a_quantity_below_one_is_refused(pos, buyer, fridge, quantity):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    body["lines"][0]["quantity"] = quantity
    assert "at least 1" in _keys(pos.post("/api/pos/purchases", json=body))["lines.0.quantity"]


def test_a_total_that_does_not_add_up_is_refused(pos, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 2, 100_00, 36_00))
    body["total_paise"] = 200_00  # forgot the tax
    assert "23,600" in _keys(pos.post("/api/pos/purchases", json=body))["total_paise"]


def test_a_sale_in_the_future_is_refused(pos, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0), when=datetime.now(UTC) + timedelta(hours=2))
    assert "future" in _keys(pos.post("/api/pos/purchases", json=body))["purchased_at"]


def test_a_time_without_its_offset_is_refused(pos, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    body["purchased_at"] = "2026-11-01T10:00:00"
    assert "UTC offset" in _keys(pos.post("/api/pos/purchases", json=body))["purchased_at"]


@pytest.mark.parametrize(("gstin", "says"), [("27AAPFU0939F1Z", "15 characters"), ("27AAPFU0939F1ZA", "check character"),
                                             ("99AAPFU0939F1ZV", "state code"), ("27-APFU0939F1ZV", "")])
def test_a_malformed_gstin_is_refused(pos, buyer, fridge, gstin, says):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0), buyer_gstin=gstin)
    assert says in _keys(pos.post("/api/pos/purchases", json=body))["buyer_gstin"]


def test_a_business_buyer_with_a_gstin_and_hsn_codes(pos, db, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 18_00), buyer_gstin=GSTIN.lower())
    body["lines"][0]["hsn_code"] = "8418"
    response = pos.post("/api/pos/purchases", json=body)
    assert response.status_code == 201, response.text
    with db.read() as session:
        purchase = session.exec(select(Purchase).where(Purchase.order_number == body["order_number"])).one()
        line = session.exec(select(PurchaseLine).where(PurchaseLine.purchase_id == purchase.id)).one()
    assert (purchase.buyer_gstin, line.hsn_code) == (GSTIN, "8418")


def test_every_problem_is_named_at_once(pos, fridge):
    body = sale({"customer_id": "12345"}, (fridge.sku, 1, 100_00, 0))
    body["lines"][0].update(hsn_code="84", unit_price_paise=-5)
    keys = _keys(pos.post("/api/pos/purchases", json=body))
    assert {"lines.0.hsn_code", "lines.0.unit_price_paise"} <= set(keys)


def test_a_customer_needs_an_id_or_a_name_and_phone(pos, buyer, fridge):
    keys = _keys(pos.post("/api/pos/purchases", json=sale({"name": "Only A Name"}, (fridge.sku, 1, 100_00, 0))))
    assert "name and phone" in next(iter(keys.values()))
    keys = _keys(pos.post("/api/pos/purchases", json=sale({"customer_id": "123456789"}, (fridge.sku, 1, 100_00, 0))))
    assert "customer.customer_id" in keys
    keys = _keys(pos.post("/api/pos/purchases", json=sale({"name": "Bad Phone", "phone": "12"},
                                                          (fridge.sku, 1, 100_00, 0))))
    assert "customer.phone" in keys


# --- who bought ---------------------------------------------------------------------------------------------------


def test_a_new_buyer_is_registered_and_the_next_sale_finds_them_by_phone(pos, db, fridge):
    first = pos.post("/api/pos/purchases", json=sale({"name": "Arjun Mehta", "phone": "098450 22233"},
                                                     (fridge.sku, 1, 100_00, 0)))
    assert first.status_code == 201, first.text
    code = first.json()["customer_id"]
    assert len(code) == 9 and code.isdigit()
    with db.read() as session:
        record = personal.read(session, code)
    assert (record.full_name, record.phone) == ("Arjun Mehta", "+919845022233")
    again = pos.post("/api/pos/purchases", json=sale({"name": "Arjun M.", "phone": "+91 98450 22233"},
                                                     (fridge.sku, 1, 100_00, 0)))
    assert again.json()["customer_id"] == code


def test_a_buyer_is_matched_by_e_mail_when_the_phone_is_new(pos, buyer, fridge):
    response = pos.post("/api/pos/purchases", json=sale({"name": "Kavita", "phone": "+919845999999",
                                                         "email": "KAVITA@example.in"}, (fridge.sku, 1, 100_00, 0)))
    assert response.json()["customer_id"] == buyer.code


def test_the_new_customers_page_shows_the_sale(pos, client, fridge):
    response = pos.post("/api/pos/purchases", json=sale({"name": "Page Person", "phone": "9845033344"},
                                                        (fridge.sku, 1, 100_00, 0, "SER-PAGE-1")))
    page = client.get(f"/customers/{response.json()['customer_id']}")
    assert page.status_code == 200 and "SER-PAGE-1" in page.text and response.json()["order_number"] in page.text
