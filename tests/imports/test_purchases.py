"""Importing past sales in the desk's CSV format: counts, rejects file, duplicates, whole purchases, Hindi text."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from helpdesk.imports.service import run_import
from helpdesk.reports.models import StatsDirty
from helpdesk.sales.models import Purchase
from tests.imports.conftest import codes_for_phone, new_phone, person, purchases_of, read_rejects, write_csv

HEADER = ["order_number", "store", "purchased_on", "customer_id", "full_name", "phone", "email", "address_line",
          "pin_code", "gstin", "sku", "serial_number", "quantity", "unit_price", "tax", "hsn"]


def _file(tmp_path, tag, phone_a, phone_b, **kwargs):
    tv, ac = f"{tag}-TV", f"{tag}-AC"
    rows = [
        # A purchase of two lines; order fields only on its first row, as many tills export.
        [f"{tag}-1", "Pune Camp", "2024-01-15", "", "Asha Rao", phone_a, "asha@example.in", "12 MG Road", "411001",
         "27AAPFU0939F1ZV", tv, "SN-1", "1", "32,999.00", "5033.75", "8528"],
        [f"{tag}-1", "", "", "", "", "", "", "", "", "", ac, "SN-2", "1", "₹41,000", "", "8415"],
        # The same customer again, found by phone within the file.
        [f"{tag}-2", "Pune Camp", "15/02/2024", "", "Asha Rao", phone_a, "", "", "", "", tv, "", "2", "1299", "", ""],
        # Broken: a bad date, a bad PIN code and a negative price, all reported for the one row.
        [f"{tag}-3", "Pune Camp", "2024-13-45", "", "Ravi", phone_b, "", "", "0123", "", tv, "", "1", "-5", "", ""],
        # Broken on its second line only: the whole purchase is rejected, never half-written.
        [f"{tag}-4", "Pune Camp", "2024-03-01", "", "Ravi", phone_b, "", "", "", "", tv, "", "1", "100", "", ""],
        [f"{tag}-4", "Pune Camp", "2024-03-01", "", "", "", "", "", "", "", ac, "", "zero", "100", "", ""],
        # Unknown SKU.
        [f"{tag}-5", "Pune Camp", "2024-03-02", "", "Ravi", phone_b, "", "", "", "", "NOPE", "", "1", "100", "", ""],
        # No way to know the customer.
        [f"{tag}-6", "Pune Camp", "2024-03-03", "", "", "", "", "", "", "", tv, "", "1", "100", "", ""],
    ]
    return write_csv(tmp_path / "sales.csv", HEADER, rows, **kwargs)


def test_good_duplicate_and_broken_rows(db, catalogue, tag, tmp_path):
    phone_a, phone_b = new_phone(), new_phone()
    path = _file(tmp_path, tag, phone_a, phone_b)

    summary = run_import(db, "purchases", path, batch_lines=2, today=date(2026, 11, 30))

    assert (summary.imported, summary.skipped, summary.rejected) == (3, 0, 5)
    assert (summary.purchases_created, summary.customers_created) == (2, 1)
    stored = purchases_of(db, tag)
    assert set(stored) == {f"{tag}-1", f"{tag}-2"}
    first = stored[f"{tag}-1"]
    assert first["lines"] == [(f"{tag}-TV", "SN-1", 1, 3_299_900), (f"{tag}-AC", "SN-2", 1, 4_100_000)]
    assert first["on"] == date(2024, 1, 15) and first["total"] == 7_399_900 and first["store"] == "Pune Camp"
    assert stored[f"{tag}-2"]["on"] == date(2024, 2, 15) and stored[f"{tag}-2"]["code"] == first["code"]
    assert codes_for_phone(db, phone_a) == [first["code"]]
    assert person(db, first["code"]).full_name == "Asha Rao"

    rejects = read_rejects(summary.rejects_path)
    assert summary.rejects_path == tmp_path / "sales.rejects.csv"
    by_row: dict[int, list[tuple[str, str]]] = {}
    for line in rejects:
        by_row.setdefault(int(line["row"]), []).append((line["column"], line["reason"]))
    assert sorted(by_row) == [5, 6, 7, 8, 9]
    assert {column for column, _ in by_row[5]} == {"purchased_on", "pin_code", "unit_price"}
    assert by_row[7] == [("quantity", "'zero' is not a whole number of units")]
    assert by_row[6][0][1] == "not imported: row 7 of the same order is rejected"
    assert by_row[8][0][0] == "sku" and "NOPE is not in the catalogue" in by_row[8][0][1]
    assert "names no customer" in by_row[9][0][1]
    # Ravi's purchases were all rejected, so Ravi was never created.
    assert codes_for_phone(db, phone_b) == []
    # The report tables fold the new purchases in on their next incremental refresh.
    with db.read() as session:
        ids = select(Purchase.id).where(Purchase.order_number.in_([f"{tag}-1", f"{tag}-2"]))
        assert session.execute(select(func.count()).select_from(StatsDirty)
                               .where(StatsDirty.purchase_id.in_(ids))).scalar() == 2


def test_importing_the_same_file_again_adds_nothing(db, catalogue, tag, tmp_path):
    path = _file(tmp_path, tag, new_phone(), new_phone())
    run_import(db, "purchases", path, today=date(2026, 11, 30))
    before = purchases_of(db, tag)

    again = run_import(db, "purchases", path, today=date(2026, 11, 30))

    assert (again.imported, again.skipped, again.rejected) == (0, 3, 5)
    assert (again.purchases_created, again.customers_created) == (0, 0)
    assert purchases_of(db, tag) == before


def test_an_order_number_of_another_store_is_refused(db, catalogue, tag, tmp_path):
    phone = new_phone()
    run_import(db, "purchases", write_csv(tmp_path / "a.csv", HEADER, [
        [f"{tag}-1", "Pune Camp", "2024-01-15", "", "Asha", phone, "", "", "", "", f"{tag}-TV", "", "1", "10", "", ""]]))
    summary = run_import(db, "purchases", write_csv(tmp_path / "b.csv", HEADER, [
        [f"{tag}-1", "Nashik", "2024-01-15", "", "Asha", phone, "", "", "", "", f"{tag}-TV", "", "1", "10", "", ""]]))
    assert (summary.imported, summary.skipped, summary.rejected) == (0, 0, 1)
    assert "another store (Pune Camp)" in read_rejects(summary.rejects_path)[0]["reason"]


def test_existing_customer_by_id_and_unknown_id(db, catalogue, tag, tmp_path):
    from tests import factories

    known = factories.customer(db, name="Meena", phone=new_phone())
    unknown = factories.unique_code()
    path = write_csv(tmp_path / "ids.csv", HEADER, [
        [f"{tag}-1", "Pune", "2024-01-15", known.code, "", "", "", "", "", "", f"{tag}-TV", "", "1", "10", "", ""],
        [f"{tag}-2", "Pune", "2024-01-15", unknown, "", "", "", "", "", "", f"{tag}-TV", "", "1", "10", "", ""],
        [f"{tag}-3", "Pune", "2024-01-15", "1234 5678 0", "", "", "", "", "", "", f"{tag}-TV", "", "1", "10", "", ""],
    ])
    summary = run_import(db, "purchases", path)
    assert (summary.imported, summary.rejected, summary.customers_created) == (1, 2, 0)
    assert purchases_of(db, tag)[f"{tag}-1"]["code"] == known.code
    reasons = {int(r["row"]): r for r in read_rejects(summary.rejects_path)}
    assert "no customer has this ID" in reasons[3]["reason"]
    assert reasons[4]["column"] == "customer_id" and "check digit" in reasons[4]["reason"]


def test_hindi_in_quoted_multi_line_cells_survives_with_a_bom(db, catalogue, tag, tmp_path):
    phone = new_phone()
    name = "सुनीता देवी"
    address = "मकान नं. 12, गली नं. 4\nलक्ष्मी नगर, \"पुराना\" बाज़ार"
    path = write_csv(tmp_path / "hindi.csv", HEADER, [
        [f"{tag}-1", "दिल्ली स्टोर", "2024-05-01", "", name, phone, "", address, "110092", "", f"{tag}-TV", "",
         "1", "15000", "", ""],
        [f"{tag}-1", "", "", "", "", "", "", "", "", "", f"{tag}-AC", "", "1", "25000", "", ""],
    ], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\n" in path.read_bytes().split(b"110092")[0]

    summary = run_import(db, "purchases", path)

    assert (summary.imported, summary.rejected) == (2, 0)
    order = purchases_of(db, tag)[f"{tag}-1"]
    assert order["store"] == "दिल्ली स्टोर" and len(order["lines"]) == 2
    details = person(db, order["code"])
    assert details.full_name == name and details.address_line == address and details.pin_code == "110092"


def test_dry_run_previews_and_reports_without_writing(db, catalogue, tag, tmp_path):
    path = _file(tmp_path, tag, new_phone(), new_phone())
    summary = run_import(db, "purchases", path, dry_run=True)
    assert summary.dry_run and summary.rejects_path is None
    assert not (tmp_path / "sales.rejects.csv").exists()
    assert purchases_of(db, tag) == {}
    assert (summary.imported, summary.rejected) == (3, 5)
    assert summary.preview[0].startswith(f"row 2: order {tag}-1 at Pune Camp")
    # Personal data is masked in the preview, as on every page.
    assert "asha@example.in" not in summary.preview[0] and "a•••••@example.in" in summary.preview[0]
    assert {rejection.row for rejection in summary.errors} == {5, 6, 7, 8, 9}
