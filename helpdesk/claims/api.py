"""JSON API for warranty claims (agents only): list, read, file (without photos) and move on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import JSONBody

from helpdesk.auth.guards import agents_only
from helpdesk.claims import queries, service
from helpdesk.claims.forms import CLAIM_FILTERS, ClaimListFilters
from helpdesk.claims.models import ClaimCreate, ClaimStatusChange
from helpdesk.customers import service as customers
from helpdesk.timeutil import shop_today, utcnow
from helpdesk.web_helpers import DB, ClaimNumberPath, api_responses, canonical_id


class ClaimCreateRequest(ClaimCreate):
    """A claim for one of this customer's purchased items."""

    customer_id: str


@dataclass
class ClaimOut:
    number: str
    customer_id: str
    status: str
    eligibility: str
    fault_category: str
    description: str
    remedy: str
    product_name: str
    model_number: str
    serial_number: str | None
    purchased_on: date
    warranty: str
    ticket_number: str | None
    filed_at: datetime
    decision_reason: str | None  # the agents' internal note
    customer_reason: str | None  # a rejection's reason as the customer's status page shows it
    next_statuses: list[str]
    photo_count: int


@dataclass
class ClaimListOut:
    total: int
    page: int
    pages: int
    items: list[queries.ClaimRow]
    top_models: list[tuple[str, str, int]]


def _out(session, number: str) -> ClaimOut:
    page = queries.claim_page(session, service.get_claim(session, number), today=shop_today())
    claim = page.claim
    return ClaimOut(
        number=claim.number, customer_id=page.customer_id, status=claim.status, eligibility=claim.eligibility,
        fault_category=claim.fault_category, description=claim.description, remedy=claim.remedy,
        product_name=page.product_name, model_number=page.model_number, serial_number=page.serial_number,
        purchased_on=page.purchased_on, warranty=page.warranty_now.message, ticket_number=page.ticket_number,
        filed_at=claim.filed_at, decision_reason=claim.decision_reason,
        customer_reason=claim.customer_reason, next_statuses=list(page.next_statuses),
        photo_count=len(page.photo_ids),
    )


class ClaimApiController(Controller):
    guards = [agents_only]
    path = "/api/claims"
    tags = ["claims"]

    @get("/", sync_to_thread=True, dependencies=CLAIM_FILTERS, responses=api_responses(422))
    def list_claims(self, db: DB, filters: ClaimListFilters) -> ClaimListOut:
        """Claims matching the filters, newest first, 50 a page, with the most-claimed models."""
        with db.read() as session:
            result = queries.list_claims(session, filters=filters, now=utcnow())
        return ClaimListOut(total=result.total, page=filters.page, pages=result.pages, items=result.rows, top_models=result.top_models)

    @get("/{number:str}", sync_to_thread=True, responses=api_responses(404, 422))
    def read(self, db: DB, number: ClaimNumberPath) -> ClaimOut:
        """One claim with its item, eligibility and next possible statuses."""
        with db.read() as session:
            return _out(session, number)

    @post("/", sync_to_thread=True, status_code=201, responses=api_responses(404, 409, 422))
    def create(self, request: Request, db: DB, data: JSONBody[ClaimCreateRequest]) -> ClaimOut:
        """File a claim (and its ticket); the same idempotency_key twice files it once."""
        code = canonical_id(data.customer_id)
        with db.write() as session:
            customer = customers.active_customer(session, code)
            filed = service.file_claim(session, customer=customer, data=ClaimCreate.model_validate(data.model_dump()),
                                       photos=[], today=shop_today(), agent_id=request.user.id)
            return _out(session, filed.claim.number)

    @post("/{number:str}/status", sync_to_thread=True, status_code=200, responses=api_responses(404, 409, 422))
    def change_status(self, request: Request, db: DB, number: ClaimNumberPath, data: JSONBody[ClaimStatusChange]) -> ClaimOut:
        """Move the claim on; 422 for a move the status machine forbids, 403 for a supervisor's decision."""
        with db.write() as session:
            claim = service.get_claim(session, number)
            try:
                service.change_status(session, claim=claim, change=data, agent=request.user)
            except service.ClaimForbidden as exc:
                raise PermissionDeniedException(str(exc)) from None
            return _out(session, number)
