"""Demo loyalty ledgers that agree with the demo purchases: the desk's earning rule, then some points spent."""

from __future__ import annotations

from helpdesk.sales.loyalty import points_for
from helpdesk.sales.models import LoyaltyKind

# The demo earns at the default rate (HELPDESK_LOYALTY_RUPEES_PER_POINT).
RUPEES_PER_POINT = 100


def ledger_rows(customer_id: int, purchases: list[dict], kept_share: float) -> tuple[list[dict], int]:
    """An earn entry per order (a refunded order earns nothing), then one redemption of what was not kept.

    Returns the entries and the balance they leave, which is the customer's loyalty_points.
    """
    entries: list[dict] = []
    balance = 0
    for purchase in purchases:
        points = 0 if purchase["payment_status"] == "refunded" else points_for(
            purchase["total_paise"], rupees_per_point=RUPEES_PER_POINT)
        if points:
            balance += points
            entries.append({"customer_id": customer_id, "kind": LoyaltyKind.EARN, "points": points,
                            "balance_after": balance, "purchase_id": purchase["id"], "reference": None,
                            "store": purchase["store"], "created_at": purchase["created_at"]})
    spent = balance - int(balance * kept_share)
    if spent and entries:
        balance -= spent
        entries.append({"customer_id": customer_id, "kind": LoyaltyKind.REDEEM, "points": -spent,
                        "balance_after": balance, "purchase_id": None, "reference": None,
                        "store": entries[-1]["store"], "created_at": entries[-1]["created_at"]})
    return entries, balance
