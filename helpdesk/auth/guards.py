"""Route guards: who may use a route, declared on the route (or its controller) with `guards=[...]`.

Every route declares one of these (tests/test_route_roles.py walks the app's route table and checks each refusal):
`agents_only`, `supervisors_only`, `admins_only`, or `anyone` for the few pages the public uses; machine routes
(the POS API) declare `pos_token_only` instead: they take an API token, never a session.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from helpdesk.auth import tokens
from helpdesk.auth.models import Role, TokenScope
from helpdesk.timeutil import utcnow

# Who may do what; a higher role may do everything a lower one may.
AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
ADMIN_ROLES = (Role.ADMIN,)


def require_role(*roles: str, what: str) -> Guard:
    """A guard that lets through signed-in users holding one of `roles`; `what` names the work for the 403 message."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException("Sign in first.")
        if user.role not in roles:
            raise PermissionDeniedException(f"Only {what} may do this; you are signed in as {user.role}.")

    guard.__name__ = f"require_{'_or_'.join(roles)}"
    guard.roles = frozenset(roles)  # type: ignore[attr-defined]  # read by the route x role test
    return guard


def _anyone(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Open to everyone, signed in or not (sign-in, the public warranty page, survey links): said out loud."""


_anyone.roles = None  # type: ignore[attr-defined]

agents_only = require_role(*AGENT_ROLES, what="agents")
supervisors_only = require_role(*SUPERVISOR_ROLES, what="supervisors")
admins_only = require_role(*ADMIN_ROLES, what="admins")
anyone = _anyone


POS_TOKEN = "pos-token"
"""What `pos_token_only` declares in place of a role: no signed-in agent passes it, whatever their role."""
TOKEN_HOLDER = "api_token"
"""Where the guard leaves the calling token (a tokens.TokenHolder) in the connection's scope."""


def _pos_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Only a live API token with scope pos, sent as `Authorization: Bearer …`. A session cookie counts for nothing
    here (these routes sit outside session auth and CSRF), so an agent's browser cannot be made to push sales."""
    scheme, _, secret = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthorizedException("Send the API token as 'Authorization: Bearer <token>'.")
    db = connection.app.state.db
    with db.read() as session:
        found = tokens.holder_of(session, secret.strip())
    if found is None:
        raise NotAuthorizedException("This API token is not known or has been revoked.")
    holder, last_used_at = found
    if holder.scope != TokenScope.POS:
        raise PermissionDeniedException(f"This token's scope is {holder.scope}; the POS API needs scope pos.")
    now = utcnow()
    if tokens.needs_touch(last_used_at, now=now):
        with db.write() as session:
            tokens.touch(session, holder.id, now=now)
    connection.scope[TOKEN_HOLDER] = holder  # type: ignore[literal-required]


_pos_token.roles = frozenset({POS_TOKEN})  # type: ignore[attr-defined]
pos_token_only = _pos_token


def declared_roles(guards) -> list[frozenset[str] | None]:
    """The access each of these guards declares (None: anyone); guards that declare nothing are left out."""
    return [guard.roles for guard in guards or () if hasattr(guard, "roles")]
