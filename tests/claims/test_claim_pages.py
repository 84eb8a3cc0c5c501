"""Agent intake, the claim page and its status machine, photos, the claims list and the API."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlmodel import select

from helpdesk.claims.models import ClaimPhoto, ClaimPhotoContent, WarrantyClaim
from helpdesk.tickets.models import Ticket
from tests import factories
from tests.claims.conftest import JPEG, PNG
from tests.conftest import parse, sign_in, texts

HX = {"HX-Request": "true"}


def _headers(client, htmx=True):
    return {**(HX if htmx else {}), "x-csrftoken": client.cookies.get("csrftoken")}


def _file(client, buyer, *, line=None, photos=(), htmx=True, **fields):
    data = {"customer": buyer.customer.code, "purchase_line_id": str(line or buyer.washer_line.id),
            "fault_category": "Drum not spinning", "description": "Drum stopped, error E4 दिखा रहा है", "remedy": "repair",
            "preferred_contact_time": "after 6 pm", **fields}
    # Browsers send an empty file part when no photo is chosen; so do we, which keeps the body multipart.
    files = [("photos", (name, content, "image/jpeg")) for name, content in photos] or [("photos", ("", b"", "application/octet-stream"))]
    client.get("/")
    return client.post("/claims", data=data, files=files, headers=_headers(client, htmx), follow_redirects=False)


def _number(response) -> str:
    target = response.headers.get("HX-Redirect") or response.headers["location"]
    return target.rsplit("/", 1)[1]


def test_intake_steps_load_items_and_eligibility(client, buyer):
    items = client.get("/claims/new/items", params={"customer": buyer.customer.code}, headers=HX)
    tree = parse(items.text)
    values = [node.attributes["value"] for node in tree.css("input[name=purchase_line_id]")]
    assert str(buyer.washer_line.id) in values and str(buyer.fridge_line.id) in values
    item = parse(client.get("/claims/new/item", params={"customer": buyer.customer.code,
                                                          "purchase_line_id": buyer.washer_line.id}, headers=HX).text)
    assert item.css_first("#item-model").text(strip=True) == "WM 8KG-Z"
    assert item.css_first("#item-serial").text(strip=True) == "WM8-SN-1"
    assert "In warranty until" in item.css_first("#eligibility").text()
    assert "Drum not spinning" in texts(item, "#claim-fault option")
    expired = parse(client.get("/claims/new/item", params={"customer": buyer.customer.code,
                                                             "purchase_line_id": buyer.fridge_line.id}, headers=HX).text)
    assert "supervisor" in expired.css_first("#eligibility").text()


def test_intake_from_the_customer_page_preselects_the_item(client, buyer):
    page = parse(client.get(f"/customers/{buyer.customer.code}").text)
    link = next(a.attributes["href"] for a in page.css("a.file-claim") if f"line={buyer.washer_line.id}" in a.attributes["href"])
    form = parse(client.get(link).text)
    assert form.css_first("#claim-customer").attributes["value"] == buyer.customer.code
    checked = form.css_first("input[name=purchase_line_id][checked]")
    assert checked.attributes["value"] == str(buyer.washer_line.id)


def test_bad_customer_ids_in_the_intake(client):
    assert "not a valid customer ID" in client.get("/claims/new/items", params={"customer": "12345"}, headers=HX).text
    assert "No customer has the ID" in client.get("/claims/new/items", params={"customer": factories.unique_code()}, headers=HX).text


def test_filing_creates_claim_ticket_and_photos(client, db, buyer, settings):
    response = _file(client, buyer, photos=[("front.jpg", JPEG), ("label.png", PNG)])
    number = _number(response)
    assert number.startswith("W-") and len(number) == len("W-2026-000001")
    page = parse(client.get(f"/claims/{number}").text)
    assert page.css_first("#claim-status").text(strip=True) == "Submitted"
    assert "E4 दिखा रहा है" in page.css_first("#claim-description").text()
    ticket_link = page.css_first("a.mono[href^='/tickets/']").attributes["href"]
    thread = parse(client.get(ticket_link).text)
    assert "Drum stopped" in " ".join(texts(thread, "#thread .body"))
    photos = page.css("img.claim-photo")
    assert len(photos) == 2
    served = client.get(photos[1].attributes["src"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png" and served.content == PNG
    with db.read() as session:
        claim = session.exec(select(WarrantyClaim).where(WarrantyClaim.number == number)).one()
        stored = session.exec(select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id)).all()
    # Kept in the database (every machine serves every photo), under generated names, never as files.
    assert all(row.stored_name not in ("front.jpg", "label.png") for row in stored)
    assert not (settings.data_dir / "uploads").exists()
    assert "no-store" in served.headers["cache-control"] and served.headers["x-content-type-options"] == "nosniff"
    customer_page = parse(client.get(f"/customers/{buyer.customer.code}").text)
    assert number in texts(customer_page, "#claims td.mono")


def test_photos_need_a_signed_in_agent(client, anon, buyer):
    number = _number(_file(client, buyer, photos=[("a.jpg", JPEG)]))
    src = parse(client.get(f"/claims/{number}").text).css_first("img.claim-photo").attributes["src"]
    assert anon.get(src, follow_redirects=False).status_code == 303
    other_photo = src.rsplit("/", 1)[0] + "/999999"
    assert client.get(other_photo).status_code == 404


def test_bad_uploads_are_refused_and_nothing_is_left(client, db, buyer, settings):
    with db.read() as session:
        claims_before = len(session.exec(select(WarrantyClaim.id)).all())
        photos_before = len(session.exec(select(ClaimPhotoContent.photo_id)).all())
    cases = [
        ([("virus.jpg", b"MZ\x90\x00" + b"\x00" * 100)], "not a JPEG or PNG"),
        ([("empty.jpg", b"")], "empty"),
        ([("huge.jpg", JPEG + b"\x00" * (5 * 1024 * 1024))], "at most 5 MB"),
        ([(f"{i}.jpg", JPEG) for i in range(6)], "At most 5 photos"),
    ]
    for photos, message in cases:
        response = _file(client, buyer, photos=photos, description="Keep this text: फ्रिज")
        tree = parse(response.text)
        assert message in tree.css_first("#photos-error").text()
        assert tree.css_first("#claim-description").text() == "Keep this text: फ्रिज"
    with db.read() as session:
        assert len(session.exec(select(WarrantyClaim.id)).all()) == claims_before
        assert len(session.exec(select(ClaimPhotoContent.photo_id)).all()) == photos_before


def test_every_field_is_validated_with_input_kept(client, buyer):
    response = _file(client, buyer, description="", fault_category="Made-up fault", preferred_contact_time="x" * 81)
    tree = parse(response.text)
    assert tree.css_first("#description-error").text(strip=True) == "The description cannot be empty."
    assert tree.css_first("#claim-contact").attributes["value"] == "x" * 81
    response = _file(client, buyer, fault_category="Made-up fault")
    assert "Choose one of the fault categories" in parse(response.text).css_first("#fault-error").text()


def test_item_of_another_customer_is_refused(client, db, buyer):
    stranger = factories.customer(db, name="Stranger")
    response = _file(client, buyer, line=buyer.washer_line.id, customer=stranger.code)
    assert "not one of this customer's purchases" in parse(response.text).css_first("#line-error").text()


def test_double_submit_files_one_claim(client, db, buyer):
    first = _number(_file(client, buyer, idempotency_key="claim-double-" + buyer.customer.code))
    second = _number(_file(client, buyer, idempotency_key="claim-double-" + buyer.customer.code))
    assert first == second
    with db.read() as session:
        claim = session.exec(select(WarrantyClaim).where(WarrantyClaim.number == first)).one()
        assert len(session.exec(select(Ticket.id).where(Ticket.id == claim.ticket_id)).all()) == 1


def test_duplicate_open_claim_is_refused_and_offers_to_add(client, buyer):
    number = _number(_file(client, buyer))
    response = _file(client, buyer)
    assert f"already has an open claim, {number}" in parse(response.text).css_first("#line-error").text()
    item = parse(client.get("/claims/new/item", params={"customer": buyer.customer.code,
                                                          "purchase_line_id": buyer.washer_line.id}, headers=HX).text)
    assert item.css_first("#add-to-claim").attributes["href"] == f"/claims/{number}#add-note"
    client.post(f"/claims/{number}/notes", data={"description": "Now it also leaks"}, headers=_headers(client))
    ticket_link = parse(client.get(f"/claims/{number}").text).css_first("a.mono[href^='/tickets/']").attributes["href"]
    assert "Now it also leaks" in texts(parse(client.get(ticket_link).text), "#thread .body")


def _move(client, number, status, reason="", htmx=True, customer_reason=""):
    current = parse(client.get(f"/claims/{number}").text).css_first("input[name=current]").attributes["value"]
    return client.post(f"/claims/{number}/status", data={"status": status, "reason": reason, "current": current,
                                                         "customer_reason": customer_reason},
                       headers=_headers(client, htmx))


def test_status_machine_through_the_page(client, buyer):
    number = _number(_file(client, buyer))
    illegal = parse(_move(client, number, "refunded").text)
    assert "can move to" in illegal.css_first("#claim-status-error").text()
    for status in ("in_review", "approved", "in_repair", "closed"):
        tree = parse(_move(client, number, status).text)
        assert tree.css_first("#claim-status").text(strip=True) == status.replace("_", " ").capitalize()
    history = texts(parse(client.get(f"/claims/{number}").text), "#claim-history li")
    assert any("in review → approved" in entry for entry in history)
    assert any("in repair → closed" in entry for entry in history)


def test_rejection_needs_a_reason(client, buyer):
    number = _number(_file(client, buyer))
    _move(client, number, "in_review")
    tree = parse(_move(client, number, "rejected", reason="Looks like misuse").text)
    assert "Say why" in tree.css_first("#claim-customer-reason-error").text()
    # What was typed comes back in the form.
    assert tree.css_first("#claim-reason-input").text() == "Looks like misuse"
    tree = parse(_move(client, number, "rejected", customer_reason="Physical damage is not covered").text)
    assert tree.css_first("#claim-customer-reason").text(strip=True) == "Physical damage is not covered"


def test_out_of_warranty_approval_needs_a_supervisor(client, app, db, buyer):
    number = _number(_file(client, buyer, line=buyer.fridge_line.id, fault_category="Not cooling"))
    _move(client, number, "in_review")
    refused = _move(client, number, "approved", htmx=False)
    assert refused.status_code == 403 and "only a supervisor" in refused.text
    boss = factories.agent(db, "boss@helpdesk.local", role="supervisor", name="Boss")
    with TestClient(app) as supervisor:
        sign_in(supervisor, boss.email)
        assert parse(_move(supervisor, number, "approved").text).css_first("#claim-status").text(strip=True) == "Approved"


def test_stale_status_change_is_refused(client, buyer):
    number = _number(_file(client, buyer))
    _move(client, number, "in_review")
    response = client.post(f"/claims/{number}/status", data={"status": "rejected", "reason": "x", "current": "submitted"},
                           headers=_headers(client, htmx=False))
    assert response.status_code == 409 and "by someone else" in response.text


def test_claims_list_filters_and_top_models(client, buyer):
    number = _number(_file(client, buyer))
    page = client.get("/claims")
    assert page.status_code == 200 and "<html" in page.text
    tree = parse(page.text)
    assert tree.css_first("#top-models") is not None
    partial = client.get("/claims", params={"model": "WM 8KG-Z"}, headers=HX)
    assert "<html" not in partial.text and number in texts(parse(partial.text), "td.mono a")
    assert all(model == "WM 8KG-Z" for model in texts(parse(partial.text), "tbody td.mono:nth-child(4)"))
    none = parse(client.get("/claims", params={"status": "refunded", "model": "WM 8KG-Z"}, headers=HX).text)
    assert number not in texts(none, "td.mono a")
    assert client.get("/claims", params={"status": "nonsense"}).status_code == 400


def test_claims_api(client, anon, buyer):
    client.get("/")
    headers = {"x-csrftoken": client.cookies.get("csrftoken")}
    body = {"customer_id": buyer.customer.code, "purchase_line_id": buyer.washer_line.id,
            "fault_category": "Not draining", "description": "Water stays in the drum", "idempotency_key": "api-" + buyer.customer.code}
    created = client.post("/api/claims", json=body, headers=headers)
    assert created.status_code == 201
    claim = created.json()
    assert claim["eligibility"] == "in_warranty" and claim["model_number"] == "WM 8KG-Z" and claim["ticket_number"].startswith("T-")
    assert client.post("/api/claims", json=body, headers=headers).json()["number"] == claim["number"]
    assert client.get(f"/api/claims/{claim['number']}").json()["status"] == "submitted"
    bad = client.post(f"/api/claims/{claim['number']}/status", json={"status": "closed"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["extra"][0]["key"] == "status"
    moved = client.post(f"/api/claims/{claim['number']}/status", json={"status": "in_review"}, headers=headers)
    assert moved.status_code == 200 and moved.json()["status"] == "in_review"
    invalid = client.post("/api/claims", json={**body, "description": "", "idempotency_key": None}, headers=headers)
    assert invalid.status_code in (400, 422)
    assert client.get("/api/claims/W-2026-999999").status_code == 404
    listing = client.get("/api/claims", params={"model": "WM 8KG-Z"}).json()
    assert claim["number"] in [row["number"] for row in listing["items"]]
    assert anon.get("/api/claims").status_code == 401
    assert "/api/claims/{number}" in client.get("/schema/openapi.json").json()["paths"]
