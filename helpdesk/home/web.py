"""The start page."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from helpdesk.deps import DB
from helpdesk.tickets import service as tickets


class HomeController(Controller):
    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB) -> Template:
        """Lookup box and the signed-in agent's open tickets."""
        with db.read() as session:
            queue = tickets.my_open_tickets(session, agent_id=request.user.id)
        return Template(template_name="home/page.html", context={"queue": queue})
