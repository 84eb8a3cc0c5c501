"""Claim rules with the database: claimable items, filing (claim + ticket + photos in one go), status changes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk.auth.service import CurrentAgent
from helpdesk.claims.models import ClaimCreate, ClaimPhoto, ClaimStatus, ClaimStatusChange, Eligibility, WarrantyClaim
from helpdesk.claims.errors import ClaimChanged, ClaimForbidden, ClaimInvalid, ClaimNotFound
from helpdesk.claims.photos import Photo, PhotoStore
from helpdesk.claims.rules import (
    NEXT_CLAIM_STATUSES,
    OPEN_CLAIM_STATUSES,
    STATUSES_NEEDING_REASON,
    EligibilityCheck,
    can_change_claim_status,
    check_eligibility,
    fault_categories,
    needs_supervisor,
)
from helpdesk.customers.models import Customer
from helpdesk.idempotency import KEY_REUSED, already_done, sender_scope
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.tickets import numbers
from helpdesk.tickets import service as tickets
from helpdesk.history.models import InteractionKind
from helpdesk.tickets.models import Priority, Ticket, TicketChannel, TicketCreate
from helpdesk.timeutil import to_shop_time, utcnow


@dataclass
class ClaimableItem:
    """A purchased item as the intake form shows it, with the desk's eligibility decision."""

    line_id: int
    product_name: str
    category: str
    model_number: str
    serial_number: str | None
    purchased_on: date
    order_number: str
    check: EligibilityCheck

    @property
    def faults(self) -> tuple[str, ...]:
        return fault_categories(self.category)


_ITEM_COLUMNS = (PurchaseLine.id, Product.name, Product.category, Product.model_number, PurchaseLine.serial_number,
                 Purchase.purchased_on, Purchase.order_number, Product.warranty_months)


def _open_claims_by_line(session: Session, line_ids: list[int]) -> dict[int, str]:
    if not line_ids:
        return {}
    rows = session.exec(
        select(WarrantyClaim.purchase_line_id, WarrantyClaim.number)
        .where(col(WarrantyClaim.purchase_line_id).in_(line_ids), col(WarrantyClaim.status).in_(OPEN_CLAIM_STATUSES))
    ).all()
    return dict(rows)


def _item(row, open_claims: dict[int, str], today: date) -> ClaimableItem:
    line_id, name, category, model, serial, purchased_on, order_number, months = row
    check = check_eligibility(purchased_on=purchased_on, warranty_months=months, today=today,
                              open_claim_number=open_claims.get(line_id))
    return ClaimableItem(line_id, name, category, model, serial, purchased_on, order_number, check)


def claimable_items(session: Session, customer: Customer, *, today: date, limit: int = 300) -> list[ClaimableItem]:
    """The customer's purchased items, newest first, each with its eligibility: two queries."""
    rows = session.exec(
        select(*_ITEM_COLUMNS)
        .join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(Purchase.customer_id == customer.id)
        .order_by(col(Purchase.purchased_on).desc(), col(PurchaseLine.id).desc())
        .limit(limit)
    ).all()
    open_claims = _open_claims_by_line(session, [row[0] for row in rows])
    return [_item(row, open_claims, today) for row in rows]


def claimable_item(session: Session, customer: Customer, line_id: int, *, today: date) -> ClaimableItem:
    """One item of this customer's, or ClaimInvalid when the item is not theirs."""
    row = session.exec(
        select(*_ITEM_COLUMNS)
        .join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
        .join(Product, col(Product.id) == PurchaseLine.product_id)
        .where(PurchaseLine.id == line_id, Purchase.customer_id == customer.id)
    ).first()
    if row is None:
        raise ClaimInvalid({"purchase_line_id": "That item is not one of this customer's purchases."})
    return _item(row, _open_claims_by_line(session, [line_id]), today)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class FiledClaim:
    claim: WarrantyClaim
    ticket_number: str
    status_token: str | None
    already_filed: bool = False


def file_claim(
    session: Session,
    *,
    customer: Customer,
    data: ClaimCreate,
    photos: list[Photo],
    store: PhotoStore,
    today: date,
    agent_id: int | None,
    self_service: bool = False,
    idempotency_scope: str | None = None,
) -> FiledClaim:
    """File a claim with its linked ticket and photos in one transaction: all of it exists, or none of it.

    `idempotency_scope`: who sent the key (default: the agent, or the verified customer on the public page).
    """
    scope = idempotency_scope or sender_scope(agent_id=agent_id, customer_id=customer.id)
    if existing := already_done(session, WarrantyClaim, data.idempotency_key, scope):
        if (existing.customer_id, existing.purchase_line_id) != (customer.id, data.purchase_line_id):
            raise ClaimInvalid({"idempotency_key": KEY_REUSED})
        return FiledClaim(existing, _ticket_number(session, existing), None, already_filed=True)
    item = claimable_item(session, customer, data.purchase_line_id, today=today)
    if item.check.eligibility == Eligibility.DUPLICATE:
        raise ClaimInvalid({"purchase_line_id": item.check.message})
    if data.fault_category not in item.faults:
        raise ClaimInvalid({"fault_category": "Choose one of the fault categories listed for this product."})
    now = utcnow()
    year = to_shop_time(now).year
    sequence = numbers.next_value(
        session, f"claim-{year}", start_after=lambda: numbers.highest_suffix(session, WarrantyClaim.number, f"W-{year}-")
    )
    number = f"W-{year}-{sequence:06d}"
    ticket = tickets.open_ticket(
        session,
        customer=customer,
        agent_id=agent_id,
        commit=False,
        data=TicketCreate(
            subject=f"Warranty claim {number}: {item.product_name} — {data.fault_category}"[:200],
            body=data.description,
            channel=TicketChannel.WEB if self_service else TicketChannel.PHONE,
            priority=Priority.NORMAL,
            purchase_line_id=item.line_id,
        ),
    )
    token = secrets.token_urlsafe(24) if self_service else None
    claim = WarrantyClaim(
        number=number, customer_id=customer.id, purchase_line_id=item.line_id, ticket_id=ticket.id,
        fault_category=data.fault_category, description=data.description, remedy=data.remedy,
        status=ClaimStatus.SUBMITTED, eligibility=item.check.eligibility,
        preferred_contact_time=data.preferred_contact_time, filed_at=now, updated_at=now,
        filed_via="self_service" if self_service else "agent", filed_by_id=agent_id,
        status_token_hash=_token_hash(token) if token else None, idempotency_key=data.idempotency_key,
        idempotency_scope=scope if data.idempotency_key else None,
    )
    session.add(claim)
    stored: list[str] = []
    try:
        session.flush()
        for photo in photos:
            stored_name = store.save(photo)
            stored.append(stored_name)
            session.add(ClaimPhoto(claim_id=claim.id, stored_name=stored_name, content_type=photo.content_type,
                                   size_bytes=len(photo.content)))
        record_change(session, DocType.CLAIM, claim.id)
        session.commit()
    except IntegrityError:
        session.rollback()
        store.discard(stored)
        # Two submits of one form raced past the idempotency check: the other one won.
        existing = already_done(session, WarrantyClaim, data.idempotency_key, scope)
        if existing is None:
            raise
        return FiledClaim(existing, _ticket_number(session, existing), None, already_filed=True)
    except BaseException:
        session.rollback()
        store.discard(stored)
        raise
    return FiledClaim(claim, ticket.number, token)


def _ticket_number(session: Session, claim: WarrantyClaim) -> str:
    return session.exec(select(Ticket.number).where(Ticket.id == claim.ticket_id)).first() or ""


def get_claim(session: Session, number: str) -> WarrantyClaim:
    """The claim with this number, or ClaimNotFound."""
    claim = session.exec(select(WarrantyClaim).where(WarrantyClaim.number == number.strip().upper())).first()
    if claim is None:
        raise ClaimNotFound(number)
    return claim


def change_status(session: Session, *, claim: WarrantyClaim, change: ClaimStatusChange, agent: CurrentAgent) -> WarrantyClaim:
    """Move the claim on, if the move is allowed and the agent may make it; logged to the linked ticket."""
    if change.current is not None and change.current != claim.status:
        raise ClaimChanged(f"{claim.number} was moved to {claim.status} by someone else; nothing was changed.")
    if not can_change_claim_status(claim.status, change.status):
        allowed = ", ".join(NEXT_CLAIM_STATUSES.get(claim.status, ())) or "nothing (it is closed)"
        raise ClaimInvalid({"status": f"A {claim.status} claim can move to {allowed}, not {change.status}."})
    if change.status in STATUSES_NEEDING_REASON and not change.customer_reason:
        raise ClaimInvalid({"customer_reason": "Say why the claim is rejected, in words for the customer: "
                                               "their status page shows this text."})
    if change.customer_reason and change.status not in STATUSES_NEEDING_REASON:
        raise ClaimInvalid({"customer_reason": "Only a rejection is explained to the customer; "
                                               "put other remarks in the internal note."})
    if needs_supervisor(eligibility=claim.eligibility, new_status=change.status) and not agent.is_supervisor:
        raise ClaimForbidden("This claim was filed out of warranty: only a supervisor can approve it.")
    previous = claim.status
    claim.status = change.status
    claim.updated_at = utcnow()
    if change.reason:
        claim.decision_reason = change.reason
    if change.customer_reason:
        claim.customer_reason = change.customer_reason
    session.add(claim)
    if claim.ticket_id:
        text = (f"Claim {claim.number}: {previous} → {change.status}"
                + (f". Reason for the customer: {change.customer_reason}" if change.customer_reason else "")
                + (f". Internal note: {change.reason}" if change.reason else ""))
        tickets.add_to_thread(session, ticket_id=claim.ticket_id, kind=InteractionKind.STATUS_CHANGE, body=text,
                              agent_id=agent.id)
    session.commit()
    return claim


def add_to_claim(session: Session, *, claim: WarrantyClaim, text: str, agent_id: int | None) -> None:
    """Add what the customer reports to an existing claim's ticket, instead of filing a duplicate."""
    if not claim.ticket_id:
        raise ClaimInvalid({"description": "This claim has no ticket to add to."})
    tickets.add_to_thread(session, ticket_id=claim.ticket_id, kind=InteractionKind.NOTE, body=text, agent_id=agent_id)
    session.commit()


def claim_for_status_token(session: Session, token: str) -> WarrantyClaim | None:
    """The claim a customer's status link points at, or None for a wrong token."""
    if not token or len(token) > 100:
        return None
    return session.exec(select(WarrantyClaim).where(WarrantyClaim.status_token_hash == _token_hash(token))).first()
