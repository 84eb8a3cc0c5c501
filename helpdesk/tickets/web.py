"""Ticket pages: queues, the ticket page and its actions, and the customer's one-time satisfaction survey."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from helpdesk.forms import limited_text
from helpdesk.i18n.text import Translatable
from helpdesk.i18n.switch import LANGUAGE, PageLanguage, remember_language
from helpdesk.auth.guards import agents_only, anyone
from helpdesk.macros import queries as macro_queries, service as macros
from helpdesk.macros.forms import macros_in
from helpdesk.tickets import merging, properties, queries, satisfaction, service
from helpdesk.tickets.models import COMMENT_MAX, MessageCreate, Priority, TicketStatus, TicketUpdate
from helpdesk.timeutil import shop_today, utcnow
from helpdesk.web_helpers import (
    DB,
    REFUSED,
    Cursor,
    FormData,
    TicketNumberPath,
    form_status,
    idempotency_key,
    refusal,
    render,
    wants_partial,
)

# What the queue's filter menus offer, from the enums themselves.
STATUS_CHOICES = tuple(TicketStatus)
PRIORITY_CHOICES = tuple(reversed(Priority))  # most urgent first


def _ticket_context(session, number: str, **extra) -> dict[str, Any]:
    page = queries.ticket_page(session, service.get_ticket(session, number), today=shop_today(), now=utcnow())
    context = {"page": page, "macros": macro_queries.choices(session),
               "merged_into": merging.merged_into_number(session, page.ticket), "errors": {}, "form": {}, "notice": None,
               "notice_at": None, **extra}
    return {**context, "new_key": idempotency_key(context["form"])}


def _render_ticket(request: Request, context: dict[str, Any], status_code: int = 200) -> Template:
    return render(request, page="tickets/page.html", partial="tickets/_ticket.html", context=context,
                  status_code=status_code)


class TicketController(Controller):
    guards = [agents_only]
    path = "/tickets"

    @get("/", sync_to_thread=True)
    def queue_page(
        self,
        request: Request,
        db: DB,
        view: Annotated[queries.View, QueryParameter(required=False)] = queries.View.MINE,
        status: Annotated[str | None, QueryParameter(required=False, max_length=20)] = None,
        priority: Annotated[str | None, QueryParameter(required=False, max_length=20)] = None,
        assignee: Annotated[str | None, QueryParameter(required=False, max_length=12)] = None,
        tag: Annotated[str | None, QueryParameter(required=False, max_length=40)] = None,
        sort: Annotated[queries.Sort, QueryParameter(required=False)] = queries.Sort.DUE,
        page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
    ) -> Template:
        """Queues: mine, unassigned, all open, pending, SLA trouble, solved; filters, sorting, paging."""
        filters, problems = queries.QueueFilters.from_query(view=view, status=status, priority=priority,
                                                            assignee=assignee, tag=tag, sort=sort, page=page)
        with db.read() as session:
            result = queries.queue(session, filters=filters, agent_id=request.user.id, now=utcnow(),
                                   last_page_if_past_end=True)
            agents, tags = queries.agent_choices(session), queries.tag_names(session)
        return render(
            request, page="tickets/queue.html", partial="tickets/_queue.html",
            context={"queue": result, "agents": agents, "tags": tags, "problems": problems,
                     "views": queries.VIEW_LABELS, "statuses": STATUS_CHOICES, "priorities": PRIORITY_CHOICES,
                     "sorts": queries.SORT_LABELS},
        )

    @get("/{number:str}", sync_to_thread=True)
    def ticket(self, request: Request, db: DB, number: TicketNumberPath) -> Template:
        """The ticket with its thread, the customer beside it, and every action."""
        with db.read() as session:
            context = _ticket_context(session, number)
        return _render_ticket(request, context)

    @get("/{number:str}/thread", sync_to_thread=True)
    def earlier(self, request: Request, db: DB, number: TicketNumberPath, cursor: Cursor = None) -> Template:
        """Earlier entries of a long thread."""
        with db.read() as session:
            ticket = service.get_ticket(session, number)
            thread = queries.thread_page(session, ticket.id, cursor=cursor)
        return render(request, page="tickets/thread_page.html", partial="tickets/_thread_earlier.html",
                      context={"ticket": ticket, "entries": thread.items, "earlier_cursor": thread.next_cursor})

    @post("/{number:str}/messages", sync_to_thread=True, status_code=200)
    def add_message(self, request: Request, db: DB, number: TicketNumberPath, data: FormData) -> Template | Redirect:
        """Reply, internal note or call; optionally changing the status in the same step."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            version = _int_or_none(data.get("version"))
            try:
                message = MessageCreate.model_validate(data)
                if macro_ids := macros_in(data):
                    # A reply with macros in it: what they set goes through the ticket services too.
                    macros.reply_with_macros(session, ticket=ticket, data=message, macro_ids=macro_ids,
                                             agent_id=request.user.id, version=version)
                else:
                    service.add_message(session, ticket=ticket, data=message, agent_id=request.user.id, version=version)
            except REFUSED as exc:
                return self._refused(request, session, number, exc, data, at="message")
            return self._saved(request, session, ticket.number, "Added to the thread.", at="message")

    @post("/{number:str}", sync_to_thread=True, status_code=200)
    def update(self, request: Request, db: DB, number: TicketNumberPath, data: FormData) -> Template | Redirect:
        """Status, priority, assignee, tags and satisfaction, refused when the agent's view is stale."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            try:
                if data.get("take") == "1":
                    version = _int_or_none(data.get("version"))
                    if version is None:
                        raise service.TicketInvalid({"form": "The form was not complete; reload the ticket."})
                    properties.take_ticket(session, ticket=ticket, version=version, agent_id=request.user.id)
                else:
                    properties.update_ticket(session, ticket=ticket, data=TicketUpdate.from_form(data),
                                             agent_id=request.user.id)
            except REFUSED as exc:
                return self._refused(request, session, number, exc, data, at="properties")
            return self._saved(request, session, ticket.number, "Saved.", at="properties")

    @post("/{number:str}/survey-link", sync_to_thread=True, status_code=200)
    def survey_link(self, request: Request, db: DB, number: TicketNumberPath) -> Template:
        """A fresh one-time link the customer can use to give their score."""
        with db.write() as session:
            ticket = service.get_ticket(session, number)
            try:
                token = satisfaction.new_link(session, ticket=ticket)
            except REFUSED as exc:
                return self._refused(request, session, number, exc, {})
            link = str(request.base_url).rstrip("/") + f"/satisfaction/{token}"
            return _render_ticket(request, _ticket_context(session, number, survey_link=link))

    def _saved(self, request: Request, session, number: str, notice: str, *, at: str) -> Template | Redirect:
        """The ticket again, with the notice beside the button the agent pressed (`at`), where their eyes are."""
        if not wants_partial(request):
            return Redirect(f"/tickets/{number}", status_code=303)
        return _render_ticket(request, _ticket_context(session, number, notice=notice, notice_at=at))

    def _refused(self, request: Request, session, number: str, exc: Exception, data: dict,
                 at: str | None = None) -> Template:
        """Re-render the ticket with the agent's input and a message beside each field (a form-wide one at `at`)."""
        session.rollback()
        refused = refusal(exc)
        context = _ticket_context(session, number, errors=refused.errors, form=data, notice_at=at)
        return _render_ticket(request, context, status_code=form_status(request, refused.status_code))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


# No max_length: a longer token is simply not ours (404 from the service), never a 400.
SurveyToken = Annotated[str, PathParameter(description="the token from the customer's link")]


class SatisfactionController(Controller):
    """The customer's one-time satisfaction link: no sign-in, only the unguessable token."""
    guards = [anyone]
    # In Hindi or English, as the customer chose (?lang=hi) or their browser prefers.
    dependencies = LANGUAGE
    before_request = remember_language

    path = "/satisfaction"

    @get("/{token:str}", sync_to_thread=True, exclude_from_auth=True)
    def survey(self, db: DB, language: PageLanguage, token: SurveyToken) -> Template:
        """The one-question survey (or a kind word when it was answered, or the ticket reopened)."""
        with db.read() as session:
            ticket = satisfaction.ticket_for_survey(session, token)
        return _survey_page(token, ticket, language, form={}, errors={})

    @post("/{token:str}", sync_to_thread=True, exclude_from_auth=True, status_code=200)
    def answer(self, db: DB, language: PageLanguage, token: SurveyToken, data: FormData) -> Template:
        """Record the customer's score once; sending it again is thanked, not refused."""
        score = _int_or_none(data.get("score"))
        errors = {}
        try:
            comment = limited_text(data.get("comment"), label=Translatable("The comment"), max_length=COMMENT_MAX,
                                   required=False)
        except ValueError as exc:
            comment, errors["comment"] = "", exc.args[0]  # the message itself (a Translatable), not str(exc)
        with db.write() as session:
            ticket = satisfaction.ticket_for_survey(session, token)
            if satisfaction.survey_state(ticket) != satisfaction.SurveyState.ASKING:
                return _survey_page(token, ticket, language, form=data, errors={})
            if score is None or not 1 <= score <= 5:
                errors["score"] = Translatable("Choose a score from 1 to 5.")
            if errors:
                return _survey_page(token, ticket, language, form=data, errors=errors, status_code=400)
            satisfaction.record_from_customer(session, token=token, score=score, comment=comment or None)
        return Template(template_name="tickets/survey.html",
                        context={"state": satisfaction.SurveyState.ANSWERED, "language": language})


def _survey_page(token: str, ticket, language: str, *, form: dict, errors: dict,
                 status_code: int | None = None) -> Template:
    state = satisfaction.survey_state(ticket)
    context = {"state": state, "token": token, "form": form, "errors": errors,
               "number": ticket.number if ticket else None, "subject": ticket.subject if ticket else None,
               "language": language}
    if status_code is None:
        status_code = 404 if state == satisfaction.SurveyState.GONE else 200
    return Template(template_name="tickets/survey.html", context=context, status_code=status_code)
