"""An agent's call, in a real browser: sign in, "/" to the lookup box, open the customer, page back through history."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from helpdesk import ids
from tests import factories
from tests.browser.conftest import BROWSER_AGENT_PASSWORD, START_PAGE

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None

HISTORY_LENGTH = 45
TIMELINE_PAGE = 20  # helpdesk.customers.service.TIMELINE_PER_PAGE, spelled out: the test pins what agents see


def body(number: int) -> str:
    """Zero-padded so that no body is a substring of another ("#02" is not inside "#25")."""
    return f"Interaction #{number:02d}: caller asked about the drum noise"


@dataclass
class Caller:
    code: str
    name: str
    model_number: str
    serial: str


@pytest.fixture(scope="module")
def caller(db) -> Caller:
    """A customer with one purchase and 45 interactions; body #01 is the oldest, #45 the newest."""
    name = "Meera Krishnan"
    cust = factories.customer(db, name=name, phone=_unique_phone(), city="Chennai")
    washer = factories.product(db, name="FrontLoad 7kg washer", model_number="WM-7KG-FL21", warranty_months=24)
    serial = "SN-BRW-" + secrets.token_hex(3).upper()
    factories.purchase(db, cust, on=date(2025, 3, 14), lines=[(washer, serial, 3_249_900)])
    factories.interactions(
        db, cust, [body(n) for n in range(1, HISTORY_LENGTH + 1)], start=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
        step=timedelta(hours=5),
    )
    return Caller(code=cust.code, name=name, model_number=washer.model_number, serial=serial)


def _unique_phone() -> str:
    """Other tests share this database: a random number keeps phone lookups from finding their customers."""
    return "+9197" + "".join(secrets.choice("0123456789") for _ in range(8))


def _timeline_bodies(page) -> list[str]:
    return page.locator("#timeline li.entry p.body").all_inner_texts()


def test_agent_finds_caller_by_id_and_pages_back_through_history(page, browser_agent, caller):
    page.goto("/")
    page.wait_for_url("**/signin")
    page.fill("#email", browser_agent.email)
    page.fill("#password", BROWSER_AGENT_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(START_PAGE)

    lookup = page.locator("#lookup-q")
    page.keyboard.press("/")
    expect(lookup).to_be_focused()
    expect(lookup).to_have_value("")  # the "/" itself must not land in the box

    page.keyboard.type(ids.format_grouped(caller.code))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{caller.code}")

    expect(page.locator("h1.customer-name")).to_have_text(caller.name)
    purchases = page.locator("#purchases")
    expect(purchases).to_contain_text(caller.model_number)
    expect(purchases).to_contain_text(caller.serial)

    newest_first = [body(n) for n in range(HISTORY_LENGTH, 0, -1)]
    assert _timeline_bodies(page) == newest_first[:TIMELINE_PAGE]

    # A full page load would wipe this; htmx appending the next page must not.
    page.evaluate("window.__marker = 1")
    page.evaluate("(() => { const a = document.querySelector('#timeline a.load-more'); a.replaceWith(a.cloneNode(true)); })()")

    page.click("#timeline a.load-more")
    expect(page.locator("#timeline li.entry p.body", has_text=newest_first[TIMELINE_PAGE])).to_be_visible()
    expect(page.locator("#timeline li.entry")).to_have_count(2 * TIMELINE_PAGE)
    assert page.evaluate("window.__marker") == 1
    assert page.url.endswith(f"/customers/{caller.code}")
    assert _timeline_bodies(page) == newest_first[: 2 * TIMELINE_PAGE]
    entry_ids = page.locator("#timeline li.entry").evaluate_all("nodes => nodes.map(n => n.id)")
    assert len(set(entry_ids)) == len(entry_ids), "an interaction is shown twice"
    # The swap put rows into the list, not a second page inside it.
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("h1.customer-name")).to_have_count(1)

    page.click("#timeline a.load-more")
    expect(page.locator("#timeline li.entry")).to_have_count(HISTORY_LENGTH)
    assert _timeline_bodies(page) == newest_first
    expect(page.locator("#timeline a.load-more")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1


def test_mistyped_id_says_so_beside_the_box(signed_in_page, caller):
    page = signed_in_page
    wrong_digit = str((int(caller.code[3]) + 1) % 10)
    mistyped = caller.code
    typed = ids.format_grouped(mistyped)
    start_url = page.url

    page.keyboard.press("/")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")

    message = page.locator("#lookup-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("not a valid customer ID")
    assert page.url == start_url
    expect(page.locator("#lookup-q")).to_have_value(typed)


def test_js_error_is_caught(signed_in_page):
    signed_in_page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
    signed_in_page.wait_for_timeout(200)


def test_shared_phone_number_offers_a_choice(signed_in_page, db):
    page = signed_in_page
    phone = _unique_phone()
    first = factories.customer(db, name="Ravi Shared-Line", phone=phone, city="Nagpur")
    second = factories.customer(db, name="Sunita Shared-Line", phone=_unique_phone(), city="Nagpur")
    start_url = page.url

    page.keyboard.press("/")
    page.keyboard.type(f"0{phone[3:8]} {phone[8:]}")  # how an agent types it: 098xxx xxxxx
    page.keyboard.press("Enter")

    choices = page.locator("#lookup-message ul.choices li a")
    expect(choices).to_have_count(2)
    expect(choices.nth(0)).to_contain_text("Ravi Shared-Line")
    expect(choices.nth(1)).to_contain_text("Sunita Shared-Line")
    hrefs = choices.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == sorted([f"/customers/{first.code}", f"/customers/{second.code}"])
    assert page.url == start_url

    choices.nth(1).click()
    page.wait_for_url(f"**/customers/{second.code}")
    expect(page.locator("h1.customer-name")).to_have_text("Sunita Shared-Line")
