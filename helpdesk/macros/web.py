"""Macro pages: supervisors keep the list (create, edit, delete); agents fetch one filled in for a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from helpdesk.auth.guards import agents_only, supervisors_only
from helpdesk.macros import queries, service
from helpdesk.macros.models import LANGUAGE_LABELS, SETTABLE_STATUSES, Macro, MacroInput
from helpdesk.macros.placeholders import PLACEHOLDERS
from helpdesk.forms import DB_INT_MAX
from helpdesk.tickets import service as tickets
from helpdesk.tickets.models import Priority
from helpdesk.tickets.queries import tag_names
from helpdesk.timeutil import shop_today
from helpdesk.web_helpers import DB, REFUSED, FormData, form_status, refusal, render

MacroIdPath = Annotated[int, PathParameter(ge=1, le=DB_INT_MAX, description="a macro's id")]
TicketQuery = Annotated[str, QueryParameter(max_length=20, pattern=r"^[Tt]-\d{1,10}$", description="e.g. T-000123")]


def _form_of(macro: Macro | None) -> dict[str, Any]:
    """The form's fields as a macro has them (empty for a new one)."""
    if macro is None:
        return {"language": "en"}
    return {"title": macro.title, "language": macro.language, "body": macro.body, "set_status": macro.set_status or "",
            "set_priority": macro.set_priority or "", "set_tags": ", ".join(macro.tags)}


def _form_page(request: Request, session, *, macro: Macro | None, form: dict, errors: dict,
               status_code: int = 200) -> Template:
    context = {"macro": macro, "form": form, "errors": errors, "placeholders": PLACEHOLDERS,
               "macro_languages": LANGUAGE_LABELS, "statuses": SETTABLE_STATUSES, "priorities": tuple(Priority),
               "all_tags": tag_names(session)}
    return render(request, page="macros/form_page.html", partial="macros/_form.html", context=context,
                  status_code=form_status(request, status_code))


class MacroController(Controller):
    """The supervisors' pages for the canned replies."""

    guards = [supervisors_only]
    path = "/macros"

    @get("/", sync_to_thread=True)
    def macros(self, request: Request, db: DB) -> Template:
        """Every macro, with what it sets."""
        with db.read() as session:
            rows = [(macro, queries.effects(macro)) for macro in service.list_macros(session)]
        return render(request, page="macros/list.html", partial="macros/_list.html",
                      context={"rows": rows, "macro_languages": LANGUAGE_LABELS})

    @get("/new", sync_to_thread=True)
    def new(self, request: Request, db: DB) -> Template:
        """An empty macro form, with the placeholders it may use."""
        with db.read() as session:
            return _form_page(request, session, macro=None, form=_form_of(None), errors={})

    @post("/", sync_to_thread=True, status_code=200)
    def create(self, request: Request, db: DB, data: FormData) -> Template | Redirect:
        """Save a new macro, or show the form again with a message beside each field."""
        return self._save(request, db, data, macro_id=None)

    @get("/{macro_id:int}", sync_to_thread=True)
    def edit(self, request: Request, db: DB, macro_id: MacroIdPath) -> Template:
        """The macro's form, filled in."""
        with db.read() as session:
            macro = service.get_macro(session, macro_id)
            return _form_page(request, session, macro=macro, form=_form_of(macro), errors={})

    @post("/{macro_id:int}", sync_to_thread=True, status_code=200)
    def update(self, request: Request, db: DB, macro_id: MacroIdPath, data: FormData) -> Template | Redirect:
        """Save the changed macro."""
        return self._save(request, db, data, macro_id=macro_id)

    @post("/{macro_id:int}/delete", sync_to_thread=True, status_code=200)
    def delete(self, db: DB, macro_id: MacroIdPath) -> Redirect:
        """Remove the macro; replies already sent keep their text."""
        with db.write() as session:
            service.delete_macro(session, macro=service.get_macro(session, macro_id))
        return Redirect("/macros", status_code=303)

    def _save(self, request: Request, db: DB, data: dict, *, macro_id: int | None) -> Template | Redirect:
        with db.write() as session:
            macro = service.get_macro(session, macro_id) if macro_id is not None else None
            try:
                service.save_macro(session, data=MacroInput.model_validate(data), agent_id=request.user.id, macro=macro)
            except REFUSED as exc:
                session.rollback()
                refused = refusal(exc)
                return _form_page(request, session, macro=macro, form=data, errors=refused.errors,
                                  status_code=refused.status_code)
        return Redirect("/macros", status_code=303)


@dataclass
class FilledMacro:
    """A macro's text filled in for one ticket, for the reply box."""

    macro_id: int
    title: str
    text: str
    effects: str


class MacroFillController(Controller):
    """What the reply box's picker asks for: agents use macros, only supervisors change them."""

    guards = [agents_only]
    path = "/macros"

    @get("/{macro_id:int}/filled", sync_to_thread=True)
    def filled(self, request: Request, db: DB, macro_id: MacroIdPath, ticket: TicketQuery) -> FilledMacro:
        """The macro's text with this ticket's values in its placeholders (filled here, never in the browser)."""
        with db.read() as session:
            macro = service.get_macro(session, macro_id)
            found = tickets.get_ticket(session, ticket)
            text = service.filled_text(session, macro=macro, ticket=found, agent_id=request.user.id,
                                       today=shop_today())
            return FilledMacro(macro_id=macro.id, title=macro.title, text=text, effects=queries.effects(macro))


