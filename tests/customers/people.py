"""Helpers for the registration, duplicate and merge tests: unique numbers and customers with full details."""

from __future__ import annotations

import itertools
import random

from litestar.testing import TestClient

from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.privacy import store as personal
from tests import factories
from tests.conftest import csrf_from, sign_in

_rng = random.Random(20261130)
_serial = itertools.count(1)


def unique_phone() -> str:
    """A mobile number (E.164) no other test of this run uses."""
    return f"+9197{_rng.randrange(10**7, 10**8 - 1):08d}"


def unique_email(stem: str = "person") -> str:
    return f"{stem}.{next(_serial)}.{_rng.randrange(10**6)}@example.in"


def person(db: Database, *, name: str, phone: str | None = None, email: str | None = None, pin_code: str | None = None,
           **fields) -> Customer:
    """A customer whose personal record carries a PIN code and street too (the factory's holds fewer fields)."""
    row = factories.customer(db, name=name, phone=phone, email=email, **fields)
    with db.write() as session:
        personal.update(session, row.code, pin_code=pin_code, address_line="12 MG Road" if pin_code else None)
        session.commit()
    return row


def signed_in(app, email: str) -> TestClient:
    client = TestClient(app)
    client.__enter__()
    assert sign_in(client, email).status_code == 303
    return client


def post_form(client: TestClient, page: str, path: str, data: dict, **headers):
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "_csrf_token": token}, headers=headers, follow_redirects=False)
