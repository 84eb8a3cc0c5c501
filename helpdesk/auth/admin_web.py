"""The admin page (admins only): agents and their roles, and the API tokens other systems use."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import Template

from helpdesk.auth import admin, queries, tokens
from helpdesk.auth.guards import admins_only
from helpdesk.auth.models import Role, TokenScope
from helpdesk.web_helpers import DB, REFUSED, FormData, actor_of, form_status, refusal, render, wants_partial

TokenIdPath = Annotated[int, PathParameter(ge=1, le=2**31 - 1, description="the token's number")]
AgentIdPath = Annotated[int, PathParameter(ge=1, le=2**31 - 1, description="the agent's number")]
_PAGE = "auth/admin.html"
_AGENTS = "auth/_agents.html"
_TOKENS = "auth/_tokens.html"


def _token_context(db: DB, **context: Any) -> dict[str, Any]:
    with db.read() as session:
        rows = queries.api_tokens(session)
    return {"api_tokens": rows, "token_scopes": tuple(TokenScope), "token_message": None, "token_secret": None,
            "token_errors": {}, "token_form": {}, **context}


def _agents_view(request: Request, db: DB, *, status_code: int = 200, **context: Any) -> Template:
    """The agents section (for HTMX) or the whole page, with a message, a one-time password or errors."""
    with db.read() as session:
        rows = queries.agents(session)
    context = {"agents": rows, "roles": tuple(Role), "message": None, "password": None, "errors": {},
               "row_errors": {}, "form": {}, **_token_context(db), **context}
    return render(request, page=_PAGE, partial=_AGENTS, context=context, status_code=form_status(request, status_code))


def _tokens_view(request: Request, db: DB, *, status_code: int = 200, **context: Any) -> Template:
    """The API tokens section (for HTMX) or the whole page."""
    if not wants_partial(request):
        return _agents_view(request, db, status_code=status_code, **context)
    return render(request, page=_PAGE, partial=_TOKENS, context=_token_context(db, **context),
                  status_code=form_status(request, status_code))


class AdminController(Controller):
    path = "/admin"
    guards = [admins_only]

    @get("/", sync_to_thread=True)
    def page(self, request: Request, db: DB) -> Template:
        """Every agent, with what an admin may change about each, and a form for a new one."""
        return _agents_view(request, db)

    @post("/agents", sync_to_thread=True, status_code=200)
    def create(self, request: Request, db: DB, data: FormData) -> Template:
        """Create an agent; a blank password makes the desk generate one, shown here once."""
        typed = {key: data.get(key, "") for key in ("email", "name", "role")}
        try:
            with db.write() as session:
                result = admin.create_agent(session, actor=actor_of(request), data=admin.AgentCreate.model_validate(data))
        except REFUSED as exc:
            problem = refusal(exc)
            return _agents_view(request, db, status_code=problem.status_code, errors=problem.errors, form=typed)
        return _agents_view(request, db, message=result.message, password=result.password,
                            password_for=result.agent.email)

    @post("/agents/{agent_id:int}/role", sync_to_thread=True, status_code=200)
    def change_role(self, request: Request, db: DB, agent_id: AgentIdPath, data: FormData) -> Template:
        """Give an agent another role (it applies from their next click)."""
        return self._change(request, db, agent_id, lambda session: admin.change_role(
            session, actor=actor_of(request), agent_id=agent_id, change=admin.RoleChange.model_validate(data)))

    @post("/agents/{agent_id:int}/active", sync_to_thread=True, status_code=200)
    def set_active(self, request: Request, db: DB, agent_id: AgentIdPath, data: FormData) -> Template:
        """Deactivate (signed out everywhere at once) or reactivate an agent."""
        active = data.get("active") == "1"
        return self._change(request, db, agent_id, lambda session: admin.set_active(
            session, actor=actor_of(request), agent_id=agent_id, active=active))

    @post("/agents/{agent_id:int}/password", sync_to_thread=True, status_code=200)
    def reset_password(self, request: Request, db: DB, agent_id: AgentIdPath, data: FormData) -> Template:
        """Set a new password (typed, or generated and shown once); the agent's sessions end."""
        return self._change(request, db, agent_id, lambda session: admin.reset_password(
            session, actor=actor_of(request), agent_id=agent_id, data=admin.PasswordReset.model_validate(data)))

    @post("/tokens", sync_to_thread=True, status_code=200)
    def create_token(self, request: Request, db: DB, data: FormData) -> Template:
        """Create an API token; the token is shown here once."""
        typed = {key: data.get(key, "") for key in ("name", "scope")}
        try:
            with db.write() as session:
                created = tokens.create_token(session, name=typed["name"], scope=typed["scope"],
                                              actor=actor_of(request))
        except REFUSED as exc:
            problem = refusal(exc)
            return _tokens_view(request, db, status_code=problem.status_code, token_errors=problem.errors,
                                token_form=typed)
        return _tokens_view(request, db, token_message=f"Token {created.token.name} is ready.",
                            token_secret=created.secret, token_secret_for=created.token.name)

    @post("/tokens/{token_id:int}/revoke", sync_to_thread=True, status_code=200)
    def revoke_token(self, request: Request, db: DB, token_id: TokenIdPath) -> Template:
        """Revoke a token: the next request with it gets 401."""
        try:
            with db.write() as session:
                token = tokens.revoke_token(session, token_id, actor=actor_of(request))
        except tokens.TokenNotFound as exc:
            raise NotFoundException(str(exc)) from None
        return _tokens_view(request, db, token_message=f"Token {token.name} is revoked.")

    @staticmethod
    def _change(request: Request, db: DB, agent_id: int, change) -> Template:
        try:
            with db.write() as session:
                result = change(session)
        except admin.AgentNotFound as exc:
            raise NotFoundException(str(exc)) from None
        except REFUSED as exc:
            problem = refusal(exc)
            return _agents_view(request, db, status_code=problem.status_code, row_errors={agent_id: problem.errors})
        return _agents_view(request, db, message=result.message, password=result.password,
                            password_for=result.agent.email)
