"""Migration m0014 keeps what it finds: old purchases read as sales with nothing returned, balances become a ledger."""

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
    "INSERT INTO customer (id, code, created_at, tier, loyalty_points, consent_sms, consent_email, consent_whatsapp) "
    f"VALUES (3, '912345674', '{NOW}', 'standard', 120, FALSE, FALSE, FALSE)",
    "INSERT INTO customer (id, code, created_at, tier, loyalty_points, consent_sms, consent_email, consent_whatsapp) "
    f"VALUES (4, '912345682', '{NOW}', 'standard', 0, FALSE, FALSE, FALSE)",
    "INSERT INTO product (id, sku, name, brand, category, model_number, warranty_months) "
    "VALUES (1, 'SKU-1', 'Fan', 'B', 'Ceiling fan', 'FN-1', 24)",
    "INSERT INTO purchase (id, order_number, customer_id, store, channel, purchased_on, payment_status, total_paise, "
    f"amount_due_paise, created_at) VALUES (1, 'ORD-1', 3, 'S', 'store', '2026-10-01', 'paid', 100, 0, '{NOW}')",
    "INSERT INTO purchase_line (id, purchase_id, product_id, quantity, unit_price_paise) VALUES (1, 1, 1, 2, 50)",
]


@pytest.fixture
def old_database(tmp_path) -> Iterator[Database]:
    with database_at(tmp_path, ("m0005", ROWS)) as database:  # the schema before the POS push
        yield database


def _upgrade(database: Database, revision: str = "m0014") -> None:
    config = migrate.alembic_config("main")
    with database.main.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_old_rows_survive_and_balances_open_the_ledger(old_database):
    _upgrade(old_database)
    with old_database.main.connect() as connection:
        purchase = connection.execute(text("SELECT kind, tax_paise, credits_purchase_id, total_paise FROM purchase")).one()
        line = connection.execute(text("SELECT quantity, returned_quantity, returns_line_id, tax_paise FROM purchase_line")).one()
        ledger = connection.execute(text("SELECT customer_id, kind, points, balance_after FROM loyalty_entry")).all()
        balances = dict(connection.execute(text("SELECT id, loyalty_points FROM customer")).all())
    assert tuple(purchase) == ("sale", 0, None, 100)
    assert tuple(line) == (2, 0, None, 0)
    assert [tuple(row) for row in ledger] == [(3, "opening", 120, 120)]  # none for a zero balance
    assert balances == {3: 120, 4: 0}


def test_it_downgrades_and_upgrades_again(old_database):
    _upgrade(old_database)
    config = migrate.alembic_config("main")
    with old_database.main.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "m0005")
    _upgrade(old_database)
    with old_database.main.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM purchase")).scalar() == 1
