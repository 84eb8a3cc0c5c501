"""The admin page: create agents, change roles, deactivate (sessions end at once), reset passwords; each audited."""

from __future__ import annotations

import secrets

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.auth.models import Agent
from tests import factories
from tests.conftest import PASSWORD, csrf_from, parse, sign_in


def _email(name: str) -> str:
    return f"{name}.{secrets.token_hex(3)}@helpdesk.local"


@pytest.fixture
def admin_client(app, db):
    admin = factories.agent(db, _email("ada.admin"), role="admin", name="Ada Admin")
    with TestClient(app) as client:
        assert sign_in(client, admin.email).status_code == 303
        client.admin = admin
        yield client


def _token(client: TestClient) -> str:
    return csrf_from(client.get("/admin").text)


def _post(client: TestClient, path: str, data: dict, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={**data, "_csrf_token": _token(client)}, headers=headers)


def _audit_details(db, since_id: int) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry.details).where(
            AuditEntry.action == AuditAction.AGENT_CHANGE, col(AuditEntry.id) > since_id).order_by(AuditEntry.id)))


def _last_audit_id(db) -> int:
    with db.read() as session:
        return session.exec(select(AuditEntry.id).order_by(col(AuditEntry.id).desc())).first() or 0


def test_the_page_lists_agents_and_keeps_a_place_for_api_tokens(admin_client, agent):
    response = admin_client.get("/admin")
    assert response.status_code == 200
    tree = parse(response.text)
    assert tree.css_first(f"#agent-{agent.id}") is not None
    assert tree.css_first("#api-tokens h2").text() == "API tokens"


def test_create_an_agent_with_a_generated_password_shown_once(admin_client, app, db):
    since = _last_audit_id(db)
    email = _email("new.person")
    response = _post(admin_client, "/admin/agents", {"email": email, "name": "New Person", "role": "supervisor"}, htmx=True)
    assert response.status_code == 200
    tree = parse(response.text)
    assert tree.css_first("section#agents") is not None and tree.css_first("main") is None  # the partial
    shown = tree.css_first("#one-time-password code").text()
    with TestClient(app) as newcomer:
        assert sign_in(newcomer, email, shown).status_code == 303
    assert admin_client.get("/admin").text.count(shown) == 0, "a generated password is shown once only"
    assert _audit_details(db, since) == [f"created {email} as supervisor"]


def test_a_refused_new_agent_keeps_what_was_typed_with_messages_beside_the_fields(admin_client, agent):
    response = _post(admin_client, "/admin/agents", {"email": "not-an-address", "name": "Typed Name",
                                                     "role": "agent", "password": "short"})
    assert response.status_code == 400
    tree = parse(response.text)
    assert "e-mail address" in tree.css_first("#new-email-error").text()
    assert "at least" in tree.css_first("#new-password-error").text()
    assert tree.css_first("#new-name").attributes["value"] == "Typed Name"
    assert tree.css_first("#new-email").attributes["value"] == "not-an-address"
    duplicate = _post(admin_client, "/admin/agents", {"email": agent.email, "name": "Again", "role": "agent"}, htmx=True)
    assert duplicate.status_code == 200 and "already has an account" in parse(duplicate.text).css_first("#new-email-error").text()
    bad_role = _post(admin_client, "/admin/agents", {"email": _email("x"), "name": "X", "role": "overlord"})
    assert bad_role.status_code == 400 and parse(bad_role.text).css_first("#new-role-error") is not None


def test_a_role_change_applies_at_the_next_request(admin_client, app, db):
    person = factories.agent(db, _email("rolling"), name="Rolling Role")
    with TestClient(app) as browser:
        assert sign_in(browser, person.email).status_code == 303
        assert browser.get("/audit").status_code == 403
        response = _post(admin_client, f"/admin/agents/{person.id}/role", {"role": "supervisor"})
        assert response.status_code == 200 and "is now supervisor" in response.text
        assert browser.get("/audit").status_code == 200


def test_deactivating_ends_their_sessions_at_once(admin_client, app, db):
    person = factories.agent(db, _email("leaving"), name="Leaving Soon")
    since = _last_audit_id(db)
    with TestClient(app) as browser:
        assert sign_in(browser, person.email).status_code == 303
        assert browser.get("/").status_code == 200
        response = _post(admin_client, f"/admin/agents/{person.id}/active", {"active": "0"}, htmx=True)
        assert "signed out everywhere" in response.text
        refused = browser.get("/", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/signin")
        assert browser.get("/api/tickets").status_code == 401
        assert sign_in(browser, person.email).status_code == 400  # and cannot sign in again
        # Reactivated, the old session stays ended: only a new sign-in works.
        _post(admin_client, f"/admin/agents/{person.id}/active", {"active": "1"})
        assert browser.get("/api/tickets").status_code == 401
        assert sign_in(browser, person.email).status_code == 303
        assert browser.get("/api/tickets").status_code == 200
    assert _audit_details(db, since) == [f"deactivated {person.email}; their sessions ended", f"reactivated {person.email}"]


def test_the_per_request_check_refuses_an_inactive_agent(db, app):
    """helpdesk/app.py's retrieve handler: a session of an agent switched off directly in the database is refused."""
    person = factories.agent(db, _email("switched.off"), name="Switched Off")
    with TestClient(app) as browser:
        assert sign_in(browser, person.email).status_code == 303
        with db.write() as session:
            row = session.get(Agent, person.id)
            row.is_active = False
            session.add(row)
            session.commit()
        assert browser.get("/api/tickets").status_code == 401


def test_reset_password_ends_sessions_and_the_new_one_works(admin_client, app, db):
    person = factories.agent(db, _email("forgetful"), name="Forgetful One")
    with TestClient(app) as browser:
        assert sign_in(browser, person.email).status_code == 303
        short = _post(admin_client, f"/admin/agents/{person.id}/password", {"password": "short"}, htmx=True)
        assert "at least" in parse(short.text).css_first(f"#password-error-{person.id}").text()
        assert browser.get("/api/tickets").status_code == 200  # nothing changed
        response = _post(admin_client, f"/admin/agents/{person.id}/password", {"password": ""}, htmx=True)
        new_password = parse(response.text).css_first("#one-time-password code").text()
        assert browser.get("/api/tickets").status_code == 401
        assert sign_in(browser, person.email, PASSWORD).status_code == 400
        assert sign_in(browser, person.email, new_password).status_code == 303


def test_the_last_admin_cannot_be_demoted_or_deactivated_and_nobody_deactivates_themselves(admin_client, db):
    me = admin_client.admin
    with db.write() as session:  # leave exactly one active admin: this one
        for other in session.exec(select(Agent).where(Agent.role == "admin", Agent.id != me.id)):
            other.role = "agent"
            session.add(other)
        session.commit()
    demote = _post(admin_client, f"/admin/agents/{me.id}/role", {"role": "agent"})
    assert demote.status_code == 400 and "only active admin" in parse(demote.text).css_first(f"#role-error-{me.id}").text()
    myself = _post(admin_client, f"/admin/agents/{me.id}/active", {"active": "0"})
    assert myself.status_code == 400 and "yourself" in myself.text
    with db.read() as session:
        row = session.get(Agent, me.id)
        assert row.role == "admin" and row.is_active


def test_forged_or_unknown_agent_numbers_are_404_not_500(admin_client):
    assert _post(admin_client, "/admin/agents/999999/role", {"role": "agent"}).status_code == 404
    assert _post(admin_client, "/admin/agents/0/active", {"active": "0"}).status_code in (400, 404)
    assert _post(admin_client, "/admin/agents/abc/password", {}).status_code in (400, 404)
    assert _post(admin_client, f"/admin/agents/{admin_client.admin.id}/role", {"role": "x" * 5000}).status_code == 400
