"""The stores: SQLite pragmas, write locks taken up front, and the personal store kept apart."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text

from helpdesk.customers.models import Customer
from tests import factories


def test_personal_data_lives_only_in_its_own_store(db):
    main_tables = set(inspect(db.main).get_table_names())
    personal_tables = set(inspect(db.personal).get_table_names())
    assert "personal_record" in personal_tables and "personal_record" not in main_tables
    assert "customer" in main_tables
    customer_columns = {c["name"] for c in inspect(db.main).get_columns("customer")}
    assert not customer_columns & {"name", "full_name", "phone", "email", "address"}


def test_sqlite_pragmas(db):
    if db.main.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.main.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(db):
    from helpdesk.sales.models import Purchase
    from sqlalchemy.exc import IntegrityError
    from datetime import date

    with pytest.raises(IntegrityError), db.write() as session:
        session.add(Purchase(order_number="ORD-NO-CUSTOMER", customer_id=987654321, store="x", purchased_on=date(2026, 1, 1)))
        session.commit()


def test_concurrent_read_modify_write_loses_nothing(db):
    if db.main.dialect.name != "sqlite":
        pytest.skip("the up-front write lock is SQLite's answer; PostgreSQL uses row versions (ticket edits)")
    customer = factories.customer(db, name="Counter")
    errors: list[BaseException] = []

    def bump(times: int) -> None:
        try:
            for _ in range(times):
                with db.write() as session:
                    row = session.get(Customer, customer.id)
                    row.loyalty_points += 1
                    session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(50,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read() as session:
        assert session.get(Customer, customer.id).loyalty_points == 200


def test_core_statements_on_personal_tables_go_to_the_personal_store(db):
    from sqlalchemy import select

    from helpdesk.privacy.models import PersonalRecord

    customer = factories.customer(db, name="Routed Right")
    table = PersonalRecord.__table__
    with db.read() as session:
        stored = session.execute(select(table.c.full_name).where(table.c.customer_code == customer.code)).scalar_one()
    assert stored.startswith("v1.") and "Routed Right" not in stored  # found there, and encrypted
