"""Import a file: stream it, parse it, write it in batches of whole purchases, and count what happened.

Each batch commits on its own (the personal store first, then the main store), and every row is found again by its
natural key, so a run stopped anywhere (Ctrl+C, a kill, a power cut) is finished by running the same import again:
rows already written are skipped, none is written twice and none is lost.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from helpdesk.db import Database
from helpdesk.imports import columns, parsing, writing
from helpdesk.imports.rows import OrderRow, Rejection
from helpdesk.imports.source import CsvSource, ImportFileError
from helpdesk.timeutil import shop_today

KINDS = ("purchases", "products", "customers")
BATCH_LINES = 5_000
PREVIEW_ROWS = 20

__all__ = ["ImportFileError", "ImportSummary", "KINDS", "default_rejects_path", "run_import"]


@dataclass
class ImportSummary:
    """What a run did, in rows of the file (a purchase of three lines is three rows)."""

    kind: str
    file_format: str = "desk"
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    customers_created: int = 0
    purchases_created: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    rejects_path: Path | None = None
    preview: list[str] = field(default_factory=list)
    errors: list[Rejection] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.imported + self.skipped + self.rejected

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        extra = ""
        if self.kind == "purchases":
            extra = f" ({self.purchases_created:,} purchases, {self.customers_created:,} new customers)"
        elif self.kind == "customers":
            extra = f" ({self.customers_created:,} new customers)"
        return (f"{self.kind} ({self.file_format} format): {verb} {self.imported:,} rows{extra}, skipped "
                f"{self.skipped:,} already present, rejected {self.rejected:,}; {self.seconds:.1f} s "
                f"({self.rate:,.0f} rows/s)")


def default_rejects_path(path: Path) -> Path:
    """Beside the input: sales-2024.csv -> sales-2024.rejects.csv."""
    return path.with_name(f"{path.stem}.rejects.csv")


@contextmanager
def _connections(database: Database) -> Iterator[tuple[Connection, Connection]]:
    """One connection per store for the run; write transactions take SQLite's write lock up front."""
    main_engine = database.main.execution_options(helpdesk_begin_immediate=True)
    with main_engine.connect() as main:
        if database.main.url == database.personal.url:
            # Both stores in one SQLite file: a second connection would wait forever on the first one's lock.
            yield main, main
            return
        with database.personal.execution_options(helpdesk_begin_immediate=True).connect() as personal:
            yield main, personal


@contextmanager
def _rejects_file(path: Path | None) -> Iterator[Callable[[Rejection], None] | None]:
    if path is None:
        yield None
        return
    # With a byte-order mark, as Excel needs to show Hindi reasons and column names correctly.
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "reason"])
        yield lambda rejection: writer.writerow([rejection.row, rejection.column, rejection.reason])


def _parsed_rows(kind: str, source: CsvSource, today: date) -> tuple[str, Iterator]:
    records = source.records()
    first = next(records, None)  # reading the first record fills source.headers
    records = _chain(first, records)
    if kind == "products":
        layout = columns.resolve(source.headers, columns.PRODUCT_COLUMNS, columns.PRODUCT_REQUIRED, format="desk")
        return "desk", parsing.parse_products(records, parsing.Plan(layout, source.column, today))
    if kind == "customers":
        layout = columns.resolve(source.headers, columns.PERSON_COLUMNS, columns.CUSTOMER_REQUIRED, format="desk")
        return "desk", parsing.parse_customers(records, parsing.Plan(layout, source.column, today))
    if columns.is_shopify(source.headers):
        layout = columns.resolve(source.headers, columns.SHOPIFY_COLUMNS, columns.SHOPIFY_REQUIRED, format="shopify")
    else:
        layout = columns.resolve(source.headers, columns.PURCHASE_COLUMNS, columns.PURCHASE_REQUIRED, format="desk")
    return layout.format, parsing.parse_orders(records, parsing.Plan(layout, source.column, today))


def _chain(first, rest: Iterator) -> Iterator:
    if first is not None:
        yield first
        yield from rest


def _size(item) -> int:
    return len(item.lines) if isinstance(item, OrderRow) else 1


def _write_batch(kind: str, database: Database, main: Connection, personal: Connection, batch: list, *,
                 dry_run: bool, rupees_per_point: int) -> writing.BatchResult:
    """Write one batch in one transaction per store; a concurrent writer's duplicate makes it retry once."""
    for attempt in (1, 2):
        main.begin()
        if personal is not main:
            personal.begin()
        try:
            if kind == "products":
                result = writing.write_products(main, batch)
            elif kind == "customers":
                result = writing.write_customers(main, personal, database.keyring, batch)
            else:
                result = writing.write_orders(main, personal, database.keyring, batch,
                                              rupees_per_point=rupees_per_point)
            if dry_run:
                raise _DryRun(result)
            # The personal store first: a stop between the two commits leaves a personal record without its
            # customer row, which the re-run completes (helpdesk/imports/customers.py), never the reverse.
            if personal is not main:
                personal.commit()
            main.commit()
            return result
        except _DryRun as dry:
            _rollback(main, personal)
            return dry.result
        except IntegrityError:
            # Someone else (the POS API, the desk) wrote the same SKU, order or customer meanwhile: the retry's
            # look-ups see it and skip it.
            _rollback(main, personal)
            if attempt == 2:
                raise
        except BaseException:
            _rollback(main, personal)
            raise
    raise AssertionError("unreachable")


class _DryRun(Exception):
    def __init__(self, result: writing.BatchResult) -> None:
        super().__init__("dry run")
        self.result = result


def _rollback(main: Connection, personal: Connection) -> None:
    main.rollback()
    if personal is not main:
        personal.rollback()


def run_import(database: Database, kind: str, path: Path, *, dry_run: bool = False, rejects_path: Path | None = None,
               batch_lines: int = BATCH_LINES, progress: Callable[[int, int], None] | None = None,
               on_error: Callable[[Rejection], None] | None = None, today: date | None = None,
               rupees_per_point: int = 100) -> ImportSummary:
    """Import `kind` rows from a CSV file. A dry run writes nothing: it previews the first rows and reports every
    error (to on_error, else into summary.errors). A real run writes rejected rows to the rejects file."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    started = time.perf_counter()
    summary = ImportSummary(kind=kind, dry_run=dry_run)
    today = today or shop_today()
    if not dry_run:
        summary.rejects_path = rejects_path or default_rejects_path(path)
    with CsvSource(path) as source, _rejects_file(summary.rejects_path) as write_rejection, \
            _connections(database) as (main, personal):

        last_rejected_row = [0]

        def reject(rejection: Rejection) -> None:
            # A row with three bad cells is one rejected row with three reasons.
            if rejection.row != last_rejected_row[0]:
                summary.rejected += 1
                last_rejected_row[0] = rejection.row
            if write_rejection is not None:
                write_rejection(rejection)
            elif on_error is not None:
                on_error(rejection)
            else:
                summary.errors.append(rejection)

        def flush(batch: list) -> None:
            result = _write_batch(kind, database, main, personal, batch, dry_run=dry_run,
                                  rupees_per_point=rupees_per_point)
            summary.imported += result.imported
            summary.skipped += result.skipped
            summary.customers_created += result.customers_created
            summary.purchases_created += result.purchases_created
            for rejection in result.rejections:
                reject(rejection)
            if progress is not None:
                progress(source.bytes_read(), source.size)

        summary.file_format, parsed = _parsed_rows(kind, source, today)
        batch: list = []
        lines = 0
        for item in parsed:
            if isinstance(item, list):
                for rejection in item:
                    reject(rejection)
                continue
            if dry_run and len(summary.preview) < PREVIEW_ROWS:
                summary.preview.append(item.preview())
            batch.append(item)
            lines += _size(item)
            if lines >= batch_lines:
                flush(batch)
                batch, lines = [], 0
        if batch:
            flush(batch)
        if progress is not None:
            progress(source.size, source.size)
    summary.seconds = time.perf_counter() - started
    return summary
