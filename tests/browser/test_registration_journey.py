"""A caller nobody knows, in a real browser: look up their number, register them, read out the new ID, log the call."""

from __future__ import annotations

import re
import secrets

import pytest

from helpdesk import ids

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None


def test_an_unknown_caller_is_registered_and_their_call_logged(signed_in_page):
    page = signed_in_page
    national = "97" + "".join(secrets.choice("0123456789") for _ in range(8))

    page.keyboard.press("/")
    page.keyboard.type(f"0{national[:5]} {national[5:]}")  # as an agent types it from the caller display
    page.keyboard.press("Enter")
    register = page.locator("#register-caller")
    expect(register).to_be_visible()
    register.click()

    page.wait_for_url("**/customers/new?phone=*")
    expect(page.locator("#new-phone")).to_have_value(f"+91{national}")
    page.fill("#new-full-name", "Farhan Qureshi")
    page.fill("#new-pin-code", "012345")
    page.click("#new-customer button[type=submit]")
    expect(page.locator("#pin-code-error")).to_contain_text("six digits")  # swapped in place, input kept
    expect(page.locator("#new-full-name")).to_have_value("Farhan Qureshi")
    page.fill("#new-pin-code", "226001")
    page.click("#new-customer button[type=submit]")

    page.wait_for_url(re.compile(r".*/customers/registered/\d{9}$"))
    code = page.url.rsplit("/", 1)[1]
    assert ids.is_valid(code)
    expect(page.locator("#new-customer-id")).to_have_text(ids.format_grouped(code))

    page.click("#open-customer")
    page.wait_for_url(f"**/customers/{code}")
    expect(page.locator("h1.customer-name")).to_have_text("Farhan Qureshi")
    page.click("#log-call")
    expect(page.locator("#call-summary")).to_be_focused()  # the form is swapped in and ready
    page.fill("#call-summary", "First call: registered, asked about delivery")
    page.select_option("#call-outcome", "resolved")
    page.click("#call-form button[type=submit]")
    expect(page.locator("#call-form")).to_contain_text("Call logged")
    expect(page.locator("#timeline li.entry").first).to_contain_text("First call: registered, asked about delivery")
