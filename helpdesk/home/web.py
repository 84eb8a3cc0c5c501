"""The start page."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from helpdesk.auth.guards import agents_only
from helpdesk.tickets import queries
from helpdesk.timeutil import utcnow
from helpdesk.web_helpers import DB


class HomeController(Controller):
    guards = [agents_only]
    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB) -> Template:
        """Lookup box and the signed-in agent's open tickets, the most urgent first."""
        with db.read() as session:
            queue = queries.queue(session, filters=queries.QueueFilters(view=queries.View.MINE), agent_id=request.user.id,
                                 now=utcnow())
        return Template(template_name="home/page.html", context={"queue": queue})
