"""Working a case in a real browser: log a call that opens a ticket, reply, solve it with a score, see the queues."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None

HINDI = "फ्रिज ठंडा नहीं कर रहा है, कंप्रेसर से आवाज़ आ रही है"
HINGLISH = "Technician kal subah aayega, 10 baje tak"
HOSTILE = "<img src=x onerror=alert(1)>"
TICKET_NUMBER = re.compile(r"^T-\d{6,}$")


def _mark(page) -> None:
    """A full page load would wipe this; an htmx swap must not."""
    page.evaluate("window.__marker = 'still here'")


def _assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__marker") == "still here", "the page was reloaded instead of swapped"


@pytest.fixture
def caller(db):
    cust = factories.customer(db, name="Farida Sheikh", phone="+9198" + "".join(secrets.choice("0123456789") for _ in range(8)),
                              city="Hyderabad")
    fridge = factories.product(db, name="Double-door refrigerator 260 L", model_number="RF-260DD", warranty_months=24)
    factories.purchase(db, cust, on=date(2025, 6, 2), lines=[(fridge, "SN-RF-" + secrets.token_hex(3).upper(), 2_899_000)])
    factories.interactions(db, cust, ["Asked about the delivery date"], start=datetime(2025, 6, 1, 10, tzinfo=UTC))
    return cust


def test_call_to_ticket_to_solved_with_a_score(signed_in_page, caller):
    page = signed_in_page
    page.goto(f"/customers/{caller.code}")
    expect(page.locator("h1.customer-name")).to_have_text("Farida Sheikh")
    expect(page.locator("#tickets #open-tickets")).to_contain_text("No open tickets.")
    _mark(page)

    # --- log the call and open a ticket from it, without leaving the customer page ---
    page.click("#log-call")
    summary = page.locator("#call-summary")
    expect(summary).to_be_focused()
    summary.fill(HOSTILE + " fridge not cooling")
    page.fill("#call-body", HINDI)
    page.select_option("#call-outcome", "follow_up")
    page.check("#call-open-ticket")
    page.click("#call-form button[type=submit]")

    notice = page.locator("#call-form")
    expect(notice).to_contain_text("Call logged; opened T-")
    number = notice.locator("a").inner_text()
    assert TICKET_NUMBER.match(number), number

    newest = page.locator("#timeline li.entry").first
    expect(newest.locator(".body")).to_have_text(HINDI)
    expect(newest.locator(".summary")).to_have_text(HOSTILE + " fridge not cooling")
    expect(page.locator("#timeline li.entry")).to_have_count(2)
    expect(page.locator("#timeline img")).to_have_count(0)  # hostile text is shown as text, never as markup

    open_tickets = page.locator("#tickets #open-tickets")
    expect(open_tickets.locator("a", has_text=number)).to_be_visible()
    expect(open_tickets.locator("h3 .count")).to_have_text("1")
    expect(page.locator("#open-tickets")).to_have_count(1)  # replaced in place, not added a second time
    _assert_not_reloaded(page)
    assert page.url.endswith(f"/customers/{caller.code}")

    # --- work the ticket ---
    notice.locator("a").click()
    page.wait_for_url(f"**/tickets/{number}")
    expect(page.locator("#ticket-status")).to_have_text("New")
    expect(page.locator("#thread li.entry .body").first).to_have_text(HINDI)
    expect(page.locator("#ticket-customer h2")).to_have_text("Farida Sheikh")
    expect(page.locator("#ticket-customer")).to_contain_text("RF-260DD")
    _mark(page)

    page.fill("#message-body", HINGLISH)
    page.click("#message-form button[type=submit]")
    reply = page.locator("#thread li.kind-reply")
    expect(reply.locator(".body")).to_have_text(HINGLISH)
    expect(reply.locator(".author")).to_have_text("Bina Browser")
    expect(page.locator("#ticket-status")).to_have_text("Open")  # a public reply opens a new ticket
    expect(page.locator("#message-body")).to_have_value("")
    _assert_not_reloaded(page)

    page.select_option("#prop-status", "solved")
    page.click("#properties-form button[type=submit]")
    expect(page.locator("#ticket-status")).to_have_text("Solved")
    expect(page.locator("#thread")).to_contain_text("Status: open → solved")
    # The score is asked for once the ticket is solved.
    page.select_option("#prop-score", "4")
    page.fill("#prop-comment", "बहुत अच्छी सेवा")
    page.click("#properties-form button[type=submit]")
    expect(page.locator("#ticket-satisfaction")).to_have_text("Satisfaction 4/5")
    expect(page.locator("#ticket-status")).to_have_text("Solved")
    expect(page.locator("#thread")).to_contain_text("Satisfaction: 4/5")
    _assert_not_reloaded(page)

    # --- the queue and the customer page show the new state ---
    page.goto("/tickets?view=solved&sort=activity")
    row = page.locator(f"#queue-{number}")
    expect(row).to_be_visible()
    expect(row.locator(".badge.status-solved")).to_have_text("Solved")

    page.goto(f"/customers/{caller.code}")
    expect(page.locator("#tickets #open-tickets")).to_contain_text("No open tickets.")
    past = page.locator("#past-ticket-rows tr", has_text=number)
    expect(past).to_contain_text("Solved")
    expect(page.locator("#satisfaction")).to_contain_text("4.0 / 5")


def test_queue_filters_swap_results_without_reload(signed_in_page, db, browser_agent):
    page = signed_in_page
    cust = factories.customer(db, name="Queue Browser Customer")
    now = datetime.now(UTC)
    urgent = [factories.ticket(db, cust, subject=f"Urgent browser {n}", priority="urgent", assignee_id=browser_agent.id,
                               updated_at=now - timedelta(minutes=n)) for n in range(2)]
    low = factories.ticket(db, cust, subject="Low browser", priority="low", assignee_id=browser_agent.id)

    page.goto("/tickets?view=mine")
    expect(page.locator(f"#queue-{low.number}")).to_be_visible()
    expect(page.locator(f"#queue-{urgent[0].number}")).to_be_visible()
    _mark(page)

    page.select_option("#queue-filters select[name=priority]", "urgent")
    expect(page.locator(f"#queue-{low.number}")).to_have_count(0)
    for ticket in urgent:
        expect(page.locator(f"#queue-{ticket.number}")).to_be_visible()
    priorities = page.locator("#queue-results tbody tr .badge[class*=priority-]").all_inner_texts()
    assert priorities and set(priorities) == {"Urgent"}
    expect(page).to_have_url(re.compile(r"/tickets\?.*priority=urgent"))  # the filtered view can be bookmarked
    expect(page.locator("#queue-results")).to_have_count(1)
    expect(page.locator("header.topbar")).to_have_count(1)  # the results were swapped, not a page nested inside
    _assert_not_reloaded(page)

    page.select_option("#queue-filters select[name=sort]", "activity")
    expect(page.locator("#queue-results tbody tr td.mono a").first).to_have_text(urgent[0].number)
    page.select_option("#queue-filters select[name=priority]", "")
    expect(page.locator(f"#queue-{low.number}")).to_be_visible()
    _assert_not_reloaded(page)
