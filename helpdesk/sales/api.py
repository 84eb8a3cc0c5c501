"""The POS push API: sales, batches of sales, returns (credit notes) and point redemptions, with an API token."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Request, Response, post
from litestar.params import HeaderParameter, JSONBody

from helpdesk.auth.guards import TOKEN_HOLDER, pos_token_only
from helpdesk.idempotency import token_scope
from helpdesk.sales import loyalty, push
from helpdesk.sales.loyalty import RedemptionOut
from helpdesk.sales.pos import PurchaseOut, record_purchase
from helpdesk.sales.pos_input import BatchIn, PurchaseIn, RedemptionIn, ReturnIn
from helpdesk.sales.push import BatchOut
from helpdesk.sales.returns import record_return
from helpdesk.timeutil import utcnow
from helpdesk.web_helpers import DB, AppSettings, api_responses

IdempotencyKeyHeader = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
    description="the same key with the same body replays the first answer (kept 48 hours); with another body: 422; "
                "while the first is still running: 409")]


def _answer(status_code: int, body: str) -> Response:
    return Response(content=body.encode(), status_code=status_code, media_type=MediaType.JSON)


class PosApiController(Controller):
    # Outside session auth and CSRF (helpdesk/app.py): only a token with scope pos gets in.
    guards = [pos_token_only]
    path = "/api/pos"
    tags = ["point of sale"]
    security = [{"BearerToken": []}]

    def _once(self, request: Request, db: DB, key: str | None, data, work, status_code: int = 201) -> Response:
        scope = token_scope(request.scope[TOKEN_HOLDER].id)  # type: ignore[typeddict-item]
        return _answer(*push.once(db, scope=scope, key=key, status_code=status_code, work=work,
                                  request=push.request_hash(request.method, request.url.path, data)))

    @post("/purchases", sync_to_thread=True, status_code=201, responses=api_responses(409, 422))
    def purchase(self, request: Request, db: DB, settings: AppSettings, data: JSONBody[PurchaseIn],
                 idempotency_key: IdempotencyKeyHeader = None) -> Response[PurchaseOut]:
        """Record a sale. The same order again answers as the first time; its number with other content is a 409."""
        return self._once(request, db, idempotency_key, data, lambda session: record_purchase(
            session, data, now=utcnow(), rupees_per_point=settings.loyalty_rupees_per_point))

    @post("/purchases/batch", sync_to_thread=True, status_code=200, responses=api_responses(409, 422))
    def batch(self, request: Request, db: DB, settings: AppSettings, data: JSONBody[BatchIn],
              idempotency_key: IdempotencyKeyHeader = None) -> Response[BatchOut]:
        """Record many sales; each item answers on its own (201 recorded or repeated, 409, 422)."""
        return self._once(request, db, idempotency_key, data, lambda _: push.record_batch(
            db, data.purchases, rupees_per_point=settings.loyalty_rupees_per_point), status_code=200)

    @post("/returns", sync_to_thread=True, status_code=201, responses=api_responses(409, 422))
    def credit_note(self, request: Request, db: DB, settings: AppSettings, data: JSONBody[ReturnIn],
                    idempotency_key: IdempotencyKeyHeader = None) -> Response[PurchaseOut]:
        """Record a return as a credit note whose lines point at the original order's lines (1 = its first line)."""
        return self._once(request, db, idempotency_key, data, lambda session: record_return(
            session, data, now=utcnow(), rupees_per_point=settings.loyalty_rupees_per_point))

    @post("/redemptions", sync_to_thread=True, status_code=201, responses=api_responses(409, 422))
    def redemption(self, request: Request, db: DB, data: JSONBody[RedemptionIn],
                   idempotency_key: IdempotencyKeyHeader = None) -> Response[RedemptionOut]:
        """Spend a customer's points at the till; more than the balance is a 422."""
        return self._once(request, db, idempotency_key, data, lambda session: loyalty.redeem_at_till(session, data))
