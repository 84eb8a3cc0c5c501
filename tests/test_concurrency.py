"""Simultaneous requests and starts: what SQLite serialises, PostgreSQL lets through; the rules must hold on both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

from sqlalchemy import func, select, text

from helpdesk.claims import service as claims
from helpdesk.claims.models import ClaimCreate, WarrantyClaim
from helpdesk.claims.rules import OPEN_CLAIM_STATUSES
from helpdesk.tickets import numbers
from helpdesk.timeutil import shop_today
from tests import factories
from tests.conftest import TEST_KEYS, _drop_schemas, _postgres_urls

RACERS = 5


def _race(worker, count: int = RACERS) -> list:
    """Run `worker(index)` in `count` threads released together; returns each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = worker(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each racer got
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_first_use_of_a_counter_gives_every_caller_a_number(db):
    name = f"claim-{os.getpid() % 7000 + 3000}-{threading.get_ident() % 1000}"

    def take(_: int) -> int:
        with db.write() as session:
            value = numbers.next_value(session, name, start_after=lambda: 41)
            session.commit()
            return value

    results = _race(take)
    assert sorted(results) == [42, 43, 44, 45, 46], results


def test_simultaneous_claims_for_one_item_file_one_and_refuse_the_rest_clearly(db, agent, tmp_path):
    customer = factories.customer(db, name="Racing Claimant")
    product = factories.product(db, name="Mixer grinder 750 W", model_number="MG-750", warranty_months=24)
    purchase = factories.purchase(db, customer, on=shop_today() - timedelta(days=40), lines=[(product, None, 450_000)])
    line = factories.line_of(db, purchase)

    def file(index: int):
        with db.write() as session:
            return claims.file_claim(
                session, customer=session.merge(customer), photos=[], today=shop_today(),
                agent_id=agent.id, data=ClaimCreate(purchase_line_id=line.id, fault_category="Does not work",
                                                    description=f"Racer {index}: motor hums, does not turn"),
            )

    results = _race(file)
    filed = [result for result in results if isinstance(result, claims.FiledClaim)]
    refused = [result for result in results if isinstance(result, claims.ClaimInvalid)]
    assert len(filed) == 1 and len(refused) == RACERS - 1, results
    assert all("already has an open claim" in str(refusal) for refusal in refused)
    with db.read() as session:
        open_claims = session.execute(select(func.count()).select_from(WarrantyClaim).where(
            WarrantyClaim.purchase_line_id == line.id, WarrantyClaim.status.in_(OPEN_CLAIM_STATUSES))).scalar_one()
    assert open_claims == 1


def test_the_open_statuses_in_the_index_match_the_rules():
    from helpdesk.claims.models import _OPEN_SQL

    assert _OPEN_SQL == "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_CLAIM_STATUSES))


_START = """
import sys
from helpdesk import migrate
from helpdesk.config import Settings
from helpdesk.db import Database
database = Database.from_settings(Settings.from_env())
migrate.upgrade(database)
print("upgraded")
"""


def test_workers_starting_together_on_an_empty_database_upgrade_it_once(tmp_path, settings):
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    schemas: list[str] = []
    env = {**os.environ, "HELPDESK_SECRET_KEY": "s" * 40, "HELPDESK_PERSONAL_KEYS": TEST_KEYS,
           "HELPDESK_DATA_DIR": str(tmp_path / "data"), "HELPDESK_INDEX_DIR": str(tmp_path / "index")}
    if base:
        main_url, personal_url, schemas = _postgres_urls(base)
    else:
        main_url, personal_url = f"sqlite:///{tmp_path}/main.db", f"sqlite:///{tmp_path}/personal.db"
    env |= {"HELPDESK_DATABASE_URL": main_url, "HELPDESK_PERSONAL_DATABASE_URL": personal_url}
    try:
        workers = [subprocess.Popen([sys.executable, "-c", _START], env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outcomes = [worker.communicate(timeout=120) for worker in workers]
        for worker, (out, err) in zip(workers, outcomes):
            assert worker.returncode == 0 and "upgraded" in out, err[-2000:]
        from sqlalchemy import create_engine

        engine = create_engine(main_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        engine.dispose()
    finally:
        if base:
            _drop_schemas(base, schemas)



def test_two_notes_racing_on_one_ticket_are_both_added(db, agent):
    import pytest

    from helpdesk.history.models import Interaction
    from helpdesk.tickets import service as tickets
    from helpdesk.history.models import InteractionKind
    from helpdesk.tickets.models import MessageCreate, Ticket

    if db.main.dialect.name != "postgresql":
        pytest.skip("SQLite's write lock serialises the two saves; the race is PostgreSQL's")
    customer = factories.customer(db, name="Racing Notes")
    ticket = factories.ticket(db, customer, subject="Two agents typing at once")
    read_both = threading.Barrier(2)

    def note(index: int):
        with db.write() as session:
            row = session.get(Ticket, ticket.id)
            assert row.version == ticket.version
            read_both.wait()  # both have read the same version before either saves
            return tickets.add_message(session, ticket=row, agent_id=agent.id,
                                       data=MessageCreate(kind=InteractionKind.NOTE, body=f"Racing note {index}"))

    results = _race(note, 2)
    assert all(isinstance(result, Interaction) for result in results), results
    with db.read() as session:
        bodies = set(session.execute(select(Interaction.body).where(Interaction.ticket_id == ticket.id)).scalars())
        version = session.get(Ticket, ticket.id).version
    assert {"Racing note 0", "Racing note 1"} <= bodies
    assert version == ticket.version + 2
