"""The definitions as pure functions: percentiles, RFM, segments, tiers, churn thresholds, periods."""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk.reports import periods, rules
from helpdesk.reports.facts import LineRow, PurchaseRow, purchase_value


def test_median_and_percentile():
    assert rules.median([]) is None and rules.percentile([], 90) is None
    assert rules.median([3, 1, 2]) == 2 and rules.median([4, 1, 3, 2]) == 2.5
    values = list(range(1, 11))  # 1..10
    assert rules.percentile(values, 90) == 9 and rules.percentile(values, 50) == 5 and rules.percentile([7], 90) == 7
    assert rules.median_of_histogram([(10, 2), (20, 1), (30, 1)]) == 15  # 10, 10, 20, 30
    assert rules.median_of_histogram([(5, 3)]) == 5 and rules.median_of_histogram([]) is None


@pytest.mark.parametrize("days, score", [(0, 5), (30, 5), (31, 4), (90, 4), (180, 3), (181, 2), (365, 2), (366, 1)])
def test_recency(days, score):
    assert rules.recency_score(days) == score


def test_frequency_and_money():
    assert [rules.frequency_score(n) for n in (1, 2, 3, 4, 5, 9, 10)] == [1, 2, 3, 3, 4, 4, 5]
    assert [rules.monetary_score(p) for p in (0, 20_000_00, 50_000_00, 1_00_000_00, 2_00_000_00)] == [1, 2, 3, 4, 5]


def test_every_score_combination_has_one_segment():
    named = {key for key, _, _ in rules.SEGMENTS}
    for r in range(1, 6):
        for f in range(1, 6):
            for m in range(1, 6):
                assert rules.segment_for(r, f, m) in named
    assert rules.segment_for(5, 5, 5) == "champions" and rules.segment_for(2, 4, 1) == "at_risk"


def test_cutoffs_and_tiers():
    cutoffs = rules.cutoffs_from([100, 90, 80, 70, 60, 50, 40, 30, 20, 10], (5, 20, 50))
    # 10 ranked: platinum rank ceil(0.5) = 1, gold rank 2, silver rank 5.
    assert (cutoffs.platinum, cutoffs.gold, cutoffs.silver, cutoffs.ranked) == (100, 90, 60, 10)
    decide = lambda value, late=0: rules.derive_tier(value_12m=value, net_12m=value, support_cost_12m=0,  # noqa: E731
                                                     late_payments=late, cutoffs=cutoffs, top_percent=(5, 20, 50))
    assert [decide(v).tier for v in (100, 95, 90, 60, 59, 0)] == ["platinum", "gold", "gold", "silver", "standard",
                                                                 "standard"]
    assert decide(100, late=2).tier == "silver" and "2 late payments: held at silver" in decide(100, late=2).reason
    assert decide(60, late=1).tier == "silver" and decide(60, late=1).reason.endswith("; 1 late payment.")
    assert rules.cutoffs_from([], (5, 20, 50)).ranked == 0


def test_churn_threshold():
    assert rules.churn_threshold(None, multiplier=2, min_days=180) == 180
    assert rules.churn_threshold(100.5, multiplier=2, min_days=180) == 201
    assert rules.churn_threshold(30, multiplier=2, min_days=180) == 180


def test_refunds_and_credit_notes():
    sale = LineRow("TV", "Tarang", 1, 10_000)
    kept = purchase_value(PurchaseRow(1, 1, date(2026, 1, 1), "s", "store", False, 0, [sale]))
    refunded = purchase_value(PurchaseRow(2, 1, date(2026, 1, 1), "s", "store", True, 0, [sale]))
    credit_note = purchase_value(PurchaseRow(3, 1, date(2026, 2, 1), "s", "store", False, 0,
                                             [LineRow("TV", "Tarang", -1, 10_000)]))
    assert kept.whole == [1, 0, 1, 0, 10_000, 0]
    assert refunded.whole == [1, 1, 1, 1, 10_000, 10_000]
    assert credit_note.whole == [0, 0, 0, 1, 0, 10_000] and not credit_note.is_order  # a return in its own month


def test_periods():
    today = date(2026, 6, 30)
    default = periods.day_range(None, None, today=today)
    assert (default.first, default.last, default.notes) == (date(2026, 6, 1), today, [])
    months = periods.month_range("2026-02", "2026-04", today=today)
    assert (months.previous().first, months.previous().last) == (date(2025, 11, 1), date(2026, 1, 1))
    assert (months.year_before().first, months.year_before().last) == (date(2025, 2, 1), date(2025, 4, 1))
    assert periods.month_range("2026-13", None, today=today).notes
    assert periods.one_month("2026-02", today=today) == (date(2026, 2, 1), None)
    assert periods.one_year("1999", today=today)[0] is None
    assert periods.period_of_year_or_month("2025-07", today=today)[:2] == ("month", date(2025, 7, 1))
