"""Server-side sessions that never adopt a client-chosen ID and rotate the ID on sign-in.

Stock Litestar keeps whatever session ID the cookie carries, even one the server never issued,
and keeps it across sign-in (session fixation). Here an ID is only reused when the store knows
it, and a sign-in asks for a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

_KNOWN_ID = "helpdesk.session_id"
_ROTATE = "helpdesk.session_rotate"
_LOADED = "helpdesk.session_loaded"


def rotate_session_id(connection: ASGIConnection) -> None:
    """Ask for a new session ID when the response is sent (call on sign-in)."""
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]


class RotatingSessionBackend(ServerSideSessionBackend):
    """Server-side backend that only reuses IDs it issued and rotates them on request."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if session_id and session_id != "null":
            store = self.config.get_store_from_app(connection.scope["app"])
            data = await self.get(session_id, store=store)
            if data is not None:
                connection.scope[_KNOWN_ID] = session_id  # type: ignore[literal-required]
                connection.scope[_LOADED] = data  # type: ignore[literal-required]
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection) -> str:
        scope = connection.scope
        known = scope.get(_KNOWN_ID)  # type: ignore[misc]
        if known and not scope.get(_ROTATE):  # type: ignore[misc]
            return known
        fresh = scope.get("helpdesk.session_fresh")  # type: ignore[misc]
        if not fresh:
            fresh = self.generate_session_id()
            scope["helpdesk.session_fresh"] = fresh  # type: ignore[literal-required]
        return fresh

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        scope = connection.scope
        known = scope.get(_KNOWN_ID)  # type: ignore[misc]
        rotate = scope.get(_ROTATE)  # type: ignore[misc]
        if known and (rotate or scope_session is Empty):
            # The old ID must stop working on the server, not just in this browser.
            await self.delete(known, store=self.config.get_store_from_app(scope["app"]))
        elif known and scope_session and self.serialize_data(scope_session, scope) == scope.get(_LOADED):  # type: ignore[misc]
            # Unchanged: writing it back would cost a store write on every request for nothing. The session
            # then lasts max_age from sign-in (an absolute limit, which suits a shift).
            return
        if not known and not scope_session and scope_session is not Empty:
            return  # nothing to keep and nothing to clear: no cookie for anonymous visitors
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    """ServerSideSessionConfig wired to RotatingSessionBackend."""

    _backend_class = RotatingSessionBackend  # type: ignore[assignment]
