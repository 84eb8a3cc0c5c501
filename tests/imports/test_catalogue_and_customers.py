"""Importing the catalogue and customers: new rows added, known ones skipped, broken ones in the rejects file."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk import ids
from helpdesk.customers.models import Customer
from helpdesk.imports.service import run_import
from helpdesk.sales.models import Product
from tests import factories
from tests.imports.conftest import codes_for_phone, count, new_phone, person, read_rejects, write_csv


def test_products_file(db, tag, tmp_path):
    header = ["SKU", "Name", "Brand", "Category", "Model Number", "Warranty Months", "HSN", "GST Rate"]
    path = write_csv(tmp_path / "catalogue.csv", header, [
        [f"{tag}-1", "Smart TV 43\"", "Voltas", "Television", "TV43X", "24", "8528", "18"],
        [f"{tag}-2", "मिक्सर ग्राइंडर", "Bajaj", "Kitchen", "MG-750", "12", "8509", "18%"],
        [f"{tag}-1", "Same SKU again", "Voltas", "Television", "TV43X", "24", "", ""],
        [f"{tag}-3", "", "Voltas", "Television", "", "two years", "12", "180"],
    ])

    summary = run_import(db, "products", path)

    assert (summary.imported, summary.skipped, summary.rejected) == (2, 1, 1)
    with db.read() as session:
        stored = {p.sku: p for p in session.execute(select(Product).where(Product.sku.like(f"{tag}-%"))).scalars()}
    assert set(stored) == {f"{tag}-1", f"{tag}-2"}
    assert stored[f"{tag}-1"].name == 'Smart TV 43"' and stored[f"{tag}-2"].name == "मिक्सर ग्राइंडर"
    assert stored[f"{tag}-2"].warranty_months == 12
    rejects = read_rejects(summary.rejects_path)
    assert {r["row"] for r in rejects} == {"5"}
    assert {r["column"] for r in rejects} == {"Name", "Model Number", "Warranty Months", "HSN", "GST Rate"}

    again = run_import(db, "products", path)
    assert (again.imported, again.skipped, again.rejected) == (0, 3, 1)


def test_customers_file(db, tag, tmp_path):
    known_phone, known_email = new_phone(), f"known.{tag}@example.in"
    by_phone = factories.customer(db, name="Known by phone", phone=known_phone)
    by_email = factories.customer(db, name="Known by e-mail", email=known_email)
    given_id = factories.unique_code()
    new_a, new_b = new_phone(), new_phone()
    header = ["customer_id", "full_name", "phone", "alt_phone", "email", "address_line", "city", "state", "pin_code",
              "gstin", "customer_since"]
    path = write_csv(tmp_path / "people.csv", header, [
        ["", "Known", f"+91 {known_phone[:5]} {known_phone[5:]}", "", "", "", "", "", "", "", ""],
        ["", "Known", "", "", known_email.upper(), "", "", "", "", "", ""],
        [ids.format_grouped(by_phone.code), "Known by ID", "", "", "", "", "", "", "", "", ""],
        ["", "अनीता शर्मा", new_a, "", "", "फ्लैट 5,\nशांति अपार्टमेंट", "जयपुर", "राजस्थान", "302001",
         "08AABCU9603R1ZN", "2019-06-01"],
        ["", "Anita again", new_a, "", "", "", "", "", "", "", ""],
        [given_id, "With our ID", new_b, "", "", "", "", "", "", "", ""],
        ["", "Broken", "12345", "", "not-an-email", "", "", "", "01234", "27AAPFU0939F1ZA", ""],
        ["", "Nobody to find", "", "", "", "Somewhere", "", "", "", "", ""],
    ], bom=True)

    summary = run_import(db, "customers", path)

    assert (summary.imported, summary.skipped, summary.rejected) == (2, 4, 2)
    assert summary.customers_created == 2
    (anita,) = codes_for_phone(db, new_a)
    assert ids.is_valid(anita) and anita not in (by_phone.code, by_email.code)
    details = person(db, anita)
    assert details.full_name == "अनीता शर्मा" and details.address_line == "फ्लैट 5,\nशांति अपार्टमेंट"
    assert details.city == "जयपुर" and details.pin_code == "302001"
    with db.read() as session:
        since = session.execute(select(Customer.created_at).where(Customer.code == anita)).scalar()
    assert since.date().isoformat() in ("2019-05-31", "2019-06-01")
    assert codes_for_phone(db, new_b) == [given_id]
    assert count(db, Customer, Customer.code == given_id) == 1
    rejects = read_rejects(summary.rejects_path)
    broken = {r["column"] for r in rejects if r["row"] == "8"}
    assert broken == {"phone", "email", "pin_code", "gstin"}
    assert any(r["row"] == "9" and "no customer ID, phone or e-mail" in r["reason"] for r in rejects)

    again = run_import(db, "customers", path)
    assert (again.imported, again.skipped, again.rejected) == (0, 6, 2)
    assert codes_for_phone(db, new_a) == [anita]
