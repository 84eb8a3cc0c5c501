"""The report definitions as pure functions: percentiles, RFM scores and segments, tiers and their reasons, churn.

Each threshold here is written out in the README's metric definitions; change one, change the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from helpdesk.templating import format_inr

# --- percentiles ----------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    """The middle value; the mean of the two middle values when the count is even. None for no values."""
    return median_sorted(sorted(values))


def median_sorted(ordered: Sequence[float]) -> float | None:
    """median() of values already in ascending order."""
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p% of the values at or below it. None for no values."""
    return percentile_sorted(sorted(values), p)


def percentile_sorted(ordered: Sequence[float], p: float) -> float | None:
    """percentile() of values already in ascending order."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def median_of_histogram(counts: Iterable[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many times) pairs, with the same rule as median()."""
    pairs = sorted((value, count) for value, count in counts if count > 0)
    total = sum(count for _, count in pairs)
    if not total:
        return None
    wanted = [total // 2, total // 2 + 1] if total % 2 == 0 else [total // 2 + 1]
    found: list[int] = []
    seen = 0
    for value, count in pairs:
        seen += count
        while wanted and wanted[0] <= seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)


# --- RFM ------------------------------------------------------------------------------------------

# (score, lower bound) pairs, highest score first; the first bound a customer reaches gives the score.
RECENCY_DAYS = ((5, 30), (4, 90), (3, 180), (2, 365))  # at most this many days since the last purchase; else 1
FREQUENCY_ORDERS = ((5, 10), (4, 5), (3, 3), (2, 2))  # at least this many orders; else 1
MONETARY_PAISE = ((5, 2_00_000_00), (4, 1_00_000_00), (3, 50_000_00), (2, 20_000_00))  # at least this net spend

SEGMENTS = (
    ("champions", "Champions", "R 4-5, F 4-5 and M 4-5: bought recently, often, and spend the most."),
    ("loyal", "Loyal", "R 3-5 and F 3-5 (not champions): come back regularly."),
    ("new", "New", "R 5 and F 1: first purchase within the last 30 days."),
    ("promising", "Promising", "R 4-5 and F 1-2 (not new): bought recently, not often yet."),
    ("need_attention", "Need attention", "R 3 and F 1-2: last bought 3-6 months ago, rarely."),
    ("at_risk", "At risk", "R 1-2 and F 3-5: used to buy often, nothing for over 6 months."),
    ("hibernating", "Hibernating", "R 2 and F 1-2: last bought 6-12 months ago, rarely."),
    ("lost", "Lost", "R 1 and F 1-2: nothing for over a year, rarely before."),
)
SEGMENT_LABELS = {key: label for key, label, _ in SEGMENTS}


def recency_score(days_since_last: int) -> int:
    """5 for a purchase within 30 days, 4 within 90, 3 within 180, 2 within 365, else 1."""
    for score, days in RECENCY_DAYS:
        if days_since_last <= days:
            return score
    return 1


def frequency_score(orders: int) -> int:
    """5 for 10+ orders, 4 for 5-9, 3 for 3-4, 2 for 2, 1 for one."""
    for score, least in FREQUENCY_ORDERS:
        if orders >= least:
            return score
    return 1


def monetary_score(net_paise: int) -> int:
    """5 from ₹2,00,000 net spend, 4 from ₹1,00,000, 3 from ₹50,000, 2 from ₹20,000, else 1."""
    for score, least in MONETARY_PAISE:
        if net_paise >= least:
            return score
    return 1


def segment_for(r: int, f: int, m: int) -> str:
    """The named segment for RFM scores; the rules are checked in the order of SEGMENTS."""
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r == 5 and f == 1:
        return "new"
    if r >= 4:
        return "promising"
    if r == 3:
        return "need_attention"
    if f >= 3:
        return "at_risk"
    return "hibernating" if r == 2 else "lost"


# --- lifetime value -------------------------------------------------------------------------------

CLV_BANDS = (
    ("below 0", None, 0),
    ("₹0–10k", 0, 10_000_00),
    ("₹10k–50k", 10_000_00, 50_000_00),
    ("₹50k–1L", 50_000_00, 1_00_000_00),
    ("₹1L–5L", 1_00_000_00, 5_00_000_00),
    ("₹5L and more", 5_00_000_00, None),
)


def clv_band(clv_paise: int) -> str:
    """The CLV band label a value falls in (lower bound included)."""
    for label, low, high in CLV_BANDS:
        if (low is None or clv_paise >= low) and (high is None or clv_paise < high):
            return label
    return CLV_BANDS[-1][0]


# --- tiers ----------------------------------------------------------------------------------------

TIERS = ("platinum", "gold", "silver", "standard")
TIER_RANK = {tier: rank for rank, tier in enumerate(reversed(TIERS))}  # standard 0 ... platinum 3
# A customer with a late payment can be no more than this, however much they spend.
LATE_PAYMENT_CAP = "silver"


@dataclass(frozen=True)
class Cutoffs:
    """The 12-month value a customer needs to be in the top X% (platinum, gold, silver); None when nobody ranks."""

    platinum: int | None
    gold: int | None
    silver: int | None
    ranked: int


def cutoff_rank(ranked: int, top_percent: float) -> int:
    """The 1-based position (best first) of the last customer inside the top `top_percent` of `ranked` customers."""
    return max(1, math.ceil(ranked * top_percent / 100))


def cutoffs_from(values_best_first: Sequence[int], top_percent: tuple[float, float, float]) -> Cutoffs:
    """Cut-offs from every positive 12-month value, best first."""
    ranked = len(values_best_first)
    if not ranked:
        return Cutoffs(None, None, None, 0)
    picks = [values_best_first[cutoff_rank(ranked, percent) - 1] for percent in top_percent]
    return Cutoffs(*picks, ranked=ranked)


@dataclass(frozen=True)
class TierDecision:
    tier: str
    reason: str


def derive_tier(*, value_12m: int, net_12m: int, support_cost_12m: int, late_payments: int, cutoffs: Cutoffs,
                top_percent: tuple[float, float, float]) -> TierDecision:
    """The tier the rule gives, and the sentence that explains it on the customer page."""
    value_text = f"{format_inr(value_12m, with_paise=False)} 12-month value"
    detail = f"{format_inr(net_12m, with_paise=False)} net spend − {format_inr(support_cost_12m, with_paise=False)} support cost"
    if value_12m <= 0 or cutoffs.ranked == 0:
        if net_12m <= 0:
            return TierDecision("standard", "No purchases (net of returns) in the last 12 months.")
        return TierDecision("standard", f"Support cost exceeds spend in the last 12 months ({detail}).")
    band = next((tier for tier, cutoff, percent in zip(TIERS, (cutoffs.platinum, cutoffs.gold, cutoffs.silver),
                                                        top_percent) if cutoff is not None and value_12m >= cutoff), None)
    if band is None:
        return TierDecision("standard", f"Below the top {top_percent[2]:g}% by 12-month value ({value_text}: {detail}).")
    percent = top_percent[TIERS.index(band)]
    ranking = f"Top {percent:g}% by 12-month value ({value_text}: {detail})"
    if late_payments:
        late = f"{late_payments} late payment{'s' if late_payments != 1 else ''}"
        if TIER_RANK[band] > TIER_RANK[LATE_PAYMENT_CAP]:
            return TierDecision(LATE_PAYMENT_CAP, f"{ranking}, but {late}: held at {LATE_PAYMENT_CAP}.")
        return TierDecision(band, f"{ranking}; {late}.")
    return TierDecision(band, f"{ranking}, no late payments.")


def override_summary(*, tier: str, agent_name: str, on: str, reason: str) -> str:
    """The customer page's sentence for a tier a supervisor set by hand."""
    return f"Set to {tier} by {agent_name} on {on}: {reason}"


# --- churn ----------------------------------------------------------------------------------------


def churn_threshold(median_gap_days: float | None, *, multiplier: float, min_days: int) -> int:
    """Days without a purchase after which a customer counts as lapsed: multiplier × usual gap, at least min_days."""
    if median_gap_days is None:
        return min_days
    return max(min_days, math.ceil(median_gap_days * multiplier))
