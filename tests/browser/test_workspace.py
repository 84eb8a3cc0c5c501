"""Issue 13 in a real browser: the 1366×768 journey, the keyboard, the history search, unbroken numbers, axe-core."""

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

LAPTOP = {"width": 1366, "height": 768}


def _in_view(page, selector: str) -> bool:
    """The element's box lies inside the visible part of the page, as it is scrolled now."""
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
                           return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0; }""",
        selector,
    )


@pytest.fixture
def shopper(db):
    cust = factories.customer(db, name="Gauri Kulkarni", phone="+9198" + "".join(secrets.choice("0123456789") for _ in range(8)))
    oven = factories.product(db, name="Microwave oven 20 L", model_number="RP-MW20S", warranty_months=12, category="Microwave")
    factories.purchase(db, cust, on=date.today() - timedelta(days=40), lines=[(oven, "MW20S-SN-000229", 899_000)])
    factories.interactions(db, cust, ["Asked when the technician comes", "Technician visit booked"],
                           start=datetime(2026, 1, 5, 10, tzinfo=UTC))
    return cust


def test_laptop_journey_queue_to_reply_with_the_keyboard(signed_in_page, db, browser_agent, shopper):
    page = signed_in_page
    page.set_viewport_size(LAPTOP)
    ticket = factories.ticket(db, shopper, subject="Oven turntable stuck", assignee_id=browser_agent.id,
                              updated_at=datetime.now(UTC) + timedelta(minutes=5))
    page.goto("/tickets?view=mine&sort=activity")
    # The tab shows its count: as many as the queue lists (fewer than a page here).
    count = int(page.locator("#count-mine").inner_text().strip(": \n"))
    assert count >= 1 and count == page.locator("#queue-results tbody tr.ticket").count()
    page.keyboard.press("j")
    first = page.locator("#queue-results tbody tr.ticket").first
    expect(first).to_have_class(re.compile(r"\bis-current\b"))
    expect(first.locator("td.mono a")).to_be_focused()
    expect(first.locator("td.mono a")).to_have_text(ticket.number)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/{ticket.number}")

    assert page.evaluate("window.scrollY") == 0
    assert _in_view(page, "#message-body"), "the reply box must be visible without scrolling"
    page.click("#message-body")
    page.keyboard.type("Technician will bring a new turntable motor")
    page.keyboard.press("Control+Enter")
    reply = page.locator("#thread li.kind-reply")
    expect(reply.locator(".body")).to_have_text("Technician will bring a new turntable motor")
    expect(page.locator("#message-notice")).to_have_text("Added to the thread.")
    assert page.evaluate("window.scrollY") == 0
    assert _in_view(page, "#thread li.kind-reply"), "the reply must be seen in the thread without scrolling"
    assert _in_view(page, "#message-notice"), "the notice must appear beside the button"


def test_skip_link_and_a_visible_focus_ring(signed_in_page):
    page = signed_in_page
    page.goto("/tickets")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Tab")  # the brand link on the dark header
    ring = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                         "return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()")
    assert ring[0] == "solid" and ring[1] == "3px", ring


def test_shortcuts_help_and_go_to_never_fire_while_typing(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.click("#lookup-q")
    page.keyboard.type("?gt")
    expect(page.locator("#shortcuts")).not_to_be_visible()
    expect(page.locator("#lookup-q")).to_have_value("?gt")
    page.locator("#lookup-q").blur()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("Ctrl")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).not_to_be_visible()
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/claims")
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.wait_for_url("**/tickets")


def test_history_search_replaces_the_timeline_and_escape_brings_it_back(signed_in_page, shopper):
    page = signed_in_page
    page.goto(f"/customers/{shopper.code}")
    expect(page.locator("#timeline li.entry")).to_have_count(2)
    page.fill("#history-q", "zzqxnothingmatches")
    expect(page.locator("#result-count")).to_contain_text("No entries match")
    expect(page.locator("#timeline")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator("#result-count")).to_have_count(0)
    expect(page.locator("#timeline")).to_be_visible()
    expect(page.locator("#history-q")).to_have_value("")


def test_log_a_call_opens_beside_the_history_without_a_default_outcome(signed_in_page, shopper):
    page = signed_in_page
    page.set_viewport_size(LAPTOP)
    page.goto(f"/customers/{shopper.code}")
    before = page.locator("#history").bounding_box()
    page.click("#log-call")
    expect(page.locator("#call-summary")).to_be_focused()
    expect(page.locator("#call-outcome")).to_have_value("")
    after, panel = page.locator("#history").bounding_box(), page.locator("#customer-action").bounding_box()
    assert after["y"] == before["y"], "the form must not push the history down"
    assert after == before and panel["x"] + panel["width"] <= after["x"], "the panel must not cover the history"
    page.fill("#call-summary", "Asked about the turntable")
    page.click("#call-form button[type=submit]")
    expect(page.locator("#call-summary")).to_be_visible()  # the browser asks for an outcome first
    page.select_option("#call-outcome", "follow_up")
    page.click("#call-form button[type=submit]")
    expect(page.locator("#call-form")).to_contain_text("Call logged")
    expect(page.locator("#timeline li.entry").first.locator(".outcome")).to_have_text("Follow up")
    page.click("#call-form [data-close]")
    expect(page.locator("#customer-action")).to_be_hidden()  # closed, the page takes its full width again


def test_numbers_read_aloud_never_wrap(signed_in_page, db, browser_agent, shopper):
    page = signed_in_page
    page.set_viewport_size({"width": 700, "height": 900})
    ticket = factories.ticket(db, shopper, subject="Narrow screen " * 6, assignee_id=browser_agent.id)
    for url in (f"/customers/{shopper.code}", f"/tickets/{ticket.number}", "/tickets?view=mine"):
        page.goto(url)
        wrapped = page.evaluate(
            """() => Array.from(document.querySelectorAll('.mono, .ref, .order-number, .cid-big, .cid'))
                   .filter(el => el.getClientRects().length > 1).map(el => el.textContent.trim())"""
        )
        assert not wrapped, f"{url}: {wrapped}"


def test_file_too_big_is_caught_before_sending(signed_in_page, db, shopper):
    page = signed_in_page
    page.goto(f"/claims/new?customer={shopper.code}")
    page.set_input_files("#claim-photos", files=[{"name": "huge.jpg", "mimeType": "image/jpeg",
                                                    "buffer": b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024)}])
    message = page.evaluate("document.getElementById('claim-photos').validationMessage")
    assert "huge.jpg is 6.0 MB" in message


# --- axe-core: no serious or critical violations on the main pages ----------------------------------


def _axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_main_pages_have_no_serious_accessibility_problems(signed_in_page, db, browser_agent, shopper):
    page = signed_in_page
    page.set_viewport_size(LAPTOP)
    ticket = factories.ticket(db, shopper, subject="Accessibility check", assignee_id=browser_agent.id)
    problems = {}
    for url in (f"/customers/{shopper.code}", f"/tickets/{ticket.number}", "/tickets?view=mine", "/search?q=technician"):
        page.goto(url)
        problems[url] = _axe_problems(page)
    assert not any(problems.values()), problems


def test_public_warranty_pages_have_no_serious_accessibility_problems(page, db, shopper):
    from helpdesk.sales.models import Purchase
    from sqlmodel import select

    with db.read() as session:
        order_number = session.exec(select(Purchase.order_number).where(Purchase.customer_id == shopper.id)).first()
    page.goto("/warranty")
    problems = {"verify": _axe_problems(page)}
    page.fill("#warranty-customer", shopper.code)
    page.fill("#warranty-second", order_number)
    page.click("form.stacked button[type=submit]")
    expect(page.locator("#public-claim-form")).to_be_visible()
    page.locator("input[name=purchase_line_id]").first.check()
    expect(page.locator("#public-fault option").nth(1)).to_have_count(1)
    problems["claim form"] = _axe_problems(page)
    assert not any(problems.values()), problems
