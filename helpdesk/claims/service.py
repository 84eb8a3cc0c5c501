"""Claim rules with the database: claimable items, filing (claim + ticket + photos in one go), status changes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk import wording
from helpdesk.auth.service import CurrentAgent
from helpdesk.claims.models import ClaimCreate, ClaimPhoto, ClaimPhotoContent, ClaimStatus, ClaimStatusChange, Eligibility, WarrantyClaim
from helpdesk.claims.errors import ClaimChanged, ClaimForbidden, ClaimInvalid, ClaimNotFound
from helpdesk.claims.photos import Photo, new_stored_name
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
from helpdesk.i18n.text import Translatable
from helpdesk.idempotency import KEY_REUSED, already_done, sender_scope
from helpdesk.sales.queries import PurchasedItem, customer_item, find_items
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


def _open_claims_by_line(session: Session, line_ids: list[int]) -> dict[int, str]:
    if not line_ids:
        return {}
    rows = session.exec(
        select(WarrantyClaim.purchase_line_id, WarrantyClaim.number)
        .where(col(WarrantyClaim.purchase_line_id).in_(line_ids), col(WarrantyClaim.status).in_(OPEN_CLAIM_STATUSES))
    ).all()
    return dict(rows)


def _claimable(item: PurchasedItem, open_claims: dict[int, str], today: date) -> ClaimableItem:
    check = check_eligibility(purchased_on=item.purchased_on, warranty_months=item.warranty_months, today=today,
                              open_claim_number=open_claims.get(item.line_id), returned=item.returned)
    return ClaimableItem(item.line_id, item.product_name, item.category, item.model_number, item.serial_number,
                         item.purchased_on, item.order_number, check)


@dataclass
class ClaimablePage:
    """A page of the customer's items (searched and paged: a customer may own hundreds), each with its eligibility."""

    items: list[ClaimableItem]
    total: int
    page: int
    pages: int
    query: str


def claimable_items(session: Session, customer: Customer, *, today: date, query: str = "", page: int = 1) -> ClaimablePage:
    """The customer's purchased items matching `query`, newest first, one page of them: three queries."""
    found = find_items(session, customer.id, query=query, page=page)
    open_claims = _open_claims_by_line(session, [item.line_id for item in found.items])
    return ClaimablePage(items=[_claimable(item, open_claims, today) for item in found.items], total=found.total,
                         page=found.page, pages=found.pages, query=found.query)


def claimable_item(session: Session, customer: Customer, line_id: int, *, today: date) -> ClaimableItem:
    """One item of this customer's, or ClaimInvalid when the item is not theirs."""
    item = customer_item(session, customer.id, line_id)
    if item is None:
        raise ClaimInvalid({"purchase_line_id": Translatable("That item is not one of this customer's purchases.")})
    return _claimable(item, _open_claims_by_line(session, [line_id]), today)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _status_token(status_key: str | None, idempotency_key: str | None) -> str:
    """The customer's status-link token. Derived from the form's key under the server's secret, so a repeated
    submit of the same form answers with the same link; random when there is no key to derive it from."""
    if not (status_key and idempotency_key):
        return secrets.token_urlsafe(24)
    digest = hmac.new(status_key.encode(), b"warranty-status|" + idempotency_key.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def _repeat(session: Session, existing: WarrantyClaim, customer: Customer, data: ClaimCreate,
            status_key: str | None) -> FiledClaim:
    """What a repeated submit of an already filed form answers: the same claim, and the same status link."""
    if existing.customer_id != customer.id:
        raise ClaimInvalid({"form": Translatable("This form was already used. Reload the page and fill it in again.")})
    token = None
    if existing.status_token_hash and status_key:
        candidate = _status_token(status_key, data.idempotency_key)
        token = candidate if hmac.compare_digest(_token_hash(candidate), existing.status_token_hash) else None
    return FiledClaim(existing, _ticket_number(session, existing), token, already_filed=True)


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
    today: date,
    agent_id: int | None,
    self_service: bool = False,
    status_key: str | None = None,
    idempotency_scope: str | None = None,
) -> FiledClaim:
    """File a claim with its linked ticket and photos in one transaction: all of it exists, or none of it.

    `status_key` (the server's secret) lets a repeated self-service submit answer with the same status link.
    `idempotency_scope`: who sent the key (default: the agent, or the verified customer on the public page).
    """
    scope = idempotency_scope or sender_scope(agent_id=agent_id, customer_id=customer.id)
    if existing := already_done(session, WarrantyClaim, data.idempotency_key, scope):
        if (existing.customer_id, existing.purchase_line_id) != (customer.id, data.purchase_line_id):
            raise ClaimInvalid({"idempotency_key": KEY_REUSED})
        return _repeat(session, existing, customer, data, status_key)
    item = claimable_item(session, customer, data.purchase_line_id, today=today)
    if item.check.eligibility in (Eligibility.DUPLICATE, Eligibility.RETURNED):
        raise ClaimInvalid({"purchase_line_id": item.check.message})
    if data.fault_category not in item.faults:
        raise ClaimInvalid({"fault_category": Translatable("Choose one of the fault categories listed for this product.")})
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
    token = _status_token(status_key, data.idempotency_key) if self_service else None
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
    try:
        session.flush()
        for photo in photos:
            row = ClaimPhoto(claim_id=claim.id, stored_name=new_stored_name(photo), content_type=photo.content_type,
                             size_bytes=len(photo.content))
            session.add(row)
            session.flush()
            session.add(ClaimPhotoContent(photo_id=row.id, content=photo.content))
        record_change(session, DocType.CLAIM, claim.id)
        session.commit()
    except IntegrityError:
        session.rollback()
        # Two submits of one form raced past the idempotency check: the other one won.
        existing = already_done(session, WarrantyClaim, data.idempotency_key, scope)
        if existing is not None:
            return _repeat(session, existing, customer, data, status_key)
        # Two claims for one item raced past the open-claim check: the database let one in (uq_claim_open_per_line).
        again = claimable_item(session, customer, data.purchase_line_id, today=today)
        if again.check.eligibility == Eligibility.DUPLICATE:
            raise ClaimInvalid({"purchase_line_id": again.check.message}) from None
        raise
    except BaseException:
        session.rollback()
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
        raise ClaimChanged(f"{claim.number} was moved to {wording.human(claim.status)} by someone else; "
                           "nothing was changed.")
    if not can_change_claim_status(claim.status, change.status):
        allowed = wording.options(NEXT_CLAIM_STATUSES.get(claim.status, ())) or "nothing (it is closed)"
        raise ClaimInvalid({"status": f"{wording.a_status(claim.status, 'claim')} can move to {allowed}, "
                                      f"not {wording.human(change.status)}."})
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
        text = (f"Claim {claim.number}: {wording.human(previous)} → {wording.human(change.status)}"
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
