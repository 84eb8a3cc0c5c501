"""Every JSON endpoint gets a fixed set of hostile bodies; every answer is a 4xx with a message, never a 500.

The set: a wrong type in every field, integers past 2**63, nesting 10,000 deep, a 1 MB string and NUL bytes. The
endpoints and their fields come from /schema, so a new endpoint or field is covered without touching this file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest

from helpdesk.audit.service import SYSTEM
from helpdesk.auth import tokens
from helpdesk.timeutil import shop_today
from tests import factories

HUGE = 2**64 + 1
MEGABYTE = "x" * 1_000_000
DEEP = "[" * 10_000 + "]" * 10_000
# One value of each JSON type, and each type's wrong values.
SAMPLES = {"string": "text", "integer": 7, "number": 7.5, "boolean": True, "array": ["a"], "object": {"a": 1}}


@dataclass
class Endpoint:
    method: str
    path: str
    fields: dict[str, set[str]]  # field name -> the JSON types /schema allows for it


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _types(schema: dict, node: dict) -> set[str]:
    node = _resolve(schema, node)
    if "enum" in node:
        return {"enum"}
    found = set()
    for member in node.get("oneOf", []) + node.get("anyOf", []):
        found |= _types(schema, member)
    declared = node.get("type")
    found |= set(declared) if isinstance(declared, list) else {declared} if declared else set()
    return found - {"null"}


def _json_endpoints(schema: dict) -> list[Endpoint]:
    endpoints = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            if body:
                model = _resolve(schema, body["schema"])
                fields = {name: _types(schema, prop) for name, prop in model.get("properties", {}).items()}
                endpoints.append(Endpoint(method.upper(), path, fields))
    return endpoints


def _hostile_bodies(endpoint: Endpoint) -> list[tuple[str, str]]:
    """(what it is, the raw JSON text) for every hostile body of one endpoint."""
    bodies = [("nested 10,000 deep", DEEP), ("nested 10,000 deep in a field", '{"%s": %s}' % (next(iter(endpoint.fields)), DEEP)),
              ("a 1 MB string as the body", json.dumps(MEGABYTE)), ("an integer past 2**63 as the body", str(HUGE)),
              ("NUL bytes as the body", '"\\u0000\\u0000"'), ("not JSON at all", "{\x00")]
    for name, allowed in endpoint.fields.items():
        wrong = [value for kind, value in SAMPLES.items() if kind not in allowed and not (kind == "integer" and "number" in allowed)]
        if "enum" in allowed:
            wrong = [42, {"a": 1}, ["a"]]
        for value in wrong:
            bodies.append((f"{name}: {type(value).__name__}", json.dumps({name: value})))
        bodies += [(f"{name}: integer past 2**63", json.dumps({name: HUGE})),
                   (f"{name}: negative integer past 2**63", json.dumps({name: -HUGE})),
                   (f"{name}: 1 MB string", json.dumps({name: MEGABYTE})),
                   (f"{name}: NUL bytes", json.dumps({name: "a\x00b"}))]
    return bodies


@pytest.fixture(scope="module")
def targets(app, db):
    """Real rows for the paths, so each body reaches its endpoint's own validation (and no shared fixture is touched)."""
    customer = factories.customer(db, name="Hostile Bodies")
    product = factories.product(db, name="Fan", model_number="HB-1", warranty_months=24, category="Ceiling fan")
    line = factories.line_of(db, factories.purchase(db, customer, on=shop_today() - timedelta(days=5),
                                                    lines=[(product, None, 100)]))
    ticket = factories.ticket(db, customer, subject="Target")
    claim = factories.claim(db, customer, line)
    with db.write() as session:
        pos_token = tokens.create_token(session, name="hostile till", scope="pos", actor=SYSTEM).secret
    return {"{number}": None, "ticket": ticket.number, "claim": claim.number, "pos_token": pos_token}


def _url(path: str, targets: dict) -> str:
    return path.replace("{number}", targets["claim" if path.startswith("/api/claims") else "ticket"])


def test_the_endpoints_are_found(client):
    endpoints = {(e.method, e.path) for e in _json_endpoints(client.get("/schema/openapi.json").json())}
    assert {("POST", "/api/tickets"), ("PATCH", "/api/tickets/{number}"), ("POST", "/api/tickets/{number}/interactions"),
            ("POST", "/api/claims"), ("POST", "/api/claims/{number}/status")} <= endpoints


def test_every_hostile_body_gets_a_4xx_with_a_message(client, targets):
    client.get("/")
    headers = {"x-csrftoken": client.cookies.get("csrftoken"), "content-type": "application/json"}
    problems = []
    for endpoint in _json_endpoints(client.get("/schema/openapi.json").json()):
        url = _url(endpoint.path, targets)
        for what, body in _hostile_bodies(endpoint):
            # The POS API takes a token, not the session: send it, so each body reaches the API's own checks.
            token = {"authorization": f"Bearer {targets['pos_token']}"} if url.startswith("/api/pos/") else {}
            response = client.request(endpoint.method, url, content=body.encode(), headers={**headers, **token})
            detail = response.json().get("detail") if response.headers.get("content-type", "").startswith("application/json") else None
            if not (400 <= response.status_code < 500 and detail):
                problems.append(f"{endpoint.method} {endpoint.path} with {what}: {response.status_code} {response.text[:200]}")
    assert not problems, "\n".join(problems)
