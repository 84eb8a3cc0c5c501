"""Imported sales land like sales from the till: tax and HSN stored, loyalty points earned with a history entry."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.customers.models import Customer
from helpdesk.imports.service import run_import
from helpdesk.sales.models import LoyaltyEntry, Product, Purchase, PurchaseLine

HEADER = "order_number,store,purchased_on,sku,unit_price,quantity,tax,hsn,customer_id\n"


def _product(db, sku: str) -> None:
    with db.write() as session:
        session.add(Product(sku=sku, name="Mixer grinder", brand="Acme", category="kitchen", model_number="MG-500",
                            warranty_months=12))
        session.commit()


def test_imported_sales_store_tax_and_earn_points(db, tmp_path):
    _product(db, "IMP-PTS-1")
    with db.read() as session:
        customer = session.exec(select(Customer).order_by(Customer.id)).scalars().first()
        code, before = customer.code, customer.loyalty_points
    path = tmp_path / "sales.csv"
    path.write_text(HEADER + f"IMP-PTS-A,Andheri,2025-03-01,IMP-PTS-1,2500,2,381.36,85094000,{code}\n"
                             f"IMP-PTS-B,Andheri,2025-04-01,IMP-PTS-1,99,1,15.10,85094000,{code}\n", encoding="utf-8")

    summary = run_import(db, "purchases", path, rupees_per_point=100)
    assert (summary.imported, summary.rejected) == (2, 0)
    run_import(db, "purchases", path, rupees_per_point=100)  # a second run adds nothing, points included

    with db.read() as session:
        purchases = session.exec(select(Purchase).where(Purchase.order_number.in_(["IMP-PTS-A", "IMP-PTS-B"]))
                                 .order_by(Purchase.order_number)).scalars().all()
        assert [p.tax_paise for p in purchases] == [38136, 1510]
        line = session.exec(select(PurchaseLine).where(PurchaseLine.purchase_id == purchases[0].id)).scalars().one()
        assert (line.tax_paise, line.hsn_code) == (38136, "85094000")
        entries = session.exec(select(LoyaltyEntry).where(LoyaltyEntry.purchase_id.in_([p.id for p in purchases]))
                               ).scalars().all()
        # ₹5,000 earns 50 points; ₹99 earns none (and writes no entry).
        assert [(e.kind, e.points, e.balance_after) for e in entries] == [("earn", 50, before + 50)]
        assert session.get(Customer, customer.id).loyalty_points == before + 50
