"""The service record page of one unit, by its serial number."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import PathParameter
from litestar.response import Template

from helpdesk.auth.guards import agents_only
from helpdesk.serials import queries
from helpdesk.web_helpers import DB, render

SerialPath = Annotated[str, PathParameter(max_length=queries.SERIAL_MAX, description="the unit's serial number")]


class SerialController(Controller):
    guards = [agents_only]
    path = "/serials"

    @get("/{serial:str}", sync_to_thread=True)
    def serial(self, request: Request, db: DB, serial: SerialPath) -> Template:
        """Every owner, claim, ticket and entry about this unit; 404 when no purchase carries the serial."""
        with db.read() as session:
            record = queries.serial_record(session, serial)
        return render(request, page="serials/page.html", partial="serials/_record.html", context={"record": record},
                      status_code=200 if record.found else 404)
