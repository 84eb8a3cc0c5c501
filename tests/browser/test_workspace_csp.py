"""Defect 12: no inline style is applied on any HTMX swap (the CSP forbids them; the console must stay clean)."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + (e.sample || '')));
"""


def test_ticket_changes_apply_no_inline_style(signed_in_page, db, browser_agent):
    page = signed_in_page
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    cust = factories.customer(db, name="Style Probe")
    ticket = factories.ticket(db, cust, subject="CSP probe", status="open", assignee_id=browser_agent.id)
    page.add_init_script(LISTEN)
    page.goto(f"/tickets/{ticket.number}")
    # An agent drags the reply box taller: the browser records that as the textarea's style attribute.
    page.evaluate("document.getElementById('message-body').style.height = '180px'")
    for priority in ("high", "low"):
        page.select_option("#prop-priority", priority)
        page.click("#properties-form button[type=submit]")
        expect(page.locator("#ticket-priority")).to_have_text(priority.capitalize())
    page.fill("#message-body", "A reply")
    page.click("#message-form button[type=submit]")
    expect(page.locator("#thread li.kind-reply")).to_have_count(1)
    page.wait_for_timeout(300)
    violations = page.evaluate("window.__violations")
    inline = [m for m in messages if "inline style" in m]
    assert not violations and not inline, (violations, inline)
