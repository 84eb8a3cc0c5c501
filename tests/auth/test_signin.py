"""Sign-in, sessions, CSRF and the routes that need a signed-in agent."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from helpdesk.auth.models import Agent
from helpdesk.auth.web import SIGN_IN_FAILED
from tests import factories
from tests.conftest import PASSWORD, csrf_from, parse, sign_in

PROTECTED_PAGES = ["/", "/lookup?q=1", "/customers/482109379", "/customers/482109379/timeline"]
PROTECTED_API = ["/api/customers/482109379", "/api/lookup?phone=9812345678", "/schema", "/schema/openapi.json"]


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_pages_send_anonymous_callers_to_sign_in(anon, path):
    response = anon.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


@pytest.mark.parametrize("path", PROTECTED_API)
def test_api_answers_401_to_anonymous_callers(anon, path):
    assert anon.get(path).status_code == 401


@pytest.mark.parametrize("path", PROTECTED_PAGES + PROTECTED_API)
@pytest.mark.parametrize("method", ["HEAD", "POST", "PUT", "DELETE", "PATCH"])
def test_no_method_reaches_a_handler_anonymously(anon, world, path, method):
    path = path.replace("482109379", world.customer.code)
    response = anon.request(method, path, follow_redirects=False)
    assert response.status_code in (303, 401, 403, 405)
    assert "Asha Verma" not in response.text


def test_htmx_request_without_session_redirects_the_browser(anon):
    response = anon.get("/customers/482109379/timeline", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/signin")


def test_sign_in_remembers_where_the_agent_was_going(anon, agent, world):
    target = f"/customers/{world.customer.code}"
    login = anon.get(target)
    assert login.url.path == "/signin"
    form = parse(login.text).css_first("input[name=next]")
    assert form.attributes["value"] == target
    response = anon.post("/signin", data={"email": agent.email, "password": PASSWORD, "next": target,
                                           "_csrf_token": csrf_from(login.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == target


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(anon, agent, target):
    page = anon.get("/signin")
    response = anon.post("/signin", data={"email": agent.email, "password": PASSWORD, "next": target,
                                           "_csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_wrong_password_and_unknown_email_get_the_same_answer(anon, agent):
    page = anon.get("/signin")
    token = csrf_from(page.text)
    wrong = anon.post("/signin", data={"email": agent.email, "password": "nope-nope-nope", "_csrf_token": token})
    unknown = anon.post("/signin", data={"email": "nobody@helpdesk.local", "password": "nope-nope-nope", "_csrf_token": token})
    assert wrong.status_code == unknown.status_code == 400
    assert parse(wrong.text).css_first("#signin-error").text(strip=True) == SIGN_IN_FAILED
    assert parse(unknown.text).css_first("#signin-error").text(strip=True) == SIGN_IN_FAILED
    # What was typed stays in the form, but never the password.
    assert parse(unknown.text).css_first("#email").attributes["value"] == "nobody@helpdesk.local"
    assert "nope-nope-nope" not in unknown.text


def test_empty_fields_get_messages_beside_them(anon):
    page = anon.get("/signin")
    response = anon.post("/signin", data={"email": "", "password": "", "_csrf_token": csrf_from(page.text)})
    tree = parse(response.text)
    assert tree.css_first("#email-error").text(strip=True) == "Enter your e-mail address."
    assert tree.css_first("#password-error").text(strip=True) == "Enter your password."


def test_inactive_agent_cannot_sign_in(anon, db):
    inactive = factories.agent(db, "gone@helpdesk.local")
    with db.write() as session:
        row = session.get(Agent, inactive.id)
        row.is_active = False
        session.commit()
    assert sign_in(anon, "gone@helpdesk.local").status_code == 400


def test_sign_in_without_csrf_token_is_refused(anon, agent):
    anon.get("/signin")
    response = anon.post("/signin", data={"email": agent.email, "password": PASSWORD})
    assert response.status_code == 403


def test_the_desk_hashes_with_argon2id_at_full_cost():
    """The suite signs in with cheap parameters (tests/conftest.py); the desk itself must not."""
    from argon2 import Type

    from helpdesk.auth.service import PRODUCTION_HASHER

    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.time_cost >= 3 and PRODUCTION_HASHER.memory_cost >= 64 * 1024


def test_passwords_are_stored_as_argon2_hashes(db, agent):
    with db.read() as session:
        stored = session.exec(select(Agent.password_hash).where(Agent.id == agent.id)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_session_cookie_flags_and_fresh_id(app, agent):
    with TestClient(app) as client:
        client.cookies.set("helpdesk_session", "attacker-chosen-id")
        response = sign_in(client, agent.email)
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("SameSite=Lax", "SameSite=lax")
        issued = response.cookies["helpdesk_session"]
        assert issued != "attacker-chosen-id" and len(issued) >= 64
    with TestClient(app) as attacker:
        attacker.cookies.set("helpdesk_session", "attacker-chosen-id")
        assert attacker.get("/", follow_redirects=False).status_code == 303


def test_sign_in_rotates_an_existing_session_id(app, agent):
    with TestClient(app) as client:
        first = sign_in(client, agent.email).cookies["helpdesk_session"]
        second = sign_in(client, agent.email).cookies["helpdesk_session"]
        assert first != second
    with TestClient(app) as replay:
        replay.cookies.set("helpdesk_session", first)
        assert replay.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_on_the_server(app, agent):
    with TestClient(app) as client:
        session_id = sign_in(client, agent.email).cookies["helpdesk_session"]
        home = client.get("/")
        assert home.status_code == 200
        response = client.post("/signout", data={"_csrf_token": csrf_from(home.text)}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/signin"
    with TestClient(app) as replay:
        replay.cookies.set("helpdesk_session", session_id)
        assert replay.get("/", follow_redirects=False).status_code == 303


def test_security_headers_on_pages_and_errors(client, anon):
    for response in (client.get("/"), anon.get("/signin"), client.get("/no-such-page"), anon.get("/static/missing.css")):
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_htmx_is_served_by_the_desk_itself(anon):
    response = anon.get("/assets/htmx/htmx.min.js")
    assert response.status_code == 200 and "htmx" in response.text[:2000]
    page = anon.get("/signin")
    assert '<script src="/assets/htmx/htmx.min.js"' in page.text
    assert "://" not in "".join(node.attributes.get("src") or "" for node in parse(page.text).css("script"))


def test_every_page_carries_the_csrf_header_for_htmx(client):
    body = parse(client.get("/").text).css_first("body")
    assert "x-csrftoken" in body.attributes["hx-headers"]


def test_not_found_page_is_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Not found" in response.text and "Traceback" not in response.text
