"""create_app(settings) -> Litestar: plugins, templates, CSRF, sessions, routes, lifespan. No logic."""

from __future__ import annotations

import logging
from pathlib import Path

import js_lib_htmx
from litestar import Litestar, Router
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.security.session_auth import SessionAuth
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope

from helpdesk import __version__, migrate, templating
from helpdesk.auth.csrf import SessionCSRFMiddleware
from helpdesk.audit.web import AuditController
from helpdesk.auth.admin_web import AdminController
from helpdesk.auth.guards import agents_only
from helpdesk.auth.service import CurrentAgent, get_active_agent
from helpdesk.auth.session_store import session_store
from helpdesk.auth.sessions import RotatingSessionConfig
from helpdesk.auth.web import AuthController
from helpdesk.config import Settings
from helpdesk.claims.api import ClaimApiController
from helpdesk.claims.photos import legacy_photo_dir
from helpdesk.claims.public import WarrantyController
from helpdesk.claims.web import ClaimController
from helpdesk.customers.merge_web import MergeController
from helpdesk.customers.registration_web import RegistrationController
from helpdesk.customers.web import CustomerApiController, CustomerController, LookupController
from helpdesk.db import Database
from helpdesk.web_helpers import provide_db, provide_settings, refuse_impossible_file_names, refuse_nul_in_address
from helpdesk.errors import EXCEPTION_HANDLERS
from helpdesk.home.web import HomeController
from helpdesk.i18n import catalogs
from helpdesk.i18n.text import Translatable
from helpdesk.macros.web import MacroController, MacroFillController
from helpdesk.privacy import store as personal
from helpdesk.privacy.logs import mask_access_log
from helpdesk.privacy.requests_web import PrivacyRequestController
from helpdesk.privacy.web import ContactController, RevealController
from helpdesk.reports.runner import StatsRefresher
from helpdesk.reports.web import ReportController
from helpdesk.sales.api import PosApiController
from helpdesk.search.runtime import SearchRuntime
from helpdesk.search.web import SearchApiController, SearchController
from helpdesk.serials.web import SerialController
from helpdesk.tickets.api import TicketApiController
from helpdesk.tickets.merge_web import TicketMergeController
from helpdesk.tickets.web import SatisfactionController, TicketController

log = logging.getLogger("helpdesk")

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
HTMX_DIR = Path(js_lib_htmx.__file__).resolve().parent / "static" / "htmx"

# Our own CSS and scripts and the bundled htmx: the same for everyone, the only responses a cache may keep.
CACHEABLE_PREFIXES = ("/static/", "/assets/")
# ...and the paths without a session (so without a CSRF token either). The POS API takes an API token instead:
# no cookie may stand in for it, so an agent's browser cannot be made to push sales (helpdesk/auth/guards.py).
UNSESSIONED = ("^/static/", "^/assets/", "^/api/pos/")

SECURITY_HEADERS = {
    b"content-security-policy": (
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}


async def _security_headers(message: Message, scope: Scope) -> None:
    """Added in before_send so static files, 404s, 405s and the CSRF 403 carry them too."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            key = name.decode()
            if key not in headers:
                headers[key] = value.decode()
        if not scope.get("path", "").startswith(CACHEABLE_PREFIXES):
            # Every page and answer of the desk shows customer data or is specific to one session (tickets, claims,
            # the verified /warranty pages, status links, surveys, photos): none may linger in a shared cache, the
            # browser's disk cache or its back-forward cache. Set here, so no handler can forget it or loosen it.
            headers["cache-control"] = "no-store"


async def _retrieve_agent(session: dict, connection) -> CurrentAgent | None:
    agent_id = session.get("agent_id")
    version = session.get("v", 0)  # sessions from before versions existed carry none: version 0
    if not isinstance(agent_id, int) or not isinstance(version, int):
        return None
    db: Database = connection.app.state.db
    # Every signed-in request runs this: one prebuilt statement on a bare connection, no ORM session.
    with db.reader_engine().connect() as db_connection:
        # None for a deactivated agent or an ended session: the request is treated as anonymous at once.
        return get_active_agent(db_connection, agent_id, version)


def _prepare_storage(settings: Settings, database: Database) -> None:
    """Create what a first run needs, saying so, and bring the schema up to date."""
    if not settings.index_dir.exists():
        log.info("search index directory %s does not exist yet: creating it", settings.index_dir)
        settings.index_dir.mkdir(parents=True, exist_ok=True)
    # The customer pages' message catalogues: a fresh clone has only the .po files (see README, "Languages").
    catalogs.compile_catalogs()
    database.check()
    migrate.upgrade(database, legacy_photo_dir=legacy_photo_dir(settings.data_dir))
    # A wrong key fails here, loudly, before any page could show garbage.
    with database.write() as session:
        personal.check_keys(session)
    mask_access_log()


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> Litestar:
    """The desk as an ASGI app, wired for the given settings."""
    settings = settings or Settings.from_env()
    database = database or Database.from_settings(settings)
    _prepare_storage(settings, database)

    session_config = RotatingSessionConfig(
        # `__Host-` behind HTTPS: sent only over HTTPS, set only by this host; the CSRF token is bound to this cookie.
        key="__Host-helpdesk_session" if settings.secure_cookies else "helpdesk_session",
        max_age=settings.session_max_age,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        store="sessions",
        exclude=list(UNSESSIONED),
    )
    session_auth = SessionAuth[CurrentAgent, RotatingSessionConfig](
        retrieve_user_handler=_retrieve_agent,
        session_backend_config=session_config,
        exclude=["^/signin$", "^/static/", "^/assets/", "^/favicon.ico$", "^/api/pos/"],
        # Stock SessionAuth skips HEAD too, which would run GET handlers for anonymous callers.
        exclude_http_methods=["OPTIONS"],
    )

    def engine_callback(engine: JinjaTemplateEngine) -> None:
        templating.register(engine.engine)
        # Templates ship with the package: re-checking every file's mtime on each render is wasted work.
        engine.engine.auto_reload = settings.reload_templates

    sessions = session_store(settings.redis_url, database)
    search = SearchRuntime(settings)
    stats = StatsRefresher(settings)
    app = Litestar(
        route_handlers=[
            # /schema documents the JSON API; the HTML pages and their forms are not an API and stay out of it.
            Router(path="/", include_in_schema=False, route_handlers=[
                AuthController,
                AdminController,
                AuditController,
                HomeController,
                LookupController,
                RegistrationController,
                MergeController,
                CustomerController,
                RevealController,
                ContactController,
                PrivacyRequestController,
                TicketController,
                TicketMergeController,
                SatisfactionController,
                MacroController,
                MacroFillController,
                SerialController,
                ClaimController,
                WarrantyController,
                SearchController,
                ReportController,
            ]),
            CustomerApiController,
            TicketApiController,
            ClaimApiController,
            SearchApiController,
            PosApiController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False,
                                       guards=[refuse_impossible_file_names]),
            create_static_files_router(
                path="/assets/htmx", directories=[HTMX_DIR], name="htmx", include_in_schema=False,
                guards=[refuse_impossible_file_names],
            ),
        ],
        dependencies={
            "db": Provide(provide_db, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        guards=[refuse_nul_in_address],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=engine_callback
        ),
        # Inside the session middleware (SessionAuth puts its own first), so the check sees the session it binds to.
        middleware=[DefineMiddleware(SessionCSRFMiddleware, secret=settings.secret_key, secure=settings.secure_cookies,
                                     exclude=UNSESSIONED)],
        on_app_init=[session_auth.on_app_init],
        # Shared by every worker and machine (the database, or Redis when configured): a session signed in through
        # one machine, and the CSRF secret in it, are valid on all of them.
        stores={"sessions": sessions},
        # A Redis store closes its connections when the app stops (the database store has nothing to close).
        lifespan=[sessions],
        openapi_config=OpenAPIConfig(
            title="helpdesk",
            version=__version__,
            # The API's documentation declares who may read it, like every other route.
            openapi_router=Router(path="/schema", guards=[agents_only], route_handlers=[], include_in_schema=False),
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
            # The POS API's token (the session cookie's scheme is added by SessionAuth).
            components=[Components(security_schemes={"BearerToken": SecurityScheme(
                type="http", scheme="bearer", description="an API token with scope pos (helpdesk token create)")})],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        # Service messages keep their message id for the customer pages (a str subclass): JSON gets the English text.
        type_encoders={Translatable: str},
        before_send=[_security_headers],
        logging_config=LoggingConfig(log_exceptions="never", disable_stack_trace={404, 401, 403, 422}),
        debug=False,
        state=State({"db": database, "settings": settings, "search": search}),
        # The indexer thread runs between startup and shutdown; it writes only if no other process does.
        # The stats refresher folds changes into the report tables (helpdesk/reports/runner.py).
        on_startup=[search.start, stats.start],
        on_shutdown=[search.stop, stats.stop, database.dispose],
    )
    return app
