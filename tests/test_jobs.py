"""Job leases: one runner per job kind across processes; a dead runner's lease runs out and another takes over."""

from __future__ import annotations

import threading
from datetime import timedelta

from helpdesk import jobs
from helpdesk.timeutil import utcnow


def test_one_holder_at_a_time_and_takeover_after_expiry(db):
    name = f"test-job-{threading.get_ident()}"
    assert jobs.take(db, name, for_=timedelta(minutes=1), holder="machine-a")
    assert not jobs.take(db, name, for_=timedelta(minutes=1), holder="machine-b")
    assert jobs.take(db, name, for_=timedelta(minutes=1), holder="machine-a")  # renewal
    assert jobs.holder_of(db, name) == "machine-a"
    later = utcnow() + timedelta(minutes=2)  # machine-a died and its lease ran out
    assert jobs.take(db, name, for_=timedelta(minutes=1), holder="machine-b", now=later)
    jobs.release(db, name, holder="machine-a")  # a stale holder cannot release what it lost
    assert not jobs.take(db, name, for_=timedelta(minutes=1), holder="machine-a", now=later)
    jobs.release(db, name, holder="machine-b")
    assert jobs.holder_of(db, name) is None


def test_simultaneous_takers_get_one_lease(db):
    name = f"test-race-{threading.get_ident()}"
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def take(holder: str) -> None:
        barrier.wait()
        results.append(jobs.take(db, name, for_=timedelta(minutes=1), holder=holder))

    threads = [threading.Thread(target=take, args=(f"process-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
