"""A customer whose browser prefers Hindi gets /warranty in Hindi, switches to English and back, and it sticks."""

from __future__ import annotations

import pytest
from sqlmodel import delete

from helpdesk.throttle.models import Throttle
from tests import factories
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.fixture
def hindi_page(browser, live_server, db):
    with db.write() as session:
        session.execute(delete(Throttle))  # other journeys' identity checks count against this client
        session.commit()
    context = browser.new_context(base_url=live_server, locale="hi-IN")
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    context.close()
    assert not problems, problems


def test_switching_language_on_the_warranty_page(hindi_page, db):
    from playwright.sync_api import expect

    page = hindi_page
    customer = factories.customer(db, name="Language Tester")
    fan = factories.product(db, name="Ceiling fan 1200 mm", model_number="CF-1200-L", warranty_months=24,
                            category="Ceiling fan")
    order = factories.purchase(db, customer, on=factories.date(2026, 9, 1), lines=[(fan, None, 350_000)]).order_number

    page.goto("/warranty")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.locator("h1")).to_have_text("वारंटी दावा दर्ज करें")

    page.click("#language-en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("File a warranty claim")
    page.reload()
    expect(page.locator("h1")).to_have_text("File a warranty claim")  # remembered, over the browser's Hindi

    page.click("#language-hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.fill("#warranty-customer", customer.code)
    page.fill("#warranty-second", order)
    page.locator("form[action='/warranty'] button[type=submit]").click()
    expect(page.locator("#public-claim-form")).to_be_visible()
    expect(page.locator("label[for=public-description]")).to_contain_text("क्या ख़राबी है?")
    # Choosing the item swaps in its fault categories (an HTMX partial), in Hindi too.
    page.locator("input[name=purchase_line_id]").first.check()
    expect(page.locator("#public-fault option[value='Slow speed']")).to_have_text("धीमी रफ़्तार")
