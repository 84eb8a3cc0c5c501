"""Route guards: who may use a route, declared on the route (or its controller) with `guards=[...]`."""

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
    return guard


agents_only = require_role(*AGENT_ROLES, what="agents")
supervisors_only = require_role(*SUPERVISOR_ROLES, what="supervisors")
admins_only = require_role(*ADMIN_ROLES, what="admins")
