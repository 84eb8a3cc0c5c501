"""Benchmarks through the whole ASGI stack.

    python -m bench.desk customer-view --db-dir DIR   # the customer page, timeline paging, lookups
    python -m bench.desk tickets --db-dir DIR         # the ticket page and the queues, for an agent with 1,000 open tickets
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.common import BENCH_EMAIL, QueryCounter, Timings, prepare, settings_for, sign_in, time_requests
from helpdesk.db import Database

def _sample(database: Database, how_many: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """Random customers, the heaviest customers (longest histories) and random phone numbers."""
    from helpdesk.customers.models import Customer
    from helpdesk.privacy import store as personal
    from helpdesk.history.models import Interaction

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
        phones = [record.phone for record in personal.read_many(session, codes[: how_many // 2]).values()]
    rng.shuffle(codes)
    return codes, heavy, [p for p in phones if p]


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

    app = create_app(settings_for(db_dir), database=database)
    counter = QueryCounter(database)
    codes, heavy, phone_numbers = _sample(database, requests, seed)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        await sign_in(client)
        # Warm-up: first requests compile templates and fill the statement cache.
        await time_requests(client, counter, "warm-up", [f"/customers/{c}" for c in codes[:50]], 200)
        results = [
            await time_requests(client, counter, "customer page (random customers)", [f"/customers/{c}" for c in codes], 200),
            await time_requests(client, counter, "customer page (5 heaviest, x20)", [f"/customers/{c}" for c in heavy] * 20, 200),
            await time_requests(client, counter, "timeline 'load more' (heaviest)", await _timeline_urls(client, heavy) * 20, 200,
                        headers={"HX-Request": "true"}),
            await time_requests(client, counter, "JSON view (5 heaviest, x20)", [f"/api/customers/{c}" for c in heavy] * 20, 200),
            await time_requests(client, counter, "lookup by phone (/lookup?q=)", [f"/lookup?q={p[3:]}" for p in phone_numbers], (303, 200)),
            await time_requests(client, counter, "screen-pop API (/api/lookup)", [f"/api/lookup?phone=%2B{p[1:]}" for p in phone_numbers], 200),
        ]
    return results


# --- tickets: the ticket page and the queues ------------------------------------------------------

BENCH_OPEN_TICKETS = 1_000
# Demo threads are short (a dozen entries at most); these give a few of the bench agent's tickets long ones, so
# the run shows whether a page's cost or query count follows the thread's length. Kept under the heaviest
# customer's history, so the customer-view benchmark's "heaviest customers" stay the same.
LONG_THREADS = (50, 500, 2_000)
LONG_THREAD_BODY = "Bench thread entry {index}: customer called again about the compressor noise; " + "details " * 12
TARGET_MEDIAN_MS = 10.0
TARGET_P99_MS = 25.0


def _bench_agent_id(database: Database) -> int:
    from helpdesk.auth.models import Agent

    with database.read() as session:
        return session.exec(select(Agent.id).where(Agent.email == BENCH_EMAIL)).one()[0]


def ensure_bench_tickets(database: Database, agent_id: int, want: int, seed: int) -> int:
    """Give the bench agent `want` open tickets: unassigned open ones first, new ones through the service if short.

    Idempotent: a rerun finds the tickets already assigned and changes nothing.
    """
    from sqlalchemy import update

    from helpdesk.customers.models import Customer
    from helpdesk.tickets import service
    from helpdesk.tickets.models import (
        OPEN_STATUSES,
        Priority,
        Ticket,
        TicketChannel,
        TicketCreate,
    )

    def mine(session) -> int:
        return session.exec(select(func.count()).select_from(Ticket).where(
            Ticket.assignee_id == agent_id, Ticket.status.in_(OPEN_STATUSES))).one()[0]

    def assign_unassigned(session, how_many: int) -> int:
        ids = list(session.exec(select(Ticket.id).where(Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATUSES))
                                .order_by(Ticket.id).limit(how_many)).scalars())
        if ids:
            session.execute(update(Ticket).where(Ticket.id.in_(ids)).values(assignee_id=agent_id, version=Ticket.version + 1),
                            execution_options={"synchronize_session": False})
            session.commit()
        return len(ids)

    with database.write() as session:
        have = mine(session)
        if have < want:
            assigned = assign_unassigned(session, want - have)
            print(f"assigned {assigned:,} unassigned open tickets to the bench agent")
            have += assigned
    missing = want - have
    if missing > 0:
        print(f"opening {missing:,} tickets through the service for the bench agent ...")
        rng = random.Random(seed)
        priorities, channels = list(Priority), list(TicketChannel)
        with database.read() as session:
            max_id = session.exec(select(func.max(Customer.id))).one()[0]
        opened = 0
        serial = 0
        while opened < missing:
            serial += 1
            with database.write() as session:
                customer = session.get(Customer, rng.randint(1, max_id))
                if customer is None:
                    continue
                # The key makes a rerun after an interruption reuse what it already opened.
                data = TicketCreate(subject=f"Bench ticket {serial}: appliance fault", body="Opened by the benchmark.",
                                    priority=rng.choice(priorities), channel=rng.choice(channels),
                                    idempotency_key=f"bench-ticket-{serial}")
                ticket = service.open_ticket(session, customer=customer, data=data, agent_id=agent_id)
                if ticket.assignee_id is None and ticket.status in OPEN_STATUSES:
                    session.execute(update(Ticket).where(Ticket.id == ticket.id)
                                    .values(assignee_id=agent_id, version=Ticket.version + 1),
                                    execution_options={"synchronize_session": False})
                    session.commit()
                    opened += 1
        with database.read() as session:
            have = mine(session)
    return have


def ensure_long_threads(database: Database, agent_id: int, sizes: tuple[int, ...]) -> None:
    """Top up the threads of the bench agent's first few open tickets to `sizes` entries (idempotent)."""
    from helpdesk.history import service as history
    from helpdesk.history.models import Interaction, InteractionKind
    from helpdesk.tickets.models import OPEN_STATUSES, Ticket
    from helpdesk.timeutil import utcnow

    kinds = (InteractionKind.REPLY, InteractionKind.NOTE, InteractionKind.CALL, InteractionKind.EMAIL)
    with database.write() as session:
        targets = session.exec(select(Ticket.id, Ticket.customer_id, Ticket.channel).where(
            Ticket.assignee_id == agent_id, Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id).limit(len(sizes))).all()
        now = utcnow()
        for (ticket_id, customer_id, channel), size in zip(targets, sizes):
            have = session.exec(select(func.count()).select_from(Interaction).where(Interaction.ticket_id == ticket_id)).one()[0]
            missing = size - have
            if missing <= 0:
                continue
            history.insert_many(session.connection(), [
                {"customer_id": customer_id, "ticket_id": ticket_id,
                 "kind": kinds[index % len(kinds)], "channel": channel, "author_id": agent_id,
                 "body": LONG_THREAD_BODY.format(index=index), "created_at": now - timedelta(seconds=missing - index)}
                for index in range(missing)
            ])
            print(f"ticket id {ticket_id}: thread topped up from {have:,} to {size:,} entries")
        session.commit()


@dataclass
class TicketSample:
    random_numbers: list[str]
    longest: list[tuple[str, int]]  # (number, thread length), longest first


def _ticket_sample(database: Database, how_many: int, seed: int) -> TicketSample:
    from helpdesk.history.models import Interaction
    from helpdesk.tickets.models import Ticket

    rng = random.Random(seed)
    with database.read() as session:
        max_id = session.exec(select(func.max(Ticket.id))).one()[0]
        wanted = [rng.randint(1, max_id) for _ in range(how_many)]
        numbers = dict(session.exec(select(Ticket.id, Ticket.number).where(Ticket.id.in_(set(wanted)))).all())
        longest_ids = session.exec(
            select(Interaction.ticket_id, func.count()).where(Interaction.ticket_id.is_not(None))
            .group_by(Interaction.ticket_id).order_by(func.count().desc()).limit(5)
        ).all()
        longest_numbers = dict(session.exec(select(Ticket.id, Ticket.number).where(
            Ticket.id.in_([ticket_id for ticket_id, _ in longest_ids]))).all())
    return TicketSample(
        random_numbers=[numbers[ticket_id] for ticket_id in wanted if ticket_id in numbers],
        longest=[(longest_numbers[ticket_id], length) for ticket_id, length in longest_ids],
    )


async def _last_page(client: httpx.AsyncClient, query: str) -> int:
    response = await client.get(f"/api/tickets?{query}")
    if response.status_code != 200:
        raise SystemExit(f"/api/tickets?{query} answered {response.status_code}: {response.text[:200]}")
    return response.json()["pages"]


QUEUES = (
    ("mine, by due", "view=mine&sort=due"),
    ("mine, by activity", "view=mine&sort=activity"),
    ("unassigned", "view=unassigned"),
    ("all open", "view=open"),
    ("SLA breaching/breached", "view=sla"),
    ("solved", "view=solved"),
)


async def tickets_bench(database: Database, db_dir: Path, requests: int, seed: int) -> list[Timings]:
    """Time the ticket page (random tickets, longest threads) and every queue (page 1 and the last page)."""
    from helpdesk.app import create_app

    app = create_app(settings_for(db_dir), database=database)
    counter = QueryCounter(database)
    sample = _ticket_sample(database, requests, seed)
    print("longest threads: " + ", ".join(f"{number} ({length:,} entries)" for number, length in sample.longest))
    per_queue = max(50, requests // 10)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        await sign_in(client)
        await time_requests(client, counter, "warm-up", [f"/tickets/{n}" for n in sample.random_numbers[:50]]
                    + [f"/tickets?{query}" for _, query in QUEUES] * 5, 200)
        longest_urls = [f"/tickets/{number}" for number, _ in sample.longest]
        results = [
            await time_requests(client, counter, "ticket page (random tickets)", [f"/tickets/{n}" for n in sample.random_numbers], 200),
            await time_requests(client, counter, "ticket page (5 longest threads, x40)", longest_urls * 40, 200),
            await time_requests(client, counter, "ticket JSON (5 longest threads, x40)",
                        [f"/api/tickets/{number}" for number, _ in sample.longest] * 40, 200),
            await time_requests(client, counter, "earlier thread entries (longest)",
                        await _earlier_urls(client, [number for number, _ in sample.longest]) * 40, 200,
                        headers={"HX-Request": "true"}),
        ]
        for label, query in QUEUES:
            last = await _last_page(client, query)
            results.append(await time_requests(client, counter, f"queue {label} p1", [f"/tickets?{query}"] * per_queue, 200))
            results.append(await time_requests(client, counter, f"queue {label} p{last} (last)",
                                       [f"/tickets?{query}&page={last}"] * per_queue, 200))
        results.append(await time_requests(client, counter, "queue filter swap (HTMX, mine+urgent)",
                                   ["/tickets?view=mine&priority=urgent&sort=due"] * per_queue, 200,
                                   headers={"HX-Request": "true"}))
    return results


async def _earlier_urls(client: httpx.AsyncClient, numbers: list[str]) -> list[str]:
    """The "earlier entries" link of each long thread, as the ticket page offers it."""
    urls = []
    for number in numbers:
        cursor = (await client.get(f"/api/tickets/{number}")).json()["earlier_cursor"]
        if cursor:
            urls.append(f"/tickets/{number}/thread?cursor={cursor}")
    return urls


def _database_size(database: Database) -> tuple[int, int]:
    from helpdesk.customers.models import Customer
    from helpdesk.history.models import Interaction

    with database.read() as session:
        customers = session.exec(select(func.count()).select_from(Customer)).one()[0]
        interactions = session.exec(select(func.count()).select_from(Interaction)).one()[0]
    return customers, interactions


def _verdicts(results: list[Timings]) -> list[str]:
    def verdict(values: list[float]) -> str:
        median, p99 = statistics.median(values), sorted(values)[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
        missed = [what for what, value, limit in (("median", median, TARGET_MEDIAN_MS), ("p99", p99, TARGET_P99_MS))
                  if value > limit]
        return "MISSED " + "+".join(missed) if missed else "ok"

    lines = [f"  {'wall clock':<20} {'cpu time':<20} what"]
    for timings in results:
        lines.append(f"  {verdict(timings.millis):<20} {verdict(timings.cpu_millis):<20} {timings.name}")
    pages = {timings.name: timings for timings in results if timings.name.startswith("ticket page")}
    counts = sorted({count for timings in pages.values() for count in timings.queries})
    same = len(counts) == 1
    lines.append(f"  {'ok' if same else 'MISSED':<41} ticket page queries per request independent of thread length: "
                 f"{counts[0] if same else counts}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.desk", description=__doc__)
    parser.add_argument("what", choices=["customer-view", "tickets"])
    parser.add_argument("--db-dir", type=Path, default=Path("bench-data"), help="where the benchmark database lives")
    parser.add_argument("--customers", type=int, default=100_000, help="generate up to this many customers")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--open-tickets", type=int, default=BENCH_OPEN_TICKETS,
                        help="tickets: how many open tickets the bench agent works (assigned or opened as needed)")
    args = parser.parse_args(argv)
    # Per-request log lines would dominate what we measure.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    database = prepare(args.db_dir, args.customers, args.seed)
    if args.what == "customer-view":
        for timings in asyncio.run(customer_view(database, args.db_dir, args.requests, args.seed)):
            print(timings.report())
        return
    customers, interactions = _database_size(database)
    agent_id = _bench_agent_id(database)
    mine = ensure_bench_tickets(database, agent_id, args.open_tickets, args.seed)
    ensure_long_threads(database, agent_id, LONG_THREADS)
    print(f"database: {customers:,} customers, {interactions:,} interactions; the bench agent has {mine:,} open tickets")
    load_before = os.getloadavg()[0]
    results = asyncio.run(tickets_bench(database, args.db_dir, args.requests, args.seed))
    for timings in results:
        print(timings.report())
    print(f"load average (1 min) on this {os.cpu_count()}-core machine: {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; above the core count, wall-clock figures include waiting for other work")
    print(f"targets: median <= {TARGET_MEDIAN_MS:g} ms, p99 <= {TARGET_P99_MS:g} ms")
    print("\n".join(_verdicts(results)))


if __name__ == "__main__":
    main()
