"""Sign-in and sign-out pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from helpdesk.auth import signin
from helpdesk.auth.guards import agents_only, anyone
from helpdesk.auth.sessions import rotate_session_id
from helpdesk.web_helpers import DB

SIGN_IN_FAILED = "That e-mail and password do not match an active account."


@dataclass
class SignInForm:
    email: str = ""
    password: str = ""
    next: str = ""


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (open redirect) or a protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 500:
        return "/"
    return target


class AuthController(Controller):
    @get("/signin", exclude_from_auth=True, guards=[anyone])
    async def signin_page(
        self, next_: Annotated[str | None, QueryParameter(name="next", max_length=500, required=False)] = None
    ) -> Template:
        """The only page open to anyone."""
        return Template(template_name="auth/signin.html", context={"form": SignInForm(next=safe_next(next_)), "errors": {}})

    @post("/signin", exclude_from_auth=True, guards=[anyone], sync_to_thread=True, status_code=200)
    def signin(
        self,
        request: Request,
        db: DB,
        data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        """Check the password (unless too many tries failed lately); on success start a session under a new ID."""
        errors: dict[str, str] = {}
        email = data.email.strip()[:254]
        if not email:
            errors["email"] = "Enter your e-mail address."
        if not data.password:
            errors["password"] = "Enter your password."
        agent, status_code, headers = None, 400, None
        if not errors:
            client = request.client.host if request.client else "unknown"
            outcome = signin.sign_in(db, email=email, password=data.password[:1024], client=client)
            agent = outcome.agent
            if outcome.throttled:
                errors["form"] = signin.locked_message(outcome.retry_after)
                status_code, headers = 429, {"Retry-After": str(outcome.retry_after)}
            elif agent is None:
                errors["form"] = SIGN_IN_FAILED
        if errors or agent is None:
            form = SignInForm(email=email, next=safe_next(data.next))
            return Template(template_name="auth/signin.html", context={"form": form, "errors": errors},
                            status_code=status_code, headers=headers)
        rotate_session_id(request)
        request.set_session({"agent_id": agent.id, "v": agent.session_version})
        return Redirect(safe_next(data.next), status_code=303)

    @post("/signout", guards=[agents_only], status_code=200)
    async def signout(self, request: Request) -> Redirect:
        """End the session on the server, not just in the browser."""
        request.clear_session()
        return Redirect("/signin", status_code=303)
