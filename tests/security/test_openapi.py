"""The OpenAPI document is exact: plain answer types (no `oneOf [X, {}]`), and every refusal a route gives is listed."""

from __future__ import annotations

import json

import pytest

# What each route can answer besides success, from its handler and the services it calls.
REFUSALS = {
    ("get", "/api/customers/{customer_id}"): {404, 422},
    ("get", "/api/lookup"): {422},
    ("get", "/api/tickets"): {422},
    ("post", "/api/tickets"): {404, 422},
    ("get", "/api/tickets/{number}"): {404, 422},
    ("patch", "/api/tickets/{number}"): {404, 409, 422},
    ("post", "/api/tickets/{number}/interactions"): {404, 409, 422},
    ("get", "/api/claims"): {422},
    ("post", "/api/claims"): {404, 422},
    ("get", "/api/claims/{number}"): {404, 422},
    ("post", "/api/claims/{number}/status"): {403, 404, 409, 422},
    ("get", "/api/search"): {422, 503},
    # The POS API (an API token, not a session): 409 for a clashing order or a key still running, 422 per field.
    ("post", "/api/pos/purchases"): {409, 422},
    ("post", "/api/pos/purchases/batch"): {409, 422},
    ("post", "/api/pos/returns"): {409, 422},
    ("post", "/api/pos/redemptions"): {409, 422},
}


@pytest.fixture(scope="module")
def schema(app, agent):
    from litestar.testing import TestClient

    from tests.conftest import sign_in

    with TestClient(app) as client:
        sign_in(client, agent.email)
        return client.get("/schema/openapi.json").json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method, path, operation


def test_the_document_covers_exactly_the_json_api(schema):
    assert {(method, path) for method, path, _ in _operations(schema)} == set(REFUSALS)


def test_no_answer_is_documented_as_anything_at_all(schema):
    """`X | Response` handlers came out as `oneOf [X, {}]`: a client could not know what it gets."""
    for method, path, operation in _operations(schema):
        text = json.dumps(operation["responses"])
        assert "{}]" not in text and '"schema": {}' not in text, (method, path)


@pytest.mark.parametrize(("method", "path"), sorted(REFUSALS))
def test_every_refusal_is_listed_with_its_body(schema, method, path):
    responses = schema["paths"][path][method]["responses"]
    for status in REFUSALS[(method, path)] | {400, 401, 403}:
        assert str(status) in responses, f"{method.upper()} {path} does not list {status}"
        body = responses[str(status)]["content"]["application/json"]["schema"]
        if "$ref" in body:
            body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
        assert {"status_code", "detail"} <= set(body["properties"]), (method, path, status)


def test_a_conflict_documents_the_current_ticket(schema):
    body = schema["paths"]["/api/tickets/{number}"]["patch"]["responses"]["409"]["content"]["application/json"]["schema"]
    conflict = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert conflict["properties"]["current"] == {"$ref": "#/components/schemas/TicketOut"}


def test_ids_and_versions_are_bounded_in_the_document(schema):
    update = schema["paths"]["/api/tickets/{number}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    model = schema["components"]["schemas"][update["$ref"].rsplit("/", 1)[1]]
    assert model["properties"]["version"]["maximum"] == 2**31 - 1
