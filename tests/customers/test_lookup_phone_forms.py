"""Lookup by phone with the numbers the old parser refused: Delhi and Mumbai landlines, and customers abroad."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import parse

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def callers(db):
    """Customers whose numbers on file are a Delhi landline, a Mumbai landline, a London and a San Francisco number."""
    return {
        stored: factories.customer(db, name=name, phone=stored).code
        for stored, name in [
            ("+911147001234", "Delhi Landline"),
            ("+912261234567", "Mumbai Landline"),
            ("+442079460958", "London Caller"),
            ("+14155552671", "Sanfrancisco Caller"),
        ]
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("011 4700 1234", "+911147001234"),
        ("+91 11 4700 1234", "+911147001234"),
        ("01147001234", "+911147001234"),
        ("022 6123 4567", "+912261234567"),
        ("+91 22 6123 4567", "+912261234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_lookup_box_finds_landlines_and_numbers_abroad(client, callers, typed, stored):
    response = client.get("/lookup", params={"q": typed}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{callers[stored]}"


def test_screen_pop_api_finds_a_caller_abroad_and_masks_the_number(client, callers):
    answer = client.get("/api/lookup", params={"phone": "+44 20 7946 0958"}).json()
    assert [match["customer_id"] for match in answer] == [callers["+442079460958"]]
    assert answer[0]["phone_masked"] == "+44 ••••• ••958"
    assert "7946" not in str(answer)


def test_landline_without_its_zero_is_not_taken_for_a_phone(client, callers):
    # Ten digits not starting 6-9 are more likely a serial or order number than a landline missing its 0.
    response = client.get("/lookup", params={"q": "1147001234"}, headers=HX)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert "not a valid customer ID" in parse(response.text).css_first("#lookup-message .message").text()


def test_api_refuses_a_malformed_number_with_a_field_message(client):
    bad = client.get("/api/lookup", params={"phone": "+44 20 7946"})
    assert bad.status_code == 422
    assert bad.json()["extra"][0] == {"key": "phone", "message": "Not a valid number for +44 (GB). Check the digits with the caller."}
