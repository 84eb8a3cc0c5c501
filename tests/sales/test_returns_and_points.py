"""Returns as credit notes (spend, warranty, claims, over-returns) and loyalty points (earn, take back, redeem, page)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from helpdesk.sales.models import LoyaltyEntry, Purchase
from tests import factories
from tests.conftest import csrf_from, parse
from tests.sales.conftest import order_number, sale


@pytest.fixture
def shopper(db):
    """A fresh customer for each test, so spend and points start from nothing."""
    return factories.customer(db, name="Return Shopper", phone=None)


def _buy(pos, shopper, *lines) -> dict:
    response = pos.post("/api/pos/purchases", json=sale({"customer_id": shopper.code}, *lines))
    assert response.status_code == 201, response.text
    return response.json()


def _return(pos, original: dict, *lines: tuple[int, int], **fields):
    return pos.post("/api/pos/returns", json={
        "credit_note_number": order_number().replace("POS", "CN"), "store": "Lajpat Nagar store",
        "original_order_number": original["order_number"], "returned_at": datetime.now(UTC).isoformat(),
        "lines": [{"line": line, "quantity": quantity} for line, quantity in lines], **fields})


def _header(client, code: str) -> dict[str, str]:
    tree = parse(client.get(f"/customers/{code}").text)
    return {"spend": tree.css_first("#lifetime-spend").text(strip=True),
            "points": tree.css_first("#loyalty-balance").text(strip=True)}


def _warranty_cell(client, code: str, line_id: int) -> str:
    return parse(client.get(f"/customers/{code}").text).css_first(f"#line-{line_id}-warranty").text(strip=True)


# --- returns ----------------------------------------------------------------------------------------------------


def test_a_partial_return_lowers_spend_warranty_quantity_and_points(pos, client, shopper, fan, fridge):
    # 3 fans at ₹2,000 + ₹360 tax for the three, and a fridge at ₹25,000: ₹31,360 → 313 points at ₹100 a point.
    bought = _buy(pos, shopper, (fan.sku, 3, 2_000_00, 360_00, "FAN-SET"), (fridge.sku, 1, 25_000_00, 0, "RF-KEPT"))
    assert bought["points"] == 313
    response = _return(pos, bought, (1, 1), total_paise=2_120_00)  # one fan and a third of its tax
    assert response.status_code == 201, response.text
    assert response.json()["total_paise"] == -2_120_00 and response.json()["kind"] == "return"
    assert _header(client, shopper.code) == {"spend": "₹29,240.00", "points": "292"}
    fan_line = bought["lines"][0]["line_id"]
    assert "2 of 3; 1 returned" in _warranty_cell(client, shopper.code, fan_line)
    # Two fans are still the customer's: a claim can still be filed for them.
    form = client.get(f"/claims/new?customer={shopper.code}&line={fan_line}")
    assert "cannot get a warranty claim" not in form.text


def test_a_full_return_ends_the_warranty_and_refuses_a_claim(pos, client, db, shopper, fridge):
    bought = _buy(pos, shopper, (fridge.sku, 1, 25_000_00, 4_500_00, "RF-BACK"))
    assert _return(pos, bought, (1, 1)).status_code == 201
    line_id = bought["lines"][0]["line_id"]
    assert _warranty_cell(client, shopper.code, line_id) == "Returned"
    assert _header(client, shopper.code) == {"spend": "₹0.00", "points": "0"}
    page = client.get(f"/claims/new?customer={shopper.code}&line={line_id}")
    assert "cannot get a warranty claim" in parse(page.text).css_first("#eligibility").text()
    token = csrf_from(page.text)
    filed = client.post("/claims", data={"customer": shopper.code, "purchase_line_id": str(line_id),
                                         "fault_category": "Not cooling", "description": "Returned already",
                                         "remedy": "repair", "_csrf_token": token})
    assert filed.status_code == 400 and "cannot get a warranty claim" in filed.text
    with db.read() as session:
        note = session.exec(select(Purchase).where(Purchase.credits_purchase_id != None)  # noqa: E711
                            .where(Purchase.customer_id == shopper.id)).one()
    assert (note.kind, note.total_paise, note.tax_paise) == ("return", -29_500_00, -4_500_00)


def test_returning_more_than_was_bought_is_refused(pos, shopper, fan):
    bought = _buy(pos, shopper, (fan.sku, 2, 2_000_00, 0))
    response = _return(pos, bought, (1, 3))
    assert response.status_code == 422
    assert "Only 2 of line 1" in response.json()["extra"][0]["message"]
    assert _return(pos, bought, (1, 2)).status_code == 201
    again = _return(pos, bought, (1, 1))
    assert again.status_code == 422 and "2 already returned" in again.json()["extra"][0]["message"]


def test_a_line_the_order_does_not_have_or_an_unknown_order_is_refused(pos, shopper, fan):
    bought = _buy(pos, shopper, (fan.sku, 1, 2_000_00, 0))
    assert _return(pos, bought, (2, 1)).json()["extra"][0]["key"] == "lines.0.line"
    unknown = _return(pos, {"order_number": "NEVER-SOLD"}, (1, 1))
    assert unknown.status_code == 422 and unknown.json()["extra"][0]["key"] == "original_order_number"
    wrong_total = _return(pos, bought, (1, 1), total_paise=1)
    assert wrong_total.json()["extra"][0]["key"] == "total_paise"


def test_a_credit_note_sent_twice_is_recorded_once(pos, client, shopper, fan):
    bought = _buy(pos, shopper, (fan.sku, 2, 2_000_00, 0))
    body = {"credit_note_number": order_number(), "store": "Lajpat Nagar store",
            "original_order_number": bought["order_number"], "returned_at": datetime.now(UTC).isoformat(),
            "lines": [{"line": 1, "quantity": 1}]}
    first, second = pos.post("/api/pos/returns", json=body), pos.post("/api/pos/returns", json=body)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert _header(client, shopper.code)["spend"] == "₹2,000.00"


def test_the_credit_note_is_on_the_customer_page(pos, client, shopper, fan):
    bought = _buy(pos, shopper, (fan.sku, 1, 2_000_00, 0))
    note = _return(pos, bought, (1, 1)).json()
    tree = parse(client.get(f"/customers/{shopper.code}").text)
    row = tree.css_first(f"#purchase-{note['order_number']}")
    assert row is not None and "Credit note" in row.text() and "Returned:" in row.text()
    assert parse(client.get(f"/customers/{shopper.code}").text).css_first("#purchases .count").text() == "1"


# --- loyalty points ----------------------------------------------------------------------------------------------


def test_points_are_redeemed_and_more_than_the_balance_is_refused(pos, client, db, shopper, fridge):
    _buy(pos, shopper, (fridge.sku, 1, 25_000_00, 0))  # 250 points
    too_many = pos.post("/api/pos/redemptions", json={"customer_id": shopper.code, "points": 251, "store": "Saket"})
    assert too_many.status_code == 422 and "250 points" in too_many.json()["extra"][0]["message"]
    spent = pos.post("/api/pos/redemptions", json={"customer_id": shopper.code, "points": 100, "store": "Saket",
                                                   "reference": "RCPT-77"}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert spent.status_code == 201 and spent.json() == {"customer_id": shopper.code, "points": 100, "balance": 150}
    assert _header(client, shopper.code)["points"] == "150"
    with db.read() as session:
        entries = session.exec(select(LoyaltyEntry.kind, LoyaltyEntry.points, LoyaltyEntry.balance_after)
                               .where(LoyaltyEntry.customer_id == shopper.id).order_by(LoyaltyEntry.id)).all()
    assert [tuple(e) for e in entries] == [("earn", 250, 250), ("redeem", -100, 150)]


def test_the_points_history_shows_and_pages(pos, client, shopper, fan):
    for _ in range(12):
        _buy(pos, shopper, (fan.sku, 1, 2_000_00, 0))  # 20 points each
    page = parse(client.get(f"/customers/{shopper.code}").text)
    rows = page.css("#points-rows tr.points-entry")
    assert len(rows) == 10 and "+20" in rows[0].text() and "240" in rows[0].text()
    more = page.css_first("#points-rows a.load-more").attributes["hx-get"]
    partial = client.get(more, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text
    assert len(parse(f"<table>{partial.text}</table>").css("tr.points-entry")) == 2
    full = client.get(more)
    assert "<html" in full.text and "Loyalty points" in full.text
    boosted = client.get(more, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_the_redemption_names_an_existing_customer(pos):
    response = pos.post("/api/pos/redemptions", json={"customer_id": "12", "points": 1, "store": "Saket"})
    assert response.status_code == 422 and response.json()["extra"][0]["key"] == "customer_id"


def test_the_reports_count_a_return_as_negative_spend(pos, db, settings, shopper, fan):
    from helpdesk.reports.models import StatsCustomer
    from helpdesk.reports.refresh import refresh

    bought = _buy(pos, shopper, (fan.sku, 3, 2_000_00, 0))
    assert _return(pos, bought, (1, 1)).status_code == 201
    refresh(db, settings.reports, full=True)
    with db.read() as session:
        stats = session.get(StatsCustomer, shopper.id)
    assert (stats.orders, stats.gross_paise, stats.returned_paise, stats.net_paise) == (1, 6_000_00, 2_000_00, 4_000_00)


def _together(calls) -> list:
    """Run the calls at the same moment from threads (the handlers run in the app's worker threads)."""
    import threading

    barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.skipif(not __import__("os").environ.get("HELPDESK_TEST_DATABASE_URL"),
                    reason="PostgreSQL's race (SQLite serialises writers)")
def test_two_returns_of_the_last_item_at_once_take_it_back_once(pos, shopper, fan):
    bought = _buy(pos, shopper, (fan.sku, 1, 2_000_00, 0))
    answers = _together([lambda: _return(pos, bought, (1, 1)), lambda: _return(pos, bought, (1, 1))])
    assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]


@pytest.mark.skipif(not __import__("os").environ.get("HELPDESK_TEST_DATABASE_URL"),
                    reason="PostgreSQL's race (SQLite serialises writers)")
def test_two_redemptions_of_the_whole_balance_at_once_spend_it_once(pos, client, shopper, fridge):
    _buy(pos, shopper, (fridge.sku, 1, 25_000_00, 0))  # 250 points
    redeem = {"customer_id": shopper.code, "points": 200, "store": "Saket"}
    answers = _together([lambda: pos.post("/api/pos/redemptions", json=redeem)] * 2)
    assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
    assert _header(client, shopper.code)["points"] == "50"
