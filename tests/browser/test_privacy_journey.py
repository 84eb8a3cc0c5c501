"""Personal data in a real browser, under the strict CSP: reveal a number with a reason, hide it, edit contact details."""

from __future__ import annotations

import secrets

import pytest

from tests import factories

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None


@pytest.fixture
def person(db):
    digits = "".join(secrets.choice("0123456789") for _ in range(8))
    customer = factories.customer(db, name="Browser Reveal", phone=f"+9198{digits}", email=f"b.{digits}@example.in",
                                  city="Kochi")
    return customer, f"98{digits}"


def test_reveal_with_a_reason_then_hide(signed_in_page, person):
    page = signed_in_page
    customer, national = person
    page.goto(f"/customers/{customer.code}")
    phone = page.locator("#field-phone")
    expect(phone.locator(".masked")).to_contain_text(national[-3:])
    assert national not in page.content()
    phone.get_by_role("link", name="Reveal phone").click()
    page.select_option("#reveal-reason-phone", "call_back")
    page.fill("#reveal-note-phone", "promised a callback")
    page.locator("#field-phone button[type=submit]").click()
    expect(page.locator("#value-phone")).to_have_text(f"+91 {national[:5]} {national[5:]}")
    page.locator("#field-phone").get_by_role("button", name="Hide").click()
    expect(page.locator("#field-phone .masked")).to_be_visible()
    expect(page.locator("#value-phone")).to_have_count(0)


def test_the_value_masks_itself_when_the_window_ends(signed_in_page, person, monkeypatch):
    monkeypatch.setattr("helpdesk.privacy.reveal.REVEAL_MINUTES", 0.05)  # 3 seconds instead of 15 minutes
    page = signed_in_page
    customer, national = person
    page.goto(f"/customers/{customer.code}")
    page.locator("#field-phone").get_by_role("link", name="Reveal phone").click()
    page.select_option("#reveal-reason-phone", "confirm_details")
    page.locator("#field-phone button[type=submit]").click()
    expect(page.locator("#value-phone")).to_be_visible()
    expect(page.locator("#value-phone")).to_have_count(0, timeout=10_000)
    expect(page.locator("#field-phone .masked")).to_contain_text(national[-3:])
    assert national not in page.content()


def test_a_reveal_without_a_reason_says_so_beside_the_field(signed_in_page, person):
    page = signed_in_page
    customer, _ = person
    page.goto(f"/customers/{customer.code}")
    page.locator("#field-email").get_by_role("link", name="Reveal e-mail").click()
    page.locator("#field-email button[type=submit]").click()
    expect(page.locator("#reveal-reason-error")).to_be_visible()


def test_edit_contact_details_and_consent(signed_in_page, person):
    page = signed_in_page
    customer, _ = person
    page.goto(f"/customers/{customer.code}")
    page.click("#edit-contact")
    page.fill("#contact-phone", "12345")
    page.click("#contact-form button[type=submit]")
    expect(page.locator("#contact-phone-error")).to_be_visible()
    expect(page.locator("#contact-phone")).to_have_value("12345")
    page.fill("#contact-phone", "011 2345 6789")
    page.check("#contact-form input[name=consent_whatsapp][value=yes]")
    page.click("#contact-form button[type=submit]")
    expect(page.locator("#contact-message")).to_contain_text("Phone")
    expect(page.locator("#consent-history tbody tr")).to_have_count(1)


def test_a_supervisor_filters_the_audit_log(page, db, person):
    from tests.browser.conftest import sign_in_through_form

    customer, _ = person
    email = f"browser.supervisor.{secrets.token_hex(3)}@helpdesk.local"
    factories.agent(db, email, "browser supervisor pw", role="supervisor", name="Bea Supervisor")
    sign_in_through_form(page, email, "browser supervisor pw")
    page.goto(f"/customers/{customer.code}")
    page.locator("#field-phone").get_by_role("link", name="Reveal phone").click()
    page.select_option("#reveal-reason-phone", "verify_caller")
    page.locator("#field-phone button[type=submit]").click()
    expect(page.locator("#value-phone")).to_be_visible()
    page.goto("/audit")
    page.fill("#audit-customer", customer.code)
    page.select_option("#audit-action", "reveal")
    page.click("#audit-filters button[type=submit]")
    expect(page.locator("#audit-results tbody tr")).to_have_count(1)
    expect(page.locator("#audit-results tbody tr")).to_contain_text("Check who is calling")
    assert "action=reveal" in page.url
    page.fill("#audit-customer", "12")
    page.click("#audit-filters button[type=submit]")
    expect(page.locator("#audit-customer-error")).to_be_visible()
