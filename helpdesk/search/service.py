"""Search rules: check the filters, run the query, read the hits from the database, build snippets and suggestions."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from helpdesk import ids
from helpdesk.auth.models import Agent
from helpdesk.customers import service as customers
from helpdesk.search import analysis, documents, highlight
from helpdesk.search.documents import CLAIM_KIND, TICKET_KIND, HitRecord
from helpdesk.search.engine import Filters, SearchEngine, SearchUnavailable
from helpdesk.search.highlight import Segment
from helpdesk.search.syntax import ParsedQuery, Words, parse, word_spans
from helpdesk.history.models import InteractionKind
from helpdesk.tickets.models import TicketChannel, TicketStatus

log = logging.getLogger("helpdesk.search")

PAGE_SIZE = 20
# Deep pages cost more (Whoosh ranks every hit up to the page); nobody reads past a thousand hits.
MAX_PAGE = 50
KIND_LABELS = {
    InteractionKind.CALL: "Call",
    InteractionKind.EMAIL: "E-mail",
    InteractionKind.NOTE: "Note",
    InteractionKind.REPLY: "Reply",
    InteractionKind.STATUS_CHANGE: "Status change",
    InteractionKind.EVENT: "Ticket event",
    TICKET_KIND: "Ticket subject",
    CLAIM_KIND: "Warranty claim",
}
CHANNELS = tuple(channel.value for channel in TicketChannel)
STATUSES = tuple(status.value for status in TicketStatus)
UNAVAILABLE = "Search is not available right now: the index is being built. Try again in a minute."


@dataclass
class SearchParams:
    """What the agent asked for, as typed (validated by `search`, which reports problems per field)."""

    q: str = ""
    customer: str | None = None
    kinds: list[str] = field(default_factory=list)
    channel: str | None = None
    status: str | None = None
    agent: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    page: int = 1


@dataclass
class SearchHit:
    key: str
    kind: str
    kind_label: str
    url: str
    title: str
    snippet: list[Segment]
    customer_id: str
    customer_url: str
    created_at: datetime | None
    author_name: str | None = None
    channel: str | None = None
    ticket_number: str | None = None
    ticket_status: str | None = None
    ticket_url: str | None = None
    claim_number: str | None = None
    claim_url: str | None = None
    customer_name: str | None = None

    @property
    def snippet_html(self) -> str:
        return highlight.to_html(self.snippet)


@dataclass
class HitGroup:
    """Hits shown together: all of one ticket's hits on a page under that ticket, or a single hit on its own."""

    hits: list[SearchHit]
    ticket_number: str | None = None

    @property
    def first(self) -> SearchHit:
        return self.hits[0]


def group_hits(hits: list[SearchHit]) -> list[HitGroup]:
    """Hits in rank order, with every later hit of a ticket moved under that ticket's first one."""
    groups: list[HitGroup] = []
    by_ticket: dict[str, HitGroup] = {}
    for hit in hits:
        if hit.ticket_number and hit.ticket_number in by_ticket:
            by_ticket[hit.ticket_number].hits.append(hit)
            continue
        group = HitGroup([hit], hit.ticket_number)
        if hit.ticket_number:
            by_ticket[hit.ticket_number] = group
        groups.append(group)
    return groups


@dataclass
class SearchResults:
    params: SearchParams
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    page_size: int = PAGE_SIZE
    searched: bool = False
    notices: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    suggestion: str | None = None
    unavailable: str | None = None
    took_ms: float = 0.0
    total_is_exact: bool = True
    window: int = 0  # for a broad search: how many of the newest documents it was answered from

    @property
    def groups(self) -> list[HitGroup]:
        return group_hits(self.hits)

    @property
    def total_label(self) -> str:
        """"1,234", or "about 98,000" when a broad search's total is estimated (two significant digits)."""
        if self.total_is_exact:
            return f"{self.total:,}"
        digits = max(len(str(self.total)) - 2, 0)
        return f"about {round(self.total, -digits):,}"

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0

    def page_url(self, page: int) -> str:
        """This search at another page (pager links), with the same filters."""
        return "/search?" + urlencode(query_pairs(self.params, page=page))

    def suggestion_url(self) -> str | None:
        if self.suggestion is None:
            return None
        return "/search?" + urlencode(query_pairs(self.params, q=self.suggestion, page=1))


def query_pairs(params: SearchParams, *, page: int | None = None, q: str | None = None) -> list[tuple[str, str]]:
    pairs = [("q", params.q if q is None else q)]
    for name in ("customer", "channel", "status", "agent", "date_from", "date_to"):
        value = getattr(params, name)
        if value:
            pairs.append((name, value))
    pairs.extend(("kind", kind) for kind in params.kinds)
    if page and page > 1:
        pairs.append(("page", str(page)))
    return pairs


@dataclass
class SearchView:
    """Everything the search page shows: the results and the choices for its filters."""

    results: SearchResults
    agents: list[tuple[int, str]]
    index_status: str
    kinds: dict[str, str] = field(default_factory=lambda: dict(KIND_LABELS))
    channels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


# --- filters -------------------------------------------------------------------------------------


def _parse_day(value: str | None, name: str, problems: dict[str, str]) -> int | None:
    if not value or not value.strip():
        return None
    try:
        return documents.day_number(date.fromisoformat(value.strip()))
    except ValueError:
        problems[name] = "Use a date like 2026-11-23."
        return None


def validate(params: SearchParams) -> tuple[Filters, dict[str, str]]:
    """The filters as the index understands them, and a message for each one that is not valid."""
    problems: dict[str, str] = {}
    customer = None
    if params.customer and params.customer.strip():
        try:
            customer = ids.parse(params.customer)
        except ids.InvalidCustomerId as exc:
            problems["customer"] = f"Not a valid customer ID. {exc.reason}"
    kinds = tuple(dict.fromkeys(kind for kind in params.kinds if kind))
    if unknown := [kind for kind in kinds if kind not in KIND_LABELS]:
        problems["kind"] = f"Unknown kind {unknown[0]!r}; choose from {', '.join(KIND_LABELS)}."
    channel = (params.channel or "").strip() or None
    if channel and channel not in CHANNELS:
        problems["channel"] = f"Unknown channel; choose from {', '.join(CHANNELS)}."
    status = (params.status or "").strip() or None
    if status and status not in STATUSES:
        problems["status"] = f"Unknown ticket status; choose from {', '.join(STATUSES)}."
    agent = (params.agent or "").strip() or None
    if agent and not agent.isdigit():
        problems["agent"] = "Choose an agent from the list."
    day_from = _parse_day(params.date_from, "date_from", problems)
    day_to = _parse_day(params.date_to, "date_to", problems)
    if day_from is not None and day_to is not None and day_from > day_to:
        day_from, day_to = day_to, day_from
    filters = Filters(customer=customer, kinds=kinds, channel=channel, status=status, agent=agent,
                      day_from=day_from, day_to=day_to)
    return filters, problems


def agent_choices(session: Session) -> list[tuple[int, str]]:
    """Agents for the "agent" filter, by name."""
    rows = session.exec(select(Agent.id, Agent.name).order_by(col(Agent.name))).all()
    return [(row[0], row[1]) for row in rows]


# --- the search -----------------------------------------------------------------------------------


def search(session: Session, engine: SearchEngine, params: SearchParams) -> SearchResults:
    """One page of results for what the agent typed; problems become messages, never exceptions."""
    started = time.perf_counter()
    results = SearchResults(params=params)
    filters, results.problems = validate(params)
    parsed = parse(params.q)
    results.notices.extend(parsed.notices)
    if params.page > MAX_PAGE:
        results.notices.append(f"Only the first {MAX_PAGE} pages are shown; add a word or a filter to narrow the search.")
    results.page = min(max(params.page, 1), MAX_PAGE)
    if results.problems or parsed.is_empty:
        return results
    results.searched = True
    offset = (results.page - 1) * PAGE_SIZE
    try:
        found = engine.search(parsed, filters, offset=offset, limit=PAGE_SIZE)
        records = documents.load_hits(session, found.keys)
        results.total, results.total_is_exact, results.window = found.total, found.exact, found.window
        results.pages = min(math.ceil(found.available / PAGE_SIZE), MAX_PAGE)
        if not found.exact:
            results.notices.append(
                f"That matches a large part of the history, so these are the best matches among the newest "
                f"{found.window:,} entries. Add a word, a customer ID or dates to search all of it."
            )
        results.hits = [_hit(records[key], found.terms, found.prefixes) for key in found.keys if key in records]
        names = customers.names_for(session, {hit.customer_id for hit in results.hits})
        for hit in results.hits:
            hit.customer_name = names.get(hit.customer_id)
        if found.total == 0:
            results.suggestion = _suggestion(session, engine, parsed)
    except SearchUnavailable as exc:
        log.warning("search unavailable: %s", exc)
        results.unavailable = UNAVAILABLE
        results.searched = False
    results.took_ms = (time.perf_counter() - started) * 1000
    return results


def _hit(record: HitRecord, terms: set[str], prefixes: set[str]) -> SearchHit:
    customer_url = f"/customers/{record.customer_id}"
    ticket_url = f"/tickets/{record.ticket_number}" if record.ticket_number else None
    claim_url = f"/claims/{record.claim_number}" if record.claim_number else None
    if record.doc_type == documents.DocType.CLAIM:
        url, title = claim_url or customer_url, f"Claim {record.claim_number}" + (f" · {record.title}" if record.title else "")
    elif record.doc_type == documents.DocType.TICKET:
        url, title = ticket_url or customer_url, record.title or "Ticket"
    else:
        anchor = f"{customer_url}#interaction-{record.interaction_id}"
        url, title = ticket_url or anchor, record.title or KIND_LABELS.get(record.kind, record.kind)
    return SearchHit(
        key=record.key,
        kind=record.kind,
        kind_label=KIND_LABELS.get(record.kind, record.kind.replace("_", " ").capitalize()),
        url=url,
        title=title,
        snippet=highlight.snippet(record.text, terms, prefixes),
        customer_id=record.customer_id,
        customer_url=customer_url,
        created_at=record.created_at,
        author_name=record.author_name,
        channel=record.channel,
        ticket_number=record.ticket_number,
        ticket_status=record.ticket_status,
        ticket_url=ticket_url,
        claim_number=record.claim_number,
        claim_url=claim_url,
    )


def search_view(session: Session, engine: SearchEngine, params: SearchParams, *, index_status: str = "ready") -> SearchView:
    """The search page: results plus the agents to filter by."""
    results = search(session, engine, params)
    return SearchView(results=results, agents=agent_choices(session), index_status=index_status,
                      channels=CHANNELS, statuses=STATUSES)


# --- did you mean -------------------------------------------------------------------------------


def _suggestion(session: Session, engine: SearchEngine, parsed: ParsedQuery) -> str | None:
    """The query with each unknown word replaced by the commonest indexed word one or two edits away."""
    if not any(isinstance(clause, Words) for clause in parsed.clauses):
        return None
    text = parsed.text
    replaced = False
    for start, end, word in reversed(word_spans(parsed)):
        terms = [token for token in analysis.analyze(analysis.normalise(word)) if not token.is_code]
        if len(terms) != 1 or len(terms[0].term) < 3 or any(char.isdigit() for char in terms[0].term):
            continue
        term = terms[0].term
        if engine.frequency(term) > 0:
            continue
        corrections = engine.corrections(term, limit=1)
        if not corrections:
            continue
        text = text[:start] + _as_typed(session, engine, corrections[0][0]) + text[end:]
        replaced = True
    return text if replaced else None


def _as_typed(session: Session, engine: SearchEngine, term: str) -> str:
    """An indexed term as people write it: stems and folded spellings read oddly in "did you mean"."""
    key = engine.any_key_with(term)
    if key is not None:
        record = documents.load_hits(session, [key]).get(key)
        if record is not None:
            text = analysis.normalise(record.text)
            for token in analysis.analyze(text):
                if token.term == term and not token.is_code:
                    return text[token.start:token.end].lower()
    return term
