"""Phone numbers: every Indian form and numbers abroad normalise to E.164; IDs, serials and junk do not; masks hint only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk import ids, phones

MASK_DOT = "\u2022"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        # Mobiles, as agents type them and telephony sends them.
        ("+91 98123 45678", "+919812345678"),
        ("09812345678", "+919812345678"),
        ("919812345678", "+919812345678"),
        ("9812345678", "+919812345678"),
        ("0091 98123 45678", "+919812345678"),
        ("(+91) 98123-45678", "+919812345678"),
        ("९८१२३ ४५६७८", "+919812345678"),  # Devanagari digits
        # Delhi, Mumbai and Bengaluru landlines: with the trunk 0 or with +91.
        ("011 2345 6789", "+911123456789"),
        ("011-23456789", "+911123456789"),
        ("+91 11 2345 6789", "+911123456789"),
        ("+91 011 2345 6789", "+911123456789"),
        ("022 2345 6789", "+912223456789"),
        ("+91 22 2345 6789", "+912223456789"),
        ("080 2345 6789", "+918023456789"),
        # Outside India: + (or 00) and the country code.
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 415 555 2671", "+14155552671"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+971 50 123 4567", "+971501234567"),
    ],
)
def test_real_forms_normalise_to_e164(typed, e164):
    assert phones.normalise(typed) == e164
    assert phones.is_phone(typed)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "No phone number"),
        ("   ", "No phone number"),
        ("482109379", "customer ID"),
        ("4821 0937 9", "customer ID"),
        ("98123 4567", "customer ID"),  # a mobile missing a digit looks exactly like an ID
        ("12345", "too short"),
        ("2345 6789", "too short"),  # a landline without its area code
        ("98123 456789 1", "too long"),
        ("1123456789", "needs the 0"),  # a Delhi landline without the trunk 0 reads like a serial
        ("1812345678", "needs the 0"),
        ("+91 2345 6789", "after +91 come 10 digits"),
        ("+44 20 7946", "+44 (GB)"),
        ("+1 415 555 267", "+1 (US)"),
        ("+999 1234 5678", "country code does not exist"),
        ("SN9812345678", "digits only"),  # a serial number: phonenumbers alone would skip the letters
        ("98123456789x", "digits only"),
        ("+91 98123 45678 ext. 12", "digits only"),
        ("98123+45678", "The + goes"),
        ("++91 98123 45678", "The + goes"),
        ("+", "not a phone number"),
    ],
)
def test_what_is_not_a_number_gets_a_message_for_the_agent(typed, says):
    with pytest.raises(phones.InvalidPhone, match=r"^[A-Z0-9+].*[.]$") as caught:
        phones.normalise(typed)
    assert says in str(caught.value)
    assert not phones.is_phone(typed)


@given(st.from_regex(r"\+91[6-9][0-9]{9}", fullmatch=True))
def test_stored_indian_mobiles_normalise_to_themselves(stored):
    # Every number on file before phonenumbers came in was +91 and 10 digits starting 6-9: all must keep matching.
    assert phones.normalise(stored) == stored
    assert phones.normalise(stored[3:]) == stored
    assert phones.normalise("0" + stored[3:]) == stored


@given(st.sampled_from(["+919812345678", "011 2345 6789", "+44 20 7946 0958", "+1 415 555 2671", "022 2345 6789"]))
def test_normalise_is_idempotent_and_display_round_trips(typed):
    once = phones.normalise(typed)
    assert phones.normalise(once) == once
    assert phones.normalise(phones.format_display(once)) == once


@given(st.text(alphabet="0123456789 -", min_size=1, max_size=14))
def test_nine_digits_are_never_a_phone(typed):
    digits = [c for c in typed if c.isdigit()]
    if len(digits) == ids.ID_LENGTH:
        assert not phones.is_phone(typed)


@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_no_customer_id_is_a_phone(body):
    customer_id = ids.with_check_digit(f"{body:08d}")
    assert not phones.is_phone(customer_id)
    assert not phones.is_phone(ids.format_grouped(customer_id))


@given(st.text(max_size=30))
def test_any_text_either_normalises_or_raises_invalid_phone(text):
    try:
        result = phones.normalise(text)
    except phones.InvalidPhone:
        return
    assert result.startswith("+") and result[1:].isdigit() and result.isascii()


@pytest.mark.parametrize(
    ("stored", "masked"),
    [
        ("+919812345678", "+91 ••••• ••678"),
        ("+911123456789", "+91 ••••• ••789"),  # a landline masks like a mobile: the city stays hidden
        ("+442079460958", "+44 ••••• ••958"),
        ("+14155552671", "+1 ••••• ••671"),
        ("+971501234567", "+971 •••• ••567"),
        ("9812345678", "+91 ••••• ••678"),  # not yet normalised
        (None, ""),
        ("", ""),
    ],
)
def test_mask_keeps_the_country_code_and_last_three_digits(stored, masked):
    assert phones.mask(stored) == masked


@given(st.from_regex(r"\+(91[6-9][0-9]{9}|4420[0-9]{8}|1415555[0-9]{4})", fullmatch=True))
def test_a_mask_never_shows_more_than_three_digits_of_the_number(stored):
    masked = phones.mask(stored)
    country, _, rest = masked.partition(" ")
    assert stored.startswith(country)
    assert sum(c.isdigit() for c in rest) == 3 and rest.endswith(stored[-3:])
    assert rest.count(MASK_DOT) == len(stored) - len(country) - 3


def test_a_mask_of_something_unparseable_still_hides_it():
    assert phones.mask("call 98123 4") == "• ••234"
    assert "98123" not in phones.mask("98123 4567x")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+919812345678", "+91 98123 45678"),
        ("+911123456789", "+91 11 2345 6789"),
        ("+912223456789", "+91 22 2345 6789"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+14155552671", "+1 415-555-2671"),
    ],
)
def test_format_display_groups_the_way_the_country_does(stored, shown):
    assert phones.format_display(stored) == shown


def test_mask_email_keeps_the_first_letter_and_the_domain():
    assert phones.mask_email("asha.verma@example.in") == "a•••••@example.in"
    assert phones.mask_email(None) == "" and phones.mask_email("no-at-sign") == ""
