"""Import speed and memory: a generated purchases CSV loaded by the real `helpdesk import purchases`, in a child.

    python -m bench.imports --db-dir DIR [--lines 1000000] [--customers 50000] [--new-lines 200000] [--runs 1]

Makes a fresh database in DIR with a small catalogue and --customers customers (imported from a customers CSV,
whose rate is reported too), then writes a purchases file of --lines lines for those existing customers (orders
of one to three lines) and imports it in a child process, as an operator would: lines per second and the child's
peak RSS (getrusage). Then a file of --new-lines lines whose buyers are new, given by name, phone, e-mail and PIN
code, so the import creates the customers (personal records encrypted) as it goes.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.common import settings_for
from helpdesk import migrate
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.imports.service import run_import
from helpdesk.sales.models import Product

SKUS = [f"BENCH-{n:03d}" for n in range(60)]
STORES = ["Pune Camp", "Koregaon Park", "Online store", "Nashik Road"]
PURCHASE_HEADER = ["order_number", "store", "purchased_on", "customer_id", "full_name", "phone", "email", "pin_code",
                   "sku", "serial_number", "quantity", "unit_price", "tax", "hsn"]


def _phone(rng: random.Random) -> str:
    return f"9{rng.randrange(10**8, 10**9)}"


def _write_catalogue(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "name", "brand", "category", "model_number", "warranty_months", "hsn", "gst_rate"])
        for n, sku in enumerate(SKUS):
            writer.writerow([sku, f"Bench product {n}", "Benchline", "appliance", f"BM-{n:03d}", 12 + n % 3 * 12,
                             "8516", "18"])


def _write_customers(path: Path, how_many: int, rng: random.Random) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["full_name", "phone", "email", "city", "pin_code"])
        for n in range(how_many):
            writer.writerow([f"Customer {n}", _phone(rng), f"c{n}@bench.example.in", "Pune", f"4110{n % 90 + 10}"])


def _write_purchases(path: Path, lines: int, rng: random.Random, *, codes: list[str] | None, prefix: str) -> int:
    """Orders of one to three lines until `lines` lines; buyers are existing codes, or new people (one in three
    orders by someone already seen in the file)."""
    written = order = 0
    people: list[tuple[str, str, str]] = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PURCHASE_HEADER)
        while written < lines:
            order += 1
            day = f"20{rng.randrange(19, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            store = rng.choice(STORES)
            if codes is not None:
                buyer = [rng.choice(codes), "", "", "", ""]
            else:
                if people and rng.random() < 0.33:
                    name, phone, email = rng.choice(people)
                else:
                    name, phone, email = f"New buyer {order}", _phone(rng), f"b{order}@{prefix}.example.in"
                    people.append((name, phone, email))
                buyer = ["", name, phone, email, f"4110{order % 90 + 10}"]
            for line in range(min(rng.randrange(1, 4), lines - written)):
                price = rng.randrange(200, 90_000)
                writer.writerow([f"{prefix}-{order:08d}", store if line == 0 else "", day if line == 0 else "",
                                 *(buyer if line == 0 else [""] * 5), rng.choice(SKUS), f"SN{order}-{line}",
                                 rng.randrange(1, 3), f"{price}.00", f"{price * 18 / 118:.2f}", "8516"])
                written += 1
    return written


def _import_in_child(settings, kind: str, path: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `helpdesk import` in its own process.

    On a shared machine the wall clock includes waiting for other processes' turns; the CPU time does not."""
    env = dict(os.environ, HELPDESK_DATABASE_URL=settings.database_url,
               HELPDESK_PERSONAL_DATABASE_URL=settings.personal_database_url, HELPDESK_SECRET_KEY=settings.secret_key,
               HELPDESK_DATA_DIR=str(settings.data_dir), HELPDESK_INDEX_DIR=str(settings.index_dir))
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: exec the real command, so its rusage is its own
        os.execvpe(sys.executable, [sys.executable, "-c", "from helpdesk.cli import main; main()", "import", kind,
                                    str(path), "--quiet"], env)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"the import exited with status {status}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-dir", type=Path, required=True, help="Made afresh (its contents are removed).")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--new-lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1, help="Existing-customer imports, each into a fresh copy.")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.db_dir, ignore_errors=True)
    settings = settings_for(args.db_dir)
    database = Database.from_settings(settings, create_keys=True)
    migrate.upgrade(database)

    _write_catalogue(args.db_dir / "catalogue.csv")
    run_import(database, "products", args.db_dir / "catalogue.csv")
    _write_customers(args.db_dir / "customers.csv", args.customers, rng)
    summary = run_import(database, "customers", args.db_dir / "customers.csv")
    print(f"customers file: {summary}")
    with database.read() as session:
        codes = list(session.execute(select(Customer.code)).scalars())
        assert session.execute(select(func.count()).select_from(Product)).scalar() == len(SKUS)

    rates = []
    for run in range(args.runs):
        path = args.db_dir / f"purchases-{run}.csv"
        lines = _write_purchases(path, args.lines, rng, codes=codes, prefix=f"R{run}")
        seconds, cpu, rss = _import_in_child(settings, "purchases", path)
        rates.append(lines / seconds)
        print(f"existing customers, run {run + 1}: {lines:,} lines in {seconds:.1f} s = {lines / seconds:,.0f} lines/s "
              f"(CPU {cpu:.1f} s = {lines / cpu:,.0f} lines per CPU-second; process start included), "
              f"peak RSS {rss:.0f} MB, file {path.stat().st_size / 1e6:.0f} MB")
        path.unlink()
    if len(rates) > 1:
        print(f"existing customers: median {statistics.median(rates):,.0f} lines/s over {len(rates)} runs")

    if args.new_lines:
        path = args.db_dir / "purchases-new.csv"
        lines = _write_purchases(path, args.new_lines, rng, codes=None, prefix="NEW")
        seconds, cpu, rss = _import_in_child(settings, "purchases", path)
        print(f"new customers: {lines:,} lines in {seconds:.1f} s = {lines / seconds:,.0f} lines/s "
              f"(CPU {cpu:.1f} s = {lines / cpu:,.0f} lines per CPU-second), peak RSS {rss:.0f} MB")
    database.dispose()


if __name__ == "__main__":
    main()
