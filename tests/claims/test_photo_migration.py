"""Migration m0018 moves claim photos kept as files into the database, keeping every row it finds."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from helpdesk import migrate
from helpdesk.claims import service as claims
from helpdesk.claims.models import ClaimCreate
from helpdesk.claims.photos import CHUNK_BYTES, check_photos, legacy_photo_dir, read_chunks
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.timeutil import shop_today
from tests import factories
from tests.claims.conftest import JPEG
from tests.conftest import TEST_KEYS, _drop_schemas, _postgres_urls

# Bigger than one streamed piece, so reading it back crosses a chunk boundary.
BIG_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (CHUNK_BYTES // 256 + 10)


@pytest.fixture
def fresh(tmp_path) -> Iterator[tuple[Database, Settings]]:
    env = {"HELPDESK_SECRET_KEY": secrets.token_urlsafe(32), "HELPDESK_DATA_DIR": str(tmp_path / "data"),
           "HELPDESK_PERSONAL_KEYS": TEST_KEYS}
    base, schemas = os.environ.get("HELPDESK_TEST_DATABASE_URL"), []
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
        env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    settings = Settings.from_env(env, cwd=tmp_path)
    database = Database.from_settings(settings)
    migrate.upgrade(database)
    yield database, settings
    database.dispose()
    if base:
        _drop_schemas(base, schemas)


def _back_to_files(database: Database, directory) -> None:
    """The store as it was before m0018: photos as files under the data directory, no content in the database."""
    with database.main.connect() as connection:
        rows = connection.execute(text(
            "SELECT p.stored_name, c.content FROM claim_photo p JOIN claim_photo_content c ON c.photo_id = p.id"
        )).all()
    directory.mkdir(parents=True)
    for stored_name, content in rows:
        (directory / stored_name).write_bytes(bytes(content))
    config = migrate.alembic_config("main")
    previous = ScriptDirectory.from_config(config).get_revision("m0018").down_revision
    with database.main.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, previous)


def test_photo_files_move_into_the_database_and_rows_stay(fresh):
    database, settings = fresh
    customer = factories.customer(database, name="Migrated Photos")
    product = factories.product(database, name="Air cooler 40 L", model_number="AC-40", warranty_months=12)
    purchase = factories.purchase(database, customer, on=shop_today() - timedelta(days=20), lines=[(product, None, 9_000)])
    line = factories.line_of(database, purchase)
    photos = check_photos([("front.jpg", JPEG), ("label.png", BIG_PNG), ("back.jpg", JPEG + b"back")])
    with database.write() as session:
        filed = claims.file_claim(session, customer=session.merge(customer), photos=photos, today=shop_today(),
                                  agent_id=None, data=ClaimCreate(purchase_line_id=line.id, fault_category="Does not work",
                                                                  description="Fan spins, no cooling"))
    directory = legacy_photo_dir(settings.data_dir)
    _back_to_files(database, directory)
    with database.main.connect() as connection:
        photo_rows = connection.execute(text(
            "SELECT id, stored_name FROM claim_photo WHERE claim_id = :claim ORDER BY id"), {"claim": filed.claim.id}).all()
    (directory / photo_rows[2].stored_name).unlink()  # a file lost before the upgrade

    migrate.upgrade(database, legacy_photo_dir=directory)

    with database.main.connect() as connection:
        after = connection.execute(text(
            "SELECT id, stored_name FROM claim_photo WHERE claim_id = :claim ORDER BY id"), {"claim": filed.claim.id}).all()
    assert [tuple(row) for row in after] == [tuple(row) for row in photo_rows]
    # Every photo reads back byte for byte (the big one across streamed pieces); the lost one stays missing (404).
    assert b"".join(read_chunks(database, photo_rows[0].id)) == JPEG
    assert b"".join(read_chunks(database, photo_rows[1].id)) == BIG_PNG
    assert list(read_chunks(database, photo_rows[2].id)) == []
