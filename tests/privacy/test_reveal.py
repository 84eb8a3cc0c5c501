"""Masked by default; a reveal with a reason shows one field for 15 minutes and writes exactly one audit entry."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from types import SimpleNamespace
from sqlmodel import col, func, select

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.privacy import store
from tests import factories
from tests.conftest import csrf_from, parse

HX = {"HX-Request": "true"}


@pytest.fixture
def person(db):
    """A customer whose every personal value is unique to this test."""
    tag = secrets.token_hex(3)
    digits = f"{int(tag, 16) % 10**8:08d}"
    customer = factories.customer(db, name=f"Reveal Person {tag}", phone=f"+9198{digits}", email=f"reveal.{tag}@example.in",
                                  city="Indore")
    with db.write() as session:
        store.update(session, customer.code, alt_phone=f"+9197{digits}", address_line=f"{tag} Residency Road",
                     state="Madhya Pradesh", pin_code="452001")
        session.commit()
    values = {"phone": f"+9198{digits}", "national": f"98{digits}", "alt": f"97{digits}",
              "email": f"reveal.{tag}@example.in", "street": f"{tag} Residency Road", "pin": "452001"}
    return SimpleNamespace(code=customer.code, id=customer.id, values=values)


def _plain_forms(person) -> list[str]:
    v = person.values
    return [v["phone"], v["national"], f"{v['national'][:5]} {v['national'][5:]}", v["alt"], v["email"], v["street"], v["pin"]]


def _reveals(db, code: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.customer_code == code,
                                                          AuditEntry.action == AuditAction.REVEAL)))


def _reveal(client, code: str, field: str, data: dict, *, htmx: bool = True):
    token = csrf_from(client.get(f"/customers/{code}").text)
    return client.post(f"/customers/{code}/fields/{field}/reveal", data={**data, "_csrf_token": token},
                       headers=HX if htmx else {}, follow_redirects=False)


def test_the_page_and_the_api_never_hold_a_plain_value(client, person):
    page = client.get(f"/customers/{person.code}")
    api = client.get(f"/api/customers/{person.code}")
    lookup = client.get("/api/lookup", params={"phone": person.values["phone"]})
    assert page.status_code == api.status_code == lookup.status_code == 200
    for text in (page.text, api.text, json.dumps(api.json()), lookup.text):
        for plain in _plain_forms(person):
            assert plain not in text, f"{plain!r} is shown unmasked"
    tree = parse(page.text)
    assert tree.css_first("#field-phone .masked").text().endswith(person.values["national"][-3:])
    assert tree.css_first("#field-address .masked").text().startswith("•")
    assert api.json()["profile"]["alt_phone_masked"].endswith(person.values["alt"][-3:])


def test_lookup_by_phone_reveals_nothing_and_logs_no_reveal(client, db, person):
    response = client.get("/lookup", params={"q": person.values["national"]}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/customers/{person.code}"
    assert _reveals(db, person.code) == []


def test_the_reveal_form_three_ways(client, person):
    url = f"/customers/{person.code}/fields/phone/reveal"
    partial = parse(client.get(url, headers=HX).text)
    assert partial.css_first("dd#field-phone form") is not None and partial.css_first("header") is None
    page = parse(client.get(url).text)
    assert page.css_first("header") is not None and page.css_first("#field-phone form") is not None
    boosted = parse(client.get(url, headers={**HX, "HX-Boosted": "true"}).text)
    assert boosted.css_first("header") is not None


def test_a_reveal_returns_the_value_and_writes_exactly_one_audit_entry(client, db, person, agent):
    before = datetime.now(UTC)
    response = _reveal(client, person.code, "phone", {"reason": "call_back", "note": "promised a call"})
    assert response.status_code == 200
    tree = parse(response.text)
    assert tree.css_first("#value-phone").text() == f"+91 {person.values['national'][:5]} {person.values['national'][5:]}"
    assert tree.css_first("[hx-trigger^='load delay:']") is not None  # masks itself again when the window ends
    [entry] = _reveals(db, person.code)
    assert (entry.actor_id, entry.actor_label, entry.field) == (agent.id, agent.email, "phone")
    assert entry.reason == "Call the customer back: promised a call"
    assert entry.client_address == "testclient"
    assert before - timedelta(seconds=5) <= entry.at.replace(tzinfo=entry.at.tzinfo or UTC) <= datetime.now(UTC)
    stored = " ".join(str(value) for value in entry.model_dump().values())
    for plain in _plain_forms(person):
        assert plain not in stored
    # The page shows it while the window lasts; other fields stay masked.
    page = parse(client.get(f"/customers/{person.code}").text)
    assert page.css_first("#value-phone") is not None and page.css_first("#value-email") is None
    assert len(_reveals(db, person.code)) == 1, "showing a revealed value again is not another reveal"


def test_the_value_is_masked_again_after_fifteen_minutes_or_on_hide(client, person, monkeypatch):
    assert _reveal(client, person.code, "email", {"reason": "confirm_details"}).status_code == 200
    later = datetime.now(UTC) + timedelta(minutes=16)
    monkeypatch.setattr("helpdesk.privacy.web.utcnow", lambda: later)
    monkeypatch.setattr("helpdesk.customers.web.utcnow", lambda: later)
    field = client.get(f"/customers/{person.code}/fields/email", headers=HX)
    assert person.values["email"] not in field.text and parse(field.text).css_first(".masked") is not None
    assert person.values["email"] not in client.get(f"/customers/{person.code}").text
    monkeypatch.undo()
    assert _reveal(client, person.code, "email", {"reason": "confirm_details"}).status_code == 200
    token = csrf_from(client.get(f"/customers/{person.code}").text)
    hidden = client.post(f"/customers/{person.code}/fields/email/hide", data={"_csrf_token": token}, headers=HX)
    assert person.values["email"] not in hidden.text
    assert person.values["email"] not in client.get(f"/customers/{person.code}").text


def test_a_plain_form_post_redirects_to_the_page_that_then_shows_the_value(client, person):
    response = _reveal(client, person.code, "address", {"reason": "delivery"}, htmx=False)
    assert response.status_code == 303 and response.headers["location"] == f"/customers/{person.code}"
    assert person.values["street"] in client.get(f"/customers/{person.code}").text


def test_refused_reveals_keep_the_input_show_a_message_and_log_nothing(client, db, person, world):
    no_reason = parse(_reveal(client, person.code, "phone", {"note": "typed note"}).text)
    assert no_reason.css_first("#reveal-reason-error") is not None
    assert no_reason.css_first("input[name=note]").attributes["value"] == "typed note"
    other = parse(_reveal(client, person.code, "phone", {"reason": "other"}).text)
    assert "Say why" in other.css_first("#reveal-note-error").text()
    # A ticket of another customer (a forged reference) is refused.
    forged = parse(_reveal(client, person.code, "phone", {"reason": "call_back",
                                                          "reference": world.open_ticket.number}).text)
    assert "not one of this customer's" in forged.css_first("#reveal-reference-error").text()
    garbage = _reveal(client, person.code, "phone", {"reason": "x" * 10_000, "reference": "<script>", "note": "n" * 5000},
                      htmx=False)
    assert garbage.status_code == 400
    assert _reveals(db, person.code) == []


def test_a_reference_of_this_customer_is_recorded(client, db, person):
    ticket = factories.ticket(db, person, subject="Callback about delivery")
    assert _reveal(client, person.code, "phone", {"reason": "call_back", "reference": ticket.number.lower()}).status_code == 200
    [entry] = _reveals(db, person.code)
    assert entry.reference == ticket.number


def test_nothing_on_file_is_said_so_and_unknown_fields_or_customers_are_refused(client, db):
    bare = factories.customer(db, name="No Email Person", phone="+919845000111")
    response = _reveal(client, bare.code, "email", {"reason": "confirm_details"})
    assert "no e-mail on file" in response.text
    assert client.get(f"/customers/{bare.code}/fields/password/reveal").status_code == 400
    unknown = factories.unique_code()
    assert client.get(f"/customers/{unknown}/fields/phone/reveal").status_code == 404
    assert _reveal(client, bare.code, "phone", {"reason": "call_back"}).status_code == 200
    assert _reveal(client, "123", "phone", {"reason": "call_back"}).status_code == 422


def test_a_reveal_for_one_customer_shows_nothing_of_another(client, db, person, world):
    assert _reveal(client, person.code, "phone", {"reason": "call_back"}).status_code == 200
    other = client.get(f"/customers/{world.customer.code}").text
    assert "+91 98123 45678" not in other and parse(other).css_first("#value-phone") is None
    field = client.get(f"/customers/{world.customer.code}/fields/phone", headers=HX)
    assert parse(field.text).css_first("#value-phone") is None


def test_the_api_stays_masked_after_a_reveal(client, person):
    assert _reveal(client, person.code, "phone", {"reason": "call_back"}).status_code == 200
    api = client.get(f"/api/customers/{person.code}").text
    for plain in _plain_forms(person):
        assert plain not in api


def test_audit_entries_count_one_per_reveal(client, db, person):
    for field in ("phone", "alt_phone", "email", "address"):
        assert _reveal(client, person.code, field, {"reason": "verify_caller"}).status_code == 200
    with db.read() as session:
        counted = session.exec(select(AuditEntry.field, func.count()).where(AuditEntry.customer_code == person.code)
                               .group_by(AuditEntry.field).order_by(col(AuditEntry.field))).all()
    assert counted == [("address", 1), ("alt_phone", 1), ("email", 1), ("phone", 1)]
