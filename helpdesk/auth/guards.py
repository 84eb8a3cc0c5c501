"""Route guards: who may use a route, declared on the route (or its controller) with `guards=[...]`.

Every route declares one of these (tests/test_route_roles.py walks the app's route table and checks each refusal):
`agents_only`, `supervisors_only`, `admins_only`, or `anyone` for the few pages the public uses.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from helpdesk.auth.models import Role

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


def declared_roles(guards) -> list[frozenset[str] | None]:
    """The access each of these guards declares (None: anyone); guards that declare nothing are left out."""
    return [guard.roles for guard in guards or () if hasattr(guard, "roles")]
