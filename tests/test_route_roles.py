"""Every route declares who may use it, and is refused to everyone else: generated from the app's own route table.

For each route and method, as anonymous, agent, supervisor and admin: anonymous gets 401 (API) or is sent to sign
in (pages), a role the route does not declare gets 403, a declared role gets through (whatever the answer, never a
500). Forged IDs in URLs and form fields never reach another customer's data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from helpdesk.auth.guards import POS_TOKEN, declared_roles
from helpdesk.macros.models import Macro
from tests import factories
from tests.conftest import csrf_from, parse, sign_in

ROLES = ("anonymous", "agent", "supervisor", "admin")
# Served to anyone by design, outside the guards: static files (CSS, our scripts, htmx itself).
UNGUARDED_PREFIXES = ("/static/", "/assets/")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the route's template, e.g. /customers/{customer_id:str}
    roles: frozenset[str] | None  # None: anyone

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app) -> list[Endpoint]:
    """Every method of every route in the app, with the roles its guards declare."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(UNGUARDED_PREFIXES):
            continue
        for handler in route.route_handlers:
            methods = sorted(set(handler.http_methods) - {"OPTIONS"})  # OPTIONS: Litestar's own, never authenticated
            if not methods:
                continue
            declared = declared_roles(getattr(guard, "func", guard) for guard in handler.resolve_guards())
            assert len(declared) == 1, f"{methods} {route.path} declares {len(declared)} access guards, not one"
            found += [Endpoint(method, route.path, declared[0]) for method in methods]
    return found


def test_every_route_declares_its_access_and_the_public_ones_are_few(app):
    found = endpoints(app)
    assert len(found) > 50
    public = {str(e) for e in found if e.roles is None}
    assert public == {"GET /signin", "POST /signin", "GET /satisfaction/{token:str}", "POST /satisfaction/{token:str}",
                      "GET /warranty", "POST /warranty", "POST /warranty/claim", "POST /warranty/done",
                      "GET /warranty/faults",  # answers only for a verified visitor's own items
                      "GET /warranty/status/{token:str}"}
    by_path = {str(e): e.roles for e in found}
    assert by_path["GET /admin"] == {"admin"} and by_path["GET /audit"] == {"supervisor", "admin"}
    assert by_path["POST /privacy/customers/{customer_id:str}/erase"] == {"supervisor", "admin"}
    assert by_path["POST /customers/{customer_id:str}/fields/{field:str}/reveal"] == {"agent", "supervisor", "admin"}


@pytest.fixture(scope="module")
def samples(db, world):
    """A value for every path parameter the app has; a new parameter name fails the test until it has one."""
    spare = factories.agent(db, f"spare.{secrets.token_hex(3)}@helpdesk.local", name="Spare Agent")
    with db.write() as session:
        macro = Macro(title=f"Route sample {secrets.token_hex(3)}", body="Hello {{customer.first_name}}")
        session.add(macro)
        session.commit()
        session.refresh(macro)
    return {
        "customer_id": world.customer.code, "which": "timeline", "field": "phone", "photo_id": "1",
        "token": "t" * 32, "agent_id": str(spare.id), "path": "openapi.json",
        "segment": "champions", "month": "2026-05", "year": "2026", "report": "sales", "chart": "revenue",
        "file": "sales.csv", "macro_id": str(macro.id), "serial": "WM7-SN-7777", "candidate_id": "1", "merge_id": "1",
        "token_id": "999999",
        "number": {"tickets": world.open_ticket.number, "claims": world.claim.number},
    }


def concrete(path: str, samples: dict) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("{"):
            name = part[1:].split(":")[0]
            assert name in samples, f"no sample value for path parameter {name!r} in {path}"
            value = samples[name]
            if isinstance(value, dict):
                value = value["claims" if "/claims/" in path else "tickets"]
            parts.append(value)
        else:
            parts.append(part)
    return "/".join(parts)


@pytest.fixture(scope="module")
def people(db):
    return {role: factories.agent(db, f"matrix.{role}.{secrets.token_hex(3)}@helpdesk.local", role=role,
                                  name=f"Matrix {role.title()}") for role in ROLES[1:]}


def _client(app, people, role: str) -> Iterator[TestClient]:
    with TestClient(app) as client:
        if role != "anonymous":
            assert sign_in(client, people[role].email).status_code == 303
        client.csrf = csrf_from(client.get("/signin").text)  # the cookie and the matching token, signed in or not
        yield client


def _call(client: TestClient, method: str, url: str):
    if method in UNSAFE:
        return client.request(method, url, data={"_csrf_token": client.csrf}, headers={"x-csrftoken": client.csrf},
                              follow_redirects=False)
    return client.request(method, url, follow_redirects=False)


@pytest.mark.parametrize("role", ROLES)
def test_route_by_role(app, samples, people, role):
    # /signout last: it ends the session the rest of the walk runs in.
    walk = sorted(endpoints(app), key=lambda e: e.path == "/signout")
    problems = []
    for client in _client(app, people, role):
        for endpoint in walk:
            url = concrete(endpoint.path, samples)
            response = _call(client, endpoint.method, url)
            status = response.status_code
            allowed = endpoint.roles is None or (role != "anonymous" and role in endpoint.roles)
            if response.status_code >= 500:
                problems.append(f"{endpoint} as {role}: {status}")
            elif endpoint.roles == {POS_TOKEN}:
                # Machine routes take an API token, never a session: every role is "not signed in" there.
                if status != 401:
                    problems.append(f"{endpoint} as {role}: {status}, expected 401 (no API token)")
            elif allowed and status in (401, 403) and "csrf" not in response.text.lower():
                problems.append(f"{endpoint} as {role}: refused with {status}, but the route lets {role} in")
            elif not allowed and role == "anonymous":
                to_signin = status == 303 and response.headers["location"].startswith("/signin")
                if not (status == 401 if url.startswith(("/api/", "/schema")) else to_signin):
                    problems.append(f"{endpoint} as anonymous: {status}, expected 401 or a redirect to sign in")
            elif not allowed and status != 403:
                problems.append(f"{endpoint} as {role}: {status}, expected 403")
    assert not problems, "\n".join(problems)


def test_head_never_runs_a_page_for_anonymous(anon, world):
    """Stock SessionAuth skips HEAD; here HEAD is authenticated like GET, or not served at all (405)."""
    for url in (f"/customers/{world.customer.code}", "/admin", "/audit", f"/api/customers/{world.customer.code}"):
        response = anon.head(url, follow_redirects=False)
        assert response.status_code in (303, 401, 405) and not response.content, url


# --- forged IDs: a real ID of someone else, in a URL or a form field ---------------------------------------


@pytest.fixture(scope="module")
def stranger(db):
    """Another customer with a ticket, a purchase and a claim of their own."""
    person = factories.customer(db, name="Forged Stranger", phone="+919845012345")
    washer = factories.product(db, name="Washer 6 kg", model_number="WS-6", warranty_months=24)
    bought = factories.purchase(db, person, on=date.today(), lines=[(washer, "WS6-FORGED", 2_500_000)])
    ticket = factories.ticket(db, person, subject="Stranger's own ticket")
    claim = factories.claim(db, person, factories.line_of(db, bought))
    return person, factories.line_of(db, bought), ticket, claim


def _form(client, page: str, path: str, data: dict, **headers):
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "_csrf_token": token}, headers=headers, follow_redirects=False)


def test_a_call_cannot_be_attached_to_another_customers_ticket(client, world, stranger):
    _, _, ticket, _ = stranger
    page = f"/customers/{world.customer.code}"
    response = _form(client, page, f"{page}/calls", {"summary": "Forged", "outcome": "resolved",
                                                     "ticket_number": ticket.number}, **{"HX-Request": "true"})
    assert "not one of this customer's tickets" in parse(response.text).css_first("#ticket-number-error").text()


def test_a_ticket_cannot_name_another_customers_purchase(client, world, stranger):
    _, line, _, _ = stranger
    page = f"/customers/{world.customer.code}"
    response = _form(client, page, f"{page}/tickets", {"subject": "Forged item", "body": "x", "channel": "phone",
                                                       "priority": "normal", "purchase_line_id": str(line.id)})
    assert response.status_code == 400 and "not one of this customer's purchases" in parse(response.text).text()


def test_a_reveal_cannot_cite_another_customers_claim(client, world, stranger):
    _, _, _, claim = stranger
    page = f"/customers/{world.customer.code}"
    response = _form(client, page, f"{page}/fields/phone/reveal", {"reason": "call_back", "reference": claim.number})
    assert response.status_code == 400 and "not one of this customer's" in parse(response.text).text()


def test_the_public_page_cannot_file_a_claim_on_another_customers_item(anon, world, stranger):
    _, line, _, _ = stranger
    token = csrf_from(anon.get("/warranty").text)
    verified = anon.post("/warranty", data={"customer": world.customer.code, "second": world.fridge_purchase.order_number,
                                            "_csrf_token": token}, follow_redirects=False)
    assert verified.status_code == 303
    token = csrf_from(anon.get("/warranty").text)
    response = anon.post("/warranty/claim", files={"placeholder": ("", b"", "application/octet-stream")},
                         data={"purchase_line_id": str(line.id), "fault_category": "motor", "description": "Forged",
                           "remedy": "repair", "_csrf_token": token})
    errors = [node.text() for node in parse(response.text).css(".field-error")]
    assert response.status_code == 400 and any("not one of this customer's purchases" in e for e in errors), errors


def test_a_photo_url_of_another_claim_is_not_found(client, world, stranger):
    _, _, _, claim = stranger
    assert client.get(f"/claims/{world.claim.number}/photos/{2**31 - 1}").status_code == 404
    assert client.get(f"/claims/{world.claim.number}/photos/{2**31}").status_code == 400  # no 500 from an int4 overflow
    assert client.get("/claims/W-2026-999999/photos/1").status_code == 404
    assert client.get(f"/claims/{claim.number}").status_code == 200  # agents see every customer's claims by design
