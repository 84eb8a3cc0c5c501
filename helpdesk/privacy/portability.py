"""Everything the desk holds about one customer, for a privacy request (DPDP access, GDPR Art. 15 and 20): one dict
that becomes the JSON file and the readable page alike. It holds plain personal values: it is the customer's copy.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.service import get_customer
from helpdesk.history.models import Interaction
from helpdesk.privacy import store
from helpdesk.privacy.queries import consent_history
from helpdesk.sales.models import Product, Purchase, PurchaseLine
from helpdesk.tickets.models import Ticket
from helpdesk.timeutil import utcnow

FORMAT = "helpdesk-customer-export/1"


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _rows(session: Session, statement) -> list[dict[str, Any]]:
    return [{key: _json_value(value) for key, value in row._mapping.items()} for row in session.execute(statement)]


def _purchases(session: Session, customer_id: int) -> list[dict[str, Any]]:
    orders = _rows(session, select(Purchase.id, Purchase.order_number, Purchase.store, Purchase.channel,
                                   Purchase.purchased_on, Purchase.payment_status, Purchase.total_paise,
                                   Purchase.amount_due_paise)
                   .where(Purchase.customer_id == customer_id).order_by(Purchase.purchased_on, Purchase.id))
    lines = defaultdict(list)
    for line in _rows(session, select(PurchaseLine.purchase_id, Product.name.label("product"), Product.model_number,
                                      PurchaseLine.serial_number, PurchaseLine.quantity, PurchaseLine.unit_price_paise)
                      .join(Product, col(Product.id) == PurchaseLine.product_id)
                      .join(Purchase, col(Purchase.id) == PurchaseLine.purchase_id)
                      .where(Purchase.customer_id == customer_id).order_by(PurchaseLine.id)):
        lines[line.pop("purchase_id")].append(line)
    for order in orders:
        order["lines"] = lines[order.pop("id")]
    return orders


def export_data(session: Session, code: str) -> dict[str, Any]:
    """The customer's record, personal details, consent history, purchases, claims, tickets and every history entry."""
    customer = get_customer(session, code)
    details = store.read(session, code)
    tickets = {row.id: row.number for row in session.execute(select(Ticket.id, Ticket.number)
                                                             .where(Ticket.customer_id == customer.id))}
    history = _rows(session, select(Interaction.created_at, Interaction.kind, Interaction.channel, Interaction.ticket_id,
                                    Interaction.summary, Interaction.body, Interaction.outcome)
                    .where(Interaction.customer_id == customer.id)
                    .order_by(Interaction.created_at, Interaction.id))
    for entry in history:
        entry["ticket"] = tickets.get(entry.pop("ticket_id"))
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "customer": {
            "customer_id": customer.code, "customer_since": _json_value(customer.created_at), "tier": customer.tier,
            "loyalty_points": customer.loyalty_points, "personal_data_erased_at": _json_value(customer.erased_at),
        },
        "personal_details": details.values() if details else None,
        "consent": {
            "marketing_by_sms": customer.consent_sms, "marketing_by_email": customer.consent_email,
            "marketing_by_whatsapp": customer.consent_whatsapp, "preferred_language": customer.preferred_language,
            "history": [{"field": row.field, "from": row.old_value, "to": row.new_value,
                         "changed_at": row.changed_at.isoformat(), "source": row.source}
                        for row in consent_history(session, customer.id, limit=None)],
        },
        "purchases": _purchases(session, customer.id),
        "warranty_claims": _rows(session, select(
            WarrantyClaim.number, WarrantyClaim.filed_at, WarrantyClaim.fault_category, WarrantyClaim.description,
            WarrantyClaim.remedy, WarrantyClaim.status, WarrantyClaim.eligibility, WarrantyClaim.decision_reason,
            WarrantyClaim.preferred_contact_time)
            .where(WarrantyClaim.customer_id == customer.id).order_by(WarrantyClaim.filed_at, WarrantyClaim.id)),
        "tickets": _rows(session, select(
            Ticket.number, Ticket.created_at, Ticket.subject, Ticket.status, Ticket.priority, Ticket.channel,
            Ticket.solved_at, Ticket.satisfaction_score, Ticket.satisfaction_comment)
            .where(Ticket.customer_id == customer.id).order_by(Ticket.created_at, Ticket.id)),
        "history": history,
    }
