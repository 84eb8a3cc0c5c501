"""Purchases from a Shopify orders export as it comes: one row per line item, order fields on the first row only,
header names that differ between export versions."""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk.imports.service import run_import
from tests.imports.conftest import codes_for_phone, new_phone, person, purchases_of, read_rejects, write_csv

# The columns of an older export (abridged from its ~70), in its order and spelling.
OLD_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal", "Shipping",
              "Taxes", "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
              "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing City", "Billing Zip",
              "Billing Province", "Billing Phone", "Outstanding Balance", "Location", "Tax 1 Name", "Tax 1 Value"]
# A newer export: 'Line item …' spelled apart, 'Phone' for the customer's number, province names.
NEW_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal", "Shipping",
              "Taxes", "Total", "Created at", "Line item quantity", "Line item name", "Line item price", "Line item SKU",
              "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing City", "Billing Zip",
              "Billing Province Name", "Phone", "Outstanding Balance", "Location", "Tax 1 Name", "Tax 1 Value"]


def _rows(tag: str, phone: str) -> list[list[str]]:
    tv, ac = f"{tag}-TV", f"{tag}-AC"
    blank_order = [""] * 11
    return [
        # An online order of two items; Created at just after midnight IST is the previous day in UTC.
        [f"#{tag}1001", f"Kavya.{tag}@Example.in", "paid", "2024-03-10 00:20:00 +0530", "fulfilled", "INR", "1770.00",
         "0.00", "270.00", "1770.00", "2024-03-10 00:15:11 +0530", "1", "Kettle", "1500.00", tv,
         "Kavya Menon", "", "Flat 3B, Lake View", "Kadavanthra", "Kochi", "'682020", "Kerala", f"'{phone}",
         "0.00", "", "IGST 18%", "270.00"],
        [f"#{tag}1001", *blank_order[1:], "2", "Filter", "135.00", ac, *[""] * 12],
        # A till sale at a location, partly paid, to the same customer (found by phone).
        [f"#{tag}1002", "", "partially_paid", "", "", "INR", "999.00", "0.00", "152.39", "999.00",
         "2024-04-01 18:05:00 +0530", "1", "Iron", "999.00", tv, "Kavya Menon", "", "", "", "", "", "",
         phone, "499.00", "Kochi MG Road", "CGST 9%", "76.20"],
        # Voided: nothing was sold.
        [f"#{tag}1003", "", "voided", "", "", "INR", "10.00", "0.00", "0.00", "10.00", "2024-04-02 10:00:00 +0530",
         "1", "Iron", "10.00", tv, "Kavya Menon", "", "", "", "", "", "", phone, "0.00", "", "", ""],
    ]


@pytest.mark.parametrize("header", [OLD_HEADER, NEW_HEADER], ids=["old-headers", "new-headers"])
def test_a_shopify_orders_export_imports_as_it_comes(db, catalogue, tag, tmp_path, header):
    phone = new_phone()
    path = write_csv(tmp_path / "orders_export_1.csv", header, _rows(tag, phone), bom=True)

    summary = run_import(db, "purchases", path, today=date(2026, 11, 30))

    assert summary.file_format == "shopify"
    assert (summary.imported, summary.skipped, summary.rejected) == (3, 0, 1)
    assert (summary.purchases_created, summary.customers_created) == (2, 1)
    orders = purchases_of(db, tag)
    online, till = orders[f"#{tag}1001"], orders[f"#{tag}1002"]
    assert online["lines"] == [(f"{tag}-TV", None, 1, 150_000), (f"{tag}-AC", None, 2, 13_500)]
    assert online["on"] == date(2024, 3, 10) and online["total"] == 177_000
    assert online["channel"] == "online" and online["store"] == "Online store"
    assert till["channel"] == "store" and till["store"] == "Kochi MG Road" and till["status"] == "partial"
    assert till["code"] == online["code"] and codes_for_phone(db, phone) == [online["code"]]
    details = person(db, online["code"])
    assert details.full_name == "Kavya Menon" and details.email == f"Kavya.{tag}@example.in"
    assert details.address_line == "Flat 3B, Lake View, Kadavanthra" and details.pin_code == "682020"
    assert details.state == "Kerala"
    (voided,) = read_rejects(summary.rejects_path)
    assert voided["row"] == "5" and voided["column"] == "Financial Status" and "voided" in voided["reason"]

    again = run_import(db, "purchases", path, today=date(2026, 11, 30))
    assert (again.imported, again.skipped, again.rejected) == (0, 3, 1)
