"""Customer IDs: generate, normalise, validate (Damm check digit) and format for reading aloud.

An ID is 9 digits: 8 random digits (the first never 0, so spreadsheets keep it whole) and a Damm
check digit. Nine digits can never be an Indian phone number typed in the same box (those have
10 digits, 11 with a leading 0, 12 with 91), and the Damm digit rejects every single wrong digit
and every swap of two neighbouring different digits.
"""

from __future__ import annotations

import re
import secrets

ID_LENGTH = 9
_BODY_LENGTH = ID_LENGTH - 1
_SEPARATORS = re.compile(r"[\s\-.\u2010-\u2015]+")

# The Damm quasigroup of order 10 (weakly totally anti-symmetric), as published by H. M. Damm.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


class InvalidCustomerId(ValueError):
    """The text is not a well-formed customer ID (wrong length, non-digits, or failed check digit)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(reason)
        self.text = text
        self.reason = reason


def damm_digit(digits: str) -> int:
    """The Damm interim digit of a string of digits; 0 means the string carries a valid check digit."""
    interim = 0
    for char in digits:
        interim = _DAMM[interim][ord(char) - 48]
    return interim


def with_check_digit(body: str) -> str:
    """Append the Damm check digit to a string of digits."""
    return body + str(damm_digit(body))


def generate(randbelow=secrets.randbelow) -> str:
    """A new random customer ID (not checked for uniqueness: the caller retries on collision)."""
    first = str(1 + randbelow(9))
    rest = "".join(str(randbelow(10)) for _ in range(_BODY_LENGTH - 1))
    return with_check_digit(first + rest)


def normalise(text: str) -> str:
    """Drop the spaces, dashes and dots people type or read out between digit groups."""
    return _SEPARATORS.sub("", text.strip())


def parse(text: str) -> str:
    """Normalise and validate; return the canonical 9-digit ID or raise InvalidCustomerId."""
    compact = normalise(text)
    if not compact:
        raise InvalidCustomerId(text, "No customer ID was given.")
    if not compact.isascii() or not compact.isdigit():
        raise InvalidCustomerId(text, "A customer ID has digits only.")
    if len(compact) != ID_LENGTH:
        raise InvalidCustomerId(text, f"A customer ID has {ID_LENGTH} digits; this has {len(compact)}.")
    if damm_digit(compact) != 0:
        raise InvalidCustomerId(text, "The check digit does not match: a digit is wrong or two are swapped.")
    return compact


def is_valid(text: str) -> bool:
    """True when the text is a well-formed customer ID."""
    try:
        parse(text)
    except InvalidCustomerId:
        return False
    return True


def looks_like_id(text: str) -> bool:
    """True when the text has the shape of an ID (9 digits after separators), valid or not."""
    compact = normalise(text)
    return len(compact) == ID_LENGTH and compact.isascii() and compact.isdigit()


def format_grouped(customer_id: str) -> str:
    """Groups for reading aloud: 4821 0937 5."""
    return f"{customer_id[:4]} {customer_id[4:8]} {customer_id[8:]}"
