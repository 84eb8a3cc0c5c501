"""Search pages and API: /search (results as you type), the customer page's history box, and GET /api/search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ServiceUnavailableException, ValidationException
from litestar.params import QueryParameter
from litestar.response import Template

from helpdesk.auth.guards import agents_only
from helpdesk.search import service
from helpdesk.search.runtime import SearchRuntime
from helpdesk.web_helpers import CONTROL_CHARACTERS_HANDLED, DB, api_responses, render


def provide_search(state: State) -> SearchRuntime:
    """The app's search runtime (reader and indexer)."""
    return state.search


Search = NamedDependency[SearchRuntime]
SEARCH_DEPENDENCY = {"search": Provide(provide_search, sync_to_thread=False)}

# Generous limits: the service trims long queries with a message, which beats a bare 400.
Q = Annotated[str, QueryParameter(max_length=20_000, required=False,
                                  description='words, "exact phrase", -exclude, OR, prefix*; model numbers as typed')]
CustomerFilter = Annotated[str | None, QueryParameter(max_length=40, required=False,
                                                      description="customer ID, with or without spaces")]
KindFilter = Annotated[list[str] | None, QueryParameter(required=False, max_items=10,
                                                        description="call, email, note, reply, status_change, event, ticket, claim")]
ChannelFilter = Annotated[str | None, QueryParameter(max_length=20, required=False, description="phone, email, web, store")]
StatusFilter = Annotated[str | None, QueryParameter(max_length=20, required=False,
                                                    description="ticket status: new, open, pending, solved, closed")]
AgentFilter = Annotated[str | None, QueryParameter(max_length=12, required=False, description="agent id (author or assignee)")]
DateFilter = Annotated[str | None, QueryParameter(max_length=20, required=False, description="YYYY-MM-DD, shop time")]
PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000, required=False, description="1-based page number")]


def _params(q, customer, kind, channel, status, agent, date_from, date_to, page) -> service.SearchParams:
    return service.SearchParams(q=q or "", customer=customer, kinds=list(kind or []), channel=channel, status=status,
                                agent=agent, date_from=date_from, date_to=date_to, page=page)


class SearchController(Controller):
    guards = [agents_only]
    path = "/search"
    dependencies = SEARCH_DEPENDENCY

    @get("/", sync_to_thread=True, opt=CONTROL_CHARACTERS_HANDLED)
    def search_page(
        self, request: Request, db: DB, search: Search, q: Q = "", customer: CustomerFilter = None,
        kind: KindFilter = None, channel: ChannelFilter = None, status: StatusFilter = None,
        agent: AgentFilter = None, date_from: DateFilter = None, date_to: DateFilter = None, page: PageNumber = 1,
    ) -> Template:
        """Search the whole desk's history; HTMX gets just the results for results-as-you-type."""
        params = _params(q, customer, kind, channel, status, agent, date_from, date_to, page)
        with db.read() as session:
            view = service.search_view(session, search.engine, params, index_status=search.status)
        return render(request, page="search/page.html", partial="search/_results.html", context={"view": view,
                                                                                              "results": view.results})


@dataclass
class ApiHit:
    key: str
    kind: str
    title: str
    url: str
    snippet: str
    snippet_text: str
    customer_id: str
    customer_url: str
    created_at: datetime | None
    author_name: str | None
    channel: str | None
    ticket_number: str | None
    ticket_status: str | None
    ticket_url: str | None
    claim_number: str | None
    claim_url: str | None


@dataclass
class ApiResults:
    query: str
    total: int
    total_is_exact: bool
    page: int
    pages: int
    page_size: int
    hits: list[ApiHit]
    notices: list[str]
    suggestion: str | None


API_DESCRIPTION = (
    "Full-text search over interactions (calls, e-mails, notes, replies, status changes), ticket subjects and claim "
    "descriptions, in English, Hindi and Hinglish, best first, 20 per page. Query syntax: words (all must match), "
    '"exact phrase", -exclude, a OR b, prefix*; model, serial, order, ticket and claim numbers as typed; customer IDs '
    "with or without spaces. `snippet` is HTML in which the text is escaped and only `<mark>` around matched words is "
    "markup; `snippet_text` is the same text without markup. `suggestion` is a corrected query when nothing matched. "
    "A search matching a large part of the history (without a customer or dates) is ranked within the newest "
    "entries; its `total` is then an estimate and `total_is_exact` is false. "
    "Invalid filters answer 422 with a message per field; 503 while the index is being built."
)


class SearchApiController(Controller):
    guards = [agents_only]
    path = "/api"
    tags = ["search"]
    dependencies = SEARCH_DEPENDENCY

    @get("/search", sync_to_thread=True, summary="Search the history", description=API_DESCRIPTION,
         responses=api_responses(422, 503), opt=CONTROL_CHARACTERS_HANDLED)
    def search_api(
        self, db: DB, search: Search, q: Q = "", customer: CustomerFilter = None, kind: KindFilter = None,
        channel: ChannelFilter = None, status: StatusFilter = None, agent: AgentFilter = None,
        date_from: DateFilter = None, date_to: DateFilter = None, page: PageNumber = 1,
    ) -> ApiResults:
        """Search the history as JSON (described in API_DESCRIPTION, which /schema shows)."""
        params = _params(q, customer, kind, channel, status, agent, date_from, date_to, page)
        with db.read() as session:
            results = service.search(session, search.engine, params)
        if results.problems:
            raise ValidationException(
                detail="Some search filters are not valid.",
                extra=[{"key": name, "message": message} for name, message in results.problems.items()],
            )
        if results.unavailable:
            raise ServiceUnavailableException(detail=results.unavailable, headers={"Retry-After": "30"})
        return ApiResults(
            query=params.q,
            total=results.total,
            total_is_exact=results.total_is_exact,
            page=results.page,
            pages=results.pages,
            page_size=results.page_size,
            hits=[
                ApiHit(key=h.key, kind=h.kind, title=h.title, url=h.url, snippet=h.snippet_html,
                       snippet_text=service.highlight.to_text(h.snippet), customer_id=h.customer_id,
                       customer_url=h.customer_url, created_at=h.created_at, author_name=h.author_name,
                       channel=h.channel, ticket_number=h.ticket_number, ticket_status=h.ticket_status,
                       ticket_url=h.ticket_url, claim_number=h.claim_number, claim_url=h.claim_url)
                for h in results.hits
            ],
            notices=results.notices,
            suggestion=results.suggestion,
        )
