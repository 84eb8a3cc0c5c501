"""Search pages and API over HTTP: sign-in, page or partial, the customer page's box, JSON, schema, bad input."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from helpdesk import ids
from tests import factories
from tests.conftest import parse, texts
from tests.search.conftest import make_agent, note

HOSTILE = '<script>alert("owned")</script> washer drum <img src=x onerror=alert(1)>'


@dataclass
class WebData:
    agent: object
    asha: object
    ravi: object
    ticket: object
    rows: dict


@pytest.fixture(scope="module")
def data(store) -> WebData:
    agent = make_agent(store.db, "Web Agent")
    asha = factories.customer(store.db, name="Asha Web")
    ravi = factories.customer(store.db, name="Ravi Web")
    ticket = factories.ticket(store.db, asha, subject="Washer drum noisy", status="open", assignee_id=agent.id)
    when = datetime(2025, 8, 1, 10, 0, tzinfo=UTC)
    rows = {
        "hindi": note(store.db, asha, "ग्राहक ने कहा वॉशर का ड्रम ख़राब है", kind="call", channel="phone",
                      author_id=agent.id, ticket_id=ticket.id, created_at=when),
        "hostile": note(store.db, asha, HOSTILE, author_id=agent.id, created_at=when),
        "ravi": note(store.db, ravi, "washer drum replaced, customer happy", author_id=agent.id, created_at=when),
    }
    for index in range(25):
        note(store.db, ravi, f"webpaging entry {index}", author_id=agent.id, created_at=when)
    return WebData(agent, asha, ravi, ticket, rows)


@pytest.fixture
def client(store, data, client_for):
    agent = data.agent
    client = client_for(store, agent)
    wait_until_searchable(client)
    return client


def wait_until_searchable(client, timeout: float = 20.0) -> None:
    runtime = client.app.state.search
    deadline = time.monotonic() + timeout
    while runtime.status != "ready" or runtime.indexer.rebuilding:
        assert time.monotonic() < deadline, "the app did not build its index in time"
        time.sleep(0.05)


HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


def test_search_needs_sign_in(store, data, client_for, anon):
    assert anon.get("/search?q=washer", follow_redirects=False).status_code in (302, 303)
    assert anon.get("/api/search?q=washer").status_code == 401


def test_plain_request_gets_the_full_page(client):
    response = client.get("/search", params={"q": "washer"})
    tree = parse(response.text)
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    assert tree.css_first("html") and tree.css_first("#search-form") and tree.css_first("#search-results .hits")
    assert "no-store" in response.headers.get("cache-control", "")


def test_htmx_request_gets_just_the_results(client):
    response = client.get("/search", params={"q": "washer"}, headers=HX)
    tree = parse(response.text)
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    assert "<html" not in response.text and "search-form" not in response.text
    assert tree.css_first("#search-results") and len(tree.css("#search-results .hit")) >= 2


def test_boosted_navigation_gets_the_full_page(client):
    response = client.get("/search", params={"q": "washer"}, headers=BOOSTED)
    assert parse(response.text).css_first("#search-form") and "<html" in response.text


def test_empty_search_shows_help_not_results(client):
    tree = parse(client.get("/search").text)
    assert tree.css_first("#search-help") and not tree.css("#search-results .hit")


def test_hindi_word_is_highlighted_and_hostile_text_stays_text(client, data):
    tree = parse(client.get("/search", params={"q": "खराब"}, headers=HX).text)
    assert texts(tree, ".hit .snippet mark") == ["ख़राब"]
    tree = parse(client.get("/search", params={"q": "washer"}, headers=HX).text)
    assert not tree.css("#search-results script") and not tree.css("#search-results img")
    snippets = texts(tree, ".hit .snippet")
    assert any('<script>alert("owned")</script>' in snippet for snippet in snippets)
    assert {mark.lower() for mark in texts(tree, ".hit .snippet mark")} == {"washer"}


def test_hits_link_to_ticket_customer_and_interaction(client, data):
    tree = parse(client.get("/search", params={"q": "ग्राहक"}, headers=HX).text)
    hit = tree.css_first(".hit")
    assert hit.css_first("a.hit-title").attributes["href"] == f"/tickets/{data.ticket.number}"
    assert hit.css_first("a.hit-customer").attributes["href"] == f"/customers/{data.asha.code}"
    assert hit.css_first("a.hit-ticket").text(strip=True) == data.ticket.number


def test_customer_page_has_a_box_that_searches_only_that_customer(client, data):
    page = parse(client.get(f"/customers/{data.asha.code}").text)
    form = page.css_first("#history form#history-search")
    assert form.attributes["hx-get"] == "/search" and form.attributes["hx-target"] == "#search-results"
    assert form.css_first("input[name=customer]").attributes["value"] == data.asha.code
    assert page.css_first("#history #search-results") is not None
    tree = parse(client.get("/search", params={"q": "washer drum", "customer": data.asha.code}, headers=HX).text)
    customers = {a.attributes["href"] for a in tree.css(".hit a.hit-customer")}
    assert customers == {f"/customers/{data.asha.code}"}
    assert tree.css_first("#search-results")


def test_customer_filter_accepts_spaces_and_reports_bad_ids(client, data):
    tree = parse(client.get("/search", params={"q": "washer", "customer": ids.format_grouped(data.ravi.code)}, headers=HX).text)
    assert {a.attributes["href"] for a in tree.css(".hit a.hit-customer")} == {f"/customers/{data.ravi.code}"}
    tree = parse(client.get("/search", params={"q": "washer", "customer": "12345"}, headers=HX).text)
    assert tree.css_first(".field-error[data-field=customer]") and not tree.css(".hit")


def test_paging_links_and_total(client):
    tree = parse(client.get("/search", params={"q": "webpaging"}, headers=HX).text)
    assert "of 25 results" in tree.css_first("#result-count").text()
    assert len(tree.css(".hit")) == 20
    next_link = tree.css_first(".pager a[rel=next]")
    assert next_link.attributes["hx-get"] == next_link.attributes["href"] == "/search?q=webpaging&page=2"
    second = parse(client.get(next_link.attributes["href"], headers=HX).text)
    assert len(second.css(".hit")) == 5 and second.css_first(".pager a[rel=prev]")


def test_filters_are_kept_in_page_links(client, data):
    agent = data.agent
    tree = parse(client.get("/search", params={"q": "webpaging", "agent": str(agent.id), "kind": "note"}, headers=HX).text)
    href = tree.css_first(".pager a[rel=next]").attributes["href"]
    assert f"agent={agent.id}" in href and "kind=note" in href and "page=2" in href


def test_did_you_mean_link(client):
    tree = parse(client.get("/search", params={"q": "wahser"}, headers=HX).text)
    link = tree.css_first(".did-you-mean a")
    assert link.text(strip=True) == "washer" and link.attributes["hx-get"] == "/search?q=washer"


@pytest.mark.parametrize(
    "raw",
    ['"unbalanced', "OR", "-", "*", "a" * 10_000, "\x00\x1b[2J fridge", "((", '"', "NOT", "ख़*", "%00", "{{7*7}}"],
)
def test_bad_input_never_gives_a_server_error(client, raw):
    for headers in ({}, HX):
        response = client.get("/search", params={"q": raw}, headers=headers)
        assert response.status_code == 200, response.text[:300]
        assert "Traceback" not in response.text
    # What was typed comes back as text in the box, never evaluated or turned into markup.
    box = parse(client.get("/search", params={"q": raw}).text).css_first("#search-q")
    if raw.isprintable():
        assert box.attributes["value"] == raw[:500]
    assert client.get("/api/search", params={"q": raw}).status_code == 200


def test_bad_page_number_is_a_clean_error(client):
    response = client.get("/search", params={"q": "washer", "page": "abc"})
    assert response.status_code == 400 and "Traceback" not in response.text


def test_api_returns_hits_with_escaped_snippets(client, data):
    body = client.get("/api/search", params={"q": "washer", "customer": data.asha.code}).json()
    assert body["total"] >= 1 and body["page"] == 1 and body["page_size"] == 20
    hostile = next(hit for hit in body["hits"] if hit["key"] == f"interaction:{data.rows['hostile'].id}")
    assert "&lt;script&gt;" in hostile["snippet"] and "<script>" not in hostile["snippet"]
    assert "<mark>washer</mark>" in hostile["snippet"] and "<script>" in hostile["snippet_text"]
    assert hostile["customer_url"] == f"/customers/{data.asha.code}"


def test_api_filters_and_422(client, data):
    body = client.get("/api/search", params=[("q", "washer"), ("kind", "call"), ("kind", "note")]).json()
    assert {hit["kind"] for hit in body["hits"]} <= {"call", "note"}
    response = client.get("/api/search", params={"q": "washer", "channel": "pigeon", "date_from": "soon"})
    assert response.status_code == 422
    assert {item["key"] for item in response.json()["extra"]} == {"channel", "date_from"}


def test_api_is_documented_in_the_schema(client):
    schema = client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/api/search"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"q", "customer", "kind", "channel", "status", "agent", "date_from", "date_to", "page"} <= names
    assert "mark" in operation["description"]


def test_header_links_to_search(client):
    assert parse(client.get("/").text).css_first('header a[href="/search"]')


def test_a_damaged_index_shows_a_calm_message(store, data, client_for, tmp_path):
    agent = data.agent
    client = client_for(store, agent, index_dir=tmp_path / "damaged")
    wait_until_searchable(client)
    runtime = client.app.state.search
    runtime.indexer.stop()  # hold the repair back so the page meets the damage
    for path in runtime.layout.current_dir().iterdir():
        if path.suffix in (".seg", ".toc"):
            path.write_bytes(b"\x00garbage")
    runtime.engine.close()
    runtime.engine.reopen()
    response = client.get("/search", params={"q": "washer"})
    assert response.status_code == 200 and "Traceback" not in response.text
    assert "not available right now" in parse(response.text).css_first("#search-results").text()
    api = client.get("/api/search", params={"q": "washer"})
    assert api.status_code == 503 and "not available" in api.json()["detail"]
