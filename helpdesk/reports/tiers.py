"""Value tiers: the effective tier (a supervisor's override, else the rule), tier overrides, and tier SLA targets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.auth.models import Agent
from helpdesk.config import ReportSettings
from helpdesk.customers.models import Customer, Tier
from helpdesk.reports import changes as _changes  # noqa: F401  (writers of tickets mark stats dirty through it)
from helpdesk.reports import rules
from helpdesk.reports.facts import CustomerFacts
from helpdesk.reports.models import StatsCustomer, StatsState, TierChange, TierOverride, TierSlaPolicy
from helpdesk.templating import format_date
from helpdesk.tickets.models import SlaPolicy
from helpdesk.tickets.workflow import SlaTargets
from helpdesk.timeutil import utcnow

REASON_MAX = 500


class TierInvalid(ValueError):
    """An override that cannot be saved; `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- SLA ------------------------------------------------------------------------------------------


def sla_targets_for(session: Session, *, tier: str, priority: str) -> SlaTargets | None:
    """The targets for a customer's tier and a ticket's priority: the tier's row, else the plain sla_policy row."""
    row = session.execute(
        select(TierSlaPolicy.first_response_minutes, TierSlaPolicy.resolution_minutes)
        .where(TierSlaPolicy.tier == tier, TierSlaPolicy.priority == priority)
    ).first()
    if row is None:
        row = session.execute(
            select(SlaPolicy.first_response_minutes, SlaPolicy.resolution_minutes).where(SlaPolicy.priority == priority)
        ).first()
    return SlaTargets(*row) if row else None


def sla_matrix(session: Session) -> dict[str, dict[str, tuple[int, int]]]:
    """tier -> priority -> (first response, resolution) minutes, with sla_policy filling missing pairs."""
    base = {p: (f, r) for p, f, r in session.execute(
        select(SlaPolicy.priority, SlaPolicy.first_response_minutes, SlaPolicy.resolution_minutes))}
    matrix = {tier: dict(base) for tier in rules.TIERS}
    for tier, priority, first, resolution in session.execute(
        select(TierSlaPolicy.tier, TierSlaPolicy.priority, TierSlaPolicy.first_response_minutes,
               TierSlaPolicy.resolution_minutes)
    ):
        matrix.setdefault(tier, dict(base))[priority] = (first, resolution)
    return matrix


# --- the effective tier ---------------------------------------------------------------------------


def decide(facts: CustomerFacts, *, cutoffs: rules.Cutoffs, override_tier: str | None,
           settings: ReportSettings) -> None:
    """Set the facts' derived tier and its reason, and the effective tier (the override's, if there is one)."""
    derived = rules.derive_tier(value_12m=facts.value_12m_paise, net_12m=facts.net_12m_paise,
                                support_cost_12m=facts.support_cost_12m_paise, late_payments=facts.late_payments,
                                cutoffs=cutoffs, top_percent=settings.tier_top_percent)
    facts.derived_tier, facts.tier_reason = derived.tier, derived.reason
    facts.tier = override_tier or derived.tier


def current_cutoffs(session: Session) -> rules.Cutoffs:
    state = session.get(StatsState, 1)
    if state is None:
        return rules.Cutoffs(None, None, None, 0)
    return rules.Cutoffs(state.cutoff_platinum, state.cutoff_gold, state.cutoff_silver, state.ranked_customers)


@dataclass
class TierBox:
    """What the tier box on the customer page shows (the customer page's Profile carries the same names)."""

    customer_id: str
    tier: str
    tier_reason: str | None  # why the rule gives tier_derived
    tier_derived: str | None
    tier_override: str | None  # the override's sentence, when a supervisor set the tier
    history: list[tuple] = field(default_factory=list)  # (at, old, new, override set?, reason, who), newest first


def tier_box(session: Session, code: str) -> TierBox:
    """The tier, why, the override if any, and the record of overrides."""
    customer = session.execute(select(Customer).where(Customer.code == code)).scalar_one()
    reason, derived = session.execute(select(StatsCustomer.tier_reason, StatsCustomer.derived_tier)
                                      .where(StatsCustomer.customer_id == customer.id)).first() or (None, None)
    override = session.get(TierOverride, customer.id)
    history = [tuple(row) for row in session.execute(
        select(TierChange.created_at, TierChange.old_tier, TierChange.new_tier, TierChange.override, TierChange.reason,
               Agent.name).join(Agent, Agent.id == TierChange.agent_id).where(TierChange.customer_id == customer.id)
        .order_by(TierChange.created_at.desc(), TierChange.id.desc()).limit(20)
    )]
    return TierBox(code, customer.tier, reason or None, derived, override.summary if override else None, history)


def set_override(session: Session, *, customer: Customer, tier: str | None, reason: str, agent_id: int) -> None:
    """Set (tier) or clear (None) a customer's tier override, recorded with who and why; takes effect at once.

    Customer.tier changes in this transaction (the page and the next ticket's SLA use it); the listener marks the
    customer, so the next refresh moves their figures to the new tier.
    """
    reason = (reason or "").strip()
    if tier is not None and tier not in rules.TIERS:
        raise TierInvalid({"tier": f"Choose one of: {', '.join(rules.TIERS)}."})
    if not reason:
        raise TierInvalid({"reason": "Say why (it is kept with the change)."})
    if len(reason) > REASON_MAX:
        raise TierInvalid({"reason": f"Keep the reason under {REASON_MAX} characters."})
    existing = session.get(TierOverride, customer.id)
    if tier is None and existing is None:
        raise TierInvalid({"tier": "This customer's tier is not overridden."})
    derived = session.execute(
        select(StatsCustomer.derived_tier).where(StatsCustomer.customer_id == customer.id)).scalar()
    new_tier = tier if tier is not None else (derived or Tier.STANDARD)
    now = utcnow()
    session.add(TierChange(customer_id=customer.id, old_tier=customer.tier, new_tier=new_tier, override=tier is not None,
                           reason=reason, agent_id=agent_id, created_at=now))
    if tier is None:
        session.delete(existing)
    else:
        summary = rules.override_summary(tier=tier, agent_name=session.get(Agent, agent_id).name,
                                         on=format_date(now), reason=reason)
        if existing is None:
            session.add(TierOverride(customer_id=customer.id, tier=tier, reason=reason, summary=summary,
                                     agent_id=agent_id, created_at=now))
        else:
            existing.tier, existing.reason, existing.summary = tier, reason, summary
            existing.agent_id, existing.created_at = agent_id, now
    customer.tier = new_tier
    session.add(customer)
    session.commit()
