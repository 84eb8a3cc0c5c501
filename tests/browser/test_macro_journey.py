"""Inserting a macro from the reply box with the keyboard only, sending it, and seeing it filled in the thread."""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from helpdesk.macros.models import Macro
from helpdesk.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None


@pytest.fixture
def ticket_with_macros(db):
    customer = factories.customer(db, name="राधा <b>Menon</b>")
    ac = factories.product(db, name="Split AC 1.5 t", model_number="AC-15S", warranty_months=12)
    line = factories.line_of(db, factories.purchase(db, customer, on=date(2026, 3, 1), lines=[(ac, "AC15S-SN-9", 3_500_000)]))
    ticket = factories.ticket(db, customer, subject="AC drips water", status="open")
    tag = secrets.token_hex(3)
    with db.write() as session:
        row = session.get(Ticket, ticket.id)
        row.purchase_line_id = line.id
        session.add(row)
        session.add_all([
            Macro(title=f"Ask for photos {tag}", language="en", set_status="pending",
                  body="Hello {{customer.first_name}}, please send photos of the {{item.product}} ({{item.model}})."),
            Macro(title=f"Warranty {tag} हिन्दी", language="hi",
                  body="नमस्ते {{customer.first_name}}, {{ticket.number}} की वारंटी {{item.warranty_end}} तक है।"),
        ])
        session.commit()
        session.refresh(row)
    return row, tag


def test_insert_a_macro_by_keyboard_and_send_it(signed_in_page, ticket_with_macros):
    page = signed_in_page
    ticket, tag = ticket_with_macros
    page.goto(f"/tickets/{ticket.number}")

    page.keyboard.press("Alt+m")
    search = page.locator("#macro-search")
    expect(search).to_be_focused()
    expect(search).to_have_attribute("aria-expanded", "true")
    page.keyboard.type(tag)
    options = page.locator("#macro-options [role=option]:visible")
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")  # to the Hindi one
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")

    body = page.locator("#message-body")
    expected = "Hello राधा, please send photos of the Split AC 1.5 t (AC-15S)."
    expect(body).to_have_value(expected)
    expect(body).to_be_focused()
    expect(page.locator("#macro-status")).to_contain_text("status pending")

    # Then the Hindi one after it, still by keyboard.
    page.keyboard.press("End")
    page.keyboard.press("Alt+m")
    page.keyboard.type("हिन्दी")
    page.keyboard.press("Enter")
    expect(body).to_have_value(f"{expected}नमस्ते राधा, {ticket.number} की वारंटी 28 Feb 2027 तक है।")

    page.keyboard.press("Control+Enter")
    thread = page.locator("#thread")
    expect(thread).to_contain_text(expected)
    expect(thread).to_contain_text(f"नमस्ते राधा, {ticket.number} की वारंटी 28 Feb 2027 तक है।")
    expect(thread).to_contain_text("Status: open → pending")
    expect(page.locator("#ticket-status")).to_have_text("Pending")
    expect(page.locator("#thread b")).to_have_count(0)
