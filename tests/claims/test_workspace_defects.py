"""Issue 13, defects found using claims and item pickers: each test failed before its fix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import delete

from helpdesk.throttle.models import Throttle
from helpdesk.claims.photos import MAX_PHOTO_BYTES, UPLOAD_LIMIT
from helpdesk.sales.models import Purchase, PurchaseLine
from tests import factories
from tests.claims.conftest import JPEG
from tests.conftest import csrf_from, parse

HX = {"HX-Request": "true"}
ITEMS = 320


@pytest.fixture(scope="module")
def hoarder(db):
    """A customer with more than 300 purchased items; the oldest is a microwave with a serial nobody else has."""
    customer = factories.customer(db, name="Many Items")
    fan = factories.product(db, name="Ceiling fan 1200 mm", model_number="CF-1200", warranty_months=24, category="Ceiling fan")
    oven = factories.product(db, name="Microwave 20 L", model_number="MW20S", warranty_months=120, category="Microwave")
    start = date(2024, 1, 1)
    with db.write() as session:
        oldest = Purchase(order_number=f"ORD-OLD-{customer.code}", customer_id=customer.id, store="Pune",
                          purchased_on=start - timedelta(days=1), payment_status="paid", total_paise=100)
        session.add(oldest)
        session.flush()
        old_line = PurchaseLine(purchase_id=oldest.id, product_id=oven.id, serial_number=f"MWOLD-{customer.code}",
                                unit_price_paise=100)
        session.add(old_line)
        for index in range(ITEMS - 1):
            order = Purchase(order_number=f"ORD-H-{customer.code}-{index}", customer_id=customer.id, store="Pune",
                             purchased_on=start + timedelta(days=index), payment_status="paid", total_paise=100)
            session.add(order)
            session.flush()
            session.add(PurchaseLine(purchase_id=order.id, product_id=fan.id, serial_number=f"CF-{index}", unit_price_paise=100))
        session.commit()
        session.refresh(old_line)
    return customer, old_line


def _headers(client, htmx=True):
    return {**(HX if htmx else {}), "x-csrftoken": client.cookies.get("csrftoken")}


def _file(client, customer, line, *, photos=(), htmx=True, **fields):
    data = {"customer": customer.code, "purchase_line_id": str(line.id), "fault_category": "Not heating",
            "description": "Stopped heating", "remedy": "repair", **fields}
    files = [("photos", (name, content, "image/jpeg")) for name, content in photos] or [("photos", ("", b"", "application/octet-stream"))]
    client.get("/")
    return client.post("/claims", data=data, files=files, headers=_headers(client, htmx), follow_redirects=False)


# --- 4: every item reachable ---------------------------------------------------------------------------


def test_agent_files_a_claim_for_the_oldest_of_320_items(client, hoarder):
    customer, old_line = hoarder
    response = _file(client, customer, old_line)
    assert response.status_code == 200 and "HX-Redirect" in response.headers, response.text[:500]


def test_intake_finds_the_oldest_item_by_serial_and_pages_the_rest(client, hoarder):
    customer, old_line = hoarder
    first = parse(client.get("/claims/new/items", params={"customer": customer.code}, headers=HX).text)
    assert len(first.css("input[name=purchase_line_id]")) == 20
    assert "page 1 of 16" in first.css_first("#claim-item-count").text()
    found = parse(client.get("/claims/new/items", params={"customer": customer.code, "item_q": "mwold"}, headers=HX).text)
    assert [n.attributes["value"] for n in found.css("input[name=purchase_line_id]")] == [str(old_line.id)]
    last = parse(client.get("/claims/new/items", params={"customer": customer.code, "item_page": 16}, headers=HX).text)
    assert str(old_line.id) in [n.attributes["value"] for n in last.css("input[name=purchase_line_id]")]
    chosen = parse(client.get("/claims/new", params={"customer": customer.code, "line": old_line.id}).text)
    assert chosen.css_first("#item-model").text(strip=True) == "MW20S"
    assert chosen.css_first("input[name=purchase_line_id][checked]").attributes["value"] == str(old_line.id)


def test_ticket_form_reaches_every_item(client, hoarder):
    customer, old_line = hoarder
    form = parse(client.get(f"/customers/{customer.code}/ticket-form", headers=HX).text)
    assert "320 items" in form.css_first("#ticket-line-count").text()
    assert [o.attributes["value"] for o in form.css("#ticket-channel option")] == ["phone", "email", "web", "store"]
    found = parse(client.get(f"/customers/{customer.code}/items", params={"item_q": "MW20S"}, headers=HX).text)
    values = [n.attributes["value"] for n in found.css("input[name=purchase_line_id]")]
    assert values == ["", str(old_line.id)]
    response = client.post(f"/customers/{customer.code}/tickets", headers=_headers(client),
                           data={"subject": "Old oven", "body": "Door", "channel": "phone", "priority": "normal",
                                 "purchase_line_id": str(old_line.id), "idempotency_key": f"old-oven-{customer.code}"})
    assert "HX-Redirect" in response.headers, response.text[:400]
    ticket = parse(client.get(response.headers["HX-Redirect"]).text)
    assert ticket.css_first("#ticket-item-model").text(strip=True) == "MW20S"


def test_item_pickers_cost_the_same_queries_for_5_or_320_items(client, db, hoarder, count_queries):
    few = factories.customer(db, name="Few Items")
    fan = factories.product(db, name="Table fan", model_number="TF-1", warranty_months=12)
    for day in range(5):
        factories.purchase(db, few, on=date(2025, 1, 1 + day), lines=[(fan, None, 100)])
    counts = []
    for customer in (few, hoarder[0]):
        for url in (f"/customers/{customer.code}/items?item_q=fan", f"/claims/new/items?customer={customer.code}"):
            client.get(url, headers=HX)  # warm the session and caches
            count_queries.count = 0
            assert client.get(url, headers=HX).status_code == 200
            counts.append(count_queries.count)
    assert counts[:2] == counts[2:], count_queries.statements


@pytest.fixture
def public(app, db):
    with db.write() as session:
        session.execute(delete(Throttle))
        session.commit()
    with TestClient(app) as client:
        yield client


def _verified(public, customer, order_number):
    page = public.get("/warranty")
    public.post("/warranty", data={"customer": customer.code, "second": order_number, "_csrf_token": csrf_from(page.text)})


def test_public_page_reaches_the_oldest_of_320_items(public, hoarder):
    customer, old_line = hoarder
    _verified(public, customer, f"ORD-OLD-{customer.code}")
    page = parse(public.get("/warranty").text)
    assert len(page.css("input[name=purchase_line_id]")) == 20
    found = parse(public.get("/warranty", params={"item_q": "Microwave"}).text)
    assert [n.attributes["value"] for n in found.css("input[name=purchase_line_id]")] == [str(old_line.id)]
    # The second-oldest item (the oldest may have a claim from another test by now), found by its serial.
    found = parse(public.get("/warranty", params={"item_q": "cf-0"}).text)
    radios = found.css("input[name=purchase_line_id]")
    assert len(radios) == 1
    data = {"purchase_line_id": radios[0].attributes["value"], "fault_category": "Not running", "description": "Dead fan",
            "remedy": "repair", "idempotency_key": found.css_first("input[name=idempotency_key]").attributes["value"],
            "_csrf_token": csrf_from(found.html)}
    filed = public.post("/warranty/claim", data=data, files=[("photos", ("", b"", "application/octet-stream"))])
    assert filed.status_code == 200 and parse(filed.text).css_first("#filed-number") is not None, parse(filed.text).css_first("main").text()[:1500]


# --- 11: only the chosen item's fault categories --------------------------------------------------------


def test_public_form_offers_only_the_chosen_items_categories(public, buyer):
    _verified(public, buyer.customer, buyer.order_number)
    before = [n.text(strip=True) for n in parse(public.get("/warranty").text).css("#public-fault option")]
    assert before == ["(choose the item first)"]
    faults = parse(public.get("/warranty/faults", params={"purchase_line_id": buyer.fridge_line.id}, headers=HX).text)
    offered = [n.attributes["value"] for n in faults.css("#public-fault option") if n.attributes["value"]]
    assert "Not cooling" in offered and "Drum not spinning" not in offered
    chosen = parse(public.get("/warranty", params={"line": buyer.washer_line.id}).text)
    offered = [n.attributes["value"] for n in chosen.css("#public-fault option") if n.attributes["value"]]
    assert "Drum not spinning" in offered and "Not cooling" not in offered
    strangers = parse(public.get("/warranty/faults", params={"purchase_line_id": "999999999"}, headers=HX).text)
    assert [n.text(strip=True) for n in strangers.css("#public-fault option")] == ["(choose the item first)"]


# --- 5: a repeated public submit keeps its status link ---------------------------------------------------


def test_a_repeated_public_submit_answers_with_the_same_link(public, buyer):
    _verified(public, buyer.customer, buyer.order_number)
    form = parse(public.get("/warranty").text)
    data = {"purchase_line_id": str(buyer.washer_line.id), "fault_category": "Not draining", "description": "Paani ruka",
            "remedy": "repair", "idempotency_key": form.css_first("input[name=idempotency_key]").attributes["value"],
            "_csrf_token": csrf_from(form.html)}
    empty = [("photos", ("", b"", "application/octet-stream"))]
    answers = [parse(public.post("/warranty/claim", data=data, files=empty).text) for _ in range(2)]
    numbers = {tree.css_first("#filed-number").text(strip=True) for tree in answers}
    links = [tree.css_first("#status-link") for tree in answers]
    assert len(numbers) == 1 and all(links) and links[0].attributes["href"] == links[1].attributes["href"]
    link = links[1].attributes["href"]
    assert public.get(link[link.index("/warranty/status/"):]).status_code == 200


# --- 3 and 8: photo sizes and uploads over the limit ---------------------------------------------------


def test_a_6_mb_photo_is_reported_as_6_mb(client, buyer):
    big = JPEG + b"\x00" * (6 * 1_048_576 - len(JPEG))
    response = _file(client, buyer.customer, buyer.washer_line, photos=[("big.jpg", big)], fault_category="Not draining")
    message = parse(response.text).css_first("#photos-error").text(strip=True)
    assert message == "big.jpg is 6.0 MB; each photo can be at most 5 MB."


def test_an_upload_over_the_limit_re_renders_the_form(client, public, buyer):
    huge = [("photos", (f"{index}.jpg", JPEG + b"\x00" * MAX_PHOTO_BYTES, "image/jpeg")) for index in range(6)]
    assert sum(len(part[1][1]) for part in huge) > UPLOAD_LIMIT
    client.get("/")
    agent = client.post("/claims", data={"customer": buyer.customer.code}, files=huge, headers=_headers(client, htmx=False))
    assert agent.status_code == 413
    tree = parse(agent.text)
    assert tree.css_first("form#claim-form") is not None and "nothing was sent" in tree.css_first("#photos-error").text()
    swapped = client.post("/claims", data={"customer": buyer.customer.code}, files=huge, headers=_headers(client))
    assert swapped.status_code == 200 and "<html" not in swapped.text and parse(swapped.text).css_first("#photos-error")
    _verified(public, buyer.customer, buyer.order_number)
    csrf = csrf_from(public.get("/warranty").text)
    customer = public.post("/warranty/claim", data={"_csrf_token": csrf}, files=huge)
    assert customer.status_code == 413
    assert parse(customer.text).css_first("#public-claim-form") is not None
    assert "nothing was sent" in parse(customer.text).css_first("#photos-error").text()


# --- no input is a server error -------------------------------------------------------------------------


def test_absurd_item_ids_never_answer_500(client, buyer):
    huge = "9" * 25
    code = buyer.customer.code
    for url in (f"/claims/new/items?customer={code}&purchase_line_id={huge}", f"/customers/{code}/items?purchase_line_id={huge}",
                f"/customers/{code}/items?item_page=99999", f"/claims/new/items?customer={code}&item_q=%25_%25&item_page=400"):
        assert client.get(url, headers=HX).status_code < 500, url
    assert _file(client, buyer.customer, type("Line", (), {"id": huge})()).status_code < 500
    ticket = client.post(f"/customers/{code}/tickets", headers=_headers(client),
                         data={"subject": "x", "body": "y", "purchase_line_id": huge, "idempotency_key": "absurd-" + code})
    assert ticket.status_code < 500 and "Choose one of the customer" in ticket.text
