"""Personal data at rest: encrypted in the store, its files and backups; found by blind index; keys checked and rotated."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select, text

from helpdesk import migrate
from helpdesk.app import create_app
from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.privacy import rotation, store
from helpdesk.privacy.crypto import WrongKeyError, format_keys, generate_keyring
from helpdesk.privacy.logs import MaskQueryValues
from helpdesk.privacy.models import PersonalRecord
from tests import factories
from tests.conftest import TEST_KEYS, sign_in


def _canary() -> tuple[str, str, str]:
    tag = secrets.token_hex(4)
    return f"Canary Kumari {tag}", f"+9198{int(tag, 16) % 10**8:08d}", f"canary.{tag}@example.in"


def _sqlite_files(url: str) -> list[Path]:
    path = Path(url.removeprefix("sqlite:///"))
    return [candidate for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if candidate.exists()]


def test_values_are_stored_as_ciphertext_and_read_back(db):
    name, phone, email = _canary()
    customer = factories.customer(db, name=name, phone=phone, email=email, city="Nagpur")
    with db.read() as session:
        raw = session.execute(select(PersonalRecord.__table__).where(
            PersonalRecord.__table__.c.customer_code == customer.code)).one()._mapping
        details = store.read(session, customer.code)
    for column in ("full_name", "phone", "email", "city"):
        assert raw[column].startswith("v1.k") and name not in raw[column] and phone not in raw[column]
    assert raw["phone_index"] and raw["email_index"] and phone not in raw["phone_index"]
    assert (details.full_name, details.phone, details.email, details.city) == (name, phone, email, "Nagpur")
    assert phone not in repr(details) and name not in repr(details)


def test_phone_and_email_are_found_through_the_blind_index(db):
    name, phone, email = _canary()
    customer = factories.customer(db, name=name, phone=phone, email=email.upper())
    with db.read() as session:
        assert store.codes_by_phone(session, "0" + phone[3:]) == [customer.code]
        assert store.codes_by_phone(session, phone[3:5] + " " + phone[5:]) == [customer.code]
        assert store.codes_by_email(session, f"  {email}  ") == [customer.code]
        assert store.codes_by_phone(session, "not a phone") == []


def test_no_canary_in_the_store_files_its_wal_or_a_backup(db, client, settings, tmp_path):
    if not settings.personal_database_url.startswith("sqlite"):
        pytest.skip("the files of a PostgreSQL server are not ours to read; the ciphertext test covers it")
    name, phone, email = _canary()
    customer = factories.customer(db, name=name, phone=phone, email=email)
    assert client.get(f"/customers/{customer.code}").status_code == 200
    assert client.get("/api/lookup", params={"phone": phone}).status_code == 200
    backup = tmp_path / "backup.db"
    with sqlite3.connect(settings.personal_database_url.removeprefix("sqlite:///")) as connection:
        connection.execute("VACUUM INTO ?", (str(backup),))
    for path in [*_sqlite_files(settings.personal_database_url), *_sqlite_files(settings.database_url), backup]:
        content = path.read_bytes()
        for canary in (name, phone, phone[3:], email):
            assert canary.encode() not in content, f"{canary!r} found in {path.name}"


def test_the_personal_store_overwrites_deleted_content(db, settings):
    if not settings.personal_database_url.startswith("sqlite"):
        pytest.skip("SQLite pragma")
    with db.personal.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_the_access_log_never_shows_a_query_value():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5555", "GET", "/api/lookup?phone=%2B919812345678&x", "1.1", 200), None)
    assert MaskQueryValues().filter(record)
    line = record.getMessage()
    assert "9812345678" not in line and "phone=***" in line and line.endswith(" 200")


def _own_store(settings: Settings, root: Path, keys_text: str) -> tuple[Settings, Database]:
    """A store of its own (rotation and wrong keys must not disturb the shared one)."""
    if settings.database_url.startswith("sqlite"):
        own = dataclasses.replace(settings, database_url=f"sqlite:///{root}/main.db",
                                  personal_database_url=f"sqlite:///{root}/personal.db", personal_keys=keys_text,
                                  index_dir=root / "index", data_dir=root / "data")
    else:
        own = dataclasses.replace(settings, personal_keys=keys_text)
    return own, Database.from_settings(own)


def test_a_wrong_key_fails_loudly_at_start_up(settings, tmp_path):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("needs a store of its own")
    own, database = _own_store(settings, tmp_path, TEST_KEYS)
    create_app(own, database=database)  # stores the key checks
    factories.customer(database, name="Keyed Customer", phone="+919811122233")
    database.dispose()
    wrong, wrong_db = _own_store(settings, tmp_path, format_keys(generate_keyring()))
    with pytest.raises(WrongKeyError, match="Refusing to start"):
        create_app(wrong, database=wrong_db)
    wrong_db.dispose()


def test_rotation_keeps_every_record_readable_while_pages_are_served(settings, tmp_path):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("needs a store of its own")
    key_file = tmp_path / "data" / "personal_keys"
    own = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path}/main.db",
                              personal_database_url=f"sqlite:///{tmp_path}/personal.db", personal_keys=None,
                              personal_key_file=key_file, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    database = Database.from_settings(own, create_keys=True)  # keys in a file, as a single shop keeps them
    app = create_app(own, database=database)
    agent = factories.agent(database, "rotator@helpdesk.local", name="Rotator")
    people = [factories.customer(database, name=f"Rotated Person {n}", phone=f"+9197{n:08d}") for n in range(300)]
    errors: list[str] = []
    stop = threading.Event()

    def browse() -> None:
        with TestClient(app) as browser:
            assert sign_in(browser, agent.email).status_code == 303
            n = 0
            while not stop.is_set():
                person = people[n % len(people)]
                response = browser.get(f"/customers/{person.code}")
                if response.status_code != 200 or "Rotated Person" not in response.text:
                    errors.append(f"{response.status_code} for {person.code}")
                n += 1

    reader = threading.Thread(target=browse)
    reader.start()
    try:
        rotation.add_key(database, own)
        report = rotation.reencrypt_all(database, batch=50)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert report.records_changed == 300 and report.writer == "k2"
    assert report.usage.get("k1", 0) == 0 and report.usage["k2"] >= 300 * 2
    with database.read() as session:
        assert store.read(session, people[7].code).full_name == "Rotated Person 7"
        assert store.codes_by_phone(session, "+919700000007") == [people[7].code]
    rotation.retire(database, own, "k1")
    assert database.keyring.key_ids == ["k2"] and "k1:" not in key_file.read_text()
    database.dispose()


def test_a_key_in_use_cannot_be_retired(settings, tmp_path, cli_env):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("needs a store of its own")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    database = Database.from_settings(Settings.from_env(cwd=cli_env))
    factories.customer(database, name="Still Keyed", phone="+919812300001")
    database.dispose()
    result = runner.invoke(main, ["keys", "retire", "k1"])
    assert result.exit_code == 1 and "still protects" in result.output
    status = runner.invoke(main, ["keys", "status"])
    assert status.exit_code == 0 and "k1: " in status.output
    rotate = runner.invoke(main, ["keys", "rotate"])
    assert rotate.exit_code == 1 and "HELPDESK_PERSONAL_KEYS" in rotate.output  # keys from the environment


def test_serve_without_keys_refuses_to_start_with_one_line(cli_env, monkeypatch):
    monkeypatch.delenv("HELPDESK_PERSONAL_KEYS")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "No personal-data keys" in lines[0]
    assert not (cli_env / ".helpdesk" / "personal_keys").exists(), "a server never makes keys"


def test_demo_data_makes_a_local_key_file(cli_env, monkeypatch):
    monkeypatch.delenv("HELPDESK_PERSONAL_KEYS")
    result = CliRunner().invoke(main, ["fixtures", "load", "--customers", "3", "--no-progress"])
    assert result.exit_code == 0, result.output
    key_file = cli_env / ".helpdesk" / "personal_keys"
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0


def test_upgrading_a_store_of_plain_records_encrypts_them(settings, tmp_path):
    """The previous release kept personal data in plain text: the upgrade encrypts it and lookups still work."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("needs a store of its own")
    own, database = _own_store(settings, tmp_path, TEST_KEYS)
    with database.personal.begin() as connection:  # the personal store as the previous release left it
        config = migrate.alembic_config("personal")
        config.attributes["connection"] = connection
        command.upgrade(config, "p0001")
    with database.personal.begin() as connection:
        connection.execute(text("INSERT INTO personal_record (customer_code, full_name, phone, email, city, updated_at) "
                                "VALUES ('912345674', 'Old Plain Name', '+919812399999', 'old@example.in', 'Pune', "
                                "'2026-01-01 00:00:00')"))
    migrate.upgrade(database)
    with database.personal.connect() as connection:
        raw = connection.execute(text("SELECT full_name, phone_index FROM personal_record")).one()
    assert raw.full_name.startswith("v1.") and raw.phone_index
    with database.read() as session:
        assert store.read(session, "912345674").full_name == "Old Plain Name"
        assert store.codes_by_phone(session, "09812399999") == ["912345674"]
    database.dispose()
    personal_file = Path(own.personal_database_url.removeprefix("sqlite:///"))
    assert b"Old Plain Name" not in personal_file.read_bytes()
