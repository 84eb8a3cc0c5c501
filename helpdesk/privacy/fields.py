"""Contact fields validated the same way wherever a person's details are typed: the contact form and registration."""

from __future__ import annotations

from pydantic import field_validator
from sqlmodel import SQLModel

from helpdesk import phones
from helpdesk.forms import email_address, limited_text


def phone_field(value, *, label: str = "The number", required: bool = False) -> str | None:
    """A typed phone number in E.164 (what lookups and the blind index use); blank is None unless required."""
    text = limited_text(value, label=label, max_length=40, required=required)
    if not text:
        return None
    try:
        return phones.normalise(text)
    except phones.InvalidPhone as exc:
        raise ValueError(str(exc)) from None


class AddressFields(SQLModel):
    """E-mail, street address and city: optional, checked and trimmed alike on every form that takes them."""

    email: str | None = None
    address_line: str | None = None
    city: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value):
        return email_address(value) if value and str(value).strip() else None

    @field_validator("address_line", mode="before")
    @classmethod
    def _address(cls, value):
        return limited_text(value, label="The street address", max_length=200, required=False) or None

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, value):
        return limited_text(value, label="The city", max_length=80, required=False) or None
