"""Turning loaded source rows into table contents: per-customer facts, ticket and claim rows, and (for a full
refresh) every roll-up, with the tiers decided against everyone's 12-month values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from helpdesk.config import ReportSettings
from helpdesk.reports import rules, tiers
from helpdesk.reports.facts import CustomerFacts, PurchaseRow, claim_row, customer_facts, ticket_row
from helpdesk.reports.rollups import CUSTOMER_ROLLUPS, Cells, sales_cells, sales_day_cells, support_cells
from helpdesk.reports.source import CustomerSource


@dataclass
class BuildResult:
    customers: list[CustomerFacts]
    tickets: list[dict]
    claims: list[dict]
    rollups: dict[str, Cells]
    sales: Cells
    sales_days: Cells
    support: Cells
    cutoffs: rules.Cutoffs
    tier_changes: dict[int, str]  # customer id -> effective tier, where Customer.tier differs


@dataclass
class Build:
    settings: ReportSettings
    as_of: date
    customers: list[CustomerFacts] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    purchases: list[PurchaseRow] = field(default_factory=list)
    overrides: dict[int, str] = field(default_factory=dict)
    current_tiers: dict[int, str] = field(default_factory=dict)

    def add(self, sources: dict[int, CustomerSource]) -> None:
        """Compute the facts of a batch of customers (tiers are decided in finish(), against everyone)."""
        for customer_id, src in sorted(sources.items()):
            tickets = [ticket_row(ticket) for ticket in src.tickets]
            claims = [claim_row(claim, self.settings) for claim in src.claims]
            self.customers.append(customer_facts(customer_id, src.purchases, tickets, claims, as_of=self.as_of,
                                                 settings=self.settings))
            self.tickets += tickets
            self.claims += claims
            self.purchases += src.purchases
            if src.override is not None:
                self.overrides[customer_id] = src.override[0]
            self.current_tiers[customer_id] = src.current_tier

    def finish(self) -> BuildResult:
        """Decide the tiers and sum every roll-up (full refresh)."""
        values = sorted((f.value_12m_paise for f in self.customers if f.value_12m_paise > 0), reverse=True)
        cutoffs = rules.cutoffs_from(values, self.settings.tier_top_percent)
        for facts in self.customers:
            tiers.decide(facts, cutoffs=cutoffs, override_tier=self.overrides.get(facts.customer_id),
                         settings=self.settings)
        rollups: dict[str, Cells] = {}
        for table, _, _, add in CUSTOMER_ROLLUPS:
            total: Cells = {}
            for facts in self.customers:
                add(total, facts)
            rollups[table.name] = total
        tier_of = {facts.customer_id: facts.tier for facts in self.customers}
        return BuildResult(
            customers=self.customers, tickets=self.tickets, claims=self.claims, rollups=rollups,
            sales=sales_cells(self.purchases, tier_of), sales_days=sales_day_cells(self.purchases),
            support=support_cells(self.tickets), cutoffs=cutoffs,
            tier_changes={f.customer_id: f.tier for f in self.customers if self.current_tiers.get(f.customer_id) != f.tier},
        )


def category_rows(gaps: Cells, categories: set[str], as_of: date, settings: ReportSettings) -> list[dict]:
    """stats_category: each category's median gap and churn threshold (too few gaps: the all-category median)."""
    overall: dict[int, int] = {}
    by_category: dict[str, dict[int, int]] = {}
    for (category, days), (count,) in gaps.items():
        if count <= 0:
            continue
        by_category.setdefault(category, {})[days] = count
        overall[days] = overall.get(days, 0) + count
    overall_median = rules.median_of_histogram(overall.items())
    rows = []
    for category in sorted(categories | set(by_category)):
        histogram = by_category.get(category, {})
        count = sum(histogram.values())
        usual = rules.median_of_histogram(histogram.items()) if count >= settings.churn_min_gaps else overall_median
        threshold = rules.churn_threshold(usual, multiplier=settings.churn_gap_multiplier,
                                          min_days=settings.churn_min_days)
        rows.append({"category": category, "gaps": count,
                     "median_gap_days": None if usual is None else int(usual + 0.5),
                     "threshold_days": threshold, "lapsed_before": as_of - timedelta(days=threshold)})
    return rows
