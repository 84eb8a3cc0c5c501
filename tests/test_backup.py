"""Backups, and the drill that proves them: restore into a fresh directory, start the desk, find a customer, rebuild."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from litestar.testing import TestClient

from helpdesk.app import create_app
from helpdesk.backup import pg_dump_command
from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.search.engine import SearchEngine
from helpdesk.search.layout import IndexLayout
from helpdesk.search.rebuild import rebuild
from tests import factories
from tests.conftest import TEST_KEYS, sign_in


def test_restore_drill(cli_env, tmp_path_factory):
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    original = Settings.from_env(cwd=cli_env)
    database = Database.from_settings(original)
    customer = factories.customer(database, name="Backed Up Bhavna", phone="+919876500011")
    factories.interactions(database, customer, ["fridge hums at night", "फ्रिज आवाज़ करता है"],
                           start=factories.datetime(2026, 1, 5, tzinfo=factories.UTC))
    agent = factories.agent(database, "drill@helpdesk.local", name="Drill Agent")
    documents = rebuild(database, IndexLayout(original.index_dir)).documents
    database.dispose()

    result = runner.invoke(main, ["backup", "--to", "drill"])
    assert result.exit_code == 0, result.output
    copies = sorted((cli_env / "drill").glob("*.db"))
    assert [path.name.split("-2")[0] for path in copies] == ["helpdesk", "helpdesk-personal"]

    fresh = tmp_path_factory.mktemp("restored")
    shutil.copy(copies[0], fresh / "helpdesk.db")
    shutil.copy(copies[1], fresh / "helpdesk-personal.db")
    restored = Settings.from_env({"HELPDESK_SECRET_KEY": "another-secret-another-secret-another",
                                  "HELPDESK_PERSONAL_KEYS": TEST_KEYS}, cwd=fresh)
    restored_db = Database.from_settings(restored)
    layout = IndexLayout(restored.index_dir)
    assert rebuild(restored_db, layout).documents == documents
    app = create_app(restored, database=restored_db)
    with TestClient(app) as browser:
        assert sign_in(browser, agent.email).status_code == 303
        page = browser.get(f"/customers/{customer.code}")
        assert page.status_code == 200 and "Backed Up Bhavna" in page.text
    assert SearchEngine(layout).doc_count() == documents
    restored_db.dispose()


def test_postgresql_stores_get_pg_dump_lines(tmp_path):
    line = pg_dump_command("postgresql://helpdesk:secret@db.internal:5432/shop?options=-csearch_path%3Dhd_personal",
                           tmp_path / "personal.dump")
    assert line.startswith("pg_dump --format=custom") and "--schema=hd_personal" in line
    assert "secret" not in line  # never print a password
