"""What every area's handlers share: dependencies, path and query parameter types, page-or-partial, form refusals.

Handler modules (`<area>/web.py`, `api.py`, `public.py`) never import each other; whatever two of them need
lives here, defined once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter, URLEncodedBody
from litestar.response import Template
from pydantic import ValidationError

from helpdesk import ids
from helpdesk.audit.service import Actor
from helpdesk.claims.errors import ClaimChanged, ClaimForbidden, ClaimInvalid
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.forms import DB_INT_MAX, InvalidInput, field_errors
from helpdesk.tickets.errors import StaleTicket, TicketInvalid

# --- dependencies ---------------------------------------------------------------------------------


def provide_db(state: State) -> Database:
    """The app's two stores."""
    return state.db


def provide_settings(state: State) -> Settings:
    """The app's settings."""
    return state.settings


DB = NamedDependency[Database]
"""Handler parameter type for the `db` dependency."""

AppSettings = NamedDependency[Settings]
"""Handler parameter type for the `settings` dependency."""


# --- parameters -----------------------------------------------------------------------------------

CustomerIdPath = Annotated[str, PathParameter(max_length=40, description="customer ID, with or without spaces/dashes")]
TicketNumberPath = Annotated[str, PathParameter(max_length=20, pattern=r"^[Tt]-\d{1,10}$", description="e.g. T-000123")]
ClaimNumberPath = Annotated[str, PathParameter(max_length=20, pattern=r"^[Ww]-\d{4}-\d{1,10}$",
                                               description="e.g. W-2026-000123")]
Cursor = Annotated[str | None, QueryParameter(max_length=40, required=False, description="from a 'show more' link")]
RowIdPath = Annotated[int, PathParameter(ge=1, le=DB_INT_MAX, description="a row id")]
FormData = URLEncodedBody[dict[str, Any]]


def actor_of(request: Request) -> Actor:
    """The signed-in agent as the audit log records them: id, e-mail and the client's address."""
    return Actor.agent(request.user, client_address=request.client.host if request.client else None)


def canonical_id(customer_id: str) -> str:
    """The canonical customer ID from what was typed or sent, or InvalidCustomerId (answered with 422)."""
    return ids.parse(customer_id)


def idempotency_key(form: dict[str, Any]) -> str:
    """The key a form carries: the one it was submitted with (a re-rendered form stays one submission), or a new one."""
    key = form.get("idempotency_key")
    return key if isinstance(key, str) and key.strip() else secrets.token_urlsafe(16)


# --- the app-wide guard ---------------------------------------------------------------------------

CONTROL_CHARACTERS_HANDLED = {"control_characters_handled": True}
"""`opt` for a route whose handler cleans control characters out of its query itself (search: a note, not a 400)."""


def refuse_nul_in_address(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    """An app-wide guard: a NUL character in the path or query string is a 400 before any handler sees it.

    No ID, number, filter or file name of ours contains one; PostgreSQL cannot compare text with one, and the
    static-files handler fails on one in a file name (`/static/%00`).
    """
    query = connection.scope.get("query_string", b"")
    in_query = (b"%00" in query or b"\x00" in query) and not route_handler.opt.get("control_characters_handled")
    if in_query or "\x00" in connection.scope.get("path", ""):
        raise ClientException("The address contains a NUL character (%00), which no address of the desk has.")


# A file name longer than this fails in the operating system (ENAMETOOLONG) before "not found" can be said.
_NAME_MAX = 255


def refuse_impossible_file_names(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A guard for the static-files routes: a name no file system holds is a plain 404, not an OSError."""
    if any(len(part.encode()) > _NAME_MAX for part in connection.scope.get("path", "").split("/")):
        raise NotFoundException("No such file.")


# --- what the JSON API documents --------------------------------------------------------------------


@dataclass
class FieldProblem:
    key: str
    message: str


@dataclass
class ErrorBody:
    """Every JSON error answer (helpdesk/errors.py builds them): the status again, a message for people, and for
    invalid input one message per field."""

    status_code: int
    detail: str
    extra: list[FieldProblem] | None = None


# What each refusal means on every route that can give it; a route lists the ones it can give (`api_responses`).
_API_REFUSALS = {
    401: "Not signed in",
    403: "Not allowed: the role may not do this, or the CSRF token is missing or wrong",
    404: "No such customer, ticket or claim",
    409: "Changed meanwhile: reload, then reapply the change; or the customer was merged into another (`merged_into`)",
    422: "Invalid input, with a message per field in `extra`",
    503: "Not available yet (the search index is being built); Retry-After says when to try again",
}


def api_responses(*status_codes: int, conflict: type | None = None) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the refusals a JSON route can give, besides 400 (malformed request), which Litestar lists.

    `conflict`: the body type of a 409 that carries the current state (a ticket's), instead of a plain error.
    """
    specs = {code: ResponseSpec(data_container=ErrorBody, description=_API_REFUSALS[code], generate_examples=False)
             for code in (401, 403, *status_codes)}
    if conflict is not None:
        specs[409] = ResponseSpec(data_container=conflict, description=_API_REFUSALS[409], generate_examples=False)
    return specs


# --- page or partial ------------------------------------------------------------------------------


def wants_partial(request: Request) -> bool:
    """A partial only for a plain HTMX swap: not for boosted navigation or a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(request: Request, *, page: str, partial: str | None, context: dict[str, Any],
           status_code: int = 200) -> Template:
    """Render the full page, or just its partial for HTMX; caches must key on HX-Request."""
    name = partial if partial and wants_partial(request) else page
    return Template(template_name=name, context=context, status_code=status_code, headers={"Vary": "HX-Request"})


# --- refused forms --------------------------------------------------------------------------------

# Domain errors a form answers by showing itself again with messages, and the status a plain post gets.
# (`field`: where a message goes when the error names no field of its own.)
_REFUSALS: dict[type[Exception], tuple[int, str]] = {
    ValidationError: (400, "form"),
    InvalidInput: (400, "form"),
    TicketInvalid: (400, "form"),
    ClaimInvalid: (400, "form"),
    ClaimForbidden: (403, "status"),
    StaleTicket: (409, "form"),
    ClaimChanged: (409, "form"),
}
REFUSED = tuple(_REFUSALS)
"""The exceptions `refusal` understands, for an `except` clause."""


@dataclass
class Refusal:
    errors: dict[str, str]
    status_code: int


def refusal(exc: Exception) -> Refusal:
    """The messages beside each field, and the status code, for a form the desk refused."""
    status_code, field = next(value for kind, value in _REFUSALS.items() if isinstance(exc, kind))
    if isinstance(exc, ValidationError):
        return Refusal(field_errors(exc), status_code)
    return Refusal(getattr(exc, "errors", None) or {field: str(exc)}, status_code)


def form_status(request: Request, status_code: int) -> int:
    """htmx swaps only 2xx answers: a refused HTMX form comes back as 200; a plain post keeps its real status."""
    return 200 if wants_partial(request) else status_code
