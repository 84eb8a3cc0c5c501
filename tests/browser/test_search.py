"""Search in a real browser: type a Hindi word, see it highlighted in the results as you type, open the result."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest

from helpdesk.search.service import SearchParams, search
from tests import factories
from tests.search.conftest import note

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None

CONSONANTS = "कखगघचछजझटठडढतथदधनपफबभमयरलवशसह"
VOWEL_SIGNS = "ािीुूेैोौ"


def devanagari_word(rng: random.Random) -> str:
    """A made-up Hindi-looking word nobody else in the test database wrote, with vowel signs in it."""
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWEL_SIGNS) for _ in range(3)) + "्र"


@pytest.fixture(scope="module")
def hindi_note(db, app):
    word = devanagari_word(random.Random())
    customer = factories.customer(db, name="Kamla Devi", city="Jaipur")
    row = note(db, customer, f"ग्राहक ने कहा फ्रिज का कंप्रेसर ख़राब है, {word} से आवाज़ आती है",
               kind="call", channel="phone", created_at=datetime.now(UTC))
    return word, customer, row


def wait_until_indexed(app, db, word: str, timeout: float = 30.0) -> None:
    """The live server's indexer picks the note up from the outbox (or builds the index first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as session:
            if search(session, app.state.search.engine, SearchParams(q=word)).total:
                return
        time.sleep(0.1)
    raise AssertionError(f"{word} was not searchable within {timeout:.0f} s")


def test_type_a_hindi_word_see_it_highlighted_and_open_the_result(signed_in_page, live_server, app, db, hindi_note):
    word, customer, row = hindi_note
    wait_until_indexed(app, db, word)
    page = signed_in_page
    page.click('header a[href="/search"]')
    page.wait_for_url("**/search")
    page.locator("#search-q").press_sequentially(word, delay=20)
    hit = page.locator(f'.hit[data-key="interaction:{row.id}"]')
    expect(hit).to_be_visible()
    expect(hit.locator(".snippet mark")).to_have_text(word)
    expect(page.locator("#result-count")).to_contain_text("1 result")
    assert "q=" in page.url  # the results are bookmarkable: htmx pushed the query into the address bar
    hit.locator("a.hit-title").click()
    page.wait_for_url(f"**/customers/{customer.code}#interaction-{row.id}")
    expect(page.locator(f"#interaction-{row.id}")).to_contain_text(word)
