"""The `helpdesk` commands that bring data in: API tokens for the point of sale, CSV imports, duplicate scans."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from helpdesk.cli_common import load_settings, open_database


@click.group()
def token() -> None:
    """API tokens for other systems (the point-of-sale system: scope pos)."""


_CLI = "cli"


@token.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(["pos"]), required=True, help="What the token may do.")
def token_create(name: str, scope: str) -> None:
    """Create a token and print it once (only its hash is kept)."""
    from helpdesk.audit.service import Actor
    from helpdesk.auth import tokens
    from helpdesk.forms import InvalidInput

    database = open_database(load_settings())
    try:
        with database.write() as session:
            created = tokens.create_token(session, name=name, scope=scope, actor=Actor(label=_CLI))
    except InvalidInput as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from None
    click.echo(f"Token {created.token.id} {created.token.name!r} (scope {scope}); store it now, it is not shown again:")
    click.echo(created.secret)


@token.command("list")
def token_list() -> None:
    """Every token: number, name, scope, start of the token, created, last used, revoked."""
    from helpdesk.auth import queries

    database = open_database(load_settings())
    with database.read() as session:
        rows = queries.api_tokens(session)
    for row in rows:
        when = lambda value: value.strftime("%Y-%m-%d %H:%M") if value else "-"  # noqa: E731
        click.echo(f"{row.id}\t{row.name}\t{row.scope}\t{row.prefix}…\tcreated {when(row.created_at)}\t"
                   f"last used {when(row.last_used_at)}\t{'revoked ' + when(row.revoked_at) if row.revoked_at else 'live'}")


@token.command("revoke")
@click.argument("token_ref")
def token_revoke(token_ref: str) -> None:
    """Revoke a token by its number or name; it is refused from the next request."""
    from helpdesk.audit.service import Actor
    from helpdesk.auth import tokens

    database = open_database(load_settings())
    try:
        with database.write() as session:
            found = tokens.revoke_token(session, tokens.find_token(session, token_ref).id, actor=Actor(label=_CLI))
    except tokens.TokenNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token {found.id} {found.name!r} is revoked.")


@click.group()
def customers() -> None:
    """Customers: duplicate candidates."""


@customers.command("find-duplicates")
def customers_find_duplicates() -> None:
    """Queue every pair of customers on file sharing a phone or e-mail, or a similar name and PIN code."""
    from helpdesk.customers.duplicates import scan_all

    database = open_database(load_settings())
    with database.write() as session:
        added = scan_all(session)
    click.echo(f"{added} new pair(s) of possible duplicates queued for supervisors (/customers/duplicates).")


@click.group("import")
def import_group() -> None:
    """Load past sales, the catalogue or customers from a CSV file (safe to re-run after a stop)."""


def _import_options(command):
    command = click.option("--quiet", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")(command)
    command = click.option("--batch", type=click.IntRange(100, 100_000), default=5_000, show_default=True,
                           help="Rows per transaction (a purchase is never split).")(command)
    command = click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="Where rejected rows go (default: FILE.rejects.csv beside the file).")(command)
    command = click.option("--dry-run", is_flag=True, help="Parse and check everything, show the first 20 rows and "
                                                           "every error, write nothing.")(command)
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)


def _run_import(kind: str, file: Path, dry_run: bool, rejects: Path | None, batch: int, quiet: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    from helpdesk.imports.service import ImportFileError, run_import

    settings = load_settings()
    database = open_database(settings)
    show_bar = not quiet and sys.stderr.isatty()
    with Progress("{task.description}", BarColumn(), DownloadColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), disable=not show_bar) as bar:
        task = bar.add_task(f"Importing {kind}", total=file.stat().st_size)
        try:
            summary = run_import(database, kind, file, dry_run=dry_run, rejects_path=rejects, batch_lines=batch,
                                 rupees_per_point=settings.loyalty_rupees_per_point,
                                 progress=lambda done, total: bar.update(task, completed=done, total=total),
                                 on_error=lambda rejection: click.echo(f"error: {rejection}"))
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            raise click.ClickException("Stopped. Batches already committed stay; run the same command again to "
                                       "finish (rows already imported are skipped).") from None
    if dry_run:
        click.echo(f"First {len(summary.preview)} parsed rows:")
        for line in summary.preview:
            click.echo(f"  {line}")
        click.echo(f"Dry run, nothing written: {summary}")
        return
    click.echo(str(summary))
    if summary.rejected:
        click.echo(f"Rejected rows (row, column, reason) are in {summary.rejects_path}")


@import_group.command("purchases")
@_import_options
def import_purchases(file: Path, dry_run: bool, rejects: Path | None, batch: int, quiet: bool) -> None:
    """Past sales: the desk's purchases CSV, or a Shopify orders export as it comes (one row per line item)."""
    _run_import("purchases", file, dry_run, rejects, batch, quiet)


@import_group.command("products")
@_import_options
def import_products(file: Path, dry_run: bool, rejects: Path | None, batch: int, quiet: bool) -> None:
    """The catalogue: SKUs not yet known are added, known ones left as they are."""
    _run_import("products", file, dry_run, rejects, batch, quiet)


@import_group.command("customers")
@_import_options
def import_customers(file: Path, dry_run: bool, rejects: Path | None, batch: int, quiet: bool) -> None:
    """Customers with their personal details, matched by customer ID, else phone or e-mail; new ones get an ID."""
    _run_import("customers", file, dry_run, rejects, batch, quiet)
