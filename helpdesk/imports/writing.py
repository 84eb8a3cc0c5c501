"""Writing one batch of parsed rows: look up what exists by natural key (SKU; customer ID, phone or e-mail;
store and order number), insert the rest in bulk. A fixed number of queries per batch, none per row."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, select, update

from helpdesk.imports import customers
from helpdesk.imports.bulk import insert_rows, reserve_ids
from helpdesk.imports.rows import CustomerRow, OrderRow, ProductRow, Rejection
from helpdesk.privacy.crypto import KeyRing
from helpdesk.reports.models import StatsDirty
from helpdesk.customers.models import Customer
from helpdesk.sales.loyalty import points_for
from helpdesk.sales.models import LoyaltyEntry, LoyaltyKind, Product, Purchase, PurchaseKind, PurchaseLine
from helpdesk.timeutil import utcnow

_PRODUCT = Product.__table__
_PURCHASE = Purchase.__table__
_LINE = PurchaseLine.__table__
_DIRTY = StatsDirty.__table__
_LOYALTY = LoyaltyEntry.__table__
_CUSTOMER = Customer.__table__
_ADD_POINTS = (update(_CUSTOMER).where(_CUSTOMER.c.id == bindparam("customer_key"))
               .values(loyalty_points=_CUSTOMER.c.loyalty_points + bindparam("points")))
_CHUNK = 1_000


@dataclass
class BatchResult:
    """Counted in rows of the file (a purchase of three lines is three rows)."""

    imported: int = 0
    skipped: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    customers_created: int = 0
    purchases_created: int = 0



def _in_chunks(connection: Connection, query, column, keys: set[str]) -> list:
    ordered = sorted(keys)
    rows = []
    for start in range(0, len(ordered), _CHUNK):
        rows += connection.execute(query.where(column.in_(ordered[start:start + _CHUNK]))).all()
    return rows


def write_products(main: Connection, rows: list[ProductRow]) -> BatchResult:
    """New SKUs are added; a SKU already in the catalogue is left as it is (skipped)."""
    result = BatchResult()
    existing = {sku for (sku,) in _in_chunks(main, select(_PRODUCT.c.sku), _PRODUCT.c.sku, {r.sku for r in rows})}
    new = []
    for row in rows:
        if row.sku in existing:
            result.skipped += 1
            continue
        existing.add(row.sku)
        # hsn_code and gst_rate_basis_points wait for the sales schema's tax columns.
        new.append({"sku": row.sku, "name": row.name, "brand": row.brand, "category": row.category,
                    "model_number": row.model_number, "warranty_months": row.warranty_months})
    if new:
        insert_rows(main, _PRODUCT, new)
    result.imported = len(new)
    return result


def write_customers(main: Connection, personal: Connection, keyring: KeyRing, rows: list[CustomerRow]) -> BatchResult:
    """New customers are created with their personal record; one found by ID, phone or e-mail is skipped."""
    result = BatchResult()
    resolution = customers.resolve(main, personal, keyring, [row.person for row in rows], [None] * len(rows))
    counted: set[int] = set()  # the second row of a person new in this batch is a duplicate: skipped
    for position, row in enumerate(rows):
        if position in resolution.problems:
            column = "customer ID"
            result.rejections.append(Rejection(row.row, column, resolution.problems[position]))
        elif resolution.customer_ids[position] in resolution.created and resolution.customer_ids[position] not in counted:
            counted.add(resolution.customer_ids[position])
            result.imported += 1
        else:
            result.skipped += 1
    result.customers_created = result.imported
    now = utcnow()
    # New customers count in the report tables (customers, tiers) from their next incremental refresh.
    insert_rows(main, _DIRTY, [{"customer_id": customer_id, "day": None, "purchase_id": None, "created_at": now}
                               for customer_id in sorted(resolution.created)])
    return result


def _reject(order: OrderRow, column: str, reason: str, *, row: int | None = None) -> list[Rejection]:
    first = row or order.row
    return [Rejection(line_row, column, reason if line_row == first else
                      f"not imported: row {first} of the same order is rejected") for line_row in order.rows]


def write_orders(main: Connection, personal: Connection, keyring: KeyRing, orders: list[OrderRow], *,
                 rupees_per_point: int = 100) -> BatchResult:
    """New purchases with their lines (and new customers); a purchase already there (same store and order number)
    is skipped whole. Each new purchase earns loyalty points by the desk's rule, as a sale from the till does."""
    result = BatchResult()
    products = dict(_in_chunks(main, select(_PRODUCT.c.sku, _PRODUCT.c.id), _PRODUCT.c.sku,
                               {line.sku for order in orders for line in order.lines}))
    stored = dict(_in_chunks(main, select(_PURCHASE.c.order_number, _PURCHASE.c.store), _PURCHASE.c.order_number,
                             {order.order_number for order in orders}))
    seen: set[str] = set()
    fresh: list[OrderRow] = []
    for order in orders:
        if order.order_number in stored:
            if stored[order.order_number] == order.store:
                result.skipped += len(order.lines)
            else:
                # The schema keeps order numbers unique across stores until purchases are keyed by (store, number).
                result.rejections += _reject(order, "order number", f"{order.order_number} is already a purchase of "
                                                                    f"another store ({stored[order.order_number]})")
            continue
        if order.order_number in seen:
            result.rejections += _reject(order, "order number", "the rows of this order are not next to each other "
                                                                "in the file; put an order's rows together")
            continue
        unknown = next((line for line in order.lines if line.sku not in products), None)
        if unknown is not None:
            result.rejections += _reject(order, "sku", f"{unknown.sku} is not in the catalogue (import products "
                                                       "first)", row=unknown.row)
            continue
        seen.add(order.order_number)
        fresh.append(order)
    if not fresh:
        return result

    resolution = customers.resolve(main, personal, keyring, [order.person for order in fresh],
                                   [order.purchased_on for order in fresh])
    result.customers_created = len(resolution.created)
    now = utcnow()
    purchase_rows, kept = [], []
    for position, order in enumerate(fresh):
        if position in resolution.problems:
            result.rejections += _reject(order, "customer ID", resolution.problems[position])
            continue
        kept.append((order, resolution.customer_ids[position]))
        line_tax = sum(line.tax_paise or 0 for line in order.lines)
        purchase_rows.append({
            "order_number": order.order_number, "customer_id": resolution.customer_ids[position],
            "store": order.store, "channel": order.channel, "purchased_on": order.purchased_on,
            "payment_status": order.payment_status,
            "total_paise": order.total_paise if order.total_paise is not None else order.lines_total_paise,
            "amount_due_paise": order.amount_due_paise, "created_at": now,
            "tax_paise": order.tax_paise if order.tax_paise is not None else line_tax,
            "buyer_gstin": order.person.gstin, "kind": PurchaseKind.SALE.value,
        })
    if not purchase_rows:
        return result
    purchase_ids = reserve_ids(main, _PURCHASE, len(purchase_rows))
    for row, purchase_id in zip(purchase_rows, purchase_ids, strict=True):
        row["id"] = purchase_id
    insert_rows(main, _PURCHASE, purchase_rows)
    line_rows, marks = [], []
    for (order, customer_id), purchase_id in zip(kept, purchase_ids, strict=True):
        line_rows += [{"purchase_id": purchase_id, "product_id": products[line.sku], "serial_number": line.serial_number,
                       "quantity": line.quantity, "unit_price_paise": line.unit_price_paise,
                       "tax_paise": line.tax_paise or 0, "hsn_code": line.hsn_code, "returned_quantity": 0}
                      for line in order.lines]
        # The report tables fold new purchases in on their next incremental refresh (helpdesk/reports/changes.py
        # marks ORM writes the same way; these bulk inserts bypass the ORM).
        marks.append({"customer_id": customer_id, "day": order.purchased_on, "purchase_id": purchase_id,
                      "created_at": now})
        result.imported += len(order.lines)
    insert_rows(main, _LINE, line_rows)
    insert_rows(main, _DIRTY, marks)
    _earn_points(main, [(customer_id, purchase_id, row["total_paise"], row["store"])
                        for (_, customer_id), purchase_id, row in zip(kept, purchase_ids, purchase_rows, strict=True)],
                 rupees_per_point=rupees_per_point, now=now)
    result.purchases_created = len(purchase_ids)
    return result


def _earn_points(main: Connection, sales: list[tuple[int, int, int, str]], *, rupees_per_point: int, now) -> None:
    """The ledger entries of a batch's sales and each customer's cached balance moved by their sum: one read of the
    balances, one insert, one update, whatever the batch's size (helpdesk/sales/loyalty.py writes one sale's)."""
    earned = [(customer_id, purchase_id, points, store) for customer_id, purchase_id, total, store in sales
              if (points := points_for(total, rupees_per_point=rupees_per_point))]
    if not earned:
        return
    balances = dict(_in_chunks(main, select(_CUSTOMER.c.id, _CUSTOMER.c.loyalty_points), _CUSTOMER.c.id,
                               {customer_id for customer_id, *_ in earned}))
    start = dict(balances)
    entries = []
    for customer_id, purchase_id, points, store in earned:
        balances[customer_id] += points
        entries.append({"customer_id": customer_id, "kind": LoyaltyKind.EARN.value, "points": points,
                        "balance_after": balances[customer_id], "purchase_id": purchase_id, "reference": None,
                        "store": store, "created_at": now})
    insert_rows(main, _LOYALTY, entries)
    main.execute(_ADD_POINTS, [{"customer_key": customer_id, "points": balances[customer_id] - start[customer_id]}
                               for customer_id in balances])
