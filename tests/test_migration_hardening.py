"""Migration m0007 keeps the data it finds: stored idempotency keys get their sender's scope, claims keep their reasons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from helpdesk import migrate
from helpdesk.db import Database
from tests.conftest import database_at

NOW = "2026-11-01 10:00:00"
ROWS = [
    "INSERT INTO agent (id, email, name, role, password_hash, is_active, created_at) "
    f"VALUES (7, 'old@helpdesk.local', 'Old', 'agent', 'x', TRUE, '{NOW}')",
    "INSERT INTO customer (id, code, created_at, tier, loyalty_points, consent_marketing, consent_sms) "
    f"VALUES (3, '912345674', '{NOW}', 'standard', 0, FALSE, FALSE)",
    "INSERT INTO product (id, sku, name, brand, category, model_number, warranty_months) "
    "VALUES (1, 'SKU-1', 'Fan', 'B', 'Ceiling fan', 'FN-1', 24)",
    "INSERT INTO purchase (id, order_number, customer_id, store, channel, purchased_on, payment_status, total_paise, "
    f"amount_due_paise, created_at) VALUES (1, 'ORD-1', 3, 'S', 'store', '2026-10-01', 'paid', 100, 0, '{NOW}')",
    "INSERT INTO purchase_line (id, purchase_id, product_id, quantity, unit_price_paise) VALUES (1, 1, 1, 1, 100)",
    "INSERT INTO ticket (id, number, customer_id, subject, status, priority, channel, created_at, updated_at, version, "
    f"created_by_id, idempotency_key) VALUES (1, 'T-000001', 3, 's', 'new', 'normal', 'phone', '{NOW}', '{NOW}', 1, 7, 'k1')",
    "INSERT INTO ticket (id, number, customer_id, subject, status, priority, channel, created_at, updated_at, version, "
    f"created_by_id, idempotency_key) VALUES (2, 'T-000002', 3, 's', 'new', 'normal', 'web', '{NOW}', '{NOW}', 1, NULL, 'k2')",
    "INSERT INTO interaction (id, customer_id, ticket_id, kind, body, created_at, author_id, idempotency_key) "
    f"VALUES (1, 3, 1, 'note', 'b', '{NOW}', 7, 'k3')",
    "INSERT INTO warranty_claim (id, number, customer_id, purchase_line_id, fault_category, description, remedy, "
    "status, eligibility, filed_at, updated_at, filed_via, decision_reason, idempotency_key) VALUES (1, 'W-2026-000001', "
    f"3, 1, 'Not running', 'd', 'repair', 'rejected', 'in_warranty', '{NOW}', '{NOW}', 'self_service', 'INTERNAL', 'k4')",
]


@pytest.fixture
def old_database(tmp_path) -> Iterator[Database]:
    with database_at(tmp_path, ("m0006", ())) as database:
        yield database


def test_stored_keys_get_their_senders_scope_and_reasons_stay_internal(old_database):
    with old_database.main.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    migrate.upgrade(old_database)
    with old_database.main.connect() as connection:
        scopes = dict(connection.execute(text(
            "SELECT idempotency_key, idempotency_scope FROM ticket UNION ALL "
            "SELECT idempotency_key, idempotency_scope FROM interaction UNION ALL "
            "SELECT idempotency_key, idempotency_scope FROM warranty_claim")).all())
        reasons = connection.execute(text("SELECT decision_reason, customer_reason FROM warranty_claim")).one()
    assert scopes == {"k1": "agent:7", "k2": "customer:3", "k3": "agent:7", "k4": "customer:3"}
    # Typed before the form said who would read it: kept, but for the agents only.
    assert tuple(reasons) == ("INTERNAL", None)


def test_it_downgrades_and_upgrades_again(old_database):
    config = migrate.alembic_config("main")
    migrate.upgrade(old_database)
    with old_database.main.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "m0006")
    migrate.upgrade(old_database)
