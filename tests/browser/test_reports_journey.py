"""A supervisor reads the reports in a real browser: changing the period swaps chart and table in place, the URL
keeps the state, the SVG charts load under the desk's CSP with no console errors. An agent gets 403."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest

from helpdesk.reports.refresh import refresh
from helpdesk.timeutil import shop_today
from tests import factories
from tests.browser.conftest import BROWSER_AGENT_PASSWORD, sign_in_through_form

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None

SUPERVISOR_EMAIL = "browser.supervisor@helpdesk.local"
STORE = "Browser Reports Store"


def _months_back(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def refresh_now(db, settings) -> None:
    """Fold the test's purchases in now (waiting out a background refresh that may be running)."""
    deadline = time.monotonic() + 60
    while refresh(db, settings.reports).kind == "busy":
        assert time.monotonic() < deadline, "the stats refresh stayed busy for a minute"
        time.sleep(0.5)


@pytest.fixture
def sales(db, settings):
    factories.agent(db, SUPERVISOR_EMAIL, BROWSER_AGENT_PASSWORD, role="supervisor", name="Sunil Supervisor")
    today = shop_today()
    buyer = factories.customer(db, name="Report Buyer")
    tv = factories.product(db, name="Browser TV", model_number="BR-TV1", warranty_months=12, category="Television")
    factories.purchase(db, buyer, on=today, lines=[(tv, "BR-1", 4_200_000)], store=STORE)
    factories.purchase(db, buyer, on=_months_back(today, 14) + timedelta(days=3), lines=[(tv, "BR-2", 3_100_000)],
                       store=STORE)
    refresh_now(db, settings)
    return today


def test_supervisor_changes_the_period_and_sees_chart_and_table_change(page, sales):
    today = sales
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    sign_in_through_form(page, SUPERVISOR_EMAIL, BROWSER_AGENT_PASSWORD)
    expect(page.locator("nav.sections a", has_text="Reports")).to_be_visible()
    this_month = f"{today:%Y-%m}"
    page.goto(f"/reports/sales?from={this_month}&to={this_month}&store={STORE}")
    rows = page.locator("#table-months tbody tr")
    expect(rows).to_have_count(1)
    chart = page.locator("#chart-months img")
    first_src = chart.get_attribute("src")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    page.evaluate("window.__marker = 'still here'")

    # Change the period: the form swaps the report in place (no reload) and pushes the state into the URL.
    start = _months_back(today, 14)
    page.fill("#report-filters input[name=from]", f"{start:%Y-%m}")
    page.locator("#report-filters input[name=from]").dispatch_event("change")
    expect(rows).to_have_count(15)
    expect(page).to_have_url(re.compile(rf"/reports/sales\?.*from={start:%Y-%m}"))
    assert page.evaluate("window.__marker") == "still here", "the page was reloaded instead of swapped"
    chart = page.locator("#chart-months img")
    assert chart.get_attribute("src") != first_src
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    expect(page.locator("#table-months tbody tr").first.locator("th")).to_have_text(f"{start:%b %Y}")

    # The support report's presets swap it in place too; a definition opens beside its figure.
    page.goto("/reports")
    daily = page.locator("#table-daily tbody tr")
    expect(daily).to_have_count(30)
    page.click("#preset-7")
    expect(daily).to_have_count(7)
    expect(page).to_have_url(re.compile(r"/reports\?from="))
    page.click("#kpi-sla summary")
    expect(page.locator("#kpi-sla .def-text")).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=page.locator("#chart-daily img").element_handle())
    assert messages == [], messages


def test_an_agent_gets_403(browser, live_server, browser_agent):
    context = browser.new_context(base_url=live_server)
    try:
        tab = context.new_page()
        sign_in_through_form(tab, browser_agent.email, BROWSER_AGENT_PASSWORD)
        expect(tab.locator("nav.sections a", has_text="Reports")).to_have_count(0)
        response = tab.goto("/reports")
        assert response.status == 403
        expect(tab.locator("main")).to_contain_text("Only supervisors may do this")
    finally:
        context.close()

