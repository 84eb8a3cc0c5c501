"""The audit log as CSV for Excel: UTF-8 with a byte-order mark, RFC 4180 quoting, formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from helpdesk.audit.queries import AuditRow

HEADER = ("id", "time (UTC)", "who", "action", "customer", "field", "reason", "for", "client address", "details")
BOM = "\ufeff"  # without it Excel reads UTF-8 as the local code page and Hindi turns to mojibake
# A cell starting with one of these is run as a formula by spreadsheets (OWASP "CSV injection", ASVS 1.2.10).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell's text, with a leading ' when a spreadsheet would otherwise read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cells(row: AuditRow) -> list[str]:
    return [neutralise(value) for value in (
        row.id, row.at.isoformat(timespec="seconds"), row.actor_label, row.action, row.customer_code, row.field,
        row.reason, row.reference, row.client_address, row.details)]


def csv_chunks(rows: Iterable[AuditRow], *, batch: int = 500) -> Iterator[str]:
    """The file in pieces (BOM and header first), so a large export streams instead of filling memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        writer.writerow(_cells(row))
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
