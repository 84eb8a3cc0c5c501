"""A real `helpdesk import purchases` killed half-way, then run again: exactly the file's rows, none twice, none lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpdesk.customers.models import Customer
from helpdesk.imports.service import run_import
from tests.conftest import TEST_KEYS
from tests.imports.conftest import codes_for_phone, count, new_phone, purchases_of, write_csv

HEADER = ["order_number", "store", "purchased_on", "full_name", "phone", "sku", "serial_number", "quantity",
          "unit_price"]
ORDERS = 1_500
PEOPLE = 500


def _expected(tag: str) -> tuple[list[list[str]], dict[str, list[tuple]], list[str]]:
    phones = [new_phone() for _ in range(PEOPLE)]
    rows, orders = [], {}
    for number in range(ORDERS):
        order = f"{tag}-{number:05d}"
        lines = [(f"{tag}-TV" if line % 2 == 0 else f"{tag}-AC", f"SN{number}-{line}", 1 + line, 100 * (number + 1))
                 for line in range(1 + number % 3)]
        orders[order] = lines
        # Each person buys three times, far apart in the file: later purchases find the customer an earlier batch made.
        phone = phones[number % PEOPLE]
        for sku, serial, quantity, price in lines:
            rows.append([order, "Pune Camp", f"2023-{1 + number % 12:02d}-{1 + number % 28:02d}", f"Person {phone[-4:]}",
                         phone, sku, serial, str(quantity), f"{price}.00"])
    return rows, {order: [(sku, serial, q, p * 100) for sku, serial, q, p in lines] for order, lines in orders.items()}, phones


def _cli_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HELPDESK_DATABASE_URL": settings.database_url,
                "HELPDESK_PERSONAL_DATABASE_URL": settings.personal_database_url,
                "HELPDESK_PERSONAL_KEYS": TEST_KEYS, "HELPDESK_SECRET_KEY": settings.secret_key,
                "HELPDESK_INDEX_DIR": str(settings.index_dir), "HELPDESK_DATA_DIR": str(settings.data_dir)})
    return env


def test_an_import_killed_half_way_finishes_exactly_on_a_rerun(db, settings, catalogue, tag, tmp_path):
    rows, expected, phones = _expected(tag)
    path = write_csv(tmp_path / "history.csv", HEADER, rows)
    command = [sys.executable, "-c", "from helpdesk.cli import main; main()", "import", "purchases", str(path),
               "--batch", "100", "--quiet"]
    child = subprocess.Popen(command, env=_cli_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        # Kill it as soon as some batches are committed, like a power cut would.
        while len(purchases_of(db, tag)) < 100 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the import finished before it could be killed"

    partial = purchases_of(db, tag)
    assert 0 < len(partial) < ORDERS
    # Every purchase written so far is whole: batches never split a purchase's lines.
    assert all(order["lines"] == expected[number] for number, order in partial.items())

    summary = run_import(db, "purchases", path)

    stored = purchases_of(db, tag)
    assert {number: order["lines"] for number, order in stored.items()} == expected
    assert summary.rejected == 0
    assert summary.skipped == sum(len(order["lines"]) for order in partial.values())
    assert summary.skipped + summary.imported == len(rows)
    # One customer per person, whichever run or batch created them, and each owns exactly their three purchases.
    codes = [codes_for_phone(db, phone) for phone in phones]
    assert all(len(found) == 1 for found in codes)
    assert len({found[0] for found in codes}) == PEOPLE
    assert count(db, Customer, Customer.code.in_([found[0] for found in codes])) == PEOPLE
    owners: dict[str, int] = {}
    for order in stored.values():
        owners[order["code"]] = owners.get(order["code"], 0) + 1
    assert set(owners.values()) == {ORDERS // PEOPLE}

    again = run_import(db, "purchases", path)
    assert (again.imported, again.skipped, again.rejected) == (0, len(rows), 0)
