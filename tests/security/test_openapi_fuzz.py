"""schemathesis against the desk's own /schema, signed in: no 500s, and every answer is one the document describes.

The run works on a database of its own (fuzzed requests may find and change real rows), sends requests through
Litestar's test client with the agent's session and CSRF token, and is bounded: a fixed number of examples per
operation, no shrinking, no example database, derandomized, so it takes the same few seconds every time and needs
no network.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from schemathesis import checks
from schemathesis.generation import GenerationMode
from hypothesis import HealthCheck, Phase, given, settings
from litestar.testing import TestClient

from helpdesk import migrate
from helpdesk.app import create_app
from helpdesk.audit.service import SYSTEM
from helpdesk.auth import tokens
from helpdesk.config import Settings
from helpdesk.db import Database
from tests import factories
from tests.conftest import TEST_KEYS, _drop_schemas, _postgres_urls, sign_in
from tests.security.test_openapi import REFUSALS

EXAMPLES = 15
UNSAFE = {"POST", "PATCH", "PUT", "DELETE"}


@dataclass
class Target:
    client: TestClient
    schema: schemathesis.schemas.BaseSchema
    csrf: str
    pos_token: str = ""


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("fuzz")
    env = {"HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_INDEX_DIR": str(root / "index"),
           "HELPDESK_DATA_DIR": str(root / "data"), "HELPDESK_PERSONAL_KEYS": TEST_KEYS}
    base, schemas = os.environ.get("HELPDESK_TEST_DATABASE_URL"), []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    database = Database.from_settings(Settings.from_env(env, cwd=root))
    migrate.upgrade(database)
    agent = factories.agent(database, "fuzz.agent@helpdesk.local")
    customer = factories.customer(database, name="Fuzz Customer", phone="+919811122233")
    factories.ticket(database, customer, subject="Something to find", status="open")
    with database.write() as session:
        pos_token = tokens.create_token(session, name="fuzz till", scope="pos", actor=SYSTEM).secret
    app = create_app(Settings.from_env(env, cwd=root), database=database)
    with TestClient(app) as client:
        assert sign_in(client, agent.email).status_code == 303
        client.get("/")
        document = client.get("/schema/openapi.json").json()
        yield Target(client, schemathesis.openapi.from_dict(document), client.cookies.get("csrftoken"), pos_token)
    database.dispose()
    if base:
        _drop_schemas(base, schemas)


def _send(target: Target, case):
    request = case.as_transport_kwargs(base_url=str(target.client.base_url).rstrip("/"))
    # The document's cookie scheme makes schemathesis invent session cookies: the agent's real session is used instead.
    request.pop("cookies", None)
    headers = {key: value for key, value in request.pop("headers", {}).items() if key.lower() != "cookie"}
    if request["method"] in UNSAFE:
        headers["x-csrftoken"] = target.csrf
    if "/api/pos/" in request["url"]:
        # The POS API takes the till's token, not the session (an invented Authorization header is replaced).
        headers = {key: value for key, value in headers.items() if key.lower() != "authorization"}
        headers["Authorization"] = f"Bearer {target.pos_token}"
    data = request.pop("data", None)
    if isinstance(data, (bytes, str)):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    return target.client.request(headers=headers, **request)


# What every answer is held to. (Checks that send probes of their own, like ignored_auth, would leave the test client
# for the network; tests/auth covers anonymous callers.)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value)
@pytest.mark.parametrize(("method", "path"), sorted(REFUSALS), ids=lambda value: str(value))
def test_the_json_api_holds_up_against_its_own_document(target, method, path, mode):
    operation = target.schema[path][method.upper()]
    statuses: set[int] = set()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        try:
            response = _send(target, case)
        except httpx.InvalidURL:
            return  # longer than any HTTP client sends (httpx refuses it before it leaves): nothing to test
        statuses.add(response.status_code)
        assert response.status_code < 500, (response.status_code, response.text[:500])
        case.validate_response(response, checks=CHECKS)

    check()
    # The session and the CSRF token worked: the requests reached the handlers, not just the door.
    assert statuses - {401, 403}, statuses
