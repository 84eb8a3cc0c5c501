"""Exports of report tables as CSV (UTF-8 with a byte-order mark, for Excel) and XLSX, streamed in bounded memory,
and the one place that records who exported what.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator

import xlsxwriter

from helpdesk.auth.models import Role

audit = logging.getLogger("helpdesk.audit")

CHUNK = 64 * 1024
# A cell starting with one of these is a formula to Excel or LibreOffice (OWASP "CSV injection"): prefix it with '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Roles that may see personal data unmasked in an exported customer list. None yet: revealing needs a reason and
# an audit entry per person (the privacy work builds that); until then every export is masked.
REVEAL_ROLES: tuple[str, ...] = ()


def may_reveal(role: str) -> bool:
    return role in REVEAL_ROLES and role in tuple(Role)


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def record_export(*, who: str, role: str, report: str, table: str, file_format: str, query: str, masked: bool) -> None:
    """Every export passes here once, before its first byte: today a log line, tomorrow the audit log."""
    audit.info("export report=%s table=%s format=%s by=%s role=%s masked=%s query=%s", report, table, file_format,
               who, role, masked, query[:500])


def csv_chunks(header: list[str], rows: Iterable[tuple]) -> Iterator[bytes]:
    """RFC 4180 CSV in UTF-8 with a BOM (else Excel shows Hindi as mojibake), yielded in ~64 KB chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    yield "\ufeff".encode()
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(header: list[str], rows: Iterable[tuple], *, sheet: str = "Report") -> Iterator[bytes]:
    """An XLSX workbook written row by row in xlsxwriter's constant-memory mode to a temporary file, then streamed.

    A zip cannot be sent before it is finished, so the file is built first; memory stays flat either way. Text
    is written as text (never as a formula or a link), numbers as numbers.
    """
    handle, path = tempfile.mkstemp(prefix="helpdesk-export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False,
                                              "tmpdir": tempfile.gettempdir()})
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        for column, title in enumerate(header):
            worksheet.write_string(0, column, title, bold)
        for row_number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    worksheet.write_boolean(row_number, column, value)
                elif isinstance(value, (int, float)):
                    worksheet.write_number(row_number, column, value)
                else:
                    worksheet.write_string(row_number, column, str(value))
        workbook.close()
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
