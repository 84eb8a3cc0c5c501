"""Customer IDs: the check digit catches every single-digit error and neighbour swap."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk import ids, phones

bodies = st.text(alphabet="0123456789", min_size=ids.ID_LENGTH - 1, max_size=ids.ID_LENGTH - 1).filter(
    lambda body: body[0] != "0"
)


@given(bodies)
def test_generated_form_is_valid(body):
    code = ids.with_check_digit(body)
    assert len(code) == ids.ID_LENGTH
    assert ids.parse(code) == code


@given(bodies, st.integers(min_value=0, max_value=ids.ID_LENGTH - 1), st.integers(min_value=1, max_value=9))
def test_every_single_digit_error_is_rejected(body, position, shift):
    code = ids.with_check_digit(body)
    wrong_digit = str((int(code[position]) + shift) % 10)
    mistyped = code[:position] + wrong_digit + code[position + 1 :]
    assert mistyped != code
    with pytest.raises(ids.InvalidCustomerId):
        ids.parse(mistyped)


@given(bodies, st.integers(min_value=0, max_value=ids.ID_LENGTH - 2))
def test_every_adjacent_swap_of_different_digits_is_rejected(body, position):
    code = ids.with_check_digit(body)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped == code:
        return  # equal neighbours: swapping them changes nothing
    with pytest.raises(ids.InvalidCustomerId):
        ids.parse(swapped)


def test_exhaustive_single_errors_for_a_sample():
    """Belt and braces beside hypothesis: every position × every wrong digit, for 200 IDs."""
    rng = random.Random(7)
    for _ in range(200):
        code = ids.generate(randbelow=rng.randrange)
        for position in range(ids.ID_LENGTH):
            for digit in "0123456789":
                if digit != code[position]:
                    assert not ids.is_valid(code[:position] + digit + code[position + 1 :])


def test_generate_is_random_valid_and_never_starts_with_zero():
    codes = {ids.generate() for _ in range(2000)}
    # 2,000 draws from 90 million: a repeat or two happens (birthday odds ~2 %); many would mean a weak generator.
    assert len(codes) >= 1995
    assert all(ids.is_valid(code) and code[0] != "0" for code in codes)


@pytest.mark.parametrize("typed", ["4821 0937 9", "4821-0937-9", " 482109379 ", "4821.0937.9", "4821 – 0937 – 9"])
def test_spaces_and_dashes_are_accepted(typed):
    code = ids.with_check_digit("48210937")
    assert code == "482109379"
    assert ids.parse(typed) == code


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("", "No customer ID"), ("48210937", "9 digits"), ("4821093799", "9 digits"), ("48A109379", "digits only"),
     ("४८२१०९३७५", "digits only"), ("482109397", "check digit")],
)
def test_malformed_ids_say_why(typed, reason):
    with pytest.raises(ids.InvalidCustomerId, match=reason):
        ids.parse(typed)


def test_format_groups_for_reading_aloud():
    assert ids.format_grouped("482109379") == "4821 0937 9"


@given(bodies)
def test_an_id_is_never_taken_for_a_phone_number(body):
    assert not phones.is_phone(ids.with_check_digit(body))


@pytest.mark.parametrize("typed", ["+91 98123 45678", "09812345678", "9812345678", "919812345678", "+91-98123-45678",
                                   "(+91) 98123 45678", "0091 98123 45678"])
def test_phone_forms_normalise_to_one_number(typed):
    assert phones.normalise(typed) == "+919812345678"


@pytest.mark.parametrize("typed", ["12345", "98123 4567", "1812345678", "98123456789x", ""])
def test_not_phone_numbers(typed):
    assert not phones.is_phone(typed)


def test_phone_and_email_masks_keep_only_a_hint():
    assert phones.mask("+919812345678") == "+91 ••••• ••678"
    assert phones.mask_email("asha.verma@example.in") == "a•••••@example.in"
    assert "9812345" not in phones.mask("+919812345678")
