"""The demo-data generator: deterministic, valid IDs and phones, personal data apart, three languages."""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from helpdesk import ids, migrate, phones
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.privacy import store as personal
from tests.conftest import TEST_KEYS
from helpdesk.demo.fixtures import all_templates, load_fixtures, template_fields
from helpdesk.demo.generator import DemoDataExists, LoadSummary, load, long_history_count
from helpdesk.sales.service import add_months
from helpdesk.demo.texts import TICKET_FIELDS, format_rupees

TODAY = date(2026, 6, 15)
CUSTOMERS = 300
SEED = 7
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def fresh_database(directory: Path) -> Database:
    settings = Settings.from_env({"HELPDESK_SECRET_KEY": "x", "HELPDESK_PERSONAL_KEYS": TEST_KEYS}, cwd=directory)
    database = Database.from_settings(settings)
    migrate.upgrade(database)
    return database


def people(database: Database) -> list[tuple]:
    """Every personal record, decrypted, in customer-ID order: (code, name, phone, alt phone, e-mail, PIN, city, state)."""
    with database.read() as session:
        codes = [code for (code,) in rows(database.personal, "SELECT customer_code FROM personal_record")]
        records = personal.read_many(session, codes)
    return [(code, r.full_name, r.phone, r.alt_phone, r.email, r.pin_code, r.city, r.state)
            for code, r in sorted(records.items())]


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Database, LoadSummary]:
    database = fresh_database(tmp_path_factory.mktemp("demo-a"))
    summary = load(database, customers=CUSTOMERS, seed=SEED, progress=False, today=TODAY)
    yield database, summary
    database.dispose()


def test_same_seed_gives_the_same_data(loaded, tmp_path):
    first, _ = loaded
    second = fresh_database(tmp_path)
    try:
        load(second, customers=CUSTOMERS, seed=SEED, progress=False, today=TODAY)
        for sql in ("SELECT code, created_at, tier, loyalty_points FROM customer ORDER BY id",
                    "SELECT order_number, total_paise, payment_status FROM purchase ORDER BY id",
                    "SELECT serial_number, unit_price_paise FROM purchase_line ORDER BY id",
                    "SELECT number, subject, status FROM ticket ORDER BY id",
                    "SELECT kind, body, created_at FROM interaction ORDER BY id",
                    "SELECT number, description, eligibility FROM warranty_claim ORDER BY id"):
            assert rows(first.main, sql) == rows(second.main, sql), sql
        assert people(first) == people(second)
    finally:
        second.dispose()


def test_another_seed_gives_other_customers(loaded, tmp_path):
    first, _ = loaded
    other = fresh_database(tmp_path)
    try:
        load(other, customers=20, seed=SEED + 1, progress=False, today=TODAY)
        codes = {code for (code,) in rows(first.main, "SELECT code FROM customer")}
        assert not codes & {code for (code,) in rows(other.main, "SELECT code FROM customer")}
    finally:
        other.dispose()


def test_counts_in_the_summary_match_the_tables(loaded):
    database, summary = loaded
    assert summary.counts["customer"] == CUSTOMERS
    for table in ("customer", "purchase", "purchase_line", "ticket", "interaction", "warranty_claim"):
        assert rows(database.main, f"SELECT count(*) FROM {table}")[0][0] == summary.counts[table]
    assert summary.counts["interaction"] > 5 * CUSTOMERS
    assert summary.elapsed_seconds > 0


def test_loyalty_balances_are_their_ledgers_and_follow_the_purchases(loaded):
    database, summary = loaded
    assert summary.counts["loyalty_entry"] > 0
    mismatched = rows(database.main, "SELECT c.id FROM customer c LEFT JOIN (SELECT customer_id, sum(points) AS total "
                                     "FROM loyalty_entry GROUP BY customer_id) l ON l.customer_id = c.id "
                                     "WHERE c.loyalty_points <> coalesce(l.total, 0)")
    assert mismatched == []
    # Each earn entry is the rule applied to its order (₹100 a point); refunded orders earn nothing.
    wrong = rows(database.main, "SELECT l.id FROM loyalty_entry l JOIN purchase p ON p.id = l.purchase_id "
                                "WHERE l.kind = 'earn' AND (l.points <> p.total_paise / 10000 OR p.payment_status = 'refunded')")
    assert wrong == []


def test_customer_codes_are_valid_and_unique(loaded):
    database, _ = loaded
    codes = [code for (code,) in rows(database.main, "SELECT code FROM customer")]
    assert len(codes) == len(set(codes)) == CUSTOMERS
    assert all(ids.parse(code) == code for code in codes)


def test_personal_records_live_only_in_the_personal_store(loaded):
    database, _ = loaded
    assert "personal_record" not in inspect(database.main).get_table_names()
    codes = Counter(code for (code,) in rows(database.personal, "SELECT customer_code FROM personal_record"))
    assert set(codes.values()) == {1}
    assert set(codes) == {code for (code,) in rows(database.main, "SELECT code FROM customer")}


def test_people_look_indian_and_phones_are_canonical(loaded):
    database, _ = loaded
    everyone = people(database)
    for _, full_name, phone, alt_phone, email, pin_code, city, state in everyone:
        assert full_name and city and state
        assert re.fullmatch(r"\+91[6-9]\d{9}", phone) and phones.normalise(phone) == phone
        assert alt_phone is None or phones.normalise(alt_phone) == alt_phone
        assert re.fullmatch(r"[1-9]\d{5}", pin_code)
        assert email is None or "@" in email
    with_email = sum(1 for person in everyone if person[4])
    assert 0.55 * CUSTOMERS < with_email < 0.85 * CUSTOMERS
    # Families share a number: a few phones belong to more than one customer.
    shared = [count for count in Counter(person[2] for person in everyone).values() if count > 1]
    assert shared and sum(shared) < 0.1 * CUSTOMERS


def test_text_comes_in_three_languages(loaded):
    database, _ = loaded
    bodies = [body for (body,) in rows(database.main, "SELECT body FROM interaction")]
    subjects = [subject for (subject,) in rows(database.main, "SELECT subject FROM ticket")]
    assert any(DEVANAGARI.search(body) for body in bodies)
    assert any(DEVANAGARI.search(subject) for subject in subjects)
    hinglish = re.compile(r"\b(nahi|nahin|nhi|nai|kharab|khraab|khrab|kharaab)\b")
    assert any(hinglish.search(body) for body in bodies)
    assert sum(1 for body in bodies if body.isascii()) > len(bodies) / 3
    # Every placeholder was filled.
    assert not any("{" in body or "}" in body for body in bodies + subjects)


def test_some_warranties_run_and_some_have_expired(loaded):
    database, _ = loaded
    lines = rows(database.main, """
        SELECT p.purchased_on, pr.warranty_months FROM purchase_line l
        JOIN purchase p ON p.id = l.purchase_id JOIN product pr ON pr.id = l.product_id""")
    ends = [add_months(date.fromisoformat(str(on)), months) for on, months in lines]
    running = sum(1 for end in ends if end >= TODAY)
    assert running > 0.1 * len(ends) and len(ends) - running > 0.1 * len(ends)
    assert all(date.fromisoformat(str(on)) < TODAY for on, _ in lines)
    eligibility = {value for (value,) in rows(database.main, "SELECT eligibility FROM warranty_claim")}
    assert eligibility == {"in_warranty", "expired"}


def test_money_statuses_and_tickets_are_mixed(loaded):
    database, _ = loaded
    payments = dict(rows(database.main, "SELECT payment_status, count(*) FROM purchase GROUP BY 1"))
    assert payments["paid"] > 0.8 * sum(payments.values())
    owed = rows(database.main, "SELECT count(*) FROM purchase WHERE amount_due_paise > 0")[0][0]
    assert owed > 0
    assert rows(database.main, "SELECT count(*) FROM purchase WHERE amount_due_paise > total_paise")[0][0] == 0
    statuses = {status for (status,) in rows(database.main, "SELECT status FROM ticket")}
    assert {"open", "closed"} <= statuses
    linked = rows(database.main, "SELECT count(*) FROM warranty_claim WHERE ticket_id IS NULL")[0][0]
    assert linked == 0


def test_long_history_customers(loaded):
    database, summary = loaded
    assert len(summary.long_history_codes) == long_history_count(CUSTOMERS) == 3
    for code in summary.long_history_codes:
        purchases, interactions = rows(database.main, f"""
            SELECT (SELECT count(*) FROM purchase p WHERE p.customer_id = c.id),
                   (SELECT count(*) FROM interaction i WHERE i.customer_id = c.id)
            FROM customer c WHERE c.code = '{code}'""")[0]
        assert purchases >= 250 and interactions >= 2500


def test_refuses_to_load_twice_unless_appending(loaded):
    database, _ = loaded
    with pytest.raises(DemoDataExists):
        load(database, customers=5, seed=SEED, progress=False, today=TODAY)
    assert rows(database.main, "SELECT count(*) FROM customer")[0][0] == CUSTOMERS


def test_append_adds_new_customers_and_numbers_carry_on(tmp_path):
    database = fresh_database(tmp_path)
    try:
        load(database, customers=40, seed=SEED, progress=False, today=TODAY)
        tickets_before = rows(database.main, "SELECT max(number) FROM ticket")[0][0]
        summary = load(database, customers=40, seed=SEED, progress=False, today=TODAY, append=True)
        assert summary.counts["customer"] == 40 and summary.counts["product"] == 0
        codes = [code for (code,) in rows(database.main, "SELECT code FROM customer")]
        assert len(set(codes)) == 80
        numbers = [number for (number,) in rows(database.main, "SELECT number FROM ticket")]
        assert len(set(numbers)) == len(numbers) and max(numbers) > tickets_before
        # The appended people are new people, not the first load's again.
        on_file = [person[2] for person in people(database)]
        assert len(set(on_file)) > 70
        counter = rows(database.main, "SELECT value FROM counter WHERE name = 'ticket'")[0][0]
        assert f"T-{counter:06d}" == max(numbers)
    finally:
        database.dispose()


def test_every_template_fills():
    fixtures = load_fixtures()
    variants = fixtures.texts["hinglish_variants"]
    fields = {name: "x" for name in TICKET_FIELDS} | {word: options[0] for word, options in variants.items()}
    for template in all_templates({k: v for k, v in fixtures.texts.items() if k != "hinglish_variants"}):
        assert template_fields(template) <= fields.keys(), template
        template.format_map(fields)


def test_rupees_use_indian_grouping():
    assert format_rupees(1_24_99_900) == "₹1,24,999"
    assert format_rupees(2_00_00_000_00) == "₹2,00,00,000"
    assert format_rupees(49_900) == "₹499"


@pytest.mark.skipif(not os.environ.get("HELPDESK_TEST_DATABASE_URL"), reason="needs HELPDESK_TEST_DATABASE_URL")
def test_loads_into_postgresql_and_later_inserts_get_fresh_ids(tmp_path):
    from helpdesk.customers.models import Customer

    base = os.environ["HELPDESK_TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    schemas = [f"demo_main_{secrets.token_hex(4)}", f"demo_personal_{secrets.token_hex(4)}"]
    admin = create_engine(base)
    with admin.begin() as connection:
        for schema in schemas:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    env = {"HELPDESK_SECRET_KEY": "x", "HELPDESK_PERSONAL_KEYS": TEST_KEYS,
           "HELPDESK_DATABASE_URL": f"{base}{sep}options=-csearch_path%3D{schemas[0]}",
           "HELPDESK_PERSONAL_DATABASE_URL": f"{base}{sep}options=-csearch_path%3D{schemas[1]}"}
    database = Database.from_settings(Settings.from_env(env, cwd=tmp_path))
    try:
        migrate.upgrade(database)
        summary = load(database, customers=60, seed=SEED, progress=False, today=TODAY)
        with database.write() as session:
            customer = Customer(code=ids.with_check_digit("99999999"))
            session.add(customer)
            session.commit()
            assert customer.id == summary.counts["customer"] + 1
        with database.read() as session:
            assert session.execute(select(func.count()).select_from(Customer)).scalar() == 61
    finally:
        database.dispose()
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
