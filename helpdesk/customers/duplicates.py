"""Duplicate customers: find who a new or edited customer may be the same person as, and the supervisors' queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from helpdesk.customers.errors import CustomerNotFound, MergeRefused
from helpdesk.customers.models import CandidateStatus, Customer, DuplicateCandidate
from helpdesk.customers.names import similar_names
from helpdesk.paging import Page, next_offset, parse_offset
from helpdesk.privacy import store as personal
from helpdesk.timeutil import utcnow

QUEUE_PAGE = 25


class Reason:
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True)
class Match:
    """Another customer who may be the same person, and why."""

    customer_id: str
    reasons: tuple[str, ...]


def find_matches(session: Session, details: personal.PersonalDetails, *, exclude: str | None = None) -> list[Match]:
    """Customers sharing a phone or e-mail with these details, or with a very similar name and the same PIN code.

    Names are compared in memory only (decrypted by the personal store), never logged. Merged customers are left
    out: their ID already leads to the survivor.
    """
    reasons: dict[str, list[str]] = {}
    for phone in {details.phone, details.alt_phone} - {None, ""}:
        for code in personal.codes_by_phone(session, phone):
            reasons.setdefault(code, []).append(Reason.PHONE)
    if details.email:
        for code in personal.codes_by_email(session, details.email):
            reasons.setdefault(code, []).append(Reason.EMAIL)
    if details.full_name and details.pin_code:
        neighbours = [code for code in personal.codes_by_pin(session, details.pin_code) if code != exclude]
        for code, other in personal.read_many(session, neighbours).items():
            if similar_names(details.full_name, other.full_name):
                reasons.setdefault(code, []).append(Reason.NAME)
    reasons.pop(exclude, None)
    if not reasons:
        return []
    live = set(session.execute(select(Customer.code).where(col(Customer.code).in_(list(reasons)),
                                                            col(Customer.merged_into_id).is_(None))).scalars())
    return [Match(code, tuple(dict.fromkeys(why))) for code, why in sorted(reasons.items()) if code in live]


def flag_new_customer(session: Session, customer_id: int) -> list[Match]:
    """Put a new (or changed) customer in the supervisors' queue beside everyone they may duplicate.

    For every door that creates customers (the registration form, the POS API, imports): call it in the same
    transaction, after the personal record is saved. A pair already in the queue (or dismissed) is left as it is.
    """
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound(str(customer_id))
    details = personal.read(session, customer.code)
    if details is None:
        return []
    matches = find_matches(session, details, exclude=customer.code)
    if not matches:
        return []
    row_ids = dict(session.execute(select(Customer.code, Customer.id)
                                   .where(col(Customer.code).in_([m.customer_id for m in matches]))).all())
    for match in matches:
        first, second = sorted((customer.id, row_ids[match.customer_id]))
        _queue_pair(session, first, second, match.reasons)
    return matches


def _queue_pair(session: Session, first: int, second: int, reasons) -> bool:
    """Add the pair unless it is known; the unique pair index decides, so two doors flagging it at once add one."""
    values = {"first_id": first, "second_id": second, "reasons": ",".join(dict.fromkeys(reasons)),
              "status": CandidateStatus.OPEN, "found_at": utcnow()}
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(DuplicateCandidate.__table__).values(**values).on_conflict_do_nothing(
        index_elements=["first_id", "second_id"])
    return bool(session.execute(statement).rowcount)


def scan_all(session: Session) -> int:
    """Flag every pair among the customers already on file (after an upgrade or an import); commits.

    Returns how many pairs were added to the queue. Pairs already known (open, dismissed or merged) are kept as
    they are.
    """
    reasons: dict[tuple[str, str], list[str]] = {}
    for field, reason in (("phone", Reason.PHONE), ("alt_phone", Reason.PHONE), ("email", Reason.EMAIL)):
        for group in personal.groups_sharing(session, field):
            for pair in _pairs(group):
                reasons.setdefault(pair, []).append(reason)
    for group in personal.groups_sharing(session, "pin_code"):
        names = {code: details.full_name for code, details in personal.read_many(session, group).items()}
        for first, second in _pairs(group):
            if similar_names(names.get(first), names.get(second)):
                reasons.setdefault((first, second), []).append(Reason.NAME)
    codes = sorted({code for pair in reasons for code in pair})
    row_ids: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        row_ids.update(session.execute(select(Customer.code, Customer.id).where(
            col(Customer.code).in_(codes[start:start + 500]), col(Customer.merged_into_id).is_(None))).all())
    known = set(session.execute(select(DuplicateCandidate.first_id, DuplicateCandidate.second_id)).all())
    added = 0
    for (first, second), why in sorted(reasons.items()):
        if first in row_ids and second in row_ids:
            pair = tuple(sorted((row_ids[first], row_ids[second])))
            if pair not in known:
                added += _queue_pair(session, pair[0], pair[1], why)
                known.add(pair)
    session.commit()
    return added


def _pairs(codes: list[str]) -> list[tuple[str, str]]:
    ordered = sorted(set(codes))
    return [(a, b) for index, a in enumerate(ordered) for b in ordered[index + 1:]]


# --- the queue ----------------------------------------------------------------------------------------


@dataclass
class CandidateRow:
    id: int
    first_code: str
    second_code: str
    first_name: str
    second_name: str
    reasons: list[str]
    found_at: datetime


def open_candidates(session: Session, *, cursor: str | None = None) -> Page[CandidateRow]:
    """The open pairs, oldest first, with their names (shown as the customer page shows them): two queries."""
    offset = parse_offset(cursor)
    first, second = Customer.__table__.alias("first"), Customer.__table__.alias("second")
    D = DuplicateCandidate.__table__
    rows = session.execute(
        select(D.c.id, first.c.code, second.c.code, D.c.reasons, D.c.found_at)
        .join(first, first.c.id == D.c.first_id).join(second, second.c.id == D.c.second_id)
        .where(D.c.status == CandidateStatus.OPEN, first.c.merged_into_id.is_(None), second.c.merged_into_id.is_(None))
        .order_by(D.c.found_at, D.c.id).limit(QUEUE_PAGE + 1).offset(offset)
    ).all()
    shown = rows[:QUEUE_PAGE]
    records = personal.read_many(session, [code for row in shown for code in row[1:3]])

    def name(code: str) -> str:
        record = records.get(code)
        return (record.full_name if record else None) or "(no name on file)"

    items = [CandidateRow(row.id, row[1], row[2], name(row[1]), name(row[2]), row.reasons.split(","), row.found_at)
             for row in shown]
    return Page(items=items, next_cursor=next_offset(offset, QUEUE_PAGE, len(rows)))


def open_count(session: Session) -> int:
    """How many pairs wait for a supervisor."""
    return session.execute(select(func.count()).select_from(DuplicateCandidate)
                           .where(DuplicateCandidate.status == CandidateStatus.OPEN)).scalar_one()


def dismiss(session: Session, candidate_id: int, *, agent_id: int) -> None:
    """Not the same person: the pair leaves the queue and is not flagged again. Commits."""
    candidate = session.get(DuplicateCandidate, candidate_id)
    if candidate is None:
        raise MergeRefused({"form": "That pair is not in the queue."})
    if candidate.status != CandidateStatus.OPEN:
        raise MergeRefused({"form": f"That pair was already {candidate.status}."})
    candidate.status, candidate.closed_at, candidate.closed_by_id = CandidateStatus.DISMISSED, utcnow(), agent_id
    session.add(candidate)
    session.commit()


def close_for_merge(session: Session, first_id: int, second_id: int, *, agent_id: int) -> None:
    """The pair was merged: it leaves the queue (inside the merge's transaction)."""
    low, high = sorted((first_id, second_id))
    session.execute(update(DuplicateCandidate).where(
        DuplicateCandidate.first_id == low, DuplicateCandidate.second_id == high,
        DuplicateCandidate.status == CandidateStatus.OPEN,
    ).values(status=CandidateStatus.MERGED, closed_at=utcnow(), closed_by_id=agent_id))


def reopen_after_undo(session: Session, first_id: int, second_id: int) -> None:
    """A merge of the pair was undone: it waits in the queue again (to be dismissed, or merged the other way)."""
    low, high = sorted((first_id, second_id))
    session.execute(update(DuplicateCandidate).where(
        DuplicateCandidate.first_id == low, DuplicateCandidate.second_id == high,
        DuplicateCandidate.status == CandidateStatus.MERGED,
    ).values(status=CandidateStatus.OPEN, closed_at=None, closed_by_id=None))
