"""Benchmarks through the whole ASGI stack: `python -m helpdesk.bench customer-view --db-dir DIR`."""

from __future__ import annotations

import argparse
import logging
import asyncio
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import event, func, select

from helpdesk import migrate
from helpdesk.config import Settings
from helpdesk.db import Database

BENCH_EMAIL = "bench@helpdesk.local"
BENCH_PASSWORD = "benchmark-password"


@dataclass
class Timings:
    name: str
    millis: list[float]
    queries: list[int]

    def report(self) -> str:
        ordered = sorted(self.millis)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

        return (
            f"{self.name:<34} n={len(ordered):>5}  median={statistics.median(ordered):6.2f} ms  "
            f"p95={pct(95):6.2f} ms  p99={pct(99):6.2f} ms  max={ordered[-1]:7.2f} ms  "
            f"queries/request={min(self.queries)}..{max(self.queries)}"
        )


class QueryCounter:
    """Counts statements on both stores (BEGIN/COMMIT excluded)."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        for engine in (database.main, database.personal):
            event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.count += 1


def _settings_for(db_dir: Path) -> Settings:
    db_dir.mkdir(parents=True, exist_ok=True)
    return Settings.from_env({"HELPDESK_SECRET_KEY": "bench-secret-" * 4, "HELPDESK_INDEX_DIR": str(db_dir / "index"),
                              "HELPDESK_DATA_DIR": str(db_dir / "data")}, cwd=db_dir)


def prepare(db_dir: Path, customers: int, seed: int) -> Database:
    """Open (or generate) the benchmark database and make sure the bench agent exists."""
    from helpdesk.auth.service import create_or_update_agent
    from helpdesk.customers.models import Customer
    from helpdesk.demo.generator import load

    database = Database.from_settings(_settings_for(db_dir))
    migrate.upgrade(database)
    with database.read() as session:
        existing = session.exec(select(func.count()).select_from(Customer)).one()[0]
    if existing < customers:
        print(f"generating {customers - existing:,} customers into {db_dir} (seed {seed}) ...")
        load(database, customers=customers - existing, seed=seed, progress=True, append=existing > 0)
    with database.write() as session:
        create_or_update_agent(session, email=BENCH_EMAIL, password=BENCH_PASSWORD, role="agent", name="Bench")
    return database


def _sample(database: Database, how_many: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """Random customers, the heaviest customers (longest histories) and random phone numbers."""
    from helpdesk.customers.models import Customer
    from helpdesk.privacy.models import PersonalRecord
    from helpdesk.tickets.models import Interaction

    rng = random.Random(seed)
    with database.read() as session:
        max_id = session.exec(select(func.max(Customer.id))).one()[0]
        ids = [rng.randint(1, max_id) for _ in range(how_many)]
        codes = list(session.exec(select(Customer.code).where(Customer.id.in_(ids))).scalars())
        heavy_ids = session.exec(
            select(Interaction.customer_id).group_by(Interaction.customer_id)
            .order_by(func.count().desc()).limit(5)
        ).scalars().all()
        heavy = list(session.exec(select(Customer.code).where(Customer.id.in_(heavy_ids))).scalars())
        phones = list(session.exec(
            select(PersonalRecord.phone).where(PersonalRecord.customer_code.in_(codes[: how_many // 2]))
        ).scalars())
    rng.shuffle(codes)
    return codes, heavy, [p for p in phones if p]


async def _time(
    client: httpx.AsyncClient, counter: QueryCounter, name: str, urls: list[str], expect: int | tuple[int, ...],
    headers: dict | None = None,
) -> Timings:
    expected = (expect,) if isinstance(expect, int) else expect
    timings = Timings(name, [], [])
    for url in urls:
        counter.count = 0
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in expected:
            raise SystemExit(f"{url} answered {response.status_code}, expected {expect}")
        timings.millis.append(elapsed)
        timings.queries.append(counter.count)
    return timings


async def _timeline_urls(client: httpx.AsyncClient, codes: list[str]) -> list[str]:
    """The second timeline page of each customer, as the "load more" link asks for it."""
    urls = []
    for code in codes:
        cursor = (await client.get(f"/api/customers/{code}")).json()["timeline"]["next_cursor"]
        if cursor:
            urls.append(f"/customers/{code}/timeline?cursor={cursor}")
    return urls


async def customer_view(database: Database, db_dir: Path, requests: int, seed: int) -> list[Timings]:
    """Time the customer page (random and heaviest customers) and the phone lookup."""
    from helpdesk.app import create_app

    app = create_app(_settings_for(db_dir), database=database)
    counter = QueryCounter(database)
    codes, heavy, phone_numbers = _sample(database, requests, seed)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        page = await client.get("/signin")
        token = client.cookies.get("csrftoken")
        signin = await client.post("/signin", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "_csrf_token": token})
        if signin.status_code not in (200, 303) or "helpdesk_session" not in client.cookies:
            raise SystemExit(f"could not sign in: {signin.status_code} {page.status_code}")
        # Warm-up: first requests compile templates and fill the statement cache.
        await _time(client, counter, "warm-up", [f"/customers/{c}" for c in codes[:50]], 200)
        results = [
            await _time(client, counter, "customer page (random customers)", [f"/customers/{c}" for c in codes], 200),
            await _time(client, counter, "customer page (5 heaviest, x20)", [f"/customers/{c}" for c in heavy] * 20, 200),
            await _time(client, counter, "timeline 'load more' (heaviest)", await _timeline_urls(client, heavy) * 20, 200,
                        headers={"HX-Request": "true"}),
            await _time(client, counter, "JSON view (5 heaviest, x20)", [f"/api/customers/{c}" for c in heavy] * 20, 200),
            await _time(client, counter, "lookup by phone (/lookup?q=)", [f"/lookup?q={p[3:]}" for p in phone_numbers], (303, 200)),
            await _time(client, counter, "screen-pop API (/api/lookup)", [f"/api/lookup?phone=%2B{p[1:]}" for p in phone_numbers], 200),
        ]
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpdesk.bench", description=__doc__)
    parser.add_argument("what", choices=["customer-view"])
    parser.add_argument("--db-dir", type=Path, default=Path("bench-data"), help="where the benchmark database lives")
    parser.add_argument("--customers", type=int, default=100_000, help="generate up to this many customers")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    # Per-request log lines would dominate what we measure.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    database = prepare(args.db_dir, args.customers, args.seed)
    for timings in asyncio.run(customer_view(database, args.db_dir, args.requests, args.seed)):
        print(timings.report())


if __name__ == "__main__":
    main()
