"""Turning input-model validation errors into one message per form field."""

from __future__ import annotations

import re
from typing import Annotated, Optional

from pydantic import BeforeValidator, StringConstraints, ValidationError


def field_errors(exc: ValidationError) -> dict[str, str]:
    """{field: message} for the first problem with each field; messages are written for people."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "This is required."
        elif error["type"] == "enum":
            message = "Choose one of the options."
        errors.setdefault(field, message)
    return errors


def limited_text(value: str | None, *, label: str, max_length: int, required: bool = True) -> str:
    """Strip; refuse empty (when required) and over-long text with a message that states the limit."""
    text = (value or "").strip()
    if required and not text:
        raise ValueError(f"{label} cannot be empty.")
    if len(text) > max_length:
        raise ValueError(f"{label} can be at most {max_length:,} characters; this has {len(text):,}.")
    return text


def _blank_is_none(value):
    # An empty key means "no key": it must never match another submission's empty key.
    return (value.strip() or None) if isinstance(value, str) else value


IDEMPOTENCY_KEY_MAX = 64

IdempotencyKey = Annotated[Optional[Annotated[str, StringConstraints(max_length=IDEMPOTENCY_KEY_MAX)]],
                           BeforeValidator(_blank_is_none)]
"""A form's or API call's idempotency key: the same key twice does the work once. Blank means none."""


class InvalidInput(ValueError):
    """Input that breaks a rule of the domain; `errors` maps form fields to messages written for people."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


EMAIL_MAX = 254
# The common shape of an address (RFC 5321 limits, an ASCII domain with a dot): "name@example.in". Not every address
# the RFCs allow, but every one a shop will be given; internationalised domains go in their xn-- form.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62}")


def email_address(value: str | None, *, label: str = "The e-mail address") -> str:
    """A stripped, syntactically sound e-mail address (ValueError with a message for people otherwise)."""
    text = limited_text(value, label=label, max_length=EMAIL_MAX)
    local = text.rpartition("@")[0]
    if not _EMAIL.fullmatch(text) or len(local) > 64:
        raise ValueError("That is not an e-mail address: it looks like name@example.in.")
    return text
