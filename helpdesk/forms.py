"""Input checks shared by every area's input models, and turning their errors into one message per form field."""

from __future__ import annotations

import re
from typing import Annotated, Optional

from pydantic import BeforeValidator, Field, StringConstraints, ValidationError

from helpdesk.i18n.text import Translatable


def field_errors(exc: ValidationError) -> dict[str, str]:
    """{field: message} for the first problem with each field; messages are written for people."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = error["msg"].removeprefix("Value error, ")
        # Our own validators' messages keep their message id, so a customer's page can show them in Hindi.
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Translatable):
            message = cause.args[0]
        if error["type"] == "missing":
            message = Translatable("This is required.")
        elif error["type"] == "enum":
            message = Translatable("Choose one of the options.")
        errors.setdefault(field, message)
    return errors


def plain_text(value, *, label: str) -> str:
    """The value as text, or a message: an object, list or number sent where text belongs is refused, not guessed at.

    NUL is refused too: PostgreSQL cannot store it in a text column, and no one types it.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(Translatable("{label} must be text.", label=label))
    if "\x00" in value:
        raise ValueError(Translatable("{label} contains a NUL character, which cannot be stored; remove it.",
                                      label=label))
    return value


def limited_text(value: str | None, *, label: str, max_length: int, required: bool = True) -> str:
    """Strip; refuse non-text, empty (when required) and over-long text with a message that states the limit."""
    text = plain_text(value, label=label).strip()
    if required and not text:
        raise ValueError(Translatable("{label} cannot be empty.", label=label))
    if len(text) > max_length:
        raise ValueError(Translatable("{label} can be at most {most:,} characters; this has {length:,}.",
                                      label=label, most=max_length, length=len(text)))
    return text


def _blank_is_none(value):
    # An empty key means "no key": it must never match another submission's empty key.
    return (value.strip() or None) if isinstance(value, str) else value


IDEMPOTENCY_KEY_MAX = 64

# Keys are machine-made (our forms use random URL-safe text; API clients send UUIDs): visible ASCII only.
IdempotencyKey = Annotated[Optional[Annotated[str, StringConstraints(max_length=IDEMPOTENCY_KEY_MAX,
                                                                     pattern=r"^[\x21-\x7e]+$")]],
                           BeforeValidator(_blank_is_none)]
"""A form's or API call's idempotency key: the same key twice does the work once. Blank means none."""


# Ids, versions and counters are INTEGER columns: 32 bits on PostgreSQL. A larger number names no row, and passed on
# it would fail in the database (SQLite's limit, 2**63 - 1, is the same story further out): refuse it at the door.
DB_INT_MAX = 2**31 - 1


def not_a_bool(value):
    """`true` is not a number: pydantic would read it as 1 (a real id, version or score); refuse it instead."""
    if isinstance(value, bool):
        raise ValueError("A number is needed here, not true or false.")
    return value


RowId = Annotated[int, Field(ge=1, le=DB_INT_MAX), BeforeValidator(not_a_bool)]
"""A row id sent by a form or API client."""

Version = Annotated[int, Field(ge=0, le=DB_INT_MAX), BeforeValidator(not_a_bool)]
"""A row version an agent saw (optimistic concurrency)."""


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
