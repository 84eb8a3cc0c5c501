"""The start page."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from helpdesk.deps import DB
from helpdesk.tickets import queues
from helpdesk.timeutil import utcnow


class HomeController(Controller):
    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB) -> Template:
        """Lookup box and the signed-in agent's open tickets, the most urgent first."""
        with db.read() as session:
            queue = queues.queue(session, filters=queues.QueueFilters(view=queues.View.MINE), agent_id=request.user.id,
                                 now=utcnow())
        return Template(template_name="home/page.html", context={"queue": queue})
