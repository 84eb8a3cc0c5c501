"""What customers, purchases and tickets add to the roll-up tables, as dicts of cells {key: [measures]}.

Per-customer roll-ups are functions that add (sign=1) or take back (sign=-1) one customer's contribution.

A full refresh adds every customer; an incremental one takes back a changed customer's old contribution (from
their stored row and history) and adds the new one, so both arrive at the same cells. Sales and support roll-ups
come from each purchase's value (facts.purchase_value) and each ticket's stats row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from helpdesk.reports import rules
from helpdesk.reports.facts import CustomerFacts, PurchaseRow, purchase_value
from helpdesk.reports.models import ALL, StatsCohort, StatsGap, StatsGroup, StatsRepeat, StatsSegmentMix

Cells = dict[tuple, list[int]]

GROUP_MEASURES = ("customers", "buyers", "orders", "tickets", "net_paise", "support_cost_paise", "clv_paise",
                  "value_12m_paise", "buyers_12m", "repeat_12m")
MIX_MEASURES = ("customers", "units", "net_paise")
COHORT_MEASURES = ("customers",)
REPEAT_MEASURES = ("buyers", "repeat_buyers", "new_buyers")
GAP_MEASURES = ("purchases",)
SALES_MEASURES = ("orders", "returned_orders", "units", "returned_units", "gross_paise", "returned_paise")
SUPPORT_MEASURES = ("created", "solved", "reopened", "sla_due", "sla_met", "rated", "rating_sum",
                    "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


def bump(total: Cells, key: tuple, values: list[int], sign: int = 1) -> None:
    """Add sign × values to one cell."""
    cell = total.get(key)
    if cell is None:
        total[key] = list(values) if sign == 1 else [-value for value in values]
    elif sign == 1:
        total[key] = [a + b for a, b in zip(cell, values)]
    else:
        total[key] = [a - b for a, b in zip(cell, values)]


def add_into(total: Cells, part: Cells, sign: int = 1) -> Cells:
    """Add (or with sign=-1 take back) one set of cells into another."""
    for key, values in part.items():
        bump(total, key, values, sign)
    return total


# --- per customer ---------------------------------------------------------------------------------


def add_group(total: Cells, f: CustomerFacts, sign: int = 1) -> None:
    """stats_group: every customer in 'all' and their tier; buyers also in their segment, CLV band and category."""
    buyer = f.net_orders > 0
    # CLV is summed over customers with an order (the average CLV divides by them); support cost over everyone.
    values = [1, int(buyer), f.net_orders, f.tickets, f.net_paise, f.support_cost_paise, f.clv_paise if buyer else 0,
              f.value_12m_paise, int(f.orders_12m >= 1), int(f.orders_12m >= 2)]
    bump(total, ("all", ALL), values, sign)
    bump(total, ("tier", f.tier), values, sign)
    if buyer:
        bump(total, ("clv_band", rules.clv_band(f.clv_paise)), values, sign)
        if f.segment:
            bump(total, ("segment", f.segment), values, sign)
        if f.last_category:
            bump(total, ("last_category", f.last_category), values, sign)


def add_segment_mix(total: Cells, f: CustomerFacts, sign: int = 1) -> None:
    """stats_segment_mix: the categories and brands a segment's customers bought (lifetime, net of returns)."""
    if f.segment:
        for (category, brand), (units, net) in f.mix.items():
            bump(total, (f.segment, category, brand), [1, units, net], sign)


def _bought_months(f: CustomerFacts) -> list[tuple[date, int]]:
    return sorted((month, orders) for month, (orders, _) in f.months.items() if orders > 0)


def add_cohort(total: Cells, f: CustomerFacts, sign: int = 1) -> None:
    """stats_cohort: the customer's first-purchase month (months_after 0) and each later month they bought in."""
    months = _bought_months(f)
    if months:
        first = months[0][0]
        for month, _ in months:
            bump(total, (first, (month.year - first.year) * 12 + month.month - first.month), [1], sign)


def add_repeat(total: Cells, f: CustomerFacts, sign: int = 1) -> None:
    """stats_repeat: per calendar month and year, whether the customer bought, bought twice or more, bought first."""
    months = _bought_months(f)
    if not months:
        return
    first = months[0][0]
    by_year: dict[date, int] = defaultdict(int)
    for month, orders in months:
        by_year[month.replace(month=1)] += orders
        bump(total, ("month", month), [1, int(orders >= 2), int(month == first)], sign)
    first_year = first.replace(month=1)
    for year, orders in by_year.items():
        bump(total, ("year", year), [1, int(orders >= 2), int(year == first_year)], sign)


def add_gaps(total: Cells, f: CustomerFacts, sign: int = 1) -> None:
    """stats_gap: how many days passed after each purchase (by its category) until the customer's next one."""
    for category, days in f.gaps:
        bump(total, (category, days), [1], sign)


# (table, key columns, measure columns, how one customer adds to it): the roll-ups kept by taking back and adding.
CUSTOMER_ROLLUPS = (
    (StatsGroup.__table__, ("kind", "key"), GROUP_MEASURES, add_group),
    (StatsSegmentMix.__table__, ("segment", "category", "brand"), MIX_MEASURES, add_segment_mix),
    (StatsCohort.__table__, ("cohort_month", "months_after"), COHORT_MEASURES, add_cohort),
    (StatsRepeat.__table__, ("period", "period_start"), REPEAT_MEASURES, add_repeat),
    (StatsGap.__table__, ("category", "gap_days"), GAP_MEASURES, add_gaps),
)


# --- sales (per purchase) and support (per ticket) ------------------------------------------------


def sales_cells(purchases: Iterable[PurchaseRow], tier_of: dict[int, str], *, sign: int = 1) -> Cells:
    """stats_sales_month cells keyed (month, tier, store, channel, category): each purchase lands under its store
    (channel '*'), its channel (store '*') and both '*'; per category, and as a whole order under category '*'."""
    base: Cells = {}
    _accumulate_sales(base, purchases, tier_of)
    cells: Cells = {}
    for (month, tier, store, channel, category), values in base.items():
        # Order counts add up across stores and channels: an order has exactly one of each.
        for key in ((month, tier, store, ALL, category), (month, tier, ALL, channel, category),
                    (month, tier, ALL, ALL, category)):
            _add6(cells, key, values, sign)
    return cells


def _add6(cells: Cells, key: tuple, values: list[int], sign: int = 1) -> None:
    # Written out for six measures: this runs about a million times in a full refresh.
    cell = cells.get(key)
    if cell is None:
        cells[key] = list(values) if sign == 1 else [-value for value in values]
    elif sign == 1:
        cell[0] += values[0]
        cell[1] += values[1]
        cell[2] += values[2]
        cell[3] += values[3]
        cell[4] += values[4]
        cell[5] += values[5]
    else:
        cell[0] -= values[0]
        cell[1] -= values[1]
        cell[2] -= values[2]
        cell[3] -= values[3]
        cell[4] -= values[4]
        cell[5] -= values[5]


def _accumulate_sales(base: Cells, purchases: Iterable[PurchaseRow], tier_of: dict[int, str]) -> None:
    tier_get = tier_of.get
    for purchase in purchases:
        value = purchase_value(purchase)
        month = purchase.day.replace(day=1)
        tier = tier_get(purchase.customer_id, "standard")
        store, channel = purchase.store, purchase.channel
        _add6(base, (month, tier, store, channel, ALL), value.whole)
        for category, values in value.by_category.items():
            _add6(base, (month, tier, store, channel, category), values)


def sales_day_cells(purchases: Iterable[PurchaseRow]) -> Cells:
    """stats_sales_day cells keyed (day,): whole orders per day."""
    cells: Cells = {}
    for purchase in purchases:
        bump(cells, (purchase.day,), purchase_value(purchase).whole)
    return cells


def ticket_slices(row: dict) -> list[tuple[str, str]]:
    """The report slices a ticket belongs to: all, its agent, channel, priority and each of its tags."""
    slices = [("all", ALL), ("agent", str(row["assignee_id"]) if row["assignee_id"] is not None else "none"),
              ("channel", row["channel"]), ("priority", row["priority"])]
    slices += [("tag", tag) for tag in row["tags"].split(",") if tag]
    return slices


def support_cells(rows: Iterable[dict], days: set[date] | None = None) -> Cells:
    """stats_support_day cells keyed (day, dim, key): created counts on the creation day; solved, reopened, SLA and
    ratings on the (last) solved day.

    Every measure is a count (the rating sum comes from the per-score counts), so keys are tallied by Counter in
    C: one tally per slice for "created", and one per slice for the solved ticket's set of measures.
    """
    created_tally: list[tuple] = []
    solved_tally: list[tuple] = []
    for row in rows:
        created, solved = row["created_day"], row["solved_day"]
        counts_created = days is None or created in days
        counts_solved = solved is not None and (days is None or solved in days)
        if not counts_created and not counts_solved:
            continue
        slices = ticket_slices(row)
        if counts_created:
            created_tally += [(created, dim, key) for dim, key in slices]
        if counts_solved:
            rating, met = row["satisfaction"], row["sla_met"]
            measures = (1,) + ((2,) if row["reopens"] > 0 else ()) + \
                ((3, 4) if met else (3,) if met is not None else ()) + \
                ((5, 6 + rating) if rating is not None and 1 <= rating <= 5 else ())
            solved_tally += [(solved, dim, key, measures) for dim, key in slices]
    cells: Cells = {}
    size = len(SUPPORT_MEASURES)
    for key, count in Counter(created_tally).items():
        cells[key] = [count] + [0] * (size - 1)
    for (day, dim, key, measures), count in Counter(solved_tally).items():
        cell = cells.get((day, dim, key))
        if cell is None:
            cell = cells[(day, dim, key)] = [0] * size
        for index in measures:
            cell[index] += count
    for cell in cells.values():
        cell[6] = sum(score * cell[6 + score] for score in range(1, 6))  # rating_sum
    return cells
