"""The public warranty page: prove who you are, see only your own items, file a claim, follow its status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import MultipartBody, PathParameter, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from helpdesk.auth.guards import anyone
from helpdesk.auth.sessions import rotate_session_id
from helpdesk.claims import queries, self_service, service
from helpdesk.claims.forms import read_claim_form
from helpdesk.claims.photos import TOO_LARGE, UPLOAD_LIMIT
from helpdesk.customers import service as customers
from helpdesk.i18n.switch import LANGUAGE, PageLanguage, provide_language, remember_language
from helpdesk.timeutil import shop_today, utcnow
from helpdesk.web_helpers import DB, AppSettings, idempotency_key

_SESSION_KEY = "warranty"

ItemQuery = Annotated[str, QueryParameter(required=False, max_length=200, description="words of a product, model, serial or order")]
ItemPageNumber = Annotated[int, QueryParameter(required=False, ge=1, le=100_000)]


def _page_number(value: Any) -> int:
    text = str(value or "")
    return min(int(text), 100_000) if text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def _verified(request: Request) -> tuple[int, str] | None:
    """(customer id, code) while this browser's proof of identity is fresh."""
    state = (request.session or {}).get(_SESSION_KEY) if request.scope.get("session") else None
    if not isinstance(state, dict):
        return None
    try:
        until = datetime.fromisoformat(state["until"])
    except (KeyError, ValueError):
        return None
    if until < utcnow():
        return None
    return state.get("customer_id"), state.get("code")


def _remember(request: Request, verified: self_service.Verified) -> None:
    session = dict(request.session or {}) if request.scope.get("session") else {}
    session[_SESSION_KEY] = {"customer_id": verified.customer_id, "code": verified.code,
                             "until": (utcnow() + self_service.VERIFIED_FOR).isoformat()}
    rotate_session_id(request)  # a new privilege level gets a new session ID
    request.set_session(session)


def _forget(request: Request) -> None:
    if not request.scope.get("session"):
        return
    session = {k: v for k, v in dict(request.session).items() if k != _SESSION_KEY}
    request.set_session(session if session else {})


class WarrantyController(Controller):
    """No sign-in here: every route checks the verified customer itself and shows nothing of anyone else."""
    guards = [anyone]
    # In Hindi or English, as the customer chose (?lang=hi on any of its pages) or their browser prefers.
    dependencies = LANGUAGE
    before_request = remember_language

    path = "/warranty"

    @get("/", exclude_from_auth=True, sync_to_thread=True)
    def start(self, request: Request, db: DB, language: PageLanguage, item_q: ItemQuery = "",
              item_page: ItemPageNumber = 1, line: Annotated[int | None, QueryParameter(required=False, ge=1, le=2**62)] = None) -> Template:
        """Verification form, or the claim form once verified (its items searched and paged)."""
        verified = _verified(request)
        if verified:
            form = {"item_q": item_q, "item_page": item_page, "purchase_line_id": str(line or "")}
            return _claim_form(db, verified, language, form=form, errors={})
        return Template(template_name="claims/warranty/verify.html",
                        context={"form": {}, "message": None, "language": language})

    @post("/", exclude_from_auth=True, sync_to_thread=True, status_code=200)
    def verify(self, request: Request, db: DB, language: PageLanguage,
               data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        """Customer ID and a second fact, checked together, rate-limited per ID and per client."""
        form = {"customer": str(data.get("customer") or "")[:40], "second": str(data.get("second") or "")[:40]}
        client = request.client.host if request.client else "unknown"
        with db.write() as session:
            try:
                verified = self_service.verify(session, customer_id_text=form["customer"], second_fact=form["second"],
                                               client=client, now=utcnow())
            except self_service.TooManyAttempts as exc:
                return Template(template_name="claims/warranty/verify.html", status_code=429,
                                context={"form": {"customer": form["customer"]}, "message": exc.message,
                                         "language": language},
                                headers={"Retry-After": str(exc.retry_after)})
        if verified is None:
            return Template(template_name="claims/warranty/verify.html", status_code=400,
                            context={"form": {"customer": form["customer"]}, "message": self_service.NOT_VERIFIED,
                                     "language": language})
        _remember(request, verified)
        return Redirect("/warranty", status_code=303)

    @get("/faults", exclude_from_auth=True, sync_to_thread=True)
    def faults(self, request: Request, db: DB, language: PageLanguage,
               purchase_line_id: Annotated[str, QueryParameter(required=False, max_length=20)] = "") -> Template:
        """The fault categories of the chosen item only (swapped in when an item is chosen)."""
        verified = _verified(request)
        item = None
        if verified:
            with db.read() as session:
                item = _chosen_item(session, verified, purchase_line_id)
        return Template(template_name="claims/warranty/_faults.html",
                        context={"item": item, "form": {}, "errors": {}, "language": language},
                        headers={"Vary": "HX-Request"})

    @post("/claim", exclude_from_auth=True, sync_to_thread=True, status_code=200, request_max_body_size=UPLOAD_LIMIT,
          exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: lambda request, exc: _too_large(request, exc)})
    def file(self, request: Request, db: DB, settings: AppSettings, language: PageLanguage,
             data: MultipartBody[dict[str, Any]]) -> Template | Redirect:
        """File a claim for one of the verified customer's own items."""
        verified = _verified(request)
        if verified is None:
            return Redirect("/warranty", status_code=303)
        submission = read_claim_form(data, extra_fields=("item_q",))
        form, photos, claim_input, errors = submission.form, submission.photos, submission.claim, submission.errors
        if not errors and claim_input is not None:
            with db.write() as session:
                customer = customers.customer_by_row_id(session, verified[0])
                try:
                    filed = service.file_claim(session, customer=customer, data=claim_input, photos=photos,
                                               today=shop_today(), agent_id=None,
                                               self_service=True, status_key=settings.secret_key)
                except service.ClaimInvalid as exc:
                    errors = exc.errors
                else:
                    status_path = f"/warranty/status/{filed.status_token}" if filed.status_token else None
                    link = str(request.base_url).rstrip("/") + status_path if status_path else None
                    # Switching language here leads on to the status page, which shows the same claim number.
                    return Template(template_name="claims/warranty/filed.html",
                                    context={"number": filed.claim.number, "status_link": link,
                                             "language": language, "switch_path": status_path or "/warranty"})
        return _claim_form(db, verified, language, form=form, errors=errors, status_code=400)

    @post("/done", exclude_from_auth=True, status_code=200)
    async def done(self, request: Request) -> Redirect:
        """Forget the verification on this browser (a shared computer in a shop)."""
        _forget(request)
        return Redirect("/warranty", status_code=303)

    @get("/status/{token:str}", exclude_from_auth=True, sync_to_thread=True)
    def status(self, db: DB, language: PageLanguage,
               token: Annotated[str, PathParameter(description="the token from the status link")]) -> Template:
        """The claim's status for whoever holds the unguessable link; a wrong token is a plain 404."""
        with db.read() as session:
            claim = service.claim_for_status_token(session, token)
            if claim is None:
                return Template(template_name="claims/warranty/status.html", context={"page": None, "language": language},
                                status_code=404)
            page = queries.public_status(session, claim)
        return Template(template_name="claims/warranty/status.html",
                        context={"page": page, "status_words": queries.PUBLIC_STATUS_WORDS, "language": language})


def _chosen_item(session, verified: tuple[int, str], line_text: str):
    """The verified customer's item with this line id, or None (someone else's, or not a number)."""
    if not (line_text.isdigit() and len(line_text) < 19):
        return None
    customer = customers.customer_by_row_id(session, verified[0])
    try:
        return service.claimable_item(session, customer, int(line_text), today=shop_today())
    except service.ClaimInvalid:
        return None


def _claim_form(db, verified: tuple[int, str], language: str, *, form: dict, errors: dict,
                status_code: int = 200) -> Template:
    with db.read() as session:
        customer = customers.customer_by_row_id(session, verified[0])
        items = service.claimable_items(session, customer, today=shop_today(), query=str(form.get("item_q") or ""),
                                        page=_page_number(form.get("item_page")))
        item = _chosen_item(session, verified, str(form.get("purchase_line_id") or ""))
    return Template(
        template_name="claims/warranty/claim.html", status_code=status_code,
        context={"items": items, "item": item, "form": form, "errors": errors, "new_key": idempotency_key(form),
                 # Also answered to POST /warranty/claim, which has no GET: the switch goes to the form's page.
                 "language": language, "switch_path": "/warranty"},
    )


def _too_large(request: Request, exc: Exception) -> Response:
    """An upload over the body limit: the form again with the reason beside the photos, not a bare 413 page."""
    verified = _verified(request)
    if verified is None:
        return Redirect("/warranty", status_code=303)
    return _claim_form(request.app.state.db, verified, provide_language(request), form={}, errors={"photos": TOO_LARGE},
                       status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE)
