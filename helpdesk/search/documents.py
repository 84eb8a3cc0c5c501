"""What gets indexed: interactions, ticket subjects and claim descriptions read from the database as search documents."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlmodel import Session

from helpdesk.auth.models import Agent
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.sales.models import Product, PurchaseLine
from helpdesk.search.models import DocType
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Ticket
from helpdesk.timeutil import to_shop_time

I, T, C, W = Interaction.__table__, Ticket.__table__, Customer.__table__, WarrantyClaim.__table__
PL, P, A = PurchaseLine.__table__, Product.__table__, Agent.__table__

# Kinds a search can be narrowed to; interactions use their own kind, the other two are fixed.
TICKET_KIND = "ticket"
CLAIM_KIND = "claim"
EPOCH = date(1970, 1, 1)
BATCH_SIZE = 2000


@dataclass(slots=True)
class SearchDocument:
    """One searchable thing, flattened to what the index needs: text plus the fields searches filter on."""

    key: str
    doc_type: str
    kind: str
    text: str
    customer: str
    channel: str | None
    status: str | None
    agent: str | None
    day: int


def doc_key(doc_type: str, doc_id: int) -> str:
    """The unique key a document has in the index: re-indexing replaces, never duplicates."""
    return f"{doc_type}:{doc_id}"


def parse_key(key: str) -> tuple[str, int]:
    doc_type, _, doc_id = key.partition(":")
    return doc_type, int(doc_id)


def shop_day(value: datetime | None) -> int:
    """Days since 1970-01-01 in the shop's time zone: date filters use the date the agent saw."""
    if value is None:
        return 0
    return (to_shop_time(value).date() - EPOCH).days


def day_number(value: date) -> int:
    return (value - EPOCH).days


def _claims_by_ticket():
    # warranty_claim.ticket_id has no index: a grouped subquery reads the claims once per batch,
    # where a correlated one would read them once per ticket.
    return (
        select(W.c.ticket_id, func.min(W.c.number).label("claim_number"))
        .where(W.c.ticket_id.is_not(None))
        .group_by(W.c.ticket_id)
        .subquery("ticket_claim")
    )


def _interaction_select() -> Select:
    claims = _claims_by_ticket()
    return (
        select(
            I.c.id, I.c.kind, I.c.channel, I.c.author_id, I.c.summary, I.c.body, I.c.created_at,
            C.c.code, T.c.number, T.c.status, P.c.model_number, PL.c.serial_number, claims.c.claim_number,
        )
        .select_from(I)
        .join(C, C.c.id == I.c.customer_id)
        .outerjoin(T, T.c.id == I.c.ticket_id)
        .outerjoin(PL, PL.c.id == T.c.purchase_line_id)
        .outerjoin(P, P.c.id == PL.c.product_id)
        .outerjoin(claims, claims.c.ticket_id == T.c.id)
    )


def _ticket_select() -> Select:
    claims = _claims_by_ticket()
    return (
        select(
            T.c.id, T.c.subject, T.c.status, T.c.channel, T.c.assignee_id, T.c.created_at, T.c.number,
            C.c.code, P.c.model_number, PL.c.serial_number, claims.c.claim_number,
        )
        .select_from(T)
        .join(C, C.c.id == T.c.customer_id)
        .outerjoin(PL, PL.c.id == T.c.purchase_line_id)
        .outerjoin(P, P.c.id == PL.c.product_id)
        .outerjoin(claims, claims.c.ticket_id == T.c.id)
    )


def _claim_select() -> Select:
    return (
        select(
            W.c.id, W.c.description, W.c.fault_category, W.c.number, W.c.filed_at, C.c.code,
            T.c.number.label("ticket_number"), T.c.status, T.c.channel, T.c.assignee_id,
            P.c.model_number, PL.c.serial_number,
        )
        .select_from(W)
        .join(C, C.c.id == W.c.customer_id)
        .join(PL, PL.c.id == W.c.purchase_line_id)
        .join(P, P.c.id == PL.c.product_id)
        .outerjoin(T, T.c.id == W.c.ticket_id)
    )


def _refs(*values: str | None) -> str:
    """Numbers the text may not mention but an agent will type: ticket, claim, model, serial, customer ID."""
    # One per line: a space between two numbers would join them into one code (see analysis._link).
    return "\n".join(value for value in values if value)


# The desk writes a line like "Status changed from open to solved: customer confirmed" (or "Status:
# open → solved", "Priority: normal → high") for every ticket event: a quarter of all interactions.
# Indexed, those words drowned real uses of "open", "solved" or "status" and made them the slowest
# queries; the change itself is what the kind and status filters are for, so only the agent's own
# words after it are indexed (the page still shows the whole line).
_EVENT_BOILERPLATE = re.compile(
    r"^\s*(?:status|priority|assignee|tags?)\b(?:\s+changed\s+from\s+[^:\n]*?\s+to\s+[^:.\n]*|\s*:[^\n→]*→[^:\n]*)[:.]?\s*",
    re.IGNORECASE,
)
_ARROW_SUMMARY = re.compile(r"^[\w ]{1,40}(?:→|->)[\w ]{1,40}$")
EVENT_KINDS = ("status_change", "event")


def event_text(kind: str, summary: str | None, body: str) -> tuple[str | None, str]:
    """Summary and body as indexed: for ticket events, without the machine-written "from → to" part."""
    if kind not in EVENT_KINDS:
        return summary, body
    if summary and _ARROW_SUMMARY.match(summary.strip()):
        summary = None
    return summary, _EVENT_BOILERPLATE.sub("", body, count=1)


def _interaction_doc(row) -> SearchDocument:
    summary, body = event_text(row.kind, row.summary, row.body)
    parts = [summary, body, _refs(row.number, row.claim_number, row.model_number, row.serial_number, row.code)]
    return SearchDocument(
        key=doc_key(DocType.INTERACTION, row.id),
        doc_type=DocType.INTERACTION,
        kind=row.kind,
        text="\n".join(part for part in parts if part),
        customer=row.code,
        channel=row.channel,
        status=row.status,
        agent=str(row.author_id) if row.author_id is not None else None,
        day=shop_day(row.created_at),
    )


def _ticket_doc(row) -> SearchDocument:
    return SearchDocument(
        key=doc_key(DocType.TICKET, row.id),
        doc_type=DocType.TICKET,
        kind=TICKET_KIND,
        text="\n".join((row.subject, _refs(row.number, row.claim_number, row.model_number, row.serial_number, row.code))),
        customer=row.code,
        channel=row.channel,
        status=row.status,
        agent=str(row.assignee_id) if row.assignee_id is not None else None,
        day=shop_day(row.created_at),
    )


def _claim_doc(row) -> SearchDocument:
    refs = _refs(row.number, row.ticket_number, row.model_number, row.serial_number, row.code)
    return SearchDocument(
        key=doc_key(DocType.CLAIM, row.id),
        doc_type=DocType.CLAIM,
        kind=CLAIM_KIND,
        text="\n".join((row.description, row.fault_category.replace("_", " "), refs)),
        customer=row.code,
        channel=row.channel,
        status=row.status,
        agent=str(row.assignee_id) if row.assignee_id is not None else None,
        day=shop_day(row.filed_at),
    )


_KINDS = {
    DocType.INTERACTION: (_interaction_select, I.c.id, _interaction_doc),
    DocType.TICKET: (_ticket_select, T.c.id, _ticket_doc),
    DocType.CLAIM: (_claim_select, W.c.id, _claim_doc),
}


def count_all(session: Session) -> int:
    """How many documents a full rebuild will index (for its progress bar)."""
    return sum(session.exec(select(func.count()).select_from(table)).one()[0] for table in (I, T, W))


_TIME_COLUMNS = {DocType.INTERACTION: I.c.created_at, DocType.TICKET: T.c.created_at, DocType.CLAIM: W.c.filed_at}


def _in_time_order(session: Session, doc_type: DocType, batch_size: int) -> Iterator[tuple[tuple, SearchDocument]]:
    build, id_column, to_doc = _KINDS[doc_type]
    time_column = _TIME_COLUMNS[doc_type]
    statement = build().add_columns(time_column.label("sort_time")).order_by(time_column, id_column)
    # Streamed (a server-side cursor on PostgreSQL): the rows are never all in memory at once.
    for row in session.exec(statement.execution_options(yield_per=batch_size)):
        yield (row.sort_time, doc_type, row.id), to_doc(row)


def iter_all(session_factory, *, batch_size: int = BATCH_SIZE) -> Iterator[list[SearchDocument]]:
    """Every document, oldest first, in batches, from one consistent snapshot per document type.

    Time order lets the builder write the index as slices of time (engine.writing.IndexBuilder), so a
    very broad search can look at the newest slices only (engine.queries.NewestWindow). Changes
    committed after the snapshots were taken reach the new index through the outbox.
    """
    with ExitStack() as stack:
        streams = [_in_time_order(stack.enter_context(session_factory()), doc_type, batch_size)
                   for doc_type in (DocType.TICKET, DocType.CLAIM, DocType.INTERACTION)]
        batch: list[SearchDocument] = []
        for _, doc in heapq.merge(*streams, key=lambda pair: pair[0]):
            batch.append(doc)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def load(session: Session, doc_type: str, ids: Iterable[int]) -> list[SearchDocument]:
    """The current documents for these ids; ids that no longer exist are simply absent."""
    build, id_column, to_doc = _KINDS[DocType(doc_type)]
    return [to_doc(row) for chunk in _chunks(ids) for row in session.exec(build().where(id_column.in_(chunk))).all()]


def _chunks(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    """Ids in sorted chunks: an IN list of a few hundred stays well inside every database's parameter limit."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def interactions_of_tickets(session: Session, ticket_ids: Iterable[int]) -> list[int]:
    """A ticket's status, number and product are indexed with each of its interactions: they change together."""
    return [row_id for chunk in _chunks(ticket_ids)
            for row_id in session.exec(select(I.c.id).where(I.c.ticket_id.in_(chunk))).scalars()]


def claims_of_tickets(session: Session, ticket_ids: Iterable[int]) -> list[int]:
    """A claim is indexed with its ticket's status and assignee, too."""
    return [row_id for chunk in _chunks(ticket_ids)
            for row_id in session.exec(select(W.c.id).where(W.c.ticket_id.in_(chunk))).scalars()]


# --- what a result shows ------------------------------------------------------------------------


@dataclass(slots=True)
class HitRecord:
    """A found document as the results page shows it, read fresh from the database."""

    key: str
    doc_type: str
    kind: str
    customer_id: str
    created_at: datetime | None
    text: str
    title: str | None = None
    channel: str | None = None
    author_name: str | None = None
    ticket_number: str | None = None
    ticket_status: str | None = None
    claim_number: str | None = None
    interaction_id: int | None = None


def load_hits(session: Session, keys: list[str]) -> dict[str, HitRecord]:
    """The records behind a page of hits: one query per document type present, whatever the page size."""
    wanted: dict[str, list[int]] = {}
    for key in keys:
        doc_type, doc_id = parse_key(key)
        wanted.setdefault(doc_type, []).append(doc_id)
    records: dict[str, HitRecord] = {}
    if ids := wanted.get(DocType.INTERACTION):
        rows = session.exec(
            select(I.c.id, I.c.kind, I.c.channel, I.c.summary, I.c.body, I.c.created_at, C.c.code, T.c.number,
                   T.c.status, T.c.subject, A.c.name)
            .select_from(I)
            .join(C, C.c.id == I.c.customer_id)
            .outerjoin(T, T.c.id == I.c.ticket_id)
            .outerjoin(A, A.c.id == I.c.author_id)
            .where(I.c.id.in_(ids))
        ).all()
        for row in rows:
            key = doc_key(DocType.INTERACTION, row.id)
            text = f"{row.summary}\n{row.body}" if row.summary else row.body
            records[key] = HitRecord(key=key, doc_type=DocType.INTERACTION, kind=row.kind, customer_id=row.code,
                                     created_at=row.created_at, text=text, title=row.subject, channel=row.channel,
                                     author_name=row.name, ticket_number=row.number, ticket_status=row.status,
                                     interaction_id=row.id)
    if ids := wanted.get(DocType.TICKET):
        rows = session.exec(
            select(T.c.id, T.c.subject, T.c.status, T.c.channel, T.c.created_at, T.c.number, C.c.code, A.c.name)
            .select_from(T)
            .join(C, C.c.id == T.c.customer_id)
            .outerjoin(A, A.c.id == T.c.assignee_id)
            .where(T.c.id.in_(ids))
        ).all()
        for row in rows:
            key = doc_key(DocType.TICKET, row.id)
            records[key] = HitRecord(key=key, doc_type=DocType.TICKET, kind=TICKET_KIND, customer_id=row.code,
                                     created_at=row.created_at, text=row.subject, title=row.subject, channel=row.channel,
                                     author_name=row.name, ticket_number=row.number, ticket_status=row.status)
    if ids := wanted.get(DocType.CLAIM):
        rows = session.exec(
            select(W.c.id, W.c.number, W.c.description, W.c.filed_at, W.c.status.label("claim_status"), C.c.code,
                   T.c.number.label("ticket_number"), T.c.status, P.c.name.label("product_name"))
            .select_from(W)
            .join(C, C.c.id == W.c.customer_id)
            .join(PL, PL.c.id == W.c.purchase_line_id)
            .join(P, P.c.id == PL.c.product_id)
            .outerjoin(T, T.c.id == W.c.ticket_id)
            .where(W.c.id.in_(ids))
        ).all()
        for row in rows:
            key = doc_key(DocType.CLAIM, row.id)
            records[key] = HitRecord(key=key, doc_type=DocType.CLAIM, kind=CLAIM_KIND, customer_id=row.code,
                                     created_at=row.filed_at, text=row.description, title=row.product_name,
                                     ticket_number=row.ticket_number, ticket_status=row.status, claim_number=row.number)
    return records
