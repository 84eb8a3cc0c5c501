"""Registering a caller who is not a customer yet: from the lookup box, validated, warned of duplicates."""

from __future__ import annotations

from urllib.parse import quote

from sqlmodel import select

from helpdesk import ids
from helpdesk.customers.models import Customer, DuplicateCandidate
from helpdesk.privacy import store as personal
from helpdesk.privacy.models import PersonalRecord
from tests.conftest import parse
from tests.customers.people import person, post_form, unique_email, unique_phone

NEW = "/customers/new"


def _valid(**changes) -> dict:
    return {"full_name": "Meera Iyer", "phone": unique_phone(), "email": unique_email("meera"),
            "address_line": "4 Lake View", "city": "Chennai", "pin_code": "600041", **changes}


def test_a_number_nobody_has_offers_to_register_the_caller_with_it(client):
    number = unique_phone()
    response = client.get(f"/lookup?q={quote(number)}")
    link = parse(response.text).css_first("#register-caller")
    assert link is not None and link.attributes["href"] == f"/customers/new?phone={quote(number)}"
    form = parse(client.get(link.attributes["href"]).text)
    assert form.css_first("#new-phone").attributes["value"] == number


def test_registering_shows_the_new_id_grouped_and_leads_to_the_customer_page(client, db):
    data = _valid()
    response = post_form(client, NEW, NEW, data)
    assert response.status_code == 303
    target = response.headers["location"]
    code = target.rsplit("/", 1)[1]
    assert ids.is_valid(code)
    page = parse(client.get(target).text)
    assert page.css_first("#new-customer-id").text(strip=True) == ids.format_grouped(code)
    assert page.css_first("#open-customer").attributes["href"] == f"/customers/{code}"
    with db.read() as session:
        details = personal.read(session, code)
        stored = session.get(PersonalRecord, code)
    assert (details.full_name, details.phone, details.pin_code) == ("Meera Iyer", data["phone"], "600041")
    assert stored.full_name != "Meera Iyer" and stored.phone_index and stored.pin_code_index  # encrypted, indexed
    assert client.get(f"/lookup?q={quote(data['phone'])}", follow_redirects=False).headers["location"] == f"/customers/{code}"


def test_bad_input_comes_back_with_what_was_typed_and_a_message_per_field(client):
    data = _valid(full_name="  ", phone="12345", email="not-an-address", pin_code="012345", city="<b>Pune</b>")
    response = post_form(client, NEW, NEW, data)
    assert response.status_code == 400
    page = parse(response.text)
    assert page.css_first("#full-name-error").text() == "The name cannot be empty."
    assert page.css_first("#phone-error") is not None
    assert "name@example.in" in page.css_first("#email-error").text()
    assert "six digits" in page.css_first("#pin-code-error").text()
    assert page.css_first("#new-email").attributes["value"] == "not-an-address"
    assert page.css_first("#new-city").attributes["value"] == "<b>Pune</b>"  # escaped, shown back as typed
    assert "<b>Pune</b>" not in response.text


def test_htmx_gets_the_form_alone_with_200_so_it_swaps(client):
    response = post_form(client, NEW, NEW, _valid(pin_code="12"), **{"HX-Request": "true"})
    assert response.status_code == 200
    assert parse(response.text).css_first("form#new-customer") is not None and "<html" not in response.text
    assert parse(response.text).css_first("#pin-code-error") is not None


def test_a_known_phone_or_email_warns_before_saving_and_saves_once_confirmed(client, db):
    phone, email = unique_phone(), unique_email("dup")
    known = person(db, name="Vikram Rao", phone=phone, email=unique_email("vikram"))
    other = person(db, name="Leela Rao", phone=unique_phone(), email=email)
    check = post_form(client, NEW, "/customers/new/check", {"phone": phone, "email": email}, **{"HX-Request": "true"})
    warning = parse(check.text).css_first("#duplicate-warning")
    links = {a.attributes["href"] for a in warning.css("a")}
    assert links == {f"/customers/{known.code}", f"/customers/{other.code}"}
    assert "Possible duplicate of" in warning.text()

    data = _valid(full_name="Vikram Rao", phone=phone, email=email)
    refused = post_form(client, NEW, NEW, data)
    assert refused.status_code == 409
    page = parse(refused.text)
    assert page.css_first("#duplicates-error") is not None
    assert page.css_first("#new-phone").attributes["value"] == phone
    with db.read() as session:
        assert not personal.codes_by_phone(session, phone) == [] and len(personal.codes_by_phone(session, phone)) == 1

    saved = post_form(client, NEW, NEW, {**data, "confirm_duplicate": "1"})
    assert saved.status_code == 303
    code = saved.headers["location"].rsplit("/", 1)[1]
    with db.read() as session:
        new_id = session.exec(select(Customer.id).where(Customer.code == code)).one()
        pairs = session.exec(select(DuplicateCandidate).where(
            (DuplicateCandidate.first_id == new_id) | (DuplicateCandidate.second_id == new_id))).all()
    assert {(p.first_id, p.second_id) for p in pairs} == {tuple(sorted((new_id, known.id))), tuple(sorted((new_id, other.id)))}
    assert {p.reasons for p in pairs} == {"phone", "email"}


def test_the_check_without_anything_to_match_says_nothing(client):
    response = post_form(client, NEW, "/customers/new/check", {"phone": "nonsense"}, **{"HX-Request": "true"})
    assert response.status_code == 200 and not parse(response.text).css("#duplicate-warning li")


def test_the_registered_page_of_an_unknown_id_is_404(client):
    assert client.get(f"/customers/registered/{ids.with_check_digit('87654321')}").status_code == 404
    assert client.get("/customers/registered/12345").status_code == 422
