"""Contact details kept right: validated, normalised, audited (before/after masked); consent and language with history."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import col, select

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.customers.models import ConsentChange, Customer
from helpdesk.privacy import store
from tests import factories
from tests.conftest import csrf_from, parse

HX = {"HX-Request": "true"}
OLD_PHONE = "+919812300000"  # shared by this module's customers: tests check membership
CONSENT_NO = {"consent_sms": "no", "consent_email": "no", "consent_whatsapp": "no"}


@pytest.fixture
def customer(db):
    return factories.customer(db, name=f"Contact Person {secrets.token_hex(2)}", phone=OLD_PHONE, city="Pune",
                              email="old.address@example.in")


def _save(client, code: str, data: dict, *, htmx: bool = True):
    token = csrf_from(client.get(f"/customers/{code}").text)
    return client.post(f"/customers/{code}/contact", data={**CONSENT_NO, **data, "_csrf_token": token},
                       headers=HX if htmx else {}, follow_redirects=False)


def _details(db, code):
    with db.read() as session:
        return store.read(session, code)


def _changes(db, code) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.customer_code == code,
                                                          AuditEntry.action == AuditAction.CONTACT_CHANGE)
                                 .order_by(AuditEntry.id)))


def test_the_form_three_ways_and_never_a_plain_value(client, customer):
    url = f"/customers/{customer.code}/contact"
    partial = client.get(url, headers=HX)
    tree = parse(partial.text)
    assert tree.css_first("form#contact-form") is not None and tree.css_first("header") is None
    assert "old.address@example.in" not in partial.text and "9812300000" not in partial.text
    assert tree.css_first("#contact-phone").attributes.get("value") == ""
    assert parse(client.get(url).text).css_first("header") is not None
    assert parse(client.get(url, headers={**HX, "HX-Boosted": "true"}).text).css_first("header") is not None


@pytest.mark.parametrize("typed", ["011 4567 1201", "+91 11 4567 1202", "+44 20 7946 0703", "098123 41104"])
def test_phones_are_stored_in_e164_and_found_by_lookup(client, db, customer, typed):
    from helpdesk import phones

    response = _save(client, customer.code, {"phone": typed})
    assert response.status_code == 200 and "Saved: Phone" in response.text
    stored = _details(db, customer.code).phone
    assert stored == phones.normalise(typed) and stored.startswith("+")
    with db.read() as session:
        assert customer.code in store.codes_by_phone(session, typed)


def test_existing_numbers_keep_matching_after_an_edit_of_something_else(client, db, customer):
    assert _save(client, customer.code, {"city": "Nashik"}).status_code == 200
    with db.read() as session:
        assert customer.code in store.codes_by_phone(session, "09812300000")
    assert _details(db, customer.code).city == "Nashik"


def test_field_errors_come_back_beside_the_fields_with_what_was_typed(client, db, customer):
    response = _save(client, customer.code, {"phone": "12345", "email": "not an address", "pin_code": "012345",
                                             "state": "Atlantis", "alt_phone": "+91 11 2345 6789"}, htmx=False)
    assert response.status_code == 400
    tree = parse(response.text)
    assert tree.css_first("#contact-phone-error") is not None
    assert "e-mail address" in tree.css_first("#contact-email-error").text()
    assert tree.css_first("#contact-state-error") is not None
    assert tree.css_first("#contact-phone").attributes["value"] == "12345"
    assert tree.css_first("#contact-email").attributes["value"] == "not an address"
    assert _details(db, customer.code).phone == "+919812300000" and _changes(db, customer.code) == []
    pin = parse(_save(client, customer.code, {"pin_code": "012345", "state": "Maharashtra"}).text)
    assert "six digits" in pin.css_first("#contact-pin-code-error").text()
    assert pin.css_first("#contact-pin-code").attributes["value"] == "012345"


def test_every_change_is_audited_with_before_and_after_masked(client, db, customer, agent):
    response = _save(client, customer.code, {"phone": "+91 98765 43210", "email": "New.Address@Example.in",
                                             "pin_code": "411 001", "state": "Maharashtra",
                                             "address_line": "7 Secret Lane"})
    assert response.status_code == 200
    details = _details(db, customer.code)
    assert (details.phone, details.email, details.pin_code) == ("+919876543210", "New.Address@Example.in", "411001")
    entries = {entry.field: entry for entry in _changes(db, customer.code)}
    assert set(entries) == {"phone", "email", "pin_code", "state", "address_line"}
    assert entries["phone"].details == "+91 ••••• ••000 → +91 ••••• ••210"
    assert entries["email"].details == "o•••••@example.in → N•••••@Example.in"
    assert entries["address_line"].details == "(none) → 7••• S••• L•••"
    assert all(entry.actor_id == agent.id and entry.client_address == "testclient" for entry in entries.values())
    text = " ".join(str(entry.model_dump()) for entry in entries.values())
    for plain in ("9876543210", "New.Address", "Secret Lane", "411001", "9812300000"):
        assert plain not in text
    with db.read() as session:
        assert customer.code in store.codes_by_email(session, "new.address@example.in")


def test_remove_clears_a_field_and_typing_and_removing_together_is_refused(client, db, customer):
    both = parse(_save(client, customer.code, {"email": "x@example.in", "clear": "email"}).text)
    assert "not both" in both.css_first("#contact-email-error").text()
    assert _save(client, customer.code, {"clear": ["email", "alt_phone"]}).status_code == 200
    assert _details(db, customer.code).email is None
    [entry] = _changes(db, customer.code)
    assert entry.field == "email" and entry.details.endswith("→ (none)")
    assert _save(client, customer.code, {"clear": "password"}, htmx=False).status_code == 400


def test_consent_and_language_are_shown_editable_and_kept_as_history(client, db, customer):
    response = _save(client, customer.code, {"consent_sms": "yes", "consent_whatsapp": "yes", "preferred_language": "hi"})
    assert response.status_code == 200
    rows = parse(response.text).css("#consent-history tbody tr")
    assert len(rows) == 3
    with db.read() as session:
        row = session.get(Customer, customer.id)
        assert (row.consent_sms, row.consent_email, row.consent_whatsapp, row.preferred_language) == (True, False, True, "hi")
        history = session.exec(select(ConsentChange.field, ConsentChange.old_value, ConsentChange.new_value)
                               .where(ConsentChange.customer_id == customer.id).order_by(col(ConsentChange.id))).all()
    assert history == [("consent_sms", "no", "yes"), ("consent_whatsapp", "no", "yes"), ("preferred_language", None, "hi")]
    # Withdrawal is as easy as giving: the same form, one click.
    assert _save(client, customer.code, {"consent_whatsapp": "no", "preferred_language": "hi", "consent_sms": "yes"}).status_code == 200
    page = parse(client.get(f"/customers/{customer.code}").text)
    assert "SMS yes" in page.css_first("#consent").text() and "WhatsApp no" in page.css_first("#consent").text()
    bad = parse(_save(client, customer.code, {"consent_sms": "maybe", "preferred_language": "klingon"}).text)
    assert bad.css_first("#contact-consent-sms-error") is not None
    assert bad.css_first("#contact-preferred-language-error") is not None


def test_nothing_typed_changes_nothing(client, db, customer):
    response = _save(client, customer.code, {})
    assert "Nothing changed" in response.text and _changes(db, customer.code) == []


def test_a_plain_post_redirects_to_the_customer(client, customer):
    response = _save(client, customer.code, {"city": "Satara"}, htmx=False)
    assert response.status_code == 303 and response.headers["location"] == f"/customers/{customer.code}"


def test_hostile_or_huge_input_never_gives_a_500(client, customer):
    for data in ({"full_name": "x" * 10_000}, {"phone": "+" * 500}, {"email": "@" * 300}, {"pin_code": "<script>"},
                 {"clear": ["phone"] * 50, "phone": ""}, {"consent_sms": ""}, {"state": "\x00"}):
        response = _save(client, customer.code, data, htmx=False)
        assert response.status_code in (303, 400), (data, response.status_code)
