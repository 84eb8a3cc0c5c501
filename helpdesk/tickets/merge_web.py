"""Ticket merge pages: a supervisor merges a ticket (the secondary) into another of the same customer's."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from helpdesk.auth.guards import supervisors_only
from helpdesk.tickets import merging, queries, service
from helpdesk.web_helpers import DB, REFUSED, FormData, TicketNumberPath, form_status, refusal, render, wants_partial


def _merge_form(request: Request, session, number: str, *, form: dict[str, Any], errors: dict[str, str],
                status_code: int = 200) -> Template:
    ticket = service.get_ticket(session, number)
    context = {"ticket": ticket, "others": queries.open_ticket_choices(session, ticket.customer_id),
               "form": form, "errors": errors}
    return render(request, page="tickets/merge.html", partial="tickets/_merge_form.html", context=context,
                  status_code=form_status(request, status_code))


class TicketMergeController(Controller):
    """Merges are a supervisor's (BRIEF: roles)."""

    guards = [supervisors_only]
    path = "/tickets"

    @get("/{number:str}/merge", sync_to_thread=True)
    def merge_form(self, request: Request, db: DB, number: TicketNumberPath) -> Template:
        """Choose the ticket to keep; the customer's other open tickets are offered."""
        with db.read() as session:
            return _merge_form(request, session, number, form={}, errors={})

    @post("/{number:str}/merge", sync_to_thread=True, status_code=200)
    def merge(self, request: Request, db: DB, number: TicketNumberPath,
              data: FormData) -> Template | Redirect | ClientRedirect:
        """Merge this ticket into the chosen one, then show the one kept."""
        with db.write() as session:
            secondary = service.get_ticket(session, number)
            primary = data.get("primary")
            try:
                if not isinstance(primary, str) or len(primary) > 20:
                    raise service.TicketInvalid({"primary": "Give the number of the ticket to keep, e.g. T-000123."})
                merged = merging.merge_tickets(session, secondary=secondary, primary_number=primary,
                                               version=_version(data.get("version")), agent_id=request.user.id)
            except (service.TicketNotFound, *REFUSED) as exc:
                session.rollback()
                if isinstance(exc, service.TicketNotFound):
                    errors, status_code = {"primary": str(exc)}, 400
                else:
                    refused = refusal(exc)
                    errors, status_code = refused.errors, refused.status_code
                return _merge_form(request, session, number, form=data, errors=errors, status_code=status_code)
        target = f"/tickets/{merged.primary.number}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)


def _version(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None
