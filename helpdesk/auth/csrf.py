"""CSRF tokens bound to the server-side session: a token from any other session (an attacker's own) never passes.

Stock Litestar checks a signed double-submit cookie: any valid cookie-and-token pair is accepted, so an attacker who
plants their own pair in a victim's browser (a sibling subdomain can set cookies; so can anyone on plain http) passes
the check with the victim's session. Here each session keeps a random secret, the token is an HMAC of it under the
app's secret key, and an unsafe request must carry exactly that token (form field or header). The `csrftoken` cookie
only hands the token to API clients; it proves nothing. Anonymous pages with forms (sign-in, /warranty, the survey)
get a session for the purpose on their first safe request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

SESSION_KEY = "_csrf"
FORM_FIELD = "_csrf_token"
HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SECRET = re.compile(r"^[0-9a-f]{64}$")


def cookie_name(*, secure: bool) -> str:
    """`__Host-` behind HTTPS: the browser then takes the cookie only over HTTPS, from this host, for path / —
    no sibling subdomain can plant one."""
    return "__Host-csrftoken" if secure else "csrftoken"


class SessionCSRFMiddleware:
    """Checks every unsafe request's token against its own session; hands safe requests their session's token."""

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool, exclude: tuple[str, ...] = ()) -> None:
        self.app = app
        self.key = secret.encode()
        self.secure = secure
        self.cookie = cookie_name(secure=secure)
        self.exclude = tuple(re.compile(pattern) for pattern in exclude)

    def token_for(self, session_secret: str) -> str:
        return hmac.new(self.key, b"csrf:" + session_secret.encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or any(p.search(scope["path"]) for p in self.exclude):
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session = _session(scope)
        if scope["method"] in SAFE_METHODS:
            if session is None:  # no session here (the session middleware skips this path): nothing to bind to
                await self.app(scope, receive, send)
                return
            ScopeState.from_scope(scope).csrf_token = self._token_of(session)
        else:
            sent = request.headers.get(HEADER)
            if not sent and request.content_type[0] in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
                # Read once here; Litestar keeps the parsed form for the handler.
                sent = (await request.form()).get(FORM_FIELD)
            secret = session.get(SESSION_KEY) if session is not None else None
            if not (isinstance(secret, str) and isinstance(sent, str)
                    and hmac.compare_digest(sent, self.token_for(secret))):
                raise PermissionDeniedException("CSRF token verification failed: reload the page and try again.")
            ScopeState.from_scope(scope).csrf_token = sent  # a form shown again carries the same token
        await self.app(scope, receive, self._delivering_token(send, scope, request.cookies.get(self.cookie)))

    def _token_of(self, session: dict[str, Any]) -> str:
        """The session's token, giving the session its secret first if it has none (it is stored with the session)."""
        secret = session.get(SESSION_KEY)
        if not isinstance(secret, str) or not _SECRET.match(secret):
            secret = session[SESSION_KEY] = secrets.token_hex(32)
        return self.token_for(secret)

    def _delivering_token(self, send: Send, scope: Scope, browser_copy: str | None) -> Send:
        """Send the session's token in a cookie too (for API clients) when the browser's copy is missing or stale.

        Looked at as the answer starts, after the handler: sign-in replaces the session (and so its secret), and the
        browser gets the new session's token with the redirect.
        """

        async def wrapped(message: Message) -> None:
            session = _session(scope)
            if message["type"] == "http.response.start" and session is not None:
                token = self._token_of(session)
                if browser_copy != token:
                    cookie = Cookie(key=self.cookie, value=token, path="/", secure=self.secure, httponly=True,
                                    samesite="lax")
                    MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        return wrapped


def _session(scope: Scope) -> dict[str, Any] | None:
    """The request's session, if it has one (a cleared session is not a dict: it stays cleared)."""
    session = scope.get("session")
    return session if isinstance(session, dict) else None
