"""m0005 upgrades a desk with data (and keeps it), creates read-only views; `helpdesk stats refresh` rebuilds."""

from __future__ import annotations

import os
from datetime import date

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect, text

from helpdesk import migrate
from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.db import Database
from tests.conftest import TEST_KEYS, _drop_schemas, _postgres_urls


@pytest.fixture
def old_desk(tmp_path):
    """A desk at m0004 (before reports) with a customer and a purchase in it."""
    env = {"HELPDESK_SECRET_KEY": "x" * 40, "HELPDESK_STATS_REFRESH_SECONDS": "0", "HELPDESK_PERSONAL_KEYS": TEST_KEYS}
    base, schemas = os.environ.get("HELPDESK_TEST_DATABASE_URL"), []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    settings = Settings.from_env(env, cwd=tmp_path)
    database = Database.from_settings(settings)
    for store, revision, engine in (("main", "m0004", database.main), ("personal", "head", database.personal)):
        config = migrate.alembic_config(store)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    with database.main.begin() as connection:
        connection.execute(text("INSERT INTO customer (id, code, created_at, tier, loyalty_points, consent_marketing, "
                                "consent_sms) VALUES (1, '123456782', '2025-01-01 00:00:00', 'gold', 0, false, false)"))
        connection.execute(text("INSERT INTO purchase (id, order_number, customer_id, store, channel, purchased_on, "
                                "payment_status, total_paise, amount_due_paise, created_at) VALUES (1, 'OLD-1', 1, 'S', "
                                "'store', '2026-01-10', 'paid', 500000, 0, '2026-01-10 10:00:00')"))
        connection.execute(text("INSERT INTO product (id, sku, name, brand, category, model_number, warranty_months) "
                                "VALUES (1, 'SKU-OLD', 'Old TV', 'B', 'Television', 'M-1', 12)"))
        connection.execute(text("INSERT INTO purchase_line (id, purchase_id, product_id, serial_number, quantity, "
                                "unit_price_paise) VALUES (1, 1, 1, 'SN', 1, 500000)"))
    yield settings, database
    database.dispose()
    if schemas:
        _drop_schemas(base, schemas)


def test_upgrade_keeps_data_and_adds_views(old_desk, monkeypatch, tmp_path):
    settings, database = old_desk
    migrate.upgrade(database)
    with database.main.connect() as connection:
        assert connection.execute(text("SELECT order_number FROM purchase")).scalar() == "OLD-1"
        assert connection.execute(text("SELECT COUNT(*) FROM tier_sla_policy")).scalar() == 12
        assert connection.execute(text("SELECT COUNT(*) FROM stats_customer")).scalar() == 0  # until the first refresh
    views = set(inspect(database.main).get_view_names())
    assert {"report_sales_month", "report_customer", "report_churn", "report_cohort"} <= views
    # The command line rebuilds the figures.
    for name, value in {"HELPDESK_SECRET_KEY": "x" * 40, "HELPDESK_DATABASE_URL": settings.database_url,
                        "HELPDESK_PERSONAL_DATABASE_URL": settings.personal_database_url,
                        "HELPDESK_PERSONAL_KEYS": TEST_KEYS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["stats", "refresh"])
    assert result.exit_code == 0, result.output
    assert "stats full refresh as of" in result.output and "1 customers" in result.output
    with database.main.connect() as connection:
        assert connection.execute(text("SELECT net_revenue_paise FROM report_sales_month WHERE month = :m AND "
                                       "store = '*' AND channel = '*' AND category = '*'"),
                                  {"m": date(2026, 1, 1)}).scalar() == 500000
        # The demo's fixed label "gold" gives way to the rule (one customer, with no purchase in the last 12 months
        # unless today is before 10 Jan 2027).
        assert connection.execute(text("SELECT COUNT(*) FROM stats_customer")).scalar() == 1
    incremental = CliRunner().invoke(main, ["stats", "refresh", "--incremental"])
    assert incremental.exit_code == 0 and "stats: nothing" in incremental.output


def test_stats_refresh_has_help():
    result = CliRunner().invoke(main, ["stats", "refresh", "--help"])
    assert result.exit_code == 0 and "Rebuild every report table" in result.output
