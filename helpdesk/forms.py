"""Turning input-model validation errors into one message per form field."""

from __future__ import annotations

from pydantic import ValidationError


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
