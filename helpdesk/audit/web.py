"""The audit log page (supervisors): filter by agent, customer, action and date, page through, export as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from helpdesk.audit import export, queries
from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.auth.guards import supervisors_only
from helpdesk.db import Database
from helpdesk.timeutil import utcnow
from helpdesk.web_helpers import DB, Cursor, actor_of, render

Text = Annotated[str, QueryParameter(max_length=100, required=False)]


def _filters(agent: str, customer: str, action: str, date_from: str, date_to: str) -> queries.AuditFilters:
    return queries.parse_filters(agent=agent, customer=customer, action=action, date_from=date_from, date_to=date_to)


def _rows(db: Database, filters: queries.AuditFilters) -> Iterator[str]:
    # The session lives as long as the download: the rows are read in batches while the file is sent.
    with db.read() as session:
        yield from export.csv_chunks(queries.all_entries(session, filters))


class AuditController(Controller):
    path = "/audit"
    guards = [supervisors_only]

    @get("/", sync_to_thread=True)
    def page(self, request: Request, db: DB, agent: Text = "", customer: Text = "", action: Text = "",
             date_from: Text = "", date_to: Text = "", cursor: Cursor = None) -> Template:
        """Entries newest first, 50 a page; the filter form answers with the results (HTMX) or the whole page."""
        filters = _filters(agent, customer, action, date_from, date_to)
        with db.read() as session:
            entries = queries.entries_page(session, filters, cursor=cursor)
            agents = queries.agent_choices(session)
        context = {"filters": filters, "entries": entries, "agents": agents, "actions": tuple(AuditAction),
                   "query": {k: v for k, v in filters.typed.items() if v}}
        return render(request, page="audit/page.html", partial="audit/_results.html", context=context)

    @get("/export.csv", sync_to_thread=True)
    def export_csv(self, request: Request, db: DB, agent: Text = "", customer: Text = "", action: Text = "",
                   date_from: Text = "", date_to: Text = "") -> Stream:
        """The filtered log as a CSV file for Excel; the export is itself an audit entry."""
        filters = _filters(agent, customer, action, date_from, date_to)
        with db.write() as session:
            audit.record_export(session, actor=actor_of(request), what=f"audit log CSV; filters: {filters.describe()}")
        name = f"audit-log-{utcnow():%Y%m%d-%H%M%S}.csv"
        return Stream(_rows(db, filters), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})
