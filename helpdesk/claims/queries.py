"""Reading claims: the claim page, the filtered claims list, and the models with the most claims."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk import ids
from helpdesk.claims.models import ClaimPhoto, ClaimStatus, Eligibility, WarrantyClaim
from helpdesk.claims.rules import NEXT_CLAIM_STATUSES, EligibilityCheck, check_eligibility, needs_supervisor
from helpdesk.customers.models import Customer
from helpdesk.i18n.text import N_
from helpdesk.privacy import store as personal
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.history.models import Interaction, InteractionKind
from helpdesk.tickets.models import Ticket

CLAIMS_PAGE_SIZE = 50


@dataclass
class HistoryEntry:
    at: datetime
    text: str


@dataclass
class ClaimPage:
    claim: WarrantyClaim
    customer_id: str
    customer_id_grouped: str
    customer_name: str | None
    product_name: str
    category: str
    model_number: str
    serial_number: str | None
    purchased_on: date
    order_number: str
    warranty_now: EligibilityCheck
    ticket_number: str | None
    photo_ids: list[int]
    history: list[HistoryEntry]
    next_statuses: tuple[str, ...]
    approval_needs_supervisor: bool


def claim_page(session: Session, claim: WarrantyClaim, *, today: date) -> ClaimPage:
    """Everything the claim page shows, in a fixed number of queries."""
    row = session.exec(
        select(Customer.code, Product.name, Product.category, Product.model_number, Product.warranty_months,
               PurchaseLine.serial_number, Purchase.purchased_on, Purchase.order_number)
        .join(Purchase, col(Purchase.customer_id) == Customer.id)
        .join(PurchaseLine, col(PurchaseLine.purchase_id) == Purchase.id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(PurchaseLine.id == claim.purchase_line_id)
    ).one()
    code, product, category, model, months, serial, purchased_on, order_number = row
    record = personal.read(session, code)
    ticket_number = session.exec(select(Ticket.number).where(Ticket.id == claim.ticket_id)).first() if claim.ticket_id else None
    photo_ids = list(session.exec(select(ClaimPhoto.id).where(ClaimPhoto.claim_id == claim.id).order_by(ClaimPhoto.id)).all())
    history = [HistoryEntry(claim.filed_at, f"Filed ({'self-service' if claim.filed_via == 'self_service' else 'by an agent'}), "
                                            f"{claim.eligibility.replace('_', ' ')}")]
    if claim.ticket_id:
        prefix = f"Claim {claim.number}:"
        for created_at, body in session.exec(
            select(Interaction.created_at, Interaction.body)
            .where(Interaction.ticket_id == claim.ticket_id, Interaction.kind == InteractionKind.STATUS_CHANGE,
                   col(Interaction.body).startswith(prefix))
            .order_by(col(Interaction.id))
        ).all():
            step, reason_mark, reason = body[len(prefix):].strip().partition(". Reason:")
            # Entries written before issue 13 carry raw values ("in_review → approved"): show them in words too.
            history.append(HistoryEntry(created_at, step.replace("_", " ") + reason_mark + reason))
    return ClaimPage(
        claim=claim, customer_id=code, customer_id_grouped=ids.format_grouped(code),
        customer_name=record.full_name if record else None, product_name=product, category=category,
        model_number=model, serial_number=serial, purchased_on=purchased_on, order_number=order_number,
        warranty_now=check_eligibility(purchased_on=purchased_on, warranty_months=months, today=today, open_claim_number=None),
        ticket_number=ticket_number, photo_ids=photo_ids, history=history,
        next_statuses=NEXT_CLAIM_STATUSES.get(claim.status, ()),
        approval_needs_supervisor=needs_supervisor(eligibility=claim.eligibility, new_status=ClaimStatus.APPROVED),
    )


@dataclass
class PublicStep:
    at: datetime
    status: str


@dataclass
class PublicClaimStatus:
    """What the customer's status link shows. Built from scratch, field by field, so nothing the agents wrote for
    themselves (internal notes, the thread) can reach it: only the statuses, and a rejection's reason for the customer."""

    number: str
    product_name: str
    model_number: str
    fault_category: str
    filed_at: datetime
    status: str
    customer_reason: str | None
    steps: list[PublicStep]


# The start of a claim's status-change entry after "Claim W-…:", e.g. "in_review → rejected. Reason for the …".
_STATUS_MOVE = re.compile(r"^\s*[a-z_]+ → ([a-z_]+)")
_STATUSES = frozenset(ClaimStatus)
# A claim's status as the customer reads it on the status page (translated there through the catalogue).
PUBLIC_STATUS_WORDS = {
    ClaimStatus.SUBMITTED: N_("Submitted"),
    ClaimStatus.IN_REVIEW: N_("In review"),
    ClaimStatus.APPROVED: N_("Approved"),
    ClaimStatus.REJECTED: N_("Rejected"),
    ClaimStatus.IN_REPAIR: N_("In repair"),
    ClaimStatus.REPLACED: N_("Replaced"),
    ClaimStatus.REFUNDED: N_("Refunded"),
    ClaimStatus.CLOSED: N_("Closed"),
}


def public_status(session: Session, claim: WarrantyClaim) -> PublicClaimStatus:
    """The public status page's view of a claim, in two queries."""
    product, model = session.exec(
        select(Product.name, Product.model_number).join(PurchaseLine, col(PurchaseLine.product_id) == Product.id)
        .where(PurchaseLine.id == claim.purchase_line_id)
    ).one()
    steps = [PublicStep(claim.filed_at, ClaimStatus.SUBMITTED)]
    if claim.ticket_id:
        prefix = f"Claim {claim.number}:"
        for created_at, body in session.exec(
            select(Interaction.created_at, Interaction.body)
            .where(Interaction.ticket_id == claim.ticket_id, Interaction.kind == InteractionKind.STATUS_CHANGE,
                   col(Interaction.body).startswith(prefix))
            .order_by(col(Interaction.id))
        ).all():
            # Only the new status is taken from the entry; whatever text follows it stays with the agents.
            move = _STATUS_MOVE.match(body[len(prefix):])
            if move and move.group(1) in _STATUSES:
                steps.append(PublicStep(created_at, move.group(1)))
    return PublicClaimStatus(
        number=claim.number, product_name=product, model_number=model, fault_category=claim.fault_category,
        filed_at=claim.filed_at, status=claim.status, customer_reason=claim.customer_reason, steps=steps,
    )


def photo(session: Session, claim: WarrantyClaim, photo_id: int) -> ClaimPhoto | None:
    """One of this claim's photos (never another claim's, whatever id is asked for)."""
    return session.exec(select(ClaimPhoto).where(ClaimPhoto.id == photo_id, ClaimPhoto.claim_id == claim.id)).first()


@dataclass
class ClaimFilters:
    status: ClaimStatus | None = None
    category: str | None = None
    model: str | None = None
    eligibility: Eligibility | None = None
    older_than_days: int | None = None
    page: int = 1


@dataclass
class ClaimRow:
    number: str
    customer_id: str
    product_name: str
    category: str
    model_number: str
    status: str
    eligibility: str
    filed_at: datetime
    age_days: int


@dataclass
class ClaimList:
    filters: ClaimFilters
    rows: list[ClaimRow]
    total: int
    pages: int
    top_models: list[tuple[str, str, int]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def list_claims(session: Session, *, filters: ClaimFilters, now: datetime) -> ClaimList:
    """One page of claims matching the filters, newest first, with the most-claimed models beside it."""
    conditions = []
    if filters.status:
        conditions.append(WarrantyClaim.status == filters.status)
    if filters.eligibility:
        conditions.append(WarrantyClaim.eligibility == filters.eligibility)
    if filters.category:
        conditions.append(Product.category == filters.category)
    if filters.model:
        conditions.append(Product.model_number == filters.model)
    if filters.older_than_days:
        conditions.append(WarrantyClaim.filed_at <= now - timedelta(days=filters.older_than_days))
    base = (
        select(WarrantyClaim.number, Customer.code, Product.name, Product.category, Product.model_number,
               WarrantyClaim.status, WarrantyClaim.eligibility, WarrantyClaim.filed_at)
        .join(Customer, col(Customer.id) == WarrantyClaim.customer_id)
        .join(PurchaseLine, col(PurchaseLine.id) == WarrantyClaim.purchase_line_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(*conditions)
    )
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    rows = session.exec(
        base.order_by(col(WarrantyClaim.filed_at).desc(), col(WarrantyClaim.id).desc())
        .offset((filters.page - 1) * CLAIMS_PAGE_SIZE).limit(CLAIMS_PAGE_SIZE)
    ).all()
    return ClaimList(
        filters=filters,
        rows=[ClaimRow(*row, age_days=max(0, (now - row[7]).days)) for row in rows],
        total=total,
        pages=max(1, -(-total // CLAIMS_PAGE_SIZE)),
        top_models=top_models(session),
        categories=list(session.exec(select(Product.category).distinct().order_by(Product.category)).all()),
    )


def top_models(session: Session, *, limit: int = 5) -> list[tuple[str, str, int]]:
    """(model number, product name, claims) for the models with the most claims."""
    return [tuple(row) for row in session.exec(
        select(Product.model_number, func.min(Product.name), func.count(WarrantyClaim.id))
        .join(PurchaseLine, col(PurchaseLine.id) == WarrantyClaim.purchase_line_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .group_by(Product.model_number)
        .order_by(func.count(WarrantyClaim.id).desc(), Product.model_number)
        .limit(limit)
    ).all()]
