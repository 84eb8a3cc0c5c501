"""Merging a duplicate customer into a survivor, and undoing it for MERGE_UNDO_DAYS days, exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from helpdesk import ids
from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers import duplicates
from helpdesk.customers.errors import MergeNotFound, MergeRefused
from helpdesk.customers.models import MERGE_UNDO_DAYS, Customer, CustomerMerge, CustomerNote
from helpdesk.customers.service import get_customer
from helpdesk.history import service as history
from helpdesk.history.models import Interaction, InteractionKind
from helpdesk.privacy import store as personal
from helpdesk.reports.models import StatsDirty
from helpdesk.sales.models import Purchase
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.tickets.models import Ticket
from helpdesk.timeutil import utcnow

# The rows that follow a customer, by table; interactions move through helpdesk.history.service.
_OWNED = {"purchase": Purchase.__table__, "ticket": Ticket.__table__, "warranty_claim": WarrantyClaim.__table__,
          "interaction": Interaction.__table__}
_WORDS = {"purchase": "purchases", "ticket": "tickets", "warranty_claim": "warranty claims",
          "interaction": "history entries"}
# Contact details chosen field by field on the compare page; the address moves as one.
CHOICE_FIELDS = ("full_name", "phone", "alt_phone", "email", "address")
ADDRESS_PARTS = ("address_line", "city", "state", "pin_code")
SURVIVOR, MERGED = "survivor", "merged"
_BATCH = 500


def _parts(field: str) -> tuple[str, ...]:
    return ADDRESS_PARTS if field == "address" else (field,)


def differing_fields(survivor: personal.PersonalDetails | None, merged: personal.PersonalDetails | None) -> list[str]:
    """The contact fields both customers have, with different values: the supervisor chooses these."""
    if survivor is None or merged is None:
        return []
    return [field for field in CHOICE_FIELDS
            if any(getattr(merged, part) for part in _parts(field)) and any(getattr(survivor, part) for part in _parts(field))
            and any(getattr(survivor, part) != getattr(merged, part) for part in _parts(field))]


def combined_details(survivor: personal.PersonalDetails | None, merged: personal.PersonalDetails | None,
                     code: str, choices: dict[str, str]) -> personal.PersonalDetails | None:
    """The survivor's record after the merge: each field the survivor lacks comes from the merged customer; where
    both have one, the supervisor's choice (the survivor's by default)."""
    if survivor is None and merged is None:
        return None
    result = survivor or personal.PersonalDetails(code)
    if merged is None:
        return result
    for field in CHOICE_FIELDS:
        parts = _parts(field)
        survivor_has = survivor is not None and any(getattr(survivor, part) for part in parts)
        if not survivor_has or choices.get(field) == MERGED:
            result = replace(result, **{part: getattr(merged, part) for part in parts})
    return replace(result, customer_code=code)


def _own_fields(customer: Customer) -> dict:
    return {"loyalty_points": customer.loyalty_points, "tier": customer.tier,
            "consent_sms": customer.consent_sms, "consent_email": customer.consent_email,
            "consent_whatsapp": customer.consent_whatsapp, "preferred_language": customer.preferred_language}


def _row_ids(session: Session, table, customer_id: int) -> list[int]:
    return list(session.execute(select(table.c.id).where(table.c.customer_id == customer_id).order_by(table.c.id)).scalars())


def _move(session: Session, name: str, row_ids: list[int], to_customer_id: int,
          tickets: list[int] | None = None) -> None:
    """Move rows of one table to a customer and queue their search documents again."""
    if name == "interaction":
        history.move_entries(session, row_ids, to_customer_id=to_customer_id, tickets_queued=tickets or ())
        return
    table = _OWNED[name]
    for start in range(0, len(row_ids), _BATCH):
        session.execute(update(table).where(table.c.id.in_(row_ids[start:start + _BATCH])).values(customer_id=to_customer_id))
    for row_id in row_ids:
        if name == "ticket":
            history.ticket_changed(session, row_id)  # re-indexes its thread and claims under the new customer
        elif name == "warranty_claim":
            record_change(session, DocType.CLAIM, row_id)


def _mark_for_reports(session: Session, customer_ids: list[int], purchase_ids: list[int]) -> None:
    """Moved rows bypass the ORM, so the report refresher is told here which customers and days changed."""
    now = utcnow()
    days = set()
    for start in range(0, len(purchase_ids), _BATCH):
        days |= set(session.execute(select(Purchase.customer_id, Purchase.purchased_on)
                                    .where(col(Purchase.id).in_(purchase_ids[start:start + _BATCH]))).all())
    marks = {(customer_id, None) for customer_id in customer_ids} | days
    session.execute(insert(StatsDirty.__table__), [{"customer_id": c, "day": d, "purchase_id": None, "created_at": now}
                                                   for c, d in marks])


@dataclass
class MergeOutcome:
    merge: CustomerMerge
    survivor_code: str
    merged_code: str
    counts: dict[str, int]


def merge_customers(session: Session, *, survivor_code: str, merged_code: str, choices: dict[str, str],
                    actor: audit.Actor) -> MergeOutcome:
    """Merge `merged_code` into `survivor_code`: every purchase, ticket, claim and history entry moves, the chosen
    contact details stay, and the old ID leads to the survivor. Commits."""
    if survivor_code == merged_code:
        raise MergeRefused({"form": "A customer cannot be merged with themselves: choose two different customers."})
    survivor, merged = _locked(session, get_customer(session, survivor_code).id, get_customer(session, merged_code).id)
    for customer in (survivor, merged):
        if customer.merged_into_id is not None:
            into = session.get(Customer, customer.merged_into_id)
            raise MergeRefused({"form": f"{ids.format_grouped(customer.code)} is already merged into "
                                        f"{ids.format_grouped(into.code)}."})
        if customer.erased_at is not None:
            raise MergeRefused({"form": f"{ids.format_grouped(customer.code)}'s personal data was erased: "
                                        "an erased customer is not merged."})
    bad = {field: value for field, value in choices.items() if field not in CHOICE_FIELDS or value not in (SURVIVOR, MERGED)}
    if bad:
        raise MergeRefused({"form": "Choose the survivor's or the other customer's value for each detail."})
    records = personal.read_many(session, [survivor_code, merged_code])
    before = {"survivor": _own_fields(survivor), "merged": _own_fields(merged)}
    note = session.get(CustomerNote, survivor.id)
    before["survivor_note"] = None if note is None else {
        "text": note.text, "updated_at": note.updated_at.isoformat(), "updated_by_id": note.updated_by_id}
    moved = {name: _row_ids(session, table, merged.id) for name, table in _OWNED.items()}
    record = CustomerMerge(survivor_id=survivor.id, merged_id=merged.id, merged_by_id=actor.agent_id,
                           moved=json.dumps(moved), before=json.dumps(before))
    session.add(record)
    session.flush()
    for name, row_ids in moved.items():
        _move(session, name, row_ids, survivor.id, moved["ticket"])
    for code in (survivor_code, merged_code):
        personal.save_merge_snapshot(session, record.id, code, records.get(code))
    combined = combined_details(records.get(survivor_code), records.get(merged_code), survivor_code, choices)
    if combined is not None:
        personal.save(session, combined)
    personal.erase(session, merged_code)  # its phone and e-mail now find the survivor only
    merged_note = session.get(CustomerNote, merged.id)
    if note is None and merged_note is not None:
        session.add(CustomerNote(customer_id=survivor.id, text=merged_note.text, updated_at=merged_note.updated_at,
                                 updated_by_id=merged_note.updated_by_id))
    survivor.loyalty_points += merged.loyalty_points
    merged.loyalty_points, merged.merged_into_id = 0, survivor.id
    session.add_all([survivor, merged])
    counts = {name: len(row_ids) for name, row_ids in moved.items()}
    summary = ", ".join(f"{count} {_WORDS[name]}" for name, count in counts.items())
    history.write_entry(session, customer_id=survivor.id, kind=InteractionKind.EVENT, author_id=actor.agent_id,
                        summary="Customers merged", body=f"Customer {ids.format_grouped(merged_code)} was merged into "
                        f"this customer by {actor.label}; moved here: {summary}.")
    history.write_entry(session, customer_id=merged.id, kind=InteractionKind.EVENT, author_id=actor.agent_id,
                        summary="Customers merged", body=f"Merged into customer {ids.format_grouped(survivor_code)} "
                        f"by {actor.label}.")
    duplicates.close_for_merge(session, survivor.id, merged.id, agent_id=actor.agent_id)
    _mark_for_reports(session, [survivor.id, merged.id], moved["purchase"])
    audit.record(session, actor=actor, action=AuditAction.MERGE, customer_code=survivor_code, reference=merged_code,
                 details=f"merged {merged_code} into {survivor_code}: {summary}")
    _forget_expired_snapshots(session)
    session.commit()
    return MergeOutcome(record, survivor_code, merged_code, counts)


def _forget_expired_snapshots(session: Session) -> None:
    """Personal data is kept for undoing only as long as an undo is possible: each merge clears the expired copies."""
    expired = session.execute(select(CustomerMerge.id).where(
        CustomerMerge.merged_at < utcnow() - timedelta(days=MERGE_UNDO_DAYS),
        col(CustomerMerge.undone_at).is_(None))).scalars().all()
    if expired:
        personal.drop_merge_snapshots(session, expired)


def _locked(session: Session, first_id: int, second_id: int) -> tuple[Customer, Customer]:
    """Both customers' rows, locked until commit (lowest id first, so two merges cannot deadlock): on PostgreSQL two
    supervisors merging A into B and B into A at once would otherwise both pass the checks. SQLite's write
    transaction already holds the whole database."""
    rows = {customer.id: customer for customer in session.execute(
        select(Customer).where(col(Customer.id).in_([first_id, second_id])).order_by(Customer.id)
        .with_for_update().execution_options(populate_existing=True)).scalars()}
    return rows[first_id], rows[second_id]


def undo_deadline(merge: CustomerMerge):
    return merge.merged_at + timedelta(days=MERGE_UNDO_DAYS)


def _blockers(session: Session, merge: CustomerMerge, survivor: Customer, merged: Customer, now) -> list[str]:
    """Why this merge cannot be undone exactly (empty when it can)."""
    if merge.undone_at is not None:
        return [f"This merge was already undone on {merge.undone_at:%d %b %Y}."]
    if now > undo_deadline(merge):
        return [f"A merge can be undone for {MERGE_UNDO_DAYS} days; this one was on {merge.merged_at:%d %b %Y}."]
    problems = []
    if survivor.merged_into_id is not None:
        into = session.get(Customer, survivor.merged_into_id)
        problems.append(f"{ids.format_grouped(survivor.code)} was itself merged into {ids.format_grouped(into.code)} "
                        "since: undo that merge first.")
    if survivor.erased_at is not None or merged.erased_at is not None:
        problems.append("A customer's personal data was erased since the merge, so their details cannot be restored.")
    elif personal.read_merge_snapshot(session, merge.id) is None:
        problems.append("The copy of the customers' details kept for undoing was erased.")
    for name, row_ids in json.loads(merge.moved).items():
        table = _OWNED[name]
        still = sum(session.execute(select(func.count()).select_from(table).where(
            table.c.id.in_(row_ids[start:start + _BATCH]), table.c.customer_id == survivor.id)).scalar_one()
            for start in range(0, len(row_ids), _BATCH))
        if still != len(row_ids):
            problems.append(f"{len(row_ids) - still} of the {len(row_ids)} {_WORDS[name]} that moved no longer belong "
                            f"to {ids.format_grouped(survivor.code)} (moved or deleted since the merge).")
    return problems


def undo_problems(session: Session, merge_id: int, *, now=None) -> list[str]:
    """Why the merge cannot be undone now (empty when it can): for the merge page, before the button is pressed."""
    merge = get_merge(session, merge_id)
    return _blockers(session, merge, session.get(Customer, merge.survivor_id), session.get(Customer, merge.merged_id),
                     now or utcnow())


def get_merge(session: Session, merge_id: int) -> CustomerMerge:
    merge = session.get(CustomerMerge, merge_id)
    if merge is None:
        raise MergeNotFound("There is no such merge.")
    return merge


def undo_merge(session: Session, *, merge_id: int, actor: audit.Actor, now=None) -> CustomerMerge:
    """Give both customers back exactly what they had before the merge; refused (MergeRefused, saying why) after
    MERGE_UNDO_DAYS days or when something done since prevents an exact restore. Commits."""
    now = now or utcnow()
    merge = session.execute(select(CustomerMerge).where(CustomerMerge.id == get_merge(session, merge_id).id)
                            .with_for_update().execution_options(populate_existing=True)).scalar_one()
    survivor, merged = _locked(session, merge.survivor_id, merge.merged_id)
    problems = _blockers(session, merge, survivor, merged, now)
    if problems:
        raise MergeRefused({"form": " ".join(problems)})
    moved = json.loads(merge.moved)
    before = json.loads(merge.before)
    for name, row_ids in moved.items():
        _move(session, name, row_ids, merged.id, moved["ticket"])
    snapshot = personal.read_merge_snapshot(session, merge.id) or {}
    for code in (survivor.code, merged.code):
        if snapshot.get(code) is None:
            personal.erase(session, code)
        else:
            personal.save(session, snapshot[code])
    personal.drop_merge_snapshot(session, merge.id)
    note_before = before.get("survivor_note")
    note = session.get(CustomerNote, survivor.id)
    if note_before is None and note is not None:
        session.delete(note)
    # Points earned or spent by the survivor since the merge stay theirs; the merged customer's come back.
    merged_points = before["merged"]["loyalty_points"]
    survivor.loyalty_points = max(survivor.loyalty_points - merged_points, 0)
    for name, value in before["merged"].items():
        setattr(merged, name, value)
    merged.merged_into_id = None
    merge.undone_at, merge.undone_by_id = now, actor.agent_id
    session.add_all([survivor, merged, merge])
    for customer, other in ((survivor, merged), (merged, survivor)):
        history.write_entry(session, customer_id=customer.id, kind=InteractionKind.EVENT, author_id=actor.agent_id,
                            summary="Merge undone", body=f"The merge of {ids.format_grouped(merged.code)} into "
                            f"{ids.format_grouped(survivor.code)} was undone by {actor.label}; "
                            f"{ids.format_grouped(other.code)} is a customer of their own again.")
    duplicates.reopen_after_undo(session, survivor.id, merged.id)
    _mark_for_reports(session, [survivor.id, merged.id], moved["purchase"])
    audit.record(session, actor=actor, action=AuditAction.MERGE, customer_code=survivor.code, reference=merged.code,
                 details=f"undid the merge of {merged.code} into {survivor.code}")
    session.commit()
    return merge
