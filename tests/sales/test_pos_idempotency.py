"""A push is recorded once: by its order number (store + order), and by the Idempotency-Key header."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import select

from helpdesk import idempotency
from helpdesk.audit.service import SYSTEM
from helpdesk.auth import tokens
from helpdesk.sales.models import Purchase
from tests import factories
from tests.sales.conftest import sale


@pytest.fixture(scope="module")
def buyer(db):
    return factories.customer(db, name="Idem Potent", phone="+919845000222")


def _count(db, order_number: str) -> int:
    with db.read() as session:
        return session.exec(select(func.count(Purchase.id)).where(Purchase.order_number == order_number)).one()


# --- the natural key -------------------------------------------------------------------------------------------


def test_the_same_order_twice_is_one_purchase_and_the_first_answer(pos, db, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 18_00))
    first = pos.post("/api/pos/purchases", json=body)
    second = pos.post("/api/pos/purchases", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert _count(db, body["order_number"]) == 1


def test_a_new_customer_sent_twice_is_registered_once(pos, buyer, fridge):
    body = sale({"name": "Twice Sent", "phone": "9845044455"}, (fridge.sku, 1, 100_00, 0))
    assert pos.post("/api/pos/purchases", json=body).json() == pos.post("/api/pos/purchases", json=body).json()


def test_the_same_order_number_with_other_content_is_a_conflict(pos, db, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    assert pos.post("/api/pos/purchases", json=body).status_code == 201
    changed = {**body, "lines": [{**body["lines"][0], "unit_price_paise": 90_00}], "total_paise": 90_00}
    response = pos.post("/api/pos/purchases", json=changed)
    assert response.status_code == 409 and "different content" in response.json()["detail"]
    other_store = {**body, "store": "Andheri store"}
    assert pos.post("/api/pos/purchases", json=other_store).status_code == 409
    assert _count(db, body["order_number"]) == 1


# --- the Idempotency-Key header --------------------------------------------------------------------------------


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_the_same_key_and_body_replays_the_stored_answer(pos, db, buyer, fridge):
    key = _key()
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    first = pos.post("/api/pos/purchases", json=body, headers=key)
    replay = pos.post("/api/pos/purchases", json=body, headers=key)
    assert (first.status_code, first.content) == (replay.status_code, replay.content)
    assert _count(db, body["order_number"]) == 1


def test_a_refusal_is_replayed_too(pos, buyer, fridge):
    key = _key()
    body = sale({"customer_id": buyer.code}, ("NO-SUCH-SKU", 1, 100_00, 0))
    first = pos.post("/api/pos/purchases", json=body, headers=key)
    assert first.status_code == 422 and first.json()["extra"][0]["key"] == "lines.0.sku"
    assert pos.post("/api/pos/purchases", json=body, headers=key).content == first.content


def test_the_same_key_with_another_body_is_422(pos, buyer, fridge):
    key = _key()
    assert pos.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0)),
                    headers=key).status_code == 201
    response = pos.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0)),
                        headers=key)
    assert response.status_code == 422 and "different request" in response.json()["detail"]


def test_the_same_key_while_the_first_is_still_running_is_409(pos, db, pos_token, buyer, fridge):
    key = _key()
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    with db.read() as session:
        holder, _ = tokens.holder_of(session, pos_token)
    # The first request has claimed the key and is still at work (its answer not stored yet).
    from helpdesk.sales.pos_input import PurchaseIn
    from helpdesk.sales.push import request_hash

    with db.write() as session:
        idempotency.claim_key(session, scope=idempotency.token_scope(holder.id), key=key["Idempotency-Key"],
                              request_hash=request_hash("POST", "/api/pos/purchases", PurchaseIn.model_validate(body)))
    response = pos.post("/api/pos/purchases", json=body, headers=key)
    assert response.status_code == 409 and "still being processed" in response.json()["detail"]
    assert _count(db, body["order_number"]) == 0


def test_keys_belong_to_their_token(app, db, pos, buyer, fridge):
    key = _key()
    pos.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0)), headers=key)
    with db.write() as session:
        other = tokens.create_token(session, name="second till", scope="pos", actor=SYSTEM).secret
    with TestClient(app) as till:
        response = till.post("/api/pos/purchases", json=sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0)),
                             headers={**key, "Authorization": f"Bearer {other}"})
    assert response.status_code == 201  # another sender's key: its own request, not a 422


def test_a_malformed_key_is_refused(pos, buyer, fridge):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    assert pos.post("/api/pos/purchases", json=body, headers={"Idempotency-Key": "x" * 300}).status_code in (400, 422)


def test_stored_answers_are_kept_a_day_and_then_pruned(db):
    from datetime import timedelta

    from helpdesk.timeutil import utcnow

    with db.write() as session:
        session.add(idempotency.IdempotentAnswer(scope="token:999", key="old", request_hash="x", running=False,
                                                 status_code=201, body="{}", created_at=utcnow() - timedelta(hours=49)))
        session.add(idempotency.IdempotentAnswer(scope="token:999", key="recent", request_hash="x", running=False,
                                                 status_code=201, body="{}", created_at=utcnow() - timedelta(hours=25)))
        session.commit()
        idempotency.prune_answers(session, now=utcnow())
        left = session.exec(select(idempotency.IdempotentAnswer.key)
                            .where(idempotency.IdempotentAnswer.scope == "token:999")).all()
    assert left == ["recent"]


# --- twins racing (PostgreSQL lets both past the first look) -------------------------------------------------------


def _race(pos: TestClient, body: dict, headers: dict[str, str], clients: int = 2) -> list:
    """Send the same request from several threads at once through the app (handlers run in worker threads)."""
    barrier = threading.Barrier(clients)
    answers: list = [None] * clients

    def push(i: int) -> None:
        barrier.wait()
        answers[i] = pos.post("/api/pos/purchases", json=body, headers=headers)

    threads = [threading.Thread(target=push, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


needs_postgres = pytest.mark.skipif(not os.environ.get("HELPDESK_TEST_DATABASE_URL"),
                                    reason="the race that matters is PostgreSQL's (SQLite serialises writers)")


@needs_postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_identical_orders_racing_make_one_purchase(pos, db, buyer, fridge, attempt):
    body = sale({"name": "Race Twin", "phone": f"98450{attempt}5566"[:10]}, (fridge.sku, 1, 100_00, 0))
    answers = _race(pos, body, {})
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert _count(db, body["order_number"]) == 1


@needs_postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_requests_with_one_key_racing_do_the_work_once(pos, db, buyer, fridge, attempt):
    body = sale({"customer_id": buyer.code}, (fridge.sku, 1, 100_00, 0))
    answers = _race(pos, body, _key())
    statuses = sorted(a.status_code for a in answers)
    # The loser either saw the first still running (409) or its stored answer (201, the same body).
    assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
    assert _count(db, body["order_number"]) == 1
