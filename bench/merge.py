"""Benchmark: merging a customer with a long history into another, search index included, and undoing it.

    python -m bench.merge --db-dir /tmp/bench-merge [--entries 1000] [--rounds 3]

Each round makes two fresh customers (the duplicate with `--entries` history entries, a few tickets, claims and
purchases), brings the index up to date, then times the merge itself and the indexer catching up on what moved
(the survivor's search then finds every entry); then the same for the undo. Target: under 2 s for 1,000 entries.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import settings_for


def _customer_with_history(database, entries: int, label: str):
    """A customer with `entries` history entries (bulk, queued for the index), 5 tickets and 5 purchases."""
    from helpdesk import ids
    from helpdesk.customers.models import Customer
    from helpdesk.history import service as history
    from helpdesk.privacy import store as personal
    from helpdesk.sales.models import Purchase
    from helpdesk.tickets.models import Ticket
    from helpdesk.tickets.service import new_ticket_number

    with database.write() as session:
        customer = Customer(code=ids.generate())
        session.add(customer)
        session.flush()
        personal.save(session, personal.PersonalDetails(customer.code, full_name=f"Bench {label}", pin_code="560001"))
        tickets = []
        for n in range(5):
            ticket = Ticket(number=new_ticket_number(session), customer_id=customer.id, subject=f"{label} ticket {n}")
            session.add(ticket)
            session.add(Purchase(order_number=f"B-{customer.code}-{n}", customer_id=customer.id, store="Bench",
                                 purchased_on=date(2026, 1, 1 + n), payment_status="paid", total_paise=100_000))
            tickets.append(ticket)
        session.flush()
        start = datetime(2025, 1, 1, tzinfo=UTC)
        history.insert_many(session.connection(), [
            {"customer_id": customer.id, "ticket_id": tickets[n % 5].id if n % 3 == 0 else None, "kind": "call",
             "channel": "phone", "body": f"{label} benchmark call number {n} about the washing machine",
             "created_at": start + timedelta(minutes=n)} for n in range(entries)])
        session.commit()
        return customer.code


def _catch_up(indexer) -> None:
    while indexer.run_once():
        pass


def run(db_dir: Path, entries: int, rounds: int) -> None:
    from helpdesk import migrate
    from helpdesk.audit.service import SYSTEM
    from helpdesk.customers import merge as merging
    from helpdesk.db import Database
    from helpdesk.search import service as search
    from helpdesk.search.engine import SearchEngine
    from helpdesk.search.indexer import Indexer
    from helpdesk.search.layout import IndexLayout
    from helpdesk.search.rebuild import rebuild
    from helpdesk.search.service import SearchParams

    settings = settings_for(db_dir)
    database = Database.from_settings(settings, create_keys=True)
    migrate.upgrade(database)
    layout = IndexLayout(settings.index_dir)
    rebuild(database, layout)
    indexer = Indexer(database, layout, SearchEngine(layout))
    merge_times, undo_times, merge_cpu = [], [], []
    for round_number in range(rounds):
        survivor = _customer_with_history(database, 10, f"keep{round_number}")
        duplicate = _customer_with_history(database, entries, f"dupe{round_number}")
        _catch_up(indexer)

        started, cpu = time.perf_counter(), time.process_time()
        with database.write() as session:
            outcome = merging.merge_customers(session, survivor_code=survivor, merged_code=duplicate, choices={},
                                              actor=SYSTEM)
        _catch_up(indexer)
        merge_times.append(time.perf_counter() - started)
        # On a shared machine the wall clock includes waiting for the CPU; this process's own CPU time does not.
        merge_cpu.append(time.process_time() - cpu)
        with database.read() as session:
            found = search.search(session, indexer.engine, SearchParams(q=f"dupe{round_number}", customer=survivor))
        assert found.total >= entries, f"the survivor's search finds {found.total} of {entries} entries"

        started = time.perf_counter()
        with database.write() as session:
            merging.undo_merge(session, merge_id=outcome.merge.id, actor=SYSTEM)
        _catch_up(indexer)
        undo_times.append(time.perf_counter() - started)
        print(f"round {round_number + 1}: merge {merge_times[-1]:.2f} s (cpu {merge_cpu[-1]:.2f} s), undo {undo_times[-1]:.2f} s "
              f"({entries:,} entries, index included)")
    print(f"merge of a customer with {entries:,} history entries, index included: "
          f"median {statistics.median(merge_times):.2f} s, max {max(merge_times):.2f} s, "
          f"cpu median {statistics.median(merge_cpu):.2f} s (target < 2 s)")
    print(f"undo: median {statistics.median(undo_times):.2f} s, max {max(undo_times):.2f} s")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-dir", type=Path, required=True, help="where the benchmark's databases and index live")
    parser.add_argument("--entries", type=int, default=1000, help="history entries of the customer merged away")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.db_dir, args.entries, args.rounds)


if __name__ == "__main__":
    main()
