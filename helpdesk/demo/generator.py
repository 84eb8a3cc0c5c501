"""Loads deterministic demo data (customers, people, purchases, tickets, claims, history) into both stores."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy import Connection, Engine, Table, func, select, text

from helpdesk import ids as customer_ids
from helpdesk.auth.models import Agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.config import ReportSettings
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.demo.fixtures import Fixtures, check_texts, load_fixtures
from helpdesk.demo.history import HISTORY_YEARS, HistoryMaker
from helpdesk.demo.people import PeopleMaker
from helpdesk.demo.rows import TABLES, Clock, IdCounters, Rows, StockedProduct
from helpdesk.demo.texts import TICKET_FIELDS, TextWriter
from helpdesk.privacy import store as personal_store
from helpdesk.privacy.models import PersonalRecord
from helpdesk.reports.refresh import full_refresh
from helpdesk.sales.models import LoyaltyEntry, Product, Purchase, PurchaseLine
from helpdesk.history import service as history
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Counter, SlaPolicy, Tag, Ticket, TicketTag
from helpdesk.timeutil import SHOP_TZ, shop_today

log = logging.getLogger("helpdesk.demo")

MAIN_TABLES: dict[str, Table] = {
    "customer": Customer.__table__,
    "purchase": Purchase.__table__,
    "purchase_line": PurchaseLine.__table__,
    "loyalty_entry": LoyaltyEntry.__table__,
    "ticket": Ticket.__table__,
    "ticket_tag": TicketTag.__table__,
    "interaction": Interaction.__table__,
    "warranty_claim": WarrantyClaim.__table__,
}
PERSONAL_TABLE: Table = PersonalRecord.__table__
# Tables whose ids we assign ourselves; PostgreSQL's sequences must be moved past them afterwards.
ID_TABLES = ("customer", "product", "tag", "purchase", "purchase_line", "ticket", "interaction", "warranty_claim")
ROWS_PER_STATEMENT = 5_000
# Customers generated between two writes: big enough to amortise each executemany, small enough to keep memory flat.
CUSTOMERS_PER_BATCH = 1_000
EXTRA_TAGS = ("warranty", "escalated")
# Names in the counter table that the desk draws the next ticket and claim numbers from.
TICKET_COUNTER = "ticket"
CLAIM_COUNTER_PREFIX = "claim-"  # one counter per year: claim-2026


class DemoDataExists(RuntimeError):
    """The database already has customers; loading again would duplicate the demo (pass append=True to add more)."""


@dataclass
class LoadSummary:
    """What one load wrote."""

    customers: int
    seed: int
    today: date
    counts: dict[str, int] = field(default_factory=dict)
    long_history_codes: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    def __str__(self) -> str:
        parts = ", ".join(f"{table} {count:,}" for table, count in self.counts.items())
        return f"seed {self.seed}, {self.elapsed_seconds:.1f} s: {parts}"


def long_history_count(customers: int) -> int:
    """About one customer in two thousand has hundreds of purchases; at least three in any load of 50 or more."""
    return max(3, round(customers * 0.0005)) if customers >= 50 else 0


@contextmanager
def _write_transactions(db: Database) -> Iterator[tuple[Connection, Connection]]:
    """One transaction per store for the whole load, so a failed load leaves nothing behind.

    The main store commits first: if the personal store then failed, the refusal check (customers exist)
    stops a rerun from colliding with half-written data instead of hiding it.
    """
    main_engine: Engine = db.main.execution_options(helpdesk_begin_immediate=True)
    personal_engine: Engine = db.personal.execution_options(helpdesk_begin_immediate=True)
    # Both stores in one SQLite file would deadlock two BEGIN IMMEDIATE connections: share one connection then.
    same_store = db.main.url == db.personal.url
    with main_engine.connect() as main:
        main.begin()
        if same_store:
            yield main, main
            main.commit()
            return
        with personal_engine.connect() as personal:
            personal.begin()
            yield main, personal
            main.commit()
            personal.commit()


def _max_id(connection: Connection, table: Table) -> int:
    return connection.execute(select(func.max(table.c.id))).scalar() or 0


def _insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        connection.execute(table.insert(), rows[start : start + ROWS_PER_STATEMENT])


def _stock_products(connection: Connection, fixtures: Fixtures) -> list[StockedProduct]:
    """The catalogue in the database: existing SKUs are reused as they are, missing ones inserted."""
    table = Product.__table__
    existing = dict(connection.execute(select(table.c.sku, table.c.id)).all())
    next_id = _max_id(connection, table) + 1
    missing = []
    for item in fixtures.catalogue:
        if item.sku not in existing:
            existing[item.sku] = next_id
            missing.append({"id": next_id, "sku": item.sku, "name": item.name, "brand": item.brand,
                            "category": item.category, "model_number": item.model_number,
                            "warranty_months": item.warranty_months})
            next_id += 1
    _insert(connection, table, missing)
    return [
        StockedProduct(id=existing[item.sku], item=item,
                       serial_prefix=item.brand.replace(" ", "")[:3].upper() + item.sku[:3])
        for item in fixtures.catalogue
    ]


def _ensure_tags(connection: Connection, fixtures: Fixtures) -> dict[str, int]:
    table = Tag.__table__
    wanted = [category.lower().replace(" ", "-") for category in sorted({i.category for i in fixtures.catalogue})]
    wanted += [topic.replace("_", "-") for topic in fixtures.texts["topics"]]
    wanted += list(EXTRA_TAGS)
    existing = dict(connection.execute(select(table.c.name, table.c.id)).all())
    next_id = _max_id(connection, table) + 1
    missing = []
    for name in wanted:
        if name not in existing:
            existing[name] = next_id
            missing.append({"id": next_id, "name": name})
            next_id += 1
    _insert(connection, table, missing)
    return existing


def _advance_sequences(connection: Connection) -> None:
    """PostgreSQL hands out ids from sequences that our explicit ids did not move; move them past max(id)."""
    for name in ID_TABLES:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name} HAVING max(id) IS NOT NULL"
        ))


def _sequence_number(number: str) -> int:
    digits = number.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else 0


def _number_counters(connection: Connection) -> tuple[int, dict[int, int]]:
    """The last ticket number and the last claim number per year already in use (from counters and rows)."""
    counters = dict(connection.execute(select(Counter.__table__.c.name, Counter.__table__.c.value)).all())
    last_ticket = counters.get(TICKET_COUNTER, 0)
    for number in connection.execute(select(Ticket.__table__.c.number)).scalars():
        last_ticket = max(last_ticket, _sequence_number(number))
    last_claims: dict[int, int] = {}
    for name, value in counters.items():
        year = name.removeprefix(CLAIM_COUNTER_PREFIX)
        if name.startswith(CLAIM_COUNTER_PREFIX) and year.isdigit():
            last_claims[int(year)] = value
    for number in connection.execute(select(WarrantyClaim.__table__.c.number)).scalars():
        parts = number.split("-")
        if len(parts) == 3 and parts[1].isdigit():
            year = int(parts[1])
            last_claims[year] = max(last_claims.get(year, 0), _sequence_number(number))
    return last_ticket, last_claims


def _store_counters(connection: Connection, counters: IdCounters) -> None:
    """Leave the counters where the demo numbers end, so the desk's next ticket or claim does not reuse one."""
    table = Counter.__table__
    wanted = {TICKET_COUNTER: counters.ticket_number - 1}
    wanted |= {f"{CLAIM_COUNTER_PREFIX}{year}": last for year, last in counters.claim_numbers.items()}
    existing = dict(connection.execute(select(table.c.name, table.c.value)).all())
    for name, value in sorted(wanted.items()):
        if name not in existing:
            connection.execute(table.insert().values(name=name, value=value))
        elif existing[name] < value:
            connection.execute(table.update().where(table.c.name == name).values(value=value))


def _sla_targets(connection: Connection) -> dict[str, tuple[int, int]]:
    table = SlaPolicy.__table__
    rows = connection.execute(select(table.c.priority, table.c.first_response_minutes, table.c.resolution_minutes))
    return {priority: (first, resolution) for priority, first, resolution in rows}


def _tidy_sqlite(engine: Engine) -> None:
    """Fold the write-ahead log back into the file (a large load leaves it as big as the data) and refresh stats."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        driver.execute("PRAGMA optimize")


def load(db: Database, *, customers: int, seed: int, progress: bool = True, today: date | None = None,
         append: bool = False) -> LoadSummary:
    """Generate `customers` customers with their whole history; the same seed and day give the same data.

    Refuses (DemoDataExists) when the main store already has customers, unless append=True.
    """
    if customers < 0:
        raise ValueError("customers must be zero or more")
    started = time.perf_counter()
    today = today or shop_today()
    fixtures = load_fixtures()
    check_texts(fixtures.texts, fixtures.catalogue, TICKET_FIELDS | set(fixtures.texts["hinglish_variants"]))
    summary = LoadSummary(customers=customers, seed=seed, today=today)
    counts = dict.fromkeys(["product", "tag", *TABLES, "personal_record"], 0)
    start = today - timedelta(days=HISTORY_YEARS * 365 + 1)
    clock = Clock(start=start, start_utc=datetime.combine(start, clock_time(0), tzinfo=SHOP_TZ).astimezone(UTC),
                  horizon_day=(today - start).days)

    with _write_transactions(db) as (main, personal):
        customer_table = Customer.__table__
        existing_customers = main.execute(select(func.count()).select_from(customer_table)).scalar()
        if existing_customers and not append:
            raise DemoDataExists(
                f"The database already has {existing_customers:,} customers; not loading demo data again "
                "(append to add more)."
            )
        # Appending with the seed of an earlier load would repeat its people (and phone numbers): vary the stream.
        rng = random.Random(f"{seed}/{existing_customers}" if existing_customers else seed)
        long_history = set(rng.sample(range(customers), long_history_count(customers)))

        products_before = _max_id(main, Product.__table__)
        products = _stock_products(main, fixtures)
        counts["product"] = _max_id(main, Product.__table__) - products_before
        tags_before = _max_id(main, Tag.__table__)
        tag_ids = _ensure_tags(main, fixtures)
        counts["tag"] = _max_id(main, Tag.__table__) - tags_before
        agent_table = Agent.__table__
        agent_ids = list(main.execute(
            select(agent_table.c.id).where(agent_table.c.is_active).order_by(agent_table.c.id)).scalars())
        counters = IdCounters(**{name: _max_id(main, MAIN_TABLES[name]) + 1 for name in (
            "customer", "purchase", "purchase_line", "ticket", "interaction", "warranty_claim")})
        last_ticket, counters.claim_numbers = _number_counters(main)
        counters.ticket_number = last_ticket + 1

        writer = TextWriter(fixtures.texts, rng)
        people = PeopleMaker(fixtures.people, rng)
        used_codes: set[str] = set()
        if existing_customers:
            used_codes.update(main.execute(select(customer_table.c.code)).scalars())
            used_codes.update(personal.execute(select(PERSONAL_TABLE.c.customer_code)).scalars())
            people.used_phones.update(personal_store.stored_phones(personal, db.keyring))
        maker = HistoryMaker(fixtures, rng, writer, clock, counters, products=products, tag_ids=tag_ids,
                             agent_ids=agent_ids, sla=_sla_targets(main))

        def flush(rows: Rows) -> None:
            for name in TABLES:
                if name == "interaction":
                    # History goes through its one door; a load is followed by a full index rebuild (demo, or the CLI says so).
                    for start in range(0, len(rows.tables[name]), ROWS_PER_STATEMENT):
                        history.insert_many(main, rows.tables[name][start:start + ROWS_PER_STATEMENT],
                                            queue_for_index=False)
                else:
                    _insert(main, MAIN_TABLES[name], rows.tables[name])
                counts[name] += len(rows.tables[name])
            # Encrypted through the one module that handles personal data, as every other write is.
            _insert(personal, PERSONAL_TABLE, personal_store.bulk_rows(db.keyring, rows.personal))
            counts["personal_record"] += len(rows.personal)

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, disable=not progress) as bar:
            task = bar.add_task("Demo customers", total=customers)
            for batch_start in range(0, customers, CUSTOMERS_PER_BATCH):
                rows = Rows()
                batch_end = min(customers, batch_start + CUSTOMERS_PER_BATCH)
                for position in range(batch_start, batch_end):
                    code = _new_code(rng, used_codes)
                    is_long = position in long_history
                    if is_long:
                        summary.long_history_codes.append(code)
                    maker.customer(code, people, rows, long_history=is_long)
                flush(rows)
                bar.update(task, completed=batch_end)
        _store_counters(main, counters)
        if main.dialect.name == "postgresql":
            _advance_sequences(main)
    _tidy_sqlite(db.main)
    _tidy_sqlite(db.personal)
    # Bulk inserts bypass the ORM's change marks: rebuild the report figures so /reports is right at once.
    full_refresh(db, ReportSettings.from_env(dict(os.environ)), as_of=today)
    summary.counts = counts
    summary.elapsed_seconds = time.perf_counter() - started
    log.info("%s", summary)
    return summary


def _new_code(rng: random.Random, used: set[str]) -> str:
    """A fresh customer ID from the seeded generator (8 random digits, first not 0, plus the Damm digit)."""
    while True:
        code = customer_ids.with_check_digit(str(rng.randrange(10_000_000, 100_000_000)))
        if code not in used:
            used.add(code)
            return code
