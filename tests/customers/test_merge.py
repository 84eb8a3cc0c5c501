"""Merging a duplicate into a survivor and undoing it: every row and search document follows, the old ID leads to
the survivor, and an undo gives both customers back exactly what they had."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update

from helpdesk.audit.service import Actor
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers import duplicates, merge as merging
from helpdesk.customers.errors import MergeRefused
from helpdesk.customers.models import Customer, CustomerMerge, CustomerNote, DuplicateCandidate
from helpdesk.history.models import Interaction
from helpdesk.privacy import erasure
from helpdesk.privacy import store as personal
from helpdesk.sales.models import Purchase
from helpdesk.search import service as search
from helpdesk.search.indexer import Indexer
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.search.service import SearchParams
from helpdesk.tickets.models import Ticket
from tests import factories
from tests.conftest import parse
from tests.customers.people import person, post_form, unique_email, unique_phone
from tests.search.conftest import build_index, client_for, make_agent, store  # noqa: F401  (fixtures)

MERGE = "/customers/merge"
# The merge and its undo write an entry in both histories; they are the record of it, not the customers' own rows.
MERGE_EVENTS = ("Customers merged", "Merge undone")


@pytest.fixture(scope="module")
def indexer(store, tmp_path_factory) -> Indexer:
    layout, engine = build_index(store.db, tmp_path_factory.mktemp("merge-index"))
    return Indexer(store.db, layout, engine)


@pytest.fixture(scope="module")
def boss(store):
    return factories.agent(store.db, f"merge.boss.{secrets.token_hex(3)}@helpdesk.local", role="supervisor",
                           name="Merge Boss")


def _pair(store, word: str):
    """Two customers, each with a purchase, a ticket with a claim, and history entries holding a word of their own."""
    db = store.db
    washer = factories.product(db, name="Washer 8 kg", model_number=f"WM-{word[:4].upper()}", warranty_months=24)
    made = []
    for label, points, note in (("keep", 100, "Calls after 6 pm"), ("dupe", 40, None)):
        customer = person(db, name=f"Merge {label.title()} {word}", phone=unique_phone(), email=unique_email(label),
                          pin_code="411001", loyalty_points=points)
        bought = factories.purchase(db, customer, on=date(2026, 3, 1), lines=[(washer, f"SN-{label}-{word}", 3_000_000)])
        ticket = factories.ticket(db, customer, subject=f"{label}{word} drum noise")
        claim = factories.claim(db, customer, factories.line_of(db, bought), description=f"{label}{word} drum cracked")
        with db.write() as session:  # the factories write through the ORM; the app's services queue these
            record_change(session, DocType.TICKET, ticket.id)
            record_change(session, DocType.CLAIM, claim.id)
            session.commit()
        factories.interactions(db, customer, [f"{label}{word} called about the drum", f"{label}{word} second call"],
                               start=factories.datetime(2026, 3, 2, tzinfo=factories.UTC), ticket_id=ticket.id)
        if note:
            with db.write() as session:
                session.add(CustomerNote(customer_id=customer.id, text=note))
                session.commit()
        made.append(customer)
    return made


def _counts(store, customer_id: int) -> dict[str, int]:
    with store.db.read() as session:
        counts = {table.__name__: session.execute(select(func.count()).select_from(table)
                                                  .where(table.customer_id == customer_id)).scalar_one()
                  for table in (Purchase, Ticket, WarrantyClaim)}
        counts["Interaction"] = session.execute(select(func.count()).select_from(Interaction).where(
            Interaction.customer_id == customer_id, Interaction.summary.not_in(MERGE_EVENTS))).scalar_one()
        customer = session.get(Customer, customer_id)
        counts["points"] = customer.loyalty_points
        counts["note"] = session.get(CustomerNote, customer_id) is not None
    return counts


def _found_under(store, indexer, word: str, code: str) -> set[str]:
    """The documents holding `word` that search files under this customer, once the indexer has caught up."""
    while indexer.run_once():
        pass
    with store.db.read() as session:
        results = search.search(session, indexer.engine, SearchParams(q=word, customer=code))
    assert not results.problems
    return {hit.key for hit in results.hits}


def _merge(client, keep, dupe, **choices):
    page = f"{MERGE}?first={keep.code}&second={dupe.code}"
    return post_form(client, page, MERGE, {"first": keep.code, "second": dupe.code, "survivor": keep.code, **choices})


def _candidate_status(store, first, second) -> str | None:
    low, high = sorted((first.id, second.id))
    with store.db.read() as session:
        return session.execute(select(DuplicateCandidate.status).where(
            DuplicateCandidate.first_id == low, DuplicateCandidate.second_id == high)).scalar()


def test_merge_moves_everything_and_undo_restores_both_exactly(store, indexer, boss, client_for):
    keep, dupe = _pair(store, "zebra")
    with store.db.write() as session:  # same name (bar a word) and PIN code: a candidate pair
        personal.update(session, dupe.code, full_name="Merge Keep zebra")
        duplicates.flag_new_customer(session, dupe.id)
        session.commit()
    assert _candidate_status(store, keep, dupe) == "open"
    client = client_for(store, boss)
    before = {c.code: _counts(store, c.id) for c in (keep, dupe)}
    with store.db.read() as session:
        records = personal.read_many(session, [keep.code, dupe.code])
    dupe_docs = _found_under(store, indexer, "dupezebra", dupe.code)
    assert len(dupe_docs) == 4 and not _found_under(store, indexer, "dupezebra", keep.code)  # ticket, claim, 2 entries

    compare = parse(client.get(f"{MERGE}?first={keep.code}&second={dupe.code}").text)
    assert {i.attributes["name"] for i in compare.css("input[type=radio]")} >= {"survivor", "keep_phone", "keep_email"}
    response = _merge(client, keep, dupe, keep_phone=dupe.code)
    assert response.status_code == 303 and response.headers["location"].startswith("/customers/merges/")
    merge_page = response.headers["location"]

    after = _counts(store, keep.id)
    for kind in ("Purchase", "Ticket", "WarrantyClaim", "Interaction"):
        assert after[kind] == before[keep.code][kind] + before[dupe.code][kind]
        assert _counts(store, dupe.id)[kind] == 0
    assert after["points"] == 140 and after["note"]
    assert _found_under(store, indexer, "dupezebra", keep.code) == dupe_docs
    assert not _found_under(store, indexer, "dupezebra", dupe.code)
    assert _candidate_status(store, keep, dupe) == "merged"
    with store.db.read() as session:
        merged_details = personal.read(session, keep.code)
        assert personal.read(session, dupe.code) is None
    assert merged_details.phone == records[dupe.code].phone and merged_details.email == records[keep.code].email

    # The old ID leads to the survivor: the page, the lookup box and the API.
    old = client.get(f"/customers/{dupe.code}", follow_redirects=False)
    assert old.status_code == 303 and old.headers["location"] == f"/customers/{keep.code}?merged_from={dupe.code}"
    shown = parse(client.get(old.headers["location"]).text)
    assert "merged into this customer" in shown.css_first("#merged-note").text()
    looked_up = client.get(f"/lookup?q={quote(dupe.code)}")
    assert looked_up.url.path == f"/customers/{keep.code}" and parse(looked_up.text).css_first("#merged-note")
    api = client.get(f"/api/customers/{dupe.code}").json()
    assert api["profile"]["customer_id"] == keep.code and "was merged into" in api["merged_note"]
    assert client.get(f"/api/lookup?phone={quote(records[dupe.code].phone)}").json()[0]["customer_id"] == keep.code
    assert merge_page in client.get("/customers/duplicates").text

    undone = post_form(client, merge_page, f"{merge_page}/undo", {})
    assert undone.status_code == 200 and parse(undone.text).css_first("#merge-notice")
    for customer in (keep, dupe):
        assert _counts(store, customer.id) == before[customer.code]
    with store.db.read() as session:
        assert personal.read_many(session, [keep.code, dupe.code]) == records
        assert personal.read_merge_snapshot(session, int(merge_page.rsplit("/", 1)[1])) is None
    assert _found_under(store, indexer, "dupezebra", dupe.code) == dupe_docs
    assert not _found_under(store, indexer, "dupezebra", keep.code)
    assert client.get(f"/customers/{dupe.code}", follow_redirects=False).status_code == 200
    assert _candidate_status(store, keep, dupe) == "open"  # back in the queue
    again = post_form(client, merge_page, f"{merge_page}/undo", {})
    assert again.status_code == 409 and "already undone" in parse(again.text).css_first("#undo-error").text()


def test_refusals(store, boss, client_for):
    keep, dupe = _pair(store, "yak")
    third = person(store.db, name="Third Party", phone=unique_phone())
    client = client_for(store, boss)
    itself = post_form(client, MERGE, MERGE, {"first": keep.code, "second": keep.code, "survivor": keep.code})
    assert itself.status_code in (400, 409) and "themselves" in parse(itself.text).css_first("#merge-error").text()
    no_choice = post_form(client, MERGE, MERGE, {"first": keep.code, "second": dupe.code})
    assert no_choice.status_code == 400 and parse(no_choice.text).css_first("#merge-error")
    assert client.get(f"{MERGE}?first=12345&second={dupe.code}").status_code == 400
    assert _merge(client, keep, dupe).status_code == 303
    already = _merge(client, third, dupe)
    assert already.status_code == 409 and "already merged into" in parse(already.text).css_first("#merge-error").text()

    agent = make_agent(store.db, "Plain Agent")
    plain = client_for(store, agent)
    assert plain.get(f"{MERGE}?first={keep.code}&second={third.code}").status_code == 403
    token = parse(plain.get("/").text).css_first("input[name=_csrf_token]")
    assert plain.post(MERGE, data={"_csrf_token": token.attributes["value"] if token else ""},
                      follow_redirects=False).status_code == 403
    assert client.get("/customers/merges/999999999").status_code == 404


def test_undo_is_refused_after_30_days_and_when_something_since_prevents_an_exact_restore(store, boss, client_for):
    actor = Actor.agent(boss)
    keep, dupe = _pair(store, "gnu")
    with store.db.write() as session:
        outcome = merging.merge_customers(session, survivor_code=keep.code, merged_code=dupe.code, choices={}, actor=actor)
    merge_id = outcome.merge.id
    with store.db.write() as session:
        late = outcome.merge.merged_at + timedelta(days=31)
        with pytest.raises(MergeRefused, match="30 days"):
            merging.undo_merge(session, merge_id=merge_id, actor=actor, now=late)
    # A ticket that moved was since moved on to someone else: the undo says so instead of restoring half.
    other = person(store.db, name="Someone Else", phone=unique_phone())
    with store.db.write() as session:
        moved_ticket = session.execute(select(CustomerMerge.moved).where(CustomerMerge.id == merge_id)).scalar_one()
        ticket_id = json.loads(moved_ticket)["ticket"][0]
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(customer_id=other.id))
        session.commit()
    client = client_for(store, boss)
    page = f"/customers/merges/{merge_id}"
    assert "no longer belong" in parse(client.get(page).text).css_first("#undo-problems").text()
    refused = post_form(client, page, f"{page}/undo", {})
    assert refused.status_code == 409 and "1 of the 1 tickets" in parse(refused.text).css_first("#undo-error").text()


def test_erasing_either_customer_clears_the_merge_snapshot(store, boss):
    actor = Actor.agent(boss)
    keep, dupe = _pair(store, "okapi")
    with store.db.write() as session:
        outcome = merging.merge_customers(session, survivor_code=keep.code, merged_code=dupe.code, choices={}, actor=actor)
    with store.db.read() as session:
        assert set(personal.read_merge_snapshot(session, outcome.merge.id)) == {keep.code, dupe.code}
    with store.db.write() as session:
        session.execute(update(Ticket).where(Ticket.customer_id == keep.id).values(status="closed"))
        session.execute(update(WarrantyClaim).where(WarrantyClaim.customer_id == keep.id).values(status="closed"))
        session.commit()
        erasure.erase_customer(session, actor=actor, code=keep.code,
                               request=erasure.ErasureRequest(confirm=keep.code, reason="Customer asked", override=True,
                                                              override_reason="test"))
    with store.db.write() as session:
        assert personal.read_merge_snapshot(session, outcome.merge.id) is None
        with pytest.raises(MergeRefused, match="erased"):
            merging.undo_merge(session, merge_id=outcome.merge.id, actor=actor)


def test_work_for_a_merged_id_goes_to_the_survivor_or_is_refused_with_its_id(store, boss, client_for):
    keep, dupe = _pair(store, "ibex")
    with store.db.write() as session:
        merging.merge_customers(session, survivor_code=keep.code, merged_code=dupe.code, choices={},
                                actor=Actor.agent(boss))
    client = client_for(store, make_agent(store.db, "Late Agent"))
    page = f"/customers/{keep.code}"
    form = client.get(f"/customers/{dupe.code}/call-form", follow_redirects=False)
    assert form.status_code == 307 and form.headers["location"] == f"{page}/call-form"
    logged = post_form(client, page, f"/customers/{dupe.code}/calls", {"summary": "Stale tab", "outcome": "resolved"})
    assert logged.status_code == 307 and logged.headers["location"] == f"{page}/calls"
    api = client.post("/api/tickets", json={"customer_id": dupe.code, "subject": "Via old ID", "body": "x",
                                            "channel": "phone", "priority": "normal"},
                      headers={"x-csrftoken": parse(client.get(page).text).css_first("input[name=_csrf_token]")
                               .attributes["value"]})
    assert api.status_code == 409 and api.json()["merged_into"] == keep.code
    with store.db.read() as session:
        assert _counts(store, dupe.id)["Ticket"] == 0


def test_snapshots_of_merges_past_their_undo_window_are_dropped(store, boss):
    actor = Actor.agent(boss)
    keep, dupe = _pair(store, "eland")
    with store.db.write() as session:
        old = merging.merge_customers(session, survivor_code=keep.code, merged_code=dupe.code, choices={}, actor=actor)
    with store.db.write() as session:
        session.execute(update(CustomerMerge).where(CustomerMerge.id == old.merge.id)
                        .values(merged_at=old.merge.merged_at - timedelta(days=31)))
        session.commit()
    other_keep, other_dupe = _pair(store, "hyrax")
    with store.db.write() as session:
        merging.merge_customers(session, survivor_code=other_keep.code, merged_code=other_dupe.code, choices={},
                                actor=actor)
    with store.db.read() as session:
        assert personal.read_merge_snapshot(session, old.merge.id) is None


def test_two_supervisors_merging_a_pair_both_ways_at_once_merge_it_once(store, boss):
    import threading

    keep, dupe = _pair(store, "quokka")
    actor = Actor.agent(boss)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def merge(survivor, merged):
        start.wait()
        with store.db.write() as session:
            try:
                merging.merge_customers(session, survivor_code=survivor.code, merged_code=merged.code, choices={},
                                        actor=actor)
                outcomes.append("merged")
            except MergeRefused as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=merge, args=pair) for pair in ((keep, dupe), (dupe, keep))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes)[-1] == "merged" and "already merged into" in sorted(outcomes)[0]
    with store.db.read() as session:
        pointers = [session.get(Customer, c.id).merged_into_id for c in (keep, dupe)]
    assert pointers.count(None) == 1  # one survivor, never a cycle
