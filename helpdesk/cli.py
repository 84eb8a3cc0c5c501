"""The `helpdesk` command: demo, serve, db upgrade, fixtures load, index rebuild, user create, stats refresh."""

from __future__ import annotations

import logging
import secrets
import sys

import click

from helpdesk.config import Settings
from helpdesk.db import Database, DatabaseConfigError

DEMO_AGENT_EMAIL = "demo@helpdesk.local"
DEMO_TEAM = (
    ("priya.sharma@helpdesk.local", "Priya Sharma", "agent"),
    ("arjun.nair@helpdesk.local", "Arjun Nair", "agent"),
    ("meera.iyer@helpdesk.local", "Meera Iyer", "supervisor"),
)


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _open_database(settings: Settings) -> Database:
    try:
        database = Database.from_settings(settings)
        database.check()
    except DatabaseConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return database


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
@click.version_option(package_name="helpdesk")
def main() -> None:
    """helpdesk: the customer-support desk. Settings come from HELPDESK_* environment variables."""
    _setup_logging()


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade both stores (main and personal data) to the newest schema."""
    from helpdesk import migrate

    database = _open_database(_settings())
    migrate.upgrade(database)
    click.echo("Both stores are at the newest schema.")


@main.group()
def fixtures() -> None:
    """Demo data."""


@fixtures.command("load")
@click.option("--customers", type=click.IntRange(1, 5_000_000), default=2000, show_default=True, help="How many customers.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same data.")
@click.option("--append", is_flag=True, help="Add to a database that already has customers.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def fixtures_load(customers: int, seed: int, append: bool, no_progress: bool) -> None:
    """Generate deterministic demo customers, purchases, tickets, claims and history."""
    from helpdesk import migrate
    from helpdesk.demo.generator import DemoDataExists, load

    database = _open_database(_settings())
    migrate.upgrade(database)
    try:
        summary = load(database, customers=customers, seed=seed, progress=not no_progress, append=append)
    except DemoDataExists as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Loaded demo data: {summary}")
    click.echo("Run `helpdesk index rebuild` so search covers it (a running desk keeps searching the old index meanwhile).")


@main.group()
def user() -> None:
    """Agent accounts."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["agent", "supervisor", "admin"]), default="agent", show_default=True)
@click.option("--name", help="Display name (default: from the e-mail).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (required).")
def user_create(email: str, role: str, name: str | None, password_stdin: bool) -> None:
    """Create an agent, or reset an existing agent's password and role."""
    from helpdesk import migrate
    from helpdesk.auth.service import AgentError, create_or_update_agent

    if not password_stdin:
        raise click.UsageError("pass the password on standard input with --password-stdin (never on the command line)")
    password = sys.stdin.readline().rstrip("\r\n")
    database = _open_database(_settings())
    migrate.upgrade(database)
    try:
        with database.write() as session:
            agent = create_or_update_agent(session, email=email, password=password, role=role, name=name)
    except AgentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Agent {agent.email} ({agent.role}) is ready.")


@main.group()
def index() -> None:
    """Search index commands."""


def _build_search_index(settings: Settings, database: Database, *, only_if_unusable: bool = False,
                        procs: int | None = None, progress: bool = True) -> None:
    from helpdesk.search.layout import IndexLayout
    from helpdesk.search.rebuild import RebuildInProgress, default_procs, index_is_usable, rebuild_with_progress_bar

    layout = IndexLayout(settings.index_dir)
    if only_if_unusable and index_is_usable(layout):
        return
    try:
        report = rebuild_with_progress_bar(database, layout, procs=procs or default_procs(), show_progress=progress)
    except RebuildInProgress as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Search index {report.generation} is live: {report.documents:,} documents in {report.seconds:.0f} s "
               f"({report.rate:,.0f}/s).")


@index.command("rebuild")
@click.option("--procs", type=click.IntRange(1, 16), default=None, help="Writer processes (default: 2 on 2+ cores).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def index_rebuild(procs: int | None, no_progress: bool) -> None:
    """Rebuild the search index from the database into a new directory and swap it in; search keeps answering."""
    from helpdesk import migrate

    settings = _settings()
    database = _open_database(settings)
    migrate.upgrade(database)
    _build_search_index(settings, database, procs=procs, progress=not no_progress)


@main.group()
def stats() -> None:
    """Report figures (the aggregate tables behind /reports)."""


@stats.command("refresh")
@click.option("--incremental", is_flag=True, help="Only fold in what changed since the last refresh.")
def stats_refresh(incremental: bool) -> None:
    """Rebuild every report table from the data (the desk also keeps them current in the background)."""
    from helpdesk import migrate
    from helpdesk.reports.refresh import full_refresh, incremental_refresh
    from helpdesk.timeutil import shop_today

    settings = _settings()
    database = _open_database(settings)
    migrate.upgrade(database)
    if incremental:
        report = incremental_refresh(database, settings.reports)
    else:
        report = full_refresh(database, settings.reports, as_of=shop_today())
    if report.kind == "busy":
        raise click.ClickException("Another full refresh is running; try again when it has finished.")
    click.echo(str(report))


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from helpdesk.app import create_app

    if workers > 1:
        uvicorn.run("helpdesk.app:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True)
    else:
        uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the desk."""
    settings = _settings()
    _open_database(settings)
    _serve(settings, host, port, workers)


@main.command()
@click.option("--customers", type=click.IntRange(1, 1_000_000), default=3000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def demo(customers: int, seed: int, host: str, port: int) -> None:
    """Migrate, load demo data (first run only), create a demo login and serve."""
    from helpdesk import migrate
    from helpdesk.auth.service import create_or_update_agent
    from helpdesk.demo.generator import DemoDataExists, load

    settings = _settings()
    database = _open_database(settings)
    migrate.upgrade(database)
    password = secrets.token_urlsafe(12)
    with database.write() as session:
        create_or_update_agent(session, email=DEMO_AGENT_EMAIL, password=password, role="supervisor", name="Demo Agent")
    for email, name, role in DEMO_TEAM:
        with database.write() as session:
            create_or_update_agent(session, email=email, password=secrets.token_urlsafe(16), role=role, name=name)
    loaded = True
    try:
        load(database, customers=customers, seed=seed, progress=True)
    except DemoDataExists:
        click.echo("Demo data is already loaded; keeping it.")
        loaded = False
    _build_search_index(settings, database, only_if_unusable=not loaded)
    click.echo("")
    click.echo(f"  helpdesk is running at http://{host}:{port}/")
    click.echo(f"  sign in as {DEMO_AGENT_EMAIL} with password {password}")
    click.echo("  (a new password is made on every `helpdesk demo`; press Ctrl+C to stop)")
    click.echo("")
    _serve(settings, host, port, 1)
