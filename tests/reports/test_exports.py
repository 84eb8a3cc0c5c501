"""Exports: CSV in UTF-8 with a BOM and formulas neutralised, XLSX that reads back (with the standard library),
customer lists masked, every export recorded once."""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from xml.etree import ElementTree

import pytest

from helpdesk.reports.exports import csv_chunks, neutralise, xlsx_chunks
from tests.reports.golden import S3, S4

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> list[list[str]]:
    """Cell texts row by row, read with zipfile and ElementTree (no spreadsheet library needed)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = book.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            for item in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("x:si", NS):
                shared.append("".join(node.text or "" for node in item.iter(f"{{{NS['x']}}}t")))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    assert not sheet.findall(".//x:f", NS), "no cell may hold a formula"
    rows = []
    for row in sheet.findall(".//x:sheetData/x:row", NS):
        cells = []
        for cell in row.findall("x:c", NS):
            kind = cell.get("t")
            if kind == "s":
                cells.append(shared[int(cell.find("x:v", NS).text)])
            elif kind == "inlineStr":
                cells.append("".join(node.text or "" for node in cell.iter(f"{{{NS['x']}}}t")))
            else:
                value = cell.find("x:v", NS)
                cells.append(value.text if value is not None else "")
        rows.append(cells)
    return rows


def test_neutralise():
    assert [neutralise(v) for v in ("=1+1", "+91 98", "-5", "@SUM", "\tx", "\rx", "ok", -5, 3.5)] == [
        "'=1+1", "'+91 98", "'-5", "'@SUM", "'\tx", "'\rx", "ok", -5, 3.5]


def test_csv_export_has_a_bom_and_no_live_formulas(supervisor, caplog):
    caplog.set_level(logging.INFO, logger="helpdesk.audit")
    response = supervisor.get("/reports/export/sales/store.csv", params={"from": "2025-11", "to": "2026-02"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="sales-store.csv"'
    rows = read_csv(response.content)
    assert rows[0][:3] == ["Store", "Net revenue (₹)", "Orders"]
    stores = {row[0]: row for row in rows[1:]}
    assert "'" + S4 in stores and S4 not in stores, "a cell starting with = is neutralised"
    assert stores[S3][1] == "60000.0"  # Devanagari intact; money in rupees
    audits = [record.getMessage() for record in caplog.records if record.name == "helpdesk.audit"]
    assert len(audits) == 1 and "table=store" in audits[0] and "by=golden.supervisor@helpdesk.local" in audits[0]


def test_xlsx_export_reads_back(supervisor):
    response = supervisor.get("/reports/export/sales/store.xlsx", params={"from": "2025-11", "to": "2026-02"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    rows = read_xlsx(response.content)
    assert rows[0][0] == "Store"
    by_store = {row[0]: row for row in rows[1:]}
    assert S4 in by_store and S3 in by_store  # text stays text (and is never a formula)
    assert float(by_store[S3][1]) == 60000.0


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_customer_lists_are_masked(supervisor, golden, extension):
    response = supervisor.get(f"/reports/export/customers/valuable.{extension}")
    rows = read_csv(response.content) if extension == "csv" else read_xlsx(response.content)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["#", "Customer ID", "Name", "Phone", "E-mail"]
    assert len(body) == 22  # everyone ranked, not just the first page
    first = dict(zip(header, body[0]))
    assert first["Customer ID"].replace(" ", "") == golden.codes["C01"]
    assert first["Name"] == "G••• C••• 1•••" and "Golden" not in first["Name"]
    assert re.fullmatch(r"\+91 ••••• ••\d{3}", first["Phone"].lstrip("'"))
    assert first["E-mail"].startswith("g") and "•" in first["E-mail"] and "golden1@" not in first["E-mail"]
    assert not any("Golden Customer" in cell or "98765" in cell for row in body for cell in row)


def test_segment_export_and_every_table_exports(supervisor):
    rows = read_csv(supervisor.get("/reports/export/customers/segment-lost.csv").content)
    assert len(rows) == 1 + 9
    for report, table, query in [("support", "daily", {}), ("support", "claims_models", {}), ("retention", "cohorts", {}),
                                 ("retention", "preferences", {}), ("monthly", "top_stores", {"month": "2026-03"}),
                                 ("annual", "months", {"year": "2026"})]:
        response = supervisor.get(f"/reports/export/{report}/{table}.csv", params=query)
        assert response.status_code == 200 and len(read_csv(response.content)) >= 1


def test_streams_stay_streams():
    # A million rows go out in ~64 KB chunks; the XLSX is written in constant-memory mode to a temporary file.
    rows = ((index, f"name {index}", index * 1.5) for index in range(50_000))
    chunks = list(csv_chunks(["n", "name", "value"], rows))
    assert len(chunks) > 10 and max(len(chunk) for chunk in chunks) < 80_000
    workbook = b"".join(xlsx_chunks(["n", "name"], ((index, f"=x{index}") for index in range(2_000))))
    cells = read_xlsx(workbook)
    assert cells[1] == ["0", "=x0"] and len(cells) == 2_001  # stored as text, never as a formula
