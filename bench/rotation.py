"""Key rotation while the desk serves: `helpdesk keys rotate` in its own process, customer pages timed meanwhile.

    python -m bench.rotation --db-dir DIR [--batch 500] [--retire]

Times the customer page for a while before the rotation (the baseline), then runs the real command in another
process, as an operator would, and keeps loading random customers' pages until it is done: every page must answer
200 with the customer's name (decrypted), whichever key its record is under at that moment. Prints the rotation's
rate and the page latency before and during it. The database is generated into DIR on first use (see bench.desk).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.common import Timings, prepare, settings_for, sign_in
from helpdesk.db import Database


def _codes(database: Database, how_many: int, seed: int) -> list[str]:
    from helpdesk.customers.models import Customer

    rng = random.Random(seed)
    with database.read() as session:
        max_id = session.exec(select(func.max(Customer.id))).one()[0]
        ids = [rng.randint(1, max_id) for _ in range(how_many)]
        return list(session.exec(select(Customer.code).where(Customer.id.in_(ids))).scalars())


async def _load_pages(client: httpx.AsyncClient, codes: list[str], name: str, *, until=None, seconds: float = 0,
                      problems: list[str]) -> Timings:
    """Open customer pages one after another until `until()` is true (or for `seconds`)."""
    timings = Timings(name, [], [])
    deadline = time.monotonic() + seconds
    n = 0
    while (until is not None and not until()) or (until is None and time.monotonic() < deadline):
        code = codes[n % len(codes)]
        n += 1
        started = time.perf_counter()
        response = await client.get(f"/customers/{code}")
        timings.millis.append((time.perf_counter() - started) * 1000)
        timings.queries.append(0)
        if response.status_code != 200 or 'class="customer-name"' not in response.text:
            problems.append(f"/customers/{code}: {response.status_code}")
        await asyncio.sleep(0)  # let the subprocess poll run
    return timings


def _rotate_command(db_dir: Path, batch: int) -> subprocess.Popen:
    env = {**os.environ, "HELPDESK_SECRET_KEY": "bench-secret-" * 4, "HELPDESK_INDEX_DIR": str(db_dir / "index"),
           "HELPDESK_DATA_DIR": str(db_dir / "data")}
    env.pop("HELPDESK_PERSONAL_KEYS", None)  # the bench keeps its keys in a file, like a single shop
    return subprocess.Popen([sys.executable, "-m", "helpdesk", "keys", "rotate", "--batch", str(batch)], cwd=db_dir,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


async def run(database: Database, db_dir: Path, *, batch: int, warm_seconds: float, seed: int) -> tuple[list[Timings], str, list[str]]:
    from helpdesk.app import create_app

    app = create_app(settings_for(db_dir), database=database)
    codes = _codes(database, 2_000, seed)
    problems: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.local") as client:
        await sign_in(client)
        await _load_pages(client, codes[:50], "warm-up", seconds=2, problems=problems)
        before = await _load_pages(client, codes, "customer page, before rotation", seconds=warm_seconds, problems=problems)
        started = time.perf_counter()
        process = _rotate_command(db_dir, batch)
        during = await _load_pages(client, codes, "customer page, during rotation", until=lambda: process.poll() is not None,
                                   problems=problems)
        wall = time.perf_counter() - started
        output = process.stdout.read() if process.stdout else ""
        if process.returncode:
            raise SystemExit(f"`helpdesk keys rotate` failed ({process.returncode}):\n{output}")
        after = await _load_pages(client, codes, "customer page, after rotation", seconds=warm_seconds, problems=problems)
    return [before, during, after], output + f"(rotation wall time seen from the desk: {wall:.1f} s)", problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rotation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-dir", type=Path, default=Path("bench-data"), help="where the benchmark database lives")
    parser.add_argument("--customers", type=int, default=100_000, help="generate up to this many customers")
    parser.add_argument("--batch", type=int, default=500, help="records per rotation transaction")
    parser.add_argument("--warm-seconds", type=float, default=20.0, help="how long to time pages before and after")
    parser.add_argument("--retire", action="store_true", help="retire the old key afterwards (needs 0 values on it)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    database = prepare(args.db_dir, args.customers, args.seed)
    results, output, problems = asyncio.run(run(database, args.db_dir, batch=args.batch,
                                                warm_seconds=args.warm_seconds, seed=args.seed))
    print(output.strip())
    for timings in results:
        ordered = sorted(timings.millis)
        print(f"{timings.name:<34} n={len(ordered):>6}  median={statistics.median(ordered):6.2f} ms  "
              f"p95={timings.percentile(95):6.2f} ms  p99={timings.percentile(99):7.2f} ms  max={ordered[-1]:8.2f} ms")
    print(f"pages that failed during the run: {len(problems)}" + (f" (first: {problems[0]})" if problems else ""))
    print(f"load average (1 min) on this {os.cpu_count()}-core machine: {os.getloadavg()[0]:.2f}")
    if args.retire:
        from helpdesk.privacy import rotation

        fresh = Database.from_settings(settings_for(args.db_dir))
        old = [key for key in fresh.keyring.key_ids if key != fresh.keyring.writer]
        for key_id in old:
            rotation.retire(fresh, settings_for(args.db_dir), key_id)
            print(f"retired {key_id}")


if __name__ == "__main__":
    main()
