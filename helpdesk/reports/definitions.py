"""What every figure on the report pages means: the "?" beside it shows this text, and the README carries the same
text word for word (tests/reports/test_definitions.py checks that)."""

from __future__ import annotations

DEFINITIONS: dict[str, tuple[str, str]] = {
    # --- support ---
    "created": ("Tickets created",
                "Tickets opened in the period, counted on the day they were opened (shop time)."),
    "solved": ("Tickets solved",
               "Tickets whose last solve falls in the period (a reopened ticket counts when it is solved again). "
               "Closed tickets count on the day they were solved."),
    "backlog": ("Backlog",
                "Tickets not yet solved at the end of each day: all tickets opened up to that day minus those solved "
                "up to that day. A reopened ticket counts as open from its creation until its last solve."),
    "first_reply": ("First reply time",
                    "From the ticket's creation to its first public reply by the desk (an interaction of kind reply). "
                    "Internal notes, calls, e-mails from the customer and status or property events do not count. "
                    "Tickets opened in the period; a ticket with no reply yet has no first reply time and is left out."),
    "resolution": ("Resolution time",
                   "From the ticket's creation to its last solve, for tickets solved in the period. A reopened ticket "
                   "is measured to the solve that followed its last reopening; while it is open again it has no "
                   "resolution time."),
    "median": ("Median",
               "The middle value; with an even count, the mean of the two middle values."),
    "p90": ("90th percentile",
            "Nearest rank: the smallest value that at least 90% of the values are at or below."),
    "sla": ("SLA achievement",
            "Of the tickets solved in the period that had SLA targets, the share that met both: first response "
            "(a reply, call or e-mail from the desk, or the solve itself) by the first-response due time, and the "
            "solve by the resolution due time. Due times come from the tier and priority when the ticket was opened."),
    "reopen_rate": ("Reopen rate",
                    "Of the tickets solved in the period, the share that had been reopened (solved → open) at least once."),
    "satisfaction": ("Satisfaction",
                     "Average score (1–5) of the tickets solved in the period that were rated; the response rate is "
                     "rated ÷ solved."),
    "contact_reasons": ("Top contact reasons",
                        "The tags of the tickets opened in the period, by number of tickets (a ticket with two tags "
                        "counts for both)."),
    "claims": ("Warranty claims",
               "Claims filed in the period, by model and by fault, with their outcomes: rejected, repaired, replaced, "
               "refunded (a closed claim counts by its remedy), or still open."),
    "turnaround": ("Claim turnaround",
                   "From filing to the claim's last status change, for claims that reached an outcome (rejected, "
                   "replaced, refunded or closed)."),
    # --- sales ---
    "revenue": ("Net revenue",
                "The value of sale lines (quantity × unit price) of purchases in the period, minus returns. Today a "
                "purchase marked refunded is a full return, counted in the month it was bought; POS credit notes "
                "(negative lines) will count as returns in their own month."),
    "orders": ("Orders",
               "Purchases with at least one sale line, minus fully refunded ones. With a category chosen: orders "
               "containing that category."),
    "aov": ("Average order value", "Net revenue ÷ orders."),
    "returns": ("Returns", "The value of returned lines in the period (see net revenue)."),
    "previous_period": ("Previous period",
                        "The same number of months just before the chosen ones; “last year” is the same months a "
                        "year earlier."),
    "sales_tier": ("Tier (sales)",
                   "Sales are grouped by the customer's tier today, so a customer's past purchases move with them "
                   "when their tier changes."),
    # --- retention ---
    "repeat_rate": ("Repeat purchase rate",
                    "Customers with two or more orders in the period ÷ customers with at least one order in the period. "
                    "Fully refunded purchases are not orders."),
    "new_customers": ("New customers", "Customers whose first order falls in the period."),
    "churn": ("Churn",
              "A customer has lapsed when the days since their last order exceed the threshold of the category they "
              "last bought (the biggest line of that day): the median gap between a purchase in that category and "
              "the same customer's next purchase, times HELPDESK_CHURN_GAP_MULTIPLIER (2), but at least "
              "HELPDESK_CHURN_MIN_DAYS (180). A category with fewer than HELPDESK_CHURN_MIN_GAPS (20) such gaps uses "
              "the median over all categories. Churn rate = lapsed ÷ customers with an order, as of the report day."),
    "cohorts": ("Cohort table",
                "Customers grouped by the month of their first order; each column is the share of the group that "
                "ordered again that many months later (month 0 is the group's size)."),
    "clv": ("Customer lifetime value",
            "Historical: net spend since the first purchase minus support cost. Support cost = tickets × "
            "HELPDESK_COST_PER_TICKET (₹250) + the cost of warranty claims (once approved: "
            "HELPDESK_CLAIM_REPAIR_COST (₹1,500) for a repair, the item's price for a replacement or refund). "
            "Average support cost per customer is the report's cost per customer."),
    "rfm": ("RFM scores",
            "Recency: 5 if the last order was within 30 days, 4 within 90, 3 within 180, 2 within 365, else 1. "
            "Frequency: 5 for 10+ orders, 4 for 5–9, 3 for 3–4, 2 for 2, 1 for one. Money (net spend): 5 from "
            "₹2,00,000, 4 from ₹1,00,000, 3 from ₹50,000, 2 from ₹20,000, else 1. Only customers with an order "
            "are scored."),
    "segments": ("RFM segments",
                 "Checked in this order: champions R≥4, F≥4, M≥4; loyal R≥3, F≥3; new R=5, F=1; promising R≥4; "
                 "need attention R=3; at risk F≥3 (R≤2); hibernating R=2; lost R=1."),
    "preferences": ("Preferences",
                    "What each segment's customers bought over their lifetime, net of returns: the categories and "
                    "brands with the most net spend."),
    # --- value and tiers ---
    "value_12m": ("12-month value",
                  "Net spend in the 365 days up to the report day minus support cost in those days (tickets opened "
                  "× cost per ticket + claims filed). The most valuable customers are ranked by it."),
    "late_payment": ("Late payment",
                     "A purchase (not refunded) still owing money more than HELPDESK_PAYMENT_TERMS_DAYS (30) days "
                     "after it was bought. Outstanding is everything still owed."),
    "tier_rule": ("Tier rule",
                  "Among customers with a positive 12-month value: platinum for the top 5%, gold the top 20%, silver "
                  "the top 50% (HELPDESK_TIER_TOP_PERCENT); everyone else standard. A customer with a late payment "
                  "is at most silver. Ties at a cut-off are inside it. A supervisor's override replaces the rule and "
                  "is recorded. Recomputed at every refresh."),
    "tier_sla": ("SLA by tier",
                 "First-response and resolution targets per tier and priority (table tier_sla_policy); standard uses "
                 "sla_policy. A new ticket takes the targets of its customer's tier at that moment."),
}


def label(key: str) -> str:
    return DEFINITIONS[key][0]


def text(key: str) -> str:
    return DEFINITIONS[key][1]
