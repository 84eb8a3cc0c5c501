"""Domain errors and HTTP errors mapped to responses in one place: JSON under /api, pages elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError

from helpdesk.claims.errors import ClaimChanged, ClaimForbidden, ClaimInvalid, ClaimNotFound
from helpdesk.customers.errors import CustomerMerged, CustomerNotFound, MergeNotFound, MergeRefused
from helpdesk.idempotency import KeyInUse, KeyReusedForOther
from helpdesk.ids import InvalidCustomerId
from helpdesk.paging import InvalidCursor
from helpdesk.sales.errors import PosConflict, PosInvalid
from helpdesk.tickets.errors import StaleTicket, TicketInvalid, TicketNotFound
from helpdesk.macros.errors import MacroNotFound

log = logging.getLogger("helpdesk.errors")


POS_API = "/api/pos/"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def _error_response(request: Request, status_code: int, title: str, detail: str, extra: dict | None = None,
                    headers: dict[str, str] | None = None) -> Response:
    if _is_api(request):
        body = {"status_code": status_code, "detail": detail, **(extra or {})}
        return Response(body, status_code=status_code, media_type=MediaType.JSON, headers=headers)
    return Template(
        template_name="errors/page.html",
        context={"status_code": status_code, "title": title, "detail": detail},
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=headers,
    )


def not_authorized(request: Request, exc: NotAuthorizedException) -> Response:
    """Anonymous: 401 for the API, the sign-in page (remembering where they were going) for pages."""
    if request.url.path.startswith(POS_API):
        # Machines authenticate with a token: say what was wrong with it, and how to send one.
        return Response({"status_code": 401, "detail": exc.detail}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="pos"'})
    if _is_api(request):
        return Response({"status_code": 401, "detail": "Sign in first."}, status_code=401)
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    signin = "/signin" if target in ("/", "") else f"/signin?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        # htmx would swap a redirected sign-in page into a fragment; send the whole browser there.
        return Response(None, status_code=401, headers={"HX-Redirect": signin})
    return Redirect(signin, status_code=303)


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    return _error_response(request, 403, "Not allowed", exc.detail or "Your role may not do this.")


def invalid_customer_id(request: Request, exc: InvalidCustomerId) -> Response:
    detail = f"That is not a valid customer ID. {exc.reason}"
    return _error_response(request, 422, "Not a valid customer ID", detail, {"extra": [{"key": "customer_id", "message": exc.reason}]})


def _domain_error(status_code: int, title: str):
    """A handler for a domain error whose message is written for people; field errors go into `extra`."""

    def handle(request: Request, exc: Exception) -> Response:
        errors = getattr(exc, "errors", None)
        extra = {"extra": [{"key": key, "message": message} for key, message in errors.items()]} if errors else None
        return _error_response(request, status_code, title, str(exc), extra)

    return handle


def customer_merged(request: Request, exc: CustomerMerged) -> Response:
    """A merged customer's ID leads to the survivor: the same address with the survivor's ID (the customer page
    says which ID was merged into it)."""
    path = request.url.path
    if path.rstrip("/") == f"/customers/{exc.code}":
        return Redirect(f"/customers/{exc.survivor_code}?merged_from={exc.code}", status_code=303)
    if exc.code not in path:
        # The ID came in a body or a query (a new ticket for it, say): the sender must decide to use the survivor.
        return _error_response(request, 409, "Customer merged", f"{exc} Use the survivor's ID.",
                               {"extra": [{"key": "customer_id", "message": str(exc)}], "merged_into": exc.survivor_code})
    target = path.replace(exc.code, exc.survivor_code, 1) + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(target, status_code=307, headers={"X-Merged-Into": exc.survivor_code})


def invalid_cursor(request: Request, exc: InvalidCursor) -> Response:
    return _error_response(request, 400, "Bad page link", "That page link is not valid; reload the page it came from.")


def _clean(extra) -> list[dict] | None:
    """One {key, message} per problem, as /schema documents it.

    Pydantic prefixes our own messages with "Value error, "; people need only the message. A problem with the body
    as a whole (an array sent where an object belongs) names no field: it is the body's.
    """
    if extra is None:
        return None
    items = extra if isinstance(extra, list) else [extra]
    cleaned = []
    for item in items:
        item = item if isinstance(item, dict) else {"message": str(item)}
        message = item.get("message")
        message = message.removeprefix("Value error, ") if isinstance(message, str) else str(message or "Not valid.")
        cleaned.append({**item, "key": str(item.get("key") or "body"), "message": message})
    return cleaned


def validation_error(request: Request, exc: ValidationException) -> Response:
    if _is_api(request):
        return Response(
            {"status_code": 422, "detail": exc.detail, "extra": _clean(exc.extra)}, status_code=422,
            media_type=MediaType.JSON,
        )
    return _error_response(request, 400, "Bad request", "Some of what was sent is not valid.")


def http_error(request: Request, exc: HTTPException) -> Response:
    titles = {404: "Not found", 405: "Not allowed here", 400: "Bad request", 403: "Not allowed", 409: "Changed meanwhile",
              429: "Too many tries", 503: "Not available yet"}
    detail = exc.detail if exc.status_code < 500 or exc.status_code == 503 else "Something went wrong on our side."
    # A handler may attach what the caller needs to go on (a 409's `current` state) and headers (Retry-After).
    extra = exc.extra if isinstance(exc.extra, dict) and exc.status_code < 500 else None
    return _error_response(request, exc.status_code, titles.get(exc.status_code, "Error"), detail, extra,
                           headers=dict(exc.headers) if exc.headers else None)


def unstorable_input(request: Request, exc: Exception) -> Response:
    """Input the checks at the door missed but Python or the database could not take: still the sender's problem.

    OverflowError: an integer past what SQLite can bind; DataError: a value PostgreSQL refuses (out of range, NUL
    in text). Every input model bounds its numbers and text, so reaching this is a gap worth a look: logged.
    """
    log.warning("unstorable input on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
    detail = "A number or text in the request is too large or not valid for this field."
    return _error_response(request, 422 if _is_api(request) else 400, "Bad request", detail)


def too_deep(request: Request, exc: RecursionError) -> Response:
    """JSON nested thousands deep (msgspec gives up with RecursionError): nothing we accept is nested like that."""
    log.warning("request too deeply nested on %s %s", request.method, request.url.path)
    return _error_response(request, 400, "Bad request", "The request body is nested too deeply.")


def server_error(request: Request, exc: Exception) -> Response:
    """Log the traceback for us; show the agent a calm page, never the exception text."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong", "Something went wrong on our side; try again.")


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    CustomerNotFound: _domain_error(404, "No such customer"),
    InvalidCustomerId: invalid_customer_id,
    InvalidCursor: invalid_cursor,
    CustomerMerged: customer_merged,
    MergeRefused: _domain_error(409, "Not done"),
    MergeNotFound: _domain_error(404, "No such merge"),
    TicketNotFound: _domain_error(404, "No such ticket"),
    MacroNotFound: _domain_error(404, "No such macro"),
    # Reached from the API; pages re-render their forms with the messages instead.
    TicketInvalid: _domain_error(422, "Not saved"),
    StaleTicket: _domain_error(409, "Changed meanwhile"),
    ClaimNotFound: _domain_error(404, "No such claim"),
    ClaimInvalid: _domain_error(422, "Not saved"),
    ClaimForbidden: _domain_error(403, "Not allowed"),
    ClaimChanged: _domain_error(409, "Changed meanwhile"),
    PosInvalid: _domain_error(422, "Not recorded"),
    PosConflict: _domain_error(409, "Already recorded"),
    KeyInUse: _domain_error(409, "Still running"),
    KeyReusedForOther: _domain_error(422, "Key already used"),
    ValidationException: validation_error,
    HTTPException: http_error,
    OverflowError: unstorable_input,
    DataError: unstorable_input,
    RecursionError: too_deep,
    Exception: server_error,
}
