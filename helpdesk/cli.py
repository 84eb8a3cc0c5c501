"""The `helpdesk` command: demo, serve, db, fixtures, index, user, keys, backup, stats refresh (the data-in commands,
token, import and customers, are in cli_data.py)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from helpdesk.cli_common import load_settings, open_database, setup_logging
from helpdesk.cli_data import customers, import_group, token
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.privacy.crypto import KeyConfigError

DEMO_AGENT_EMAIL = "demo@helpdesk.local"
DEMO_TEAM = (
    ("priya.sharma@helpdesk.local", "Priya Sharma", "agent"),
    ("arjun.nair@helpdesk.local", "Arjun Nair", "agent"),
    ("meera.iyer@helpdesk.local", "Meera Iyer", "supervisor"),
)


@click.group()
@click.version_option(package_name="helpdesk")
def main() -> None:
    """helpdesk: the customer-support desk. Settings come from HELPDESK_* environment variables."""
    setup_logging()


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade both stores (main and personal data) to the newest schema."""
    open_database(load_settings())
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
    from helpdesk.demo.generator import DemoDataExists, load

    # Demo data is for local use: a key file is made if there is none (a server never makes keys).
    database = open_database(load_settings(), create_keys=True)
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
    from helpdesk.auth.service import AgentError, create_or_update_agent

    if not password_stdin:
        raise click.UsageError("pass the password on standard input with --password-stdin (never on the command line)")
    password = sys.stdin.readline().rstrip("\r\n")
    database = open_database(load_settings())
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
    settings = load_settings()
    database = open_database(settings)
    _build_search_index(settings, database, procs=procs, progress=not no_progress)


@index.command("follow")
def index_follow() -> None:
    """Keep this machine's index following the shared change log, without serving pages (Ctrl+C stops)."""
    import signal
    import threading

    from helpdesk.search.engine import SearchEngine
    from helpdesk.search.indexer import Indexer
    from helpdesk.search.layout import IndexLayout

    settings = load_settings()
    database = open_database(settings)
    layout = IndexLayout(settings.index_dir)
    indexer = Indexer(database, layout, SearchEngine(layout))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    indexer.start()
    click.echo(f"Following the change log into {settings.index_dir} (Ctrl+C stops).")
    stop.wait()
    indexer.stop()


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

    settings = load_settings()
    database = open_database(settings)
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
        uvicorn.run("helpdesk.app:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                    forwarded_allow_ips=settings.trusted_proxies)
    else:
        uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True,
                    forwarded_allow_ips=settings.trusted_proxies)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the desk."""
    settings = load_settings()
    open_database(settings)
    _serve(settings, host, port, workers)


@main.command()
@click.option("--customers", type=click.IntRange(1, 1_000_000), default=3000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def demo(customers: int, seed: int, host: str, port: int) -> None:
    """Migrate, load demo data (first run only), create a demo login and serve."""
    from helpdesk.auth.service import create_or_update_agent
    from helpdesk.demo.generator import DemoDataExists, load
    from helpdesk.macros.samples import add_samples as add_sample_macros

    settings = load_settings()
    database = open_database(settings, create_keys=True)
    password = secrets.token_urlsafe(12)
    with database.write() as session:
        # Admin, so the demo shows every page: the admin page, the audit log and privacy requests too.
        create_or_update_agent(session, email=DEMO_AGENT_EMAIL, password=password, role="admin", name="Demo Agent")
    for email, name, role in DEMO_TEAM:
        with database.write() as session:
            create_or_update_agent(session, email=email, password=secrets.token_urlsafe(16), role=role, name=name)
    loaded = True
    try:
        load(database, customers=customers, seed=seed, progress=True)
    except DemoDataExists:
        click.echo("Demo data is already loaded; keeping it.")
        loaded = False
    with database.write() as session:
        # Canned replies for the reply box's picker (Alt+M on a ticket); kept if a supervisor changed them.
        add_sample_macros(session)
    _build_search_index(settings, database, only_if_unusable=not loaded)
    click.echo("")
    click.echo(f"  helpdesk is running at http://{host}:{port}/")
    click.echo(f"  sign in as {DEMO_AGENT_EMAIL} with password {password}")
    click.echo("  (a new password is made on every `helpdesk demo`; press Ctrl+C to stop)")
    click.echo("")
    _serve(settings, host, port, 1)


@main.group()
def keys() -> None:
    """Personal-data keys: rotate, see which keys are in use, retire an old one."""


@keys.command("status")
def keys_status() -> None:
    """Which data key writes, and how many stored values each key protects."""
    from helpdesk.privacy import store

    database = open_database(load_settings())
    with database.read() as session:
        usage = store.key_usage(session)
    click.echo(f"Keys from {database.keyring.source}; {database.keyring.writer} writes.")
    for key_id in database.keyring.key_ids:
        click.echo(f"  {key_id}: {usage.get(key_id, 0):,} values")


@keys.command("rotate")
@click.option("--no-new-key", is_flag=True, help="Re-encrypt to the newest key already listed (keys set in the environment).")
@click.option("--batch", type=click.IntRange(10, 10_000), default=500, show_default=True, help="Records per transaction.")
def keys_rotate(no_new_key: bool, batch: int) -> None:
    """Add a data key and re-encrypt every record to it in short batches; the desk keeps serving meanwhile."""
    from helpdesk.privacy import rotation

    settings = load_settings()
    database = open_database(settings)
    try:
        if not no_new_key:
            rotation.add_key(database, settings)
            click.echo(f"Added data key {database.keyring.writer}; new values are written with it.")
        report = rotation.reencrypt_all(database, batch=batch)
    except KeyConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Re-encrypted {report.records_changed:,} records to {report.writer} in {report.seconds:.1f} s "
               f"({report.rate:,.0f} records/s).")
    for key_id, count in sorted(report.usage.items()):
        click.echo(f"  {key_id}: {count:,} values")
    click.echo("Restart running desks so they write with the new key; retire an old key once it protects 0 values.")


@keys.command("retire")
@click.argument("key_id")
def keys_retire(key_id: str) -> None:
    """Remove an old data key, once no stored value uses it (keep it with backups made while it was in use)."""
    from helpdesk.privacy import rotation

    settings = load_settings()
    database = open_database(settings)
    try:
        rotation.retire(database, settings, key_id)
    except KeyConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Retired {key_id}; keys left: {', '.join(database.keyring.key_ids)}.")


@main.command("backup")
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("backups"),
              show_default=True, help="Where the copies go (keep the personal-data keys elsewhere).")
def backup_command(directory: Path) -> None:
    """Back up both stores while the desk runs: SQLite by its backup API, PostgreSQL by the pg_dump lines printed."""
    from helpdesk.backup import BackupError, backup

    settings = load_settings()
    try:
        report = backup(settings, directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    for path in report.files:
        click.echo(f"Backed up {path}")
    for command in report.commands:
        click.echo(command)
    click.echo("The personal store is encrypted: keep the personal-data keys (not in this folder) to restore it.")


for _command in (token, customers, import_group):
    main.add_command(_command)
