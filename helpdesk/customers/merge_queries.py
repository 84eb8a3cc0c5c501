"""The reads behind the duplicates queue and the merge pages: the compare view, a merge and what it moved."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from helpdesk import ids
from helpdesk.auth.models import Agent
from helpdesk.customers import merge as merging
from helpdesk.customers.models import Customer, CustomerMerge
from helpdesk.customers.service import get_customer
from helpdesk.privacy import masking
from helpdesk.privacy import store as personal

RECENT_MERGES = 20
_LABELS = {"full_name": "Name", "phone": "Phone", "alt_phone": "Second phone", "email": "E-mail", "address": "Address"}


@dataclass
class Side:
    customer_id: str
    values: dict[str, str]  # field -> the value as pages show it (name plain, the rest masked)
    counts: dict[str, int]
    loyalty_points: int


@dataclass
class Comparison:
    first: Side
    second: Side
    differing: list[tuple[str, str]]  # (field, label) the supervisor chooses between
    labels: dict[str, str]


def _shown(details: personal.PersonalDetails | None) -> dict[str, str]:
    if details is None:
        return dict.fromkeys(_LABELS, "")
    return {"full_name": details.full_name or "", "phone": masking.masked(details, "phone"),
            "alt_phone": masking.masked(details, "alt_phone"), "email": masking.masked(details, "email"),
            "address": masking.mask_address(details)}


def _counts(session: Session, customer_id: int) -> dict[str, int]:
    return {name: len(merging._row_ids(session, table, customer_id)) for name, table in merging._OWNED.items()}


def compare(session: Session, first_code: str, second_code: str) -> Comparison:
    """Both customers side by side, and the contact fields where they differ."""
    first, second = get_customer(session, first_code), get_customer(session, second_code)
    records = personal.read_many(session, [first_code, second_code])
    sides = [Side(c.code, _shown(records.get(c.code)), _counts(session, c.id), c.loyalty_points) for c in (first, second)]
    differing = merging.differing_fields(records.get(first_code), records.get(second_code))
    return Comparison(sides[0], sides[1], [(field, _LABELS[field]) for field in differing], _LABELS)


@dataclass
class MergeView:
    id: int
    survivor_id: str
    merged_id: str
    merged_at: datetime
    merged_by: str | None
    undo_until: datetime
    undone_at: datetime | None
    counts: dict[str, int]
    problems: list[str]


def merge_view(session: Session, merge_id: int) -> MergeView:
    """One merge, with why it cannot be undone now (if it cannot)."""
    merge = merging.get_merge(session, merge_id)
    codes = dict(session.execute(select(Customer.id, Customer.code)
                                 .where(col(Customer.id).in_([merge.survivor_id, merge.merged_id]))).all())
    agent = session.get(Agent, merge.merged_by_id) if merge.merged_by_id else None
    counts = {name: len(row_ids) for name, row_ids in json.loads(merge.moved).items()}
    problems = merging.undo_problems(session, merge_id) if merge.undone_at is None else []
    return MergeView(merge.id, codes[merge.survivor_id], codes[merge.merged_id], merge.merged_at,
                     agent.name if agent else None, merging.undo_deadline(merge), merge.undone_at, counts, problems)


@dataclass
class MergeRow:
    id: int
    survivor_id: str
    merged_id: str
    merged_at: datetime
    undone_at: datetime | None


def recent_merges(session: Session) -> list[MergeRow]:
    """The latest merges, newest first: one query."""
    survivor, merged = Customer.__table__.alias("s"), Customer.__table__.alias("m")
    M = CustomerMerge.__table__
    rows = session.execute(select(M.c.id, survivor.c.code, merged.c.code, M.c.merged_at, M.c.undone_at)
                           .join(survivor, survivor.c.id == M.c.survivor_id).join(merged, merged.c.id == M.c.merged_id)
                           .order_by(M.c.merged_at.desc(), M.c.id.desc()).limit(RECENT_MERGES)).all()
    return [MergeRow(*row) for row in rows]


def typed_ids(first: str, second: str) -> tuple[str, str] | None:
    """Both IDs canonical, or None if either is not a valid customer ID."""
    if not (ids.is_valid(first) and ids.is_valid(second)):
        return None
    return ids.parse(first), ids.parse(second)
