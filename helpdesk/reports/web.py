"""Report pages for supervisors: support, sales, retention, valuable customers and segments, the monthly and annual
reports, their charts (SVG) and exports (CSV, XLSX), and tier overrides. Every route: supervisors and admins only."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter, URLEncodedBody
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Stream, Template

from helpdesk import ids
from helpdesk.auth.guards import supervisors_only
from helpdesk.customers import service as customers
from helpdesk.web_helpers import DB, AppSettings, render, wants_partial
from helpdesk.reports import charts, exports, loader, tiers
from helpdesk.reports.customers_view import EXPORT_COLUMNS, customer_list, export_rows, tier_overview
from helpdesk.reports.definitions import DEFINITIONS
from helpdesk.reports.periods import add_months
from helpdesk.reports.rules import SEGMENT_LABELS, SEGMENTS, TIERS
from helpdesk.reports.tables import display, export_label, export_value

# Declared so their length is checked (400 beyond it) and they show in /schema; loader.py reads and checks them.
Text = Annotated[str | None, QueryParameter(required=False, max_length=120)]
Short = Annotated[str | None, QueryParameter(required=False, max_length=20)]
FromText = Annotated[str | None, QueryParameter(name="from", required=False, max_length=20)]
Page = Annotated[int, QueryParameter(required=False, ge=1, le=100_000)]
PathText = Annotated[str, PathParameter(max_length=80)]
FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _context(request: Request, loaded: loader.Loaded | None = None, **extra) -> dict[str, Any]:
    context = {"defs": DEFINITIONS, "fmt": display, "tiers": TIERS, "section": extra.pop("section", None),
               "timedelta": timedelta}
    if loaded is not None:
        context |= {"loaded": loaded, "report": loaded.report, "tables": loaded.tables, "notes": loaded.notes,
                    "query": loaded.query, "as_of": loaded.as_of, "refreshed_at": loaded.refreshed_at}
    return context | extra


def _params(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if isinstance(value, str)}


def _load(db, name: str, params: dict[str, str]) -> loader.Loaded:
    with db.read() as session:
        try:
            return loader.load(session, name, params)
        except loader.ReportNotFound as exc:
            raise NotFoundException(str(exc)) from None


class ReportController(Controller):
    path = "/reports"
    guards = [supervisors_only]

    @get("/", sync_to_thread=True)
    def support(self, request: Request, db: DB, from_: FromText = None, to: Short = None, by: Short = None,
                step: Short = None) -> Template:
        """Support: created vs solved, backlog, reply and resolution times, SLA, reopens, satisfaction, claims."""
        loaded = _load(db, "support", _params(request))
        return render(request, page="reports/support.html", partial="reports/_support.html",
                      context=_context(request, loaded, section="support"))

    @get("/sales", sync_to_thread=True)
    def sales(self, request: Request, db: DB, from_: FromText = None, to: Short = None, store: Text = None,
              category: Text = None, tier: Text = None) -> Template:
        """Sales by month, store, channel and category against the previous period and last year."""
        loaded = _load(db, "sales", _params(request))
        return render(request, page="reports/sales.html", partial="reports/_sales.html",
                      context=_context(request, loaded, section="sales"))

    @get("/retention", sync_to_thread=True)
    def retention(self, request: Request, db: DB, period: Short = None) -> Template:
        """Repeat purchase rate, churn, cohorts, lifetime value, RFM segments and what they buy."""
        loaded = _load(db, "retention", _params(request))
        return render(request, page="reports/retention.html", partial="reports/_retention.html",
                      context=_context(request, loaded, section="retention"))

    @get("/customers", sync_to_thread=True)
    def valuable(self, request: Request, db: DB, settings: AppSettings, tier: Text = None, page: Page = 1) -> Template:
        """The most valuable customers, ranked, with their tier and why; the tier rule, cut-offs and SLA targets."""
        notes = []
        if tier and tier not in TIERS:
            notes, tier = [f"“{tier[:20]}” is not a tier; showing every tier."], None
        with db.read() as session:
            as_of, refreshed_at = loader.as_of_day(session)
            listing = customer_list(session, page=page, tier=tier, title="Most valuable customers")
            overview = tier_overview(session, settings.reports.tier_top_percent)
            matrix = tiers.sla_matrix(session)
        query = f"tier={tier}" if tier else ""
        return render(request, page="reports/customers.html", partial="reports/_customers.html", context=_context(
            request, section="customers", listing=listing, overview=overview, matrix=matrix, notes=notes,
            as_of=as_of, refreshed_at=refreshed_at, tier=tier, query=query, list_url="/reports/customers",
            export_url="/reports/export/customers/valuable"))

    @get("/segments/{segment:str}", sync_to_thread=True)
    def segment(self, request: Request, db: DB, segment: PathText, page: Page = 1) -> Template:
        """One RFM segment's customers, most valuable first."""
        if segment not in SEGMENT_LABELS:
            raise NotFoundException(f"There is no segment “{segment[:40]}”.")
        with db.read() as session:
            as_of, refreshed_at = loader.as_of_day(session)
            listing = customer_list(session, page=page, segment=segment,
                                    title=f"{SEGMENT_LABELS[segment]}: customers")
        rule = next(text for key, _, text in SEGMENTS if key == segment)
        return render(request, page="reports/segment.html", partial="reports/_customers.html", context=_context(
            request, section="retention", listing=listing, segment=segment, label=SEGMENT_LABELS[segment], rule=rule,
            as_of=as_of, refreshed_at=refreshed_at, notes=[], query="", list_url=f"/reports/segments/{segment}",
            export_url=f"/reports/export/customers/segment-{segment}"))

    @get("/monthly", sync_to_thread=True)
    def monthly_latest(self, db: DB) -> Redirect:
        """The last complete month's report."""
        with db.read() as session:
            as_of, _ = loader.as_of_day(session)
        return Redirect(f"/reports/monthly/{add_months(as_of.replace(day=1), -1):%Y-%m}", status_code=303)

    @get("/monthly/{month:str}", sync_to_thread=True)
    def monthly(self, request: Request, db: DB, month: PathText) -> Template:
        """One month's key figures, charts and top lists, for printing."""
        loaded = _load(db, "monthly", {"month": month})
        return Template("reports/period.html", context=_context(request, loaded, section="monthly"))

    @get("/annual", sync_to_thread=True)
    def annual_latest(self, db: DB) -> Redirect:
        """The current year's report (to date)."""
        with db.read() as session:
            as_of, _ = loader.as_of_day(session)
        return Redirect(f"/reports/annual/{as_of.year}", status_code=303)

    @get("/annual/{year:str}", sync_to_thread=True)
    def annual(self, request: Request, db: DB, year: PathText) -> Template:
        """One year's key figures, charts and top lists, for printing."""
        loaded = _load(db, "annual", {"year": year})
        return Template("reports/period.html", context=_context(request, loaded, section="annual"))

    @get("/charts/{report:str}/{chart:str}", sync_to_thread=True)
    def chart(self, request: Request, db: DB, report: PathText, chart: PathText) -> Response:
        """A table's chart as SVG (shown with <img>; revalidated by ETag so an unchanged chart is not redrawn)."""
        name = chart.removesuffix(".svg")
        if not chart.endswith(".svg") or not charts.has_chart(name):
            raise NotFoundException("There is no such chart.")
        loaded = _load(db, report, _params(request))
        if name not in loaded.tables:
            raise NotFoundException("There is no such chart on this report.")
        tag = '"' + hashlib.sha256(f"{report}|{name}|{loaded.query}|{loaded.refreshed_at}".encode()).hexdigest()[:32] + '"'
        headers = {"ETag": tag, "Cache-Control": "private, no-cache",
                   # Its own policy: the SVG's embedded <style> is fine, nothing else is.
                   "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
        if request.headers.get("if-none-match") == tag:
            return Response(b"", status_code=304, headers=headers)
        return Response(charts.render(loaded.tables[name]), media_type="image/svg+xml", headers=headers)

    @get("/export/{report:str}/{file:str}", sync_to_thread=True)
    def export(self, request: Request, db: DB, report: PathText, file: PathText) -> Stream:
        """Any table as CSV or XLSX, streamed; customer lists with personal data masked."""
        name, _, extension = file.rpartition(".")
        if extension not in FORMATS or not name:
            raise NotFoundException("Exports are .csv or .xlsx files.")
        user = request.user
        if report == "customers":
            header, rows, masked = self._customer_export(db, name, request)
        else:
            loaded = _load(db, report, _params(request))
            table = loaded.tables.get(name)
            if table is None:
                raise NotFoundException("There is no such table on this report.")
            header = [export_label(column) for column in table.columns]
            kinds = [column.kind for column in table.columns]
            rows = ([export_value(value, kind) for value, kind in zip(row, kinds)] for row in table.rows)
            masked = False
        exports.record_export(who=user.email, role=user.role, report=report, table=name, file_format=extension,
                              query=request.url.query or "", masked=masked)
        chunks = exports.csv_chunks(header, rows) if extension == "csv" else exports.xlsx_chunks(header, rows)
        filename = f"{report}-{name}.{extension}"
        return Stream(chunks, media_type=FORMATS[extension],
                      headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})

    def _customer_export(self, db, name: str, request: Request):
        tier = request.query_params.get("tier") if request.query_params.get("tier") in TIERS else None
        segment = None
        if name.startswith("segment-"):
            segment = name.removeprefix("segment-")
            if segment not in SEGMENT_LABELS:
                raise NotFoundException(f"There is no segment “{segment[:40]}”.")
        elif name != "valuable":
            raise NotFoundException("There is no such customer list.")
        reveal = exports.may_reveal(request.user.role)
        kinds = [column.kind for column in EXPORT_COLUMNS]

        def rows():
            # A snapshot, not a plain read: the rows stream through a server-side cursor, which PostgreSQL keeps
            # only inside a transaction.
            with db.snapshot() as session:
                for row in export_rows(session, tier=tier, segment=segment, reveal=reveal):
                    yield [export_value(value, kind) for value, kind in zip(row, kinds)]

        return [export_label(column) for column in EXPORT_COLUMNS], rows(), not reveal

    @post("/tiers/{customer_id:str}", sync_to_thread=True, status_code=200)
    def override(self, request: Request, db: DB, customer_id: PathText,
                 data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect | ClientRedirect:
        """Set or clear a customer's tier override, with a reason (recorded)."""
        code = ids.parse(customer_id)
        choice = str(data.get("tier") or "").strip()
        errors: dict[str, str] = {}
        with db.write() as session:
            customer = customers.get_customer(session, code)
            try:
                tiers.set_override(session, customer=customer, tier=None if choice == "rule" else choice,
                                   reason=str(data.get("reason") or ""), agent_id=request.user.id)
            except tiers.TierInvalid as exc:
                session.rollback()
                errors = exc.errors
        if not wants_partial(request):
            if errors:
                with db.read() as session:
                    box = tiers.tier_box(session, code)
                return Template("reports/tier_page.html", context=_context(
                    request, box=box, errors=errors, form=data), status_code=400)
            return Redirect(f"/customers/{code}", status_code=303)
        with db.read() as session:
            box = tiers.tier_box(session, code)
        return Template("reports/_tier.html", context=_context(
            request, box=box, errors=errors, form=data if errors else {},
            notice=None if errors else "Tier saved."), headers={"Vary": "HX-Request"})
