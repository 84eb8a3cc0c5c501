"""From one customer's source rows to their figures: spend net of returns, support cost, value, RFM, tickets, claims.

Pure functions over plain rows (no database), so the full and the incremental refresh compute every figure the
same way.
"""

from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from helpdesk.config import ReportSettings
from helpdesk.reports import rules
from helpdesk.timeutil import to_shop_time

WINDOW_DAYS = 365  # "12-month" figures cover the 365 days ending with the as-of day
_FINAL_CLAIM_STATUSES = ("rejected", "replaced", "refunded", "closed")
_COSTED_CLAIM_STATUSES = ("approved", "in_repair", "replaced", "refunded", "closed")


@dataclass(slots=True)
class LineRow:
    category: str
    brand: str
    quantity: int
    unit_price_paise: int


@dataclass(slots=True)
class PurchaseRow:
    id: int
    customer_id: int
    day: date
    store: str
    channel: str
    refunded: bool
    amount_due_paise: int
    lines: list[LineRow] = field(default_factory=list)
    value: PurchaseValue | None = None  # computed once by purchase_value()


@dataclass(slots=True)
class TicketRow:
    id: int
    customer_id: int
    created_at: datetime
    solved_at: datetime | None
    status: str
    priority: str
    channel: str
    assignee_id: int | None
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_responded_at: datetime | None
    satisfaction: int | None
    first_reply_at: datetime | None
    reopens: int
    tags: str


@dataclass(slots=True)
class ClaimRow:
    id: int
    customer_id: int
    filed_at: datetime
    updated_at: datetime
    status: str
    remedy: str
    fault_category: str
    unit_price_paise: int
    category: str
    model_number: str


def shop_day(moment: datetime) -> date:
    """The shop's calendar day of a stored moment."""
    return to_shop_time(moment).date()


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(slots=True)
class PurchaseValue:
    """What one purchase adds to sales: measures [orders, returned orders, units, returned units, gross, returned]
    per category and for the whole purchase, and the net (units, paise) per (category, brand) it leaves."""

    whole: list[int]
    by_category: dict[str, list[int]]
    mix: list[tuple[str, str, int, int]]

    @property
    def is_order(self) -> bool:
        return self.whole[0] == 1


def purchase_value(purchase: PurchaseRow) -> PurchaseValue:
    """What a purchase adds to sales and to returns (computed once, then kept on the row).

    A sale line (quantity > 0, price >= 0) adds to sales, and to returns as well when its purchase is marked
    refunded (today's only refund signal: the whole purchase counts as returned). A credit-note line (negative
    quantity or price; POS returns will arrive that way, pointing at the line they return) adds only to returns,
    in its own purchase's month. An order is a purchase with at least one sale line; it counts once in each
    category it has a sale line in.
    """
    if purchase.value is not None:
        return purchase.value
    refunded = purchase.refunded
    by_category: dict[str, list[int]] = {}
    mix: list[tuple[str, str, int, int]] = []
    order = units_all = returned_units_all = gross_all = returned_all = 0
    for line in purchase.lines:
        quantity, price = line.quantity, line.unit_price_paise
        amount = quantity * price
        if quantity > 0 and price >= 0:
            order = sale = 1
            units, gross = quantity, amount
            returned_units, returned = (quantity, amount) if refunded else (0, 0)
        else:
            sale = units = gross = 0
            returned_units, returned = abs(quantity), abs(amount)
        cell = by_category.get(line.category)
        if cell is None:
            by_category[line.category] = [sale, sale if refunded else 0, units, returned_units, gross, returned]
        else:
            if sale and not cell[0]:
                cell[0], cell[1] = 1, 1 if refunded else 0
            cell[2] += units
            cell[3] += returned_units
            cell[4] += gross
            cell[5] += returned
        units_all += units
        returned_units_all += returned_units
        gross_all += gross
        returned_all += returned
        if gross - returned > 0:
            mix.append((line.category, line.brand, units - returned_units, gross - returned))
    purchase.value = PurchaseValue([order, order if refunded else 0, units_all, returned_units_all, gross_all,
                                    returned_all], by_category, mix)
    return purchase.value


def _largest_category(purchases: list[PurchaseRow]) -> str | None:
    """The category of the biggest line (by value, then name) among purchases of one day."""
    best = None
    for purchase in purchases:
        for line in purchase.lines:
            key = (line.quantity * line.unit_price_paise, line.category)
            if best is None or key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
                best = key
    return best[1] if best else None


@dataclass(slots=True)
class CustomerFacts:
    """One stats_customer row, plus the history it contributed to the roll-ups."""

    customer_id: int
    first_purchase_on: date | None = None
    last_purchase_on: date | None = None
    orders: int = 0
    returned_orders: int = 0
    units: int = 0
    gross_paise: int = 0
    returned_paise: int = 0
    net_paise: int = 0
    tickets: int = 0
    claims: int = 0
    claim_cost_paise: int = 0
    support_cost_paise: int = 0
    clv_paise: int = 0
    outstanding_paise: int = 0
    late_payments: int = 0
    net_12m_paise: int = 0
    orders_12m: int = 0
    tickets_12m: int = 0
    support_cost_12m_paise: int = 0
    value_12m_paise: int = 0
    r_score: int | None = None
    f_score: int | None = None
    m_score: int | None = None
    segment: str | None = None
    last_category: str | None = None
    derived_tier: str = "standard"
    tier: str = "standard"
    tier_reason: str = ""
    months: dict[date, list[int]] = field(default_factory=dict)  # first of month -> [net orders, net paise]
    mix: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (category, brand) -> [units, net paise]
    gaps: list[tuple[str, int]] = field(default_factory=list)  # (category bought, days until the next purchase)

    @property
    def net_orders(self) -> int:
        return self.orders - self.returned_orders

    def history_json(self) -> str:
        """The months, mix and gaps, compactly, for the next refresh to subtract."""
        if not self.months and not self.gaps:
            return _NO_HISTORY  # most customers without purchases: skip the encoder
        months = {month.isoformat()[:7]: values for month, values in sorted(self.months.items())}
        return _encode({"m": months, "x": [[c, b, u, n] for (c, b), (u, n) in sorted(self.mix.items())],
                        "g": self.gaps})

    def row(self) -> dict:
        """The stats_customer row."""
        return dict(zip(ROW_COLUMNS, self.row_tuple()))

    def row_tuple(self) -> tuple:
        """The stats_customer row as values in ROW_COLUMNS order (spelled out: a full refresh builds 100k of them)."""
        return (self.customer_id, self.first_purchase_on, self.last_purchase_on, self.orders, self.returned_orders,
                self.units, self.gross_paise, self.returned_paise, self.net_paise, self.tickets, self.claims,
                self.claim_cost_paise, self.support_cost_paise, self.clv_paise, self.outstanding_paise,
                self.late_payments, self.net_12m_paise, self.orders_12m, self.tickets_12m, self.support_cost_12m_paise,
                self.value_12m_paise, self.r_score, self.f_score, self.m_score, self.segment, self.last_category,
                self.derived_tier, self.tier, self.tier_reason, self.history_json())


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_NO_HISTORY = _encode({"m": {}, "x": [], "g": []})


STATS_CUSTOMER_COLUMNS = (
    "customer_id", "first_purchase_on", "last_purchase_on", "orders", "returned_orders", "units", "gross_paise",
    "returned_paise", "net_paise", "tickets", "claims", "claim_cost_paise", "support_cost_paise", "clv_paise",
    "outstanding_paise", "late_payments", "net_12m_paise", "orders_12m", "tickets_12m", "support_cost_12m_paise",
    "value_12m_paise", "r_score", "f_score", "m_score", "segment", "last_category", "derived_tier", "tier",
    "tier_reason",
)
ROW_COLUMNS = (*STATS_CUSTOMER_COLUMNS, "history")


def facts_from_row(row: dict) -> CustomerFacts:
    """A stored stats_customer row back into facts (to subtract what it contributed)."""
    history = json.loads(row.get("history") or "{}")
    facts = CustomerFacts(**{name: row[name] for name in STATS_CUSTOMER_COLUMNS})
    facts.months = {date(int(key[:4]), int(key[5:7]), 1): list(values) for key, values in history.get("m", {}).items()}
    facts.mix = {(c, b): [u, n] for c, b, u, n in history.get("x", [])}
    facts.gaps = [(c, d) for c, d in history.get("g", [])]
    return facts


def claim_outcome(status: str, remedy: str) -> str:
    """open, rejected, repaired, replaced or refunded (a closed claim counts as done by its remedy)."""
    if status in ("rejected", "replaced", "refunded"):
        return status
    if status == "closed":
        return {"repair": "repaired", "replace": "replaced", "refund": "refunded"}.get(remedy, "repaired")
    return "open"


def claim_cost(claim: ClaimRow, settings: ReportSettings) -> int:
    """What a claim costs the shop once approved: the repair cost setting, or the item's price if replaced/refunded."""
    if claim.status not in _COSTED_CLAIM_STATUSES:
        return 0
    if claim.status == "in_repair":
        return settings.claim_repair_cost_paise
    by_outcome = claim.status if claim.status in ("replaced", "refunded") else claim.remedy
    if by_outcome in ("replaced", "refunded", "replace", "refund"):
        return claim.unit_price_paise
    return settings.claim_repair_cost_paise


def claim_row(claim: ClaimRow, settings: ReportSettings) -> dict:
    """One stats_claim row."""
    final = claim.status in _FINAL_CLAIM_STATUSES
    return {
        "claim_id": claim.id, "customer_id": claim.customer_id, "filed_day": shop_day(claim.filed_at),
        "category": claim.category, "model_number": claim.model_number, "fault_category": claim.fault_category,
        "status": claim.status, "remedy": claim.remedy, "outcome": claim_outcome(claim.status, claim.remedy),
        "turnaround_seconds": max(0, int((claim.updated_at - claim.filed_at).total_seconds())) if final else None,
        "cost_paise": claim_cost(claim, settings),
    }


def ticket_row(ticket: TicketRow) -> dict:
    """One stats_ticket row: durations are empty until both of their events exist."""
    solved = ticket.solved_at if ticket.status in ("solved", "closed") else None
    first_reply = None
    if ticket.first_reply_at is not None:
        first_reply = max(0, int((ticket.first_reply_at - ticket.created_at).total_seconds()))
    sla_met = None
    if solved is not None and ticket.first_response_due is not None and ticket.resolution_due is not None:
        responded = ticket.first_responded_at or solved
        sla_met = responded <= ticket.first_response_due and solved <= ticket.resolution_due
    return {
        "ticket_id": ticket.id, "customer_id": ticket.customer_id, "created_day": shop_day(ticket.created_at),
        "solved_day": shop_day(solved) if solved else None, "status": ticket.status, "priority": ticket.priority,
        "channel": ticket.channel, "assignee_id": ticket.assignee_id, "tags": ticket.tags,
        "first_reply_seconds": first_reply,
        "resolution_seconds": max(0, int((solved - ticket.created_at).total_seconds())) if solved else None,
        "reopens": ticket.reopens, "sla_met": sla_met, "satisfaction": ticket.satisfaction,
    }


@lru_cache(maxsize=8)
def _windows(as_of: date, payment_terms_days: int) -> tuple[date, date]:
    """The first day of the 12-month window, and the last purchase day that can be late."""
    return as_of - timedelta(days=WINDOW_DAYS - 1), as_of - timedelta(days=payment_terms_days)


def customer_facts(customer_id: int, purchases: list[PurchaseRow], tickets: list[dict], claims: list[dict], *,
                   as_of: date, settings: ReportSettings) -> CustomerFacts:
    """Everything stats_customer holds for one customer except the tier (which needs everyone's values).

    Written with local variables and one pass over the purchases: a full refresh runs it for every customer.
    """
    facts = CustomerFacts(customer_id)
    window_start, late_before = _windows(as_of, settings.payment_terms_days)
    kept_days: dict[date, list[PurchaseRow]] = {}
    months, mix = facts.months, facts.mix
    orders = returned_orders = units = gross_all = returned_all = 0
    outstanding = late = net_12m = orders_12m = 0
    for purchase in purchases:
        value = purchase.value or purchase_value(purchase)
        order, returned_order, bought, given_back, gross, returned = value.whole
        net = gross - returned
        orders += order
        returned_orders += returned_order
        units += bought - given_back
        gross_all += gross
        returned_all += returned
        for category, brand, net_units, net_paise in value.mix:
            cell = mix.get((category, brand))
            if cell is None:
                mix[(category, brand)] = [net_units, net_paise]
            else:
                cell[0] += net_units
                cell[1] += net_paise
        day, refunded = purchase.day, purchase.refunded
        kept = order and not refunded
        if not refunded and purchase.amount_due_paise:
            outstanding += purchase.amount_due_paise
            late += day <= late_before
        month_key = day.replace(day=1)
        month = months.get(month_key)
        if month is None:
            months[month_key] = [int(kept), net]
        else:
            month[0] += kept
            month[1] += net
        if kept:
            kept_days.setdefault(day, []).append(purchase)
        if window_start <= day <= as_of:
            net_12m += net
            orders_12m += kept
    facts.orders, facts.returned_orders, facts.units = orders, returned_orders, units
    facts.gross_paise, facts.returned_paise, facts.net_paise = gross_all, returned_all, gross_all - returned_all
    facts.outstanding_paise, facts.late_payments = outstanding, late
    facts.net_12m_paise, facts.orders_12m = net_12m, orders_12m
    if any(not m[0] and not m[1] for m in months.values()):
        facts.months = {key: m for key, m in months.items() if m[0] or m[1]}
    if kept_days:
        days = sorted(kept_days)
        facts.first_purchase_on, facts.last_purchase_on = days[0], days[-1]
        facts.last_category = _largest_category(kept_days[days[-1]])
        facts.gaps = [(_largest_category(kept_days[earlier]), (later - earlier).days)
                      for earlier, later in zip(days, days[1:])]
    per_ticket = settings.cost_per_ticket_paise
    tickets_12m = sum(1 for t in tickets if window_start <= t["created_day"] <= as_of) if tickets else 0
    claim_cost = claim_cost_12m = 0
    for claim in claims:
        claim_cost += claim["cost_paise"]
        if window_start <= claim["filed_day"] <= as_of:
            claim_cost_12m += claim["cost_paise"]
    facts.tickets, facts.tickets_12m, facts.claims, facts.claim_cost_paise = len(tickets), tickets_12m, len(claims), claim_cost
    facts.support_cost_paise = len(tickets) * per_ticket + claim_cost
    facts.clv_paise = facts.net_paise - facts.support_cost_paise
    facts.support_cost_12m_paise = tickets_12m * per_ticket + claim_cost_12m
    facts.value_12m_paise = net_12m - facts.support_cost_12m_paise
    if facts.last_purchase_on is not None and orders - returned_orders > 0:
        facts.r_score = rules.recency_score((as_of - facts.last_purchase_on).days)
        facts.f_score = rules.frequency_score(orders - returned_orders)
        facts.m_score = rules.monetary_score(facts.net_paise)
        facts.segment = rules.segment_for(facts.r_score, facts.f_score, facts.m_score)
    return facts
