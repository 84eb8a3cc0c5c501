"""The lookup box: customer IDs in any spacing, phone numbers in any common form, and clear messages."""

from __future__ import annotations

import pytest

from helpdesk import ids
from tests.conftest import parse, texts

HX = {"HX-Request": "true"}


def _message(html: str) -> str:
    node = parse(html).css_first("#lookup-message .message")
    return node.text(strip=True) if node else ""


@pytest.mark.parametrize("style", ["plain", "grouped", "dashed"])
def test_id_opens_the_customer(client, world, style):
    code = world.customer.code
    typed = {"plain": code, "grouped": ids.format_grouped(code), "dashed": ids.format_grouped(code).replace(" ", "-")}[style]
    response = client.get("/lookup", params={"q": typed}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{code}"


def test_htmx_lookup_redirects_the_whole_browser(client, world):
    response = client.get("/lookup", params={"q": world.customer.code}, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/customers/{world.customer.code}"


@pytest.mark.parametrize("typed", ["+91 98123 45678", "09812345678", "9812345678", "919812345678"])
def test_phone_number_in_any_form_opens_the_customer(client, world, typed):
    response = client.get("/lookup", params={"q": typed}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{world.customer.code}"


def test_shared_number_offers_a_choice(client, world):
    response = client.get("/lookup", params={"q": world.shared_phone[3:]}, headers=HX)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    tree = parse(response.text)
    links = [a.attributes["href"] for a in tree.css("#lookup-message .choices a")]
    assert f"/customers/{world.sibling.code}" in links and len(links) == 2
    assert sorted(texts(tree, ".choices .name")) == ["Kavya Verma", "Rahul Verma"]
    assert "9700011122" not in response.text


def test_mistyped_id_says_ask_again(client, world):
    code = world.customer.code
    mistyped = code[:3] + str((int(code[3]) + 1) % 10) + code[4:]
    response = client.get("/lookup", params={"q": mistyped}, headers=HX)
    assert response.status_code == 200
    message = _message(response.text)
    assert "not a valid customer ID" in message and "Ask the caller to repeat it" in message


def test_swapped_digits_are_caught(client, world):
    code = world.customer.code
    position = next(i for i in range(8) if code[i] != code[i + 1])
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert "check digit" in _message(client.get("/lookup", params={"q": swapped}, headers=HX).text)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12345", "9 digits"), ("ABCDEFGHI", "digits only"), ("", "Type the customer ID"), ("9" * 500, "too long"),
     ("12345678901234", "9 digits"), ("+44 20 7946 0958", "No customer has the number +44 ••••• ••958")],
)
def test_bad_input_gets_a_message_not_a_crash(client, typed, expected):
    response = client.get("/lookup", params={"q": typed}, headers=HX)
    assert response.status_code == 200
    assert expected in _message(response.text)


def test_unknown_valid_id_says_nobody_has_it(client):
    code = ids.with_check_digit("33333333")
    response = client.get("/lookup", params={"q": code}, headers=HX)
    assert f"No customer has the ID {ids.format_grouped(code)}" in _message(response.text)


def test_unknown_phone_says_so(client):
    assert "No customer has the number" in _message(client.get("/lookup", params={"q": "9000000001"}, headers=HX).text)


def test_without_htmx_the_page_keeps_what_was_typed(client):
    typed = "4821 0937 1"
    response = client.get("/lookup", params={"q": typed})
    assert response.status_code == 200
    tree = parse(response.text)
    assert tree.css_first("#lookup-page-q").attributes["value"] == typed
    assert tree.css_first("#lookup-q").attributes["value"] == typed
    assert "not a valid customer ID" in _message(response.text)


def test_unknown_id_without_htmx_is_404_with_the_form(client):
    response = client.get("/lookup", params={"q": ids.with_check_digit("44444444")})
    assert response.status_code == 404
    assert parse(response.text).css_first("#lookup-page-q") is not None


def test_lookup_text_is_escaped(client):
    response = client.get("/lookup", params={"q": "<img src=x onerror=alert(1)>"}, headers=HX)
    assert "<img" not in response.text
    response = client.get("/lookup", params={"q": "<img src=x onerror=alert(1)>"})
    assert parse(response.text).css("img") == []


def test_api_lookup_by_phone(client, world, anon):
    response = client.get("/api/lookup", params={"phone": "+91 98123 45678"})
    assert response.status_code == 200
    assert response.json() == [{
        "customer_id": world.customer.code, "name": "Asha Verma", "phone_masked": "+91 ••••• ••678", "city": "Lucknow",
        "url": f"/customers/{world.customer.code}",
    }]
    assert len(client.get("/api/lookup", params={"phone": world.shared_phone}).json()) == 2
    bad = client.get("/api/lookup", params={"phone": "12"})
    assert bad.status_code == 422 and bad.json()["extra"][0]["key"] == "phone"
    assert anon.get("/api/lookup", params={"phone": "9812345678"}).status_code == 401
