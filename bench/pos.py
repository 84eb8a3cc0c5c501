"""POS push throughput: single sales per second on one worker, and sales per second in batches.

python -m bench.pos [--db-dir DIR] [--customers N] [--requests N] [--batch-size N] [--batches N]

Runs in-process through the whole ASGI stack (token guard, validation, idempotency, loyalty) with httpx's ASGI
transport, one request at a time, on a generated database (made in DIR on first use). Results go to
DIR/results-pos.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from bench.common import QueryCounter, Timings, prepare, settings_for
from helpdesk.audit.service import SYSTEM
from helpdesk.auth import tokens
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.sales.models import Product

TARGET_PER_SECOND = 500


def _catalogue(database: Database, how_many: int, seed: int) -> tuple[list[str], list[str]]:
    with database.read() as session:
        skus = list(session.exec(select(Product.sku)).all())
        codes = list(session.exec(select(Customer.code).order_by(Customer.id).limit(5_000)).all())
    rng = random.Random(seed)
    return skus, [rng.choice(codes) for _ in range(how_many)]


def _sale(rng: random.Random, skus: list[str], customer: dict, run: str, n: int) -> dict:
    lines = [{"sku": rng.choice(skus), "serial_number": f"BENCH{run}{n:07d}{i}", "quantity": 1,
              "unit_price_paise": rng.randrange(500, 50_000) * 100, "tax_paise": rng.randrange(0, 9_000) * 100}
             for i in range(rng.choice((1, 1, 2, 3)))]
    return {"order_number": f"B{run}-{n:07d}", "store": "Bench store", "customer": customer,
            "purchased_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(), "lines": lines,
            "total_paise": sum(line["unit_price_paise"] + line["tax_paise"] for line in lines)}


async def _singles(client: httpx.AsyncClient, counter: QueryCounter, name: str, bodies: list[dict],
                   headers=lambda: {}) -> tuple[Timings, float]:
    timings = Timings(name, [], [])
    started_all = time.perf_counter()
    for body in bodies:
        counter.count = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = await client.post("/api/pos/purchases", json=body, headers=headers())
        timings.millis.append((time.perf_counter() - started) * 1000)
        timings.cpu_millis.append((time.process_time() - started_cpu) * 1000)
        timings.queries.append(counter.count)
        if response.status_code != 201:
            raise SystemExit(f"{name}: {response.status_code} {response.text[:300]}")
    return timings, len(bodies) / (time.perf_counter() - started_all)


async def run(database: Database, db_dir: Path, requests: int, batch_size: int, batches: int, seed: int) -> dict:
    from helpdesk.app import create_app

    with database.write() as session:
        secret = tokens.create_token(session, name=f"bench {uuid.uuid4().hex[:6]}", scope="pos", actor=SYSTEM).secret
    app = create_app(settings_for(db_dir), database=database)
    counter = QueryCounter(database)
    skus, codes = _catalogue(database, requests, seed)
    rng, run_id = random.Random(seed), uuid.uuid4().hex[:6]
    results: dict = {"requests": requests, "batch_size": batch_size, "batches": batches}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.local",
                                 headers={"Authorization": f"Bearer {secret}"}) as client:
        warm = [_sale(rng, skus, {"customer_id": code}, run_id + "w", n) for n, code in enumerate(codes[:100])]
        await _singles(client, counter, "warm-up", warm)
        cases = [
            ("existing customer ID", [_sale(rng, skus, {"customer_id": c}, run_id + "a", n) for n, c in enumerate(codes)],
             lambda: {}),
            ("existing customer ID + Idempotency-Key",
             [_sale(rng, skus, {"customer_id": c}, run_id + "b", n) for n, c in enumerate(codes)],
             lambda: {"Idempotency-Key": uuid.uuid4().hex}),
            ("new customer by name and phone",
             [_sale(rng, skus, {"name": "Bench Buyer", "phone": f"+9170{rng.randrange(10**8):08d}"}, run_id + "c", n)
              for n in range(requests)], lambda: {}),
        ]
        for name, bodies, headers in cases:
            timings, per_second = await _singles(client, counter, f"single: {name}", bodies, headers)
            print(f"{timings.report()}\n{'':<42} {per_second:,.0f} purchases/s")
            results[name] = {"per_second": round(per_second), "median_ms": round(statistics.median(timings.millis), 2),
                             "p95_ms": round(timings.percentile(95), 2), "queries": max(timings.queries)}
        counter.count = 0
        started = time.perf_counter()
        for b in range(batches):
            body = {"purchases": [_sale(rng, skus, {"customer_id": rng.choice(codes)}, f"{run_id}d{b}", n)
                                  for n in range(batch_size)]}
            response = await client.post("/api/pos/purchases/batch", json=body)
            if response.status_code != 200 or response.json()["recorded"] != batch_size:
                raise SystemExit(f"batch: {response.status_code} {response.text[:300]}")
        elapsed = time.perf_counter() - started
        per_second = batches * batch_size / elapsed
        print(f"batch of {batch_size}, x{batches}: {per_second:,.0f} purchases/s "
              f"({elapsed / batches * 1000:,.0f} ms a batch, {counter.count / (batches * batch_size):.1f} queries/sale)")
        results["batch"] = {"per_second": round(per_second), "ms_per_batch": round(elapsed / batches * 1000)}
    verdict = "meets" if results["existing customer ID"]["per_second"] >= TARGET_PER_SECOND else "misses"
    print(f"single purchases with a customer ID {verdict} the target of {TARGET_PER_SECOND}/s")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pos", description=__doc__)
    parser.add_argument("--db-dir", type=Path, default=Path("/work/bench-data-pos"))
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    database = prepare(args.db_dir, args.customers, args.seed)
    results = asyncio.run(run(database, args.db_dir, args.requests, args.batch_size, args.batches, args.seed))
    (args.db_dir / "results-pos.json").write_text(json.dumps(results, indent=2))
    database.dispose()


if __name__ == "__main__":
    main()
