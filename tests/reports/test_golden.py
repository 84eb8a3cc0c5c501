"""Every figure of the golden fixture (tests/reports/golden.py), worked out by hand; the comments show the sums.

Report day 30 Jun 2026: the 12-month window is 1 Jul 2025 – 30 Jun 2026; late payments are purchases still owing
on or before 31 May 2026 (30 days' terms); a ticket costs ₹250, a repair ₹1,500.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from helpdesk.customers.models import Customer
from helpdesk.reports import loader
from helpdesk.reports.models import StatsCategory, StatsCustomer, StatsState, StatsTicket
from tests.reports.golden import AS_OF, S1, S2, S3, S4

R = 100
HOUR = 3600


def _load(golden, name, **params):
    with golden.db.read() as session:
        return loader.load(session, name, params)


def _customer(golden, key) -> StatsCustomer:
    with golden.db.read() as session:
        return session.get(StatsCustomer, golden.ids[key])


def test_the_figures_are_as_of_the_report_day(golden):
    with golden.db.read() as session:
        state = session.get(StatsState, 1)
    assert state.as_of == AS_OF


# --- sales ----------------------------------------------------------------------------------------


def test_march_revenue_is_net_of_the_refund(golden):
    # March 2026: C04 phone 70,000 + C15 fan 5,000 + C16 phone 4,000 + C41 TV 40,000 (refunded) + C42 fridge 30,000
    # and fan 2,000 = 1,51,000 gross; returns 40,000 (C41); net 1,11,000 from 5 - 1 = 4 orders; AOV 27,750.
    sales = _load(golden, "sales", **{"from": "2026-03", "to": "2026-03"}).report
    march = sales.totals["current"]
    assert (march.gross, march.returned, march.revenue) == (151_000 * R, 40_000 * R, 111_000 * R)
    assert (march.orders, march.returned_orders, march.net_orders) == (5, 1, 4)
    assert march.aov == 27_750 * R
    # Previous period (Feb 2026): C05 TV 60,000 + C07 phone 15,000 + C43 phone 1,000 twice = 77,000, 4 orders.
    assert (sales.totals["previous"].revenue, sales.totals["previous"].net_orders) == (77_000 * R, 4)
    # Same month last year (Mar 2025): C04 TV 10,000.
    assert (sales.totals["year_before"].revenue, sales.totals["year_before"].net_orders) == (10_000 * R, 1)


def test_march_by_category_store_and_channel(golden):
    tables = _load(golden, "sales", **{"from": "2026-03", "to": "2026-03"}).tables
    by_category = {row[0]: (row[1], row[2]) for row in tables["category"].rows}
    # Smartphone 70,000 + 4,000 (2 orders); fridge 30,000 (C42); fan 5,000 + 2,000 (C15, C42); TV sold and refunded.
    assert by_category == {"Smartphone": (74_000 * R, 2), "Refrigerator": (30_000 * R, 1),
                           "Ceiling fan": (7_000 * R, 2), "Television": (0, 0)}
    by_store = {row[0]: (row[1], row[2]) for row in tables["store"].rows}
    assert by_store[S2] == (74_000 * R, 2)  # 70,000 + 4,000 + 40,000 refunded; 3 orders - 1
    assert by_store[S1] == (37_000 * R, 2)  # 5,000 + 32,000
    by_channel = {row[0]: row[1] for row in tables["channel"].rows}
    assert by_channel == {"online": 74_000 * R, "store": 37_000 * R}


def test_filters_by_tier_and_store(golden):
    # Gold customers (C03, C04, C05 by the rule, C20 by override) in 2026: 80,000 + 70,000 + 60,000 + 500.
    gold = _load(golden, "sales", **{"from": "2026-01", "to": "2026-06", "tier": "gold"}).report
    assert gold.totals["current"].revenue == 210_500 * R
    devanagari = _load(golden, "sales", **{"from": "2026-01", "to": "2026-06", "store": S3}).report
    assert devanagari.totals["current"].revenue == 60_000 * R  # C05's TV


# --- retention ------------------------------------------------------------------------------------


def test_repeat_purchase_rate(golden):
    # Customers with an order in 2026: C01-C07, C11-C16, C19, C20, C42, C43 = 17 (C41's only order was refunded).
    # Twice or more: C06 (two in January) and C43 (Feb x2, Apr) = 2 -> 2/17. First order in 2026: all but C03, C04
    # and C07 (first orders 2025) = 14.
    report = _load(golden, "retention", period="2026").report
    assert report.repeat == (17, 2, 14)
    months = {row[0]: row[1:] for row in report.tables["repeat"].rows}
    assert months["Jan 2026"] == (1, 1, 1.0, 1)  # C06, two orders
    assert months["Feb 2026"] == (3, 1, 1 / 3, 2)  # C05, C07, C43 (twice); new: C05, C43
    assert months["Mar 2026"] == (4, 0, 0.0, 3)  # C04, C15, C16, C42; new: C15, C16, C42
    assert months["Jun 2026"] == (5, 0, 0.0, 5)  # C01, C11, C12, C19, C20


def test_churn_thresholds_and_lapsed_customers(golden):
    # Gaps after a purchase (category of that day's biggest line): fan 365 (C03), TV 365 (C04), fridge 15 (C06),
    # phone 62 (C07), phone 60 (C21), TV 90 (C22), phone 14 and 45 (C43).
    # Phone: 4 gaps, median (45+60)/2 = 52.5 -> 2 x 52.5 = 105 -> at least 180. TV: median (90+365)/2 = 227.5 -> 455.
    # Fridge and fan have 1 gap (< 2): the median over all 8 gaps, (60+62)/2 = 61 -> 122 -> 180.
    with golden.db.read() as session:
        categories = {c.category: (c.gaps, c.median_gap_days, c.threshold_days, c.lapsed_before)
                      for c in session.execute(select(StatsCategory)).scalars()}
    assert categories == {
        "Smartphone": (4, 53, 180, date(2026, 1, 1)), "Television": (2, 228, 455, date(2025, 4, 1)),
        "Refrigerator": (1, 61, 180, date(2026, 1, 1)), "Ceiling fan": (1, 61, 180, date(2026, 1, 1)),
    }
    # Lapsed (last order before the category's lapsed_before): TV C22 (2024-05-01), C28 (2025-02-28); fridge C23, C27;
    # phone C10, C18, C21, C25, C29; fan C08, C17, C26, C30 -> 13 of the 32 customers with an order.
    report = _load(golden, "retention", period="2026").report
    assert report.churn == (13, 32)
    rows = {row[0]: row[1:4] for row in report.tables["churn"].rows}
    assert rows == {"Smartphone": (12, 5, 5 / 12), "Ceiling fan": (9, 4, 4 / 9), "Television": (7, 2, 2 / 7),
                    "Refrigerator": (4, 2, 0.5)}


def test_cohort_table(golden):
    report = _load(golden, "retention", period="2026").report
    rows = {row[0]: row[1:] for row in report.tables["cohorts"].rows}
    # Jul 2025 - Jun 2026 cohorts. Feb 2026: C05 and C43; C43 ordered again two months later (April).
    assert rows["Feb 2026"][0] == 2 and rows["Feb 2026"][2] == 0.5 and rows["Feb 2026"][1] == 0.0
    assert rows["Feb 2026"][5] is None  # July 2026 has not happened yet
    assert rows["Dec 2025"][:3] == (1, 0.0, 1.0)  # C07: Dec 2025, again in Feb 2026
    assert rows["Aug 2025"][0] == 2  # C17, C18
    assert rows["Jun 2026"][0] == 5 and all(cell is None for cell in rows["Jun 2026"][1:])
    with golden.db.read() as session:
        older = dict(session.execute(text("SELECT months_after, customers FROM stats_cohort "
                                          "WHERE cohort_month = :m"), {"m": date(2025, 3, 1)}).all())
    assert older == {0: 1, 12: 1}  # C04: Mar 2025, again Mar 2026


def test_lifetime_value_and_cost_per_customer(golden):
    # C03: net 85,000 - (1 ticket 250 + repair claim 1,500) = 83,250. C10: 11,000 - 4 x 250 = 10,000.
    assert _customer(golden, "C03").clv_paise == 83_250 * R
    assert _customer(golden, "C10").clv_paise == 10_000 * R
    # C41's purchase was refunded: nothing spent, not a buyer.
    c41 = _customer(golden, "C41")
    assert (c41.net_paise, c41.orders, c41.returned_orders, c41.segment) == (0, 1, 1, None)
    report = _load(golden, "retention", period="2026").report
    everyone = report.everyone
    # Support cost: 12 tickets x 250 + claims (CL1 repair 1,500, CL2 repair 1,500, CL3 rejected 0) = 6,000 over
    # 50 customers = 120 each. Net spend of all 33 purchasers' orders: 8,66,500; buyers' CLV = 8,66,500 - 5,750
    # (C31's ticket is not a buyer's) = 8,60,750 over 32 buyers.
    assert (everyone.customers, everyone.buyers, everyone.support_cost) == (50, 32, 6_000 * R)
    assert everyone.support_cost / everyone.customers == 120 * R
    assert (everyone.net, everyone.clv) == (866_500 * R, 860_750 * R)
    bands = dict(report.tables["clv_bands"].rows)
    assert bands == {"₹0–10k": 14, "₹10k–50k": 13, "₹50k–1L": 5}


@pytest.mark.parametrize("key, scores, segment", [
    ("C01", (5, 1, 4), "new"),  # 10 days, 1 order, 1,00,000
    ("C02", (4, 1, 3), "promising"),  # 60 days, 90,000
    ("C03", (4, 2, 3), "promising"),  # 76 days, 2 orders, 85,000
    ("C04", (3, 2, 3), "need_attention"),  # 102 days, 80,000
    ("C06", (3, 2, 3), "need_attention"),  # 161 days, 50,000
    ("C07", (3, 2, 2), "need_attention"),  # 138 days, 40,000
    ("C08", (2, 1, 2), "hibernating"),  # 231 days, 30,000
    ("C21", (1, 2, 2), "lost"),  # 851 days, 20,000
    ("C29", (2, 1, 1), "hibernating"),  # exactly 365 days
    ("C30", (1, 1, 1), "lost"),  # 366 days
    ("C43", (4, 3, 1), "loyal"),  # 90 days, 3 orders, 3,000
])
def test_rfm_scores_and_segments(golden, key, scores, segment):
    customer = _customer(golden, key)
    assert (customer.r_score, customer.f_score, customer.m_score) == scores
    assert customer.segment == segment


def test_segment_sizes(golden):
    report = _load(golden, "retention", period="2026").report
    sizes = {row[0]: row[1] for row in report.tables["segments"].rows}
    # new C01 C11 C12 C19 C20; promising C02 C03 C13 C14; need attention C04-C07 C15 C16 C42;
    # hibernating C08 C09 C10 C17 C18 C29; lost C21-C28 C30 (C24 380 days); loyal C43.
    assert sizes == {"New": 5, "Promising": 4, "Need attention": 7, "Hibernating": 6, "Lost": 9, "Loyal": 1}


# --- value tiers ----------------------------------------------------------------------------------


def test_tier_cutoffs_and_tiers(golden):
    # 22 customers have a positive 12-month value (C01-C20, C42, C43). Top 5%: rank ceil(1.1) = 2 -> C02 88,250
    # (90,000 - ticket 250 - repair 1,500); top 20%: rank ceil(4.4) = 5 -> C05 59,750 (60,000 - 250); top 50%:
    # rank 11 -> C10 10,000. The order: C01 99,750, C02 88,250, C03 78,250, C04 69,750, C05 59,750, C06 49,750,
    # C07 39,750, C42 32,000, C08 30,000, C09 20,000, C10 10,000, C11 9,000 ... C20 500.
    with golden.db.read() as session:
        state = session.get(StatsState, 1)
        tiers = dict(session.execute(select(Customer.id, Customer.tier)).all())
    assert (state.cutoff_platinum, state.cutoff_gold, state.cutoff_silver, state.ranked_customers) == (
        88_250 * R, 59_750 * R, 10_000 * R, 22)
    expected = {"C01": "platinum", "C02": "silver", "C03": "gold", "C04": "gold", "C05": "gold", "C06": "silver",
                "C07": "silver", "C42": "silver", "C08": "silver", "C09": "silver", "C10": "silver",
                "C11": "standard", "C19": "standard", "C20": "gold", "C23": "standard", "C41": "standard"}
    assert {key: tiers[golden.ids[key]] for key in expected} == expected


def test_tier_reasons(golden):
    assert _customer(golden, "C01").tier_reason == (
        "Top 5% by 12-month value (₹99,750 12-month value: ₹1,00,000 net spend − ₹250 support cost), no late payments.")
    # Inside the top 5%, but ₹10,000 still owed on a purchase of 1 May (more than 30 days): held at silver.
    assert _customer(golden, "C02").tier_reason == (
        "Top 5% by 12-month value (₹88,250 12-month value: ₹90,000 net spend − ₹1,750 support cost), but 1 late "
        "payment: held at silver.")
    c05 = _customer(golden, "C05")
    assert c05.tier == "gold" and c05.tier_reason.startswith("Top 20% by 12-month value (₹59,750")  # tie: inside
    assert _customer(golden, "C23").tier_reason == "No purchases (net of returns) in the last 12 months."
    c20 = _customer(golden, "C20")
    assert (c20.derived_tier, c20.tier) == ("standard", "gold")
    assert c20.tier_reason == "Below the top 50% by 12-month value (₹500 12-month value: ₹500 net spend − ₹0 support cost)."


def test_valuable_customers_list_ranks_by_value(golden):
    from helpdesk.reports.customers_view import customer_list

    with golden.db.read() as session:
        listing = customer_list(session, title="x")
        gold = customer_list(session, tier="gold", title="x")
    assert listing.total == 22
    assert [row[4] for row in listing.table.rows[:3]] == [99_750 * R, 88_250 * R, 78_250 * R]
    assert [row[1].replace(" ", "") for row in listing.table.rows[:2]] == [golden.codes["C01"], golden.codes["C02"]]
    assert gold.total == 4  # C03, C04, C05 and C20 (override)


# --- support --------------------------------------------------------------------------------------


def _june(golden, **params):
    return _load(golden, "support", **{"from": "2026-06-01", "to": "2026-06-30", **params}).report


def test_first_reply_and_resolution_times(golden):
    report = _june(golden)
    # First replies of tickets opened in June: T6 0.25 h, T2 0.5 h, T3 1 h, T1 2 h (its 10:30 internal note does not
    # count), T4 4 h (opened with an agent's note). T5 and T11 have no reply: left out. Median 1 h; p90 rank 5 = 4 h.
    assert report.first_reply == (1 * HOUR, 4 * HOUR, 5)
    # Last solves in June: T6 2 h, T2 4 h, T7 15 h (opened 31 May 20:00), T1 24 h, T3 48 h (reopened 6 Jun, solved
    # again 7 Jun 10:00). Median 15 h; p90 rank 5 = 48 h.
    assert report.resolution == (15 * HOUR, 48 * HOUR, 5)
    with golden.db.read() as session:
        t3 = session.get(StatsTicket, golden.tickets["T3"])
        t4 = session.get(StatsTicket, golden.tickets["T4"])
    assert (t3.reopens, t3.resolution_seconds, t3.first_reply_seconds) == (1, 48 * HOUR, HOUR)
    assert (t4.first_reply_seconds, t4.resolution_seconds) == (4 * HOUR, None)


def test_sla_reopens_satisfaction_and_backlog(golden):
    report = _june(golden)
    totals = report.totals
    # Opened in June: T1-T6, T11 = 7. Solved in June: T1, T2, T3, T6, T7 = 5.
    assert (totals.created, totals.solved) == (7, 5)
    # SLA: T2 and T6 met both targets; T1 replied late, T3 solved late, T7 answered after midnight -> 2 of 5.
    assert (totals.sla_met, totals.sla_due, totals.sla) == (2, 5, 0.4)
    assert (totals.reopened, totals.reopen_rate) == (1, 0.2)  # T3
    # Scores 5 (T2), 3 (T3), 4 (T6): average 4.0, 3 of 5 solved rated.
    assert (totals.rated, totals.satisfaction, totals.response_rate, totals.ratings) == (3, 4.0, 0.6, [0, 0, 1, 1, 1])
    # Backlog: before June T7 and the four C10 tickets opened, the four solved -> 1 open. June: +7 - 5 -> 3 (T4, T5, T11).
    daily = {row[0]: row[1:] for row in report.tables["daily"].rows}
    assert daily[date(2026, 6, 1)] == (1, 1, 1)  # T1 opened, T7 solved
    assert daily[date(2026, 6, 2)] == (0, 1, 0)
    assert daily[date(2026, 6, 30)] == (0, 0, 3)


def test_slices_and_contact_reasons(golden):
    by_channel = {row[0]: row[1:4] for row in _june(golden, by="channel").tables["by"].rows}
    # phone: T1, T3, T5 opened, T1, T3 solved (first replies 2 h, 1 h -> median 1.5 h); e-mail: T2, T6, T11 opened,
    # T2, T6 solved (0.5 h, 0.25 h); web: T4 (4 h); store: T7 solved (opened in May).
    assert by_channel == {"phone": (3, 2, 1.5 * HOUR), "email": (3, 2, 0.375 * HOUR), "web": (1, 0, 4 * HOUR),
                          "store": (0, 1, None)}
    reasons = {row[0]: row[1] for row in _june(golden).tables["reasons"].rows}
    assert reasons == {"complaint": 2, "billing": 1, "delivery": 1, "repair": 1}


def test_warranty_claims(golden):
    tables = _june(golden).tables
    outcomes = {row[0]: row[1] for row in tables["claims_outcomes"].rows}
    assert outcomes == {"open": 1, "repaired": 1, "rejected": 1}
    models = {row[0]: (row[2], row[3]) for row in tables["claims_models"].rows}
    assert models == {"GT-TV55": (2, 1_500 * R), "GR-F340": (1, 1_500 * R)}  # CL2 repaired; CL3 rejected costs 0
    # Decided: CL3 after 24 h, CL2 after 10 days (240 h): median 132 h, p90 240 h.
    assert tables["claims_outcomes"].note == "Turnaround of decided claims: median 132.0 h, 90th percentile 240.0 h."


def test_views_give_the_same_numbers(golden):
    with golden.db.read() as session:
        repeat = session.execute(text("SELECT buyers, repeat_buyers, new_buyers FROM report_repeat "
                                      "WHERE period = 'year' AND period_start = :y"), {"y": date(2026, 1, 1)}).one()
        march = session.execute(text("SELECT orders, net_revenue_paise FROM report_sales_month WHERE month = :m AND "
                                     "store = '*' AND channel = '*' AND category = '*'"), {"m": date(2026, 3, 1)}).all()
        lapsed = session.execute(text("SELECT SUM(lapsed) FROM report_customer")).scalar()
        c01 = session.execute(text("SELECT tier, value_12m_paise, as_of FROM report_customer WHERE customer_id = :c"),
                              {"c": golden.codes["C01"]}).one()
    assert tuple(repeat) == (17, 2, 14)
    assert (sum(o for o, _ in march), sum(n for _, n in march)) == (4, 111_000 * R)  # summed over the tiers
    assert lapsed == 13
    assert (c01[0], c01[1], str(c01[2])) == ("platinum", 99_750 * R, "2026-06-30")


def test_hostile_and_devanagari_store_names_survive(golden):
    stores = _load(golden, "sales", **{"from": "2025-11", "to": "2026-02"}).report.stores
    assert S4 in stores and S3 in stores
