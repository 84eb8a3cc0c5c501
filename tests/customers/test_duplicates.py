"""Duplicate candidates: same phone, same e-mail, or a very similar name (any script) in the same PIN code area;
the supervisors' queue with dismiss."""

from __future__ import annotations

import secrets

import pytest

from helpdesk.customers import duplicates
from helpdesk.customers.names import latin_form, similar_names
from tests import factories
from tests.conftest import parse
from tests.customers.people import person, post_form, signed_in, unique_email, unique_phone

QUEUE = "/customers/duplicates"


@pytest.fixture(scope="module")
def supervisor(app, db):
    boss = factories.agent(db, f"dup.boss.{secrets.token_hex(3)}@helpdesk.local", role="supervisor", name="Dup Boss")
    client = signed_in(app, boss.email)
    yield client
    client.__exit__(None, None, None)


def _flag(db, customer) -> set[tuple[str, tuple[str, ...]]]:
    with db.write() as session:
        found = duplicates.flag_new_customer(session, customer.id)
        session.commit()
    return {(match.customer_id, match.reasons) for match in found}


@pytest.mark.parametrize(("latin", "devanagari"), [("Rajesh Kumar", "राजेश कुमार"), ("Sunita Sharma", "सुनीता शर्मा"),
                                                   ("Sanjay Patel", "संजय पटेल"), ("Deepak Gupta", "दीपक गुप्ता")])
def test_latin_and_devanagari_spellings_of_a_name_compare_alike(latin, devanagari):
    assert latin_form(latin) == latin_form(devanagari)
    assert similar_names(latin, devanagari)


def test_different_names_do_not_match():
    assert not similar_names("Rajesh Kumar", "Ramesh Kumar")
    assert not similar_names("Rajesh Kumar", "Suresh Yadav")
    assert not similar_names("Rajesh Kumar", None)


def test_same_phone_is_a_candidate(db):
    phone = unique_phone()
    first = person(db, name="Arjun Nair", phone=phone)
    second = person(db, name="Lakshmi Nair", phone=phone)
    assert _flag(db, second) == {(first.code, ("phone",))}


def test_same_email_in_any_case_is_a_candidate(db):
    email = unique_email("kiran")
    first = person(db, name="Kiran Das", phone=unique_phone(), email=email)
    second = person(db, name="K. Das", phone=unique_phone(), email=email.upper())
    assert _flag(db, second) == {(first.code, ("email",))}


def test_a_devanagari_name_with_the_same_pin_code_is_a_candidate_another_pin_is_not(db):
    first = person(db, name="Harish Chandra Joshi", phone=unique_phone(), pin_code="248001")
    same_area = person(db, name="हरीश चंद्र जोशी", phone=unique_phone(), pin_code="248001")
    elsewhere = person(db, name="हरीश चंद्र जोशी", phone=unique_phone(), pin_code="110001")
    assert _flag(db, same_area) == {(first.code, ("name",))}
    assert _flag(db, elsewhere) == set()


def test_flagging_twice_keeps_one_pair(db, supervisor):
    phone = unique_phone()
    first = person(db, name="Twice Flagged", phone=phone)
    second = person(db, name="Twice Flagged Too", phone=phone)
    _flag(db, second)
    _flag(db, second)
    rows = parse(supervisor.get(QUEUE).text).css("#duplicate-rows tbody tr")
    mine = [row for row in rows if first.code in row.html and second.code in row.html]
    assert len(mine) == 1


def test_the_queue_lists_pairs_for_supervisors_and_dismiss_takes_one_out(db, supervisor, client):
    phone = unique_phone()
    first = person(db, name="Queue <b>One</b>", phone=phone)
    second = person(db, name="Queue Two", phone=phone)
    _flag(db, second)
    page = supervisor.get(QUEUE)
    assert page.status_code == 200
    row = next(r for r in parse(page.text).css("#duplicate-rows tbody tr") if first.code in r.html and second.code in r.html)
    assert "<b>One</b>" in row.text() and "&lt;b&gt;One" in row.html  # escaped
    compare = row.css_first("a.button").attributes["href"]
    assert compare.startswith("/customers/merge?") and first.code in compare and second.code in compare
    candidate_id = row.attributes["id"].removeprefix("candidate-")
    assert client.get(QUEUE).status_code == 403  # agents do not merge
    dismissed = post_form(supervisor, QUEUE, f"{QUEUE}/{candidate_id}/dismiss", {}, **{"HX-Request": "true"})
    assert dismissed.status_code == 200 and "Dismissed" in dismissed.text
    assert f"candidate-{candidate_id}" not in supervisor.get(QUEUE).text
    again = post_form(supervisor, QUEUE, f"{QUEUE}/{candidate_id}/dismiss", {})
    assert again.status_code == 409
    assert post_form(supervisor, QUEUE, f"{QUEUE}/999999999/dismiss", {}).status_code == 409


def test_the_queue_is_a_page_a_partial_for_htmx_and_a_page_when_boosted(supervisor):
    plain = supervisor.get(QUEUE)
    assert "<html" in plain.text and parse(plain.text).css_first("#duplicate-rows") is not None
    partial = supervisor.get(QUEUE, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and parse(partial.text).css_first("#duplicate-rows") is not None
    assert partial.headers["vary"] == "HX-Request"
    boosted = supervisor.get(QUEUE, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_scanning_the_customers_on_file_queues_each_pair_once(db):
    from helpdesk.customers.models import DuplicateCandidate
    from sqlmodel import select

    phone, email = unique_phone(), unique_email("scan")
    a = person(db, name="Scan Alpha", phone=phone)
    b = person(db, name="Scan Beta", phone=phone, email=email)
    c = person(db, name="Scan Gamma", phone=unique_phone(), email=email)
    d = person(db, name="नरेश चौहान", phone=unique_phone(), pin_code="302039")
    e = person(db, name="Naresh Chauhan", phone=unique_phone(), pin_code="302039")
    with db.write() as session:
        assert duplicates.scan_all(session) >= 3
    with db.write() as session:
        assert duplicates.scan_all(session) == 0  # known pairs stay as they are
        rows = session.exec(select(DuplicateCandidate)).all()
    found = {(row.first_id, row.second_id): row.reasons for row in rows}
    assert found[tuple(sorted((a.id, b.id)))] == "phone"
    assert found[tuple(sorted((b.id, c.id)))] == "email"
    assert found[tuple(sorted((d.id, e.id)))] == "name"
    assert tuple(sorted((a.id, c.id))) not in found
