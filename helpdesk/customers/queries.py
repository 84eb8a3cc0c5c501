"""The reads behind the customer page: prebuilt statements, one round trip each, none per row.

The page is opened while a caller waits, so its statements are built once at import and run with
bound parameters: SQLAlchemy then skips rebuilding and re-keying them on every request, which was
most of the page's cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Collection
from datetime import date
from enum import StrEnum

from sqlalchemy import bindparam, case, func, select
from sqlmodel import Session, col

from helpdesk import ids, phones
from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.errors import CustomerMerged, CustomerNotFound
from helpdesk.auth.models import Agent
from helpdesk.customers.models import Customer, CustomerNote
from helpdesk.customers.single_view import ClaimView, CustomerView, PinnedNote, Profile
from helpdesk.history.queries import customer_timeline
from helpdesk.paging import Page, next_offset, parse_offset
from helpdesk.privacy import masking
from helpdesk.privacy import store as personal
from helpdesk.reports.models import StatsCustomer, TierOverride
from helpdesk.sales import loyalty
from helpdesk.sales.models import PaymentStatus, Product, Purchase, PurchaseKind, PurchaseLine
from helpdesk.sales.queries import ItemPage, PurchasedItem, customer_item, find_items, purchases_page
from helpdesk.tickets.models import OPEN_STATUSES, Ticket
from helpdesk.tickets.queries import customer_tickets

CLAIMS_PER_PAGE = 10

_SURVIVOR = Customer.__table__.alias("survivor")

_HEADER = select(
    Customer.id,
    Customer.code,
    Customer.created_at,
    Customer.tier,
    Customer.loyalty_points,
    select(func.coalesce(func.sum(case((Purchase.payment_status != PaymentStatus.REFUNDED, Purchase.total_paise), else_=0)), 0))
    .where(Purchase.customer_id == Customer.id).scalar_subquery(),
    select(func.coalesce(func.sum(Purchase.amount_due_paise), 0)).where(Purchase.customer_id == Customer.id).scalar_subquery(),
    # Orders only: a credit note lowers the spend above but is not another purchase.
    select(func.count(Purchase.id)).where(Purchase.customer_id == Customer.id, Purchase.kind == PurchaseKind.SALE)
    .scalar_subquery(),
    select(func.avg(Ticket.satisfaction_score)).where(Ticket.customer_id == Customer.id).scalar_subquery(),
    select(func.count(Ticket.satisfaction_score)).where(Ticket.customer_id == Customer.id).scalar_subquery(),
    select(func.count(Ticket.id)).where(Ticket.customer_id == Customer.id, col(Ticket.status).in_(OPEN_STATUSES))
    .scalar_subquery(),
    # The pinned note rides along in the same round trip: the header shows it first.
    select(CustomerNote.text).where(CustomerNote.customer_id == Customer.id).scalar_subquery(),
    select(CustomerNote.updated_at).where(CustomerNote.customer_id == Customer.id).scalar_subquery(),
    select(Agent.name).join(CustomerNote, col(CustomerNote.updated_by_id) == Agent.id)
    .where(CustomerNote.customer_id == Customer.id).scalar_subquery(),
    # Why the customer has their tier (the reports' tier rule, or a supervisor's override).
    select(StatsCustomer.tier_reason).where(StatsCustomer.customer_id == Customer.id).scalar_subquery(),
    select(StatsCustomer.derived_tier).where(StatsCustomer.customer_id == Customer.id).scalar_subquery(),
    select(TierOverride.summary).where(TierOverride.customer_id == Customer.id).scalar_subquery(),
    Customer.consent_sms,
    Customer.consent_email,
    Customer.consent_whatsapp,
    Customer.preferred_language,
    Customer.erased_at,
    # A merged customer's page leads to the survivor: whose code rides along too.
    select(_SURVIVOR.c.code).where(_SURVIVOR.c.id == Customer.merged_into_id).scalar_subquery(),
).where(Customer.code == bindparam("code"))

_ROW_ID = select(Customer.id, select(_SURVIVOR.c.code).where(_SURVIVOR.c.id == Customer.merged_into_id).scalar_subquery()
                 ).where(Customer.code == bindparam("code"))

_CLAIMS = (
    select(WarrantyClaim.number, Product.name, Product.model_number, WarrantyClaim.status, WarrantyClaim.eligibility,
           WarrantyClaim.filed_at)
    .join(PurchaseLine, col(PurchaseLine.id) == WarrantyClaim.purchase_line_id)
    .join(Product, col(Product.id) == PurchaseLine.product_id)
    .where(WarrantyClaim.customer_id == bindparam("customer_id"))
    .order_by(col(WarrantyClaim.filed_at).desc(), col(WarrantyClaim.id).desc())
    .limit(bindparam("limit")).offset(bindparam("offset"))
)


def customer_view(session: Session, code: str, *, today: date) -> CustomerView:
    """Everything the customer page shows: nine queries whatever the history's length. Personal fields masked."""
    return customer_page(session, code, today=today)[0]


def customer_page(session: Session, code: str, *, today: date,
                  reveal: Collection[str] = ()) -> tuple[CustomerView, dict[str, str]]:
    """The view, and the plain values of the fields in `reveal` (the agent's live reveals) from the same read."""
    profile, customer_id, record = _profile(session, code)
    revealed = {field: value for field in reveal if (value := masking.plain(record, field))}
    return CustomerView(
        profile=profile,
        purchases=purchases_page(session, customer_id, today=today),
        claims=claims_page(session, customer_id),
        open_tickets=customer_tickets(session, customer_id, open_ones=True, total=profile.open_ticket_count),
        past_tickets=customer_tickets(session, customer_id, open_ones=False),
        timeline=customer_timeline(session, customer_id),
        points=loyalty.history_page(session, customer_id),
    ), revealed


def _profile(session: Session, code: str) -> tuple[Profile, int, personal.PersonalDetails | None]:
    header = session.execute(_HEADER, {"code": code}).first()
    if header is None:
        raise CustomerNotFound(code)
    (customer_id, code, since, tier, points, spend, due, purchases, sat_avg, sat_count, open_count,
     note, note_at, note_by, tier_reason, tier_derived, tier_override, consent_sms, consent_email, consent_whatsapp,
     language, erased_at, survivor_code) = header
    if survivor_code is not None:
        raise CustomerMerged(code, survivor_code)
    record = personal.read(session, code)
    name, phone, email, city = (record.full_name, record.phone, record.email, record.city) if record else (None,) * 4
    return Profile(
        customer_id=code,
        customer_id_grouped=ids.format_grouped(code),
        name=name,
        phone_masked=phones.mask(phone),
        email_masked=phones.mask_email(email),
        city=city,
        tier=tier,
        loyalty_points=points,
        customer_since=since,
        lifetime_spend_paise=int(spend),
        outstanding_paise=int(due),
        purchase_count=int(purchases),
        has_personal_record=record is not None,
        satisfaction_avg=float(sat_avg) if sat_avg is not None else None,
        satisfaction_count=int(sat_count),
        open_ticket_count=int(open_count),
        pinned_note=PinnedNote(note or "", note_at, note_by),
        tier_reason=tier_reason or None,
        tier_derived=tier_derived,
        tier_override=tier_override,
        alt_phone_masked=masking.masked(record, masking.RevealField.ALT_PHONE),
        address_masked=masking.masked(record, masking.RevealField.ADDRESS),
        consent_sms=consent_sms,
        consent_email=consent_email,
        consent_whatsapp=consent_whatsapp,
        preferred_language=language,
        erased_at=erased_at,
    ), customer_id, record


def claims_page(session: Session, customer_id: int, *, cursor: str | None = None) -> Page[ClaimView]:
    """Warranty claims, newest first, with the claimed product."""
    offset = parse_offset(cursor)
    rows = session.execute(_CLAIMS, {"customer_id": customer_id, "limit": CLAIMS_PER_PAGE + 1, "offset": offset}).all()
    items = [ClaimView(*row) for row in rows[:CLAIMS_PER_PAGE]]
    return Page(items=items, next_cursor=next_offset(offset, CLAIMS_PER_PAGE, len(rows)))


def customer_row_id(session: Session, code: str) -> int:
    """The customer's row id for a (validated) customer ID; CustomerNotFound, or CustomerMerged for a merged one."""
    row = session.execute(_ROW_ID, {"code": code}).first()
    if row is None:
        raise CustomerNotFound(code)
    if row[1] is not None:
        raise CustomerMerged(code, row[1])
    return row[0]


class CustomerList(StrEnum):
    """The customer page's lists that page in place ("show more")."""

    TIMELINE = "timeline"
    PURCHASES = "purchases"
    CLAIMS = "claims"
    OPEN_TICKETS = "open-tickets"
    PAST_TICKETS = "past-tickets"
    POINTS = "points"


def more_rows(session: Session, code: str, which: CustomerList, *, cursor: str | None, today: date) -> Page:
    """The page of one of the customer page's lists that `cursor` points at."""
    customer_id = customer_row_id(session, code)
    if which == CustomerList.TIMELINE:
        return customer_timeline(session, customer_id, cursor=cursor)
    if which == CustomerList.PURCHASES:
        return purchases_page(session, customer_id, today=today, cursor=cursor)
    if which == CustomerList.CLAIMS:
        return claims_page(session, customer_id, cursor=cursor)
    if which == CustomerList.POINTS:
        return loyalty.history_page(session, customer_id, cursor=cursor)
    return customer_tickets(session, customer_id, open_ones=which == CustomerList.OPEN_TICKETS, cursor=cursor)


@dataclass
class ItemChoices:
    """The ticket form's item picker: a page of matching items, and the item already chosen (wherever it is)."""

    page: ItemPage
    chosen: PurchasedItem | None


def item_choices(session: Session, code: str, *, query: str = "", page: int = 1, chosen: int | None = None) -> ItemChoices:
    """Every item the customer owns is reachable: searched and paged, never cut at a fixed number. Four queries."""
    customer_id = customer_row_id(session, code)
    return ItemChoices(page=find_items(session, customer_id, query=query, page=page),
                       chosen=customer_item(session, customer_id, chosen))


_NOTE = (select(CustomerNote.text, CustomerNote.updated_at, Agent.name)
         .join(Agent, col(Agent.id) == CustomerNote.updated_by_id, isouter=True)
         .where(CustomerNote.customer_id == bindparam("customer_id")))


def pinned_note(session: Session, customer_id: int) -> PinnedNote:
    """The customer's pinned note as the header shows it (empty when there is none)."""
    row = session.execute(_NOTE, {"customer_id": customer_id}).first()
    return PinnedNote(*row) if row else PinnedNote("", None, None)


def survivor_code(session: Session, code: str) -> str:
    """The customer a merged ID now leads to, following merges of merges."""
    seen = {code}
    while True:
        row = session.execute(select(_SURVIVOR.c.code).select_from(_SURVIVOR)
                              .join(Customer, col(Customer.merged_into_id) == _SURVIVOR.c.id)
                              .where(Customer.code == code)).first()
        if row is None or row[0] in seen:
            return code
        code = row[0]
        seen.add(code)


def merged_note(session: Session, code: str, merged_from: str) -> str | None:
    """"Customer … was merged into this customer", when `merged_from` (as typed) really was merged into `code`."""
    if not ids.is_valid(merged_from):
        return None
    old = ids.parse(merged_from)
    merged_into = session.execute(select(_SURVIVOR.c.code).select_from(_SURVIVOR)
                                  .join(Customer, col(Customer.merged_into_id) == _SURVIVOR.c.id)
                                  .where(Customer.code == old)).scalar()
    if merged_into != code:
        return None
    return f"Customer {ids.format_grouped(old)} was merged into this customer ({ids.format_grouped(code)})."


@dataclass
class MatchView:
    """A possible duplicate as the warning shows it: ID, name, masked phone, and why."""

    customer_id: str
    name: str | None
    phone_masked: str
    reasons: tuple[str, ...]


def match_views(session: Session, matches) -> list[MatchView]:
    """Names and masked phones for duplicate matches: one query."""
    records = personal.read_many(session, [match.customer_id for match in matches])
    views = []
    for match in matches:
        record = records.get(match.customer_id)
        views.append(MatchView(match.customer_id, record.full_name if record else None,
                               phones.mask(record.phone) if record else "", match.reasons))
    return views


def registered_name(session: Session, code: str) -> str | None:
    """The name of a customer just registered (CustomerNotFound for an ID nobody has)."""
    customer_row_id(session, code)
    record = personal.read(session, code)
    return record.full_name if record else None
