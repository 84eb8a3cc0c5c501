"""Reports benchmark on a generated database (100k customers by default):

    python bench/reports.py [--db-dir /work/bench-data-reports/sqlite-100k] [--database-url postgresql://...]
    python -m bench.reports ...

1. a full `stats refresh` (target <= 30 s), twice;
2. an incremental refresh after 1,000 new purchases written through the ORM as the POS would (target <= 1 s), three
   times;
3. every report page through the whole ASGI stack with a signed-in supervisor (targets: median <= 100 ms,
   p95 <= 300 ms), then the charts and a customer-list export for the record.

The database is generated on first use (the generator also runs a full refresh); keep it outside the repository.
Results go to DB_DIR/results-reports.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from helpdesk import migrate
from helpdesk.bench import QueryCounter, Timings, _time
from helpdesk.config import Settings
from helpdesk.db import Database

SUPERVISOR_EMAIL = "bench.supervisor@helpdesk.local"
PASSWORD = "benchmark-password"
TARGETS = {"full refresh s": 30.0, "incremental refresh s": 1.0, "page median ms": 100.0, "page p95 ms": 300.0}


def settings_for(db_dir: Path, database_url: str | None) -> Settings:
    env = {"HELPDESK_SECRET_KEY": "bench-secret-" * 4, "HELPDESK_INDEX_DIR": str(db_dir / "index"),
           "HELPDESK_DATA_DIR": str(db_dir / "data"), "HELPDESK_STATS_REFRESH_SECONDS": "0"}
    if database_url:
        env |= {"HELPDESK_DATABASE_URL": database_url, "HELPDESK_PERSONAL_DATABASE_URL": database_url}
    db_dir.mkdir(parents=True, exist_ok=True)
    return Settings.from_env(env, cwd=db_dir)


def prepare(settings: Settings, customers: int, seed: int) -> Database:
    from helpdesk.auth.service import create_or_update_agent
    from helpdesk.customers.models import Customer
    from helpdesk.demo.generator import load

    database = Database.from_settings(settings)
    migrate.upgrade(database)
    with database.read() as session:
        existing = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    if existing < customers:
        print(f"generating {customers - existing:,} customers (seed {seed}) ...", flush=True)
        started = time.perf_counter()
        summary = load(database, customers=customers - existing, seed=seed, progress=True, append=existing > 0)
        print(f"generated in {time.perf_counter() - started:.0f} s: {summary}", flush=True)
    with database.write() as session:
        create_or_update_agent(session, email=SUPERVISOR_EMAIL, password=PASSWORD, role="supervisor", name="Bench")
    return database


def sizes(database: Database) -> dict[str, int]:
    from sqlalchemy import text

    with database.main.connect() as connection:
        return {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() for table in (
            "customer", "purchase", "purchase_line", "ticket", "interaction", "warranty_claim")}


def full_refreshes(database: Database, settings: Settings, runs: int) -> list[dict]:
    from helpdesk.reports.refresh import full_refresh
    from helpdesk.timeutil import shop_today

    results = []
    for run in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        report = full_refresh(database, settings.reports, as_of=shop_today())
        results.append({"seconds": round(time.perf_counter() - started, 2), "cpu": round(time.process_time() - cpu, 2),
                        "phases": report.phases})
        print(f"full refresh {run + 1}: {results[-1]['seconds']:.1f} s wall, {results[-1]['cpu']:.1f} s cpu; "
              f"{report.phases}", flush=True)
    return results


def new_purchases(database: Database, how_many: int, seed: int) -> None:
    """How the POS adds purchases: ORM writes, so the change marks come from the writers' transactions."""
    from helpdesk.customers.models import Customer
    from helpdesk.sales.models import Product, Purchase, PurchaseLine
    from helpdesk.timeutil import shop_today

    rng = random.Random(seed)
    today = shop_today()
    with database.write() as session:
        products = list(session.execute(select(Product.id)).scalars())
        top = session.execute(select(func.max(Customer.id))).scalar_one()
        stamp = f"{time.time_ns()}"
        for index in range(how_many):
            purchase = Purchase(order_number=f"BENCH-{stamp}-{index}", customer_id=rng.randint(1, top),
                                store=rng.choice(("Online", "Lajpat Nagar store", "Phone order")), channel="online",
                                purchased_on=today - timedelta(days=rng.randint(0, 2)), total_paise=0)
            session.add(purchase)
            session.flush()
            for _ in range(rng.choice((1, 1, 2))):
                session.add(PurchaseLine(purchase_id=purchase.id, product_id=rng.choice(products),
                                         unit_price_paise=rng.randrange(1_000, 90_000) * 100))
        session.commit()


def incremental_refreshes(database: Database, settings: Settings, runs: int, seed: int) -> list[dict]:
    from helpdesk.reports.refresh import incremental_refresh

    results = []
    for run in range(runs):
        new_purchases(database, 1_000, seed + run)
        started, cpu = time.perf_counter(), time.process_time()
        report = incremental_refresh(database, settings.reports)
        results.append({"seconds": round(time.perf_counter() - started, 3), "cpu": round(time.process_time() - cpu, 3),
                        "customers": report.customers, "phases": report.phases})
        print(f"incremental refresh {run + 1} after 1,000 purchases: {results[-1]['seconds']:.2f} s wall, "
              f"{results[-1]['cpu']:.2f} s cpu, {report.customers:,} customers; {report.phases}", flush=True)
    return results


def page_urls(as_of) -> dict[str, list[str]]:
    from helpdesk.reports.periods import add_months

    month = as_of.replace(day=1)
    last_month = add_months(month, -1)
    year_ago = as_of - timedelta(days=364)
    return {
        "support, 30 days": ["/reports"],
        "support, a year by week": [f"/reports?from={year_ago}&to={as_of}&step=week"],
        "support, by tag / agent": ["/reports?by=tag", "/reports?by=agent"],
        "sales, this year": ["/reports/sales"],
        "sales, 24 months": [f"/reports/sales?from={add_months(month, -23):%Y-%m}&to={month:%Y-%m}"],
        "sales, filtered": ["/reports/sales?store=Online", "/reports/sales?tier=gold",
                            "/reports/sales?category=Television&tier=silver"],
        "sales, HTMX swap": ["/reports/sales?from=2025-01&to=2025-12"],
        "retention": ["/reports/retention", f"/reports/retention?period={last_month:%Y-%m}"],
        "valuable customers": ["/reports/customers", "/reports/customers?page=40", "/reports/customers?tier=gold"],
        "segment customers": ["/reports/segments/lost", "/reports/segments/champions?page=3"],
        "monthly report": [f"/reports/monthly/{last_month:%Y-%m}"],
        "annual report": [f"/reports/annual/{as_of.year - 1}"],
    }


CHARTS = ["/reports/charts/support/daily.svg", "/reports/charts/sales/months.svg", "/reports/charts/sales/store.svg",
          "/reports/charts/retention/segments.svg"]


async def time_pages(database: Database, settings: Settings, requests: int) -> tuple[list[Timings], list[Timings], dict]:
    from helpdesk.app import create_app
    from helpdesk.reports.loader import as_of_day

    app = create_app(settings, database=database)
    counter = QueryCounter(database)
    with database.read() as session:
        as_of, _ = as_of_day(session)
    groups = page_urls(as_of)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        await client.get("/signin")
        signin = await client.post("/signin", data={"email": SUPERVISOR_EMAIL, "password": PASSWORD,
                                                    "_csrf_token": client.cookies.get("csrftoken")})
        if signin.status_code not in (200, 303):
            raise SystemExit(f"could not sign in: {signin.status_code}")
        everything = [url for urls in groups.values() for url in urls]
        await _time(client, counter, "warm-up", everything * 3, 200)
        pages = []
        for name, urls in groups.items():
            headers = {"HX-Request": "true"} if "HTMX" in name else None
            repeat = max(1, requests // len(urls))
            pages.append(await _time(client, counter, name, urls * repeat, 200, headers=headers))
        charts = [await _time(client, counter, f"chart {url.rsplit('/', 2)[-2]}/{url.rsplit('/', 1)[-1]}",
                              [url] * max(5, requests // 20), 200) for url in CHARTS]
        started = time.perf_counter()
        export = await client.get("/reports/export/customers/valuable.csv")
        export_info = {"seconds": round(time.perf_counter() - started, 2), "bytes": len(export.content),
                       "rows": export.content.count(b"\n") - 1}
    return pages, charts, export_info


def summary(timings: Timings) -> dict:
    ordered = sorted(timings.millis)
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(timings.percentile(95), 1),
            "max_ms": round(ordered[-1], 1), "cpu_median_ms": round(statistics.median(timings.cpu_millis), 1),
            "queries": [min(timings.queries), max(timings.queries)], "n": len(ordered)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python bench/reports.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-dir", type=Path, default=Path("/work/bench-data-reports/sqlite-100k"))
    parser.add_argument("--database-url", default=os.environ.get("HELPDESK_DATABASE_URL"),
                        help="PostgreSQL instead of SQLite files in --db-dir")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=100, help="requests per page group")
    parser.add_argument("--full-runs", type=int, default=2)
    parser.add_argument("--incremental-runs", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = settings_for(args.db_dir, args.database_url)
    database = prepare(settings, args.customers, args.seed)
    load_before = os.getloadavg()
    print(f"database: {sizes(database)}; load average {load_before[0]:.2f} on {os.cpu_count()} cores", flush=True)
    results = {"sizes": sizes(database), "load_before": load_before}
    results["full"] = full_refreshes(database, settings, args.full_runs)
    results["incremental"] = incremental_refreshes(database, settings, args.incremental_runs, args.seed)
    pages, charts, export = asyncio.run(time_pages(database, settings, args.requests))
    for timings in pages + charts:
        print(timings.report())
    print(f"export of every valuable customer (CSV, masked): {export}")
    results |= {"pages": {t.name: summary(t) for t in pages}, "charts": {t.name: summary(t) for t in charts},
                "export": export, "load_after": os.getloadavg()}
    full = statistics.median(run["seconds"] for run in results["full"])
    incremental = statistics.median(run["seconds"] for run in results["incremental"])
    worst_median = max(summary(t)["median_ms"] for t in pages)
    worst_p95 = max(summary(t)["p95_ms"] for t in pages)
    print("\ntargets:")
    for label, value, target in (("full refresh s", full, TARGETS["full refresh s"]),
                                 ("incremental refresh s", incremental, TARGETS["incremental refresh s"]),
                                 ("page median ms (worst page)", worst_median, TARGETS["page median ms"]),
                                 ("page p95 ms (worst page)", worst_p95, TARGETS["page p95 ms"])):
        print(f"  {'ok' if value <= target else 'MISSED':<7} {label:<30} {value:9.2f}  (target {target:g})")
    print(f"load average (1 min) {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after, on "
          f"{os.cpu_count()} cores: above the core count, wall-clock figures include waiting for other work")
    (args.db_dir / "results-reports.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
