"""Aggregate tables behind the reports (derived, rebuilt by `helpdesk stats refresh`), tier overrides and tier SLAs.

Every `stats_*` table is derived from purchases, tickets, interactions and claims: nothing here is the only
copy of anything. Money is in paise and summed in BIGINT columns (a month's sales overflow 32 bits).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Column, Field, SQLModel

from helpdesk.timeutil import utcnow

ALL = "*"
"""The key of a roll-up cell that covers every value of that dimension (all stores, all categories, ...)."""


def _money() -> object:
    return Field(default=0, sa_type=BigInteger)


class StatsState(SQLModel, table=True):
    """One row: the day the figures are computed for, when and how they were refreshed, and the tier cut-offs."""

    __tablename__ = "stats_state"

    id: int = Field(default=1, primary_key=True)
    as_of: date | None = None
    version: int = 0
    refreshed_at: datetime | None = None
    full_refreshed_at: datetime | None = None
    full_refresh_seconds: float | None = None
    # Set while a full refresh computes, so incremental steps wait instead of racing it.
    busy_since: datetime | None = None
    settings_key: str | None = Field(default=None, max_length=64)
    cutoff_platinum: int | None = Field(default=None, sa_type=BigInteger)
    cutoff_gold: int | None = Field(default=None, sa_type=BigInteger)
    cutoff_silver: int | None = Field(default=None, sa_type=BigInteger)
    ranked_customers: int = 0


class StatsDirty(SQLModel, table=True):
    """A customer whose figures changed since the last refresh; for a purchase, its day too.

    purchase_id is set for a purchase that is new: the refresh just adds it to its month's sales. Any other
    change to a purchase (a refund, an edited line) leaves it empty, and the refresh recomputes that day's month.
    """

    __tablename__ = "stats_dirty"
    __table_args__ = (Index("ix_stats_dirty_purchase", "purchase_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int
    day: date | None = None
    purchase_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class StatsCustomer(SQLModel, table=True):
    """Per customer, as of stats_state.as_of: spend, support cost, value, RFM, tier and the facts behind them."""

    __tablename__ = "stats_customer"
    __table_args__ = (
        Index("ix_stats_customer_value", "value_12m_paise", "customer_id"),
        Index("ix_stats_customer_tier_value", "tier", "value_12m_paise", "customer_id"),
        Index("ix_stats_customer_segment_value", "segment", "value_12m_paise", "customer_id"),
        Index("ix_stats_customer_lapse", "last_category", "last_purchase_on"),
    )

    customer_id: int = Field(primary_key=True)
    first_purchase_on: date | None = None
    last_purchase_on: date | None = None
    orders: int = 0
    returned_orders: int = 0
    units: int = 0
    gross_paise: int = _money()
    returned_paise: int = _money()
    net_paise: int = _money()
    tickets: int = 0
    claims: int = 0
    claim_cost_paise: int = _money()
    support_cost_paise: int = _money()
    clv_paise: int = _money()
    outstanding_paise: int = _money()
    late_payments: int = 0
    net_12m_paise: int = _money()
    orders_12m: int = 0
    tickets_12m: int = 0
    support_cost_12m_paise: int = _money()
    value_12m_paise: int = _money()
    r_score: int | None = None
    f_score: int | None = None
    m_score: int | None = None
    segment: str | None = Field(default=None, max_length=30)
    last_category: str | None = Field(default=None, max_length=60)
    derived_tier: str = Field(default="standard", max_length=20)
    # The effective tier when the roll-ups were last computed (Customer.tier changes at once on an override).
    tier: str = Field(default="standard", max_length=20)
    # Why the rule gives derived_tier, in one sentence (an override's own sentence is on tier_override).
    tier_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # What this customer added to the roll-ups at the last refresh (months, product mix, purchase gaps), so the
    # next incremental refresh can take exactly that back out before adding the new figures.
    history: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))


class StatsCategory(SQLModel, table=True):
    """Per product category: the usual gap between purchases and the churn threshold drawn from it."""

    __tablename__ = "stats_category"

    category: str = Field(primary_key=True, max_length=60)
    gaps: int = 0
    median_gap_days: int | None = None
    threshold_days: int = 0
    # as_of minus threshold_days: a customer whose last purchase is before this day has lapsed.
    lapsed_before: date | None = None


class StatsGap(SQLModel, table=True):
    """How many purchase gaps of each length (days) follow a purchase in each category: the churn rule's data."""

    __tablename__ = "stats_gap"

    category: str = Field(primary_key=True, max_length=60)
    gap_days: int = Field(primary_key=True)
    purchases: int = 0


class _SalesMeasures(SQLModel):
    orders: int = 0
    returned_orders: int = 0
    units: int = 0
    returned_units: int = 0
    gross_paise: int = _money()
    returned_paise: int = _money()


class StatsSalesMonth(_SalesMeasures, table=True):
    """Sales per month by category x store-or-channel x tier: a small cube read by slices.

    category is a real category or '*' (whole orders: the only rows whose order counts add up); store is a store
    with channel '*', or '*' with a channel or '*'. Tiers are always real: a query over all tiers sums four rows.
    The key's order is the order queries narrow it in, so the primary key is the only index needed.
    """

    __tablename__ = "stats_sales_month"

    category: str = Field(primary_key=True, max_length=60)
    store: str = Field(primary_key=True, max_length=120)
    channel: str = Field(primary_key=True, max_length=20)
    tier: str = Field(primary_key=True, max_length=20)
    month: date = Field(primary_key=True)


class StatsSalesDay(_SalesMeasures, table=True):
    """Sales per day, all stores and categories together (the monthly report's daily chart)."""

    __tablename__ = "stats_sales_day"

    day: date = Field(primary_key=True)


class StatsTicket(SQLModel, table=True):
    """Per ticket: the durations and outcomes the support report is made of."""

    __tablename__ = "stats_ticket"
    # Covering indexes: the support page reads a period's durations with their slice keys from the index alone.
    __table_args__ = (
        Index("ix_stats_ticket_created", "created_day", "first_reply_seconds", "channel", "priority", "assignee_id", "tags"),
        Index("ix_stats_ticket_solved", "solved_day", "resolution_seconds", "channel", "priority", "assignee_id", "tags"),
        Index("ix_stats_ticket_customer", "customer_id"),
    )

    ticket_id: int = Field(primary_key=True)
    customer_id: int
    created_day: date
    solved_day: date | None = None
    status: str = Field(max_length=20)
    priority: str = Field(max_length=20)
    channel: str = Field(max_length=20)
    assignee_id: int | None = None
    tags: str = Field(default="", max_length=500, description="comma-separated tag names")
    first_reply_seconds: int | None = None
    resolution_seconds: int | None = None
    reopens: int = 0
    sla_met: bool | None = None
    satisfaction: int | None = None


class StatsSupportDay(SQLModel, table=True):
    """Per day and per slice (all, agent, channel, priority, tag): created, solved, SLA, reopens, satisfaction."""

    __tablename__ = "stats_support_day"

    dim: str = Field(primary_key=True, max_length=20)
    day: date = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=60)
    created: int = 0
    solved: int = 0
    reopened: int = 0
    sla_due: int = 0
    sla_met: int = 0
    rated: int = 0
    rating_sum: int = 0
    rating_1: int = 0
    rating_2: int = 0
    rating_3: int = 0
    rating_4: int = 0
    rating_5: int = 0


class StatsClaim(SQLModel, table=True):
    """Per warranty claim: model, fault, outcome, turnaround and what it cost the shop."""

    __tablename__ = "stats_claim"
    __table_args__ = (Index("ix_stats_claim_filed", "filed_day"), Index("ix_stats_claim_customer", "customer_id"))

    claim_id: int = Field(primary_key=True)
    customer_id: int
    filed_day: date
    category: str = Field(max_length=60)
    model_number: str = Field(max_length=60)
    fault_category: str = Field(max_length=60)
    status: str = Field(max_length=20)
    remedy: str = Field(max_length=20)
    outcome: str = Field(max_length=20)
    turnaround_seconds: int | None = None
    cost_paise: int = _money()


class StatsCohort(SQLModel, table=True):
    """Customers by month of first purchase x months after it (0 = the cohort's size)."""

    __tablename__ = "stats_cohort"

    cohort_month: date = Field(primary_key=True)
    months_after: int = Field(primary_key=True)
    customers: int = 0


class StatsRepeat(SQLModel, table=True):
    """Per calendar month and year: customers who bought, who bought at least twice, and who bought first."""

    __tablename__ = "stats_repeat"

    period: str = Field(primary_key=True, max_length=10, description="month or year")
    period_start: date = Field(primary_key=True)
    buyers: int = 0
    repeat_buyers: int = 0
    new_buyers: int = 0


class StatsGroup(SQLModel, table=True):
    """Customer totals per group (all, segment, tier, CLV band, last category), as of stats_state.as_of."""

    __tablename__ = "stats_group"

    kind: str = Field(primary_key=True, max_length=20)
    key: str = Field(primary_key=True, max_length=60)
    customers: int = 0
    buyers: int = 0
    orders: int = 0
    tickets: int = 0
    net_paise: int = _money()
    support_cost_paise: int = _money()
    clv_paise: int = _money()
    value_12m_paise: int = _money()
    buyers_12m: int = 0
    repeat_12m: int = 0


class StatsSegmentMix(SQLModel, table=True):
    """What each RFM segment buys: units and net spend per category and brand."""

    __tablename__ = "stats_segment_mix"

    segment: str = Field(primary_key=True, max_length=30)
    category: str = Field(primary_key=True, max_length=60)
    brand: str = Field(primary_key=True, max_length=80)
    customers: int = 0
    units: int = 0
    net_paise: int = _money()


class TierOverride(SQLModel, table=True):
    """A supervisor's decision that a customer has a given tier, whatever the rule says."""

    __tablename__ = "tier_override"

    customer_id: int = Field(primary_key=True, foreign_key="customer.id")
    tier: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False), description="the customer page's sentence")
    agent_id: int = Field(foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)


class TierChange(SQLModel, table=True):
    """The record of every override set or cleared: who, when, from what, to what, and why."""

    __tablename__ = "tier_change"
    __table_args__ = (Index("ix_tier_change_customer", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    old_tier: str = Field(max_length=20)
    new_tier: str = Field(max_length=20)
    override: bool = Field(description="true when an override was set, false when it was cleared")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    agent_id: int = Field(foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)


class TierSlaPolicy(SQLModel, table=True):
    """Response and resolution targets per tier and priority; a missing pair falls back to sla_policy."""

    __tablename__ = "tier_sla_policy"

    tier: str = Field(primary_key=True, max_length=20)
    priority: str = Field(primary_key=True, max_length=20)
    first_response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)
