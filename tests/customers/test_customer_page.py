"""The single customer view: page, HTMX partials, JSON, escaping, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from helpdesk import ids
from helpdesk.sales.service import warranty_last_day
from tests import factories
from tests.conftest import parse, texts
from tests.world import HISTORY_SIZE, HOSTILE

HX = {"HX-Request": "true"}


def test_page_shows_profile_masked(client, world):
    response = client.get(f"/customers/{world.customer.code}")
    assert response.status_code == 200
    tree = parse(response.text)
    assert tree.css_first("h1.customer-name").text(strip=True) == "Asha Verma"
    assert tree.css_first(".cid-big").text(strip=True) == ids.format_grouped(world.customer.code)
    assert "+91 ••••• ••678" in response.text
    assert "9812345678" not in response.text and "asha.verma@example.in" not in response.text
    assert tree.css_first("#lifetime-spend").text(strip=True) == "₹74,499.00"
    assert tree.css_first("#outstanding").text(strip=True) == "₹5,000.00"
    assert response.headers["cache-control"] == "no-store"


def test_purchases_newest_first_with_warranty_status(client, world):
    tree = parse(client.get(f"/customers/{world.customer.code}").text)
    orders = texts(tree, "#purchases .order-number")
    assert orders == [world.washer_purchase.order_number, world.fridge_purchase.order_number]
    rows = tree.css("#purchases tr.line")
    washer, fridge = rows[0].text(), rows[1].text()
    assert "WM 7KG-X" in washer and "WM7-SN-7777" in washer and "₹31,999.00" in washer
    last_day = warranty_last_day(world.washer_purchase.purchased_on, 24)
    assert f"In warranty until {last_day:%d %b %Y}" in washer
    assert "RF-2301" in fridge and "Expired on 10 Mar 2023" in fridge


def test_claims_and_tickets(client, world):
    tree = parse(client.get(f"/customers/{world.customer.code}").text)
    claim_row = tree.css_first(f"#claim-{world.claim.number}")
    assert "Front-load washing machine" in claim_row.text() and "In review" in claim_row.text()
    ticket_numbers = texts(tree, "#tickets tr.ticket td.mono")
    assert ticket_numbers.index(world.open_ticket.number) < ticket_numbers.index(world.solved_ticket.number)
    assert tree.css_first(f"#open-ticket-rows #ticket-{world.open_ticket.number}") is not None
    assert tree.css_first(f"#past-ticket-rows #ticket-{world.solved_ticket.number}") is not None


def test_timeline_first_page_is_newest_twenty(client, world):
    tree = parse(client.get(f"/customers/{world.customer.code}").text)
    bodies = texts(tree, "#timeline li.entry .body")
    assert len(bodies) == 20
    assert bodies[0] == HOSTILE and bodies[1].startswith("ग्राहक ने कहा फ्रिज ख़राब है")
    assert bodies[2] == f"history entry {HISTORY_SIZE - 3:02d}"
    assert tree.css_first("#timeline-more a.load-more") is not None


def test_load_more_walks_the_whole_history_without_gaps(client, world):
    tree = parse(client.get(f"/customers/{world.customer.code}").text)
    seen = texts(tree, "#timeline li.entry .body")
    link = tree.css_first("#timeline-more a.load-more").attributes["hx-get"]
    while link:
        response = client.get(link, headers=HX)
        assert response.status_code == 200
        assert "<html" not in response.text and "<body" not in response.text
        part = parse(response.text)
        seen += texts(part, "li.entry .body")
        more = part.css_first("a.load-more")
        link = more.attributes["hx-get"] if more else None
    assert len(seen) == HISTORY_SIZE == len(set(seen))
    assert seen[-1] == "history entry 00"


def test_timeline_partial_vs_full_page(client, world):
    tree = parse(client.get(f"/customers/{world.customer.code}").text)
    link = tree.css_first("#timeline-more a.load-more").attributes["href"]
    partial = client.get(link, headers=HX)
    full = client.get(link)
    boosted = client.get(link, headers={**HX, "HX-Boosted": "true"})
    assert "<html" not in partial.text
    assert "<html" in full.text and "<html" in boosted.text
    assert partial.headers["vary"] == "HX-Request"
    assert texts(parse(full.text), "#timeline li.entry .body") == texts(parse(partial.text), "li.entry .body")


def test_hostile_text_is_shown_as_text_in_page_and_partial(client, world):
    page = client.get(f"/customers/{world.customer.code}")
    assert HOSTILE not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert all("alert" not in (node.text() or "") for node in parse(page.text).css("script"))
    # The same entry reached through an HTMX partial: page from just after the newest entry.
    newest = max(world.interactions, key=lambda row: (row.created_at, row.id))
    after = world.interactions[-1]
    cursor = f"{int(after.created_at.timestamp() * 1_000_000) + 1}-{after.id + 1}"
    partial = client.get(f"/customers/{world.customer.code}/timeline", params={"cursor": cursor}, headers=HX)
    assert newest.body == HOSTILE
    assert HOSTILE not in partial.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in partial.text
    assert parse(partial.text).css("script") == []


def test_bad_cursor_is_a_clear_400(client, world):
    response = client.get(f"/customers/{world.customer.code}/timeline", params={"cursor": "nonsense"})
    assert response.status_code == 400
    assert "page link is not valid" in response.text


def test_non_canonical_id_in_url_redirects(client, world):
    grouped = ids.format_grouped(world.customer.code).replace(" ", "-")
    response = client.get(f"/customers/{grouped}", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/customers/{world.customer.code}"


def test_malformed_and_unknown_ids_on_the_page(client):
    malformed = client.get("/customers/12345")
    assert malformed.status_code == 422 and "not a valid customer ID" in malformed.text
    unknown = client.get(f"/customers/{ids.with_check_digit('11111111')}")
    assert unknown.status_code == 404 and "No customer has the ID 1111 1111" in unknown.text


def test_json_view(client, world):
    response = client.get(f"/api/customers/{world.customer.code}")
    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["name"] == "Asha Verma"
    assert body["profile"]["phone_masked"] == "+91 ••••• ••678"
    assert [p["order_number"] for p in body["purchases"]["items"]][0] == world.washer_purchase.order_number
    washer_line = body["purchases"]["items"][0]["lines"][0]
    assert washer_line["model_number"] == "WM 7KG-X" and washer_line["in_warranty"] is True
    assert body["claims"]["items"][0]["number"] == world.claim.number
    assert body["open_tickets"]["items"][0]["number"] == world.open_ticket.number
    assert body["open_tickets"]["total"] == 1
    assert body["timeline"]["items"][0]["body"] == HOSTILE
    assert len(body["timeline"]["items"]) == 20 and body["timeline"]["next_cursor"]


def test_json_view_errors(client, anon):
    unknown = client.get(f"/api/customers/{ids.with_check_digit('22222222')}")
    assert unknown.status_code == 404
    malformed = client.get("/api/customers/12AB")
    assert malformed.status_code == 422
    assert malformed.json()["extra"][0]["key"] == "customer_id"
    assert "not a valid customer ID" in malformed.json()["detail"]
    assert anon.get(f"/api/customers/{ids.with_check_digit('22222222')}").status_code == 401


def test_openapi_schema_documents_the_customer_api(client):
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/customers/{customer_id}" in response.json()["paths"]


def test_query_count_does_not_grow_with_history(client, db, count_queries):
    small = factories.customer(db, name="Small History")
    big = factories.customer(db, name="Big History")
    product = factories.product(db, name="Mixer grinder", model_number="MG-750", warranty_months=12)
    for cust, purchases, notes in ((small, 1, 3), (big, 40, 400)):
        for index in range(purchases):
            factories.purchase(db, cust, on=date(2024, 1, 1) + timedelta(days=index), lines=[(product, f"S{index}", 100), (product, None, 200)])
        factories.interactions(db, cust, [f"note {i}" for i in range(notes)], start=datetime(2025, 1, 1, tzinfo=UTC))
        factories.ticket(db, cust, subject="Open one")
    counts = []
    for cust in (small, big):
        count_queries.count = 0
        assert client.get(f"/customers/{cust.code}").status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1]
    assert counts[1] <= 12, count_queries.statements
