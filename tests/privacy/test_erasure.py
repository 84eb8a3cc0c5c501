"""Privacy requests: export everything (JSON and a page), erase a customer (refused while work is open unless overridden)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from litestar.testing import TestClient
from sqlmodel import func, select

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.customers.models import Customer
from helpdesk.history.models import Interaction
from helpdesk.privacy import store
from helpdesk.privacy.erasure import erasure_pattern
from helpdesk.sales.models import Purchase
from tests import factories
from tests.conftest import csrf_from, parse, sign_in

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def supervisor(db):
    return factories.agent(db, f"sunil.supervisor.{secrets.token_hex(3)}@helpdesk.local", role="supervisor",
                           name="Sunil Supervisor")


@pytest.fixture
def supervisor_client(app, supervisor):
    with TestClient(app) as client:
        assert sign_in(client, supervisor.email).status_code == 303
        yield client


def make_person(db, agent, *, open_ticket: bool = False) -> SimpleNamespace:
    """A customer with purchases, a closed claim, tickets and history that names them in every common way."""
    tag = secrets.token_hex(4)
    digits = f"{int(tag, 16) % 10**8:08d}"
    name, phone, email = f"Erasa Kumari{tag}", f"+9198{digits}", f"erasa.{tag}@example.in"
    customer = factories.customer(db, name=name, phone=phone, email=email, city="Jaipur")
    with db.write() as session:
        store.update(session, customer.code, alt_phone=f"+9197{digits}", address_line=f"{tag} Johari Bazaar",
                     state="Rajasthan", pin_code="302003")
        session.commit()
    fridge = factories.product(db, name="Fridge 190 L", model_number=f"FR-{tag[:4]}", warranty_months=12)
    serial = f"SN-{secrets.token_hex(4)}"  # neutral: it stays after an erasure
    first = factories.purchase(db, customer, on=date(2024, 2, 1), lines=[(fridge, serial, 1_500_000)])
    factories.purchase(db, customer, on=date(2025, 3, 1), lines=[(fridge, None, 2_000_000)])
    factories.claim(db, customer, factories.line_of(db, first), status="closed",
                    description=f"{name} says the door seal broke; call 98{digits[:3]} {digits[3:]}")
    ticket = factories.ticket(db, customer, subject=f"Callback for {name.split()[0]} on 098{digits}",
                              status="open" if open_ticket else "solved")
    factories.interactions(db, customer, [
        f"Spoke to {name}; she asked us to call +91 98{digits[:3]}-{digits[3:]}",
        f"Mail sent to {email.upper()} about the delivery to {tag} Johari Bazaar, PIN 302 003",
        "Customer happy with the repair",
    ], start=datetime(2025, 4, 1, 9, tzinfo=UTC), author_id=agent.id, ticket_id=ticket.id)
    secrets_ = [tag, f"98{digits}", f"97{digits}", email, f"{tag} Johari Bazaar", name]
    return SimpleNamespace(code=customer.code, id=customer.id, tag=tag, name=name, phone=phone, email=email,
                           ticket=ticket, serial=serial, secrets=secrets_)


def _erase(client, code: str, data: dict, *, htmx: bool = True):
    token = csrf_from(client.get(f"/privacy/customers/{code}").text)
    return client.post(f"/privacy/customers/{code}/erase", data={**data, "_csrf_token": token},
                       headers=HX if htmx else {})


def _export(client, code: str, kind: str, reason: str = "Customer e-mailed a data request, ref DR-17"):
    token = csrf_from(client.get(f"/privacy/customers/{code}").text)
    return client.post(f"/privacy/customers/{code}/export", data={"format": kind, "reason": reason, "_csrf_token": token})


def _counts(db, customer_id: int) -> tuple:
    with db.read() as session:
        spend = session.exec(select(func.sum(Purchase.total_paise)).where(Purchase.customer_id == customer_id)).one()
        entries = session.exec(select(func.count()).select_from(Interaction)
                               .where(Interaction.customer_id == customer_id)).one()
    return spend, entries


def test_export_everything_as_json_and_a_readable_page_each_audited(supervisor_client, db, agent, supervisor):
    person = make_person(db, agent)
    response = _export(supervisor_client, person.code, "json")
    assert response.status_code == 200
    assert f'filename="customer-{person.code}.json"' in response.headers["content-disposition"]
    data = json.loads(response.content)
    assert data["personal_details"]["full_name"] == person.name and data["personal_details"]["phone"] == person.phone
    assert len(data["purchases"]) == 2 and data["purchases"][0]["lines"][0]["serial_number"] == person.serial
    assert len(data["warranty_claims"]) == 1 and len(data["tickets"]) == 1 and len(data["history"]) == 3
    assert data["history"][0]["ticket"] == person.ticket.number
    page = _export(supervisor_client, person.code, "html")
    assert page.status_code == 200 and person.email in page.text and "Johari Bazaar" in page.text
    with db.read() as session:
        exports = session.exec(select(AuditEntry).where(AuditEntry.customer_code == person.code,
                                                        AuditEntry.action == AuditAction.EXPORT)).all()
    assert len(exports) == 2 and all(e.actor_id == supervisor.id and "DR-17" in e.reason for e in exports)
    assert all(secret not in str(e.model_dump()) for e in exports for secret in person.secrets)


def test_an_export_needs_the_request_and_a_format(supervisor_client, db, agent):
    person = make_person(db, agent)
    response = _export(supervisor_client, person.code, "json", reason="")
    assert response.status_code == 400 and parse(response.text).css_first("#export-reason-error") is not None
    assert _export(supervisor_client, person.code, "xml").status_code == 400


def test_erasure_removes_personal_data_everywhere_and_keeps_the_neutral_history(supervisor_client, db, agent, supervisor):
    person = make_person(db, agent)
    before = _counts(db, person.id)
    view_before = supervisor_client.get(f"/api/customers/{person.code}").json()
    response = _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "Request by phone, ref E-9"})
    assert response.status_code == 200
    assert "Personal data erased" in parse(response.text).css_first("#privacy-message").text()
    with db.read() as session:
        assert store.read(session, person.code) is None
        assert store.codes_by_phone(session, person.phone) == []
        customer = session.get(Customer, person.id)
        assert customer.erased_at is not None and not (customer.consent_sms or customer.consent_email)
        bodies = " ".join(b for (b,) in session.execute(select(Interaction.body).where(Interaction.customer_id == person.id)))
        erase_entry = session.exec(select(AuditEntry).where(AuditEntry.customer_code == person.code,
                                                            AuditEntry.action == AuditAction.ERASE)).one()
    assert "[redacted]" in bodies and "Customer happy with the repair" in bodies
    assert erase_entry.actor_id == supervisor.id and "history entries: 2, tickets: 1, claims: 1" in erase_entry.details
    assert _counts(db, person.id) == before
    view = supervisor_client.get(f"/api/customers/{person.code}").json()
    for key in ("lifetime_spend_paise", "purchase_count", "outstanding_paise"):
        assert view["profile"][key] == view_before["profile"][key]
    assert len(view["claims"]["items"]) == len(view_before["claims"]["items"]) == 1
    exported = _export(supervisor_client, person.code, "json").text
    pages = [supervisor_client.get(f"/customers/{person.code}").text, json.dumps(view), exported,
             supervisor_client.get(f"/tickets/{person.ticket.number}").text,
             supervisor_client.get("/audit", params={"customer": person.code}).text,
             supervisor_client.get("/audit/export.csv", params={"customer": person.code}).text,
             supervisor_client.get("/api/lookup", params={"phone": person.phone}).text]
    for text in pages:
        for secret in person.secrets:
            assert secret.lower() not in text.lower(), f"{secret!r} is still shown"
    assert "personal data erased" in parse(pages[0]).css_first("h1.customer-name").text()


def test_erasure_is_refused_while_work_is_open_unless_overridden_with_a_reason(supervisor_client, db, agent):
    person = make_person(db, agent, open_ticket=True)
    refused = _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "Asked in store"}, htmx=False)
    assert refused.status_code == 400
    message = parse(refused.text).css_first("#erase-override-error").text()
    assert "1 open ticket" in message and person.ticket.number in message
    no_reason = _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "Asked in store", "override": "1"})
    assert parse(no_reason.text).css_first("#erase-override-reason-error") is not None
    with db.read() as session:
        assert store.read(session, person.code) is not None
    done = _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "Asked in store", "override": "1",
                                                   "override_reason": f"Legal deadline; {person.name} insisted"})
    assert "Personal data erased" in done.text
    with db.read() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.customer_code == person.code,
                                                      AuditEntry.action == AuditAction.ERASE)).one()
    assert "override with 1 open ticket" in entry.details and person.tag not in entry.details


def test_erasure_needs_the_id_typed_again_and_happens_once(supervisor_client, db, agent):
    person = make_person(db, agent)
    wrong = _erase(supervisor_client, person.code, {"confirm": "123456789", "reason": "Request"})
    assert "to confirm" in parse(wrong.text).css_first("#erase-confirm-error").text()
    no_reason = _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "  "})
    assert parse(no_reason.text).css_first("#erase-reason-error") is not None
    assert "Personal data erased" in _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "R"}).text
    again = _erase(supervisor_client, person.code, {"confirm": person.code, "reason": "R"}, htmx=False)
    assert again.status_code == 400 and "Already erased" in again.text  # refused, and the form is gone
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.customer_code == person.code, AuditEntry.action == AuditAction.ERASE)).one() == 1


def test_agents_cannot_export_or_erase(client, db, agent):
    person = make_person(db, agent)
    assert client.get(f"/privacy/customers/{person.code}").status_code == 403
    token = csrf_from(client.get("/").text)
    assert client.post(f"/privacy/customers/{person.code}/erase", data={"_csrf_token": token}).status_code == 403
    assert client.post(f"/privacy/customers/{person.code}/export", data={"_csrf_token": token}).status_code == 403


@pytest.mark.parametrize("written", ["+91 98123 45678", "098123-45678", "9812345678", "91 98123 45678",
                                     "(+91) 98123.45678", "0091 9812345678"])
def test_the_pattern_finds_a_number_however_it_was_written(written):
    details = store.PersonalDetails("912345674", full_name="Asha Verma", phone="+919812345678")
    pattern = erasure_pattern(details)
    assert pattern.sub("[redacted]", f"call {written} today") == "call [redacted] today"
    assert pattern.sub("[redacted]", "order 198123456789 and 98123456780") == "order 198123456789 and 98123456780"


def test_the_pattern_takes_names_as_whole_words_and_e_mails_in_any_case():
    details = store.PersonalDetails("912345674", full_name="Om Prakash Verma", email="Om.P@Example.in",
                                    address_line="12  MG Road", pin_code="226 001")
    pattern = erasure_pattern(details)
    text = "om prakash VERMA wrote from om.p@example.IN: 12 MG Road, 226001; Vermaji and Omkar and prakashan stay"
    assert pattern.sub("#", text) == "# wrote from #: #, #; Vermaji and Omkar and prakashan stay"
