"""The language of the customer-facing pages on the web: the `language` dependency and the switch (?lang=hi)."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect

from helpdesk.i18n.catalogs import LANGUAGES
from helpdesk.i18n.choice import page_language

COOKIE = "helpdesk_language"
# A choice of language is kept for a year; it holds nothing about the customer.
COOKIE_MAX_AGE = 365 * 24 * 3600
SWITCH_PARAMETER = "lang"


def provide_language(request: Request) -> str:
    """'hi' or 'en' for this request: the remembered choice, else the browser's preference."""
    return page_language(request.cookies.get(COOKIE), request.headers.get("accept-language"))


PageLanguage = NamedDependency[str]
"""Handler parameter type for the `language` dependency (see LANGUAGE)."""

LANGUAGE = {"language": Provide(provide_language, sync_to_thread=False)}


def remember_language(request: Request) -> Response | None:
    """A GET with ?lang=hi (the switch link) sets the cookie and comes back to the same page without it.

    A before_request hook on the public controllers, so every page of theirs has the switch without a handler
    knowing. The redirect never leaves the path that was asked for, so it cannot send anyone elsewhere.
    """
    if request.method != "GET" or SWITCH_PARAMETER not in request.query_params:
        return None
    chosen = request.query_params.get(SWITCH_PARAMETER)
    rest = [(name, value) for name, value in request.query_params.multi_items() if name != SWITCH_PARAMETER]
    target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
    cookies = []
    if chosen in LANGUAGES:
        cookies.append(Cookie(key=COOKIE, value=chosen, max_age=COOKIE_MAX_AGE, path="/", httponly=True,
                              samesite="lax", secure=request.app.state.settings.secure_cookies))
    return Redirect(target, status_code=303, cookies=cookies)
