"""CSRF tokens are bound to the session: an attacker's own valid cookie-and-token pair fails with a victim's session."""

from __future__ import annotations

import dataclasses

import pytest
from litestar.testing import TestClient

from helpdesk.app import create_app
from tests.conftest import PASSWORD, csrf_from, parse, sign_in


@pytest.fixture
def attackers_pair(app) -> tuple[str, str]:
    """What an attacker gets by visiting the desk themselves: a csrftoken cookie and the token on the page."""
    with TestClient(app) as attacker:
        page = attacker.get("/signin")
        return attacker.cookies.get("csrftoken"), csrf_from(page.text)


def _plant(client: TestClient, cookie: str) -> None:
    """The attacker's cookie in the victim's browser (a sibling subdomain, or plain http, can do this)."""
    client.cookies.set("csrftoken", cookie)


def test_the_attackers_pair_fails_with_the_victims_session(client, world, attackers_pair):
    cookie, token = attackers_pair
    _plant(client, cookie)
    body = {"customer_id": world.customer.code, "subject": "Planted", "body": "by someone else"}
    assert client.post("/api/tickets", json=body, headers={"x-csrftoken": cookie}).status_code == 403
    assert client.post("/api/tickets", json=body, headers={"x-csrftoken": token}).status_code == 403
    htmx = {"HX-Request": "true", "x-csrftoken": token}
    assert client.post(f"/tickets/{world.open_ticket.number}/messages", data={"body": "planted"}, headers=htmx).status_code == 403
    signout = client.post("/signout", data={"_csrf_token": token}, follow_redirects=False)
    assert signout.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in: nothing happened


def test_the_victims_own_token_works(client, world):
    page = client.get(f"/customers/{world.customer.code}/call-form")
    token = csrf_from(page.text)
    assert token == parse(client.get("/").text).css_first("body").attributes["hx-headers"].split('"')[3]
    response = client.post("/signout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_a_token_does_not_outlive_sign_in(app, agent):
    """Sign-in starts a new session, with a new secret: a token seen before it (login CSRF) is useless after."""
    with TestClient(app) as browser:
        before = csrf_from(browser.get("/signin").text)
        assert sign_in(browser, agent.email).status_code == 303
        assert browser.post("/signout", data={"_csrf_token": before}, follow_redirects=False).status_code == 403


def test_anonymous_forms_are_bound_too(app, agent, attackers_pair):
    cookie, token = attackers_pair
    with TestClient(app) as victim:
        victim.get("/signin")  # the victim's browser has its own (anonymous) session
        _plant(victim, cookie)
        forged_sign_in = victim.post("/signin", data={"email": agent.email, "password": PASSWORD, "_csrf_token": token},
                                     follow_redirects=False)
        assert forged_sign_in.status_code == 403
        victim.get("/warranty")
        forged_verify = victim.post("/warranty", data={"customer": "1", "second": "2", "_csrf_token": token})
        assert forged_verify.status_code == 403


def test_no_session_no_token(app):
    """A post with a token but no session at all is refused (nothing to check it against)."""
    with TestClient(app) as stranger:
        assert stranger.post("/warranty", data={"_csrf_token": "0" * 64}).status_code == 403


def test_host_prefixed_cookies_behind_https(settings, db, agent):
    secure_app = create_app(dataclasses.replace(settings, secure_cookies=True), database=db)
    with TestClient(secure_app, base_url="https://testserver.local") as browser:
        page = browser.get("/signin")
        cookies = page.headers.get_list("set-cookie")
        names = sorted(cookie.split("=", 1)[0] for cookie in cookies)
        assert names == ["__Host-csrftoken", "__Host-helpdesk_session"]
        for cookie in cookies:
            assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        signed_in = browser.post("/signin", data={"email": agent.email, "password": PASSWORD,
                                                  "_csrf_token": csrf_from(page.text)}, follow_redirects=False)
        assert signed_in.status_code == 303
        assert browser.get("/", follow_redirects=False).status_code == 200
