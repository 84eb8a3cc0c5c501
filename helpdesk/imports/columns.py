"""The columns each kind of file may have: the desk's own format and Shopify's orders export, with the header
names that drift between versions. Keys are header_key() forms ('Lineitem sku' -> 'lineitemsku')."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.imports.source import ImportFileError

PRODUCT_COLUMNS = {
    "sku": ("sku",),
    "name": ("name", "productname"),
    "brand": ("brand", "vendor"),
    "category": ("category", "producttype", "type"),
    "model_number": ("modelnumber", "model"),
    "warranty_months": ("warrantymonths", "warranty"),
    "hsn": ("hsn", "hsncode", "hsnsac"),
    "gst_rate": ("gstrate", "taxrate", "gst"),
}
PRODUCT_REQUIRED = ("sku", "name", "model_number")

PERSON_COLUMNS = {
    "customer_id": ("customerid", "customercode", "customer"),
    "full_name": ("fullname", "name", "customername"),
    "phone": ("phone", "mobile", "phonenumber"),
    "alt_phone": ("altphone", "alternatephone", "phone2"),
    "email": ("email", "emailaddress"),
    "address_line": ("addressline", "address"),
    "city": ("city",),
    "state": ("state",),
    "pin_code": ("pincode", "pin", "postalcode", "zip"),
    "gstin": ("gstin", "buyergstin", "customergstin"),
    "customer_since": ("customersince", "createdat", "registeredon"),
}
CUSTOMER_REQUIRED: tuple[str, ...] = ()

PURCHASE_COLUMNS = {
    "order_number": ("ordernumber", "order", "orderno", "invoicenumber", "invoiceno"),
    "store": ("store", "storename", "location"),
    "channel": ("channel",),
    "purchased_on": ("purchasedon", "date", "orderdate", "invoicedate"),
    "payment_status": ("paymentstatus",),
    "total": ("total", "ordertotal"),
    "amount_due": ("amountdue", "outstandingbalance"),
    "order_tax": ("ordertax", "taxes"),
    "store_gstin": ("storegstin", "sellergstin", "suppliergstin"),
    "sku": ("sku", "productsku"),
    "serial_number": ("serialnumber", "serial", "serialno"),
    "quantity": ("quantity", "qty"),
    "unit_price": ("unitprice", "price"),
    "line_tax": ("tax", "linetax", "taxamount", "gstamount"),
    "hsn": ("hsn", "hsncode", "hsnsac"),
    **{name: keys for name, keys in PERSON_COLUMNS.items() if name not in ("customer_since",)},
    # "name" is the customer's name in the desk's format; Shopify's "Name" (the order number) has its own map.
}
PURCHASE_REQUIRED = ("order_number", "store", "purchased_on", "sku", "unit_price")

# Shopify's orders export: one row per line item; order fields only on an order's first row.
SHOPIFY_COLUMNS = {
    "order_number": ("name", "ordername", "ordernumber"),
    "created_at": ("createdat", "paidat", "processedat"),
    "financial_status": ("financialstatus", "paymentstatus"),
    "total": ("total",),
    "order_tax": ("taxes", "totaltax", "tax"),
    "amount_due": ("outstandingbalance",),
    "location": ("location", "pointofsalelocation"),
    "source": ("source",),
    "email": ("email", "customeremail"),
    "phone": ("phone", "billingphone", "shippingphone"),
    "full_name": ("billingname", "shippingname", "customername"),
    "address_line": ("billingaddress1", "billingstreet", "billingaddress"),
    "address_line2": ("billingaddress2",),
    "city": ("billingcity",),
    "state": ("billingprovincename", "billingprovince"),
    "pin_code": ("billingzip", "billingpostalcode"),
    "gstin": ("gstin", "billinggstin", "customergstin"),
    "quantity": ("lineitemquantity",),
    "unit_price": ("lineitemprice",),
    "sku": ("lineitemsku", "sku"),
    "line_tax": ("lineitemtax", "lineitemtaxamount"),
    "hsn": ("lineitemhsn", "lineitemhsncode", "hsn"),
    "serial_number": ("lineitemserialnumber", "serialnumber"),
}
SHOPIFY_REQUIRED = ("order_number", "created_at", "quantity", "unit_price", "sku")
# Headers only Shopify's export has: any one of them means the file is a Shopify export.
SHOPIFY_MARKERS = {"lineitemsku", "lineitemquantity", "lineitemprice", "lineitemname", "financialstatus"}


@dataclass(frozen=True)
class Layout:
    """Which header key of this file holds each field (absent fields are not in the map)."""

    keys: dict[str, str]
    format: str


def resolve(headers: dict[str, str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...], *,
            format: str) -> Layout:
    """Match the file's headers to fields; a missing required column stops the import before any row."""
    keys = {}
    for name, aliases in columns.items():
        for alias in aliases:
            if alias in headers:
                keys[name] = alias
                break
    missing = [name for name in required if name not in keys]
    if missing:
        wanted = ", ".join(f"{name} (or {' / '.join(columns[name][1:]) or 'no other name'})" for name in missing)
        raise ImportFileError(f"the file has no column for: {wanted}")
    return Layout(keys=keys, format=format)


def is_shopify(headers: dict[str, str]) -> bool:
    return bool(SHOPIFY_MARKERS & set(headers))
