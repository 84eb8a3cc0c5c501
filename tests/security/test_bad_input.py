"""Bad input gets a 4xx with a message, never a 500: numbers past the database's range, wrong JSON types, deep
nesting, NUL characters in addresses and text."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import csrf_from, parse

TOO_BIG = 2**70  # past SQLite's 64-bit and PostgreSQL's 32-bit INTEGER alike
DEEP = "[" * 10_000 + "]" * 10_000


def _csrf(client) -> dict[str, str]:
    client.get("/")
    return {"x-csrftoken": client.cookies.get("csrftoken")}


def _refused_with_message(response, *statuses: int) -> None:
    assert response.status_code in (statuses or (400, 422)), (response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        assert response.json()["detail"]
    else:
        assert parse(response.text).css_first("main").text(strip=True)


# --- integers too large for the database ----------------------------------------------------------


def test_huge_integer_in_a_path(client, world):
    _refused_with_message(client.get(f"/claims/{world.claim.number}/photos/{TOO_BIG}"))


@pytest.mark.parametrize("query", [f"assignee_id={TOO_BIG}", f"page={TOO_BIG}"])
def test_huge_integer_in_a_query(client, query):
    _refused_with_message(client.get(f"/api/tickets?{query}"))


def test_huge_integers_in_json(client, world, buyer):
    headers = _csrf(client)
    number = world.open_ticket.number
    code = buyer.customer.code
    for method, path, body in [
        ("POST", "/api/tickets", {"customer_id": code, "subject": "s", "body": "b", "purchase_line_id": TOO_BIG}),
        ("PATCH", f"/api/tickets/{number}", {"version": TOO_BIG}),
        ("PATCH", f"/api/tickets/{number}", {"version": 1, "assignee_id": TOO_BIG}),
        ("POST", f"/api/tickets/{number}/interactions", {"body": "x", "status": "pending", "version": TOO_BIG}),
        ("POST", "/api/claims", {"customer_id": code, "purchase_line_id": TOO_BIG, "fault_category": "Other",
                                 "description": "d"}),
    ]:
        response = client.request(method, path, json=body, headers=headers)
        _refused_with_message(response, 422)
        # The field's own message: "at most 2147483647", or for an item id "Choose one of the customer's items."
        assert any(item["key"] in body and item["message"] for item in response.json()["extra"]), response.text


# --- JSON values of the wrong type ----------------------------------------------------------------


@pytest.mark.parametrize("field", ["subject", "body", "idempotency_key"])
def test_an_object_where_text_belongs(client, world, field):
    body = {"customer_id": world.customer.code, "subject": "s", "body": "b", field: {"a": 1}}
    response = client.post("/api/tickets", json=body, headers=_csrf(client))
    _refused_with_message(response, 422)
    assert [item["key"] for item in response.json()["extra"]] == [field]


def test_a_number_where_tags_belong(client, world):
    response = client.patch(f"/api/tickets/{world.open_ticket.number}", json={"version": 1, "tags": 5},
                            headers=_csrf(client))
    _refused_with_message(response, 422)
    assert response.json()["extra"][0]["message"] == "Tags are a list of tag names."


def test_repeated_form_fields_where_text_belongs(client, world):
    """A form field sent twice arrives as a list: the form comes back with a message, not a traceback."""
    page = client.get(f"/customers/{world.customer.code}/call-form")
    response = client.post(f"/customers/{world.customer.code}/calls",
                           data={"summary": "s", "ticket_number": ["T-1", "T-2"], "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 400 and "must be text" in response.text


# --- nesting, NUL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, '{"subject": %s}' % DEEP])
def test_deeply_nested_json(client, body):
    response = client.post("/api/tickets", content=body, headers={**_csrf(client), "content-type": "application/json"})
    _refused_with_message(response, 400)
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/static/%00", "/static/app.css%00.js", "/assets/htmx/%00"])
def test_nul_in_a_static_path(anon, path):
    _refused_with_message(anon.get(path), 400)


@pytest.mark.parametrize("path", ["/static/" + "a" * 300, "/assets/htmx/" + "é" * 200 + ".js"])
def test_a_file_name_no_file_system_holds(anon, path):
    _refused_with_message(anon.get(path), 404)


@pytest.mark.parametrize("path", ["/claims?category=%00", "/api/claims?model=a%00b", "/tickets?tag=%00"])
def test_nul_in_a_query(client, path):
    _refused_with_message(client.get(path), 400)


def test_nul_in_json_text(client, world):
    response = client.post("/api/tickets", json={"customer_id": world.customer.code, "subject": "a\x00b", "body": "b"},
                           headers=_csrf(client))
    _refused_with_message(response, 422)
    assert "NUL" in response.json()["extra"][0]["message"]


def test_nul_in_public_and_sign_in_forms(anon, db):
    page = anon.get("/signin")
    response = anon.post("/signin", data={"email": "a\x00@x.in", "password": "whatever-it-is", "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 400
    page = anon.get("/warranty")
    response = anon.post("/warranty", data={"customer": "1\x002", "second": "ORD\x00", "_csrf_token": csrf_from(page.text)})
    assert response.status_code in (400, 429) and parse(response.text).css_first("#verify-message") is not None


def test_nul_in_a_survey_comment_and_a_claim_note(client, anon, db, world):
    from helpdesk.tickets import satisfaction, service as tickets

    solved = factories.ticket(db, factories.customer(db, name="Survey Taker"), subject="Done", status="solved")
    with db.write() as session:
        token = satisfaction.new_link(session, ticket=tickets.get_ticket(session, solved.number))
    survey = anon.get(f"/satisfaction/{token}")
    response = anon.post(f"/satisfaction/{token}", data={"score": "4", "comment": "ok\x00", "_csrf_token": csrf_from(survey.text)})
    assert response.status_code == 400 and "NUL" in response.text
    page = client.get(f"/claims/{world.claim.number}")
    response = client.post(f"/claims/{world.claim.number}/notes", data={"description": "x\x00", "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 400 and "NUL" in parse(response.text).css_first("#claim-note-error").text()
