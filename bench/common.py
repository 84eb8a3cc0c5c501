"""What every benchmark shares: timings with percentiles, a query counter, the benchmark database, signing in."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
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
    """Wall-clock time per request, and the CPU time the process spent on it.

    On a shared machine the wall clock includes waiting for other processes; the CPU time does not, so the two
    together tell a slow request from a busy machine.
    """

    name: str
    millis: list[float]
    queries: list[int]
    cpu_millis: list[float] = field(default_factory=list)

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.millis if values is None else values)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def report(self) -> str:
        ordered = sorted(self.millis)
        pct = self.percentile
        cpu = (f"  cpu median={statistics.median(self.cpu_millis):6.2f} ms p99={pct(99, self.cpu_millis):6.2f} ms"
               if self.cpu_millis else "")
        return (
            f"{self.name:<42} n={len(ordered):>5}  median={statistics.median(ordered):6.2f} ms  "
            f"p95={pct(95):6.2f} ms  p99={pct(99):6.2f} ms  max={ordered[-1]:7.2f} ms  "
            f"queries/request={min(self.queries)}..{max(self.queries)}{cpu}"
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


def settings_for(db_dir: Path) -> Settings:
    db_dir.mkdir(parents=True, exist_ok=True)
    return Settings.from_env({"HELPDESK_SECRET_KEY": "bench-secret-" * 4, "HELPDESK_INDEX_DIR": str(db_dir / "index"),
                              "HELPDESK_DATA_DIR": str(db_dir / "data")}, cwd=db_dir)


def prepare(db_dir: Path, customers: int, seed: int) -> Database:
    """Open (or generate) the benchmark database and make sure the bench agent exists."""
    from helpdesk.auth.service import create_or_update_agent
    from helpdesk.customers.models import Customer
    from helpdesk.demo.generator import load

    # The benchmark database is local: its personal-data key file is made beside it on first use.
    database = Database.from_settings(settings_for(db_dir), create_keys=True)
    migrate.upgrade(database)
    with database.read() as session:
        existing = session.exec(select(func.count()).select_from(Customer)).one()[0]
    if existing < customers:
        print(f"generating {customers - existing:,} customers into {db_dir} (seed {seed}) ...")
        load(database, customers=customers - existing, seed=seed, progress=True, append=existing > 0)
    with database.write() as session:
        create_or_update_agent(session, email=BENCH_EMAIL, password=BENCH_PASSWORD, role="agent", name="Bench")
    return database


async def time_requests(
    client: httpx.AsyncClient, counter: QueryCounter, name: str, urls: list[str], expect: int | tuple[int, ...],
    headers: dict | None = None,
) -> Timings:
    expected = (expect,) if isinstance(expect, int) else expect
    timings = Timings(name, [], [])
    for url in urls:
        counter.count = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = await client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        timings.cpu_millis.append((time.process_time() - started_cpu) * 1000)
        if response.status_code not in expected:
            raise SystemExit(f"{url} answered {response.status_code}, expected {expect}")
        timings.millis.append(elapsed)
        timings.queries.append(counter.count)
    return timings


async def sign_in(client: httpx.AsyncClient) -> None:
    """Sign the bench agent in through the real form."""
    page = await client.get("/signin")
    token = client.cookies.get("csrftoken")
    signin = await client.post("/signin", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "_csrf_token": token})
    if signin.status_code not in (200, 303) or "helpdesk_session" not in client.cookies:
        raise SystemExit(f"could not sign in: {signin.status_code} {page.status_code}")
